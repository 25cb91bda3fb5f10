"""The Downloads dock (queue, progress, commands) over `desktop.api.downloads.DownloadManager`."""

from desktop.ui.downloads.dock import DownloadsDock, ProgressDelegate
from desktop.ui.downloads.model import DownloadsModel

__all__ = ["DownloadsDock", "DownloadsModel", "ProgressDelegate"]
