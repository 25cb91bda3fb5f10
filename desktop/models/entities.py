"""`EntityTableModel`: the shots or assets of a project, straight over the columnar `WithTasksTable`.

No per-row objects are built: a cell is read from the row list by a position resolved once per table
(positions come from the server's header, never hard-coded). Rows stream in: the API layer extends
`table.rows` and the model announces the new tail with `beginInsertRows` (`sync_rows`), so views show
the first rows while the rest still arrive. Sort keys are computed once per column (and extended for
streamed rows) so sorting is a Python sort on precomputed keys, never Qt calling `data()` per comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPixmap

from desktop.api.records import Project, TaskType, WithTasksTable
from desktop.models import roles as R
from desktop.models.columns import ColumnKind, ColumnSpec, build_columns, task_type_column
from desktop.models.lookups import Chip, Lookups, display_text, natural_key, value_key
from desktop.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
Row = Sequence[Any]
Getter = Callable[[Row], Any]

THUMB_HEIGHT = 27
THUMB_WIDTH = 48
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ThumbnailSource(Protocol):
    """Gives list-sized thumbnails; returns None while one is being fetched (then tells the model)."""

    def list_thumbnail(self, preview_file_id: str) -> QPixmap | None: ...


def _none(row: Row) -> Any:
    del row
    return None


class EntityTableModel(QAbstractTableModel):
    """Shots (`kind="shot"`) or assets (`kind="asset"`) with one status column per task type."""

    columns_changed = Signal()

    def __init__(self, kind: str, lookups: Lookups | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if kind not in ("shot", "asset"):
            raise ValueError(f"kind must be 'shot' or 'asset', not {kind!r}")
        self.kind = kind
        self.lookups = lookups or Lookups()
        self.project: Project | None = None
        self.specs: list[ColumnSpec] = build_columns(kind, None, self.lookups)
        self.table: WithTasksTable | None = None
        self._rows: list[list[Any]] = []
        self._count = 0
        self._getters: list[Getter] = []
        self._sort_cache: dict[int, list[Any]] = {}
        self._default_keys: list[Any] = []
        self._group_keys: list[tuple[str, str]] = []  # per row: (group id, group title)
        self._thumbs: ThumbnailSource | None = None
        self._placeholder: QPixmap | None = None
        self._preview_rows: dict[str, list[int]] | None = None
        self._preview_rows_count = 0
        self._id_pos = -1
        self._preview_pos = -1

    # ------------------------------------------------------------------ configuration
    def set_project(self, project: Project | None, lookups: Lookups | None = None) -> None:
        """New columns for `project`; forgets the rows (a new project's rows stream in next)."""
        self.beginResetModel()
        if lookups is not None:
            self.lookups = lookups
        self.project = project
        self.specs = build_columns(self.kind, project, self.lookups)
        self._set_table(None)
        self.endResetModel()
        self.columns_changed.emit()

    def set_table(self, table: WithTasksTable | None) -> None:
        """Show every row `table` holds now; rows added to it later are announced by `sync_rows`."""
        self.beginResetModel()
        self._set_table(table)
        self._add_unknown_task_types(0, self._count, announce=False)
        self.endResetModel()
        self.columns_changed.emit()

    def clear(self) -> None:
        self.set_table(None)

    def _set_table(self, table: WithTasksTable | None) -> None:
        self.table = table
        self._rows = table.rows if table is not None else []
        self._count = len(self._rows)
        self._sort_cache = {}
        self._default_keys = []
        self._group_keys = []
        self._preview_rows = None
        self._compile()

    def sync_rows(self) -> int:
        """Announce rows appended to the table since the last call; returns how many."""
        new_count = len(self._rows)
        first = self._count
        if new_count <= first:
            return 0
        self._add_unknown_task_types(first, new_count, announce=True)
        self.beginInsertRows(QModelIndex(), first, new_count - 1)
        self._count = new_count
        self.endInsertRows()
        return new_count - first

    def set_thumbnail_source(self, source: ThumbnailSource | None) -> None:
        self._thumbs = source

    def on_thumbnail_ready(self, preview_file_id: str) -> None:
        """A thumbnail arrived: repaint the cells of the rows that show it."""
        col = self.column_index("thumbnail")
        if col < 0 or self._preview_pos < 0:
            return
        if self._preview_rows is None or self._preview_rows_count != self._count:
            mapping: dict[str, list[int]] = {}
            pos = self._preview_pos
            for i in range(self._count):
                pid = self._rows[i][pos]
                if pid:
                    mapping.setdefault(pid, []).append(i)
            self._preview_rows, self._preview_rows_count = mapping, self._count
        for row in self._preview_rows.get(preview_file_id, ()):
            idx = self.index(row, col)
            self.dataChanged.emit(idx, idx, [R.DECORATION])

    # ------------------------------------------------------------------ columns
    def _compile(self) -> None:
        self._getters = [self._getter(spec) for spec in self.specs]
        table = self.table
        self._id_pos = table.col("id") if table is not None and table.has("id") else -1
        self._preview_pos = (table.col("preview_file_id")
                             if table is not None and table.has("preview_file_id") else -1)

    def _getter(self, spec: ColumnSpec) -> Getter:
        table = self.table
        if table is None:
            return _none
        data_pos = table.col("data") if table.has("data") else -1
        if spec.kind in (ColumnKind.FIELD, ColumnKind.THUMBNAIL):
            if table.has(spec.field):
                pos = table.col(spec.field)
                if spec.kind is ColumnKind.THUMBNAIL:
                    return lambda row: row[pos] or None  # assets send "" when there is none
                return lambda row: row[pos]
            spec_field = spec.field
            if data_pos >= 0:  # frame_in/out and fps live in `data` on older servers
                return lambda row: (row[data_pos] or {}).get(spec_field)
            return _none
        if spec.kind is ColumnKind.METADATA:
            if data_pos < 0:
                return _none
            key = spec.field
            return lambda row: (row[data_pos] or {}).get(key)
        # TASK: the row's task of this task type (a positional task row), or None
        if not table.has("tasks") or "task_type_id" not in table.task_fields:
            return _none
        tasks_pos, tt_pos, ttid = table.col("tasks"), table.task_col("task_type_id"), spec.task_type_id

        def task(row: Row) -> Any:
            for t in row[tasks_pos] or ():
                if t[tt_pos] == ttid:
                    return t
            return None

        return task

    def _add_unknown_task_types(self, first: int, last: int, *, announce: bool) -> None:
        """Rows may carry tasks of a type the project no longer lists: give them a column too."""
        table = self.table
        if table is None or not table.has("tasks") or "task_type_id" not in table.task_fields:
            return
        known = {s.task_type_id for s in self.specs if s.kind is ColumnKind.TASK}
        tasks_pos, tt_pos = table.col("tasks"), table.task_col("task_type_id")
        found: dict[str, None] = {}
        for row in self._rows[first:last]:
            for t in row[tasks_pos] or ():
                ttid = t[tt_pos]
                if ttid not in known and ttid not in found:
                    found[ttid] = None
        if not found:
            return
        specs = [task_type_column(self.lookups.task_types.get(ttid) or TaskType(
            id=ttid, name=f"Task type {ttid[:8]}", short_name="", color="#999999", priority=999,
            for_entity="Shot" if self.kind == "shot" else "Asset", department_id=None)) for ttid in found]
        start = len(self.specs)
        if announce:
            self.beginInsertColumns(QModelIndex(), start, start + len(specs) - 1)
        self.specs.extend(specs)
        self._getters.extend(self._getter(s) for s in specs)
        if announce:
            self.endInsertColumns()
            self.columns_changed.emit()

    def column_index(self, key: str) -> int:
        for i, spec in enumerate(self.specs):
            if spec.key == key:
                return i
        return -1

    def column_keys(self) -> list[str]:
        return [s.key for s in self.specs]

    # ------------------------------------------------------------------ Qt model API
    def index(self, row: int, column: int, parent: Index = R.ROOT) -> QModelIndex:
        # One Python call instead of the base class's rowCount() + columnCount() virtual calls: views ask
        # for an index per painted cell, so this is on the hot path.
        if 0 <= row < self._count and 0 <= column < len(self.specs) and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self.specs)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return R.FLAGS_ENTITY

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = R.DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.specs):
            return None
        spec = self.specs[section]
        if role == R.DISPLAY:
            return spec.title
        if role == Role.ColumnKey:
            return spec.key
        if role == R.TOOLTIP:
            return f"{spec.title} ({'task status' if spec.kind is ColumnKind.TASK else spec.kind.value})"
        if role == R.FOREGROUND and spec.kind is ColumnKind.TASK and spec.color:
            return QColor(spec.color)
        return None

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid():
            return None
        return self.data_at(index.row(), index.column(), role)

    def data_at(self, row: int, col: int, role: int) -> Any:
        """`data()` without building a QModelIndex (the grouping proxy calls this directly)."""
        if not (0 <= row < self._count and 0 <= col < len(self.specs)):
            return None
        spec = self.specs[col]
        kind = spec.kind
        if role == R.DISPLAY or role == R.ACCESSIBLE:
            if kind is ColumnKind.TASK:
                chip = self._chip(self._getters[col](self._rows[row]))
                return chip.text if chip is not None else ""
            if kind is ColumnKind.THUMBNAIL:
                return "" if role == R.DISPLAY else ("preview" if self._getters[col](self._rows[row]) else "")
            return display_text(self._getters[col](self._rows[row]))
        if role == Role.Chip:
            return self._chip(self._getters[col](self._rows[row])) if kind is ColumnKind.TASK else None
        if role == R.DECORATION:
            if kind is ColumnKind.THUMBNAIL:
                preview = self._getters[col](self._rows[row])
                if not preview:
                    return None
                pixmap = self._thumbs.list_thumbnail(preview) if self._thumbs is not None else None
                return pixmap if pixmap is not None else self.placeholder()
            return None
        if role == R.ALIGN:
            return _RIGHT if spec.numeric else None
        if role == R.TOOLTIP:
            return self._tooltip(spec, self._getters[col](self._rows[row]))
        if role == Role.EntityId:
            return self._rows[row][self._id_pos] if self._id_pos >= 0 else None
        if role == Role.SortKey:
            return self.sort_keys(col)[row]
        if role == Role.PreviewFileId:
            return (self._rows[row][self._preview_pos] or None) if self._preview_pos >= 0 else None
        if role == Role.TaskId:
            if kind is ColumnKind.TASK and self.table is not None:
                task = self._getters[col](self._rows[row])
                return task[self.table.task_col("id")] if task is not None else None
            return None
        if role == Role.GroupKey:
            return self.group_of(row)[0]
        if role == R.SIZE_HINT and kind is ColumnKind.THUMBNAIL:
            return None
        return None

    def _chip(self, task: Any) -> Chip | None:
        if task is None or self.table is None:
            return None
        table = self.table
        status = task[table.task_col("task_status_id")]
        assignees = task[table.task_col("assignees")] if "assignees" in table.task_fields else None
        return self.lookups.chip(status, assignees)

    def _tooltip(self, spec: ColumnSpec, value: Any) -> str | None:
        if spec.kind is ColumnKind.TASK:
            chip = self._chip(value)
            if chip is None:
                return f"{spec.title}: no task"
            who = ", ".join(chip.assignee_names) or "unassigned"
            return f"{spec.title}: {chip.status_name} — {who}"
        if spec.kind is ColumnKind.THUMBNAIL:
            return None
        text = display_text(value)
        return text if len(text) > 30 else None

    def placeholder(self) -> QPixmap:
        if self._placeholder is None:
            pixmap = QPixmap(THUMB_WIDTH, THUMB_HEIGHT)
            pixmap.fill(QColor("#8a8f98"))
            self._placeholder = pixmap
        return self._placeholder

    # ------------------------------------------------------------------ what the proxy reads
    def entity_id(self, row: int) -> str | None:
        if 0 <= row < self._count and self._id_pos >= 0:
            value = self._rows[row][self._id_pos]
            return str(value) if value else None
        return None

    def row_values(self, row: int) -> dict[str, Any]:
        """The row as a dict of entity fields (tasks left positional): for the detail pane's first paint."""
        if self.table is None or not 0 <= row < self._count:
            return {}
        return dict(zip(self.table.entity_fields, self._rows[row], strict=False))

    def sort_keys(self, col: int) -> list[Any]:
        """One precomputed sort key per row for column `col` (extended as rows stream in)."""
        keys = self._sort_cache.get(col)
        if keys is None:
            keys = self._sort_cache[col] = []
        if len(keys) < self._count:
            get = self._getters[col]
            rows = self._rows[len(keys):self._count]
            kind = self.specs[col].kind
            if kind is ColumnKind.TASK:
                table = self.table
                assert table is not None
                status_pos = table.task_col("task_status_id")
                status = self.lookups.status
                for row in rows:
                    task = get(row)
                    if task is None:
                        keys.append((1,))
                    else:
                        st = status(task[status_pos])
                        keys.append((0, st.short_name.lower(), st.name.lower()))
            elif kind is ColumnKind.THUMBNAIL:
                keys.extend((0,) if get(row) else (1,) for row in rows)
            else:
                keys.extend(value_key(get(row)) for row in rows)
        return keys

    def default_keys(self) -> list[Any]:
        """The natural order: episode, sequence, name for shots; asset type, name for assets."""
        keys = self._default_keys
        if len(keys) < self._count and self.table is not None:
            table = self.table
            names = ("episode_name", "sequence_name", "name") if self.kind == "shot" else ("asset_type_name", "name")
            positions = [table.col(n) for n in names if table.has(n)]
            keys.extend("\x00".join([natural_key(str(row[p] or "")) for p in positions])
                        for row in self._rows[len(keys):self._count])
        return keys

    def group_of(self, row: int) -> tuple[str, str]:
        """(group id, group title): the sequence of a shot, the asset type of an asset."""
        groups = self._group_keys
        if len(groups) <= row and self.table is not None:
            table = self.table
            if self.kind == "shot":
                seq_id = table.col("sequence_id") if table.has("sequence_id") else -1
                seq_name = table.col("sequence_name") if table.has("sequence_name") else -1
                ep_name = table.col("episode_name") if table.has("episode_name") else -1
                with_episode = self.column_index("episode") >= 0
                for r in self._rows[len(groups):self._count]:
                    title = str(r[seq_name] or "") if seq_name >= 0 else ""
                    if with_episode and ep_name >= 0 and r[ep_name]:
                        title = f"{r[ep_name]} / {title}"
                    groups.append((str(r[seq_id] or "") if seq_id >= 0 else title, title or "No sequence"))
            else:
                type_id = table.col("asset_type_id") if table.has("asset_type_id") else -1
                type_name = table.col("asset_type_name") if table.has("asset_type_name") else -1
                for r in self._rows[len(groups):self._count]:
                    title = str(r[type_name] or "") if type_name >= 0 else ""
                    groups.append((str(r[type_id] or "") if type_id >= 0 else title, title or "No type"))
        return groups[row] if row < len(groups) else ("", "")
