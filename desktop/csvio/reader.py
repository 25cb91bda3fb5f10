"""Reading a CSV file a person or a spreadsheet made: encoding, delimiter, broken files.

Everything here turns a bad file into a `CsvFormatError` whose text says what is wrong and where
(line numbers are the lines a text editor shows, counting the header as line 1), or into
`CsvWarning`s for what can be read but deserves a look.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["info", "warning", "error"]

CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}
MAX_FILE_BYTES = 200 * 1024 * 1024


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


def decode_bytes(data: bytes) -> tuple[str, str, bool, list[CsvWarning]]:
    """Decode a file's bytes: returns (text, encoding, had_bom, warnings).

    UTF-8 (a BOM is stripped: Zou reads plain UTF-8 and a BOM would corrupt the first header),
    UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252 / Latin-1 with a warning.
    """
    warnings: list[CsvWarning] = []
    if not data.strip():
        raise CsvFormatError("The file is empty.")
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise CsvFormatError(f"This is not a CSV file: it looks like {what}.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", True, warnings
        except UnicodeDecodeError as exc:
            raise CsvFormatError("The file says it is UTF-16 but cannot be decoded as such.") from exc
    had_bom = data.startswith(codecs.BOM_UTF8)
    if had_bom:
        data = data[len(codecs.BOM_UTF8):]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CsvFormatError(f"This is not a text CSV file: it holds binary data (a NUL byte at byte {nul + 1}).")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        if had_bom:
            raise CsvFormatError("The file starts with a UTF-8 mark but is not valid UTF-8 "
                                 f"(byte {exc.start + 4}).") from exc
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            encoding = "latin-1"
        label = "Windows-1252" if encoding == "cp1252" else "Latin-1"
        warnings.append(CsvWarning(
            f"The file is not UTF-8 (first non-UTF-8 byte on line {line}): it was read as {label}. "
            "Check accented letters in the preview; it will be sent to Zou as UTF-8.", line=None))
    bad = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if bad > 8 and bad > len(text[:65536]) // 100:
        raise CsvFormatError("This does not look like a CSV file: it holds many control characters (binary data?).")
    return text, encoding, had_bom, warnings


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
    warns = list(warnings or [])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    prev_end = 0
    header_line = 1
    try:
        for record in reader:
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
    if headers is None:
        raise CsvFormatError("The file is empty.")
    if not any(headers):
        raise CsvFormatError(f"Line {header_line}: the header line has no column names.", header_line)
    width = len(headers)
    for pos, name in enumerate(headers):
        if not name:
            warns.append(CsvWarning(f"Column {pos + 1} has no name: it will be ignored.", line=header_line))
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
                    warnings=warns)


def read_csv_bytes(data: bytes, delimiter: str | None = None) -> CsvTable:
    text, encoding, had_bom, warnings = decode_bytes(data)
    if encoding == "utf-16" and delimiter is None and "\t" in text.split("\n", 1)[0]:
        delimiter = "\t"  # Excel's "Unicode text" is tab-separated
    return parse_csv_text(text, delimiter, encoding=encoding, had_bom=had_bom, warnings=warnings)


def read_csv_file(path: str | os.PathLike[str], delimiter: str | None = None) -> CsvTable:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CsvFormatError(f"{p.name} is too big for an import ({size // (1024 * 1024)} MB).")
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise CsvFormatError(f"{p} does not exist.") from exc
    except IsADirectoryError as exc:
        raise CsvFormatError(f"{p} is a folder, not a CSV file.") from exc
    except OSError as exc:
        raise CsvFormatError(f"Cannot read {p.name}: {exc.strerror or exc}.") from exc
    return read_csv_bytes(data, delimiter)
