"""Undo for the edits of this session, where Zou allows restoring the previous state.

Every write the `Editor` makes pushes an `UndoEntry` whose `undo` coroutine restores what the server held
just before the write: previous field values (conflict-checked, so an undo never silently overwrites
someone else's later change), the previous casting, an un-cancel, a removal of what was added, the
deletion of the comment that changed a status (Zou then recomputes the status from the remaining
comments). A permanent deletion cannot be restored: its entry has `undo=None` and says so.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from desktop.api import errors as E

UndoFn = Callable[[], Awaitable[Any]]
# Per asyncio task (and the tasks it starts): writes made by an undo are not recorded, while another
# dialog's save running at the same moment still is.
_undoing: contextvars.ContextVar[bool] = contextvars.ContextVar("slate_undoing", default=False)


class NothingToUndo(E.ZouError):
    """The session has no edit to undo, or the last one cannot be restored."""


@dataclass(frozen=True)
class UndoEntry:
    label: str  # "Edit sh010", "Casting of sh010", "Status of Layout"
    undo: UndoFn | None
    reason: str = ""  # why it cannot be undone, when undo is None


class UndoStack:
    def __init__(self, limit: int = 50) -> None:
        self.limit = limit
        self._entries: list[UndoEntry] = []
        self.listeners: list[Callable[[UndoEntry | None], None]] = []

    def push(self, entry: UndoEntry) -> None:
        if _undoing.get():
            return
        self._entries.append(entry)
        del self._entries[:-self.limit]
        self._notify()

    @property
    def last(self) -> UndoEntry | None:
        return self._entries[-1] if self._entries else None

    @property
    def can_undo(self) -> bool:
        return self.last is not None and self.last.undo is not None

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._notify()

    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """Writes made inside (in this task) are not recorded as new edits."""
        token = _undoing.set(True)
        try:
            yield
        finally:
            _undoing.reset(token)

    async def undo_last(self) -> UndoEntry:
        """Restore the last edit. Raises NothingToUndo, or the write's own error (an EditConflict when
        someone changed the same fields since: the entry stays so the user can resolve and retry)."""
        entry = self.last
        if entry is None:
            raise NothingToUndo("There is nothing to undo.")
        if entry.undo is None:
            raise NothingToUndo(entry.reason or f"“{entry.label}” cannot be undone.")
        with self.suspended():
            await entry.undo()
        if self._entries and self._entries[-1] is entry:
            self._entries.pop()
        self._notify()
        return entry

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener(self.last)
