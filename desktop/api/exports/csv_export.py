"""CSV exports from Zou to disk.

The body Zou sends is streamed into a spool (memory, then a temporary file past 16 MB), then re-written
through `desktop.csvio.write_csv`: formula cells neutralised, the delimiter and BOM the user chose,
written under a temporary name and renamed when complete. Nothing reaches the destination when the
server refuses (the session raises before any byte is read), the connection breaks, or the body is not
CSV. `raw=True` keeps Zou's bytes exactly (still atomic).

Routes (checked against Zou 1.0.97, `zou/app/blueprints/export`):
`/export/csv/projects/{pid}/{shots,assets,casting,edits}.csv`, `/export/csv/playlists/{id}` (no suffix),
`/export/csv/{tasks,time-spents,persons,projects,task-types}.csv`.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import httpx

from desktop.api import errors as E
from desktop.api.exports.playlists import PlaylistCsvBuilder, Playlists
from desktop.api.exports.worker import run_in_worker
from desktop.api.session import ZouSession
from desktop.csvio import CsvFormat, CsvWriteError, ProgressCallback, atomic_output, write_csv

log = logging.getLogger(__name__)

ProjectExport = Literal["shots", "assets", "casting", "edits"]
GlobalExport = Literal["tasks", "time-spents", "persons", "projects", "task-types"]
PROJECT_EXPORTS: tuple[ProjectExport, ...] = ("shots", "assets", "casting", "edits")
GLOBAL_EXPORTS: tuple[GlobalExport, ...] = ("tasks", "time-spents", "persons", "projects", "task-types")
ZOU_DELIMITER = ";"
ZOU_FORMAT = CsvFormat()  # ";", UTF-8 without BOM, formula cells neutralised
SPOOL_MAX = 16 * 1024 * 1024
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
