"""Cold start: a fresh process to its first window shown *and painted*, Slate against a bare Qt app.

Both sides are timed the same way: from just before the process is spawned to the moment the process
reports (on the machine-wide monotonic clock) that its first window finished its first paint pass. The
reference is the least any PySide6 app pays: the interpreter, PySide6.QtWidgets, a QApplication on the
offscreen platform and one empty QWidget shown and painted. Process exit is not part of either figure
(`total_s` in the sample's extra has the whole run, exit included).

    python -m benchmarks.cold_start [--runs 5] [--server URL]   # quick, no bench server needed
    python -m benchmarks.cold_start --saved-session               # also the main window, resumed (bench Zou)

`--saved-session` times the other first window: the main window of a saved session (settings and a
keyring entry as a previous run leaves them; the keyring is the tests' file backend, standing for the
system's). It paints before its session is checked (the figure against the bare app), then reads the
keyring, probes the bench server, checks the session and fills its panes: "filled" is when it has
painted again with the panes in (reported, not a target).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The bare reference: nothing but Qt. A QWidget of the sign-in window's size, painted once.
BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv)
window = QWidget()
window.resize(480, 420)
painted = []

def done():
    print(f"smoke-test: bare painted at monotonic {time.monotonic():.6f} (cpu {time.process_time():.3f} s)",
          flush=True)
    app.quit()

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not painted:
            painted.append(True)
            QTimer.singleShot(0, done)
        return False

watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

# The floor under any PySide6 window like Slate's, step by step (`--floor`): the bare window, then text on
# it (fonts), then the Qt namespace's enums that every real window touches (alignment, flags: PySide6
# builds ~110 Python enums on first use), then an asyncio loop through qasync (the app's event loop, which
# runs before its first window is built).
FLOOR_STEPS = {
    "bare QWidget": ("", ""),
    "+ a QLabel's text": ("", "QLabel('Sign in to Slate', window).move(20, 20)"),
    "+ the Qt namespace": ("", "from PySide6.QtCore import Qt; QLabel('Sign in to Slate', window).move(20, 20); "
                           "Qt.AlignmentFlag.AlignLeft"),
    "+ importing asyncio, qasync": ("import asyncio, qasync", "from PySide6.QtCore import Qt; "
                             "QLabel('Sign in to Slate', window).move(20, 20); Qt.AlignmentFlag.AlignLeft"),
}


def floor_code(pre: str, body: str) -> str:
    code = BARE_WINDOW.replace("from PySide6.QtWidgets import QApplication, QWidget",
                               f"from PySide6.QtWidgets import QApplication, QLabel, QWidget\n{pre}")
    return code.replace("window.resize(480, 420)\n", f"window.resize(480, 420)\n{body}\n")


PAINTED = re.compile(r"(\w+) painted at monotonic ([0-9.]+) \(cpu ([0-9.]+) s\)")
FILLED = re.compile(r"mainWindow filled at monotonic ([0-9.]+) \(cpu ([0-9.]+) s\)")


@dataclass(frozen=True)
class ColdStart:
    seconds: float  # wall time, spawn to the end of the first window's first paint
    cpu: float  # the process's own CPU time by then (less sensitive to other load on the machine)
    total: float  # wall time to the process's exit
    filled: float | None = None  # a saved session's main window: wall time to its panes painted


def time_to_first_paint(cmd: list[str], env: dict[str, str], expect_window: str) -> ColdStart:
    """One fresh process, to its first window painted (it prints when, on the machine-wide monotonic clock)."""
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    total = time.monotonic() - t0
    match = PAINTED.search(proc.stdout)
    if proc.returncode != 0 or match is None or match.group(1) != expect_window:
        raise AssertionError(f"no paint of {expect_window} reported (exit {proc.returncode}): "
                             f"{proc.stdout[-300:]} {proc.stderr[-300:]}")
    filled = FILLED.search(proc.stdout)
    return ColdStart(float(match.group(2)) - t0, float(match.group(3)), total,
                     None if filled is None else float(filled.group(1)) - t0)


def qt_env(pycache: Path, home: Path | None = None) -> dict[str, str]:
    """Offscreen Qt; bytecode cached in `pycache` as an installed app has it (pip and the bundle compile
    it), for both sides alike: the first (warm-up) run writes it, and no checkout gets __pycache__ folders."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SLATE_SMOKE_SHOW_S="0", PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if home is not None:  # fresh settings: no saved session, so the sign-in window is the first window
        env.update({var: str(home / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME",
                                                              "XDG_CACHE_HOME")})
    return env


def slate_cold_start(server_url: str, workdir: Path) -> ColdStart:
    """`python -m desktop --smoke-test --server URL`, no saved session: the sign-in window, painted."""
    return time_to_first_paint([sys.executable, "-m", "desktop", "--smoke-test", "--server", server_url],
                               qt_env(workdir / "pycache", workdir / "home"), "signInWindow")


def saved_session_home(workdir: Path, url: str, email: str, password: str) -> dict[str, str]:
    """The env of a run whose saved session resumes: settings and a keyring entry as a previous run left."""
    import httpx

    from desktop.api.tokens import KEYRING_SERVICE

    env = qt_env(workdir / "pycache", workdir / "saved")
    keyring_file = workdir / "saved" / "keyring.json"
    keyring_file.parent.mkdir(parents=True, exist_ok=True)
    env.update(PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.FileKeyring", SLATE_TEST_KEYRING=str(keyring_file),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])))
    r = httpx.post(f"{url}/auth/login", json={"email": email, "password": password}, timeout=60)
    r.raise_for_status()
    tokens = {"access": r.json()["access_token"], "refresh": r.json()["refresh_token"]}
    keyring_file.write_text(json.dumps({f"{KEYRING_SERVICE}\n{url}|{email.lower()}": json.dumps(tokens)}))
    write = ("from desktop.settings import Settings; s = Settings(); "
             f"s.last_server = s.last_api_url = {url!r}; s.last_email = {email!r}; s.keep_signed_in = True; s.sync()")
    subprocess.run([sys.executable, "-c", write], env=env, check=True, timeout=60)
    return env


def saved_session_cold_start(env: dict[str, str]) -> ColdStart:
    """`python -m desktop --smoke-test` with a saved session: the main window, painted."""
    return time_to_first_paint([sys.executable, "-m", "desktop", "--smoke-test"], env, "mainWindow")


def bare_cold_start(workdir: Path) -> ColdStart:
    return time_to_first_paint([sys.executable, "-c", BARE_WINDOW], qt_env(workdir / "pycache"), "bare")


def floor(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="slate-cold-floor-") as tmp:
        env = qt_env(Path(tmp) / "pycache")
        codes = {label: floor_code(*step) for label, step in FLOOR_STEPS.items()}
        for code in codes.values():  # warm-up
            time_to_first_paint([sys.executable, "-c", code], env, "bare")
        results: dict[str, list[ColdStart]] = {label: [] for label in codes}
        for _ in range(runs):
            for label, code in codes.items():
                results[label].append(time_to_first_paint([sys.executable, "-c", code], env, "bare"))
    for label, runs_ in results.items():
        print(f"floor: {label:24} wall median {statistics.median(r.seconds for r in runs_):.3f} s, "
              f"cpu median {statistics.median(r.cpu for r in runs_):.3f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--server", default="http://127.0.0.1:9",
                    help="the server the sign-in window is prefilled with (default: a closed port)")
    ap.add_argument("--floor", action="store_true", help="also time the floor's steps (FLOOR_STEPS)")
    ap.add_argument("--saved-session", action="store_true",
                    help="also time the main window of a saved session (starts the persistent bench Zou)")
    args = ap.parse_args(argv)
    if args.floor:
        floor(args.runs)
    server = None
    if args.saved_session:
        from benchmarks.seed import start_bench_server

        server = start_bench_server()
    slate: list[ColdStart] = []
    bare: list[ColdStart] = []
    resumed: list[ColdStart] = []
    try:
        with tempfile.TemporaryDirectory(prefix="slate-cold-") as tmp:
            workdir = Path(tmp)
            saved_env = None if server is None else saved_session_home(workdir, server.url, server.admin_email,
                                                                        server.admin_password)
            bare_cold_start(workdir), slate_cold_start(args.server, workdir)  # warm-up: bytecode, page cache
            if saved_env is not None:
                saved_session_cold_start(saved_env)
            for _ in range(args.runs):  # interleaved, as the harness runs them
                slate.append(slate_cold_start(args.server, workdir))
                bare.append(bare_cold_start(workdir))
                if saved_env is not None:
                    resumed.append(saved_session_cold_start(saved_env))
    finally:
        if server is not None:
            server.stop()
    rows = [("slate --smoke-test (sign-in window painted)", slate), ("bare QApplication + QWidget painted", bare)]
    if resumed:
        rows.append(("slate --smoke-test (main window, saved session)", resumed))
    for label, runs in rows:
        wall = [r.seconds for r in runs]
        print(f"{label:48} wall min {min(wall):.3f} median {statistics.median(wall):.3f} max {max(wall):.3f} s; "
              f"cpu median {statistics.median(r.cpu for r in runs):.3f} s")
    filled = [r.filled for r in resumed if r.filled is not None]
    if filled:
        print(f"{'  the same, filled (session checked, panes in)':48} wall min {min(filled):.3f} "
              f"median {statistics.median(filled):.3f} max {max(filled):.3f} s")
    for label, runs in rows[:1] + rows[2:]:
        wall_ratio = statistics.median(r.seconds for r in runs) / statistics.median(r.seconds for r in bare)
        cpu_ratio = statistics.median(r.cpu for r in runs) / statistics.median(r.cpu for r in bare)
        print(f"ratio of medians, {label.split('(')[1].rstrip(')')}: wall {wall_ratio:.2f}x, cpu {cpu_ratio:.2f}x "
              f"(load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
