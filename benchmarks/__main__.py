"""`python -m benchmarks [--tiny] [--runs N]`: seed or restore the production, measure, print, save JSON."""

import sys

from benchmarks.cli import main

sys.exit(main())
