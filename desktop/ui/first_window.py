"""The first window, shown and painted before the event loop (cold start).

Importing asyncio and starting the qasync loop costs about a third of a bare Qt app's start, and the
sign-in window needs neither to draw itself. So `desktop.app` builds the app's objects here, shows the
sign-in window and pumps Qt's events until it has painted, and only then imports qasync and runs the loop.

What keeps that safe while no loop runs:
- the pump leaves user input (clicks, keys) queued: Qt delivers it, not lost, once the loop runs, so no
  async slot can start a task before there is a loop to run it;
- the window's deferred work (the server probe, the keyring check) is held by desktop.ui.first_paint until
  `amain` releases it from the running loop;
- a quit (SIGINT/SIGTERM/SIGHUP, or the window closed) is remembered and honoured as soon as the loop runs.

When a saved session may resume (the settings say so, without asking the keyring), the first window is
the main window: `show_main_before_loop` paints it the same way, its panes replaced by a "Connecting to …"
state and its menus disabled (desktop.ui.main.connecting). Once the loop runs, `AppController.start()`
reads the keyring, checks the session with the server and fills that same window, or closes it for the
sign-in window (session ended) with a message saying why.
"""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.settings import Settings
from desktop.ui import first_paint
from desktop.ui.connections import Connections
from desktop.ui.controller import AppController

# Give up waiting for the first paint after this long (a platform that never exposes the window): the
# loop starts anyway and the window paints whenever the platform lets it.
PAINT_WAIT_S = 5.0


class QuitRequest:
    """A quit asked for before or after the event loop starts; `notify(fn)` calls `fn` at once if asked."""

    def __init__(self) -> None:
        self.requested = False
        self._notify: Callable[[], None] | None = None

    def __call__(self, *_args: object) -> None:
        self.requested = True
        if self._notify is not None:
            self._notify()

    def notify(self, callback: Callable[[], None]) -> None:
        self._notify = callback
        if self.requested:
            callback()


@dataclass
class Boot:
    """What `amain` needs, built without an event loop."""

    settings: Settings
    connections: Connections
    controller: AppController
    quit: QuitRequest
    demo: bool  # the demo server starts (in the loop) and its account signs in
    window: QWidget | None = None  # the first window, already shown (and painted, unless it timed out)
    painted: tuple[float, float] | None = None  # (monotonic, process CPU) when its first paint pass ended
    _keep: list[object] = field(default_factory=list)


def boot(app: QApplication, args: argparse.Namespace) -> Boot:
    """The settings, theme, connections and controller; quit handling; no window yet."""
    from desktop.api import TokenStore
    from desktop.ui.theme import ThemeManager

    quit_request = QuitRequest()
    app.setQuitOnLastWindowClosed(False)
    app.lastWindowClosed.connect(quit_request)
    timer = _quit_on_signals(app, quit_request)
    settings = Settings()
    ThemeManager.of(app, settings)  # the View > Theme choice, or the system's scheme
    connections = Connections(settings)
    controller = AppController(settings, connections, TokenStore(), server_override=args.server)
    # The demo is the default only when no server was ever configured (and never for --smoke-test).
    demo = bool(args.demo or not (args.server or settings.last_api_url or settings.last_server or args.smoke_test))
    return Boot(settings, connections, controller, quit_request, demo, _keep=[timer])


def show_sign_in_before_loop(app: QApplication, state: Boot) -> None:
    """When the first window is the sign-in window: show it and pump events until it has painted."""
    if state.demo or state.controller.saved_session_possible():
        return
    first_paint.hold_until_loop()
    state.window = state.controller.show_sign_in()
    state.painted = _pump_until_painted(app, state.window)


def show_main_before_loop(app: QApplication, state: Boot) -> None:
    """When a saved session may resume: show its main window, not filled yet, and pump until painted."""
    if state.demo or not state.controller.saved_session_possible():
        return
    from desktop.ui.main_window import MainWindow  # only Qt and the window's frame (the panes load at fill)

    s = state.settings
    window = MainWindow.before_session(s, s.last_server or s.last_api_url)
    state.controller.early_main = window
    window.show()
    state.window = window
    state.painted = _pump_until_painted(app, window)


class _PaintSpy(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.seen = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen = True
        return False


def _pump_until_painted(app: QApplication, window: QWidget) -> tuple[float, float] | None:
    spy = _PaintSpy(window)
    wake = QTimer()  # WaitForMoreEvents sleeps until an event: this bounds each sleep
    wake.start(20)
    flags = QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents
    deadline = time.monotonic() + PAINT_WAIT_S
    try:
        while not spy.seen and time.monotonic() < deadline:
            app.processEvents(flags)
    finally:
        wake.stop()
        window.removeEventFilter(spy)
        spy.deleteLater()
    # The paint pass (the window and all its children) ends within the processEvents call that painted.
    return (time.monotonic(), time.process_time()) if spy.seen else None


def _quit_on_signals(app: QApplication, quit_request: QuitRequest) -> QTimer:
    # Ctrl-C, a desktop logout (SIGTERM) and a closed terminal (SIGHUP) all end the app the normal way,
    # so the shutdown in `amain` runs and stops the demo server it started (unless --keep-server).
    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, quit_request)
    # Python only runs signal handlers between bytecodes; a no-op timer gives it a chance while Qt idles.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(300)
    return timer
