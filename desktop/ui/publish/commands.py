"""Where a publish starts: the Publish action (detail pane's task, My tasks' row) and files dropped on
the detail pane or on a My tasks row. The dialog's result becomes one `Changes` for `BrowseSession.apply`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPoint, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QWidget

from desktop.api.editing import EditContext
from desktop.api.records import UserTask
from desktop.models.lists import user_task_kind
from desktop.ui.main.parts import WindowParts

# The dialog, the publish steps and the event stream load when a publish starts, not with the main window
# (cold start, issue 16).
if TYPE_CHECKING:
    from desktop.api.events import EventStream
    from desktop.api.publish import PublishResult
    from desktop.ui.publish.dialog import PublishDialog


class FileDrops(QObject):
    """Accepts local files dropped on a widget (or a view's rows) and emits them with the drop position."""

    dropped = Signal(list, QPoint)  # paths, position in the widget

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        target = widget.viewport() if isinstance(widget, QAbstractItemView) else widget
        assert target is not None
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QDragEnterEvent | QDragMoveEvent):
            if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
                event.acceptProposedAction()
                return True
        elif isinstance(event, QDropEvent):
            paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
            paths = [p for p in paths if Path(p).is_file()]
            if paths:
                event.acceptProposedAction()
                self.dropped.emit(paths, event.position().toPoint())
                return True
        return super().eventFilter(watched, event)


class PublishCommands(QObject):
    def __init__(self, parts: WindowParts) -> None:
        super().__init__(parts.window)
        self.parts = parts
        self.browse = parts.browse
        self.dialogs: list[PublishDialog] = []  # open now (tests and automation read them)
        self.detail_drops = FileDrops(parts.detail)
        self.detail_drops.dropped.connect(lambda paths, _pos: self.publish_selected_task(paths))
        self.my_tasks_drops = FileDrops(parts.my_tasks.table)
        self.my_tasks_drops.dropped.connect(self._dropped_on_my_tasks)

    def _context(self, project_id: str) -> EditContext | None:
        browse = self.browse
        project = browse.project_by_id(project_id) or browse.project
        if project is None or browse.context is None:
            return None
        return EditContext(project=project, user=browse.user, context=browse.context)

    def publish_selected_task(self, files: Sequence[str] = ()) -> PublishDialog | None:
        """Publish on the task selected in the detail pane."""
        detail = self.parts.detail
        task_id = detail.selected_task_id()
        task = next((t for t in detail.tasks_model.records() if t.get("id") == task_id), None)
        if task is None:
            self.parts.notify("Select a task in the detail pane to publish on it.")
            return None
        entity = detail.entity or {}
        task = {**task, "entity_id": task.get("entity_id") or detail.entity_id,
                "project_id": task.get("project_id") or entity.get("project_id") or ""}
        return self.open(task, str(entity.get("name") or ""), detail.kind, files)

    def publish_my_task(self, task: UserTask | None = None, files: Sequence[str] = ()) -> PublishDialog | None:
        """Publish on a My tasks row (the current one when none is given)."""
        if task is None:
            table = self.parts.my_tasks.table
            record = self.parts.my_tasks.model.record(table.currentIndex().row())
            task = record if isinstance(record, UserTask) else None
        if task is None:
            self.parts.notify("Select a task in My tasks to publish on it.")
            return None
        record = {**task.raw, "id": task.id, "entity_id": task.entity_id, "project_id": task.project_id,
                  "task_type_id": task.task_type_id, "task_status_id": task.task_status_id,
                  "assignees": list(task.assignees)}
        return self.open(record, task.entity_name, user_task_kind(task), files)

    def _dropped_on_my_tasks(self, paths: list[str], pos: QPoint) -> None:
        table = self.parts.my_tasks.table
        record = self.parts.my_tasks.model.record(table.indexAt(pos).row())
        if isinstance(record, UserTask):
            self.publish_my_task(record, paths)

    def open(self, task: dict[str, Any], entity_name: str, kind: str, files: Sequence[str]) -> PublishDialog | None:
        if self.browse.read_only:
            # Offline: a drop (the Publish action is disabled already) says why instead of opening a
            # dialog whose every step would fail.
            self.parts.notify(self.browse.read_only, 10000)
            return None
        ctx = self._context(str(task.get("project_id") or ""))
        if ctx is None:
            return None
        from desktop.ui.publish.dialog import PublishDialog

        dialog = PublishDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window, task=task,
                               entity_name=entity_name, entity_kind=kind, files=files, events=self._events)

        def published(result: PublishResult) -> None:
            self.browse.apply(result.changes)

        dialog.published.connect(published)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._closed(d))
        dialog.open()  # window-modal, never a blocking exec()
        return dialog

    def _events(self) -> EventStream | None:
        """The window's event stream once live updates started (None before: the dialog polls)."""
        from desktop.api.events import EventStream

        live = getattr(self.parts.window, "live", None)
        stream = getattr(live, "stream", None)
        return stream if isinstance(stream, EventStream) else None

    def publish(self) -> PublishDialog | None:
        """The Publish action: on My tasks' current row when that tab shows, else the detail's task."""
        if self.parts.tabs.currentWidget() is self.parts.my_tasks:
            return self.publish_my_task()
        return self.publish_selected_task()

    def _closed(self, dialog: PublishDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()
