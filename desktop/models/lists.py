"""Small list models: projects, my tasks, and the detail pane's tasks, comments and casting.

These lists hold tens to a few thousand rows, so plain Python lists of records are fine; sorting is
still done in Python on precomputed keys (`sort()`), never by a QSortFilterProxyModel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap

from desktop.api.records import Project, UserTask
from desktop.models import roles as R
from desktop.models.lookups import Chip, Lookups, display_text, readable_text_color, value_key
from desktop.models.roles import Role

Index = QModelIndex | QPersistentModelIndex

PRODUCTION_TYPES = {"short": "Short", "featurefilm": "Feature film", "tvshow": "TV show", "shots": "Shots only",
                    "assets": "Assets only", "nft": "NFT collection", "commercial": "Commercial"}
PRIORITIES = {0: "Normal", 1: "High", 2: "Very high", 3: "Emergency"}


def project_color(project: Project) -> str:
    """The project's colour, or a stable colour derived from its id."""
    if project.color:
        return project.color
    digest = hashlib.sha1(project.id.encode()).digest()
    return QColor.fromHsv(digest[0] * 360 // 256, 120, 200).name()


def short_date(value: Any) -> str:
    text = str(value or "")
    return text[:10] if len(text) >= 10 else text


class ProjectListModel(QAbstractListModel):
    """The user's open productions: name and type, with the project picture or its colour."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._projects: list[Project] = []
        self._swatches: dict[str, QPixmap] = {}
        self.picture: Callable[[Project], QPixmap | None] | None = None  # set by the UI (avatars)

    def set_projects(self, projects: Sequence[Project]) -> None:
        self.beginResetModel()
        self._projects = sorted(projects, key=lambda p: p.name.lower())
        self.endResetModel()

    def projects(self) -> list[Project]:
        return list(self._projects)

    def project(self, row: int) -> Project | None:
        return self._projects[row] if 0 <= row < len(self._projects) else None

    def row_of(self, project_id: str) -> int:
        for i, p in enumerate(self._projects):
            if p.id == project_id:
                return i
        return -1

    def refresh_picture(self, project_id: str) -> None:
        row = self.row_of(project_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row), self.index(row), [R.DECORATION])

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self._projects)

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._projects):
            return None
        p = self._projects[index.row()]
        if role == R.DISPLAY:
            return f"{p.name}\n{PRODUCTION_TYPES.get(p.production_type, p.production_type)}"
        if role == R.ACCESSIBLE:
            return f"{p.name}, {PRODUCTION_TYPES.get(p.production_type, p.production_type)}"
        if role == R.TOOLTIP:
            return f"{p.name} ({PRODUCTION_TYPES.get(p.production_type, p.production_type)}, {p.fps} fps)"
        if role == R.DECORATION:
            picture = self.picture(p) if self.picture is not None and p.has_avatar else None
            return picture if picture is not None else self._swatch(project_color(p))
        if role == Role.EntityId:
            return p.id
        if role == Role.Record:
            return p
        return None

    def _swatch(self, color: str) -> QPixmap:
        pixmap = self._swatches.get(color)
        if pixmap is None:
            pixmap = QPixmap(28, 28)
            pixmap.fill(QColor(color))
            self._swatches[color] = pixmap
        return pixmap


@dataclass(frozen=True)
class ListColumn:
    key: str
    title: str


class _SortedTable(QAbstractTableModel):
    """A table over a Python list of records, sorted in Python on precomputed keys."""

    columns: tuple[ListColumn, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Any] = []
        self._rows: list[Any] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._query = ""

    # subclasses
    def cell(self, record: Any, key: str) -> Any:
        raise NotImplementedError

    def sort_value(self, record: Any, key: str) -> Any:
        return self.cell(record, key)

    def haystack(self, record: Any) -> str:
        return " ".join(display_text(self.cell(record, c.key)) for c in self.columns).lower()

    def record(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def records(self) -> list[Any]:
        return list(self._rows)

    def column_index(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        return -1

    def _set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._all = list(records)
        self._rows = self._arranged()
        self.endResetModel()

    def set_query(self, query: str) -> None:
        self._query = query
        self.beginResetModel()
        self._rows = self._arranged()
        self.endResetModel()

    def _arranged(self) -> list[Any]:
        words = self._query.lower().split()
        rows = [r for r in self._all if all(w in self.haystack(r) for w in words)] if words else list(self._all)
        if 0 <= self._sort_column < len(self.columns):
            key = self.columns[self._sort_column].key
            keys = {id(r): value_key(self.sort_value(r, key)) for r in rows}
            rows.sort(key=lambda r: keys[id(r)], reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        return rows

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        old = self._rows
        persistent = self.persistentIndexList()
        self._rows = self._arranged()
        if persistent:
            pos = {id(r): i for i, r in enumerate(self._rows)}
            moved = []
            for idx in persistent:
                target = pos.get(id(old[idx.row()])) if 0 <= idx.row() < len(old) else None
                moved.append(self.createIndex(target, idx.column()) if target is not None else QModelIndex())
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = R.DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == R.DISPLAY:
            return self.columns[section].title
        if role == Role.ColumnKey:
            return self.columns[section].key
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return R.FLAGS_ENTITY

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        key = self.columns[index.column()].key
        if role == R.DISPLAY or role == R.ACCESSIBLE:
            value = self.cell(record, key)
            return value.text if isinstance(value, Chip) else display_text(value)
        if role == Role.Chip:
            value = self.cell(record, key)
            return value if isinstance(value, Chip) else None
        if role == Role.Record:
            return record
        if role == Role.SortKey:
            return value_key(self.sort_value(record, key))
        if role == R.TOOLTIP:
            return self.tooltip(record, key)
        return self.extra_data(record, key, role)

    def tooltip(self, record: Any, key: str) -> Any:
        value = self.cell(record, key)
        if isinstance(value, Chip):
            return f"{value.status_name} — {', '.join(value.assignee_names) or 'unassigned'}"
        text = display_text(value)
        return text if len(text) > 30 else None

    def extra_data(self, record: Any, key: str, role: int) -> Any:
        del record, key, role
        return None


def user_task_kind(task: UserTask) -> str:
    """"shot" or "asset": where double-clicking a to-do opens."""
    for_entity = str(task.raw.get("task_type_for_entity") or "")
    if for_entity:
        return "shot" if for_entity == "Shot" else "asset"
    return "shot" if task.entity_type_name == "Shot" else "asset"


def hours_text(minutes: int) -> str:
    """Zou's minutes as hours: "" (none), "0.5 h", "12 h"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".") + " h" if minutes > 0 else ""


class MyTasksModel(_SortedTable):
    columns = (
        ListColumn("project", "Project"), ListColumn("entity", "Entity"), ListColumn("task_type", "Task type"),
        ListColumn("status", "Status"), ListColumn("due_date", "Due date"), ListColumn("priority", "Priority"),
        ListColumn("last_comment", "Last comment"), ListColumn("estimation", "Estimate"),
        ListColumn("duration", "Time spent"),
    )
    OVERDUE_COLOR = QColor("#c62828")

    def __init__(self, lookups: Lookups | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lookups = lookups or Lookups()
        self.today = dt.date.today  # a callable, so a window left open overnight marks the next day right

    def is_overdue(self, t: UserTask) -> bool:
        """Due before today and not in a done status (a done task is never late any more)."""
        due = short_date(t.due_date)
        if not due:
            return False
        status = self.lookups.statuses.get(t.task_status_id)
        if status is not None and status.is_done:
            return False
        return due < self.today().isoformat()

    def set_tasks(self, tasks: Sequence[UserTask], lookups: Lookups | None = None) -> None:
        if lookups is not None:
            self.lookups = lookups
        self._set_records(tasks)

    def cell(self, record: Any, key: str) -> Any:
        t: UserTask = record
        if key == "project":
            return t.project_name
        if key == "entity":
            parts = [t.episode_name, t.sequence_name] if user_task_kind(t) == "shot" else [t.entity_type_name]
            return " / ".join([p for p in parts if p] + [t.entity_name])
        if key == "task_type":
            return t.task_type_name
        if key == "status":
            if t.task_status_id in self.lookups.statuses:
                return self.lookups.chip(t.task_status_id, t.assignees)
            color = t.task_status_color or "#cccccc"
            return Chip(short_name=t.task_status_short_name, color=color, text_color=readable_text_color(color),
                        status_name=str(t.raw.get("task_status_name") or t.task_status_short_name),
                        initials=tuple(self.lookups.initials(p) for p in t.assignees),
                        assignee_names=tuple(self.lookups.person_name(p) for p in t.assignees))
        if key == "due_date":
            # The word, not only a colour: readable by everyone and by screen readers.
            return short_date(t.due_date) + (" (overdue)" if self.is_overdue(t) else "")
        if key == "priority":
            return PRIORITIES.get(t.priority, str(t.priority))
        if key == "last_comment":
            return t.last_comment
        if key == "estimation":
            return hours_text(t.estimation)
        if key == "duration":
            return hours_text(t.duration)
        return None

    def sort_value(self, record: Any, key: str) -> Any:
        t: UserTask = record
        if key == "priority":
            return t.priority
        if key == "status":
            return t.task_status_short_name
        if key == "due_date":
            return short_date(t.due_date)
        if key == "estimation":
            return t.estimation or None  # not estimated: last, with the empty cells
        if key == "duration":
            return t.duration or None
        return self.cell(record, key)

    def extra_data(self, record: Any, key: str, role: int) -> Any:
        if role == Role.EntityId:
            return record.entity_id
        if role == Role.TaskId:
            return record.id
        if role == R.FOREGROUND and key == "due_date" and self.is_overdue(record):
            return self.OVERDUE_COLOR
        return None


class EntityTasksModel(_SortedTable):
    """The tasks of the shot or asset shown in the detail pane."""

    columns = (ListColumn("task_type", "Task"), ListColumn("status", "Status"),
               ListColumn("assignees", "Assignees"), ListColumn("last_comment", "Last comment"))

    def __init__(self, lookups: Lookups | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lookups = lookups or Lookups()
        self._last: dict[str, str] = {}

    def set_tasks(self, tasks: Sequence[dict[str, Any]], lookups: Lookups | None = None) -> None:
        if lookups is not None:
            self.lookups = lookups
        self._last = {}

        def order(t: dict[str, Any]) -> tuple[Any, ...]:
            tt = self.lookups.task_types.get(str(t.get("task_type_id")))
            return (tt.priority, tt.name.lower()) if tt is not None else (999, "")

        self._set_records(sorted(tasks, key=order))

    def set_last_comments(self, last: dict[str, str]) -> None:
        self._last = dict(last)
        if self._rows:
            col = self.column_index("last_comment")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col), [])

    def row_of_task(self, task_id: str) -> int:
        for i, t in enumerate(self._rows):
            if t.get("id") == task_id:
                return i
        return -1

    def cell(self, record: Any, key: str) -> Any:
        if key == "task_type":
            return self.lookups.task_type_name(str(record.get("task_type_id")))
        if key == "status":
            return self.lookups.chip(record.get("task_status_id"), record.get("assignees") or [])
        if key == "assignees":
            return ", ".join(self.lookups.person_name(p) for p in record.get("assignees") or [])
        if key == "last_comment":
            return self._last.get(str(record.get("id")), "")
        return None

    def extra_data(self, record: Any, key: str, role: int) -> Any:
        if role == Role.TaskId or role == Role.EntityId:
            return record.get("id")
        return None


def _size(n: Any) -> str:
    try:
        size = float(n)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def comment_text(comment: dict[str, Any]) -> str:
    person = comment.get("person") or {}
    author = person.get("full_name") or f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
    status = (comment.get("task_status") or {}).get("short_name") or ""
    when = str(comment.get("created_at") or "").replace("T", " ")[:16]
    pinned = "📌 " if comment.get("pinned") else ""
    lines = [f"{pinned}{author or 'Someone'} · {status} · {when}"]
    text = str(comment.get("text") or "").strip()
    if text:
        lines.append(text)
    for item in comment.get("checklist") or []:
        if isinstance(item, dict):
            lines.append(f"{'☑' if item.get('checked') else '☐'} {item.get('text') or ''}")
    for a in comment.get("attachment_files") or []:
        if isinstance(a, dict):
            lines.append(f"Attachment: {a.get('name', 'attachment')} ({_size(a.get('size'))})")
    acks = comment.get("acknowledgements") or []
    if acks:
        lines.append(f"Acknowledged by {len(acks)}")
    for r in comment.get("replies") or []:
        if isinstance(r, dict):
            who = (r.get("person") or {}).get("full_name") if isinstance(r.get("person"), dict) else ""
            lines.append(f"  ↳ {who or 'Reply'}: {str(r.get('text') or '').strip()}")
    return "\n".join(lines)


class CommentsModel(QAbstractListModel):
    """The comment thread of one task, newest first, with attachments listed under each comment."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._comments: list[dict[str, Any]] = []
        self.task_id: str | None = None

    def set_comments(self, task_id: str | None, comments: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.task_id = task_id
        self._comments = sorted(comments, key=lambda c: str(c.get("created_at") or ""), reverse=True)
        self.endResetModel()

    def comments(self) -> list[dict[str, Any]]:
        return list(self._comments)

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self._comments)

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._comments):
            return None
        c = self._comments[index.row()]
        if role == R.DISPLAY or role == R.ACCESSIBLE:
            return comment_text(c)
        if role == Role.Record:
            return c
        if role == Role.EntityId:
            return c.get("id")
        if role == Role.Chip:
            status = c.get("task_status") or {}
            color = str(status.get("color") or "#cccccc")
            return Chip(short_name=str(status.get("short_name") or ""), color=color,
                        text_color=readable_text_color(color), status_name=str(status.get("name") or ""))
        return None


class CastingModel(QAbstractListModel):
    """Casting both ways: the assets cast in a shot (`mode="assets"`), or the shots using an asset."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[dict[str, Any]] = []
        self.mode = "assets"

    def set_casting(self, mode: str, items: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.mode = mode
        if mode == "assets":
            self._items = sorted(items, key=lambda c: (str(c.get("asset_type_name") or "").lower(),
                                                       str(c.get("asset_name") or "").lower()))
        else:
            self._items = sorted(items, key=lambda c: (str(c.get("episode_name") or "").lower(),
                                                       str(c.get("sequence_name") or "").lower(),
                                                       str(c.get("shot_name") or "").lower()))
        self.endResetModel()

    def items(self) -> list[dict[str, Any]]:
        return list(self._items)

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def text(self, c: dict[str, Any]) -> str:
        count = c.get("nb_occurences") or 1
        times = f"  ×{count}" if count != 1 else ""
        if self.mode == "assets":
            return f"{c.get('asset_type_name') or ''} / {c.get('asset_name') or ''}{times}"
        parts = [c.get("episode_name"), c.get("sequence_name"), c.get("shot_name")]
        return " / ".join(str(p) for p in parts if p) + times

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        c = self._items[index.row()]
        if role == R.DISPLAY or role == R.ACCESSIBLE:
            return self.text(c)
        if role == Role.EntityId:
            return c.get("asset_id") if self.mode == "assets" else c.get("shot_id")
        if role == Role.PreviewFileId:
            return c.get("preview_file_id") or None
        if role == Role.Record:
            return c
        return None
