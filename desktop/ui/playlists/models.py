"""Models of the playlists pane: the project's playlists, and one playlist's entries with thumbnails.

Neither model does any network call: thumbnails come from a provider (`list_thumbnail(preview_id)` returns
a pixmap or None and schedules a fetch; `preview_ready(preview_id)` says when it arrived), the same
contract as the main window's thumbnail cache, so the lead can pass that one in.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    SignalInstance,
)
from PySide6.QtGui import QColor, QPixmap

from desktop.api.exports import Playlist, PlaylistEntry

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
DISPLAY = Qt.ItemDataRole.DisplayRole
RECORD_ROLE = int(Qt.ItemDataRole.UserRole) + 10  # the Playlist / PlaylistEntry of the row
PREVIEW_ROLE = int(Qt.ItemDataRole.UserRole) + 6  # an entry's preview file id (same number as the main window)
THUMB_W, THUMB_H = 96, 54


class ThumbnailProvider(Protocol):
    @property
    def preview_ready(self) -> SignalInstance: ...

    def list_thumbnail(self, preview_file_id: str, size: tuple[int, int] = ...) -> QPixmap | None: ...


class PlaylistListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Playlist] = []
        self._episodes: dict[str, str] = {}

    def set_playlists(self, items: list[Playlist], episodes: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._episodes = dict(episodes or {})
        self.endResetModel()

    def playlist(self, row: int) -> Playlist | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, playlist_id: str) -> int:
        return next((i for i, p in enumerate(self._items) if p.id == playlist_id), -1)

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        p = self._items[index.row()]
        if role == DISPLAY:
            return p.name
        if role == Qt.ItemDataRole.ToolTipRole:
            where = self._episodes.get(p.episode_id or "", "")
            parts = [f"for {p.for_entity}s", *([where] if where else []), *(["for the client"] if p.for_client else []),
                     f"updated {p.updated_at.replace('T', ' ')}"]
            return " · ".join(parts)
        if role == RECORD_ROLE:
            return p
        return None


class PlaylistEntriesModel(QAbstractTableModel):
    COLUMNS = ("Preview", "Entity", "Task type", "Revision", "Frames")

    def __init__(self, thumbnails: ThumbnailProvider | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[PlaylistEntry] = []
        self.thumbnails = thumbnails
        self._placeholder: QPixmap | None = None
        if thumbnails is not None:
            thumbnails.preview_ready.connect(self._thumbnail_arrived)

    def set_entries(self, entries: tuple[PlaylistEntry, ...] | list[PlaylistEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> PlaylistEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        if role == DISPLAY and orientation == Qt.Orientation.Vertical and 0 <= section < len(self._entries):
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        e = self._entries[index.row()]
        col = index.column()
        if role == DISPLAY:
            if col == 0:
                return "" if e.preview_file_id else "no preview"
            if col == 1:
                return e.entity_name
            if col == 2:
                return e.task_type_name
            if col == 3:
                return f"v{e.revision}" if e.revision is not None else ""
            if col == 4:
                return str(e.nb_frames) if e.nb_frames else ""
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and e.preview_file_id:
            pixmap = (self.thumbnails.list_thumbnail(e.preview_file_id, (THUMB_W, THUMB_H))
                      if self.thumbnails is not None else None)
            return pixmap if pixmap is not None else self.placeholder()
        if role == Qt.ItemDataRole.AccessibleTextRole and col == 0:
            return "preview" if e.preview_file_id else "no preview"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return f"{e.entity_type}: {e.entity_name}"
        if role == RECORD_ROLE:
            return e
        if role == PREVIEW_ROLE:
            return e.preview_file_id
        return None

    def placeholder(self) -> QPixmap:
        if self._placeholder is None:
            self._placeholder = QPixmap(THUMB_W, THUMB_H)
            self._placeholder.fill(QColor("#8a8f98"))
        return self._placeholder

    def _thumbnail_arrived(self, preview_id: str) -> None:
        for row, e in enumerate(self._entries):
            if e.preview_file_id == preview_id:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
