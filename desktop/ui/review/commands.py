"""The main window's review commands: the playlist editing bar in the Playlists pane, the review windows,
and "Add selected to the open playlist" from the shots or assets pane.

`ReviewCommands(parts, thumbnails)`: built by the main window once its parts exist.
"""

from __future__ import annotations

import asyncio
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

from desktop.api.exports import PlaylistDetail
from desktop.ui.main.parts import WindowParts
from desktop.ui.review.playlist_editing import PlaylistEditBar
from desktop.ui.review.playlist_review import PlaylistReviewWindow
from desktop.ui.thumbnails import ThumbnailCache


class ReviewCommands(QObject):
    def __init__(self, parts: WindowParts, thumbnails: ThumbnailCache | None = None) -> None:
        super().__init__(parts.window)
        self.parts = parts
        self.thumbnails = thumbnails
        self.bar = PlaylistEditBar(parts.playlists, parts.browse.editor)
        parts.playlists.mount_bar(self.bar)
        self.bar.review_requested.connect(self.open_review)
        self.windows: list[PlaylistReviewWindow] = []

    def open_review(self, detail: PlaylistDetail) -> PlaylistReviewWindow:
        window = PlaylistReviewWindow(self.parts.browse, detail, thumbnails=self.thumbnails)
        self.windows = [w for w in self.windows if shiboken6.isValid(w) and w.isVisible()]
        self.windows.append(window)
        window.show()
        return window

    def add_selection_to_playlist(self) -> asyncio.Task[Any] | None:
        pane = self.parts.current_entity_pane()
        if pane is None:
            return None
        ids = pane.selected_entity_ids() or [i for i in [pane.current_entity_id()] if i]
        if not ids:
            self.parts.notify(f"Select {pane.noun} first.")
            return None
        if self.parts.playlists.detail is None:
            self.parts.show_error("Open a playlist in the Playlists tab first: the selection is added to it.")
            return None
        name = self.parts.playlists.detail.playlist.name

        async def add() -> None:
            await self.bar.add_entities(ids)
            self.parts.notify(f"Added {len(ids)} to {name}.")

        return self.parts.run(add(), "add-to-playlist")

    def close_windows(self) -> None:
        """The main window closes: its review windows too, and the bar's writes still running."""
        self.bar.runner.cancel_all()
        for w in self.windows:
            if shiboken6.isValid(w):
                w.close()
        self.windows.clear()
