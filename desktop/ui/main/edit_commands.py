"""The Edit menu's commands: new asset or shot, edit, delete, bulk edit, status + comment, casting, undo.

Each command opens its dialog window-modal (never a blocking `exec()`); the dialog saves through the
session's `Editor` and emits the server's answer. That answer becomes one `Changes` value
(`desktop.api.changes`) handed to `BrowseSession.apply`, and each pane repaints what it concerns: a saved
shot patches its row, a status comment patches the task's chip and re-reads the one thread, a new or
deleted row re-reads that list only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.api import changes
from desktop.api.editing import BulkReport
from desktop.ui.editing import (
    AssetEditorDialog,
    BulkEditDialog,
    CastingEditor,
    DeleteDialog,
    ShotEditorDialog,
    TaskStatusDialog,
)
from desktop.ui.main.parts import WindowParts
from desktop.ui.panes import EntityPane

BULK_FETCHES = 6  # entities fetched in parallel for the bulk edit dialog


def change_author(change: changes.Changes) -> str:
    """Who made a change, as the event said ("Someone else" when Zou's event names nobody)."""
    name = change.extra.get("by") if change.extra else None
    return str(name) if name else "Someone else"


class EditCommands(QObject):
    def __init__(self, parts: WindowParts) -> None:
        super().__init__(parts.window)
        self.parts = parts
        self.browse = parts.browse
        self.dialogs: list[QWidget] = []  # the editing dialogs open now (tests and automation read them)
        parts.browse.changes_applied.connect(self._warn_open_dialogs)

    # ------------------------------------------------------------ plumbing
    def _open_dialog(self, dialog: Any) -> Any:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        dialog.open()  # window-modal, never a blocking exec()
        return dialog

    def _dialog_closed(self, dialog: QWidget) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()

    def _warn_open_dialogs(self, change: changes.Changes) -> None:
        """Someone else changed what an open dialog edits: say so in it. Nothing typed is replaced; the
        save compares with their version (the conflict dialog when both changed the same field)."""
        if "event" not in change.origin or change.everything:
            return
        for dialog in self.dialogs:
            entity, task = getattr(dialog, "entity", None) or {}, getattr(dialog, "task", None) or {}
            entity_id = str(entity.get("id") or task.get("entity_id") or "")
            task_ids = [str(task["id"])] if task.get("id") else []
            message = getattr(dialog, "message", None)
            if message is not None and (entity_id or task_ids) and change.touches(entity_id, task_ids):
                message.show_message(f"{change_author(change)} changed this on the server since you opened it. "
                                     "What you typed is kept: saving compares it with their version.", "warn")

    def _apply(self, change: changes.Changes) -> None:
        self.browse.apply(change)  # a no-op once the session is closed

    def _selected(self) -> tuple[EntityPane, list[str]] | None:
        pane = self.parts.current_entity_pane()
        if pane is None:
            return None
        current = pane.current_entity_id()
        ids = pane.selected_entity_ids()
        if current and current in ids:
            ids.remove(current)
            ids.insert(0, current)
        elif current and not ids:
            ids = [current]
        if not ids:
            self.parts.notify(f"Select {pane.noun} first.")
            return None
        return pane, ids

    async def _fetch_entity(self, kind: str, entity_id: str) -> dict[str, Any]:
        detail = self.parts.detail
        if detail.kind == kind and detail.entity_id == entity_id and detail.entity:
            return dict(detail.entity)
        client = self.browse.client
        fetch = client.shot if kind == "shot" else client.asset
        return dict(await fetch(entity_id))

    def _open_entity_dialog(self, kind: str, entity_id: str, build: Callable[[dict[str, Any]], Any],
                            connect: Callable[[Any], None]) -> asyncio.Task[Any]:
        """Fetch the entity fresh from the server, build the dialog on it, apply what it changes."""

        async def run() -> Any:
            dialog = build(await self._fetch_entity(kind, entity_id))
            connect(dialog)
            return self._open_dialog(dialog)
        return self.parts.run(run(), "edit-dialog")

    # ------------------------------------------------------------ commands
    def new_asset(self) -> AssetEditorDialog | None:
        ctx = self.browse.edit_context()
        if ctx is None or not ctx.capabilities.can_create_entities:
            return None
        dialog = AssetEditorDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window)
        dialog.saved.connect(lambda entity: self._apply(changes.entity_created("asset", entity)))
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def new_shot(self) -> ShotEditorDialog | None:
        ctx = self.browse.edit_context()
        if ctx is None or not ctx.capabilities.can_create_entities:
            return None
        shots = self.parts.shots
        sequence_id: str | None = None
        eid = shots.current_entity_id()
        row = shots.model.row_of_entity(eid) if eid else None
        if row is not None:
            src = shots.model.source_row(row)
            values = shots.source.row_values(src) if src is not None else {}
            sequence_id = str(values.get("sequence_id") or values.get("parent_id") or "") or None
        dialog = ShotEditorDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window,
                                  sequence_id=sequence_id)
        dialog.saved.connect(lambda entity: self._apply(changes.entity_created("shot", entity)))
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def edit_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.browse.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected
        kind = pane.kind
        cls = ShotEditorDialog if kind == "shot" else AssetEditorDialog
        return self._open_entity_dialog(
            kind, ids[0], lambda entity: cls(self.browse.editor, self.browse.settings, ctx, self.parts.window,
                                             entity=entity),
            lambda d: d.saved.connect(lambda entity: self._apply(changes.entity_saved(kind, entity))))

    def delete_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.browse.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected
        kind = pane.kind
        return self._open_entity_dialog(
            kind, ids[0], lambda entity: DeleteDialog(self.browse.editor, self.browse.settings, ctx,
                                                      self.parts.window, entity=entity),
            lambda d: d.deleted.connect(lambda entity_id, _how: self._apply(changes.entity_deleted(kind, entity_id))))

    def bulk_edit_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.browse.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected
        kind = pane.kind
        limit = asyncio.Semaphore(BULK_FETCHES)

        async def one(entity_id: str) -> dict[str, Any]:
            async with limit:
                return await self._fetch_entity(kind, entity_id)

        def done(report: BulkReport) -> None:
            saved = [r.result for r in report.succeeded if isinstance(r.result, dict)]
            self._apply(changes.entities_saved(kind, saved, origin="bulk"))

        async def run() -> Any:
            rows = await asyncio.gather(*(one(i) for i in ids))
            dialog = BulkEditDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window,
                                    kind="Shot" if kind == "shot" else "Asset", rows=rows)
            dialog.finished_report.connect(done)
            return self._open_dialog(dialog)
        return self.parts.run(run(), "edit-dialog")

    def edit_casting(self) -> asyncio.Task[Any] | None:
        ctx = self.browse.edit_context()
        if ctx is None:
            return None
        detail, shots = self.parts.detail, self.parts.shots
        if detail.kind == "shot" and detail.entity_id and self.parts.current_entity_pane() is not shots:
            shot_id: str | None = detail.entity_id
        else:
            shot_id = shots.current_entity_id()
        if not shot_id:
            self.parts.notify("Select a shot first.")
            return None

        def saved(entity_id: str, casting: Any) -> None:
            assets = [e.asset_id for e in getattr(casting, "entries", ())]
            self._apply(changes.casting_saved(entity_id, assets))

        return self._open_entity_dialog(
            "shot", shot_id, lambda entity: CastingEditor(self.browse.editor, self.browse.settings, ctx,
                                                          self.parts.window, entity=entity),
            lambda d: d.casting_saved.connect(saved))

    def change_status(self) -> TaskStatusDialog | None:
        """Status + comment on the task selected in the detail pane."""
        ctx = self.browse.edit_context()
        detail = self.parts.detail
        task_id = detail.selected_task_id()
        if ctx is None or not task_id:
            return None
        task = next((t for t in detail.tasks_model.records() if t.get("id") == task_id), None)
        if task is None:
            return None
        task = {**task, "entity_id": task.get("entity_id") or detail.entity_id}
        name = str(detail.entity.get("name") or "") if detail.entity else ""
        dialog = TaskStatusDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window, task=task,
                                  entity_name=name)
        dialog.posted.connect(lambda comment: self._apply(changes.comment_posted(task, comment)))
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def after_undo(self, label: str) -> None:
        """An undo restored something; what it touched is not described by the undo stack: re-read."""
        self.parts.notify(f"Undone: {label}")
        self._apply(changes.unknown("undo"))
