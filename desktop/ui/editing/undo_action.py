"""An "Undo" QAction (Ctrl+Z) bound to the session's `Editor.undo` stack."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from desktop.api import errors as E
from desktop.api.editing import EditConflict, Editor, UndoEntry
from desktop.asyncqt import TaskRunner


class UndoAction(QAction):
    """Undo the last edit of the session. `undone(label)` after success, `failed(message, exc)` when
    Zou cannot restore it or someone changed the same fields since (an `EditConflict`: the edit stays
    on the stack, and the lead may show the conflict dialog with it)."""

    undone = Signal(str)
    failed = Signal(str, object)

    def __init__(self, editor: Editor, parent: QObject | None = None) -> None:
        super().__init__("Undo", parent)
        self.setObjectName("undoAction")
        self.setShortcut(QKeySequence.StandardKey.Undo)
        self.editor = editor
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(lambda busy: self._refresh(self.editor.undo.last, busy))
        self.triggered.connect(lambda: self.runner.run(self.undo(), key="undo"))
        editor.undo.listeners.append(self._refresh)
        self._refresh(editor.undo.last)

    def _refresh(self, entry: UndoEntry | None, busy: bool = False) -> None:
        self.setText(f"Undo {entry.label}" if entry is not None else "Undo")
        self.setEnabled(entry is not None and not busy)
        self.setToolTip(entry.reason if entry is not None and entry.undo is None else "")

    async def undo(self) -> bool:
        try:
            entry = await self.editor.undo.undo_last()
        except EditConflict as exc:
            self.failed.emit(f"Cannot undo: {exc}", exc)
            return False
        except E.ZouError as exc:
            self.failed.emit(str(exc), exc)
            return False
        self.undone.emit(entry.label)
        return True
