"""Run work once a window has been painted (cold start).

What the first window does not need to draw itself (the HTTP stack, the keyring's plug-ins, a probe of the
prefilled server) waits until the user sees the window: `after_first_paint(window, callback)`. The callback
runs from the event loop just after the paint pass in which `window` got its paint event, so the whole
window (its children paint in the same pass) is on screen before it runs.

The app paints its first window before the asyncio loop exists (desktop.app, desktop.ui.first_window);
the deferred work starts tasks, so until the loop runs (`hold_until_loop()` .. `release()`) a callback
that comes due is kept and run by `release()`, from the running loop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

_held: list[Callable[[], None]] | None = None  # not None: the loop is not running yet


def hold_until_loop() -> None:
    """From now until `release()`, callbacks that come due wait (no event loop to start tasks on yet)."""
    global _held
    _held = []


def release() -> None:
    """The event loop runs: run the callbacks that came due while held, and any later ones at once."""
    global _held
    callbacks, _held = _held or [], None
    for callback in callbacks:
        callback()


class _FirstPaint(QObject):
    def __init__(self, watched: QWidget, callback: Callable[[], None]) -> None:
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
        self.deleteLater()
        if callback is not None and _held is not None:
            _held.append(callback)
        elif callback is not None:
            callback()


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` once, after `window`'s next paint: its first when called before the window is
    shown (in its constructor). A window never shown never calls it."""
    _FirstPaint(window, callback)
