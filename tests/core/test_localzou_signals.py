"""The app stops every process of the demo server it started when it is ended by a signal (a desktop
logout sends SIGTERM, a closed terminal SIGHUP, Ctrl-C SIGINT), and `slate --stop-demo` stops every
process a `--keep-server` run left, the SMTP sink and the front door included (issue 20, item 10)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.demo.runner import process_start_time, stop_detached
from desktop.demo.seed import DemoAccount, DemoInfo
from desktop.localzou import LocalZou

pytestmark = pytest.mark.timeout(300)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An initialised demo server folder (cluster + Zou's schema) with a sample record, so the app starts
    the demo in seconds without seeding; the account in it does not exist, so the app opens the
    sign-in window, which is enough: what is checked is the processes."""
    root = tmp_path_factory.mktemp("signal-demo")
    server = LocalZou(root=root, persistent=True, log=False).start()
    pg_base = server._pg_base()
    server.stop()
    DemoInfo(accounts=[DemoAccount(email="coordinator@demo.slate", password="not-seeded", role="manager",
                                   name="Nobody")], projects=[]).save(root / "demo.json")
    try:
        yield root
    finally:
        shutil.rmtree(pg_base, ignore_errors=True)


@pytest.fixture
def apps(demo_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[str]]]:
    """The app processes a test starts; a test that fails midway leaves neither them nor the demo behind."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    monkeypatch.setenv("SLATE_DEMO_ROOT", str(demo_root))
    stop_detached()  # whatever live.json still names (nothing, when the test passed)


def _env(root: Path, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SLATE_DEMO_ROOT=str(root))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _start_app(apps: list[subprocess.Popen[str]], root: Path, tmp_path: Path,
               *args: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
    live_path = root / "live.json"
    live_path.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "--demo", *args], env=_env(root, tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    apps.append(proc)
    deadline = time.monotonic() + 180
    while not live_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.communicate(timeout=30)[0] if proc.poll() is not None else ""
            proc.kill()
            raise AssertionError(f"the demo did not start: {out[-2000:]}")
        time.sleep(0.2)
    time.sleep(3)  # the app signs in (and fails: the account is not seeded) and shows its window
    assert proc.poll() is None, "the app exited on its own"
    return proc, json.loads(live_path.read_text())


def _alive(entry: dict[str, object]) -> bool:
    pid = entry["pid"]
    assert isinstance(pid, int)
    return process_start_time(pid) == entry["started"]


def _leftovers(root: Path, live: dict[str, object]) -> list[str]:
    processes = live["processes"]
    assert isinstance(processes, list)
    left = [f"{e['name']} ({e['pid']})" for e in processes if _alive(e)]
    # Anything else still naming the demo folder or its cluster (gunicorn workers, postgres backends...).
    for needle in (str(root), str(live["pg_data"])):
        found = subprocess.run(["pgrep", "-f", needle], capture_output=True, text=True).stdout.split()
        left.extend(f"pgrep {needle}: {pid}" for pid in found)
    return left


def _wait_gone(root: Path, live: dict[str, object], timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := _leftovers(root, live)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_ends_the_app_and_every_demo_process_it_started(
        demo_root: Path, tmp_path: Path, sig: signal.Signals, apps: list[subprocess.Popen[str]]) -> None:
    proc, live = _start_app(apps, demo_root, tmp_path)
    names = sorted(str(e["name"]) for e in live["processes"])  # type: ignore[union-attr]
    assert names == ["frontdoor", "gunicorn-events", "gunicorn-zou", "redis", "smtp"]
    assert all(_alive(e) for e in live["processes"])  # type: ignore[union-attr]
    proc.send_signal(sig)
    out = proc.communicate(timeout=90)[0]
    assert proc.returncode == 0, out[-2000:]
    assert _wait_gone(demo_root, live) == []
    assert not (demo_root / "live.json").exists()


def test_stop_demo_stops_everything_a_kept_server_left_running(
        demo_root: Path, tmp_path: Path, apps: list[subprocess.Popen[str]]) -> None:
    proc, live = _start_app(apps, demo_root, tmp_path, "--keep-server")
    proc.send_signal(signal.SIGTERM)
    out = proc.communicate(timeout=90)[0]
    assert proc.returncode == 0 and "keeps running" in out, out[-2000:]
    assert all(_alive(e) for e in live["processes"])  # type: ignore[union-attr]
    stop = subprocess.run([sys.executable, "-m", "desktop", "--stop-demo"], env=_env(demo_root, tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0 and "demo server stopped" in stop.stdout, stop.stdout + stop.stderr
    assert _wait_gone(demo_root, live) == []  # the SMTP sink and the front door too
