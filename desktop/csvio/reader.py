"""Reading a CSV file a person or a spreadsheet made: encoding, delimiter, broken files.

Everything here turns a bad file into a `CsvFormatError` whose text says what is wrong and where
(line numbers are the lines a text editor shows, counting the header as line 1), or into
`CsvWarning`s for what can be read but deserves a look.

A file is read as a stream, never whole in memory as bytes or text: one pass checks the encoding
(and finds binary data), a second parses records straight from the file. Only the rows are kept, so
a file is refused past MAX_FILE_BYTES or MAX_ROWS, and the error says what the limit is. Reading a
big file takes seconds: callers on an event loop run `read_csv_file` on a worker thread
(`desktop.api.exports.csv_import.read_import_file`), with `progress` and `should_stop`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

Level = Literal["info", "warning", "error"]

CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}
# An import keeps every row in memory (a Python string per cell, ~10x the file's size) and uploads
# it 100 rows per request: 50 MB is several times the biggest production's shots or casting export.
MAX_FILE_BYTES = 50_000_000
MAX_ROWS = 1_000_000
SCAN_BYTES = 1 << 20  # the encoding pass reads this much at a time
SAMPLE_BYTES = 256 * 1024  # what the delimiter is guessed from
PROGRESS_ROWS = 4096  # progress and should_stop are checked every this many records

Progress = Callable[[int, int], None]
"""progress(bytes read, file size), called on the reading thread."""


class ReadCancelled(Exception):
    """`should_stop` said so: the caller no longer wants this file."""


class CsvFormatError(ValueError):
    """The file cannot be read as CSV. `str()` is a sentence for the user; `line` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class CsvWarning:
    message: str
    line: int | None = None
    column: str | None = None
    level: Level = "warning"

    def __str__(self) -> str:
        where = f"Line {self.line}: " if self.line is not None else ""
        return where + self.message


@dataclass
class CsvTable:
    """A parsed file: `rows[i]` comes from file line `lines[i]` (where the record starts)."""

    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str = ","
    encoding: str = "utf-8"
    had_bom: bool = False
    warnings: list[CsvWarning] = field(default_factory=list)

    @property
    def encoding_label(self) -> str:
        labels = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1", "utf-16": "UTF-16"}
        label = labels.get(self.encoding, self.encoding)
        return f"{label} with BOM (removed)" if self.had_bom else label

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    def column(self, name: str) -> list[str]:
        pos = self.headers.index(name)
        return [row[pos] if pos < len(row) else "" for row in self.rows]


# ------------------------------------------------------------------ bytes -> text
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zip file: save it as \"CSV UTF-8\" first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook: save it as \"CSV UTF-8\" first"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"  # bytes Windows-1252 leaves undefined (Latin-1 reads them)


@dataclass(frozen=True)
class _Encoding:
    name: str
    had_bom: bool
    start: int  # where the text starts (after a UTF-8 BOM; the UTF-16 codec reads its own)
    warnings: tuple[CsvWarning, ...] = ()


def _detect_encoding(fh: IO[bytes]) -> _Encoding:
    """Read the file once (SCAN_BYTES at a time) for its encoding: UTF-8 (a BOM is stripped: Zou reads
    plain UTF-8 and a BOM would corrupt the first header), UTF-16 with a BOM (Excel's "Unicode text"),
    else Windows-1252 / Latin-1 with a warning. Binary files are refused."""
    fh.seek(0)
    head = fh.read(SAMPLE_BYTES)
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise CsvFormatError(f"This is not a CSV file: it looks like {what}.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _Encoding("utf-16", True, 0)
    had_bom = head.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if had_bom else 0
    fh.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_error: tuple[int, int] | None = None  # (byte offset, line) of the first non-UTF-8 byte
    cp1252 = True
    offset = lines = 0  # bytes and newlines before the current chunk (after the BOM)
    while True:
        chunk = fh.read(SCAN_BYTES)
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise CsvFormatError("This is not a text CSV file: it holds binary data (a NUL byte at byte "
                                 f"{offset + nul + 1}).")
        if utf8_error is None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = max(exc.start - pending, 0)
                utf8_error = (offset + at, lines + chunk[:at].count(b"\n") + 1)
                if had_bom:
                    raise CsvFormatError("The file starts with a UTF-8 mark but is not valid UTF-8 "
                                         f"(byte {utf8_error[0] + 4}).") from exc
        if not chunk:
            break
        cp1252 = cp1252 and not any(b in chunk for b in _CP1252_UNDEFINED)
        offset += len(chunk)
        lines += chunk.count(b"\n")
    warnings: tuple[CsvWarning, ...] = ()
    if utf8_error is None:
        name = "utf-8"
    else:
        name = "cp1252" if cp1252 else "latin-1"
        label = "Windows-1252" if cp1252 else "Latin-1"
        warnings = (CsvWarning(
            f"The file is not UTF-8 (first non-UTF-8 byte on line {utf8_error[1]}): it was read as {label}. "
            "Check accented letters in the preview; it will be sent to Zou as UTF-8.", line=None),)
    sample = head[start:start + 65536].decode(name, errors="ignore")
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if bad > 8 and bad > len(sample) // 100:
        raise CsvFormatError("This does not look like a CSV file: it holds many control characters (binary data?).")
    return _Encoding(name, had_bom, start, warnings)


# ------------------------------------------------------------------ delimiter
def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    out: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def sniff_delimiter(text: str, candidates: tuple[str, ...] = CANDIDATE_DELIMITERS) -> str:
    """The delimiter that splits the first records into the same number (> 1) of columns.

    Scored on the header and up to 50 records: a delimiter that gives every record the header's width
    wins; ties go to `;` (Zou's), then `,`, tab, `|`. A single-column file gives `,`.
    """
    sample = text[: 256 * 1024]
    best, best_score = ",", (-1.0, 0)
    for delim in candidates:
        if delim not in sample:
            continue
        records = _records(sample, delim, 51)
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        body = records[1:] or records
        consistent = sum(1 for r in body if len(r) == width) / len(body)
        score = (consistent, width)
        if score[0] > best_score[0] or (score[0] == best_score[0] and score[1] > best_score[1]):
            best, best_score = delim, score
    return best


# ------------------------------------------------------------------ parse
def parse_csv_text(text: str, delimiter: str | None = None, *, encoding: str = "utf-8", had_bom: bool = False,
                   warnings: list[CsvWarning] | None = None) -> CsvTable:
    """Parse decoded text into a `CsvTable` (header + rows) or raise `CsvFormatError`."""
    if text.startswith("\ufeff"):
        text, had_bom = text[1:], True
    if not text.strip():
        raise CsvFormatError("The file is empty.")
    delim = delimiter or sniff_delimiter(text)
    return _parse_records(io.StringIO(text, newline=""), delim, encoding=encoding, had_bom=had_bom,
                          warnings=list(warnings or []))


def _parse_records(stream: IO[str], delim: str, *, encoding: str, had_bom: bool, warnings: list[CsvWarning],
                   tick: Callable[[], None] | None = None, max_rows: int | None = None) -> CsvTable:
    """The records of a text stream into a `CsvTable`; `tick()` every PROGRESS_ROWS records."""
    reader = csv.reader(stream, delimiter=delim, strict=True)
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    prev_end = 0
    header_line = 1
    try:
        for count, record in enumerate(reader, 1):
            if tick is not None and count % PROGRESS_ROWS == 0:
                tick()
            start = prev_end + 1
            prev_end = reader.line_num
            if not record or not any(c.strip() for c in record):
                continue  # blank lines, or separators only (Zou skips those too)
            if headers is None:
                headers = [h.strip() for h in record]
                while headers and not headers[-1]:
                    headers.pop()  # trailing separators on the header line
                header_line = start
                continue
            if max_rows is not None and len(rows) >= max_rows:
                raise CsvFormatError(f"The file has more than {max_rows:,} rows: Slate imports up to {max_rows:,} "
                                     "rows at a time. Split it into smaller files and import them one after the "
                                     "other.", start)
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        line = prev_end + 1
        text_exc = str(exc)
        if "unexpected end of data" in text_exc or "EOF" in text_exc:
            raise CsvFormatError(f"Line {line}: a quoted value starts here and is never closed "
                                 "(a missing \" ?).", line) from exc
        if "expected after" in text_exc:
            raise CsvFormatError(f"Line {line}: text follows a closing quote (a stray \" inside a quoted value?).",
                                 line) from exc
        raise CsvFormatError(f"Line {line}: {text_exc}.", line) from exc
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"Line {prev_end + 1}: the file says it is {encoding.upper()} but cannot be decoded "
                             "as such.", prev_end + 1) from exc
    if headers is None:
        raise CsvFormatError("The file is empty.")
    if not any(headers):
        raise CsvFormatError(f"Line {header_line}: the header line has no column names.", header_line)
    width = len(headers)
    for pos, name in enumerate(headers):
        if not name:
            warnings.append(CsvWarning(f"Column {pos + 1} has no name: it will be ignored.", line=header_line))
    ragged: list[int] = []
    for i, row in enumerate(rows):
        if len(row) > width:
            extra = row[width:]
            if any(c.strip() for c in extra):
                ragged.append(lines[i])
            del row[width:]
        elif len(row) < width:
            row.extend([""] * (width - len(row)))  # spreadsheets drop trailing empty cells
    if ragged:
        first = ragged[0]
        more = f" (and {len(ragged) - 1} more line{'s' if len(ragged) > 2 else ''})" if len(ragged) > 1 else ""
        raise CsvFormatError(
            f"Line {first}{more}: more values than the {width} column names of the header. A value holding the "
            f"delimiter {DELIMITER_NAMES.get(delim, delim)} without quotes, or a shifted row?", first)
    if not rows:
        raise CsvFormatError("The file has a header line but no rows.", header_line)
    return CsvTable(headers=headers, rows=rows, lines=lines, delimiter=delim, encoding=encoding, had_bom=had_bom,
                    warnings=warnings)


def read_csv_bytes(data: bytes, delimiter: str | None = None) -> CsvTable:
    """A file already in memory, read as `read_csv_file` reads one from disk."""
    return read_csv_stream(io.BytesIO(data), delimiter)


def read_csv_stream(fh: IO[bytes], delimiter: str | None = None, *, tick: Callable[[], None] | None = None,
                    max_rows: int | None = MAX_ROWS) -> CsvTable:
    """Read a seekable binary file: the encoding pass, the delimiter from the first SAMPLE_BYTES, then
    the records straight from the file."""
    enc = _detect_encoding(fh)
    fh.seek(enc.start)
    sample = codecs.getincrementaldecoder(enc.name)(errors="replace").decode(fh.read(SAMPLE_BYTES))
    if enc.name == "utf-16" and delimiter is None and "\t" in sample.split("\n", 1)[0]:
        delimiter = "\t"  # Excel's "Unicode text" is tab-separated
    delim = delimiter or sniff_delimiter(sample)
    fh.seek(enc.start)
    text = io.TextIOWrapper(fh, encoding=enc.name, newline="")
    try:
        return _parse_records(text, delim, encoding=enc.name, had_bom=enc.had_bom, warnings=list(enc.warnings),
                              tick=tick, max_rows=max_rows)
    finally:
        text.detach()  # the caller closes its file


def read_csv_file(path: str | os.PathLike[str], delimiter: str | None = None, *, progress: Progress | None = None,
                  should_stop: Callable[[], bool] | None = None, max_bytes: int = MAX_FILE_BYTES,
                  max_rows: int = MAX_ROWS) -> CsvTable:
    """Read a CSV file for an import (see the module docstring). Blocking: seconds for a big file.

    `progress(bytes read, size)` and `should_stop()` (True raises ReadCancelled) are called every
    PROGRESS_ROWS records, on the calling thread."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise CsvFormatError(f"{p.name} is {size / 1e6:.0f} MB: Slate imports CSV files up to "
                                     f"{max_bytes / 1e6:.0f} MB. Split it into smaller files and import them one "
                                     "after the other.")

            def tick() -> None:
                if should_stop is not None and should_stop():
                    raise ReadCancelled
                if progress is not None:
                    progress(min(fh.tell(), size), size)

            table = read_csv_stream(fh, delimiter, tick=tick, max_rows=max_rows)
    except FileNotFoundError as exc:
        raise CsvFormatError(f"{p} does not exist.") from exc
    except IsADirectoryError as exc:
        raise CsvFormatError(f"{p} is a folder, not a CSV file.") from exc
    except OSError as exc:
        raise CsvFormatError(f"Cannot read {p.name}: {exc.strerror or exc}.") from exc
    if progress is not None:
        progress(size, size)
    return table
