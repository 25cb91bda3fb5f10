"""Writing CSV files safely: formula cells neutralised, atomic replace, progress, nothing half-written.

The file is written under a hidden temporary name in the destination folder and renamed over the
destination only once it is complete (same folder, so the rename is atomic on every platform). Any
failure, including an exception raised by the row source or by the progress callback (that is how a
caller cancels), removes the temporary file and leaves an existing destination untouched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desktop.csvio.safe import cell_text, needs_neutralising

ProgressCallback = Callable[[int, int | None], None]
"""Called with (done, total or None). For a CSV write, `done` counts rows; for a download, bytes."""

DELIMITERS = (";", ",")
UTF8_BOM = b"\xef\xbb\xbf"


class CsvWriteError(OSError):
    """The file could not be written (folder missing, not writable, disk full). `str()` is a sentence."""


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written. The defaults are Zou's own format (`;`, UTF-8 without BOM, CRLF)."""

    delimiter: str = ";"
    bom: bool = False
    neutralise: bool = True
    line_terminator: str = "\r\n"

    def __post_init__(self) -> None:
        if len(self.delimiter) != 1 or self.delimiter in "\"'\r\n":
            raise ValueError(f"Unusable CSV delimiter: {self.delimiter!r}")


DEFAULT_FORMAT = CsvFormat()


@dataclass(frozen=True)
class WriteResult:
    path: Path
    rows: int  # header included
    bytes: int
    neutralised: int  # cells that got an apostrophe


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file at a temporary name next to `path`, renamed over `path` when the block succeeds.

    If the block raises, the temporary file is removed and `path` is left as it was.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise CsvWriteError(f"The folder {folder} does not exist.")
    if target.is_dir():
        raise CsvWriteError(f"{target} is a folder, not a file.")
    tmp = _temp_name(target)
    try:
        # O_EXCL: never reuse a stray file; 0o666 minus the umask, as a normal file would get.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise CsvWriteError(f"Cannot write in {folder}: {exc.strerror or exc}.") from exc
    done = False
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise CsvWriteError(f"Cannot replace {target}: {exc.strerror or exc}.") from exc
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                tmp.unlink()


def safe_row(row: Iterable[object], neutralise: bool = True) -> tuple[list[str], int]:
    """The cells of a row as text, neutralised; returns (cells, number of cells neutralised)."""
    cells: list[str] = []
    changed = 0
    for value in row:
        text = cell_text(value)
        if neutralise and needs_neutralising(text):
            text = "'" + text
            changed += 1
        cells.append(text)
    return cells, changed


def write_rows(fh: BinaryIO, rows: Iterable[Sequence[object]], fmt: CsvFormat = DEFAULT_FORMAT, *,
               total: int | None = None, progress: ProgressCallback | None = None,
               progress_every: int = 200) -> tuple[int, int]:
    """Write rows to an open binary file; returns (rows written, cells neutralised)."""
    if fmt.bom:
        fh.write(UTF8_BOM)
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text, delimiter=fmt.delimiter, lineterminator=fmt.line_terminator,
                            quoting=csv.QUOTE_MINIMAL, doublequote=True)
        count = neutralised = 0
        if progress is not None:
            progress(0, total)
        for row in rows:
            cells, changed = safe_row(row, fmt.neutralise)
            writer.writerow(cells)
            count += 1
            neutralised += changed
            if progress is not None and count % progress_every == 0:
                progress(count, total)
        text.flush()
        if progress is not None:
            progress(count, total if total is not None else count)
        return count, neutralised
    finally:
        text.detach()  # leave the binary file open for the caller


def write_csv(path: str | os.PathLike[str], rows: Iterable[Sequence[object]], fmt: CsvFormat = DEFAULT_FORMAT, *,
              total: int | None = None, progress: ProgressCallback | None = None,
              progress_every: int = 200) -> WriteResult:
    """Write `rows` (the header first) to `path` atomically. See the module docstring for failures."""
    target = Path(path)
    try:
        with atomic_output(target) as fh:
            count, neutralised = write_rows(fh, rows, fmt, total=total, progress=progress,
                                            progress_every=progress_every)
            size = fh.tell()
    except OSError as exc:
        if isinstance(exc, CsvWriteError):
            raise
        raise CsvWriteError(f"Cannot write {target.name}: {exc.strerror or exc}.") from exc
    return WriteResult(path=target, rows=count, bytes=size, neutralised=neutralised)
