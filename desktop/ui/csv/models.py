"""Table models of the CSV import wizard: the file preview and the import report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.api.exports import ImportReport
from desktop.csvio import CsvTable

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


class CsvPreviewModel(QAbstractTableModel):
    """The first rows of a parsed file; the vertical header shows each row's line in the file."""

    def __init__(self, limit: int = 500, parent: Any = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self._headers: list[str] = []
        self._rows: list[list[str]] = []
        self._lines: list[int] = []
        self.total_rows = 0

    def set_table(self, table: CsvTable | None) -> None:
        self.beginResetModel()
        if table is None:
            self._headers, self._rows, self._lines, self.total_rows = [], [], [], 0
        else:
            self._headers = list(table.headers)
            self._rows = [list(r) for r in table.rows[: self.limit]]
            self._lines = list(table.lines[: self.limit])
            self.total_rows = len(table.rows)
        self.endResetModel()

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role in (DISPLAY, TOOLTIP):
            row = self._rows[index.row()]
            return row[index.column()] if index.column() < len(row) else ""
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(self._lines[section]) if 0 <= section < len(self._lines) else None


class ImportReportModel(QAbstractTableModel):
    """One row per file row: its line, its name, and whether it was imported."""

    COLUMNS = ("Line", "Row", "Result")
    FAILED = QColor("#d9534f")
    SKIPPED = QColor("#8a8f98")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[int, str, str, str]] = []  # line, label, result, state

    def set_report(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        self._rows = []
        if report is not None:
            failed_line = report.failure.line if report.failure is not None else None
            for line, label in report.imported:
                self._rows.append((line, label, "imported", "ok"))
            for line, label in report.not_imported:
                if line == failed_line and report.failure is not None:
                    self._rows.append((line, label, f"failed: {report.failure.message}", "failed"))
                else:
                    self._rows.append((line, label, "not imported", "skipped"))
        self.endResetModel()

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        line, label, result, state = self._rows[index.row()]
        if role == DISPLAY:
            return (str(line), label, result)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and state != "ok":
            return QBrush(self.FAILED if state == "failed" else self.SKIPPED)
        if role == TOOLTIP and index.column() == 2:
            return result
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None
