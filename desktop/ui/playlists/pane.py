"""The Playlists pane (supervisors): a project's playlists, their entries, CSV export, all previews.

`PlaylistsPane(client, settings, parent, thumbnails=None)`; call `set_project(project)` (or await
`load(project_id, ...)`). "Download all previews" emits `download_previews_requested(list of preview file
ids)`, for the download manager. Thumbnails are fetched only for rows a view paints; pass the main
window's thumbnail cache as `thumbnails` to share it, else the pane makes its own `ThumbnailCache`.

objectNames: playlistsPane, playlistsEpisode, playlistsRefresh, playlistsList, playlistsTitle,
playlistsEntries, playlistsExport, playlistsDownload, playlistsMessage.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.cache.reads import is_unreachable
from desktop.api.client import ZouClient
from desktop.api.exports import ExportResult, Exports, PlaylistDetail, Playlists
from desktop.api.records import Project
from desktop.asyncqt import TaskRunner
from desktop.settings import Settings
from desktop.ui.csv.options import ExportChoice, ask_export_options, open_result, safe_file_name
from desktop.ui.playlists.models import THUMB_H, THUMB_W, PlaylistEntriesModel, PlaylistListModel, ThumbnailProvider
from desktop.ui.thumbnails import ThumbnailCache
from desktop.ui.widgets import MessageLabel, error_text, named

log = logging.getLogger(__name__)
ALL_PROJECT = "__project__"
OFFLINE_TEXT = "Offline: playlists are not kept on this computer. They are read again when the server answers."


class PlaylistsPane(QWidget):
    download_previews_requested = Signal(list)  # preview file ids, in playlist order
    playlist_opened = Signal(str)  # a playlist's entries are shown (its id)
    playlists_loaded = Signal()
    exported = Signal(object)  # ExportResult

    def __init__(self, client: ZouClient, settings: Settings, parent: QWidget | None = None, *,
                 thumbnails: ThumbnailProvider | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playlistsPane")
        self.client = client
        self.settings = settings
        self.api = Playlists(client.session)
        self.exports = Exports(client.session)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.offline = False  # the server does not answer (`set_offline`): playlists are not cached
        # The app's one picture fetcher: the main window's (shared disk cache), else one of the pane's own.
        self._own_thumbnails: ThumbnailCache | None = None
        provider: ThumbnailProvider
        if thumbnails is None:
            provider = self._own_thumbnails = ThumbnailCache(client.session, parent=self)
        else:
            provider = thumbnails
        self.project_id: str | None = None
        self.project_name = ""
        self.episode_id: str | None = None
        self.tv_show = False
        self.detail: PlaylistDetail | None = None

        self.episode_combo = named(QComboBox(), "playlistsEpisode", "Episode")
        self.episode_combo.setVisible(False)
        self.episode_combo.currentIndexChanged.connect(self._episode_changed)
        refresh = named(QPushButton("Refresh"), "playlistsRefresh", "Reload the playlists")
        refresh.clicked.connect(self.reload)
        self.list_model = PlaylistListModel(self)
        self.list_view = named(QListView(), "playlistsList", "Playlists")
        self.list_view.setModel(self.list_model)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.title = named(QLabel(""), "playlistsTitle", "Playlist")
        self.entries_model = PlaylistEntriesModel(provider, self)
        self.entries_view = named(QTableView(), "playlistsEntries", "Entries of the playlist")
        self.entries_view.setModel(self.entries_model)
        self.entries_view.setIconSize(self.entries_model.placeholder().size())
        self.entries_view.verticalHeader().setDefaultSectionSize(THUMB_H + 6)
        self.entries_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.entries_view.setColumnWidth(0, THUMB_W + 12)
        self.entries_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.export_button = named(QPushButton("Export CSV…"), "playlistsExport", "Export the playlist as CSV")
        self.export_button.clicked.connect(self._export_clicked)
        self.download_button = named(QPushButton("Download all previews"), "playlistsDownload",
                                     "Download every preview of the playlist")
        self.download_button.clicked.connect(self.request_download)
        self.message = named(MessageLabel(self), "playlistsMessage", "Message")

        top = QHBoxLayout()
        top.addWidget(self.episode_combo)
        top.addStretch(1)
        top.addWidget(refresh)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.entries_view, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.download_button)
        right_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    def mount_bar(self, bar: QWidget) -> None:
        """A bar of commands under the pane's title row (the playlist editing bar, desktop/ui/review)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, bar)

    # ------------------------------------------------------------------ loading
    def set_project(self, project: Project | None) -> None:
        """Show the playlists of `project` (None clears the pane)."""
        if project is None:
            self.runner.cancel_all()
            self.project_id = None
            self.list_model.set_playlists([])
            self._show_detail(None)
            return
        self.runner.run(self.load(project.id, tv_show=project.is_tv_show, project_name=project.name), key="list")

    async def load(self, project_id: str, episode_id: str | None = None, *, tv_show: bool = False,
                   project_name: str = "") -> None:
        """Load the playlists of a project (an episode id, `main` or `all` narrows them)."""
        changed = project_id != self.project_id
        self.project_id = project_id
        self.project_name = project_name or self.project_name
        self.episode_id = episode_id
        self.tv_show = tv_show
        self.message.clear_message()
        episodes: dict[str, str] = {}
        if tv_show:
            episodes = {e.id: e.name for e in await self.client.episodes(project_id)}
        if changed:
            self._fill_episodes(tv_show, episodes)
        playlists = await self.api.playlists(project_id, episode_id)
        previous = self.detail.playlist.id if self.detail is not None and not changed else None
        self.list_model.set_playlists(playlists, episodes)
        self._show_detail(None)
        if previous is not None and (row := self.list_model.row_of(previous)) >= 0:
            self.list_view.setCurrentIndex(self.list_model.index(row))
        if not playlists:
            self.message.show_message("This project has no playlists" + (" here." if episode_id else "."), "info")
        self.playlists_loaded.emit()

    def _fill_episodes(self, tv_show: bool, episodes: dict[str, str]) -> None:
        self.episode_combo.blockSignals(True)
        self.episode_combo.clear()
        self.episode_combo.addItem("All playlists", ALL_PROJECT)
        if tv_show:
            self.episode_combo.addItem("Main pack", "main")
            self.episode_combo.addItem("All episodes", "all")
            for eid, name in episodes.items():
                self.episode_combo.addItem(name, eid)
        self.episode_combo.setHidden(not tv_show)
        self.episode_combo.blockSignals(False)

    def _episode_changed(self) -> None:
        if self.project_id is None:
            return
        data = self.episode_combo.currentData()
        episode = None if data in (None, ALL_PROJECT) else str(data)
        self.runner.run(self.load(self.project_id, episode, tv_show=self.tv_show), key="list")

    def reload(self) -> None:
        if self.project_id is not None:
            self.runner.run(self.load(self.project_id, self.episode_id, tv_show=self.tv_show), key="list")

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        playlist = self.list_model.playlist(indexes[0].row()) if indexes else None
        if playlist is not None:
            self.runner.run(self.open_playlist(playlist.id), key="entries")

    async def open_playlist(self, playlist_id: str) -> PlaylistDetail:
        """Load a playlist's entries into the table (also selects it in the list)."""
        assert self.project_id is not None, "load a project first"
        detail = await self.api.playlist(self.project_id, playlist_id)
        self._show_detail(detail)
        row = self.list_model.row_of(playlist_id)
        if row >= 0 and self.list_view.currentIndex().row() != row:
            self.list_view.selectionModel().blockSignals(True)
            self.list_view.setCurrentIndex(self.list_model.index(row))
            self.list_view.selectionModel().blockSignals(False)
        self.playlist_opened.emit(playlist_id)
        return detail

    def _show_detail(self, detail: PlaylistDetail | None) -> None:
        self.detail = detail
        self.entries_model.set_entries(detail.entries if detail is not None else ())
        if detail is None:
            self.title.setText("")
        else:
            n = len(detail.entries)
            self.title.setText(f"{detail.playlist.name} — {n} entr{'y' if n == 1 else 'ies'}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.detail is not None
        self.export_button.setEnabled(has)
        previews = len(self.detail.preview_ids()) if self.detail is not None else 0
        self.download_button.setEnabled(previews > 0)
        self.download_button.setText(f"Download all previews ({previews})" if previews else "Download all previews")

    # ------------------------------------------------------------------ actions
    def request_download(self) -> list[str]:
        ids = self.detail.preview_ids() if self.detail is not None else []
        if ids:
            self.download_previews_requested.emit(ids)
        return ids

    def _export_clicked(self) -> None:
        if self.detail is None:
            return
        name = safe_file_name(f"{self.project_name} playlist {self.detail.playlist.name}".strip())
        choice = ask_export_options(self.settings, self, title="Export playlist as CSV", suggested_name=name)
        if choice is not None:
            self.runner.run(self.export_csv(choice), key="export")

    async def export_csv(self, choice: ExportChoice, *, open_when_done: bool = True) -> ExportResult:
        """Write the current playlist's CSV (Zou's export) where `choice` says."""
        if self.detail is None or self.project_id is None:
            raise E.ZouError("Open a playlist first.")
        self.export_button.setEnabled(False)
        try:
            result = await self.exports.playlist_csv(self.detail.playlist.id, choice.path, choice.format,
                                                     project_id=self.project_id)
        finally:
            self._update_buttons()
        text = f"Saved {Path(result.path).name}."
        if result.note:
            text += f" {result.note}"
        self.message.show_message(text, "ok")
        self.exported.emit(result)
        if open_when_done:
            open_result(result.path, choice.open_when_done)
        return result

    def set_offline(self, offline: bool) -> None:
        """The server stopped answering (or answers again): say so; read the playlists again once back."""
        was, self.offline = self.offline, offline
        if offline:
            self.message.show_message(OFFLINE_TEXT, "info")
        elif was:
            self.message.clear_message()
            self.reload()

    def _failed(self, key: str, exc: BaseException) -> None:
        if is_unreachable(exc):  # not an error of the playlists: what was shown stays, marked as such
            self.message.show_message(OFFLINE_TEXT, "info")
            return
        self.message.show_message(str(exc) if isinstance(exc, OSError) and str(exc) else error_text(exc))

    def closeEvent(self, event: Any) -> None:
        self.runner.cancel_all()
        if self._own_thumbnails is not None:
            self._own_thumbnails.close()
        super().closeEvent(event)
