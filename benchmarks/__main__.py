"""`python -m benchmarks [--tiny] [--runs N] [--only a,b] [--out FILE]`: seed or restore the production,
measure, print, save JSON (+ Markdown).

Without `--out`, a full run writes `benchmarks/results/latest.json` (`latest-tiny.json` with `--tiny`) and
a partial run (`--only`) writes `benchmarks/results/partial-<figures>.json`: the committed `latest.*` is
always one whole run, never replaced by, nor merged with, a subset measured at another time (see
`benchmarks/cli.py`)."""

import sys

from benchmarks.cli import main

sys.exit(main())
