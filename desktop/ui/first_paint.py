"""Run work once a window has been painted for the first time (cold start).

What the first window does not need to draw itself (the HTTP stack, the keyring's plug-ins, a probe of the
prefilled server) waits until the user sees the window: `after_first_paint(window, callback)`. The callback
runs from the event loop just after the paint pass in which `window` got its first paint event, so the
whole window (its children paint in the same pass) is on screen before it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


class _FirstPaint(QObject):
    def __init__(self, watched: QObject, callback: Callable[[], None]) -> None:
        super().__init__(watched)
        self._callback: Callable[[], None] | None = callback
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)  # after the rest of this paint pass
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            callback()
        self.deleteLater()


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` once, after `window`'s first paint (install before the window is shown). A window
    never shown never calls it; `callback` runs at once when `window` is already visible and painted."""
    if window.isVisible():
        QTimer.singleShot(0, window, callback)
        return
    _FirstPaint(window, callback)


class FirstWindowPaint(QObject):
    """The first top-level window the application paints, and when (time.monotonic(), the clock shared by
    every process on the machine): `slate --smoke-test` prints it so a benchmark can time a cold start."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.window: QWidget | None = None
        self.painted_at: float | None = None
        self.cpu_at_paint: float | None = None  # this process's CPU time (s) by then, start-up included
        self._callbacks: list[Callable[[QWidget], None]] = []
        app.installEventFilter(self)

    def on_painted(self, callback: Callable[[QWidget], None]) -> None:
        if self.window is not None:
            callback(self.window)
        else:
            self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and self.window is None and isinstance(watched, QWidget)
                and watched.isWindow()):
            self.window = watched
            QTimer.singleShot(0, self, self._painted)
        return False

    def _painted(self) -> None:
        self.painted_at = time.monotonic()
        self.cpu_at_paint = time.process_time()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        assert self.window is not None
        for callback in self._callbacks:
            callback(self.window)
        self._callbacks.clear()
