"""Resumable, verified downloads from Zou: a queue of parallel transfers that survives a restart.

Qt-free. The rules a studio can trust:

* bytes go to `<name>.part` in the target folder; the file gets its real name only when it is complete
  and verified (size against Content-Length or Content-Range, the record's size, and the size werkzeug
  encodes in its ETag), with an atomic rename that never replaces an existing file;
* a broken transfer resumes with `Range` + `If-Range: <ETag>`; if the file changed on the server, Zou
  answers the whole new file (200) and the download starts over instead of splicing two versions;
* an HTTP error is raised as the API layer's typed error before any byte is written: never a file;
* names from the server are sanitised (`desktop.api.filenames`) and an existing file is never
  overwritten: `name (1).ext` (policy "rename") or the item waits for a decision (policy "ask");
* free space is checked before a transfer starts; a full disk or an unwritable folder fails that item
  with a clear error, keeps the `.part`, and the other transfers go on;
* the event loop (the Qt loop in the app) is never held for long: a body of 16 MiB or more is read
  on a thread (`download_fastpath`, after the session's request vouched for it), a smaller one is
  streamed through the session and written by `_PartWriter` (a thread, or short writes from the loop
  while those prove fast);
* the queue is a JSON file: unfinished downloads resume after a restart.

Progress, state changes and errors reach listeners (`subscribe`) as (item, event) on the loop thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import functools
import json
import logging
import os
import re
import shutil
import ssl
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from desktop.api import download_fastpath as fastpath
from desktop.api import errors as E
from desktop.api.filenames import (
    PART_SUFFIX,
    UnsafePath,
    filename_from_content_disposition,
    safe_target,
    sanitize_filename,
    unique_name,
)
from desktop.api.session import USER_AGENT, ZouSession

log = logging.getLogger(__name__)

STATE_VERSION = 1
FLUSH_BYTES = 4 << 20  # hand the writer thread 4 MiB at a time
PROGRESS_INTERVAL = 0.2  # seconds between progress events of one transfer (5 per second)
SPEED_WINDOW = 3.0  # seconds of history for the speed estimate
MAX_HISTORY = 500  # finished items kept in the saved queue
MAX_RESTARTS = 3  # the file changed under us this many times in a row: give up
SPACE_MARGIN = 1 << 20
FAST_MIN_BYTES = 16 << 20  # a body at least this big is read by the fast path (download_fastpath)
FAST_MAX_FAILURES = 2
# werkzeug's send_file ETag: "<mtime>-<size>-<adler32 of the path>"; the size is a second witness.
_WERKZEUG_ETAG = re.compile(r'^"(\d+(?:\.\d+)?)-(\d+)-(\d+)"$')
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


# ---------------------------------------------------------------------------- errors
class DownloadError(E.ZouError):
    """A download failed for a reason of its own (disk, folder, integrity), not an HTTP error."""


class DiskFull(DownloadError):
    """Not enough free space in the target folder (checked first, or the disk filled up while writing)."""


class FolderNotWritable(DownloadError):
    """The target folder cannot be created or written to."""


class IntegrityError(DownloadError):
    """The bytes received do not add up (short, long, or a range that does not match): not saved."""


class NotAFile(DownloadError):
    """The server answered success but sent no file (202 "still processing", 204...)."""


class _Restart(Exception):
    """The server's file changed (or the range answer did not fit): throw the .part away and start over."""


class _Stopped(Exception):
    """The attempt ended without a file: the item is now waiting for a decision (conflict)."""


class _Again(Exception):
    """Try again at once, the slow way (the fast path could not be used)."""


RETRYABLE: tuple[type[Exception], ...] = (E.NetworkError, E.ServerError, E.ProtocolError, IntegrityError)


# ---------------------------------------------------------------------------- records
class Status(StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"
    CONFLICT = "conflict"  # the target exists and the policy is "ask"

    @property
    def finished(self) -> bool:
        return self in (Status.DONE, Status.CANCELED)


class ConflictPolicy(StrEnum):
    RENAME = "rename"  # keep both: `name (1).ext`
    ASK = "ask"  # the item waits in CONFLICT until `resolve_conflict`


class ConflictChoice(StrEnum):
    KEEP_BOTH = "keep_both"
    OVERWRITE = "overwrite"
    SKIP = "skip"


@dataclass(frozen=True)
class DownloadSource:
    """What to download: an API path and how to name the file.

    `name` comes from the record (untrusted, sanitised here); when it is None the name comes from the
    answer's Content-Disposition, else `fallback_name`. `expected_size` is the record's size when it is
    exact (attachments), a second check besides Content-Length.
    """

    path: str
    name: str | None = None
    fallback_name: str = "download"
    label: str = ""
    kind: str = "file"
    project_id: str = ""
    expected_size: int | None = None

    def __post_init__(self) -> None:
        # Only a path on the session's server: an absolute URL would carry the token to another host.
        if not self.path.startswith("/") or self.path.startswith("//") or "://" in self.path.split("?")[0]:
            raise ValueError(f"A download source is a path on the Zou server, not {self.path!r}.")


@dataclass
class DownloadItem:
    id: str
    source: DownloadSource
    folder: str
    api_url: str = ""
    file_name: str | None = None  # the final name, chosen (sanitised, free) once known
    part_name: str | None = None  # the .part in `folder`, named after the first chosen name
    status: Status = Status.QUEUED
    received: int = 0
    total: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str = ""
    error_type: str = ""
    overwrite: bool = False  # the user chose to replace an existing file
    restarts: int = 0  # the file changed on the server and the download started over
    resumes: int = 0  # ranged requests answered 206 Partial Content
    created: float = field(default_factory=time.time)
    finished: float | None = None
    # runtime only (not saved)
    speed: float = 0.0
    fast_failures: int = 0  # fast-path attempts that broke; at FAST_MAX_FAILURES the session streams it all
    _samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64), repr=False)

    # ---------------------------------------------------------------- paths
    @property
    def name(self) -> str:
        """What the UI shows as the file name."""
        if self.file_name:
            return self.file_name
        if self.source.name:
            return sanitize_filename(self.source.name, fallback=self.source.fallback_name)
        return sanitize_filename(self.source.fallback_name)

    @property
    def target(self) -> Path | None:
        return safe_target(self.folder, self.file_name) if self.file_name else None

    @property
    def part(self) -> Path | None:
        return safe_target(self.folder, self.part_name) if self.part_name else None

    @property
    def validator(self) -> str | None:
        """What to send in If-Range: a strong ETag, else Last-Modified; None: a resume is not safe."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified or None

    @property
    def fraction(self) -> float | None:
        if self.status is Status.DONE:
            return 1.0
        if not self.total:
            return None
        return min(self.received / self.total, 1.0)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current speed (None when unknown)."""
        if self.status is not Status.ACTIVE or not self.total or self.speed <= 0:
            return None
        return max(self.total - self.received, 0) / self.speed

    @property
    def can_pause(self) -> bool:
        return self.status in (Status.QUEUED, Status.ACTIVE)

    @property
    def can_resume(self) -> bool:
        return self.status is Status.PAUSED

    @property
    def can_retry(self) -> bool:
        return self.status in (Status.FAILED, Status.CANCELED)

    @property
    def can_cancel(self) -> bool:
        return self.status in (Status.QUEUED, Status.ACTIVE, Status.PAUSED, Status.FAILED, Status.CONFLICT)

    def _sample(self, now: float) -> None:
        self._samples.append((now, self.received))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW:
            self._samples.popleft()
        t0, r0 = self._samples[0]
        if now - t0 > 0.05:
            self.speed = (self.received - r0) / (now - t0)

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": {f.name: getattr(self.source, f.name) for f in fields(DownloadSource)},
            "folder": self.folder, "api_url": self.api_url, "file_name": self.file_name,
            "part_name": self.part_name, "status": self.status.value, "total": self.total, "etag": self.etag,
            "last_modified": self.last_modified, "error": self.error, "error_type": self.error_type,
            "overwrite": self.overwrite, "restarts": self.restarts, "resumes": self.resumes,
            "created": self.created, "finished": self.finished,
            "received": self.received if self.status is Status.DONE else None,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DownloadItem:
        src = d.get("source") or {}
        known = {f.name for f in fields(DownloadSource)}
        source = DownloadSource(**{k: v for k, v in src.items() if k in known})
        item = cls(id=str(d["id"]), source=source, folder=str(d["folder"]), api_url=str(d.get("api_url") or ""))
        item.file_name = _clean_component(d.get("file_name"))
        item.part_name = _clean_component(d.get("part_name"))
        try:
            item.status = Status(str(d.get("status")))
        except ValueError:
            item.status = Status.QUEUED
        item.total = _opt_int(d.get("total"))
        item.etag = d.get("etag") or None
        item.last_modified = d.get("last_modified") or None
        item.error = str(d.get("error") or "")
        item.error_type = str(d.get("error_type") or "")
        item.overwrite = bool(d.get("overwrite"))
        item.restarts = int(d.get("restarts") or 0)
        item.resumes = int(d.get("resumes") or 0)
        item.created = float(d.get("created") or time.time())
        item.finished = float(d["finished"]) if d.get("finished") else None
        item.received = _opt_int(d.get("received")) or 0
        return item


def _opt_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _clean_component(value: Any) -> str | None:
    """A name read back from the saved queue: it must still be one safe component (the file is editable)."""
    if not value:
        return None
    name = str(value)
    return name if sanitize_filename(name) == name else None


@dataclass
class Totals:
    received: int = 0
    total: int = 0  # of the items whose size is known
    speed: float = 0.0  # bytes per second, all active transfers
    left: int = 0  # bytes still to come for the active transfers
    unknown: int = 0  # unfinished items whose size is not known yet (queued, not started)

    @property
    def fraction(self) -> float | None:
        return min(self.received / self.total, 1.0) if self.total else None

    @property
    def eta(self) -> float | None:
        """Seconds until the active transfers end, at the current speed."""
        return self.left / self.speed if self.speed > 0 and self.left else None


Listener = Callable[[DownloadItem, str], None]
"""Called on the loop thread with (item, event); events: added, changed, progress, retry, removed."""


def tune_http_reads(size: int = 1 << 20) -> None:
    """Let httpcore read up to `size` bytes per socket read (it reads 64 KiB by default).

    Per read, httpcore, h11 and anyio cost a fixed overhead (an epoll registration, buffer slicing):
    with 64 KiB reads a loopback download is capped near half of curl's speed; with 1 MiB reads the
    same loop goes about twice as fast. Process-wide (every httpx client of the process), and harmless
    for small answers (a read returns what has arrived). Not applied by default: big downloads use
    the fast path anyway; `DownloadManager(read_size=1 << 20)` or a call at start-up turns it on."""
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection
    except ImportError:  # pragma: no cover - httpcore reorganised: keep its default
        return
    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", size) < size:
        AsyncHTTP11Connection.READ_NUM_BYTES = size


def default_state_file() -> Path:
    import platformdirs

    from desktop import APP_NAME, ORG_NAME

    return Path(platformdirs.user_data_dir(APP_NAME, ORG_NAME)) / "downloads.json"


def format_size(n: float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


# ---------------------------------------------------------------------------- the .part writer
def _os_error(exc: OSError, path: Path) -> DownloadError:
    folder = path.parent
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG):
        return DiskFull(f"The disk is full: {folder} has no space left ({exc.strerror}). "
                        "The partial file is kept; free some space and retry.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return FolderNotWritable(f"Cannot write to {folder}: {exc.strerror}.")
    return FolderNotWritable(f"Cannot write {path.name} in {folder}: {exc.strerror or exc}.")


def _open_part(path: Path, offset: int) -> int:
    # O_NOFOLLOW: a planted symlink named like our .part must not redirect the write elsewhere.
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise _os_error(exc, path) from exc
    try:
        os.ftruncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
    except OSError as exc:
        os.close(fd)
        raise _os_error(exc, path) from exc
    return fd


_IOV_BATCH = 512  # well under IOV_MAX (1024 on Linux and macOS)


def _write_all(fd: int, chunks: list[bytes], path: Path) -> None:
    """Write the chunks in order with writev (no joined copy); partial writes continue where they stopped."""
    try:
        if not hasattr(os, "writev"):  # Windows
            view = memoryview(b"".join(chunks))
            while view:
                view = view[os.write(fd, view):]
            return
        pending: deque[memoryview] = deque(memoryview(c) for c in chunks if c)
        while pending:
            batch = [pending[i] for i in range(min(len(pending), _IOV_BATCH))]
            written = os.writev(fd, batch)
            while written and pending:
                head = pending[0]
                if written >= len(head):
                    written -= len(head)
                    pending.popleft()
                else:
                    pending[0] = head[written:]
                    written = 0
    except OSError as exc:
        raise _os_error(exc, path) from exc


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _fsync(fd: int, path: Path) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        raise _os_error(exc, path) from exc


class _PartWriter:
    """Appends to a .part, in order, without blocking the event loop for long.

    Writes start on a worker thread (one in flight, the next buffer filling meanwhile). Handing every
    buffer to a thread costs CPU, though: measured on loopback it made a 1 GiB download ~40 % slower
    than writing from the loop. So once the thread's writes prove fast (a page-cache write of 1 MiB in
    a few ms), this transfer writes 1 MiB at a time from the loop itself, timing each write; one slow
    write (a busy disk, dirty-page throttling, a network share) sends it back to the thread, and after
    a few such strikes it stays there. The loop is blocked at most one short write at a time.
    """

    FAST_PER_MIB = 0.003  # s: a thread write this fast per MiB makes the inline path worth it
    FAST_STREAK = 4  # consecutive fast thread writes before going inline
    INLINE_BYTES = 1 << 20  # inline writes are at most this big...
    INLINE_MAX = 0.012  # ...and one slower than this goes back to the thread
    MAX_STRIKES = 3

    def __init__(self, fd: int, path: Path, executor: concurrent.futures.Executor, flush_bytes: int) -> None:
        self.fd = fd
        self.path = path
        self._executor = executor
        self._flush_bytes = flush_bytes
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._pending: concurrent.futures.Future[float] | None = None
        self._closed = False
        self.inline = False
        self._streak = 0
        self.strikes = 0

    @classmethod
    async def open(cls, path: Path, offset: int, executor: concurrent.futures.Executor,
                   flush_bytes: int = FLUSH_BYTES) -> _PartWriter:
        fd = await asyncio.wrap_future(executor.submit(_open_part, path, offset))
        return cls(fd, path, executor, flush_bytes)

    async def write(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        limit = min(self._flush_bytes, self.INLINE_BYTES) if self.inline else self._flush_bytes
        if self._buffered >= limit:
            await self._submit()

    async def _submit(self) -> None:
        await self._wait_pending()
        if not self._chunks:
            return
        chunks, size = self._chunks, self._buffered
        self._chunks, self._buffered = [], 0
        if self.inline:
            t0 = time.perf_counter()
            _write_all(self.fd, chunks, self.path)
            if time.perf_counter() - t0 > self.INLINE_MAX * max(size / self.INLINE_BYTES, 1.0):
                self.inline = False
                self._streak = 0
                self.strikes += 1
        else:
            self._pending = self._executor.submit(_timed_write, self.fd, chunks, size, self.path)

    async def _wait_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        per_mib = await asyncio.wrap_future(pending)
        self._streak = self._streak + 1 if per_mib <= self.FAST_PER_MIB else 0
        if self._streak >= self.FAST_STREAK and self.strikes < self.MAX_STRIKES:
            self.inline = True

    async def finish(self, *, fsync: bool) -> None:
        """Write everything, optionally fsync, close: after this the .part holds every byte received."""
        await self._submit()
        await self._wait_pending()
        if fsync:
            await asyncio.wrap_future(self._executor.submit(_fsync, self.fd, self.path))
        # close() can take a while after a big write (the file system flushes): not on the loop.
        self._closed = True
        await asyncio.wrap_future(self._executor.submit(_close_fd, self.fd))

    async def aclose(self) -> None:
        """After a failure or a pause: keep what was received (best effort), then close."""
        if self._closed:
            return
        try:
            await self._submit()
            await self._wait_pending()
        except (DownloadError, OSError) as exc:
            log.debug("could not flush %s: %s", self.path.name, exc)
        finally:
            self._close_soon()

    def _close_soon(self) -> None:
        # A write may still run on the worker thread (we were cancelled while waiting for it): close the
        # descriptor after it, never under it (a reused descriptor number would get the bytes).
        if self._closed:
            return
        self._closed = True
        pending, self._pending = self._pending, None
        fd = self.fd
        if pending is not None and not pending.done():
            pending.add_done_callback(lambda _f: _close_fd(fd))
            return
        try:
            self._executor.submit(_close_fd, fd)
        except RuntimeError:  # the executor is shut down
            _close_fd(fd)


def _timed_write(fd: int, chunks: list[bytes], size: int, path: Path) -> float:
    """`_write_all` on the worker thread; returns its duration per MiB."""
    t0 = time.perf_counter()
    _write_all(fd, chunks, path)
    return (time.perf_counter() - t0) / max(size / (1 << 20), 1.0)


# ---------------------------------------------------------------------------- helpers
def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _rename_no_clobber(src: Path, dst: Path) -> None:
    """Atomically give `src` the name `dst`; FileExistsError if `dst` exists (never replaced)."""
    if os.name == "nt":
        os.rename(src, dst)  # refuses an existing destination
        return
    try:
        os.link(src, dst)  # atomic, and fails if dst exists (even a dangling symlink)
    except FileExistsError:
        raise
    except OSError:
        # File systems without hard links (FAT, some SMB mounts): check, then rename.
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "File exists", str(dst)) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def _size_in_etag(etag: str | None) -> int | None:
    match = _WERKZEUG_ETAG.match(etag or "")
    return int(match.group(2)) if match else None


def _parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), int(match.group(2)), total


def _lsize(path: Path) -> int:
    try:
        st = os.lstat(path)
    except OSError:  # missing, or the folder is not a folder any more
        return 0
    return st.st_size if not os.path.islink(path) else 0


def _describe(exc: BaseException) -> str:
    if isinstance(exc, E.ZouError):
        return exc.message
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or exc.__class__.__name__


# ---------------------------------------------------------------------------- the manager
class DownloadManager:
    """The download queue of one session: N parallel transfers, persisted in `state_file`."""

    def __init__(self, session: ZouSession, *, state_file: Path | None = None, parallel: int = 3,
                 conflict_policy: ConflictPolicy = ConflictPolicy.RENAME, max_retries: int = 5,
                 retry_delay: float = 1.0, check_free_space: bool = True, fsync: bool = True,
                 progress_interval: float = PROGRESS_INTERVAL, flush_bytes: int = FLUSH_BYTES,
                 load: bool = True, read_size: int | None = None,
                 fast_path_min_bytes: int | None = FAST_MIN_BYTES) -> None:
        self.session = session
        self.state_file = state_file
        self.parallel = max(1, int(parallel))
        self.conflict_policy = ConflictPolicy(conflict_policy)
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.check_free_space = check_free_space
        self.fsync = fsync
        self.progress_interval = progress_interval
        self.flush_bytes = flush_bytes
        self.fast_path_min_bytes = fast_path_min_bytes
        self._items: dict[str, DownloadItem] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stop_reason: dict[str, Status] = {}
        self._listeners: list[Listener] = []
        self._started = False
        self._changed = asyncio.Event()
        self._batch: set[str] = set()
        self._remove_after: set[str] = set()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="slate-download")
        if read_size:
            tune_http_reads(read_size)
        if load and state_file is not None:
            self._load()

    # ---------------------------------------------------------------- reading
    @property
    def items(self) -> list[DownloadItem]:
        return list(self._items.values())

    def get(self, item_id: str) -> DownloadItem:
        return self._items[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    @property
    def active_count(self) -> int:
        return len(self._tasks)

    @property
    def busy(self) -> bool:
        return any(i.status in (Status.QUEUED, Status.ACTIVE) for i in self._items.values())

    def totals(self) -> Totals:
        """Progress of the current batch: what was queued since the queue was last idle (finished items
        included), so the total bar goes from 0 to 100 % per batch instead of counting the history."""
        totals = Totals()
        for item_id in self._batch:
            item = self._items.get(item_id)
            if item is None or item.status is Status.CANCELED:
                continue
            if item.total is None:
                if item.status is not Status.DONE:
                    totals.unknown += 1
                    totals.received += item.received
                continue
            totals.received += min(item.received, item.total)
            totals.total += item.total
            if item.status is Status.ACTIVE:
                totals.speed += item.speed
                totals.left += max(item.total - item.received, 0)
        return totals

    def _add_to_batch(self, item_ids: Iterable[str]) -> None:
        if not self.busy:
            self._batch = {i for i in self._batch if self._items.get(i) is not None
                           and self._items[i].status in (Status.PAUSED, Status.FAILED, Status.CONFLICT)}
        self._batch.update(item_ids)

    # ---------------------------------------------------------------- listeners
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, item: DownloadItem, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(item, event)
            except Exception:  # a listener must not break a transfer
                log.exception("download listener failed")
        if event != "progress":
            self._poke()

    def _poke(self) -> None:
        self._changed.set()

    # ---------------------------------------------------------------- commands
    def start(self) -> None:
        """Start transfers (restored queued items first). Needs a running event loop."""
        self._started = True
        self._pump()

    def enqueue(self, sources: Iterable[DownloadSource], folder: Path | str) -> list[DownloadItem]:
        """Queue downloads into `folder`; the items that will deliver them, in order.

        A source already queued for this folder is not queued twice: its item is returned (and started
        again if it had failed or was paused)."""
        folder_text = os.path.abspath(os.fspath(folder))
        result: list[DownloadItem] = []
        added: list[DownloadItem] = []
        existing = {(i.source.path, i.folder): i for i in self._items.values() if not i.status.finished}
        for source in sources:
            known = existing.get((source.path, folder_text))
            if known is not None:
                if known not in result:
                    result.append(known)
                    if known.status is Status.FAILED:
                        self.retry(known.id)
                    elif known.status is Status.PAUSED:
                        self.resume(known.id)
                continue
            item = DownloadItem(id=uuid.uuid4().hex, source=source, folder=folder_text,
                                api_url=self.session.api_url)
            if source.name is not None:
                self._choose_name(item, sanitize_filename(source.name, fallback=source.fallback_name))
            self._items[item.id] = item
            existing[(source.path, folder_text)] = item
            added.append(item)
            result.append(item)
        self._add_to_batch(i.id for i in added)
        for item in added:
            self._emit(item, "added")
        self._save()
        self._pump()
        return result

    def pause(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status is Status.QUEUED:
            self._set(item, Status.PAUSED)
        elif item.status is Status.ACTIVE:
            self._stop(item, Status.PAUSED)

    def resume(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status is Status.PAUSED:
            if item.api_url and item.api_url != self.session.api_url:
                item.error = f"This download belongs to another server ({item.api_url})."
                self._emit(item, "changed")
                return
            item.error = item.error_type = ""
            self._add_to_batch([item.id])
            self._set(item, Status.QUEUED)
            self._pump()

    def resume_all(self) -> None:
        """Resume every paused item (after signing in again, for instance)."""
        for item in list(self._items.values()):
            if item.status is Status.PAUSED:
                self.resume(item.id)

    def retry(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status in (Status.FAILED, Status.CANCELED):
            item.error = item.error_type = ""
            item.finished = None
            if item.status is Status.CANCELED and item.file_name and item.source.name is None:
                item.file_name = None  # named again from the answer
            self._add_to_batch([item.id])
            self._set(item, Status.QUEUED)
            self._pump()

    def cancel(self, item_id: str) -> None:
        """Stop and delete the partial file."""
        item = self._items[item_id]
        if item.status is Status.ACTIVE:
            self._stop(item, Status.CANCELED)
        elif item.status not in (Status.DONE, Status.CANCELED):
            self._discard_part(item)
            self._set(item, Status.CANCELED)

    def remove(self, item_id: str) -> None:
        """Forget an item (cancelling it first if it is not finished). The downloaded file stays."""
        item = self._items.get(item_id)
        if item is None:
            return
        if not item.status.finished and item.status is not Status.FAILED:
            self.cancel(item_id)
        if item.id in self._tasks:
            self._remove_after.add(item.id)  # removed when its task ends
            return
        if item.status is Status.FAILED:
            self._discard_part(item)
        del self._items[item_id]
        self._emit(item, "removed")
        self._save()

    def clear_finished(self) -> None:
        for item in [i for i in self._items.values() if i.status.finished]:
            del self._items[item.id]
            self._emit(item, "removed")
        self._save()

    def resolve_conflict(self, item_id: str, choice: ConflictChoice) -> None:
        item = self._items[item_id]
        if item.status is not Status.CONFLICT:
            return
        choice = ConflictChoice(choice)
        item.error = item.error_type = ""
        if choice is ConflictChoice.SKIP:
            self._discard_part(item)
            self._set(item, Status.CANCELED)
            return
        if choice is ConflictChoice.OVERWRITE:
            item.overwrite = True
        else:
            assert item.file_name is not None
            item.file_name = unique_name(item.file_name, lambda n: self._taken(item, n))
        self._set(item, Status.QUEUED)
        self._pump()

    def set_parallel(self, n: int) -> None:
        self.parallel = max(1, int(n))
        self._pump()

    def set_conflict_policy(self, policy: ConflictPolicy | str) -> None:
        self.conflict_policy = ConflictPolicy(policy)

    async def wait(self, item_ids: Iterable[str] | None = None) -> None:
        """Until these items (default: all) are neither queued nor active."""
        ids = set(item_ids) if item_ids is not None else set(self._items)
        while True:
            self._changed.clear()
            if not any(self._items[i].status in (Status.QUEUED, Status.ACTIVE) for i in ids if i in self._items):
                return
            await self._changed.wait()

    async def shutdown(self) -> None:
        """Stop every transfer so that it resumes next time (they stay queued), save, free the threads."""
        self._started = False
        tasks = list(self._tasks.items())
        for item_id, task in tasks:
            self._stop_reason[item_id] = Status.QUEUED
            task.cancel()
        if tasks:
            await asyncio.gather(*(t for _, t in tasks), return_exceptions=True)
        self._save()
        self._executor.shutdown(wait=True)

    # ---------------------------------------------------------------- internals: state
    def _set(self, item: DownloadItem, status: Status) -> None:
        item.status = status
        if status in (Status.DONE, Status.CANCELED, Status.FAILED):
            item.finished = time.time()
        if status is not Status.ACTIVE:
            item.speed = 0.0
        self._save()
        self._emit(item, "changed")

    def _stop(self, item: DownloadItem, reason: Status) -> None:
        task = self._tasks.get(item.id)
        if task is not None:
            self._stop_reason[item.id] = reason
            task.cancel()

    def _discard_part(self, item: DownloadItem) -> None:
        part = item.part
        if part is not None:
            try:
                os.unlink(part)
            except (FileNotFoundError, NotADirectoryError):
                pass
            except OSError as exc:
                log.warning("could not delete %s: %s", part.name, exc)
        item.received = 0

    def _taken(self, item: DownloadItem, name: str) -> bool:
        """A name is taken by a file (or a .part) in the folder, or by another unfinished item."""
        try:
            target = safe_target(item.folder, name)
        except UnsafePath:
            return True
        own_part = item.part_name is not None and f"{name}{PART_SUFFIX}" == item.part_name
        if os.path.lexists(target) or (not own_part and os.path.lexists(f"{target}{PART_SUFFIX}")):
            return True
        folded = name.casefold()
        for other in self._items.values():
            if other is item or other.folder != item.folder or other.status.finished:
                continue
            if (other.file_name or "").casefold() == folded or (other.part_name or "").casefold() == \
                    f"{folded}{PART_SUFFIX}":
                return True
        return False

    def _choose_name(self, item: DownloadItem, wanted: str) -> None:
        """Set the final name (and the .part name) from the sanitised name the server or record gave."""
        exists = False
        with contextlib.suppress(UnsafePath):
            exists = os.path.lexists(safe_target(item.folder, wanted))
        if exists and self.conflict_policy is ConflictPolicy.ASK:
            # The user decides; the .part gets a free name meanwhile.
            item.file_name = wanted
            item.part_name = unique_name(wanted, lambda n: self._taken(item, n)) + PART_SUFFIX
            item.status = Status.CONFLICT
            item.error = f"{wanted} already exists in {item.folder}."
            item.error_type = "Conflict"
            return
        name = unique_name(wanted, lambda n: self._taken(item, n))
        item.file_name = name
        item.part_name = name + PART_SUFFIX

    # ---------------------------------------------------------------- internals: persistence
    def _save(self) -> None:
        if self.state_file is None:
            return
        items = list(self._items.values())
        finished = [i for i in items if i.status.finished]
        if len(finished) > MAX_HISTORY:
            drop = {i.id for i in sorted(finished, key=lambda i: i.finished or 0)[: len(finished) - MAX_HISTORY]}
            items = [i for i in items if i.id not in drop]
        data = {"version": STATE_VERSION, "items": [i.to_json() for i in items]}
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_name(self.state_file.name + ".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.state_file)
        except OSError as exc:
            log.warning("could not save the download queue: %s", exc)

    def _load(self) -> None:
        assert self.state_file is not None
        try:
            raw = self.state_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("could not read the download queue: %s", exc)
            return
        try:
            data = json.loads(raw)
            entries = data["items"] if isinstance(data, dict) else []
            if not isinstance(entries, list):
                raise TypeError("items is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the saved download queue is unreadable (%s); starting empty", exc)
            with contextlib.suppress(OSError):
                os.replace(self.state_file, self.state_file.with_name(self.state_file.name + ".bad"))
            return
        loaded: list[DownloadItem] = []
        for entry in entries:
            try:
                loaded.append(DownloadItem.from_json(entry))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                log.warning("skipping an unreadable saved download: %s", exc)
        for item in loaded:
            if item.status is Status.ACTIVE:
                item.status = Status.QUEUED  # the app stopped mid-transfer
            if item.status is not Status.DONE:
                part = item.part
                item.received = _lsize(part) if part is not None else 0
            if (item.status in (Status.QUEUED,) and item.api_url
                    and item.api_url != self.session.api_url):
                item.status = Status.PAUSED
                item.error = f"This download belongs to another server ({item.api_url})."
            self._items[item.id] = item
            if item.status in (Status.QUEUED, Status.PAUSED, Status.FAILED, Status.CONFLICT):
                self._batch.add(item.id)

    # ---------------------------------------------------------------- internals: scheduling
    def _pump(self) -> None:
        if not self._started:
            return
        for item in list(self._items.values()):
            if len(self._tasks) >= self.parallel:
                break
            if item.status is Status.QUEUED and item.id not in self._tasks:
                item.status = Status.ACTIVE
                item.error = item.error_type = ""
                item._samples.clear()
                task = asyncio.ensure_future(self._run(item))
                self._tasks[item.id] = task
                task.add_done_callback(functools.partial(self._task_done, item))
                self._emit(item, "changed")

    def _task_done(self, item: DownloadItem, task: asyncio.Task[None]) -> None:
        if self._tasks.get(item.id) is task:
            del self._tasks[item.id]
        if not task.cancelled() or item.status is not Status.ACTIVE:
            return
        # Cancelled before its first line ran (paused or cancelled right after it was started).
        reason = self._stop_reason.pop(item.id, None)
        if reason is Status.CANCELED:
            self._discard_part(item)
        self._set(item, reason or Status.QUEUED)
        if reason is not None:
            self._pump()

    async def _run(self, item: DownloadItem) -> None:
        outcome: Status = Status.DONE
        external_cancel = False
        try:
            await self._transfer(item)
        except asyncio.CancelledError:
            reason = self._stop_reason.pop(item.id, None)
            if reason is None:
                # Not our pause/cancel: the loop is going away. Resume next time.
                external_cancel = True
                outcome = Status.QUEUED
            else:
                outcome = reason
            if outcome is Status.CANCELED:
                self._discard_part(item)
        except _Stopped:
            outcome = item.status  # CONFLICT, set by the attempt
        except E.AuthenticationError as exc:
            # Signed out or the session ended: keep the .part and wait; `resume_all` after signing in.
            outcome = Status.PAUSED
            item.error = _describe(exc)
            item.error_type = exc.__class__.__name__
        except (E.ZouError, OSError, UnsafePath) as exc:
            outcome = Status.FAILED
            item.error = _describe(exc)
            item.error_type = exc.__class__.__name__
            log.info("download %s failed: %s", item.name, item.error_type)
        except Exception as exc:  # a bug must not kill the queue
            log.exception("download %s crashed", item.name)
            outcome = Status.FAILED
            item.error = f"Unexpected error: {exc}"
            item.error_type = exc.__class__.__name__
        finally:
            self._tasks.pop(item.id, None)
            self._stop_reason.pop(item.id, None)
        part = item.part
        if outcome is not Status.DONE and part is not None and outcome is not Status.CANCELED:
            item.received = _lsize(part)
        self._set(item, outcome)
        if external_cancel:
            raise asyncio.CancelledError
        if item.id in self._remove_after:
            self._remove_after.discard(item.id)
            self.remove(item.id)
        self._pump()

    async def _transfer(self, item: DownloadItem) -> None:
        failures = 0
        restarts = 0
        while True:
            before = item.received
            try:
                await self._attempt(item)
                return
            except _Again:
                continue
            except _Restart:
                restarts += 1
                item.restarts += 1
                self._discard_part(item)
                if restarts > MAX_RESTARTS:
                    raise IntegrityError("The file keeps changing on the server; try again later.") from None
                continue
            except E.ZouError as exc:
                transient = isinstance(exc, RETRYABLE) and (
                    isinstance(exc, IntegrityError) or not isinstance(exc, DownloadError))
                if not transient:
                    raise
                # Consecutive failures without progress; a flaky link that keeps moving keeps going.
                failures = 1 if item.received > before else failures + 1
                if failures > self.max_retries:
                    raise
                delay = self.retry_delay * min(2 ** (failures - 1), 30)
                item.error = f"{_describe(exc)} Retrying in {delay:.0f} s."
                item.error_type = exc.__class__.__name__
                item.speed = 0.0
                self._emit(item, "retry")
                await asyncio.sleep(delay)
                item.error = item.error_type = ""

    def _prepare_folder(self, item: DownloadItem) -> Path:
        folder = Path(item.folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FolderNotWritable(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from exc
        if not folder.is_dir():
            raise FolderNotWritable(f"{folder} is not a folder.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise FolderNotWritable(f"Cannot write to {folder}: permission denied.")
        return folder

    async def _attempt(self, item: DownloadItem) -> None:
        folder = self._prepare_folder(item)
        headers = {"Accept-Encoding": "identity"}
        offset = 0
        part = item.part
        if part is not None:
            size = _lsize(part)
            validator = item.validator
            if size and validator and item.total is not None and size == item.total:
                # Complete already (stopped before the rename, or waited for a conflict): same file still?
                if await self._unchanged(item):
                    item.received = size
                    self._finalize(item)
                    return
            elif size and validator and (item.total is None or size < item.total):
                offset = size
                headers["Range"] = f"bytes={size}-"
                headers["If-Range"] = validator
        try:
            async with self.session.stream("GET", item.source.path, headers=headers) as response:
                await self._receive(item, folder, response, offset)
        except E.ZouError as exc:
            if offset and exc.status in (416, 404) and not isinstance(exc, DownloadError):
                # The range does not fit the file any more (or Zou's attachment route says so with a 404
                # when the range starts at the end): start over without a range.
                raise _Restart from exc
            raise
        self._finalize(item)

    async def _unchanged(self, item: DownloadItem) -> bool:
        response = await self.session.request("HEAD", item.source.path, headers={"Accept-Encoding": "identity"})
        etag = response.headers.get("etag")
        length = _opt_int(response.headers.get("content-length"))
        same = (etag == item.etag) if item.etag else (response.headers.get("last-modified") == item.last_modified)
        return same and (length is None or length == item.total)

    async def _receive(self, item: DownloadItem, folder: Path, response: httpx.Response, offset: int) -> None:
        status = response.status_code
        if status not in (200, 206):
            message = ("The preview is still being processed by the server; retry in a moment."
                       if status == 202 else f"The server answered {status} without a file.")
            raise NotAFile(message, status=status, method="GET", url=str(response.request.url))
        h = response.headers
        etag, last_modified = h.get("etag"), h.get("last-modified")
        encoded = h.get("content-encoding", "identity").lower() not in ("", "identity")
        if status == 206:
            content_range = _parse_content_range(h.get("content-range"))
            if (not offset or content_range is None or content_range[0] != offset
                    or (item.etag and etag and etag != item.etag)):
                raise _Restart
            total = content_range[2]
            item.resumes += 1
        else:
            if offset:
                # If-Range did not match: the file changed on the server, this is the whole new file.
                item.restarts += 1
                log.info("%s changed on the server: starting over", item.name)
            offset = 0
            total = None if encoded else _opt_int(h.get("content-length"))
        if item.file_name is None:
            wanted = filename_from_content_disposition(h.get("content-disposition")) or item.source.fallback_name
            self._choose_name(item, sanitize_filename(wanted, fallback=item.source.fallback_name))
            if item.status is Status.CONFLICT:
                raise _Stopped
        expected = [] if encoded else [n for n in (item.source.expected_size, _size_in_etag(etag)) if n is not None]
        if total is None and expected:
            total = expected[0]
        # When an intermediary re-framed a cut body as complete, the ETag still tells the real size:
        # remember that one, so the next attempt resumes instead of trusting the short length.
        item.total = max([total, *expected]) if total is not None else None
        item.etag = None if encoded else etag
        item.last_modified = None if encoded else last_modified
        item.received = offset
        self._save()
        self._emit(item, "changed")
        if total is not None:
            self._check_space(item, folder, total - offset)
        part = item.part
        assert part is not None
        fast = self._fast_settings(item, total, offset, encoded)
        if fast is not None and total is not None:
            await response.aclose()  # unread: the rest comes over the fast path
            size = await self._fast_body(item, part, offset, total, *fast)
            if size is None:
                item.fast_failures = FAST_MAX_FAILURES  # not usable with this server: stream it
                raise _Again
            item.received = size
        else:
            await self._stream_body(item, part, response, offset, total, encoded)
        self._verify(item, part, total, expected)

    async def _stream_body(self, item: DownloadItem, part: Path, response: httpx.Response, offset: int,
                           total: int | None, encoded: bool) -> None:
        writer = await _PartWriter.open(part, offset, self._executor, self.flush_bytes)
        interval = self.progress_interval
        last = time.monotonic()
        item._sample(last)
        chunks = response.aiter_bytes() if encoded else response.aiter_raw()
        try:
            async for chunk in chunks:
                await writer.write(chunk)
                item.received += len(chunk)
                now = time.monotonic()
                if now - last >= interval:
                    last = now
                    item._sample(now)
                    self._emit(item, "progress")
                if total is not None and item.received > total:
                    raise IntegrityError(f"The server sent more than the {total} bytes it announced.")
            await writer.finish(fsync=self.fsync)
        finally:
            await writer.aclose()
        item._sample(time.monotonic())
        self._emit(item, "progress")

    def _verify(self, item: DownloadItem, part: Path, total: int | None, expected: list[int]) -> None:
        size = _lsize(part)
        if size != item.received:
            raise IntegrityError(f"{item.name}: {size} bytes on disk, {item.received} received.")
        for n in ([total] if total is not None else []) + expected:
            if size != n:
                if size < n:
                    raise IntegrityError(f"{item.name} is incomplete: {size} of {n} bytes.")
                self._discard_part(item)  # too long: never resume from it
                raise IntegrityError(f"{item.name} is larger than announced: {size} bytes, not {n}.")

    # ---------------------------------------------------------------- internals: the fast path
    def _fast_settings(self, item: DownloadItem, total: int | None, offset: int, encoded: bool
                       ) -> tuple[ssl.SSLContext | None, float | None] | None:
        if (not self.fast_path_min_bytes or encoded or total is None or total - offset < self.fast_path_min_bytes
                or not item.validator or item.fast_failures >= FAST_MAX_FAILURES or self.session.tokens is None):
            return None
        return fastpath.transport_settings(self.session.http, self.session.url(item.source.path))

    async def _fast_body(self, item: DownloadItem, part: Path, offset: int, total: int,
                         context: ssl.SSLContext | None, timeout: float | None) -> int | None:
        tokens, validator = self.session.tokens, item.validator
        assert tokens is not None and validator is not None
        loop = asyncio.get_running_loop()
        url = self.session.url(item.source.path)

        def progress(received: int) -> None:
            loop.call_soon_threadsafe(self._fast_progress, item, received)

        request = fastpath.FastRequest(
            url=url, part=part, offset=offset, total=total, etag=item.etag, ssl_context=context,
            timeout=timeout, fsync=self.fsync, on_progress=progress,
            headers={"Authorization": f"Bearer {tokens.access}", "User-Agent": USER_AGENT,
                     "Accept-Encoding": "identity"})
        if offset:
            request.headers.update({"Range": f"bytes={offset}-", "If-Range": validator})
        future = fastpath.start(request)
        item._sample(time.monotonic())
        wrapped = asyncio.wrap_future(future)
        wrapped.add_done_callback(_retrieve)  # after a pause its outcome is not awaited: no warning
        try:
            while True:
                done, _ = await asyncio.wait({wrapped}, timeout=1.0 if timeout is None else min(1.0, timeout))
                if done:
                    return wrapped.result()
                if timeout is not None and time.monotonic() - request.last_activity > timeout:
                    request.abort(timed_out=True)  # the thread ends with FastPathFailed
        except fastpath.FastPathFailed as exc:
            item.fast_failures += 1
            if request.timed_out:
                raise E.RequestTimeout(f"The server sent nothing for {timeout:.0f} s.", method="GET",
                                       url=url) from exc
            raise E.NetworkError(f"The connection to the server broke: {exc}", method="GET", url=url) from exc
        except fastpath.DiskError as exc:
            raise _os_error(exc.error, part) from exc
        finally:
            if not future.done():  # paused or cancelled: stop the thread before anyone touches the .part
                request.abort()
                try:
                    await wrapped
                except BaseException:  # its outcome no longer matters: wait for the thread to end
                    with contextlib.suppress(BaseException):
                        future.result(timeout=5)

    def _fast_progress(self, item: DownloadItem, received: int) -> None:
        if item.status is not Status.ACTIVE:
            return
        item.received = received
        item._sample(time.monotonic())
        self._emit(item, "progress")

    def _check_space(self, item: DownloadItem, folder: Path, needed: int) -> None:
        if not self.check_free_space or needed <= 0:
            return
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return
        others = sum(max((o.total or 0) - o.received, 0) for o in self._items.values()
                     if o is not item and o.status is Status.ACTIVE and o.folder == item.folder)
        if needed + others + SPACE_MARGIN > free:
            raise DiskFull(f"Not enough space in {folder}: {item.name} needs {format_size(needed)}, "
                           f"{format_size(max(free - others, 0))} is free. Free some space and retry.")

    def _finalize(self, item: DownloadItem) -> None:
        part, target = item.part, item.target
        assert part is not None and target is not None and item.file_name is not None
        while True:
            try:
                if item.overwrite:
                    os.replace(part, target)
                else:
                    _rename_no_clobber(part, target)
                break
            except FileExistsError:
                # The name was taken while we downloaded.
                if self.conflict_policy is ConflictPolicy.ASK:
                    item.status = Status.CONFLICT
                    item.error = f"{item.file_name} already exists in {item.folder}."
                    item.error_type = "Conflict"
                    raise _Stopped from None
                item.file_name = unique_name(item.file_name, lambda n: self._taken(item, n))
                target = item.target
                assert target is not None
            except OSError as exc:
                raise _os_error(exc, target) from exc
        item.part_name = None
        item.overwrite = False
        item.error = item.error_type = ""


__all__ = [
    "ConflictChoice", "ConflictPolicy", "DiskFull", "DownloadError", "DownloadItem", "DownloadManager",
    "DownloadSource", "FolderNotWritable", "IntegrityError", "Listener", "NotAFile", "Status", "Totals",
    "default_state_file", "format_size", "tune_http_reads",
]
