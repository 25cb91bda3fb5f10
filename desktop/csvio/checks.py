"""Checks before an import: values a spreadsheet already damaged, and rows Zou would refuse.

Spreadsheets "help": `001` becomes `1`, `3-4` becomes a date, a date becomes `45123`, a long number
becomes `1.23E+15`, and a frame count becomes `48.0`. None of that can be undone from the file alone,
but it can be pointed at before Zou creates a shot named `1` next to `001`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from desktop.csvio.mapping import ImportContext, ImportKind, TargetColumn
from desktop.csvio.reader import CsvTable, CsvWarning

_DIGITS = re.compile(r"\d+\Z")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+\Z")
_DATE_LIKE = re.compile(
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[- ](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:[- ]\d{2,4})?"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[- ]\d{1,4})\Z", re.IGNORECASE)
_WHOLE_FLOAT = re.compile(r"(-?\d+)[.,]0+\Z")
_INTEGER = re.compile(r"-?\d+\Z")
MAX_PER_KIND = 20  # beyond that, one summary line per kind of problem


def _limited(found: list[CsvWarning], what: str) -> list[CsvWarning]:
    if len(found) <= MAX_PER_KIND:
        return found
    rest = len(found) - MAX_PER_KIND
    return [*found[:MAX_PER_KIND], CsvWarning(f"... and {rest} more {what}.", level=found[0].level)]


def damaged_values(table: CsvTable, columns: Sequence[str] | None = None) -> list[CsvWarning]:
    """Values that look like a spreadsheet changed them, in `columns` (default: every column)."""
    out: list[CsvWarning] = []
    names = list(columns) if columns is not None else list(table.headers)
    for name in names:
        if name not in table.headers:
            continue
        values = table.column(name)
        zeros: list[CsvWarning] = []
        padded = [v for v in values if _DIGITS.match(v) and len(v) > 1 and v.startswith("0")]
        if padded:
            width = Counter(len(v) for v in padded).most_common(1)[0][0]
            for value, line in zip(values, table.lines, strict=False):
                if _DIGITS.match(value) and len(value) < width:
                    zeros.append(CsvWarning(
                        f"{name} \"{value}\" looks like \"{value.zfill(width)}\" that lost its leading zeros "
                        f"(other rows have {width} digits, e.g. \"{padded[0]}\"): a spreadsheet turns 001 into 1.",
                        line=line, column=name))
        out += _limited(zeros, f"values without leading zeros in {name}")
        dates = [v for v in values if _DATE_LIKE.match(v.strip())]
        serials: list[CsvWarning] = []
        non_empty = [v for v in values if v.strip()]
        if dates and len(dates) * 2 >= len(non_empty):
            for value, line in zip(values, table.lines, strict=False):
                if _DIGITS.match(value) and 20000 <= int(value) <= 80000:
                    serials.append(CsvWarning(
                        f"{name} \"{value}\" looks like a date turned into a spreadsheet day number.",
                        line=line, column=name))
        out += _limited(serials, f"day numbers in {name}")
        sci = [CsvWarning(f"{name} \"{value}\" is in scientific notation: a spreadsheet rounded a long number "
                          "or an identifier.", line=line, column=name)
               for value, line in zip(values, table.lines, strict=False) if _SCIENTIFIC.match(value.strip())]
        out += _limited(sci, f"scientific notation values in {name}")
    return out


def date_like_names(table: CsvTable, columns: Sequence[str]) -> list[CsvWarning]:
    """Key values (names) shaped like dates: `3-4` or `1/2` typed in a spreadsheet became a date."""
    found: list[CsvWarning] = []
    for name in columns:
        if name not in table.headers:
            continue
        for value, line in zip(table.column(name), table.lines, strict=False):
            if _DATE_LIKE.match(value.strip()):
                found.append(CsvWarning(f"{name} \"{value}\" looks like a date: was it a name a spreadsheet "
                                        "converted?", line=line, column=name))
    return _limited(found, "date-like names")


def check_import(table: CsvTable, kind: ImportKind, targets: Sequence[TargetColumn],
                 ctx: ImportContext | None = None) -> list[CsvWarning]:
    """Checks on a mapped table (Zou's headers). Level "error" means Zou would stop at that row.

    Whole numbers written as `48.0` are fixed in place (a spreadsheet's doing; Zou refuses them).
    """
    ctx = ctx or ImportContext()
    roles = {t.name: t for t in targets}
    out: list[CsvWarning] = []
    keys = [h for h in table.headers if roles.get(h) is not None and roles[h].role == "key"]
    text_columns = [h for h in table.headers if roles.get(h) is None or roles[h].role in ("key", "descriptor")]
    out += damaged_values(table, text_columns)
    out += date_like_names(table, keys)
    mandatory = [h for h in table.headers if roles.get(h) is not None and roles[h].mandatory]
    empties: list[CsvWarning] = []
    for name in mandatory:
        for value, line in zip(table.column(name), table.lines, strict=False):
            if not value.strip():
                empties.append(CsvWarning(f"{name} is empty: Zou stops the import at this row.", line=line,
                                          column=name, level="error"))
    out += _limited(empties, "empty mandatory values")
    fixed = 0
    bad_numbers: list[CsvWarning] = []
    for pos, name in enumerate(table.headers):
        target = roles.get(name)
        if target is None or target.role != "number":
            continue
        for row, line in zip(table.rows, table.lines, strict=False):
            value = row[pos].strip()
            if not value:
                continue
            whole = _WHOLE_FLOAT.match(value)
            if whole:
                row[pos] = whole.group(1)
                fixed += 1
            elif not _INTEGER.match(value):
                bad_numbers.append(CsvWarning(f"{name} \"{value}\" is not a whole number: Zou stops the import "
                                              "at this row.", line=line, column=name, level="error"))
    out += _limited(bad_numbers, "values that are not whole numbers")
    if fixed:
        out.append(CsvWarning(f"{fixed} whole number(s) written like 48.0 were sent as 48.", level="info"))
    if ctx.statuses:
        known = {s.casefold() for s in ctx.statuses}
        unknown: list[CsvWarning] = []
        for pos, name in enumerate(table.headers):
            target = roles.get(name)
            if target is None or target.role != "status":
                continue
            for row, line in zip(table.rows, table.lines, strict=False):
                value = row[pos].strip()
                if value and value.casefold() not in known:
                    unknown.append(CsvWarning(f"{name}: no task status is named \"{value}\": Zou stops the import "
                                              "at this row.", line=line, column=name, level="error"))
        out += _limited(unknown, "unknown task statuses")
    out += duplicate_rows(table, kind)
    return out


def row_key(table: CsvTable, kind: ImportKind, index: int) -> tuple[str, ...]:
    """What identifies a row's entity for Zou (names compared as Zou compares them)."""
    row = table.rows[index]

    def get(name: str) -> str:
        return row[table.headers.index(name)].strip() if name in table.headers else ""

    if kind is ImportKind.SHOTS:
        return (get("Episode"), get("Sequence"), get("Name"))
    if kind is ImportKind.ASSETS:
        return (get("Type").casefold(), get("Name"))
    if kind is ImportKind.EDITS:
        return (get("Episode"), get("Name"))
    return (get("Episode"), get("Parent"), get("Name"), get("Asset Type"), get("Asset"))


def row_label(table: CsvTable, kind: ImportKind, index: int) -> str:
    """A short human name for a row: `SQ01 / SH010`, `Character / Hero`, `SQ01 / SH010 <- Hero`."""
    row = table.rows[index]

    def get(name: str) -> str:
        return row[table.headers.index(name)].strip() if name in table.headers else ""

    if kind is ImportKind.SHOTS:
        parts = [get("Episode"), get("Sequence"), get("Name")]
    elif kind is ImportKind.ASSETS:
        parts = [get("Type"), get("Name")]
    elif kind is ImportKind.EDITS:
        parts = [get("Episode"), get("Name")]
    else:
        return f"{' / '.join(p for p in (get('Episode'), get('Parent'), get('Name')) if p)} <- {get('Asset')}"
    return " / ".join(p for p in parts if p)


def duplicate_rows(table: CsvTable, kind: ImportKind) -> list[CsvWarning]:
    first: dict[tuple[str, ...], int] = {}
    found: list[CsvWarning] = []
    for i, line in enumerate(table.lines):
        key = row_key(table, kind, i)
        if not any(key):
            continue
        if key in first:
            found.append(CsvWarning(f"{row_label(table, kind, i)} is already on line {first[key]}: the later row "
                                    "wins with update, and is skipped without.", line=line))
        else:
            first[key] = line
    return _limited(found, "duplicate rows")
