"""CSV exports from Zou to disk, CSV imports into Zou, and playlists (reads).

Exports: the body Zou sends is streamed into a spool (memory, then a temporary file past 16 MB), then
re-written through `desktop.csvio.write_csv`: formula cells neutralised, the delimiter and BOM the user
chose, written under a temporary name and renamed when complete. Nothing reaches the destination when
the server refuses (the session raises before any byte is read), the connection breaks, or the body
is not CSV. `raw=True` keeps Zou's bytes exactly (still atomic).

Imports: a mapped `CsvTable` (Zou's headers, see `desktop.csvio.mapping`) is uploaded in chunks of rows
as UTF-8 without BOM, so the caller gets progress and, when Zou stops at a bad row (it keeps the rows
before it), a report naming the file line, what was imported and what was not.

Playlists: the project's (or an episode's) playlists in Zou's order (most recently updated first,
fetched through Zou's 20-per-page pagination), and one playlist's entries in their stored order with
entity names, task type, revision and preview id.

Routes (checked against Zou 1.0.97, `zou/app/blueprints/export`, `source`, `playlists`):
`/export/csv/projects/{pid}/{shots,assets,casting,edits}.csv`, `/export/csv/playlists/{id}` (no suffix),
`/export/csv/{tasks,time-spents,persons,projects,task-types}.csv`,
`POST /import/csv/projects/{pid}/{shots,assets,casting,edits}[?update=true]` (multipart `file`),
`/data/projects/{pid}/playlists`, `/data/projects/{pid}/episodes/{eid|main|all}/playlists`,
`/data/projects/{pid}/playlists/{id}`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import functools
import io
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import httpx

from desktop.api import errors as E
from desktop.api.session import ZouSession
from desktop.csvio import (
    CsvFormat,
    CsvTable,
    CsvWriteError,
    ImportContext,
    ImportKind,
    ProgressCallback,
    atomic_output,
    encode_for_upload,
    row_key,
    row_label,
    write_csv,
)
from desktop.csvio.mapping import slug

log = logging.getLogger(__name__)
# File writing runs on plain Python threads of our own, not on the loop's default executor: under qasync
# that one is made of QThreads, which Qt reports (or aborts on) when the app exits with them alive.
_WORKERS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="slate-csv")


async def run_in_worker[**P, T](fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking file work off the event loop (CSV writing, big parsing)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKERS, functools.partial(fn, *args, **kwargs))

ProjectExport = Literal["shots", "assets", "casting", "edits"]
GlobalExport = Literal["tasks", "time-spents", "persons", "projects", "task-types"]
PROJECT_EXPORTS: tuple[ProjectExport, ...] = ("shots", "assets", "casting", "edits")
GLOBAL_EXPORTS: tuple[GlobalExport, ...] = ("tasks", "time-spents", "persons", "projects", "task-types")
ZOU_DELIMITER = ";"
ZOU_FORMAT = CsvFormat()  # ";", UTF-8 without BOM, formula cells neutralised
SPOOL_MAX = 16 * 1024 * 1024
PLAYLIST_PAGE_SIZE = 20  # Zou's PLAYLISTS_PAGE_SIZE
IMPORT_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=120.0, pool=15.0)
EXPORT_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=60.0, pool=15.0)


def project_export_path(project_id: str, kind: ProjectExport) -> str:
    if kind not in PROJECT_EXPORTS:
        raise ValueError(f"Unknown project export: {kind}")
    return f"/export/csv/projects/{project_id}/{kind}.csv"


def global_export_path(kind: GlobalExport) -> str:
    if kind not in GLOBAL_EXPORTS:
        raise ValueError(f"Unknown export: {kind}")
    return f"/export/csv/{kind}.csv"


def playlist_export_path(playlist_id: str) -> str:
    return f"/export/csv/playlists/{playlist_id}"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # records written, header lines included
    bytes: int
    neutralised: int
    source_bytes: int  # what Zou sent
    note: str = ""  # e.g. why the file was built locally


# ======================================================================== exports
class Exports:
    """Server CSV exports written to disk (see the module docstring)."""

    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def project_csv(self, project_id: str, kind: ProjectExport, out: str | Path,
                          fmt: CsvFormat = ZOU_FORMAT, *, episode_id: str | None = None,
                          asset_casting: bool = False, progress: ProgressCallback | None = None,
                          raw: bool = False) -> ExportResult:
        """Shots, assets, casting or edits of a project, as Zou exports them.

        `casting` is the shots' casting (`is_shot_casting=true`); `asset_casting=True` gives what Zou
        exports by default instead: assets cast in assets. `episode_id` narrows to an episode (an id,
        or for casting `main` / `all`).
        """
        params: dict[str, str] = {}
        if episode_id:
            params["episode_id"] = episode_id
        if kind == "casting" and not asset_casting:
            params["is_shot_casting"] = "true"
        return await self.download(project_export_path(project_id, kind), out, fmt, params=params,
                                   progress=progress, raw=raw)

    async def global_csv(self, kind: GlobalExport, out: str | Path, fmt: CsvFormat = ZOU_FORMAT, *,
                         progress: ProgressCallback | None = None, raw: bool = False) -> ExportResult:
        """Studio-wide exports; Zou allows them to managers and admins only (others get PermissionDenied)."""
        return await self.download(global_export_path(kind), out, fmt, progress=progress, raw=raw)

    async def playlist_csv(self, playlist_id: str, out: str | Path, fmt: CsvFormat = ZOU_FORMAT, *,
                           project_id: str | None = None, progress: ProgressCallback | None = None,
                           raw: bool = False) -> ExportResult:
        """A playlist as Zou exports it (three title lines, then one row per entry).

        Zou 1.0.97 fails (HTTP 500) on a playlist holding an entry without a preview. When that happens
        and `project_id` is given, the same columns are built from the playlist's data instead, and
        `ExportResult.note` says so.
        """
        try:
            return await self.download(playlist_export_path(playlist_id), out, fmt, progress=progress, raw=raw)
        except E.ServerError:
            if project_id is None:
                raise
            log.info("playlist export failed on the server; building it locally")
        detail = await Playlists(self.session).playlist(project_id, playlist_id)
        rows = await PlaylistCsvBuilder(self.session).rows(detail)
        result = await run_in_worker(write_csv, out, rows, fmt, total=len(rows))
        return ExportResult(path=result.path, rows=result.rows, bytes=result.bytes, neutralised=result.neutralised,
                            source_bytes=0, note="Zou could not export this playlist (an entry has no preview): "
                                                 "Slate built the file from the playlist's data.")

    async def download(self, path: str, out: str | Path, fmt: CsvFormat = ZOU_FORMAT, *,
                       params: Mapping[str, str] | None = None, progress: ProgressCallback | None = None,
                       raw: bool = False) -> ExportResult:
        """Stream `path` and write it to `out` (atomically). `progress(bytes, total or None)`."""
        target = Path(out)
        if not target.parent.is_dir():
            raise CsvWriteError(f"The folder {target.parent} does not exist.")
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
        try:
            received = 0
            async with self.session.stream("GET", path, params=dict(params or {}),
                                           timeout=EXPORT_TIMEOUT) as response:
                ctype = response.headers.get("content-type", "")
                if "html" in ctype or "json" in ctype:
                    raise E.ProtocolError(f"The server sent {ctype.split(';')[0]} instead of a CSV file.",
                                          status=response.status_code, url=str(response.request.url))
                declared = response.headers.get("content-length")
                total = int(declared) if declared and declared.isdigit() else None
                if progress is not None:
                    progress(0, total)
                async for chunk in response.aiter_bytes(1 << 16):
                    spool.write(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(received, total)
            if total is not None and received != total:
                raise E.NetworkError(f"The export was cut: {received} of {total} bytes arrived.")
            spool.seek(0)
            result = await run_in_worker(_rewrite_export, spool, target, fmt, raw)
        finally:
            spool.close()
        if progress is not None:
            progress(received, received)
        return ExportResult(path=result[0], rows=result[1], bytes=result[2], neutralised=result[3],
                            source_bytes=received)


def _rewrite_export(spool: IO[bytes], target: Path, fmt: CsvFormat, raw: bool) -> tuple[Path, int, int, int]:
    if raw:
        with atomic_output(target) as fh:
            shutil.copyfileobj(spool, fh)
            size = fh.tell()
        return target, 0, size, 0
    head = spool.read(3)
    if head != b"\xef\xbb\xbf":
        spool.seek(0)
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        reader = csv.reader(text, delimiter=ZOU_DELIMITER)
        try:
            result = write_csv(target, reader, fmt)
        except UnicodeDecodeError as exc:
            raise E.ProtocolError("The export from the server is not valid UTF-8.") from exc
        except csv.Error as exc:
            raise E.ProtocolError(f"The export from the server is not valid CSV: {exc}.") from exc
    finally:
        text.detach()
    return result.path, result.rows, result.bytes, result.neutralised


# ======================================================================== imports
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
        for tt in sorted(_dicts(task_types), key=lambda t: (t.get("priority") or 0, str(t.get("name")))):
            for_entity = tt.get("for_entity") or "Asset"
            if tt.get("id") in in_project and for_entity == wanted and tt.get("name"):
                names.append(str(tt["name"]))
        descs = [str(d["name"]) for d in _dicts(descriptors) if d.get("entity_type") == wanted and d.get("name")]
        status_names: list[str] = []
        for s in _dicts(statuses):
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
            type_names = {t.get("id"): str(t.get("name") or "") for t in _dicts(types)}
            have = {(type_names.get(a.get("entity_type_id"), "").casefold(), str(a.get("name")))
                    for a in _dicts(assets)}
        elif kind is ImportKind.EDITS:
            edits, episodes = await asyncio.gather(self.session.get(f"/data/projects/{project_id}/edits"),
                                                   self.session.get(f"/data/projects/{project_id}/episodes"))
            ep_names = {e.get("id"): str(e.get("name")) for e in _dicts(episodes)}
            have = {(ep_names.get(e.get("parent_id"), "") if tv_show else "", str(e.get("name")))
                    for e in _dicts(edits)}
        else:
            shots, sequences, episodes = await asyncio.gather(
                self.session.get(f"/data/projects/{project_id}/shots"),
                self.session.get(f"/data/projects/{project_id}/sequences"),
                self.session.get(f"/data/projects/{project_id}/episodes"))
            ep_names = {e.get("id"): str(e.get("name")) for e in _dicts(episodes)}
            seqs = {s.get("id"): (ep_names.get(s.get("parent_id"), "") if tv_show else "", str(s.get("name")))
                    for s in _dicts(sequences)}
            have = {(*seqs.get(s.get("parent_id"), ("", "")), str(s.get("name"))) for s in _dicts(shots)}
            if kind is ImportKind.CASTING:
                await self._plan_casting(project_id, table, plan, have, set(ep_names.values()))
                return plan
        for i in range(len(table.rows)):
            key = row_key(table, kind, i)
            if kind is ImportKind.SHOTS and not tv_show:
                key = ("", *key[1:])
            if kind is ImportKind.EDITS and not tv_show:
                key = ("", key[1])
            (plan.existing if key in have else plan.new).append(i)
        return plan

    async def _plan_casting(self, project_id: str, table: CsvTable, plan: ImportPlan,
                            shots: set[tuple[str, ...]], episodes: set[str]) -> None:
        assets, types = await asyncio.gather(self.session.get(f"/data/projects/{project_id}/assets"),
                                             self.session.get("/data/asset-types"))
        type_names = {t.get("id"): str(t.get("name") or "") for t in _dicts(types)}
        asset_keys = {slug(type_names.get(a.get("entity_type_id"), "") + str(a.get("name"))) for a in _dicts(assets)}
        target_keys = {slug("".join(k)) for k in shots} | asset_keys | {slug(f"episode{e}") for e in episodes}
        target_keys |= {slug(e) for e in episodes}
        for i in range(len(table.rows)):
            episode, parent, name, asset_type, asset = row_key(table, ImportKind.CASTING, i)
            episode = "" if episode == "MP" else episode
            target = slug(f"{episode}{parent}{name}") in target_keys or slug(f"{parent}{name}") in target_keys
            ok = target and slug(f"{asset_type}{asset}") in asset_keys
            (plan.existing if ok else plan.unmatched).append(i)

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
        labels = [row_label(table, kind, i) for i in range(len(table.rows))]
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


def _dicts(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


# ======================================================================== playlists
@dataclass(frozen=True)
class Playlist:
    id: str
    name: str
    project_id: str
    episode_id: str | None
    task_type_id: str | None
    for_client: bool
    for_entity: str  # shot, asset, sequence, edit, episode
    is_for_all: bool
    created_at: str
    updated_at: str
    first_preview_file_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Playlist:
        def s(key: str) -> str:
            v = d.get(key)
            return v if isinstance(v, str) else ""

        return cls(id=s("id"), name=s("name"), project_id=s("project_id"), episode_id=s("episode_id") or None,
                   task_type_id=s("task_type_id") or None, for_client=bool(d.get("for_client")),
                   for_entity=s("for_entity") or "shot", is_for_all=bool(d.get("is_for_all")),
                   created_at=s("created_at"), updated_at=s("updated_at"),
                   first_preview_file_id=s("first_preview_file_id") or None, raw=dict(d))


@dataclass(frozen=True)
class PlaylistEntry:
    entity_id: str
    entity_name: str  # as Zou names it in exports: "SQ01 / SH010", "Character / Hero"
    entity_type: str  # Shot, Asset, Sequence, Episode, Edit
    nb_frames: int
    preview_file_id: str | None
    revision: int | None
    extension: str
    task_id: str | None
    task_type_id: str | None
    task_type_name: str
    preview_status: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PlaylistDetail:
    playlist: Playlist
    entries: tuple[PlaylistEntry, ...]

    def preview_ids(self) -> list[str]:
        """Preview ids of the entries, in playlist order, without duplicates."""
        seen: dict[str, None] = {}
        for e in self.entries:
            if e.preview_file_id:
                seen.setdefault(e.preview_file_id, None)
        return list(seen)


class Playlists:
    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def playlists(self, project_id: str, episode_id: str | None = None) -> list[Playlist]:
        """All playlists of the project (or of an episode id, `main` or `all`), most recently updated first."""
        path = (f"/data/projects/{project_id}/episodes/{episode_id}/playlists" if episode_id
                else f"/data/projects/{project_id}/playlists")
        out: dict[str, Playlist] = {}
        page = 1
        while True:
            data = await self.session.get(path, params={"page": page})
            items = _dicts(data)
            for item in items:
                p = Playlist.from_json(item)
                out.setdefault(p.id, p)
            if len(items) < PLAYLIST_PAGE_SIZE or page >= 500:
                break
            page += 1
        return list(out.values())

    async def find(self, project_id: str, name_or_id: str) -> Playlist:
        """A playlist by id or (case-insensitive) name; NotFound, or ValidationError when ambiguous."""
        items = await self.playlists(project_id)
        for p in items:
            if p.id == name_or_id:
                return p
        matches = [p for p in items if p.name.casefold() == name_or_id.strip().casefold()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise E.NotFound(f"No playlist named \"{name_or_id}\" in this project.")
        raise E.ValidationError(f"{len(matches)} playlists are named \"{name_or_id}\" (in different episodes): "
                                "give its id instead.")

    async def playlist(self, project_id: str, playlist_id: str) -> PlaylistDetail:
        data = await self.session.get(f"/data/projects/{project_id}/playlists/{playlist_id}")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for the playlist.")
        playlist = Playlist.from_json(data)
        shots = _dicts(data.get("shots"))
        entity_ids = [str(s.get("entity_id") or s.get("id") or "") for s in shots]
        names, task_types = await asyncio.gather(self.full_names([i for i in entity_ids if i]),
                                                 self.session.get("/data/task-types"))
        tt_names = {str(t.get("id")): str(t.get("name") or "") for t in _dicts(task_types)}
        entries: list[PlaylistEntry] = []
        for shot, entity_id in zip(shots, entity_ids, strict=True):
            preview_id = shot.get("preview_file_id") if isinstance(shot.get("preview_file_id"), str) else None
            tt_id = _task_type_of_preview(shot.get("preview_files"), preview_id) or playlist.task_type_id
            name, etype, frames = names.get(entity_id, ("", "", 0))
            revision = shot.get("preview_file_revision")
            entries.append(PlaylistEntry(
                entity_id=entity_id, entity_name=name or entity_id[:8], entity_type=etype, nb_frames=frames,
                preview_file_id=preview_id, revision=revision if isinstance(revision, int) else None,
                extension=str(shot.get("preview_file_extension") or ""),
                task_id=shot.get("preview_file_task_id") if isinstance(shot.get("preview_file_task_id"), str)
                else None, task_type_id=tt_id, task_type_name=tt_names.get(tt_id or "", ""),
                preview_status=str(shot.get("preview_file_status") or ""), raw=dict(shot)))
        return PlaylistDetail(playlist=playlist, entries=tuple(entries))

    async def full_names(self, entity_ids: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """entity id -> (full name as Zou writes it, type, nb_frames), in a few batched requests."""
        ids = list(dict.fromkeys(entity_ids))
        entities = await self._entities(ids)
        parents = await self._entities({str(e["parent_id"]) for e in entities.values() if e.get("parent_id")}
                                       - set(entities))
        every = {**parents, **entities}
        grand = await self._entities({str(p["parent_id"]) for p in parents.values() if p.get("parent_id")}
                                     - set(every))
        every.update(grand)
        types: dict[str, str] = {}
        if any(e.get("type") not in ("Shot", "Sequence", "Episode", "Edit") for e in entities.values()):
            types = {str(t.get("id")): str(t.get("name") or "") for t in
                     _dicts(await self.session.get("/data/asset-types"))}
        out: dict[str, tuple[str, str, int]] = {}
        for eid, e in entities.items():
            etype = str(e.get("type") or "")
            name = str(e.get("name") or "")
            chain = [name]
            parent = every.get(str(e.get("parent_id") or ""))
            if etype in ("Shot", "Sequence", "Edit"):
                while parent is not None and len(chain) < 3:
                    chain.insert(0, str(parent.get("name") or ""))
                    parent = every.get(str(parent.get("parent_id") or ""))
            elif etype != "Episode":
                chain.insert(0, types.get(str(e.get("entity_type_id")), "") or etype)
            nb = e.get("nb_frames")
            out[eid] = (" / ".join(c for c in chain if c), etype or "Asset", nb if isinstance(nb, int) else 0)
        return out

    async def _entities(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        todo = [i for i in ids if i]
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(todo), 80):
            batch = todo[start:start + 80]
            data = await self.session.get("/data/entities", params={
                "id": json.dumps(batch), "fields": "id,name,parent_id,entity_type_id,nb_frames,type"})
            for d in _dicts(data):
                out[str(d.get("id"))] = d
        return out

    async def thumbnail(self, preview_file_id: str) -> bytes | None:
        """The preview's thumbnail PNG, or None when Zou has none (still processing, not an image)."""
        try:
            response = await self.session.request("GET", f"/pictures/thumbnails/preview-files/{preview_file_id}.png")
        except E.NotFound:
            return None
        return response.content or None


def _task_type_of_preview(previews: Any, preview_id: str | None) -> str | None:
    """Zou groups an entry's previews by task type id: find the group holding the entry's preview."""
    if not preview_id or not isinstance(previews, dict):
        return None
    for tt_id, items in previews.items():
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            if item.get("id") == preview_id:
                return str(tt_id)
            for sub in item.get("previews") or []:
                if isinstance(sub, dict) and sub.get("id") == preview_id:
                    return str(tt_id)
    return None


class PlaylistCsvBuilder:
    """The columns of Zou's playlist CSV, built from the API (used when Zou's own export fails)."""

    HEADER = ("Entity name", "Nb Frames", "Task Type", "Retake count", "Revision", "Task Status",
              "Last comment author", "Last comment date", "Last comment")

    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def rows(self, detail: PlaylistDetail) -> list[list[object]]:
        p = detail.playlist
        project, statuses, persons = await asyncio.gather(
            self.session.get(f"/data/projects/{p.project_id}"), self.session.get("/data/task-status"),
            self.session.get("/data/persons"))
        context = str(project.get("name") if isinstance(project, dict) else "")
        if p.episode_id:
            episode = await self.session.get(f"/data/episodes/{p.episode_id}")
            if isinstance(episode, dict) and episode.get("name"):
                context += f" - {episode['name']}"
        context += " | for shots" if p.for_entity == "shot" else " | for assets"
        status_names = {str(s.get("id")): str(s.get("name") or "") for s in _dicts(statuses)}
        person_names = {str(x.get("id")): str(x.get("full_name") or "") for x in _dicts(persons)}
        task_ids = list(dict.fromkeys(e.task_id for e in detail.entries if e.task_id))
        gate = asyncio.Semaphore(8)

        async def one(task_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
            async with gate:
                task, comments = await asyncio.gather(self.session.get(f"/data/tasks/{task_id}"),
                                                      self.session.get(f"/data/tasks/{task_id}/comments"))
            last = max(_dicts(comments), key=lambda c: str(c.get("created_at") or ""), default={})
            return task_id, task if isinstance(task, dict) else {}, last

        infos = {tid: (task, last) for tid, task, last in await asyncio.gather(*(one(t) for t in task_ids))}
        rows: list[list[object]] = [["Playlist", context, p.name, p.created_at, "", "", ""],
                                    ["", "", "", "", "", "", ""], list(self.HEADER)]
        for e in detail.entries:
            task, last = infos.get(e.task_id or "", ({}, {}))
            rows.append([e.entity_name, e.nb_frames, e.task_type_name, task.get("retake_count", ""),
                         e.revision if e.revision is not None else "",
                         status_names.get(str(task.get("task_status_id")), ""),
                         person_names.get(str(last.get("person_id")), ""),
                         str(last.get("created_at") or ""), str(last.get("text") or "")])
        return rows

