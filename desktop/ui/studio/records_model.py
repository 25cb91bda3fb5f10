"""A table model over a family's records (the server's dicts), columns from its declared fields.

Colours show as chips (the swatch as decoration, the hex code as text), booleans as ticks, references as
the names the window knows (a project, a department, a person), everything else as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.api.studio.families import FieldSpec, RefKind
from desktop.ui.panes.common import named

Index = QModelIndex | QPersistentModelIndex
RefNames = Mapping[RefKind, Mapping[str, str]]  # kind -> id -> name
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the record's dict
ROOT = QModelIndex()


def cell_text(spec: FieldSpec, value: Any, names: RefNames) -> str:
    if value is None or value == "":
        return ""
    if spec.kind == "bool":
        return "yes" if value else "no"
    if spec.kind == "ref" and spec.ref is not None and isinstance(value, str):
        return names.get(spec.ref, {}).get(value) or value
    if spec.kind == "date" and isinstance(value, str):
        return value[:10]
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


class RecordTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[FieldSpec] = (), names: RefNames | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: tuple[FieldSpec, ...] = tuple(columns)
        self.names: RefNames = names or {}
        self._rows: list[dict[str, Any]] = []

    def set_records(self, records: Sequence[Mapping[str, Any]], columns: Sequence[FieldSpec] | None = None) -> None:
        self.beginResetModel()
        if columns is not None:
            self.columns = tuple(columns)
        self._rows = [dict(r) for r in records]
        self.endResetModel()

    def set_names(self, names: RefNames) -> None:
        self.names = names
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.columns) - 1))

    def records(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def record(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.get("id") == record_id), -1)

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section].label
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        record = self._rows[index.row()]
        if role == RECORD_ROLE:
            return record
        if not 0 <= index.column() < len(self.columns):
            return None
        spec = self.columns[index.column()]
        value = record.get(spec.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if spec.kind == "bool" else cell_text(spec, value, self.names)
        if role == Qt.ItemDataRole.CheckStateRole and spec.kind == "bool":
            return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and spec.kind == "color" and isinstance(value, str):
            color = QColor(value)
            return color if color.isValid() else None
        if role == Qt.ItemDataRole.ToolTipRole and spec.kind != "bool":
            return cell_text(spec, value, self.names) or None
        return None


class RecordTable(QTableView):
    """The read-only, one-row-selection table every studio page shows its records in."""

    def __init__(self, model: RecordTableModel, object_name: str, accessible_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, object_name, accessible_name)
        self.records = model
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def selected(self) -> dict[str, Any] | None:
        selection = self.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        return self.records.record(rows[0].row()) if rows else None

    def select_record(self, record_id: str) -> bool:
        row = self.records.row_of(record_id)
        if row >= 0:
            self.selectRow(row)
        return row >= 0
