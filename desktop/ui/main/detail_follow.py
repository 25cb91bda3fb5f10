"""The detail pane follows the lists: the current row after a short pause, at once on Enter or double-click.

Arrowing through 10,000 rows stays cheap: only the row the user stops on (for `DETAIL_DELAY_MS`) is read. The
detail's title shows at once from the row the list already holds, before the entity arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer

from desktop.api.records import UserTask
from desktop.models.lists import user_task_kind
from desktop.ui.main.parts import WindowParts

DETAIL_DELAY_MS = 250


class DetailFollower(QObject):
    def __init__(self, parts: WindowParts) -> None:
        super().__init__(parts.window)
        self.parts = parts
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DETAIL_DELAY_MS)
        self._timer.timeout.connect(self._open_current)
        self._pending: tuple[str, str] | None = None
        for pane in (parts.shots, parts.assets):
            pane.activated.connect(self._on_activated)
            pane.current_changed.connect(self._on_current_changed)
        parts.my_tasks.task_activated.connect(self._on_my_task_activated)
        parts.detail.entity_requested.connect(self.open_entity)

    def stop(self) -> None:
        self._timer.stop()

    def open_entity(self, kind: str, entity_id: str, task_id: str | None = None, *,
                    project_id: str | None = None) -> None:
        """Show a shot or an asset in the detail pane, titled at once from its row when it is listed."""
        title = self._title_hint(kind, entity_id)
        self.parts.browse.open_entity(kind, entity_id, task_id, project_id=project_id, title=title)

    def open_task(self, task_id: str) -> None:
        """Show a task's shot or asset (a notification was chosen) when the open lists hold it."""
        async def run() -> None:
            entity_id = str((await self.parts.browse.client.task(task_id)).get("entity_id") or "")
            for kind in ("shot", "asset"):
                pane = self.parts.pane(kind)
                if entity_id and pane.source.row_of_id(entity_id) is not None:
                    pane.select_entity(entity_id)
                    self.open_entity(kind, entity_id, task_id)
                    return
            self.parts.notify("That task is not in the open project's lists.")
        self.parts.run(run(), "open-task")

    def _on_current_changed(self, kind: str, entity_id: str) -> None:
        self._pending = (kind, entity_id) if entity_id else None
        if entity_id:
            self._timer.start()
        else:
            self._timer.stop()

    def _open_current(self) -> None:
        detail = self.parts.detail
        if self._pending is not None and self._pending != (detail.kind, detail.entity_id):
            self.open_entity(*self._pending)

    def _on_activated(self, kind: str, entity_id: str) -> None:
        self._timer.stop()
        self._pending = None
        self.open_entity(kind, entity_id)
        self.parts.detail.tasks.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_my_task_activated(self, task: UserTask) -> None:
        self.open_entity(user_task_kind(task), task.entity_id, task.id, project_id=task.project_id)

    def _title_hint(self, kind: str, entity_id: str) -> str:
        if kind not in ("shot", "asset"):
            return ""
        pane = self.parts.pane(kind)
        row = pane.model.row_of_entity(entity_id) if pane.source.rowCount() else None
        src = pane.model.source_row(row) if row is not None else None
        if src is None:
            return ""
        values = pane.source.row_values(src)
        parts = ([values.get("sequence_name"), values.get("name")] if kind == "shot"
                 else [values.get("asset_type_name"), values.get("name")])
        return " / ".join(str(p) for p in parts if p)
