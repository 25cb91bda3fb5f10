"""A table model over the download queue: one row per item, in queue order.

The manager reports on the loop thread (the Qt thread under qasync). Structural changes (added,
removed) are applied at once; progress and state changes only mark rows dirty, and a timer flushes
them as one `dataChanged` per batch, so three fast transfers cannot flood the view: at most
`1000 / FLUSH_MS` repaints a second, and at least 4 (the manager reports 5 times a second).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

from desktop.api.downloads import DownloadItem, DownloadManager, Status, format_size

FLUSH_MS = 150

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    PROGRESS = 1
    SIZE = 2
    SPEED = 3
    TIME_LEFT = 4
    STATUS = 5
    FOLDER = 6


HEADERS = {
    Column.NAME: "Name", Column.PROGRESS: "Progress", Column.SIZE: "Size", Column.SPEED: "Speed",
    Column.TIME_LEFT: "Time left", Column.STATUS: "Status", Column.FOLDER: "Folder",
}

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # int 0..1000, or -1 when the size is unknown
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3  # Status value (str)
ERROR_ROLE = Qt.ItemDataRole.UserRole + 4

STATUS_TEXT = {
    Status.QUEUED: "Queued", Status.ACTIVE: "Downloading", Status.PAUSED: "Paused", Status.DONE: "Done",
    Status.FAILED: "Failed", Status.CANCELED: "Canceled", Status.CONFLICT: "File exists",
}


def format_speed(bytes_per_s: float) -> str:
    return f"{format_size(bytes_per_s)}/s" if bytes_per_s > 0 else ""


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class DownloadsModel(QAbstractTableModel):
    refreshed = Signal()  # after a batch of changes was flushed (the dock updates its footer)

    def __init__(self, manager: DownloadManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self._ids: list[str] = [i.id for i in manager.items]
        self._rows: dict[str, int] = {item_id: row for row, item_id in enumerate(self._ids)}
        self._dirty: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._unsubscribe: Callable[[], None] | None = manager.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()

    # ---------------------------------------------------------------- manager events
    def _on_event(self, item: DownloadItem, event: str) -> None:
        if event == "added":
            row = len(self._ids)
            self.beginInsertRows(QModelIndex(), row, row)
            self._ids.append(item.id)
            self._rows[item.id] = row
            self.endInsertRows()
            self._schedule()
        elif event == "removed":
            gone = self._rows.get(item.id)
            if gone is None:
                return
            self.beginRemoveRows(QModelIndex(), gone, gone)
            del self._ids[gone]
            self._rows = {item_id: r for r, item_id in enumerate(self._ids)}
            self._dirty.discard(item.id)
            self.endRemoveRows()
            self._schedule()
        elif item.id in self._rows:
            self._dirty.add(item.id)
            self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Emit the pending changes now (one dataChanged over the dirty rows)."""
        self._timer.stop()
        rows = sorted(self._rows[i] for i in self._dirty if i in self._rows)
        self._dirty.clear()
        if rows:
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], len(Column) - 1))
        self.refreshed.emit()

    # ---------------------------------------------------------------- lookups
    def item_at(self, row: int) -> DownloadItem | None:
        if 0 <= row < len(self._ids):
            item_id = self._ids[row]
            return self.manager.get(item_id) if item_id in self.manager else None
        return None

    def row_of(self, item_id: str) -> int:
        return self._rows.get(item_id, -1)

    # ---------------------------------------------------------------- Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(Column):
            return None
        item = self.item_at(index.row())
        if item is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (Column.SIZE, Column.SPEED, Column.TIME_LEFT):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == ITEM_ID_ROLE:
            return item.id
        if role == PROGRESS_ROLE:
            fraction = item.fraction
            return -1 if fraction is None else round(fraction * 1000)
        if role == STATUS_ROLE:
            return item.status.value
        if role == ERROR_ROLE:
            return item.error
        return None

    @staticmethod
    def _display(item: DownloadItem, column: Column) -> str:
        if column is Column.NAME:
            return item.name
        if column is Column.PROGRESS:
            fraction = item.fraction
            return "" if fraction is None else f"{fraction * 100:.0f} %"
        if column is Column.SIZE:
            if item.total is None:
                return format_size(item.received) if item.received else ""
            if item.status is Status.DONE:
                return format_size(item.total)
            return f"{format_size(item.received)} of {format_size(item.total)}"
        if column is Column.SPEED:
            return format_speed(item.speed) if item.status is Status.ACTIVE else ""
        if column is Column.TIME_LEFT:
            return format_duration(item.eta)
        if column is Column.STATUS:
            if item.status is Status.ACTIVE and item.error:
                return "Retrying"
            return STATUS_TEXT[item.status]
        return item.folder

    @staticmethod
    def _tooltip(item: DownloadItem, column: Column) -> str:
        if item.error:
            return item.error
        if column is Column.NAME:
            lines = [item.source.label] if item.source.label and item.source.label != item.name else []
            target = item.target
            lines.append(str(target) if target is not None else os.path.join(item.folder, item.name))
            return "\n".join(lines)
        if column is Column.FOLDER:
            return item.folder
        return ""
