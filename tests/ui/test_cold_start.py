"""Cold start (issue 16): the first window shows and paints before the rest of the app is loaded.

No timing here (benchmarks/cold_start.py times it): these tests guard the import discipline that makes
the first window cheap, in fresh interpreters, so a module-level import slipping back in fails a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from desktop.localzou import LocalZou
from tests.helpers.first_paint_spy import FIRST_PAINT_SPY
from tests.helpers.zou import TestUser
from tests.ui.auth_helpers import fixture_user  # noqa: F401 - a fixture, registered under its name

ROOT = Path(__file__).resolve().parents[2]

# What the sign-in window does not need to draw itself: the HTTP stack, the keyring's plug-ins, the
# main window and its panes, models and filter engine, the event stream, the account security dialog,
# and the API's dataclasses (records, sign-in outcomes, account security: ~25 ms to define them all).
HEAVY = ("httpx", "httpcore", "orjson", "truststore", "keyring", "socketio", "engineio", "aiohttp", "segno",
         "desktop.api.session", "desktop.api.client", "desktop.api.probe", "desktop.api.records",
         "desktop.api.auth", "desktop.api.security", "desktop.ui.main_window", "desktop.ui.panes",
         "desktop.models", "desktop.filtering", "desktop.ui.security.dialog", "desktop.ui.live_updates")

# The app as `slate --smoke-test` runs it (desktop.app's own functions), with a spy on the first paint of
# a window: which modules are loaded at that moment, and afterwards (the deferred work ran).
SMOKE = FIRST_PAINT_SPY + textwrap.dedent("""
    import qasync
    from desktop import app as slate

    args = slate.parse_args(["--smoke-test", "--server", "http://127.0.0.1:9"])  # nothing listens there
    app = slate.make_application(["slate"])
    spy = FirstPaint()
    app.installEventFilter(spy)
    code = qasync.run(slate.amain(app, args))
    window = seen.get("window")
    print(json.dumps({"code": code, "window": window, "at_paint": seen.get("modules", []),
                      "after": sorted(sys.modules)}))
""")


def loaded(names: list[str], prefix: str) -> list[str]:
    return [m for m in names if m == prefix or m.startswith(prefix + ".")]


def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SLATE_SMOKE_SHOW_S="0.3",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.update({var: str(tmp_path / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME",
                                                              "XDG_DATA_HOME", "XDG_CACHE_HOME")})
    return env


def test_the_sign_in_window_paints_before_the_heavy_modules_load_and_they_load_after(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", SMOKE], capture_output=True, text=True, cwd=ROOT,
                          env=fresh_env(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and result["window"] == "signInWindow"
    at_paint = result["at_paint"]
    early = {prefix: loaded(at_paint, prefix) for prefix in HEAVY if loaded(at_paint, prefix)}
    assert not early, f"loaded before the sign-in window's first paint: {early}"
    # Deferred, not dropped: after the paint the window probed the prefilled server (httpx) and asked
    # the keyring whether a session can be kept.
    after = result["after"]
    assert loaded(after, "httpx") and loaded(after, "desktop.api.probe") and loaded(after, "keyring")


def test_importing_the_first_windows_modules_loads_none_of_the_heavy_ones(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import json, sys
        import desktop.app, desktop.ui.controller, desktop.ui.signin, desktop.ui.connections, desktop.api
        from desktop.api import TokenStore, errors  # the light names the sign-in window uses
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules
                                if any(m == h or m.startswith(h + ".") for h in heavy))))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=fresh_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_the_lazy_api_package_still_exports_every_name() -> None:
    import desktop.api as api

    for name in api.__all__:
        assert getattr(api, name) is not None
    from desktop.api.client import ZouClient
    from desktop.api.probe import ServerInfo

    assert api.ZouClient is ZouClient and api.ServerInfo is ServerInfo


# ---------------------------------------------------------------- main(): the window before the loop
# `slate.main()` itself, with the same spy: the sign-in window paints before asyncio and qasync are
# imported (the loop starts after it), and the deferred work still runs once the loop does.
MAIN = FIRST_PAINT_SPY + textwrap.dedent("""
    from PySide6.QtWidgets import QApplication
    from desktop import app as slate

    qapp = QApplication(["slate"])  # main() makes the app its own (make_application)
    spy = FirstPaint()
    qapp.installEventFilter(spy)
    code = slate.main(["slate", "--smoke-test", "--server", "http://127.0.0.1:9"])
    print(json.dumps({"code": code, "window": seen.get("window"), "at_paint": seen.get("modules", []),
                      "after": sorted(sys.modules)}))
""")


def test_main_paints_the_sign_in_window_before_asyncio_and_qasync_load(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", MAIN], capture_output=True, text=True, cwd=ROOT,
                          env=fresh_env(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "smoke-test: signInWindow painted at monotonic" in proc.stdout
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and result["window"] == "signInWindow"
    at_paint = result["at_paint"]
    early = {prefix: loaded(at_paint, prefix) for prefix in ("asyncio", "qasync", *HEAVY)
             if loaded(at_paint, prefix)}
    assert not early, f"loaded before the sign-in window's first paint: {early}"
    after = result["after"]  # the loop ran, and the held deferred work (probe, keyring check) with it
    for module in ("asyncio", "qasync", "httpx", "desktop.api.probe", "keyring"):
        assert loaded(after, module), module


# A sign-in clicked the moment the loop starts (queued while the window was painted without a loop, as
# user input the pump leaves queued is delivered), against the real Zou: it signs in and the main window
# opens; then a SIGTERM ends the app the normal way.
CLICK_AT_LOOP_START = textwrap.dedent("""
    import json, os, signal, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLineEdit, QPushButton
    from desktop import app as slate
    from desktop.ui.first_window import boot, show_sign_in_before_loop

    args = slate.parse_args(["--server", sys.argv[1]])
    qapp = slate.make_application(["slate"])
    state = boot(qapp, args)
    show_sign_in_before_loop(qapp, state)
    window = state.window
    before_loop = {"painted": state.painted is not None, "asyncio": "asyncio" in sys.modules}
    window.findChild(QLineEdit, "emailField").setText(sys.argv[2])
    window.findChild(QLineEdit, "passwordField").setText(sys.argv[3])
    QTimer.singleShot(0, window.findChild(QPushButton, "signInButton").click)  # the loop's first events

    def check():
        main = state.controller.main_window
        if main is not None and main.isVisible():
            print(json.dumps({"main": main.objectName(), **before_loop}), flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            QTimer.singleShot(100, check)

    QTimer.singleShot(100, check)
    import qasync

    print(json.dumps({"code": qasync.run(slate.amain(qapp, args, state))}), flush=True)
""")


def test_a_sign_in_clicked_as_the_loop_starts_signs_in_and_sigterm_ends_the_app(
        tmp_path: Path, zou_server: LocalZou, user: TestUser) -> None:
    proc = subprocess.run([sys.executable, "-c", CLICK_AT_LOOP_START, zou_server.url, user.email, user.password],
                          capture_output=True, text=True, cwd=ROOT, env=fresh_env(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines[0] == {"main": "mainWindow", "painted": True, "asyncio": False}, lines
    assert lines[-1] == {"code": 0}  # SIGTERM: amain shut down and returned normally
    # No task was started without a loop (they would never run, and asyncio would say so).
    for sign in ("was never awaited", "no running event loop", "no current event loop"):
        assert sign not in proc.stderr, proc.stderr[-2000:]
