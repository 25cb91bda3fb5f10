"""What can go wrong with a download besides an HTTP error, and the signals a transfer uses inside.

The public errors are `ZouError`s, so the UI shows them like any other API error; `Restart`, `Stopped`
and `Again` never leave the package: they steer one transfer's loop (`transfer.Transfers`).
"""

from __future__ import annotations

import errno
from pathlib import Path

from desktop.api import errors as E


class DownloadError(E.ZouError):
    """A download failed for a reason of its own (disk, folder, integrity), not an HTTP error."""


class DiskFull(DownloadError):
    """Not enough free space in the target folder (checked first, or the disk filled up while writing)."""


class FolderNotWritable(DownloadError):
    """The target folder cannot be created or written to."""


class IntegrityError(DownloadError):
    """The bytes received do not add up (short, long, or a range that does not match): not saved."""


class UnverifiableSize(DownloadError):
    """The answer had no size and ended with the connection, and the server would not tell the size:
    a complete file cannot be told from a cut one, so nothing is saved under the real name."""


class NotAFile(DownloadError):
    """The server answered success but sent no file (202 "still processing", 204...)."""


class Restart(Exception):
    """The server's file changed (or the range answer did not fit): throw the .part away and start over."""


class Stopped(Exception):
    """The attempt ended without a file: the item is now waiting for a decision (conflict)."""


class Again(Exception):
    """Try again at once, the slow way (the fast path could not be used)."""


RETRYABLE: tuple[type[Exception], ...] = (E.NetworkError, E.ServerError, E.ProtocolError, IntegrityError)



def os_error(exc: OSError, path: Path) -> DownloadError:
    """An OSError met while writing `path`, as the sentence the user reads (the disk, the folder)."""
    folder = path.parent
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG):
        return DiskFull(f"The disk is full: {folder} has no space left ({exc.strerror}). "
                        "The partial file is kept; free some space and retry.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return FolderNotWritable(f"Cannot write to {folder}: {exc.strerror}.")
    return FolderNotWritable(f"Cannot write {path.name} in {folder}: {exc.strerror or exc}.")


def describe(exc: BaseException) -> str:
    """The text an item shows for its last error."""
    if isinstance(exc, E.ZouError):
        return exc.message
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or exc.__class__.__name__

