"""Cold start of a saved session (issue 16): its main window paints before the session is checked, then fills.

No timing here (benchmarks/cold_start.py --saved-session times it). Each test runs the app's own start-up
(`boot`, the windows shown before the loop, `amain`) in a fresh interpreter against the real Zou, with a
saved session as a previous run leaves it (settings, and the tokens in a file keyring standing for the
system's), and records which modules were loaded when the first window painted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.api import ServerInfo, SignedIn, TokenStore, ZouClient, ZouSession
from desktop.api.tokens import KEYRING_SERVICE
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.controller import AppController
from desktop.ui.main.window_state import SETTLE_MS
from desktop.ui.placeholder_window import PlaceholderMainWindow
from tests.helpers.first_paint_spy import FIRST_PAINT_SPY
from tests.helpers.zou import TestUser, forge_token
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    fixture_keyring_store,
    fixture_user,
    submit_password,
)
from tests.ui.conftest import OpenWindow, run_async
from tests.ui.test_cold_start import HEAVY, loaded

ROOT = Path(__file__).resolve().parents[2]

# Not needed to draw a saved session's main window before its session is known: the event loop, what the
# sign-in window needs, the panes and what they load (PyAV, the filter engine, the disk cache, the API layer).
NOT_AT_FIRST_PAINT = ("asyncio", "qasync", *(m for m in HEAVY if m != "desktop.ui.main_window"),
                      "desktop.ui.signin", "desktop.ui.browse_session",
                      "desktop.api.cache", "sqlite3", "av", "desktop.media", "desktop.ui.review",
                      "desktop.ui.publish", "desktop.ui.studio", "desktop.ui.main.actions", "desktop.ui.offline")

# The app's start-up as desktop.app.main() runs it, with a spy on the first paint of a window. Before the
# loop runs, user input is queued at the painted window (a click on its menu bar, F5, a key in the lists);
# once the loop runs the script reports, every 100 ms, what the controller shows, and ends the app with
# SIGTERM (the normal way out) when the main window is filled or the sign-in window is up.
SAVED_START = FIRST_PAINT_SPY + textwrap.dedent("""
    import os, signal
    import shiboken6
    from PySide6.QtCore import QPointF, Qt, QTimer
    from PySide6.QtGui import QKeyEvent, QMouseEvent
    from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
    from desktop import app as slate
    from desktop.ui.first_window import boot, show_main_before_loop, show_sign_in_before_loop

    args = slate.parse_args([])
    qapp = slate.make_application(["slate"])
    spy = FirstPaint()
    qapp.installEventFilter(spy)
    state = boot(qapp, args)
    show_sign_in_before_loop(qapp, state)
    show_main_before_loop(qapp, state)
    frame = state.window
    bar = frame.menuBar()
    report = {"first": seen.get("window"), "at_paint": seen.get("modules", []), "painted": state.painted is not None,
              "early_is_frame": state.controller.early_main is frame,
              "menus_before": [(a.text(), a.isEnabled()) for a in bar.actions()],
              "connecting": frame.findChild(QLabel, "connectingStatus").text()}
    # Queued now, delivered once the loop runs (while the session is checked): none may crash or be lost.
    title = bar.actionGeometry(bar.actions()[0]).center()
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        QApplication.postEvent(bar, QMouseEvent(kind, QPointF(title), QPointF(bar.mapToGlobal(title)),
                                                Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                                                Qt.KeyboardModifier.NoModifier))
    for key in (Qt.Key.Key_F5, Qt.Key.Key_Down):
        QApplication.postEvent(frame, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))

    def check():
        c = state.controller
        main, sign_in = c.main_window, c.sign_in_window
        if main is not None and getattr(main, "filled", False) and "context" in loads:
            bar = main.menuBar()
            report.update(outcome="main", same_window=main is frame, connecting_left=frame.connecting is not None,
                          menus_after=[(a.text(), a.isEnabled()) for a in bar.actions()],
                          projects=main.projects_pane.model.rowCount(), user=main.user.email,
                          after=sorted(sys.modules))
        elif sign_in is not None and sign_in.isVisible():
            report.update(outcome="sign_in", frame_visible=shiboken6.isValid(frame) and frame.isVisible(),
                          main=c.main_window is not None,
                          early_left=c.early_main is not None,
                          message=sign_in.findChild(QLabel, "signInMessage").text(),
                          email=sign_in.findChild(QLineEdit, "emailField").text())
        else:
            QTimer.singleShot(100, check)
            return
        print(json.dumps(report), flush=True)
        os.kill(os.getpid(), signal.SIGTERM)

    loads = []

    def watch_loads():
        main = state.controller.main_window
        if main is not None and hasattr(main, "browse"):
            main.browse.loaded.connect(loads.append)
        else:
            QTimer.singleShot(20, watch_loads)

    QTimer.singleShot(0, watch_loads)
    QTimer.singleShot(100, check)
    import qasync

    print(json.dumps({"code": qasync.run(slate.amain(qapp, args, state))}), flush=True)
""")


def saved_session_env(tmp_path: Path, url: str, email: str, tokens: dict[str, str]) -> dict[str, str]:
    """A fresh home whose settings and keyring hold a saved session, as a previous run leaves them."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.FileKeyring",
               SLATE_TEST_KEYRING=str(tmp_path / "keyring.json"))
    env.update({var: str(tmp_path / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME",
                                                              "XDG_DATA_HOME", "XDG_CACHE_HOME")})
    (tmp_path / "keyring.json").write_text(json.dumps({f"{KEYRING_SERVICE}\n{url}|{email.lower()}":
                                                       json.dumps(tokens)}))
    write = ("from desktop.settings import Settings; s = Settings(); "
             f"s.last_server = s.last_api_url = {url!r}; s.last_email = {email!r}; s.keep_signed_in = True; "
             "s.live_updates = False; s.sync()")
    subprocess.run([sys.executable, "-c", write], env=env, check=True, timeout=60, cwd=ROOT)
    return env


def run_saved_start(env: dict[str, str]) -> tuple[dict[str, object], subprocess.CompletedProcess[str]]:
    try:
        proc = subprocess.run([sys.executable, "-c", SAVED_START], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=45)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the app did not end: {exc.stdout!r} {exc.stderr!r}") from None
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines[-1] == {"code": 0}, lines  # SIGTERM: amain shut down and returned normally
    for sign in ("Traceback", "was never awaited", "no running event loop", "no current event loop"):
        assert sign not in proc.stderr, proc.stderr[-3000:]
    return lines[0], proc


def login(url: str, user: TestUser) -> dict[str, str]:
    r = httpx.post(f"{url}/auth/login", json={"email": user.email, "password": user.password}, timeout=30)
    r.raise_for_status()
    return {"access": r.json()["access_token"], "refresh": r.json()["refresh_token"]}


def assert_painted_first_without_heavy_modules(report: dict[str, object]) -> None:
    assert report["first"] == "mainWindow" and report["painted"] and report["early_is_frame"]
    at_paint = report["at_paint"]
    assert isinstance(at_paint, list)
    early = {prefix: loaded(at_paint, prefix) for prefix in NOT_AT_FIRST_PAINT if loaded(at_paint, prefix)}
    assert not early, f"loaded before the saved session's main window first painted: {early}"
    # What the user sees meanwhile: the window's menus, all disabled, and where it is connecting to.
    assert report["menus_before"] == [["&File", False], ["&Edit", False], ["&View", False]]
    assert str(report["connecting"]).startswith("Connecting to 127.0.0.1:")


def test_a_saved_session_paints_its_main_window_first_then_refreshes_the_session_and_fills_it(
        tmp_path: Path, zou_server: LocalZou, user: TestUser) -> None:
    # The access token has expired since the last run: the session is refreshed with the refresh token.
    tokens = login(zou_server.url, user)
    tokens["access"] = forge_token(zou_server.secret_key, user.id)
    report, _proc = run_saved_start(saved_session_env(tmp_path, zou_server.url, user.email, tokens))
    assert_painted_first_without_heavy_modules(report)
    assert report["outcome"] == "main" and report["same_window"] and not report["connecting_left"]
    assert report["user"] == user.email
    menus = report["menus_after"]
    assert isinstance(menus, list) and [title for title, _enabled in menus] == ["&File", "&Edit", "&View"]
    enabled = dict(menus)
    assert enabled["&File"] and enabled["&View"]  # the real menus (Edit waits for a project: this user has none)
    after = report["after"]  # deferred, not dropped: the keyring, the HTTP stack and the panes loaded
    assert isinstance(after, list)
    for module in ("asyncio", "qasync", "httpx", "keyring", "desktop.ui.panes", "desktop.ui.browse_session"):
        assert loaded(after, module), module
    # Loaded on first use, not as the window fills: PyAV, the event stream (live updates are off here), the
    # publish dialog, the studio window.
    for module in ("av", "socketio", "aiohttp", "desktop.ui.publish.dialog", "desktop.ui.studio.window"):
        assert not loaded(after, module), module


def test_an_ended_saved_session_moves_from_the_painted_main_window_to_sign_in_with_a_message(
        tmp_path: Path, zou_server: LocalZou, user: TestUser) -> None:
    tokens = login(zou_server.url, user)
    # Revoked since the last run (signed out elsewhere): neither token is accepted any more.
    httpx.get(f"{zou_server.url}/auth/logout", headers={"Authorization": f"Bearer {tokens['access']}"},
              timeout=30).raise_for_status()
    env = saved_session_env(tmp_path, zou_server.url, user.email, tokens)
    report, _proc = run_saved_start(env)
    assert_painted_first_without_heavy_modules(report)
    assert report["outcome"] == "sign_in"
    assert not report["frame_visible"] and not report["main"] and not report["early_left"]
    assert report["message"] == "Your saved session has ended. Sign in again."
    assert report["email"] == user.email  # nothing to type again but the password
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert keyring == {}  # the ended session is forgotten
    # And the next start knows it without the keyring: the sign-in window is the first window painted.
    first = subprocess.run([sys.executable, "-m", "desktop", "--smoke-test"], capture_output=True, text=True,
                           cwd=ROOT, env=dict(env, SLATE_SMOKE_SHOW_S="0"), timeout=120)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "smoke-test: signInWindow painted at monotonic" in first.stdout


# ---------------------------------------------------------------- the settings' note of a kept session
@pytest.fixture
def ini_settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


def test_the_settings_say_whether_the_keyring_holds_the_session(
        qtbot: QtBot, qloop: object, ini_settings: Settings, zou_server: LocalZou, user: TestUser,
        keyring_store: object) -> None:
    del qloop, keyring_store
    settings, connections = ini_settings, Connections(ini_settings)
    controller = AppController(settings, connections, TokenStore(), main_window_factory=PlaceholderMainWindow)
    try:
        assert not controller.saved_session_possible()  # nothing saved yet
        run_async(qtbot, controller.start())
        window = controller.sign_in_window
        assert window is not None
        window.server.set_text(zou_server.url)
        qtbot.waitUntil(lambda: window.server.info is not None, timeout=15_000)
        submit_password(qtbot, window, user.email, user.password)  # "Keep me signed in" is ticked by default
        qtbot.waitUntil(lambda: controller.main_window is not None, timeout=15_000)
        assert settings.session_in_keyring and controller.saved_session_possible()
        assert TokenStore().load(zou_server.url, user.email) is not None

        run_async(qtbot, controller.sign_out())
        assert not settings.session_in_keyring and not controller.saved_session_possible()
        assert settings.last_email == user.email  # still prefilled at the next sign-in
    finally:
        run_async(qtbot, controller.shutdown())
        run_async(qtbot, connections.aclose())


# ---------------------------------------------------------------- the frame is the real window's
def test_the_window_painted_before_its_session_has_the_saved_layout_and_keeps_it_when_filled(
        qtbot: QtBot, open_window: Callable[..., OpenWindow], window_settings: Settings, zou_server: LocalZou,
        user: TestUser) -> None:
    from desktop.ui.main_window import TAB_MY_TASKS, MainWindow

    first = open_window(user, wait_for=("context",)).window  # a previous run: its layout is saved at close
    first.resize(780, 640)  # within the offscreen screen (800x800): restoreGeometry keeps windows on screen
    qtbot.waitUntil(lambda: (first.width(), first.height()) == (780, 640), timeout=15_000)
    qtbot.wait(SETTLE_MS + 100)
    sizes = first.splitter.sizes()
    wanted = [sizes[0] - 40, sizes[1] + 40, sizes[2]]
    first.splitter.setSizes(wanted)
    qtbot.waitUntil(lambda: first.splitter.sizes() == wanted, timeout=15_000)
    first.show_tab(TAB_MY_TASKS)
    first.close()

    settings = Settings(QSettings(window_settings.q.fileName(), QSettings.Format.IniFormat))
    window = MainWindow.before_session(settings, zou_server.url)
    qtbot.addWidget(window)
    window.show()
    # Before any pane exists: the saved size, columns and tab, and nothing the user could start.
    assert not window.filled and window.objectName() == "mainWindow"
    assert (window.width(), window.height()) == (780, 640)
    qtbot.waitUntil(lambda: window.splitter.sizes() == wanted, timeout=15_000)
    assert window.tabs.currentIndex() == TAB_MY_TASKS and window.tabs.count() == 4
    assert not any(action.isEnabled() for action in window.menuBar().actions())
    assert window.findChild(QWidget, "connectingProjects") is not None

    session = ZouSession(zou_server.url)
    try:
        outcome = run_async(qtbot, session.sign_in(user.email, user.password))
        assert isinstance(outcome, SignedIn)
        window.fill(session, ZouClient(session), outcome.user, ServerInfo(api_url=zou_server.url, version="1.0.97"))
        loaded: list[str] = []
        window.loaded.connect(loaded.append)
        assert window.filled and window.connecting is None
        # The same window, as the user left it: size, columns, tab; the real panes in the frame's places.
        assert (window.width(), window.height()) == (780, 640) and window.splitter.sizes() == wanted
        assert window.tabs.currentIndex() == TAB_MY_TASKS and window.tabs.widget(TAB_MY_TASKS) is window.my_tasks_pane
        assert window.splitter.widget(0) is window.projects_pane and window.splitter.widget(2) is window.detail
        qtbot.waitUntil(lambda: "context" in loaded, timeout=15_000)
        qtbot.waitUntil(lambda: window.findChild(QWidget, "connectingProjects") is None, timeout=15_000)
        qtbot.waitUntil(lambda: not window.inbox.runner.busy and not window.browse.runner.busy, timeout=15_000)
        window.close()
        run_async(qtbot, window.shutdown())
    finally:
        run_async(qtbot, session.aclose())
