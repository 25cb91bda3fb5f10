"""The PyInstaller bundle builds from build.spec and starts (`--version`, `--smoke-test`).

Marked slow (~1-2 min to build): deselect with `-m "not slow"` while iterating; scripts/run-tests runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_bundle_builds_and_starts(tmp_path: Path) -> None:
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("pyinstaller is not installed in the test venv (scripts/run-tests installs the [build] extra)")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(ROOT / "build.spec"), "--noconfirm",
         "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "build")],
        capture_output=True, text=True, cwd=ROOT, timeout=540,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    exe = tmp_path / "dist" / "slate" / "slate"
    assert exe.exists()
    internal = tmp_path / "dist" / "slate" / "_internal"
    bundled = {p.name for p in internal.rglob("*")}
    assert not any("WebEngine" in name or name.startswith("libQt6Qml") for name in bundled)
    assert (internal / "resources" / "sample" / "demo_production.json").exists()

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.returncode == 0 and "Slate" in version.stdout
    smoke = subprocess.run([str(exe), "--smoke-test"], capture_output=True, text=True, env=env, timeout=120)
    assert smoke.returncode == 0, smoke.stderr[-2000:]
    assert "smoke-test:" in smoke.stdout
    assert "smoke-test: decoder ok" in smoke.stdout, smoke.stdout  # the review player's bundled FFmpeg decodes
