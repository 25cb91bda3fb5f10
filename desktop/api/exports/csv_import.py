"""CSV imports into Zou.

A mapped `CsvTable` (Zou's headers, see `desktop.csvio.mapping`) is uploaded in chunks of rows as UTF-8
without BOM, so the caller gets progress and, when Zou stops at a bad row (it keeps the rows before it),
a report naming the file line, what was imported and what was not. Before that, `Imports.context` reads
what the project offers (task types, descriptors, statuses) and `Imports.plan` is the dry run.

Routes (checked against Zou 1.0.97, `zou/app/blueprints/source`):
`POST /import/csv/projects/{pid}/{shots,assets,casting,edits}[?update=true]` (multipart `file`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from desktop.api import errors as E
from desktop.api.exports.json_lists import dicts
from desktop.api.exports.worker import run_for_rows
from desktop.api.session import ZouSession
from desktop.csvio import CsvTable, ImportContext, ImportKind, ProgressCallback, encode_for_upload, row_key, row_label
from desktop.csvio.mapping import slug

IMPORT_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=120.0, pool=15.0)


@dataclass(frozen=True)
class RowFailure:
    line: int | None  # the line of the user's file; None when Zou named no row
    message: str
    label: str = ""

    def __str__(self) -> str:
        where = f"Line {self.line}" + (f" ({self.label})" if self.label else "") if self.line else "The file"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: ImportKind
    total: int
    update: bool
    imported: list[tuple[int, str]] = field(default_factory=list)  # (file line, label)
    not_imported: list[tuple[int, str]] = field(default_factory=list)
    failure: RowFailure | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)  # what Zou returned for imported rows

    @property
    def ok(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.imported)} of {self.total} row(s) imported."
        assert self.failure is not None
        text = f"{len(self.imported)} of {self.total} row(s) imported; {self.failure}."
        if self.not_imported:
            first = self.not_imported[0][0]
            text += f" Rows from line {first} on were not imported: fix the file and import again"
            text += " (rows already imported are matched by name, not duplicated)."
        return text


@dataclass
class ImportPlan:
    """The dry run: which rows create entities, which name existing ones, which Zou would skip."""

    kind: ImportKind
    new: list[int] = field(default_factory=list)  # row indexes
    existing: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)  # casting rows whose entity or asset is unknown

    def summary(self, update: bool) -> str:
        if self.kind is ImportKind.CASTING:
            text = f"{len(self.existing)} casting link(s) will be set."
            if self.unmatched:
                text += (f" {len(self.unmatched)} row(s) name a shot, asset or episode that does not exist: "
                         "Zou skips them without an error.")
            return text
        text = f"{len(self.new)} new row(s) will be created"
        if update:
            text += f"; {len(self.existing)} existing row(s) will be updated."
        elif self.existing:
            text += (f"; {len(self.existing)} row(s) already exist and will be left as they are "
                     "(choose \"update existing\" to change them).")
        else:
            text += "."
        return text


class Imports:
    """CSV imports into a project (manager of the project only: others get PermissionDenied)."""

    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def context(self, project_id: str, kind: ImportKind) -> ImportContext:
        """Task types, descriptors and statuses of the project, for mapping and checks."""
        project, task_types, statuses, descriptors = await asyncio.gather(
            self.session.get(f"/data/projects/{project_id}"), self.session.get("/data/task-types"),
            self.session.get("/data/task-status"),
            self.session.get(f"/data/projects/{project_id}/metadata-descriptors"))
        if not isinstance(project, dict):
            raise E.ProtocolError("Unexpected answer for the project.")
        in_project = set(project.get("task_types") or [])
        wanted = kind.entity_type
        names = []
        for tt in sorted(dicts(task_types), key=lambda t: (t.get("priority") or 0, str(t.get("name")))):
            for_entity = tt.get("for_entity") or "Asset"
            if tt.get("id") in in_project and for_entity == wanted and tt.get("name"):
                names.append(str(tt["name"]))
        descs = [str(d["name"]) for d in dicts(descriptors) if d.get("entity_type") == wanted and d.get("name")]
        status_names: list[str] = []
        for s in dicts(statuses):
            status_names += [str(s[k]) for k in ("name", "short_name") if s.get(k)]
        return ImportContext(tv_show=project.get("production_type") == "tvshow", task_types=tuple(names),
                             descriptors=tuple(descs), statuses=tuple(status_names))

    async def plan(self, project_id: str, kind: ImportKind, table: CsvTable, *, tv_show: bool) -> ImportPlan:
        """Compare the rows with what the project holds (names compared as Zou compares them)."""
        plan = ImportPlan(kind=kind)
        have: set[tuple[str, ...]]
        if kind is ImportKind.ASSETS:
            assets, types = await asyncio.gather(self.session.get(f"/data/projects/{project_id}/assets"),
                                                 self.session.get("/data/asset-types"))
            type_names = {t.get("id"): str(t.get("name") or "") for t in dicts(types)}
            have = {(type_names.get(a.get("entity_type_id"), "").casefold(), str(a.get("name")))
                    for a in dicts(assets)}
        elif kind is ImportKind.EDITS:
            edits, episodes = await asyncio.gather(self.session.get(f"/data/projects/{project_id}/edits"),
                                                   self.session.get(f"/data/projects/{project_id}/episodes"))
            ep_names = {e.get("id"): str(e.get("name")) for e in dicts(episodes)}
            have = {(ep_names.get(e.get("parent_id"), "") if tv_show else "", str(e.get("name")))
                    for e in dicts(edits)}
        else:
            shots, sequences, episodes = await asyncio.gather(
                self.session.get(f"/data/projects/{project_id}/shots"),
                self.session.get(f"/data/projects/{project_id}/sequences"),
                self.session.get(f"/data/projects/{project_id}/episodes"))
            ep_names = {e.get("id"): str(e.get("name")) for e in dicts(episodes)}
            seqs = {s.get("id"): (ep_names.get(s.get("parent_id"), "") if tv_show else "", str(s.get("name")))
                    for s in dicts(sequences)}
            have = {(*seqs.get(s.get("parent_id"), ("", "")), str(s.get("name"))) for s in dicts(shots)}
            if kind is ImportKind.CASTING:
                await self._plan_casting(project_id, table, plan, have, set(ep_names.values()))
                return plan
        plan.existing, plan.new = await run_for_rows(len(table.rows), _split_known, table, kind, tv_show, have)
        return plan

    async def _plan_casting(self, project_id: str, table: CsvTable, plan: ImportPlan,
                            shots: set[tuple[str, ...]], episodes: set[str]) -> None:
        assets, types = await asyncio.gather(self.session.get(f"/data/projects/{project_id}/assets"),
                                             self.session.get("/data/asset-types"))
        type_names = {t.get("id"): str(t.get("name") or "") for t in dicts(types)}
        asset_keys = {slug(type_names.get(a.get("entity_type_id"), "") + str(a.get("name"))) for a in dicts(assets)}
        target_keys = {slug("".join(k)) for k in shots} | asset_keys | {slug(f"episode{e}") for e in episodes}
        target_keys |= {slug(e) for e in episodes}
        plan.existing, plan.unmatched = await run_for_rows(len(table.rows), _split_casting, table, target_keys,
                                                           asset_keys)

    async def run(self, project_id: str, kind: ImportKind, table: CsvTable, *, update: bool = False,
                  chunk_rows: int = 100, progress: ProgressCallback | None = None,
                  file_name: str = "import.csv") -> ImportReport:
        """Upload the (mapped) table; `progress(rows done, total rows)`.

        Raises PermissionDenied (not a manager of the project), SessionExpired, NetworkError before
        anything is imported; afterwards every failure is reported in the returned `ImportReport`.
        """
        report = ImportReport(kind=kind, total=len(table.rows), update=update)
        path = f"/import/csv/projects/{project_id}/{kind.value}"
        params = {"update": "true"} if update else None
        labels = await run_for_rows(len(table.rows), _labels, table, kind)
        if progress is not None:
            progress(0, report.total)
        for start in range(0, len(table.rows), max(1, chunk_rows)):
            stop = min(start + chunk_rows, len(table.rows))
            body, ends = encode_for_upload(table.headers, table.rows[start:stop])
            try:
                data = await self.session.call("POST", path, params=params, timeout=IMPORT_TIMEOUT,
                                               files={"file": (file_name, body, "text/csv")})
            except E.ValidationError as exc:
                failed = start + _failed_index(exc.body, ends)
                report.imported += [(table.lines[i], labels[i]) for i in range(start, failed)]
                report.not_imported = [(table.lines[i], labels[i]) for i in range(failed, len(table.rows))]
                row_err = isinstance(exc.body, dict) and "line_number" in exc.body
                report.failure = RowFailure(line=table.lines[failed] if row_err else None,
                                            message=_sentence(E.message_from_body(exc.body) or str(exc)),
                                            label=labels[failed] if row_err else "")
                return report
            except E.ZouError as exc:
                if start == 0:
                    raise
                report.not_imported = [(table.lines[i], labels[i]) for i in range(start, len(table.rows))]
                report.failure = RowFailure(line=table.lines[start], label=labels[start], message=(
                    f"{_sentence(str(exc))} The rows before this line were imported; this chunk of "
                    f"{stop - start} row(s) may be partly imported"))
                return report
            if isinstance(data, list):
                report.entities += [d for d in data if isinstance(d, dict)]
            report.imported += [(table.lines[i], labels[i]) for i in range(start, stop)]
            if progress is not None:
                progress(stop, report.total)
        return report


# The per-row work of a plan and a report: a loop over every row, off the event loop for a big table.
def _split_known(table: CsvTable, kind: ImportKind, tv_show: bool, have: set[tuple[str, ...]]
                 ) -> tuple[list[int], list[int]]:
    """(rows naming an existing entity, new rows), names compared as Zou compares them."""
    existing: list[int] = []
    new: list[int] = []
    for i in range(len(table.rows)):
        key = row_key(table, kind, i)
        if kind is ImportKind.SHOTS and not tv_show:
            key = ("", *key[1:])
        if kind is ImportKind.EDITS and not tv_show:
            key = ("", key[1])
        (existing if key in have else new).append(i)
    return existing, new


def _split_casting(table: CsvTable, target_keys: set[str], asset_keys: set[str]) -> tuple[list[int], list[int]]:
    """(casting rows whose entity and asset exist, rows Zou skips)."""
    existing: list[int] = []
    unmatched: list[int] = []
    for i in range(len(table.rows)):
        episode, parent, name, asset_type, asset = row_key(table, ImportKind.CASTING, i)
        episode = "" if episode == "MP" else episode
        target = slug(f"{episode}{parent}{name}") in target_keys or slug(f"{parent}{name}") in target_keys
        ok = target and slug(f"{asset_type}{asset}") in asset_keys
        (existing if ok else unmatched).append(i)
    return existing, unmatched


def _labels(table: CsvTable, kind: ImportKind) -> list[str]:
    return [row_label(table, kind, i) for i in range(len(table.rows))]


def _failed_index(body: Any, ends: Sequence[int]) -> int:
    """Which uploaded row Zou stopped at: by its line number, else by its count of imported rows."""
    if isinstance(body, dict):
        line = body.get("line_number")
        if isinstance(line, int):
            for i, end in enumerate(ends):
                if end >= line:
                    return i
        imported = body.get("imported_rows")
        if isinstance(imported, int) and 0 <= imported < len(ends):
            return imported
    return 0


def _sentence(text: str) -> str:
    return text.strip().rstrip(".")
