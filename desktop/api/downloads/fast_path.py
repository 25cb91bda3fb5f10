"""The body of a big download, read on a worker thread with the standard library: the fast path.

Why: httpx's async stack copies every byte twice in h11's receive buffer and pays asyncio/anyio costs
per read. Measured on loopback against the real Zou, a bare httpx async loop (even with 1 MiB reads)
spends ~1.2 CPU-s per GiB, `http.client` with `readinto` into one reusable buffer ~0.5 CPU-s (file
write included), about what gazu (requests, `shutil.copyfileobj`) spends: the async loop cannot keep
up with gazu, and it keeps the Qt event loop busy for the whole transfer.

What stays with the session: the first request of every attempt goes through `ZouSession.stream`
(token refresh, typed errors, the name, the ETag, the free-space check). Only when that answer is good
and the rest of the file is big does the manager close it unread and fetch the body here, with the
same token, TLS context and read timeout:

* a fresh download is a plain GET (Zou answers it with sendfile; a range goes through werkzeug's
  Python range wrapper, ~40 % slower on loopback), accepted only if it is the same file (ETag and
  Content-Length of the first answer);
* a resumed one asks for the rest with `Range` + `If-Range`, accepted only as the matching 206.

Anything unexpected before the first body byte makes `fetch` return None and the manager streams the
file through the session instead; a failure mid-body leaves a consistent `.part` to resume from.
Never used through an HTTP proxy (httpx would use it; `http.client` would not).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# One reusable buffer: readinto, write, repeat. 64 KiB, like shutil.copyfileobj: measured fastest on loopback
# (a bigger readinto waits until the buffered reader has filled it all before the write can start, and
# the buffer falls out of the CPU cache between the two copies: 256 KiB was ~35 % slower, 1 MiB worse).
BUFFER_BYTES = 64 << 10
# With fsync on, start the disk writes while the download runs (Linux: fadvise DONTNEED on written
# ranges begins their writeback), so the final fsync does not wait for a whole file's worth at once.
WRITEBACK_EVERY = 32 << 20
_FADVISE = getattr(os, "posix_fadvise", None)
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", None)
PROGRESS_EVERY = 0.2


class FastPathFailed(Exception):
    """The transfer broke mid-body (connection, timeout): the .part holds everything written."""


class DiskError(Exception):
    """Writing the .part failed; `error` is the OSError."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class FastRequest:
    url: str
    headers: dict[str, str]
    part: Path
    offset: int
    total: int
    etag: str | None
    ssl_context: ssl.SSLContext | None
    timeout: float | None
    fsync: bool
    on_progress: Callable[[int], None]  # called on the worker thread with the bytes in the .part
    stop: threading.Event = field(default_factory=threading.Event)
    _sock: socket.socket | None = None
    # When bytes last arrived (monotonic). The body is read from a blocking socket (a socket timeout
    # costs a poll per read: ~2x the CPU); the caller's watchdog aborts when this gets too old.
    last_activity: float = field(default_factory=time.monotonic)
    timed_out: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def abort(self, *, timed_out: bool = False) -> None:
        """From any thread: stop now, even inside a blocking read (the socket is shut down)."""
        self.timed_out = self.timed_out or timed_out
        self.stop.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def transport_settings(client: httpx.AsyncClient, url: str) -> tuple[ssl.SSLContext | None, float | None] | None:
    """(TLS context, read timeout) the session's client uses for `url`, or None when the fast path must
    not be used (a proxy, a custom transport, or an https URL whose TLS context cannot be found)."""
    if getattr(client, "_mounts", None):
        return None  # proxies (from the environment or configured): http.client would bypass them
    transport = getattr(client, "_transport", None)
    if not isinstance(transport, httpx.AsyncHTTPTransport):
        return None
    context = getattr(getattr(transport, "_pool", None), "_ssl_context", None)
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "https" and not isinstance(context, ssl.SSLContext):
        return None
    if scheme not in ("http", "https"):
        return None
    read = client.timeout.read
    return (context if scheme == "https" else None), read


def start(request: FastRequest) -> Future[int | None]:
    """Run `fetch` on its own thread (a long transfer must not hold a shared pool's worker)."""
    future: Future[int | None] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fetch(request))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="slate-download-body", daemon=True).start()
    return future


def _content_range(value: str | None) -> tuple[int, int] | None:
    if not value or not value.lower().startswith("bytes "):
        return None
    span, _, total = value[6:].partition("/")
    start, _, _end = span.partition("-")
    try:
        return int(start), int(total)
    except ValueError:
        return None


def fetch(request: FastRequest) -> int | None:
    """Append the file from `offset` to the .part; the .part's size at the end, or None if unusable."""
    parts = urllib.parse.urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=request.timeout,
                                           context=request.ssl_context)
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=request.timeout)
    try:
        try:
            if request.stop.is_set():
                return None
            conn.request("GET", target, headers=request.headers)
            # Kept: getresponse() drops conn.sock when the answer says "Connection: close".
            with request._lock:
                request._sock = conn.sock
            if request.stop.is_set():
                raise FastPathFailed("stopped")
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            if request.stop.is_set():
                raise FastPathFailed("stopped") from exc
            return None  # could not even get an answer: let the session's stream handle it
        if request.offset:
            usable = (response.status == 206
                      and _content_range(response.getheader("content-range")) == (request.offset, request.total))
        else:
            usable = response.status == 200 and response.getheader("content-length") == str(request.total)
        if (not usable or (request.etag and response.getheader("etag") != request.etag)
                or response.getheader("content-encoding", "identity").lower() not in ("", "identity")):
            return None
        if request._sock is not None:
            request._sock.settimeout(None)  # blocking reads; the watchdog stands for the read timeout
        return _copy(request, response)
    finally:
        with request._lock:
            request._sock = None
        conn.close()


def _copy(request: FastRequest, response: http.client.HTTPResponse) -> int:
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(request.part, flags, 0o644)
    except OSError as exc:
        raise DiskError(exc) from exc
    written = request.offset
    try:
        try:
            os.ftruncate(fd, request.offset)
            os.lseek(fd, request.offset, os.SEEK_SET)
        except OSError as exc:
            raise DiskError(exc) from exc
        buffer = bytearray(BUFFER_BYTES)
        view = memoryview(buffer)
        last = time.monotonic()
        flushed = request.offset
        while written < request.total and not request.stop.is_set():
            try:
                n = response.readinto(view)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if request.timed_out:
                    raise FastPathFailed("no data from the server for too long") from exc
                raise FastPathFailed(str(exc) or exc.__class__.__name__) from exc
            if not n:
                if request.timed_out:
                    raise FastPathFailed("no data from the server for too long")
                raise FastPathFailed(f"the server closed the connection after {written} of {request.total} bytes")
            chunk = view[:n]
            try:
                while chunk:
                    chunk = chunk[os.write(fd, chunk):]
            except OSError as exc:
                raise DiskError(exc) from exc
            written += n
            if request.fsync and written - flushed >= WRITEBACK_EVERY and _FADVISE is not None \
                    and _DONTNEED is not None:
                with contextlib.suppress(OSError):
                    _FADVISE(fd, flushed, written - flushed, _DONTNEED)
                flushed = written
            now = request.last_activity = time.monotonic()
            if now - last >= PROGRESS_EVERY:
                last = now
                request.on_progress(written)
        if written < request.total:  # stopped: paused, cancelled, or the watchdog gave up
            raise FastPathFailed("no data from the server for too long" if request.timed_out else "stopped")
        if request.fsync:
            try:
                os.fsync(fd)
            except OSError as exc:
                raise DiskError(exc) from exc
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    request.on_progress(written)
    return written
