"""Zou's pictures (thumbnails, previews, project pictures) in a disk cache, revalidated with ETags.

One file per *full URL* (Zou gives one ETag to different responses, so an ETag is never a key), its ETag
beside it. `fetch` sends `If-None-Match` when a copy is on disk: a 304 costs no body. Every request goes
through the session (tokens, refresh, error mapping). The UI decodes and shows; it does no HTTP.

The folder is bounded by `max_bytes` (the `cache/max_mb` cap of the lists' cache): `trim` removes the
least recently used pictures (by access time, which `used` and `save` set themselves: a `relatime` or
`noatime` mount would not) until the folder is under the cap. `save` says when a trim is due.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.api import errors as E
from desktop.api.session import ZouSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    """What the server answered: a new body (`body` not None) or "your copy is current" (`body` None)."""

    body: bytes | None
    etag: str | None = None


class PictureUnavailable(E.ZouError):
    """No picture at that path (404/403), or it could not be fetched now; `missing` tells which."""

    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing


class PictureStore:
    def __init__(self, session: ZouSession, cache_dir: Path, *, max_bytes: int | None = None) -> None:
        self.session = session
        self.cache_dir = cache_dir
        self.max_bytes = max_bytes  # None: unbounded
        self._lock = threading.Lock()  # `trim` runs in a worker thread while the loop saves
        self._stored: int | None = None  # bytes in the folder as of the last trim plus saves since; None: unknown
        self.evicted = 0  # observable: pictures removed to stay under the cap

    def file(self, path: str) -> Path:
        digest = hashlib.sha256(self.session.url(path).encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.png"

    async def fetch(self, path: str) -> Fetched:
        """GET the picture, conditional on the copy on disk (if any). Raises `PictureUnavailable`."""
        file = self.file(path)
        etag_file = file.with_suffix(".etag")
        headers: dict[str, str] = {}
        if file.exists() and etag_file.exists():
            etag = etag_file.read_text(encoding="utf-8").strip()
            if etag:
                headers["If-None-Match"] = etag
        try:
            response = await self.session.request("GET", path, headers=headers)
        except (E.NotFound, E.PermissionDenied) as exc:
            raise PictureUnavailable(f"no picture at {path}: {exc.__class__.__name__}", missing=True) from exc
        except E.ZouError as exc:
            raise PictureUnavailable(f"picture {path} not fetched: {exc}", missing=False) from exc
        if response.status_code == 304:
            self.used(path)
            return Fetched(None)
        return Fetched(response.content, response.headers.get("etag"))

    def save(self, path: str, body: bytes, etag: str | None) -> bool:
        """Keep a fetched picture (the caller checked it decodes); a full or read-only disk only costs the
        cache. True when the folder may be over its cap: the caller runs `trim` (in a worker thread)."""
        file = self.file(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(".tmp")
            tmp.write_bytes(body)
            os.replace(tmp, file)
            etag_file = file.with_suffix(".etag")
            if etag:
                etag_file.write_text(etag, encoding="utf-8")
            else:
                with contextlib.suppress(FileNotFoundError):
                    etag_file.unlink()
        except OSError as exc:
            log.warning("picture cache not written: %s", exc)
            return False
        with self._lock:
            if self._stored is not None:
                self._stored += len(body) + len(etag or "")
            return self.max_bytes is not None and (self._stored is None or self._stored > self.max_bytes)

    def used(self, path: str) -> None:
        """The copy on disk was shown or confirmed (a 304): it is the most recently used now."""
        with contextlib.suppress(OSError):
            os.utime(self.file(path))

    def trim(self) -> int:
        """Remove the least recently used pictures until the folder is under `max_bytes`; returns how many
        went. Blocking file work (a scan of the folder): run it in a worker thread."""
        if self.max_bytes is None:
            return 0
        pictures: list[tuple[float, int, Path]] = []  # (last used, bytes with its ETag file, picture)
        total = 0
        try:
            for sub in os.scandir(self.cache_dir):
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub.path):
                    with contextlib.suppress(OSError):
                        stat = entry.stat()
                        total += stat.st_size
                        if entry.name.endswith(".png"):
                            pictures.append((stat.st_atime, stat.st_size, Path(entry.path)))
                        elif entry.name.endswith(".tmp") and stat.st_mtime < time.time() - 3600:
                            os.unlink(entry.path)  # left by a crash mid-write
        except FileNotFoundError:
            pass  # nothing saved yet (or the cache was just cleared)
        except OSError as exc:
            log.warning("picture cache not trimmed: %s", exc)
            return 0
        evicted = 0
        if total > self.max_bytes:
            pictures.sort()
            for _used, size, picture in pictures:
                if total <= self.max_bytes:
                    break
                etag_file = picture.with_suffix(".etag")
                with contextlib.suppress(OSError):
                    etag_size = etag_file.stat().st_size
                    etag_file.unlink()
                    total -= etag_size
                try:
                    picture.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    log.warning("picture not evicted: %s", exc)
                    continue
                total -= size
                evicted += 1
            log.info("picture cache over its cap: %d pictures evicted", evicted)
        with self._lock:
            self._stored = total
            self.evicted += evicted
        return evicted

    def forget_size(self) -> None:
        """The folder was removed or changed behind the store's back: rescan at the next trim."""
        with self._lock:
            self._stored = None
