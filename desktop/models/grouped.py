"""`EntityViewModel`: what the shots/assets table shows — filtered, sorted, grouped, collapsible.

A proxy over `EntityTableModel`, but not a QSortFilterProxyModel: that one calls Python `data()` for every
comparison (~0.9 s to sort 10,000 rows). Here the visible order is a Python list of item ids computed in
one pass: filter (a swappable `RowFilter` gives matching positions), order (Python's sort on the source's
precomputed keys; ties keep the natural episode/sequence/name order), group (a header row per sequence or
asset type, collapsible). Item ids are source rows (>= 0) and group headers (-1 - group number).

Changes reach the views with few signals whatever their size: removed rows are moved to the end by a layout
change and removed in one `beginRemoveRows`; added rows are inserted at the end in one `beginInsertRows`
and moved into place by a layout change; a re-sort is one layout change. Persistent indexes (selection,
current row) follow their items through every step.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.models import roles as R
from desktop.models.entities import EDIT, EntityTableModel
from desktop.models.filtering import FilterResult, RowFilter, SubstringFilter, forget_rows
from desktop.models.lookups import natural_key
from desktop.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
NO_HINT = QAbstractItemModel.LayoutChangeHint.NoLayoutChangeHint
SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
GROUP_COLUMNS = {"sequence", "episode", "asset_type"}
# The filter's data is built ahead of the first query once rows stop arriving for this long (longer than
# the load loop's batch interval, so the warm-up does not compete with a stream), then in small slices
# between event-loop turns.
WARM_DELAY_MS = 300


class EntityViewModel(QAbstractTableModel):
    counts_changed = Signal(int, int)  # rows matching the filter, rows loaded
    hints_changed = Signal(list)  # filter hints (list[str])

    def __init__(self, source: EntityTableModel, row_filter: RowFilter | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._row_filter: RowFilter = row_filter or SubstringFilter()
        self._query = ""
        self._visible: list[int] | None = None
        self._visible_set: set[int] | None = None
        self.hints: tuple[str, ...] = ()
        self._items: list[int] = []
        self._pos: dict[int, int] | None = None
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._grouping = True
        self._collapsed: set[str] = set()
        self._label_column = 1
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self._warm_step)
        # groups: numbered in order of first appearance, stable for the table's lifetime
        self._gid_of_key: dict[str, int] = {}
        self._group_keys: list[str] = []
        self._group_titles: list[str] = []
        self._group_sort: list[Any] = []
        self._group_counts: dict[int, int] = {}
        self._row_gid: list[int] = []
        self._default_order: list[int] = []
        self._bold: QFont | None = None
        self._header_brush = QBrush(QColor(128, 128, 128, 48))

        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._on_source_reset)
        source.rowsInserted.connect(self._on_rows_inserted)
        source.rows_edited.connect(self._on_rows_edited)
        source.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        source.rowsRemoved.connect(self._on_source_reset)
        source.columnsAboutToBeInserted.connect(self._on_columns_about_to_be_inserted)
        source.columnsInserted.connect(self.endInsertColumns)
        source.dataChanged.connect(self._on_source_data_changed)
        source.headerDataChanged.connect(self.headerDataChanged)
        self._on_source_reset(emit=False)

    # ------------------------------------------------------------------ public API
    @property
    def source(self) -> EntityTableModel:
        return self._source

    @property
    def query(self) -> str:
        return self._query

    @property
    def grouping(self) -> bool:
        return self._grouping

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def set_row_filter(self, row_filter: RowFilter) -> None:
        """Swap the filter implementation (the Kitsu filter language plugs in here)."""
        self._row_filter = row_filter
        self._run_filter()
        self._apply(self._compute())
        self._schedule_warm()

    def _schedule_warm(self) -> None:
        """Let a filter that can (`prepare(table) -> more to do`) build its data before the first keystroke,
        so typing after a load does not pay for indexing 10,000 rows in one go."""
        if hasattr(self._row_filter, "prepare") and self._source.table is not None:
            self._warm_timer.start(WARM_DELAY_MS)

    def _warm_step(self) -> None:
        prepare = getattr(self._row_filter, "prepare", None)
        table = self._source.table
        if prepare is not None and table is not None and prepare(table):
            self._warm_timer.start(0)  # one bounded slice per event-loop turn

    def set_query(self, query: str) -> None:
        if query == self._query:
            return
        self._query = query
        self._run_filter()
        self._apply(self._compute())

    def set_grouping(self, enabled: bool) -> None:
        if enabled != self._grouping:
            self._grouping = enabled
            self._apply(self._compute())

    def set_label_column(self, column: int) -> None:
        """Where group headers write their title (the view passes its first visible column)."""
        if column != self._label_column:
            self._label_column = column
            self._emit_header_rows_changed()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < self._source.columnCount():
            column = -1
        self._sort_column, self._sort_order = column, order
        self._apply(self._compute(), SORT_HINT)

    def is_group_row(self, row: int) -> bool:
        return 0 <= row < len(self._items) and self._items[row] < 0

    def source_row(self, row: int) -> int | None:
        """The WithTasksTable position shown at proxy `row` (None for a group header)."""
        if 0 <= row < len(self._items):
            item = self._items[row]
            return item if item >= 0 else None
        return None

    def proxy_row(self, source_row: int) -> int | None:
        if self._pos is None:
            self._pos = {item: i for i, item in enumerate(self._items)}
        return self._pos.get(source_row)

    def entity_id(self, row: int) -> str | None:
        src = self.source_row(row)
        return self._source.entity_id(src) if src is not None else None

    def row_of_entity(self, entity_id: str) -> int | None:
        for i, item in enumerate(self._items):
            if item >= 0 and self._source.entity_id(item) == entity_id:
                return i
        return None

    def group_rows(self) -> list[tuple[int, str, int, bool]]:
        """(proxy row, title, matching rows, collapsed) of each group header, top to bottom."""
        out = []
        for i, item in enumerate(self._items):
            if item < 0:
                g = -item - 1
                out.append((i, self._group_titles[g], self._group_counts.get(g, 0),
                            self._group_keys[g] in self._collapsed))
        return out

    def entity_rows(self) -> list[int]:
        """Source rows in display order (collapsed groups excluded)."""
        return [item for item in self._items if item >= 0]

    def matching_count(self) -> int:
        return self._source.rowCount() if self._visible is None else len(self._visible)

    def toggle_group(self, row: int) -> bool:
        """Collapse or expand the group whose header is at `row`; False if `row` is not a header."""
        if not self.is_group_row(row):
            return False
        key = self._group_keys[-self._items[row] - 1]
        self.set_group_collapsed(key, key not in self._collapsed)
        return True

    def set_group_collapsed(self, key: str, collapsed: bool) -> None:
        if collapsed == (key in self._collapsed):
            return
        if collapsed:
            self._collapsed.add(key)
        else:
            self._collapsed.discard(key)
        self._apply(self._compute())
        self._emit_header_rows_changed()

    def collapse_all(self) -> None:
        self._collapsed = set(self._group_keys)
        self._apply(self._compute())
        self._emit_header_rows_changed()

    def expand_all(self) -> None:
        self._collapsed.clear()
        self._apply(self._compute())
        self._emit_header_rows_changed()

    # ------------------------------------------------------------------ Qt model API
    def index(self, row: int, column: int, parent: Index = R.ROOT) -> QModelIndex:
        if 0 <= row < len(self._items) and 0 <= column < len(self._source.specs) and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = R.ROOT) -> int:
        return 0 if parent.isValid() else self._source.columnCount()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = R.DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            return self._source.headerData(section, orientation, role)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        item = self._items[index.row()]
        return R.FLAGS_HEADER if item < 0 else self._source.flags_at(item, index.column())

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        """Inline editing of an entity row goes to the source (group headers are not editable)."""
        if not index.isValid() or role != EDIT:
            return False
        item = self._items[index.row()]
        return item >= 0 and self._source.edit_cell(item, index.column(), value)

    def data(self, index: Index, role: int = R.DISPLAY) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if item >= 0:
            if role == Role.SourceRow:
                return item
            return self._source.data_at(item, index.column(), role)
        return self._header_data(-item - 1, index.column(), role)

    @property
    def label_column(self) -> int:
        return self._label_column

    def group_label(self, row: int) -> str:
        """The text of the group header at `row` ("▾ SQ01  (12)"), "" for other rows."""
        if not self.is_group_row(row):
            return ""
        g = -self._items[row] - 1
        collapsed = self._group_keys[g] in self._collapsed
        return f"{'▸' if collapsed else '▾'} {self._group_titles[g]}  ({self._group_counts.get(g, 0)})"

    def _header_data(self, g: int, col: int, role: int) -> Any:
        if role == R.DISPLAY or role == R.ACCESSIBLE:
            if col != self._label_column:
                return ""
            collapsed = self._group_keys[g] in self._collapsed
            count = self._group_counts.get(g, 0)
            return f"{'▸' if collapsed else '▾'} {self._group_titles[g]}  ({count})"
        if role == Role.GroupHeader:
            return self._group_titles[g]
        if role == Role.GroupKey:
            return self._group_keys[g]
        if role == Role.GroupCollapsed:
            return self._group_keys[g] in self._collapsed
        if role == R.FONT:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == R.BACKGROUND:
            return self._header_brush
        return None

    # ------------------------------------------------------------------ computing the visible order
    def _on_source_reset(self, *args: Any, emit: bool = True) -> None:
        del args
        self._gid_of_key, self._group_keys, self._group_titles, self._group_sort = {}, [], [], []
        self._row_gid, self._default_order = [], []
        self._index_new_rows()
        self._run_filter(notify=False)
        self._items = self._compute()
        self._pos = None
        if emit:
            self.endResetModel()
        self._notify_counts()
        self._schedule_warm()

    def _on_rows_about_to_be_removed(self, *args: Any) -> None:
        del args
        self.beginResetModel()  # the source never removes rows except when cleared: reset

    def _on_rows_inserted(self, parent: Index, first: int, last: int) -> None:
        del parent, first, last
        self._index_new_rows()
        if self._query:
            self._run_filter()
        self._apply(self._compute())
        self._schedule_warm()

    def _on_rows_edited(self, first: int, last: int) -> None:
        """Values changed in place (an inline edit, a saved dialog): the filter sees the new values."""
        table = self._source.table
        if table is not None:
            forget_rows(self._row_filter, table, first, last)
        if self._query:
            self._run_filter()
            self._apply(self._compute())
        self._schedule_warm()

    def _on_columns_about_to_be_inserted(self, parent: Index, first: int, last: int) -> None:
        del parent
        self.beginInsertColumns(QModelIndex(), first, last)

    def _on_source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                                roles: list[int] | None = None) -> None:
        rows = [self.proxy_row(r) for r in range(top_left.row(), bottom_right.row() + 1)]
        shown = [r for r in rows if r is not None]
        if shown:
            self.dataChanged.emit(self.index(min(shown), top_left.column()),
                                  self.index(max(shown), bottom_right.column()), roles or [])

    def _index_new_rows(self) -> None:
        """Group numbers and the natural order for source rows not seen yet."""
        src = self._source
        n = src.rowCount()
        start = len(self._row_gid)
        if n <= start:
            return
        gid_of_key = self._gid_of_key
        row_gid = self._row_gid
        for key, title in src.groups_until(n)[start:n]:
            gid = gid_of_key.get(key)
            if gid is None:
                gid = gid_of_key[key] = len(self._group_keys)
                self._group_keys.append(key)
                self._group_titles.append(title)
                self._group_sort.append(natural_key(title))
            row_gid.append(gid)
        keys = src.default_keys()
        new = sorted(range(start, n), key=keys.__getitem__)
        # Timsort merges the two sorted runs in linear time.
        self._default_order = sorted(self._default_order + new, key=keys.__getitem__)

    def _run_filter(self, notify: bool = True) -> None:
        table = self._source.table
        if not self._query.strip() or table is None:
            result = FilterResult(None)
        else:
            try:
                result = self._row_filter(table, self._query)
            except Exception as exc:  # a filter must never take the list down
                result = FilterResult(None, (f"The filter failed: {exc}",))
        n = self._source.rowCount()
        if result.rows is None:
            self._visible = self._visible_set = None
        else:
            visible = sorted(r for r in set(result.rows) if 0 <= r < n)
            self._visible, self._visible_set = visible, set(visible)
        if tuple(result.hints) != self.hints:
            self.hints = tuple(result.hints)
            if notify:
                self.hints_changed.emit(list(self.hints))

    def _compute(self) -> list[int]:
        order = self._default_order
        if self._visible_set is not None:
            vis = self._visible_set
            order = [r for r in order if r in vis]
        desc = self._sort_order == Qt.SortOrder.DescendingOrder
        if self._sort_column >= 0:
            keys = self._source.sort_keys(self._sort_column)
            order = sorted(order, key=keys.__getitem__, reverse=desc)
        if not self._grouping:
            self._group_counts = {}
            return list(order)
        # Rows grouped with their order inside each group kept: a stable sort on the group's rank, with
        # C-level keys (this runs on every streamed batch over every row loaded so far).
        row_gid = self._row_gid
        present = set(map(row_gid.__getitem__, order))
        groups = sorted(present, key=lambda g: (self._group_sort[g], self._group_titles[g]))
        if desc and self._sort_column >= 0 and self._source.specs[self._sort_column].key in GROUP_COLUMNS:
            groups.reverse()
        rank = [0] * len(self._group_keys)
        for i, g in enumerate(groups):
            rank[g] = i
        row_rank = list(map(rank.__getitem__, row_gid))
        ordered = sorted(order, key=row_rank.__getitem__)
        counts = Counter(map(row_gid.__getitem__, ordered))
        self._group_counts = dict(counts)
        items: list[int] = []
        collapsed = self._collapsed
        at = 0
        for g in groups:
            n = counts[g]
            items.append(-1 - g)
            if self._group_keys[g] not in collapsed:
                items.extend(ordered[at:at + n])
            at += n
        return items

    # ------------------------------------------------------------------ telling the views
    def _apply(self, new: list[int], hint: QAbstractItemModel.LayoutChangeHint = NO_HINT) -> None:
        old = self._items
        if new != old:
            root = QModelIndex()
            new_set = set(new)
            removed = [i for i, item in enumerate(old) if item not in new_set]
            if removed:
                keep = [item for item in old if item in new_set]
                if removed[-1] - removed[0] + 1 != len(removed):
                    self._relayout(keep + [old[i] for i in removed], NO_HINT)
                    first = len(keep)
                else:
                    first = removed[0]
                self.beginRemoveRows(root, first, first + len(removed) - 1)
                self._items = keep
                self._pos = None
                self.endRemoveRows()
            cur = self._items
            if len(cur) < len(new):
                cur_set = set(cur)
                added = [i for i, item in enumerate(new) if item not in cur_set]
                first, last = added[0], added[-1]
                if (last - first + 1 == len(added) and new[:first] == cur[:first]
                        and new[last + 1:] == cur[first:]):
                    self.beginInsertRows(root, first, last)
                    self._items = new
                    self._pos = None
                    self.endInsertRows()
                else:
                    start = len(cur)
                    self.beginInsertRows(root, start, start + len(added) - 1)
                    self._items = cur + [new[i] for i in added]
                    self._pos = None
                    self.endInsertRows()
            if self._items != new:
                self._relayout(new, hint)
        self._notify_counts()

    def _relayout(self, new: list[int], hint: QAbstractItemModel.LayoutChangeHint) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self._items
        persistent = self.persistentIndexList()
        if persistent:
            pos = {item: i for i, item in enumerate(new)}
            moved: list[QModelIndex] = []
            for idx in persistent:
                row = idx.row()
                target = pos.get(old[row]) if 0 <= row < len(old) else None
                moved.append(self.createIndex(target, idx.column()) if target is not None else QModelIndex())
            self._items = new
            self.changePersistentIndexList(persistent, moved)
        else:
            self._items = new
        self._pos = None
        self.layoutChanged.emit()

    def _emit_header_rows_changed(self) -> None:
        last_col = self.columnCount() - 1
        for i, item in enumerate(self._items):
            if item < 0 and last_col >= 0:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last_col), [])

    def _notify_counts(self) -> None:
        self.counts_changed.emit(self.matching_count(), self._source.rowCount())
