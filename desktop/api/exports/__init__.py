"""CSV exports from Zou to disk, CSV imports into Zou, and playlists (reads).

Modules: `csv_export` (Zou's CSV exports written safely and atomically), `csv_import` (the dry run and
the upload with a per-row report), `import_pipeline` (one import step by step, for the wizard and the
CLI alike), `playlists` (reads, and the playlist CSV built locally when Zou
cannot export it), `worker` (the threads that do the blocking file work), `json_lists`.
"""

from desktop.api.exports.csv_export import (
    EXPORT_TIMEOUT,
    GLOBAL_EXPORTS,
    PROJECT_EXPORTS,
    ZOU_FORMAT,
    ExportResult,
    Exports,
    GlobalExport,
    ProjectExport,
    global_export_path,
    playlist_export_path,
    project_export_path,
)
from desktop.api.exports.csv_import import IMPORT_TIMEOUT, ImportPlan, ImportReport, Imports, RowFailure
from desktop.api.exports.import_pipeline import CsvImport, RowChecks, read_import_file
from desktop.api.exports.playlists import Playlist, PlaylistCsvBuilder, PlaylistDetail, PlaylistEntry, Playlists
from desktop.api.exports.worker import run_in_worker

__all__ = [
    "EXPORT_TIMEOUT",
    "GLOBAL_EXPORTS",
    "IMPORT_TIMEOUT",
    "PROJECT_EXPORTS",
    "ZOU_FORMAT",
    "CsvImport",
    "ExportResult",
    "Exports",
    "GlobalExport",
    "ImportPlan",
    "ImportReport",
    "Imports",
    "Playlist",
    "PlaylistCsvBuilder",
    "PlaylistDetail",
    "PlaylistEntry",
    "Playlists",
    "ProjectExport",
    "RowChecks",
    "RowFailure",
    "global_export_path",
    "playlist_export_path",
    "project_export_path",
    "read_import_file",
    "run_in_worker",
]
