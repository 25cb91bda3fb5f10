"""Compile resources/resources.qrc into desktop/_resources_rc.py (generated, git-ignored).

Run it before building a wheel or a bundle; a source checkout does not need it (the app then reads
the files in resources/ directly).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    rcc = shutil.which("pyside6-rcc") or str(Path(sys.executable).with_name("pyside6-rcc"))
    out = ROOT / "desktop" / "_resources_rc.py"
    proc = subprocess.run([rcc, str(ROOT / "resources" / "resources.qrc"), "-o", str(out)], check=False)
    if proc.returncode == 0:
        print(f"wrote {out.relative_to(ROOT)}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
