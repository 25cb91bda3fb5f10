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
SMOKE = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWidget
    import qasync
    from desktop import app as slate

    seen = {}

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if (event.type() == QEvent.Type.Paint and not seen and isinstance(watched, QWidget)
                    and watched.isWindow()):
                seen["window"] = watched.objectName()
                seen["modules"] = sorted(sys.modules)
            return False

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
