"""The `.part` file: where the bytes of a transfer go until it is complete, and the rename that gives it
its real name.

Opened without following symlinks, appended in order without blocking the event loop for long
(`PartWriter`), and renamed only with a call that never replaces an existing file
(`rename_no_clobber`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import time
from collections import deque
from pathlib import Path

from desktop.api.downloads.errors import DownloadError, os_error

log = logging.getLogger(__name__)

FLUSH_BYTES = 4 << 20  # hand the writer thread 4 MiB at a time


def _open_part(path: Path, offset: int) -> int:
    # O_NOFOLLOW: a planted symlink named like our .part must not redirect the write elsewhere.
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise os_error(exc, path) from exc
    try:
        os.ftruncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
    except OSError as exc:
        os.close(fd)
        raise os_error(exc, path) from exc
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
        raise os_error(exc, path) from exc


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _fsync(fd: int, path: Path) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        raise os_error(exc, path) from exc


class PartWriter:
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
                   flush_bytes: int = FLUSH_BYTES) -> PartWriter:
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


def rename_no_clobber(src: Path, dst: Path) -> None:
    """Atomically give `src` the name `dst`; FileExistsError if `dst` exists (never replaced)."""
    if os.name == "nt":
        os.rename(src, dst)  # refuses an existing destination
        return
    try:
        os.link(src, dst)  # atomic, and fails if dst exists (even a dangling symlink)
    except FileExistsError:
        raise
    except OSError:
        # File systems without hard links (FAT, some SMB mounts).
        _claim_then_replace(src, dst)
        return
    os.unlink(src)


def _claim_then_replace(src: Path, dst: Path) -> None:
    """`rename_no_clobber` without hard links.

    Checking that `dst` is free and then renaming leaves a window in which a file another program
    creates is replaced. Instead the name is claimed with an exclusive create, which is atomic (it fails
    if anything has the name, even a dangling symlink), and the rename replaces only our own empty
    placeholder. If the rename fails, the placeholder is removed (when it is still ours).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(dst, flags, 0o600)  # FileExistsError when the name is taken
    try:
        claimed = os.fstat(fd)
    finally:
        os.close(fd)
    try:
        os.replace(src, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            st = os.lstat(dst)
            if (st.st_dev, st.st_ino) == (claimed.st_dev, claimed.st_ino) and st.st_size == 0:
                os.unlink(dst)
        raise


def lsize(path: Path) -> int:
    """The size of the file at `path` without following a symlink (0 for a symlink or nothing)."""
    try:
        st = os.lstat(path)
    except OSError:  # missing, or the folder is not a folder any more
        return 0
    return st.st_size if not os.path.islink(path) else 0

