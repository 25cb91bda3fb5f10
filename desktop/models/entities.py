"""`EntityTableModel`: the shots or assets of a project, straight over the columnar `WithTasksTable`.

No per-row objects are built: a cell is read from the row list by a position resolved once per table
(positions come from the server's header, never hard-coded). Rows stream in: the API layer extends
`table.rows` and the model announces the new tail with `beginInsertRows` (`sync_rows`), so views show
the first rows while the rest still arrive. Sort keys are computed once per column (and extended for
streamed rows) so sorting is a Python sort on precomputed keys, never Qt calling `data()` per comparison.

Inline editing: with `set_capabilities(caps)` the editable cells (the `CELL_EDITABLE` fields and the metadata
columns except checklists, where `caps.can_edit_field` allows) get `ItemIsEditable`, decided once per column
(and per row creator only when the rows carry `created_by`). `data(EditRole)` is the value as plain text;
`setData` validates with `apply_cell_edit`: a bad value emits `edit_failed(message)` and keeps the old value,
a good one is shown at once and emitted as `edit_requested(row, CellEdit)` for the pane to save
(`desktop.ui.panes.inline_edit`), which then merges the server's answer (`update_row`) or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from typing import Any, Final, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPixmap

from desktop.api import errors as E
from desktop.api.editing import CELL_EDITABLE, Capabilities, apply_cell_edit
from desktop.api.editing.fields import DATA, SHOT_DATA_FIELDS
from desktop.api.records import Descriptor, Project, TaskType, WithTasksTable
from desktop.models import roles as R
from desktop.models.columns import ColumnKind, ColumnSpec, build_columns, entity_type_name, task_type_column
from desktop.models.lookups import Chip, Lookups, display_text, natural_key, value_key
from desktop.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
Row = Sequence[Any]
Getter = Callable[[Row], Any]

THUMB_HEIGHT = 27
TASK_INDEX_DELAY_MS = 300  # after the last batch of rows: longer than the gap between two streamed batches
THUMB_WIDTH = 48
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
EDIT: Final = Qt.ItemDataRole.EditRole.value
FLAGS_EDITABLE: Final = R.FLAGS_ENTITY | Qt.ItemFlag.ItemIsEditable


class ThumbnailSource(Protocol):
    """Gives list-sized thumbnails; returns None while one is being fetched (then tells the model)."""

    def list_thumbnail(self, preview_file_id: str) -> QPixmap | None: ...


def _none(row: Row) -> Any:
    del row
    return None


class EntityTableModel(QAbstractTableModel):
    """Shots (`kind="shot"`) or assets (`kind="asset"`) with one status column per task type."""

    columns_changed = Signal()
    edit_requested = Signal(int, object)  # source row, CellEdit: a valid cell edit for the pane to save
    edit_failed = Signal(str)  # why a typed value was refused (nothing changed)
    rows_edited = Signal(int, int)  # first, last source row whose values were replaced in place

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
        self._task_rows: dict[Any, int] | None = None  # task id -> source row, for events naming only a task
        self._task_rows_count = 0
        self._task_index_timer: QTimer | None = None  # indexes the rows added since, once they stop coming
        self._id_pos = -1
        self._preview_pos = -1
        # inline editing, resolved per column by _compile (flags() reads one list item per cell)
        self._caps: Capabilities | None = None
        self._descriptors: tuple[Descriptor, ...] = ()
        self._edit_columns: list[str] = []  # per column: the apply_cell_edit column ("" = not editable)
        self._flags: list[Qt.ItemFlag] = []
        self._by_creator: dict[int, dict[Any, Qt.ItemFlag]] = {}  # columns whose answer depends on the row
        self._creator_pos = -1

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
        self._index_tasks_soon()
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
        self._task_rows = None
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
        self._index_tasks_soon()
        return new_count - first

    def set_capabilities(self, capabilities: Capabilities | None) -> None:
        """What the user may edit in this project (None: nothing is editable)."""
        self._caps = capabilities
        self._compile_editing()  # views ask flags() when they need them: nothing to announce

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
        self._compile_editing()

    def _compile_editing(self) -> None:
        """Per column: which `apply_cell_edit` column it edits and its item flags for this user."""
        wanted = entity_type_name(self.kind)
        project = self.project
        self._descriptors = tuple(d for d in (project.descriptors if project is not None else ())
                                  if d.entity_type == wanted)
        types = {d.field_name: d.data_type for d in self._descriptors}
        table = self.table
        self._creator_pos = table.col("created_by") if table is not None and table.has("created_by") else -1
        self._edit_columns, self._flags, self._by_creator = [], [], {}
        for spec in self.specs:
            self._add_edit_column(spec, types)

    def _add_edit_column(self, spec: ColumnSpec, types: dict[str, str]) -> None:
        column = ""
        if spec.kind is ColumnKind.FIELD and spec.field in CELL_EDITABLE:
            column = spec.field
        elif spec.kind is ColumnKind.METADATA and spec.field and types.get(spec.field) != "checklist":
            column = DATA + spec.field
        caps = self._caps
        editable = False
        if column and caps is not None:
            key = DATA + column if column in SHOT_DATA_FIELDS else column  # the flat key that is sent
            editable = caps.can_edit_field(key, None, self._descriptors)
            if not editable and self._creator_pos >= 0:
                self._by_creator[len(self._flags)] = {}  # only the entity's creator may: decided per row
        self._edit_columns.append(column)
        self._flags.append(FLAGS_EDITABLE if editable else R.FLAGS_ENTITY)

    def _row_flags(self, row: int, col: int) -> Qt.ItemFlag:
        """Flags of a column only the entity's creator may edit (cached per creator, no allocation)."""
        cache = self._by_creator[col]
        creator = self._rows[row][self._creator_pos]
        flags = cache.get(creator)
        if flags is None:
            caps, column = self._caps, self._edit_columns[col]
            key = DATA + column if column in SHOT_DATA_FIELDS else column
            allowed = caps is not None and caps.can_edit_field(key, {"created_by": creator}, self._descriptors)
            flags = cache[creator] = FLAGS_EDITABLE if allowed else R.FLAGS_ENTITY
        return flags

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
        # One set comprehension per batch (runs on every streamed batch: keep it in C as far as possible).
        seen = {t[tt_pos] for row in self._rows[first:last] for t in (row[tasks_pos] or ())}
        if seen <= known:
            return
        found = dict.fromkeys(sorted(seen - known))
        specs = [task_type_column(self.lookups.task_types.get(ttid) or TaskType(
            id=ttid, name=f"Task type {ttid[:8]}", short_name="", color="#999999", priority=999,
            for_entity="Shot" if self.kind == "shot" else "Asset", department_id=None)) for ttid in found]
        start = len(self.specs)
        if announce:
            self.beginInsertColumns(QModelIndex(), start, start + len(specs) - 1)
        self.specs.extend(specs)
        self._getters.extend(self._getter(s) for s in specs)
        for s in specs:
            self._add_edit_column(s, {})
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
        return self.flags_at(index.row(), index.column())

    def flags_at(self, row: int, col: int) -> Qt.ItemFlag:
        """`flags()` without a QModelIndex (the grouping proxy calls this directly)."""
        if self._by_creator and col in self._by_creator and 0 <= row < self._count:
            return self._row_flags(row, col)
        flags = self._flags
        return flags[col] if 0 <= col < len(flags) else R.FLAGS_ENTITY

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if role != EDIT or not index.isValid():
            return False
        return self.edit_cell(index.row(), index.column(), value)

    def edit_cell(self, row: int, col: int, value: Any) -> bool:
        """Validate what the user typed into a cell; show it and emit `edit_requested`, or `edit_failed`."""
        table = self.table
        if (table is None or not 0 <= row < self._count or not 0 <= col < len(self.specs)
                or not self.flags_at(row, col) & Qt.ItemFlag.ItemIsEditable):
            return False
        values = dict(zip(table.entity_fields, self._rows[row], strict=False))
        try:
            edit = apply_cell_edit(values, self._edit_columns[col], value, self._descriptors)
        except E.ValidationError as exc:
            self.edit_failed.emit(str(exc))
            return False
        if edit is None:
            return False  # unchanged
        self.set_value(row, edit.key, edit.new)  # shown at once; the pane saves it, or rolls it back
        self.edit_requested.emit(row, edit)
        return True

    def set_value(self, row: int, key: str, value: Any) -> None:
        """Put one flat key's value (`name`, `data.frame_in`, `data.<field>`) into a row and repaint it."""
        if self.table is None or not 0 <= row < self._count:
            return
        if key.startswith(DATA):
            bare = key[len(DATA):]
            data_pos = self.table.col("data") if self.table.has("data") else -1
            data = dict((self._rows[row][data_pos] or {}) if data_pos >= 0 else {})
            data[bare] = value
            updates: dict[str, Any] = {"data": data}
            if bare in SHOT_DATA_FIELDS:
                updates[bare] = value  # the with-tasks rows repeat frame_in/out and fps at the top level
            self.update_row(row, updates)
        else:
            self.update_row(row, {key: value})

    def update_row(self, row: int, updates: Mapping[str, Any]) -> None:
        """Merge entity fields (e.g. `row_updates(saved_entity)`) into a row, where the table has them."""
        table = self.table
        if table is None or not 0 <= row < self._count:
            return
        values = self._rows[row]
        for key, value in updates.items():
            if table.has(key):
                values[table.col(key)] = value
        # The sort keys of this row changed: recomputed when next needed (an edit is rare; a sort is fast).
        self._sort_cache = {}
        if "name" in updates:
            self._default_keys = []
        self.rows_edited.emit(row, row)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.specs) - 1), [])

    def update_tasks(self, updates: Mapping[str, Mapping[str, Any]], entity_ids: Sequence[str] = ()) -> int:
        """Merge task fields (`task_status_id`, `assignees`...) into the rows' tasks by task id; repaints the
        rows changed and returns how many. `entity_ids` (when known) limits the search to those rows."""
        table = self.table
        if table is None or not updates or not table.has("tasks") or "id" not in table.task_fields:
            return 0
        tasks_pos, tid_pos = table.col("tasks"), table.task_col("id")
        positions = {name: table.task_col(name) for u in updates.values() for name in u if name in table.task_fields}
        if entity_ids and len(entity_ids) == len(updates):
            rows: Sequence[int] = [r for r in (self.row_of_id(e) for e in entity_ids) if r is not None]
        else:  # an event names the task only: its row from the index, not a scan of every row's tasks
            index = self._task_index()
            rows = sorted({index[t] for t in updates if t in index})
        changed: list[int] = []
        for row in rows:
            tasks = self._rows[row][tasks_pos]
            if not tasks:
                continue
            hit = False
            for i, task in enumerate(tasks):
                fields = updates.get(task[tid_pos])
                if fields is None:
                    continue
                task = list(task)
                for name, value in fields.items():
                    pos = positions.get(name)
                    if pos is not None:
                        task[pos] = value
                tasks[i] = task
                hit = True
            if hit:
                changed.append(row)
        if changed:
            self._sort_cache = {}
            for row in changed:
                self.rows_edited.emit(row, row)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.specs) - 1), [])
        return len(changed)

    def add_task(self, entity_id: str, task: Mapping[str, Any]) -> bool:
        """A task created on a listed row (`task`: Zou's task record): it appears in its task-type column,
        which is added when the project did not list that type yet. False when the row is not loaded."""
        table = self.table
        row = self.row_of_id(entity_id)
        if table is None or row is None or not table.has("tasks") or "id" not in table.task_fields:
            return False
        tasks_pos, tid_pos = table.col("tasks"), table.task_col("id")
        tasks = self._rows[row][tasks_pos]
        if tasks is None:
            tasks = self._rows[row][tasks_pos] = []
        values = [task.get(name) for name in table.task_fields]
        at = next((i for i, t in enumerate(tasks) if t[tid_pos] == values[tid_pos]), None)
        if at is None:
            tasks.append(values)
            if self._task_rows is not None:
                self._task_rows[values[tid_pos]] = row
        else:
            tasks[at] = values  # already there (an echo after a re-read): the newer record wins
        self._add_unknown_task_types(row, row + 1, announce=True)
        self._row_changed(row)
        return True

    def remove_tasks(self, task_ids: Set[str], entity_ids: Sequence[str] = ()) -> int:
        """Tasks deleted: their cells vanish from the rows holding them; returns how many rows changed."""
        table = self.table
        if table is None or not task_ids or not table.has("tasks") or "id" not in table.task_fields:
            return 0
        tasks_pos, tid_pos = table.col("tasks"), table.task_col("id")
        rows: Sequence[int] = range(self._count)
        if entity_ids:
            rows = [r for r in (self.row_of_id(e) for e in entity_ids) if r is not None]
        changed = 0
        for row in rows:
            tasks = self._rows[row][tasks_pos]
            if tasks and any(t[tid_pos] in task_ids for t in tasks):
                tasks[:] = [t for t in tasks if t[tid_pos] not in task_ids]
                if self._task_rows is not None:
                    for task_id in task_ids:
                        self._task_rows.pop(task_id, None)
                self._row_changed(row)
                changed += 1
        return changed

    def _index_tasks_soon(self) -> None:
        """Index the new rows' tasks once they have stopped arriving, not while they are being shown:
        nothing visible needs the index (only an event naming a task), and on a reopen from the disk cache
        it ran between the chunks read (~15-60 ms before the pane was whole). Each batch restarts the
        timer; `_task_index` stays incremental and complete when it is asked for before it fires."""
        timer = self._task_index_timer
        if timer is None:
            timer = self._task_index_timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(TASK_INDEX_DELAY_MS)
            timer.timeout.connect(self._task_index)
        timer.start()

    def _task_index(self) -> dict[Any, int]:
        """Which row holds each task. Kept up to date as rows stream in (`set_table`, `sync_rows`: a few
        thousand dict inserts per batch), so an event naming a task costs a lookup, not a scan."""
        table = self.table
        if self._task_rows is None:
            self._task_rows, self._task_rows_count = {}, 0
        index = self._task_rows
        if self._task_rows_count < self._count and table is not None and table.has("tasks") \
                and "id" in table.task_fields:
            tasks_pos, tid_pos = table.col("tasks"), table.task_col("id")
            rows = self._rows
            for i in range(self._task_rows_count, self._count):
                for t in rows[i][tasks_pos] or ():
                    index[t[tid_pos]] = i
        self._task_rows_count = self._count
        return index

    def _row_changed(self, row: int) -> None:
        self._sort_cache = {}
        self.rows_edited.emit(row, row)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.specs) - 1), [])

    def row_of_id(self, entity_id: str, hint: int = -1) -> int | None:
        """The source row of an entity (`hint` is checked first), or None when it is not loaded."""
        pos = self._id_pos
        if pos < 0:
            return None
        if 0 <= hint < self._count and self._rows[hint][pos] == entity_id:
            return hint
        for i in range(self._count):
            if self._rows[i][pos] == entity_id:
                return i
        return None

    def descriptors(self) -> tuple[Descriptor, ...]:
        """The project's metadata descriptors of this list's entity type."""
        return self._descriptors

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
        if role == EDIT:  # the value as plain text, for the cell editor
            if kind is ColumnKind.FIELD or kind is ColumnKind.METADATA:
                return display_text(self._getters[col](self._rows[row]))
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

    def row_tasks(self, row: int) -> list[dict[str, Any]]:
        """The row's tasks as dicts (id, task_type_id, task_status_id, assignees…), as loaded."""
        if self.table is None or not 0 <= row < self._count:
            return []
        names = self.table.task_fields
        return [dict(zip(names, t, strict=False)) for t in self.table.tasks(self._rows[row])]

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
        groups = self.groups_until(row + 1)
        return groups[row] if row < len(groups) else ("", "")

    def groups_until(self, count: int) -> list[tuple[str, str]]:
        """(group id, group title) of rows 0..count-1 (and more), computed once per row."""
        groups = self._group_keys
        if len(groups) >= count:
            return groups
        if self.table is not None:
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
        return groups
