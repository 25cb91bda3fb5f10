"""Inline editing of the shots/assets table: double-click (or F2) a cell, type, Enter.

The model (`EntityTableModel`) validates what was typed and shows it at once; this class saves it:
`Editor.save_cell_edit` on its own `TaskRunner`, conflict-checked against what the cell showed. Then:

* saved: the server's entity is merged into the row (`row_updates`), and the edit is on the session's undo
  stack like any dialog edit (the `Editor` pushes it), so Ctrl+Z restores it on the server;
* someone else changed the same field since the rows were loaded: the `ConflictDialog` the edit dialogs use
  (merge / overwrite / cancel), resolved with `Editor.resolve_conflict`; cancel shows the server's values;
* refused or failed (validation, 403, network, 5xx): the cell goes back to the server's value and the pane's
  edit message (`shotsEditMessage` / `assetsEditMessage`) says what was not saved and why.

Saves of one entity run one after the other, so a second edit of the same row is checked against the first
one's result, not against itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QBoxLayout

from desktop.api import errors as E
from desktop.api.editing import CellEdit, EditConflict, EditContext, Editor, field_label, row_updates
from desktop.asyncqt import TaskRunner
from desktop.ui.editing.common import show_value
from desktop.ui.editing.conflict import ConflictDialog, ConflictFlow
from desktop.ui.widgets import MessageLabel, error_text, named

if TYPE_CHECKING:
    from desktop.ui.panes.entities import EntityPane

log = logging.getLogger(__name__)


class InlineCellEditor(QObject):
    """Saves the cell edits of one `EntityPane` (attach with `InlineCellEditor(pane)`)."""

    saved = Signal(str, dict)  # entity id, the entity as the server returned it
    failed = Signal(str)  # the message shown in the pane

    def __init__(self, pane: EntityPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.source = pane.source
        self.editor: Editor | None = None
        self.ctx: EditContext | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._unexpected)
        self.conflicts = ConflictFlow(pane, self.runner, what=lambda: "",
                                      announce=lambda conflict: self.show_message(str(conflict), "warn"))
        self._pending: dict[tuple[str, str], CellEdit] = {}  # (entity id, key) -> the edit being saved
        self._locks: dict[str, asyncio.Lock] = {}
        self._expired: list[CellEdit] = []  # typed while the session was ending: saved after re-sign-in
        self.message = named(MessageLabel(pane), f"{pane.prefix}EditMessage",
                             f"{pane.noun.capitalize()} editing message")
        layout = pane.layout()
        if isinstance(layout, QBoxLayout):  # just above the rows
            layout.insertWidget(layout.indexOf(pane.table), self.message)
        self.source.edit_requested.connect(self._on_edit_requested)
        self.source.edit_failed.connect(lambda text: self.show_message(f"Not saved: {text}"))

    def set_context(self, editor: Editor | None, ctx: EditContext | None) -> None:
        """The session's editor and the open project (None: the table is read-only)."""
        self.editor, self.ctx = editor, ctx
        self.source.set_capabilities(ctx.capabilities if editor is not None and ctx is not None else None)

    def _unexpected(self, key: str, exc: object) -> None:
        del key
        self.show_message(error_text(exc) if isinstance(exc, BaseException) else str(exc))

    def show_message(self, text: str, tone: str = "error") -> None:
        self.message.show_message(text, tone)
        if tone == "error":
            self.failed.emit(text)

    # ------------------------------------------------------------ saving
    def _on_edit_requested(self, row: int, edit: CellEdit) -> None:
        del row
        self.message.clear_message()
        if self.editor is None:
            self._roll_back(edit, None)
            self.show_message("Not saved: no project is open for editing.")
            return
        self._pending[(edit.entity_id, edit.key)] = edit
        self.runner.run(self.save(edit))

    def replay_after_sign_in(self) -> None:
        """The user signed in again: save the cell edits the ended session could not."""
        edits, self._expired = self._expired, []
        if self.editor is None:
            return
        for edit in edits:
            self._pending[(edit.entity_id, edit.key)] = edit
            self.runner.run(self.save(edit))

    async def save(self, edit: CellEdit) -> bool:
        """Save one cell; True when the server has it. Errors are shown in the pane, never raised."""
        editor = self.editor
        assert editor is not None
        lock = self._locks.setdefault(edit.entity_id, asyncio.Lock())
        async with lock:
            try:
                entity = await editor.save_cell_edit(edit)
            except EditConflict as conflict:
                self._show_conflict(edit, conflict)
                return False
            except Exception as exc:  # shown, and the cell goes back to what the server has
                self._failed(edit, exc)
                return False
        self._done(edit, entity)
        return True

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.conflicts.dialog

    def _show_conflict(self, edit: CellEdit, conflict: EditConflict) -> None:
        editor = self.editor
        assert editor is not None
        self.conflicts.what = lambda: f"“{self._name(edit)}”"
        self.conflicts.show(conflict, resolve=editor.resolve_conflict, saved=lambda entity: self._done(edit, entity),
                            failed=lambda exc, c: self._failed(edit, exc, c.theirs_entity),
                            cancelled=lambda c: self._cancelled(edit, c))

    def _cancelled(self, edit: CellEdit, conflict: EditConflict) -> None:
        name, label = self._name(edit), self._label(edit)
        self._roll_back(edit, conflict.theirs_entity)
        self.show_message(f"Not saved: {label} of “{name}” is back to the value on the server (changed by "
                          f"someone else); you typed “{show_value(edit.new)}”.", "warn")

    # ------------------------------------------------------------ outcome
    def _done(self, edit: CellEdit, entity: dict[str, Any]) -> None:
        self._forget(edit)
        self._merge(edit.entity_id, entity)
        self.saved.emit(edit.entity_id, entity)

    def _failed(self, edit: CellEdit, exc: BaseException, server_entity: Any = None) -> None:
        if isinstance(exc, E.SessionExpired):
            # Nothing was refused: the session ended. Keep showing what was typed and save it once the user
            # has signed in again (`replay_after_sign_in`), checked against what the cell showed as before.
            self._expired.append(edit)
            self.show_message(f"Not saved yet: your session has ended. Sign in again and "
                              f"“{show_value(edit.new)}” is saved.", "warn")
            return
        if not isinstance(exc, E.ZouError):
            log.warning("inline edit of %s failed", edit.key, exc_info=exc)
        name, label = self._name(edit), self._label(edit)
        self._roll_back(edit, server_entity)
        self.show_message(f"Could not save {label} of “{name}”: {error_text(exc)}")

    def _roll_back(self, edit: CellEdit, server_entity: Any) -> None:
        """Show the server's value again: its entity when known, else the value the cell had."""
        self._forget(edit)
        if isinstance(server_entity, dict):
            self._merge(edit.entity_id, server_entity)
            return
        row = self.source.row_of_id(edit.entity_id)
        if row is not None:
            self.source.set_value(row, edit.key, edit.old)

    def merge(self, entity_id: str, entity: Mapping[str, Any]) -> None:
        """Show the server's entity in its row, keeping what is typed in cells of that row still saving."""
        self._merge(entity_id, entity)

    def _merge(self, entity_id: str, entity: Mapping[str, Any]) -> None:
        row = self.source.row_of_id(entity_id)
        if row is None:
            return  # the list was reloaded or changed project meanwhile: nothing to update
        self.source.update_row(row, row_updates(entity))
        for (eid, key), pending in self._pending.items():
            if eid == entity_id:  # another cell of this row still saving: keep showing what was typed
                self.source.set_value(row, key, pending.new)

    def _forget(self, edit: CellEdit) -> None:
        if self._pending.get((edit.entity_id, edit.key)) is edit:
            del self._pending[(edit.entity_id, edit.key)]

    def _name(self, edit: CellEdit) -> str:
        row = self.source.row_of_id(edit.entity_id)
        values = self.source.row_values(row) if row is not None else {}
        return str((edit.old if edit.key == "name" else values.get("name")) or edit.entity_id)

    def _label(self, edit: CellEdit) -> str:
        return field_label(edit.key, self.source.descriptors())
