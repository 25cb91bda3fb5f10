"""Playlist editing in the Playlists pane: create, rename, add (from the shots or assets pane's selection,
see `ReviewCommands`), remove entries, choose an entry's revision, and open the review window.

A bar under the pane's list: a name field with New and Rename, what the new playlist is for (shots or
assets), Remove entries (the selected rows), the revision of the selected entry, Review. Every write
goes through the session's `Editor` (undoable), then the pane reloads what changed.

objectNames: playlistsEditBar, playlistsName, playlistsForEntity, playlistsNew, playlistsRename,
playlistsRemoveEntries, playlistsRevision, playlistsReview.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.api import errors as E
from desktop.api.editing import Editor
from desktop.api.exports import PlaylistDetail, PlaylistEntry
from desktop.api.reviews import Reviews
from desktop.asyncqt import TaskRunner
from desktop.ui.playlists import PlaylistsPane
from desktop.ui.widgets import error_text, named


class PlaylistEditBar(QWidget):
    review_requested = Signal(object)  # PlaylistDetail
    edited = Signal(str)  # playlist id, after a write and the reload that shows it

    def __init__(self, pane: PlaylistsPane, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "playlistsEditBar", "Playlist editing")
        self.pane = pane
        self.editor = editor
        self.reviews = Reviews(editor.session)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self._selected: tuple[str, tuple[str, ...]] = ("", ())  # playlist id, entity ids of the picked rows
        self.name_field = named(QLineEdit(), "playlistsName", "Playlist name")
        self.name_field.setPlaceholderText("Playlist name")
        self.for_entity = named(QComboBox(), "playlistsForEntity", "The new playlist is for")
        self.for_entity.addItem("Shots", "shot")
        self.for_entity.addItem("Assets", "asset")
        self.new_button = named(QPushButton("New"), "playlistsNew", "Create a playlist with this name")
        self.new_button.clicked.connect(
            lambda: self.runner.run(self.create_playlist(self.name_field.text()), key="write"))
        self.rename_button = named(QPushButton("Rename"), "playlistsRename", "Rename the open playlist")
        self.rename_button.clicked.connect(lambda: self.runner.run(self.rename(self.name_field.text()), key="write"))
        self.remove_button = named(QPushButton("Remove entries"), "playlistsRemoveEntries",
                                   "Remove the selected entries from the playlist")
        self.remove_button.clicked.connect(lambda: self.runner.run(self.remove(self.selected_entries()), key="write"))
        self.revision = named(QComboBox(), "playlistsRevision", "Revision of the selected entry")
        self.revision.activated.connect(self._revision_chosen)
        self.review_button = named(QPushButton("Review…"), "playlistsReview", "Open the playlist in the player")
        self.review_button.clicked.connect(self._review_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.name_field, self.for_entity, self.new_button, self.rename_button, self.remove_button):
            layout.addWidget(w)
        layout.addWidget(QLabel("Revision"))
        layout.addWidget(self.revision)
        layout.addStretch(1)
        layout.addWidget(self.review_button)
        pane.playlist_opened.connect(self._playlist_opened)
        pane.playlists_loaded.connect(self._update)
        selection = pane.entries_view.selectionModel()
        selection.selectionChanged.connect(self._entry_selection_changed)
        self._update()

    # ------------------------------------------------------------------ state
    def _playlist_opened(self, playlist_id: str) -> None:
        detail = self.pane.detail
        if detail is not None:
            self.name_field.setText(detail.playlist.name)
        if playlist_id == self._selected[0] and self._selected[1]:
            self._reselect(self._selected[1])  # a reload (an edit, a live event) keeps the rows picked
        self._update()

    def _reselect(self, entity_ids: tuple[str, ...]) -> None:
        detail = self.pane.detail
        if detail is None:
            return
        view = self.pane.entries_view
        selection = view.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        selection.blockSignals(True)
        selection.clearSelection()
        for row, entry in enumerate(detail.entries):
            if entry.entity_id in entity_ids:
                selection.select(view.model().index(row, 0), flags)
        selection.blockSignals(False)
        view.viewport().update()

    def _update(self) -> None:
        has = self.pane.detail is not None
        self.rename_button.setEnabled(has)
        self.review_button.setEnabled(has and bool(self.pane.detail and self.pane.detail.entries))
        self.remove_button.setEnabled(has and bool(self.selected_entries()))
        self.new_button.setEnabled(self.pane.project_id is not None)
        self.revision.setEnabled(len(self.selected_entries()) == 1)

    def selected_entries(self) -> list[PlaylistEntry]:
        detail = self.pane.detail
        if detail is None:
            return []
        rows = sorted({i.row() for i in self.pane.entries_view.selectionModel().selectedRows()})
        return [detail.entries[r] for r in rows if 0 <= r < len(detail.entries)]

    def _entry_selection_changed(self, *_args: Any) -> None:
        self._update()
        entries = self.selected_entries()
        detail = self.pane.detail
        self._selected = (detail.playlist.id if detail else "", tuple(e.entity_id for e in entries))
        self.revision.clear()
        if len(entries) == 1:
            self.runner.run(self.load_revisions(entries[0]), key="revisions")

    async def load_revisions(self, entry: PlaylistEntry) -> None:
        """Offer the entry's revisions of its task type (all of them when the entry has none yet)."""
        previews = await self.reviews.entity_previews(entry.entity_id)
        self.revision.clear()
        for p in previews:
            if entry.task_type_id and p.task_type_id != entry.task_type_id:
                continue
            self.revision.addItem(f"v{p.revision}" + (f" ({p.position})" if p.position > 1 else ""), p.id)
        index = self.revision.findData(entry.preview_file_id or "")
        self.revision.setCurrentIndex(max(0, index))

    # ------------------------------------------------------------------ writes
    async def _reload(self, playlist_id: str) -> PlaylistDetail:
        assert self.pane.project_id is not None
        await self.pane.load(self.pane.project_id, self.pane.episode_id, tv_show=self.pane.tv_show)
        detail = await self.pane.open_playlist(playlist_id)
        self._update()
        self.edited.emit(playlist_id)
        return detail

    async def create_playlist(self, name: str) -> PlaylistDetail | None:
        if self.pane.project_id is None:
            return None
        episode = self.pane.episode_id if self.pane.episode_id not in (None, "all") else None
        playlist = await self.editor.create_playlist(self.pane.project_id, name,
                                                     for_entity=str(self.for_entity.currentData()),
                                                     episode_id=episode)
        return await self._reload(str(playlist["id"]))

    async def rename(self, name: str) -> PlaylistDetail | None:
        detail = self.pane.detail
        if detail is None:
            return None
        await self.editor.rename_playlist(detail.playlist.id, name)
        return await self._reload(detail.playlist.id)

    async def add_entities(self, entity_ids: Sequence[str]) -> PlaylistDetail | None:
        """Add entities (the shots or assets pane's selection) to the open playlist."""
        detail = self.pane.detail
        if detail is None:
            raise E.ValidationError("Open a playlist in the Playlists tab first.")
        await self.editor.add_to_playlist(detail.playlist.id, entity_ids)
        return await self._reload(detail.playlist.id)

    async def remove(self, entries: Sequence[PlaylistEntry]) -> PlaylistDetail | None:
        detail = self.pane.detail
        if detail is None or not entries:
            return None
        await self.editor.remove_from_playlist(detail.playlist.id, [e.entity_id for e in entries])
        return await self._reload(detail.playlist.id)

    async def set_revision(self, entry: PlaylistEntry, preview_id: str) -> PlaylistDetail | None:
        detail = self.pane.detail
        if detail is None or preview_id == entry.preview_file_id:
            return None
        await self.editor.set_entry_preview(detail.playlist.id, entry.entity_id, preview_id)
        return await self._reload(detail.playlist.id)

    def _revision_chosen(self, _index: int) -> None:
        entries = self.selected_entries()
        preview_id = str(self.revision.currentData() or "")
        if len(entries) == 1 and preview_id:
            self.runner.run(self.set_revision(entries[0], preview_id), key="write")

    def _review_clicked(self) -> None:
        if self.pane.detail is not None:
            self.review_requested.emit(self.pane.detail)

    def _failed(self, _key: str, exc: object) -> None:
        self.pane.message.show_message(error_text(exc) if isinstance(exc, BaseException) else str(exc))
