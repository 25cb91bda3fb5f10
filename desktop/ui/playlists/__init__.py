"""The Playlists pane for supervisors: `PlaylistsPane(client, settings, parent)`."""

from desktop.ui.playlists.models import PlaylistEntriesModel, PlaylistListModel, ThumbnailProvider
from desktop.ui.playlists.pane import PlaylistsPane

__all__ = ["PlaylistEntriesModel", "PlaylistListModel", "PlaylistsPane", "ThumbnailProvider"]
