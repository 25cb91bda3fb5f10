"""The Playlists pane for supervisors: `PlaylistsPane(client, settings, parent)`."""

from desktop.ui.playlists.models import PlaylistEntriesModel, PlaylistListModel, ThumbnailProvider
from desktop.ui.playlists.pane import PlaylistsPane, PlaylistThumbnails

__all__ = ["PlaylistEntriesModel", "PlaylistListModel", "PlaylistThumbnails", "PlaylistsPane", "ThumbnailProvider"]
