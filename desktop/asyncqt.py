"""Running coroutines from Qt without ever blocking the UI.

`TaskRunner` owns the tasks a window starts: it keeps strong references (an unreferenced asyncio task
can be garbage-collected mid-flight), cancels an older request when a newer one for the same key starts
(a stale answer never overwrites a newer one), reports failures in one place, and cancels everything
when the window closes. `async_slot` is a typed wrapper so Qt signals can call `async def` methods.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ParamSpec

import shiboken6
from PySide6.QtCore import QObject, Signal

# asyncio (~50 ms of imports: ssl, socket, subprocess) loads when the first task starts, not with the
# sign-in window's modules: the first window paints before the event loop exists (cold start).
if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)
P = ParamSpec("P")


class TaskRunner(QObject):
    busy_changed = Signal(bool)
    failed = Signal(str, object)  # key, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._anon: set[asyncio.Task[Any]] = set()
        # The owner (a widget) deleted, e.g. its window closed on quit: its tasks stop at their next await,
        # before they touch deleted widgets ("Internal C++ object already deleted"). Not a method: the
        # wrapper's methods can no longer run once the C++ object is gone.
        self.destroyed.connect(functools.partial(_cancel, self._tasks, self._anon))

    @property
    def busy(self) -> bool:
        return bool(self._tasks or self._anon)

    def run(self, coro: Coroutine[Any, Any, Any], *, key: str | None = None,
            on_done: Callable[[Any], None] | None = None) -> asyncio.Task[Any]:
        """Start `coro`; a running task with the same `key` is cancelled first."""
        import asyncio

        was_busy = self.busy
        if key is not None and key in self._tasks:
            self._tasks.pop(key).cancel()
        task = asyncio.ensure_future(coro)
        if key is not None:
            self._tasks[key] = task
        else:
            self._anon.add(task)
        task.add_done_callback(functools.partial(self._finished, key, on_done))
        if not was_busy:
            self.busy_changed.emit(True)
        return task

    def _finished(self, key: str | None, on_done: Callable[[Any], None] | None, task: asyncio.Task[Any]) -> None:
        if key is not None and self._tasks.get(key) is task:
            del self._tasks[key]
        self._anon.discard(task)
        if not shiboken6.isValid(self):
            # The owning window was deleted while its cancelled tasks were unwinding: what they ended with
            # is of no use to anyone. Retrieved here, or asyncio logs it as "never retrieved" at collection.
            if not task.cancelled() and task.exception() is not None:
                log.debug("task %s ended after its owner was deleted: %r", key or "-", task.exception())
            return
        if not task.cancelled():
            exc = task.exception()
            if exc is not None:
                log.warning("task %s failed: %s", key or "-", exc.__class__.__name__)
                self.failed.emit(key or "", exc)
            elif on_done is not None:
                on_done(task.result())
        if not self.busy:
            self.busy_changed.emit(False)

    def is_current(self, key: str) -> bool:
        """Called inside a task started with `key`: is it still the newest one of that key?

        The one guard against stale answers: a newer `run(key=...)` or `cancel(key)` replaces or drops the
        task, so code after an `await` (or in a `finally`) checks this before it touches what is shown."""
        import asyncio

        task = asyncio.current_task()
        return task is not None and self._tasks.get(key) is task

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        _cancel(self._tasks, self._anon)


def _cancel(tasks: dict[str, asyncio.Task[Any]], anon: set[asyncio.Task[Any]], *_destroyed: object) -> None:
    for task in [*tasks.values(), *anon]:
        if not task.get_loop().is_closed():  # the app's loop already gone: nothing can run them any more
            task.cancel()
    tasks.clear()
    anon.clear()


def async_slot[**P](method: Callable[P, Coroutine[Any, Any, Any]]) -> Callable[P, None]:
    """Call an `async def` from a Qt signal: schedules it on the running (qasync) loop.

    Exceptions are not swallowed: they reach the loop's exception handler (and pytest-qt in tests).
    Tests can `await` the undecorated coroutine method directly.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        import asyncio

        task = asyncio.ensure_future(method(*args, **kwargs))
        _pending.add(task)
        task.add_done_callback(_reraise)

    return wrapper


_pending: set[asyncio.Future[Any]] = set()


def _reraise(task: asyncio.Future[Any]) -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        assert exc is not None
        import asyncio

        loop = asyncio.get_event_loop()
        loop.call_exception_handler({"message": "unhandled exception in async slot", "exception": exc,
                                     "future": task})
