"""Thumbnails fetched lazily, cached on disk, revalidated with ETag / If-None-Match.

Only what a view paints is asked for (`list_thumbnail` is called from the model's DecorationRole), so a
10,000-shot list fetches the thumbnails of the rows on screen, not 10,000. Requests are served newest
first (the rows on screen now, not those scrolled past) with a few in flight at once.

The disk cache (`desktop.api.pictures.PictureStore`, under platformdirs' user cache dir) keeps one file
per full URL; a file found on disk is shown at once and revalidated once per session with
`If-None-Match` (a 304 costs no body). This module decodes, scales and schedules; it does no HTTP.
This is the app's one picture fetcher: the lists, the detail, the projects and the playlists use it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap

from desktop import APP_NAME, ORG_NAME
from desktop.api.exports.worker import run_in_worker
from desktop.api.pictures import PictureStore, PictureUnavailable
from desktop.api.session import ZouSession
from desktop.models.entities import THUMB_HEIGHT, THUMB_WIDTH

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, ORG_NAME)) / "thumbnails"


def preview_thumbnail_path(preview_file_id: str) -> str:
    return f"/pictures/thumbnails/preview-files/{preview_file_id}.png"


def preview_picture_path(preview_file_id: str) -> str:
    return f"/pictures/previews/preview-files/{preview_file_id}.png"


def project_picture_path(project_id: str) -> str:
    return f"/pictures/thumbnails/projects/{project_id}.png"


class ThumbnailCache(QObject):
    ready = Signal(str)  # a path whose picture is now available (or changed)
    preview_ready = Signal(str)  # same, for list thumbnails of a preview file: its id

    def __init__(self, session: ZouSession, cache_dir: Path | None = None, *, max_parallel: int = 4,
                 max_queue: int = 200, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.cache_dir = cache_dir or default_cache_dir()
        self.store = PictureStore(session, self.cache_dir)
        self.max_parallel = max_parallel
        self.max_queue = max_queue
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._scaled: dict[tuple[str, int, int], QPixmap] = {}
        self._queue: OrderedDict[str, None] = OrderedDict()
        self._active: set[str] = set()
        self._validated: set[str] = set()
        self._failed: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._trimming: asyncio.Task[None] | None = None
        # Observable counters (tests, status): bodies downloaded, 304 answers, pictures read from disk.
        self.downloads = 0
        self.not_modified = 0
        self.disk_hits = 0

    # ------------------------------------------------------------------ what views ask
    def list_thumbnail(self, preview_file_id: str, size: tuple[int, int] = (THUMB_WIDTH, THUMB_HEIGHT)
                       ) -> QPixmap | None:
        """The thumbnail of a preview file scaled to `size` (a list row's by default), or None while it is
        fetched. Each size is scaled once and kept."""
        key = (preview_file_id, *size)
        scaled = self._scaled.get(key)
        if scaled is not None:
            return scaled
        pixmap = self.pixmap(preview_thumbnail_path(preview_file_id))
        if pixmap is None or pixmap.isNull():
            return None
        scaled = pixmap.scaled(size[0], size[1], Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        self._scaled[key] = scaled
        return scaled

    def pixmap(self, path: str) -> QPixmap | None:
        """The picture at `path` if known (memory or disk); otherwise schedule a fetch and return None."""
        pixmap = self._memory.get(path)
        if pixmap is not None:
            self._memory.move_to_end(path)
            return pixmap
        if path in self._failed:
            return None
        file = self._file(path)
        if file.exists():
            loaded = QPixmap(str(file))
            if not loaded.isNull():
                self.disk_hits += 1
                self.store.used(path)  # least recently used pictures go first when over the cap
                self._remember(path, loaded)
                if path not in self._validated:
                    self._enqueue(path)  # revalidate in the background (If-None-Match)
                return loaded
        self._enqueue(path)
        return None

    def is_pending(self, path: str) -> bool:
        return path in self._queue or path in self._active

    def forget_failures(self) -> None:
        """Retry pictures that failed (e.g. after signing in again)."""
        self._failed.clear()

    def set_max_bytes(self, max_bytes: int | None) -> None:
        """Bound the pictures on disk (the `cache/max_mb` cap); an over-full folder is trimmed now."""
        self.store.max_bytes = max_bytes
        self.trim_soon()

    def trim_soon(self) -> None:
        """Bring the folder under its cap in a worker thread (a scan of the folder is file work)."""
        if self._trimming is not None or self.store.max_bytes is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet (a test building widgets): the next save asks again

        async def trim() -> None:
            try:
                await run_in_worker(self.store.trim)
            except Exception:  # the cache is best effort
                log.exception("picture cache trim failed")
            finally:
                self._trimming = None

        self._trimming = loop.create_task(trim())

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self._queue.clear()
        self._active.clear()

    # ------------------------------------------------------------------ internals
    def _file(self, path: str) -> Path:
        return self.store.file(path)

    def _remember(self, path: str, pixmap: QPixmap) -> None:
        self._memory[path] = pixmap
        self._memory.move_to_end(path)
        while len(self._memory) > 2000:
            self._memory.popitem(last=False)

    def _enqueue(self, path: str) -> None:
        if path in self._active:
            return
        self._queue[path] = None
        self._queue.move_to_end(path)
        while len(self._queue) > self.max_queue:
            self._queue.popitem(last=False)  # scrolled past long ago: asked again if painted again
        self._pump()

    def _pump(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                return
            if not loop.is_running():
                return
        while self._queue and len(self._active) < self.max_parallel:
            path, _ = self._queue.popitem(last=True)  # newest first: what is on screen now
            self._active.add(path)
            task = asyncio.ensure_future(self._fetch(path))
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("thumbnail fetch failed: %s", task.exception())
        self._pump()

    async def _fetch(self, path: str) -> None:
        try:
            await self._fetch_one(path)
        finally:
            self._active.discard(path)

    async def _fetch_one(self, path: str) -> None:
        try:
            answer = await self.store.fetch(path)
        except PictureUnavailable as exc:
            log.info("%s", exc)
            self._failed.add(path)
            return
        self._validated.add(path)
        if answer.body is None:
            self.not_modified += 1
            return
        pixmap = QPixmap()
        if not answer.body or not pixmap.loadFromData(answer.body):
            self._failed.add(path)
            return
        self.downloads += 1
        if self.store.save(path, answer.body, answer.etag):
            self.trim_soon()
        self._remember(path, pixmap)
        self._emit_ready(path)

    def _emit_ready(self, path: str) -> None:
        prefix, suffix = "/pictures/thumbnails/preview-files/", ".png"
        if path.startswith(prefix) and path.endswith(suffix):
            preview_id = path[len(prefix):-len(suffix)]
            for key in [k for k in self._scaled if k[0] == preview_id]:
                del self._scaled[key]
            self.preview_ready.emit(preview_id)
        self.ready.emit(path)
