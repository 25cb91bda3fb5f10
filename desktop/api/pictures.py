"""Zou's pictures (thumbnails, previews, project pictures) in a disk cache, revalidated with ETags.

One file per *full URL* (Zou gives one ETag to different responses, so an ETag is never a key), its ETag
beside it. `fetch` sends `If-None-Match` when a copy is on disk: a 304 costs no body. Every request goes
through the session (tokens, refresh, error mapping). The UI decodes and shows; it does no HTTP.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
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
    def __init__(self, session: ZouSession, cache_dir: Path) -> None:
        self.session = session
        self.cache_dir = cache_dir

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
            return Fetched(None)
        return Fetched(response.content, response.headers.get("etag"))

    def save(self, path: str, body: bytes, etag: str | None) -> None:
        """Keep a fetched picture (the caller checked it decodes); a full or read-only disk only costs the cache."""
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
