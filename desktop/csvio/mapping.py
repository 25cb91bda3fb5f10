"""From a user's CSV to the exact headers Zou's importer reads, and the bytes to upload.

Zou matches headers by exact name (`csv.DictReader`), silently ignores the ones it does not know, and
reads assignees from `<Task type> assignations` while its own export writes a plain `Assignations`
after each task type column. Here a file's headers are matched case-insensitively (with a few common
aliases) to Zou's names, exported `Assignations` headers are renamed for re-import, and the upload is
rewritten as UTF-8 without BOM, every value quoted (Zou sniffs the delimiter; quoted values make that
unambiguous), with a map from each uploaded row back to the user's file line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from desktop.csvio.reader import CsvTable, CsvWarning
from desktop.csvio.safe import restore

ColumnRole = Literal["field", "key", "number", "descriptor", "status", "comment", "assignations"]


class ImportKind(StrEnum):
    SHOTS = "shots"
    ASSETS = "assets"
    CASTING = "casting"
    EDITS = "edits"

    @property
    def entity_type(self) -> str:
        """The `for_entity` of the task types and descriptors this import reads."""
        return {"shots": "Shot", "assets": "Asset", "edits": "Edit", "casting": ""}[self.value]


@dataclass(frozen=True)
class TargetColumn:
    name: str  # the header Zou reads
    mandatory: bool = False
    role: ColumnRole = "field"
    task_type: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} *" if self.mandatory else self.name


@dataclass(frozen=True)
class ImportContext:
    """What the destination project offers, for mapping and checks."""

    tv_show: bool = False
    task_types: tuple[str, ...] = ()  # names of the project's task types for this kind of entity
    descriptors: tuple[str, ...] = ()  # display names of the project's metadata descriptors for it
    statuses: tuple[str, ...] = ()  # task status names and short names (any case), for checks


# Written by Zou's exports but not read by its importer: mapped to "ignore" without a warning.
EXPORT_ONLY_COLUMNS = frozenset({"project", "time spent"})


def normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("_", " ")).strip().casefold()


def target_columns(kind: ImportKind, ctx: ImportContext = ImportContext()) -> list[TargetColumn]:
    """Every header Zou reads for this import, mandatory ones flagged."""
    cols: list[TargetColumn] = []
    if kind is ImportKind.CASTING:
        cols += [
            TargetColumn("Episode", role="key", aliases=("ep",)),
            TargetColumn("Parent", True, "key", aliases=("sequence", "parent name")),
            TargetColumn("Name", True, "key", aliases=("shot", "entity", "entity name")),
            TargetColumn("Asset Type", True, "key", aliases=("asset type name",)),
            TargetColumn("Asset", True, "key", aliases=("asset name",)),
            TargetColumn("Occurences", role="number", aliases=("occurrences", "nb occurences", "nb occurrences",
                                                              "count", "quantity")),
            TargetColumn("Label", aliases=("casting label",)),
        ]
        return cols
    if ctx.tv_show:
        cols.append(TargetColumn("Episode", True, "key", aliases=("ep",)))
    if kind is ImportKind.SHOTS:
        cols += [
            TargetColumn("Sequence", True, "key", aliases=("seq", "sequence name")),
            TargetColumn("Name", True, "key", aliases=("shot", "shot name")),
            TargetColumn("Description", aliases=("desc",)),
            TargetColumn("Nb Frames", role="number", aliases=("frames", "nb frames", "frame count", "nbframes")),
            TargetColumn("Frame In", role="number", aliases=("in", "frame in", "framein", "cut in")),
            TargetColumn("Frame Out", role="number", aliases=("out", "frame out", "frameout", "cut out")),
            TargetColumn("FPS", aliases=("frame rate",)),
            TargetColumn("Resolution"),
        ]
    elif kind is ImportKind.ASSETS:
        cols += [
            TargetColumn("Type", True, "key", aliases=("asset type", "entity type")),
            TargetColumn("Name", True, "key", aliases=("asset", "asset name")),
            TargetColumn("Description", aliases=("desc",)),
            TargetColumn("Resolution"),
            TargetColumn("Ready for"),
        ]
    else:  # edits
        cols += [
            TargetColumn("Name", True, "key", aliases=("edit", "edit name")),
            TargetColumn("Description", aliases=("desc",)),
        ]
    taken = {normalise_header(c.name) for c in cols}
    for name in ctx.descriptors:
        if normalise_header(name) not in taken:
            cols.append(TargetColumn(name, role="descriptor"))
            taken.add(normalise_header(name))
    for tt in ctx.task_types:
        cols += [
            TargetColumn(tt, role="status", task_type=tt),
            TargetColumn(f"{tt} comment", role="comment", task_type=tt),
            TargetColumn(f"{tt} assignations", role="assignations", task_type=tt,
                         aliases=(f"{tt} assignees", f"{tt} assignee")),
        ]
    return cols


def rename_assignations(headers: Sequence[str]) -> list[str]:
    """`[..., "Layout", "Assignations", ...]` (Zou's export) -> `[..., "Layout", "Layout assignations", ...]`."""
    out: list[str] = []
    for i, header in enumerate(headers):
        if normalise_header(header) in ("assignations", "assignees") and i > 0:
            previous = headers[i - 1].strip()
            if previous and normalise_header(previous) not in ("assignations", "assignees"):
                out.append(f"{previous} assignations")
                continue
        out.append(header)
    return out


def suggest_mapping(headers: Sequence[str], targets: Sequence[TargetColumn]) -> list[str | None]:
    """For each file column, the Zou header it maps to, or None to leave it out of the upload."""
    lookup: dict[str, str] = {}
    for t in targets:
        lookup.setdefault(normalise_header(t.name), t.name)
    for t in targets:
        for alias in t.aliases:
            lookup.setdefault(normalise_header(alias), t.name)
    used: set[str] = set()
    mapping: list[str | None] = []
    for header in rename_assignations(headers):
        target = lookup.get(normalise_header(header))
        if target is None or target in used:
            mapping.append(None)
            continue
        used.add(target)
        mapping.append(target)
    return mapping


def mapping_problems(headers: Sequence[str], mapping: Sequence[str | None],
                     targets: Sequence[TargetColumn]) -> list[CsvWarning]:
    """Missing mandatory columns and duplicates are errors; dropped columns are notes."""
    problems: list[CsvWarning] = []
    chosen = [m for m in mapping if m]
    for t in targets:
        if t.mandatory and t.name not in chosen:
            problems.append(CsvWarning(f"The mandatory column \"{t.name}\" is not mapped.", column=t.name,
                                       level="error"))
    seen: set[str] = set()
    for m in chosen:
        if m in seen:
            problems.append(CsvWarning(f"Two columns are mapped to \"{m}\".", column=m, level="error"))
        seen.add(m)
    renamed = rename_assignations(headers)
    names = {t.name for t in targets}
    for header, new, target in zip(headers, renamed, mapping, strict=False):
        if target is None and normalise_header(header) == "episode" and "Episode" not in names:
            problems.append(CsvWarning("The project is not a TV show: the Episode column is not sent.",
                                       column=header, level="info"))
        elif target is None and header.strip() and normalise_header(header) not in EXPORT_ONLY_COLUMNS:
            problems.append(CsvWarning(f"Column \"{header}\" matches nothing Zou reads: it will not be sent.",
                                       column=header, level="info"))
        elif target is not None and new != header:
            problems.append(CsvWarning(f"Column \"{header}\" (after \"{new.removesuffix(' assignations')}\") "
                                       f"is read as \"{target}\".", column=header, level="info"))
    return problems


def apply_mapping(table: CsvTable, mapping: Sequence[str | None], targets: Sequence[TargetColumn] = (), *,
                  kind: ImportKind | None = None, restore_cells: bool = True) -> CsvTable:
    """A new table with Zou's headers only, keys trimmed, and neutralising apostrophes removed."""
    keep = [(i, m) for i, m in enumerate(mapping) if m]
    roles = {t.name: t.role for t in targets}
    headers = [m for _, m in keep]
    rows: list[list[str]] = []
    restored = trimmed = 0
    for row in table.rows:
        out: list[str] = []
        for i, name in keep:
            value = row[i] if i < len(row) else ""
            if restore_cells:
                new = restore(value)
                restored += new != value
                value = new
            if roles.get(name) in ("key", "number", "status") and value != value.strip():
                value = value.strip()
                trimmed += 1
            out.append(value)
        rows.append(out)
    warnings = list(table.warnings)
    if kind is ImportKind.CASTING and "Occurences" not in headers:
        headers.append("Occurences")  # Zou needs the column; empty means 1
        for r in rows:
            r.append("")
    if restored:
        warnings.append(CsvWarning(f"{restored} value(s) began with the apostrophe a safe export adds before "
                                   "=, +, -, @: it was removed.", level="info"))
    if trimmed:
        warnings.append(CsvWarning(f"Spaces around {trimmed} name(s) were removed.", level="info"))
    return CsvTable(headers=headers, rows=rows, lines=list(table.lines), delimiter=table.delimiter,
                    encoding=table.encoding, had_bom=table.had_bom, warnings=warnings)


def encode_for_upload(headers: Sequence[str], rows: Sequence[Sequence[str]],
                      delimiter: str = ",") -> tuple[bytes, list[int]]:
    """UTF-8 without BOM, every value quoted; returns (bytes, last file line of each row).

    The line numbers are the ones Zou reports (`csv.reader.line_num`: physical lines, header = 1), so a
    row error maps back to the row, and from there to the line of the user's file.
    """
    def one(row: Sequence[str]) -> str:
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(row)
        return buf.getvalue()

    parts = [one(headers)]
    line = _physical_lines(parts[0])
    ends: list[int] = []
    for row in rows:
        text = one(row)
        line += _physical_lines(text)
        ends.append(line)
        parts.append(text)
    return "".join(parts).encode("utf-8"), ends


def _physical_lines(text: str) -> int:
    return len(io.StringIO(text, newline="").readlines())


def slug(text: str) -> str:
    """A close approximation of python-slugify's default, which Zou's casting import matches on."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
