"""One item's transfer: the request, the body into the `.part`, the checks, the rename.

* a broken transfer resumes with `Range` + `If-Range: <ETag>`; if the file changed on the server, Zou
  answers the whole new file (200) and the download starts over instead of splicing two versions;
* an HTTP error is raised as the API layer's typed error before any byte is written: never a file;
* the file gets its real name only when it is complete and verified (size against Content-Length or
  Content-Range, the record's size, and the size werkzeug encodes in its ETag);
* a body of FAST_MIN_BYTES or more is read on a thread (`fast_path`) once the session's request
  vouched for it; a smaller one is streamed through the session into a `PartWriter`.

`Transfers` is mixed into `DownloadManager`: the transfer reads the manager's settings and its queue
(free space taken by the other transfers, names taken by other items) and reports through its
listeners, so it is written as the manager's methods, kept here by subject.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import re
import shutil
import ssl
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from desktop.api import errors as E
from desktop.api.downloads import fast_path
from desktop.api.downloads.errors import (
    RETRYABLE,
    Again,
    DiskFull,
    DownloadError,
    FolderNotWritable,
    IntegrityError,
    NotAFile,
    Restart,
    Stopped,
    UnverifiableSize,
    describe,
    os_error,
)
from desktop.api.downloads.filenames import filename_from_content_disposition, sanitize_filename, unique_name
from desktop.api.downloads.items import ConflictPolicy, DownloadItem, Status, format_size, opt_int
from desktop.api.downloads.part_file import PartWriter, lsize, rename_no_clobber
from desktop.api.session import USER_AGENT, ZouSession

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between progress events of one transfer (5 per second)
MAX_RESTARTS = 3  # the file changed under us this many times in a row: give up
SPACE_MARGIN = 1 << 20
FAST_MIN_BYTES = 16 << 20  # a body at least this big is read by the fast path
FAST_MAX_FAILURES = 2
# werkzeug's send_file ETag: "<mtime>-<size>-<adler32 of the path>"; the size is a second witness.
_WERKZEUG_ETAG = re.compile(r'^"(\d+(?:\.\d+)?)-(\d+)-(\d+)"$')
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


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


class Transfers:
    """The transfer methods of `DownloadManager` (see the module docstring)."""

    # What a transfer reads of the manager (set in DownloadManager.__init__).
    session: ZouSession
    conflict_policy: ConflictPolicy
    max_retries: int
    retry_delay: float
    check_free_space: bool
    fsync: bool
    progress_interval: float
    flush_bytes: int
    fast_path_min_bytes: int | None
    _items: dict[str, DownloadItem]
    _executor: concurrent.futures.Executor

    if TYPE_CHECKING:  # the queue's own methods, defined by DownloadManager
        def _emit(self, item: DownloadItem, event: str) -> None: ...
        def _save(self) -> None: ...
        def _discard_part(self, item: DownloadItem) -> None: ...
        def _taken(self, item: DownloadItem, name: str) -> bool: ...
        def _choose_name(self, item: DownloadItem, wanted: str) -> None: ...

    async def _transfer(self, item: DownloadItem) -> None:
        failures = 0
        restarts = 0
        while True:
            before = item.received
            try:
                await self._attempt(item)
                return
            except Again:
                continue
            except Restart:
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
                item.error = f"{describe(exc)} Retrying in {delay:.0f} s."
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
            size = lsize(part)
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
            async with self.session.stream("GET", item.source.path, headers=headers,
                                           max_body=None, deadline=None) as response:
                await self._receive(item, folder, response, offset)
        except E.ZouError as exc:
            if offset and exc.status in (416, 404) and not isinstance(exc, DownloadError):
                # The range does not fit the file any more (or Zou's attachment route says so with a 404
                # when the range starts at the end): start over without a range.
                raise Restart from exc
            raise
        self._finalize(item)

    async def _unchanged(self, item: DownloadItem) -> bool:
        response = await self.session.request("HEAD", item.source.path, headers={"Accept-Encoding": "identity"})
        etag = response.headers.get("etag")
        length = opt_int(response.headers.get("content-length"))
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
                raise Restart
            total = content_range[2]
            item.resumes += 1
        else:
            if offset:
                # If-Range did not match: the file changed on the server, this is the whole new file.
                item.restarts += 1
                log.info("%s changed on the server: starting over", item.name)
            offset = 0
            total = None if encoded else opt_int(h.get("content-length"))
        if item.file_name is None:
            wanted = filename_from_content_disposition(h.get("content-disposition")) or item.source.fallback_name
            self._choose_name(item, sanitize_filename(wanted, fallback=item.source.fallback_name))
            if item.status is Status.CONFLICT:
                raise Stopped
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
                raise Again
            item.received = size
        else:
            await self._stream_body(item, part, response, offset, total, encoded)
            if total is None and _close_delimited(response):
                # The end of the body was the end of the connection, and nothing said how big the file
                # is: a cut looks exactly like the end. Ask the server before calling it complete.
                total = item.total = await self._size_on_server(item, encoded)
        self._verify(item, part, total, expected)

    async def _size_on_server(self, item: DownloadItem, encoded: bool) -> int:
        """The file's size as the server states it for a one-byte range at the end of what we received
        (`Content-Range: bytes a-b/<size>`; a server ignoring ranges answers 200 with its length)."""
        url = self.session.url(item.source.path)
        if not encoded:
            start = max(item.received - 1, 0)
            headers = {"Accept-Encoding": "identity", "Range": f"bytes={start}-"}
            try:
                async with self.session.stream("GET", item.source.path, headers=headers) as response:
                    h = response.headers
                    if response.status_code == 206:
                        content_range = _parse_content_range(h.get("content-range"))
                        if content_range is not None and content_range[2] is not None:
                            return content_range[2]
                    elif response.status_code == 200 and "content-encoding" not in h:
                        length = opt_int(h.get("content-length"))
                        if length is not None:
                            return length
            except E.ZouError as exc:
                if not (exc.status == 416 and item.received == 0) or isinstance(exc, E.AuthenticationError):
                    raise
                return 0  # nothing to range over: the file is empty
        raise UnverifiableSize(
            f"{item.name}: the server sent no size and closed the connection, and would not tell the size: "
            "a complete file cannot be told from a cut one, so it was not saved. Retry later.",
            method="GET", url=url)

    async def _stream_body(self, item: DownloadItem, part: Path, response: httpx.Response, offset: int,
                           total: int | None, encoded: bool) -> None:
        writer = await PartWriter.open(part, offset, self._executor, self.flush_bytes)
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
        size = lsize(part)
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
        return fast_path.transport_settings(self.session.http, self.session.url(item.source.path))

    async def _fast_body(self, item: DownloadItem, part: Path, offset: int, total: int,
                         context: ssl.SSLContext | None, timeout: float | None) -> int | None:
        tokens, validator = self.session.tokens, item.validator
        assert tokens is not None and validator is not None
        loop = asyncio.get_running_loop()
        url = self.session.url(item.source.path)

        def progress(received: int) -> None:
            loop.call_soon_threadsafe(self._fast_progress, item, received)

        request = fast_path.FastRequest(
            url=url, part=part, offset=offset, total=total, etag=item.etag, ssl_context=context,
            timeout=timeout, fsync=self.fsync, on_progress=progress,
            headers={"Authorization": f"Bearer {tokens.access}", "User-Agent": USER_AGENT,
                     "Accept-Encoding": "identity"})
        if offset:
            request.headers.update({"Range": f"bytes={offset}-", "If-Range": validator})
        future = fast_path.start(request)
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
        except fast_path.FastPathFailed as exc:
            item.fast_failures += 1
            if request.timed_out:
                raise E.RequestTimeout(f"The server sent nothing for {timeout:.0f} s.", method="GET",
                                       url=url) from exc
            raise E.NetworkError(f"The connection to the server broke: {exc}", method="GET", url=url) from exc
        except fast_path.DiskError as exc:
            raise os_error(exc.error, part) from exc
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
                    rename_no_clobber(part, target)
                break
            except FileExistsError:
                # The name was taken while we downloaded.
                if self.conflict_policy is ConflictPolicy.ASK:
                    item.status = Status.CONFLICT
                    item.error = f"{item.file_name} already exists in {item.folder}."
                    item.error_type = "Conflict"
                    raise Stopped from None
                item.file_name = unique_name(item.file_name, lambda n: self._taken(item, n))
                target = item.target
                assert target is not None
            except OSError as exc:
                raise os_error(exc, target) from exc
        item.part_name = None
        item.overwrite = False
        item.error = item.error_type = ""

def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _close_delimited(response: httpx.Response) -> bool:
    """HTTP/1 framing by the end of the connection (no Content-Length, not chunked): h11 cannot tell a
    cut from the end there. (HTTP/2 ends a stream explicitly.)"""
    h = response.headers
    return (response.http_version.startswith("HTTP/1") and "content-length" not in h
            and "chunked" not in h.get("transfer-encoding", "").lower())


def _size_in_etag(etag: str | None) -> int | None:
    match = _WERKZEUG_ETAG.match(etag or "")
    return int(match.group(2)) if match else None


def _parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), int(match.group(2)), total

