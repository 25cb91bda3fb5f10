"""`python -m desktop` starts Slate (same as the `slate` command)."""

import sys

from desktop.app import main

sys.exit(main())
