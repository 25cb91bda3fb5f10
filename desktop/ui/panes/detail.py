"""The detail pane: the selected shot or asset — picture, fields, tasks, the selected task's comments
(newest first, attachments listed) and casting (assets in a shot, or shots an asset is cast in)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QListView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.changes import Changes
from desktop.api.files import FileTask
from desktop.models.lists import CastingModel, CommentsModel, EntityTasksModel
from desktop.models.lookups import Lookups, display_text
from desktop.models.roles import Role
from desktop.ui.browse_session import BrowseSession
from desktop.ui.delegates import ChipDelegate
from desktop.ui.panes.asset_instances import AssetInstancesBox
from desktop.ui.panes.comment_actions import CommentThreadActions
from desktop.ui.panes.common import ErrorBanner, named
from desktop.ui.panes.fit_columns import fit_columns
from desktop.ui.review.history import PreviewHistory
from desktop.ui.thumbnails import ThumbnailCache, preview_picture_path

PICTURE_SIZE = (320, 180)
SHOT_FIELDS: tuple[tuple[str, str], ...] = (
    ("sequence", "Sequence"), ("episode", "Episode"), ("frames", "Frames"), ("frame_range", "Range"),
    ("fps", "FPS"), ("description", "Description"),
)
ASSET_FIELDS: tuple[tuple[str, str], ...] = (
    ("asset_type", "Type"), ("description", "Description"), ("ready_for", "Ready for"),
)


def _data(entity: dict[str, Any]) -> dict[str, Any]:
    data = entity.get("data")
    return data if isinstance(data, dict) else {}


def entity_fields(kind: str, entity: dict[str, Any], lookups: Lookups,
                  descriptors: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str, str]]:
    """(key, label, text) rows of the fields block."""
    data = _data(entity)
    rows: list[tuple[str, str, str]] = []
    if kind == "shot":
        frame_in = entity.get("frame_in") if entity.get("frame_in") is not None else data.get("frame_in")
        frame_out = entity.get("frame_out") if entity.get("frame_out") is not None else data.get("frame_out")
        values = {
            "sequence": entity.get("sequence_name"), "episode": entity.get("episode_name"),
            "frames": entity.get("nb_frames"),
            "frame_range": f"{frame_in} – {frame_out}" if frame_in is not None or frame_out is not None else "",
            "fps": entity.get("fps") or data.get("fps"), "description": entity.get("description"),
        }
        fields = SHOT_FIELDS
    else:
        ready = entity.get("ready_for")
        ready_name = lookups.task_types[ready].name if isinstance(ready, str) and ready in lookups.task_types else ""
        values = {"asset_type": entity.get("asset_type_name"), "description": entity.get("description"),
                  "ready_for": ready_name}
        fields = ASSET_FIELDS
    for key, label in fields:
        text = display_text(values.get(key))
        if text:
            rows.append((key, label, text))
    for field_name, label in descriptors:
        text = display_text(data.get(field_name))
        if text:
            rows.append((f"meta:{field_name}", label, text))
    return rows


class DetailPane(QWidget):
    task_selected = Signal(str)  # task id
    entity_requested = Signal(str, str)  # kind, entity id (double-click in casting)
    retry_requested = Signal()

    def __init__(self, lookups: Lookups | None = None, parent: QWidget | None = None, *,
                 browse: BrowseSession | None = None, thumbnails: ThumbnailCache | None = None) -> None:
        super().__init__(parent)
        named(self, "detailPane", "Detail pane")
        self.browse = browse
        self.thumbnails = thumbnails
        self._wanted_task = ""
        self.lookups = lookups or Lookups()
        self.kind = ""
        self.entity_id = ""
        self.entity: dict[str, Any] = {}
        self.picture_path = ""

        self.title = named(QLabel("Select a shot or an asset"), "detailTitle", "Selected entity")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.status = named(QLabel(), "detailStatus", "Detail loading status")
        self.error = ErrorBanner("detail", "the detail")
        self.picture = named(QLabel("No preview"), "detailThumbnail", "Preview picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(*PICTURE_SIZE)
        self.picture.setStyleSheet("QLabel#detailThumbnail { background: #2b2d31; color: #aaa; }")
        self.fields_box = named(QWidget(), "detailFields", "Fields")
        self.fields = QFormLayout(self.fields_box)
        self.fields.setContentsMargins(0, 0, 0, 0)

        self.tasks_model = EntityTasksModel(self.lookups, self)
        self.tasks = named(QTableView(), "detailTasks", "Tasks")
        self.tasks.setModel(self.tasks_model)
        self.tasks.setItemDelegateForColumn(self.tasks_model.column_index("status"), ChipDelegate(self.tasks))
        self.tasks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tasks.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tasks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tasks.setWordWrap(False)
        self.tasks.setTabKeyNavigation(False)
        self.tasks.verticalHeader().hide()
        self.tasks.verticalHeader().setDefaultSectionSize(28)
        fit_columns(self.tasks, (3, 3, 3, 4))  # task, status, assignees, last comment: no horizontal scroll

        self.comments_title = named(QLabel("Comments"), "detailCommentsTitle", "Comments of the selected task")
        self.comments_model = CommentsModel(self)
        self.comments = named(QListView(), "detailComments", "Comments, newest first")
        self.comments.setModel(self.comments_model)
        self.comments.setWordWrap(True)
        self.comments.setSpacing(4)
        self.comments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.comments.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        self.casting_title = named(QLabel("Casting"), "detailCastingTitle", "Casting")
        self.casting_model = CastingModel(self)
        self.casting = named(QListView(), "detailCasting", "Casting")
        self.casting.setModel(self.casting_model)
        self.casting.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        # The selected task's revisions, shown and played (desktop/ui/review/history.py).
        self.history = PreviewHistory(thumbnails=thumbnails, session=browse.session if browse else None,
                                      editor=browse.editor if browse else None)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.title)
        top_layout.addWidget(self.status)
        top_layout.addWidget(self.error)
        top_layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        top_layout.addWidget(self.fields_box)
        comments_box = QWidget()
        comments_layout = QVBoxLayout(comments_box)
        comments_layout.setContentsMargins(0, 0, 0, 0)
        comments_layout.addWidget(self.comments_title)
        comments_layout.addWidget(self.comments, 1)
        casting_box = QWidget()
        casting_layout = QVBoxLayout(casting_box)
        casting_layout.setContentsMargins(0, 0, 0, 0)
        casting_layout.addWidget(self.casting_title)
        casting_layout.addWidget(self.casting, 1)
        self.instances = AssetInstancesBox(browse)  # an asset's instances and where each is used
        casting_layout.addWidget(self.instances)
        self.splitter = named(QSplitter(Qt.Orientation.Vertical), "detailSplitter", "Detail sections")
        for widget in (top, self.tasks, comments_box, self.history, casting_box):
            self.splitter.addWidget(widget)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        selection = self.tasks.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._on_task_changed)
        self.casting.activated.connect(self._on_casting_activated)
        self.error.retry.connect(self.retry_requested)
        self.clear()
        if thumbnails is not None:
            thumbnails.ready.connect(self._on_picture_ready)
        if browse is not None:
            self._follow(browse)
            self.thread_actions = CommentThreadActions(self, browse)  # the comments' right-click menu

    # ------------------------------------------------------------------ the browse session
    def _follow(self, browse: BrowseSession) -> None:
        browse.detail_loading.connect(self.show_loading)
        browse.detail_loaded.connect(self._on_loaded)
        browse.last_comments.connect(self._on_last_comments)
        browse.thread_loaded.connect(self._on_thread)
        browse.load_failed.connect(self._on_load_failed)
        browse.changes_applied.connect(self.apply_changes)
        self.retry_requested.connect(browse.retry_detail)
        self.task_selected.connect(self._show_thread)

    def _on_load_failed(self, key: str, message: str) -> None:
        if key in ("detail", "thread"):
            self.show_error(message)

    def _on_loaded(self, kind: str, entity: dict[str, Any], casting: list[dict[str, Any]], task_id: str) -> None:
        browse = self.browse
        assert browse is not None
        self._wanted_task = task_id
        self.set_entity(kind, entity, browse.lookups, self._descriptors(kind, entity))
        self.set_casting("assets" if kind == "shot" else "shots", casting)
        preview = entity.get("preview_file_id")
        if isinstance(preview, str) and preview and self.thumbnails is not None:
            self.picture_path = preview_picture_path(preview)
            self.set_picture(self.thumbnails.pixmap(self.picture_path))
        else:
            self.picture_path = ""
            self.set_picture(None)

    def _descriptors(self, kind: str, entity: dict[str, Any]) -> list[tuple[str, str]]:
        browse = self.browse
        assert browse is not None
        project = browse.project
        if project is None or entity.get("project_id") != project.id:
            project = browse.project_by_id(str(entity.get("project_id") or ""))
        if project is None:
            return []
        wanted = "Shot" if kind == "shot" else "Asset"
        return [(d.field_name, d.name) for d in project.descriptors if d.entity_type == wanted and d.field_name]

    def _on_last_comments(self, last: dict[str, str]) -> None:
        """The threads are in: show the newest comment per task, then pick the task to show."""
        browse = self.browse
        assert browse is not None
        self.set_last_comments(last)
        tasks = self.tasks_model.records()
        wanted = self._wanted_task
        chosen = wanted if wanted and self.tasks_model.row_of_task(wanted) >= 0 else None
        if chosen is None and tasks:
            # The user's own task first, then the most recently commented one.
            me = browse.user.id
            pick = max(tasks, key=lambda t: (me in (t.get("assignees") or []), str(t.get("last_comment_date") or "")))
            chosen = str(pick.get("id"))
        if chosen and (not self.select_task(chosen) or self.comments_model.task_id != chosen):
            self._show_thread(chosen)

    def _show_thread(self, task_id: str) -> None:
        browse = self.browse
        if browse is None:
            return
        task = next((t for t in self.tasks_model.records() if t.get("id") == task_id), None)
        browse.show_thread(task_id, has_comments=task is None or bool(task.get("last_comment_date")))

    def _on_thread(self, task_id: str, comments: list[dict[str, Any]]) -> None:
        if self.selected_task_id() in (task_id, None):
            self.set_comments(task_id, comments)

    def _on_picture_ready(self, path: str) -> None:
        if path == self.picture_path and self.thumbnails is not None:
            self.set_picture(self.thumbnails.pixmap(path))

    def apply_changes(self, change: Changes) -> None:
        """A write touched the entity shown here (its fields, a task, its casting): read it again."""
        browse = self.browse
        if browse is None or not self.kind or not self.entity_id or change.everything:
            return  # `everything`: the session's refresh re-reads the detail itself
        task_ids = [str(t.get("id")) for t in self.tasks_model.records() if t.get("id")]
        if change.touches(self.entity_id, task_ids):
            browse.open_entity(self.kind, self.entity_id, self.selected_task_id())

    # ------------------------------------------------------------------ content
    def clear(self) -> None:
        self.kind, self.entity_id, self.entity, self.picture_path = "", "", {}, ""
        self.title.setText("Select a shot or an asset")
        self.status.clear()
        self.error.clear()
        self._set_fields([])
        self.set_picture(None)
        self.tasks_model.set_tasks([], self.lookups)
        self.comments_model.set_comments(None, [])
        self.history.clear()
        self.casting_model.set_casting("assets", [])
        self.comments_title.setText("Comments")
        self.casting_title.setText("Casting")

    def show_loading(self, kind: str, entity_id: str, title: str = "") -> None:
        if entity_id != self.entity_id:
            self.clear()
        self.kind, self.entity_id = kind, entity_id
        if title:
            self.title.setText(title)
        self.error.clear()
        self.status.setText("Loading…")

    def set_entity(self, kind: str, entity: dict[str, Any], lookups: Lookups | None = None,
                   descriptors: Sequence[tuple[str, str]] = ()) -> None:
        if lookups is not None:
            self.lookups = lookups
        self.kind, self.entity = kind, entity
        self.entity_id = str(entity.get("id") or self.entity_id)
        if kind == "shot":
            parts = [entity.get("episode_name"), entity.get("sequence_name"), entity.get("name")]
        else:
            parts = [entity.get("asset_type_name"), entity.get("name")]
        self.title.setText(" / ".join(str(p) for p in parts if p))
        self.status.clear()
        self._set_fields(entity_fields(kind, entity, self.lookups, descriptors))
        tasks = [t for t in entity.get("tasks") or [] if isinstance(t, dict)]
        self.tasks_model.set_tasks(tasks, self.lookups)
        self.casting_title.setText("Assets cast in this shot" if kind == "shot" else "Cast in shots")

    def _set_fields(self, rows: list[tuple[str, str, str]]) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        for key, label, text in rows:
            value = named(QLabel(text), f"detailField:{key}", label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields.addRow(f"{label}:", value)

    def field_text(self, key: str) -> str | None:
        widget = self.fields_box.findChild(QLabel, f"detailField:{key}")
        return widget.text() if widget is not None else None

    def set_picture(self, pixmap: QPixmap | None) -> None:
        if pixmap is None or pixmap.isNull():
            self.picture.setPixmap(QPixmap())
            self.picture.setText("No preview" if not self.entity.get("preview_file_id") else "Loading preview…")
            return
        self.picture.setPixmap(pixmap.scaled(*PICTURE_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def has_picture(self) -> bool:
        pixmap = self.picture.pixmap()
        return pixmap is not None and not pixmap.isNull()

    def set_casting(self, mode: str, items: Sequence[dict[str, Any]]) -> None:
        self.casting_model.set_casting(mode, items)
        n = len(items)
        noun = "Assets cast in this shot" if mode == "assets" else "Cast in shots"
        self.casting_title.setText(f"{noun} ({n})")

    def set_last_comments(self, last: dict[str, str]) -> None:
        self.tasks_model.set_last_comments(last)

    def set_comments(self, task_id: str, comments: Sequence[dict[str, Any]]) -> None:
        self.comments_model.set_comments(task_id, comments)
        self.history.set_thread(task_id, comments, first_frame=self._first_frame())
        row = self.tasks_model.row_of_task(task_id)
        name = self.tasks_model.data(self.tasks_model.index(row, 0)) if row >= 0 else ""
        self.comments_title.setText(f"Comments — {name} ({len(comments)})" if name else "Comments")

    def _first_frame(self) -> int:
        """The shot's first frame (frame_in, e.g. 1001) for the player's frame numbers; 1 without one."""
        value = self.entity.get("frame_in") if self.entity.get("frame_in") is not None else \
            _data(self.entity).get("frame_in")
        try:
            return int(value) if value is not None and str(value).strip() else 1
        except (TypeError, ValueError):
            return 1

    def show_error(self, message: str) -> None:
        self.status.clear()
        self.error.show_error(message)

    # ------------------------------------------------------------------ tasks
    def selected_task_id(self) -> str | None:
        record = self.tasks_model.record(self.tasks.currentIndex().row())
        return str(record.get("id")) if isinstance(record, dict) and record.get("id") else None

    def selected_file_task(self) -> FileTask | None:
        """The selected task as "Where do I save?" asks Zou about it (ids) and shows it (names)."""
        record = self.tasks_model.record(self.tasks.currentIndex().row())
        if not isinstance(record, dict) or not record.get("id") or not self.entity_id:
            return None
        project_id = str(record.get("project_id") or self.entity.get("project_id") or "")
        project = self.browse.project_by_id(project_id) if self.browse is not None else None
        task_type_id = str(record.get("task_type_id") or "")
        return FileTask(str(record["id"]), project_id, project.name if project is not None else "",
                        self.entity_id, self.title.text(), task_type_id, self.lookups.task_type_name(task_type_id),
                        is_shot=self.kind == "shot")

    def select_task(self, task_id: str) -> bool:
        row = self.tasks_model.row_of_task(task_id)
        if row < 0:
            return False
        selection = self.tasks.selectionModel()
        assert selection is not None
        selection.setCurrentIndex(self.tasks_model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        return True

    def _on_task_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        del previous
        record = self.tasks_model.record(current.row())
        if isinstance(record, dict) and record.get("id"):
            self.task_selected.emit(str(record["id"]))

    def _on_casting_activated(self, index: QModelIndex) -> None:
        entity_id = self.casting_model.data(index, Role.EntityId)
        if entity_id:
            self.entity_requested.emit("asset" if self.casting_model.mode == "assets" else "shot", str(entity_id))
