"""One CSV import, step by step: the steps the import wizard and `slate import` both take.

    pipeline = CsvImport(session, project_id, ImportKind.SHOTS)
    await pipeline.load_context()          # the project's task types, descriptors, statuses
    await pipeline.read_file(path)         # on a worker thread, streamed, capped; CsvFormatError
    pipeline.set_mapping(3, "Nb Frames")   # optional: the suggested mapping is set by the two above
    await pipeline.check()                 # rows Zou would refuse (on a worker thread for a big file)
    plan = await pipeline.dry_run()        # new rows vs existing ones
    report = await pipeline.run(update=False, progress=...)

Qt-free. Nothing heavy runs on the event loop: reading a file of MAX_FILE_BYTES takes seconds, and so do
the mapping and the row checks of a few hundred thousand rows. A step that is cancelled (a newer file
chosen, the wizard closed) changes nothing: its result is assigned only after its last await.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from desktop.api.exports.csv_import import ImportPlan, ImportReport, Imports
from desktop.api.exports.worker import run_for_rows, run_in_worker
from desktop.api.session import ZouSession
from desktop.csvio import (
    CsvTable,
    CsvWarning,
    ImportContext,
    ImportKind,
    ProgressCallback,
    TargetColumn,
    apply_mapping,
    check_import,
    mapping_problems,
    read_csv_file,
    suggest_mapping,
    target_columns,
)


async def read_import_file(path: str | Path, delimiter: str | None = None, *,
                           progress: ProgressCallback | None = None) -> CsvTable:
    """`desktop.csvio.read_csv_file` on a worker thread; `progress(bytes read, size)` on the loop's thread.
    Cancelling the await stops the reading thread at its next progress check."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def report(done: int, total: int) -> None:  # on the worker thread
        if progress is not None and not stop.is_set():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(progress, done, total)

    try:
        return await run_in_worker(read_csv_file, path, delimiter, progress=report, should_stop=stop.is_set)
    except asyncio.CancelledError:
        stop.set()
        raise


@dataclass(frozen=True)
class RowChecks:
    """The mapped table and what the checks found, for one mapping."""

    mapping: tuple[str | None, ...]
    mapped: CsvTable
    problems: list[CsvWarning] = field(default_factory=list)  # check_import's: rows Zou would refuse, damage


def check_rows(table: CsvTable, mapping: tuple[str | None, ...], targets: list[TargetColumn], kind: ImportKind,
               context: ImportContext | None, *, mapping_ok: bool) -> RowChecks:
    """Map the table to Zou's headers and check its rows (the rows only when the mapping is usable)."""
    mapped = apply_mapping(table, list(mapping), targets, kind=kind)
    problems = check_import(mapped, kind, targets, context) if mapping_ok else []
    return RowChecks(mapping=mapping, mapped=mapped, problems=problems)


class CsvImport:
    """One import of a CSV file into a project (see the module docstring)."""

    def __init__(self, session: ZouSession, project_id: str, kind: ImportKind) -> None:
        self.imports = Imports(session)
        self.project_id = project_id  # may be set after `read_file` (the CLI reads the file first)
        self.kind = kind
        self.path: Path | None = None
        self.table: CsvTable | None = None
        self.context: ImportContext | None = None
        self.targets: list[TargetColumn] = []
        self.mapping: list[str | None] = []
        self.mapping_problems: list[CsvWarning] = []  # kept current with the mapping (cheap: per column)
        self.checks: RowChecks | None = None  # for the current mapping once `check` ran
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None

    # ------------------------------------------------------------------ what the steps found
    @property
    def mapped(self) -> CsvTable | None:
        """The table under Zou's headers, when the checks of the current mapping are done."""
        return self.checks.mapped if self.checks is not None else None

    @property
    def checking(self) -> bool:
        """The mapping is set but its rows are not checked yet."""
        return self.table is not None and bool(self.mapping) and self.checks is None

    @property
    def problems(self) -> list[CsvWarning]:
        """Everything to show: the file's warnings, the mapping's, then the rows'."""
        if self.table is None or not self.mapping:
            return []
        out = list(self.table.warnings)
        if self.checks is not None:
            out += [p for p in self.checks.mapped.warnings if p not in self.table.warnings]
        out += self.mapping_problems
        if self.checks is not None:
            out += self.checks.problems
        return out

    @property
    def mapping_errors(self) -> list[CsvWarning]:
        """What blocks the mapping step (a mandatory column not mapped, two columns on one header)."""
        return [p for p in self.mapping_problems if p.level == "error"]

    @property
    def row_errors(self) -> list[CsvWarning]:
        """Rows Zou would refuse: it stops the import at the first one (the rows before it are kept)."""
        return [p for p in self.checks.problems if p.level == "error"] if self.checks is not None else []

    # ------------------------------------------------------------------ steps
    def set_kind(self, kind: ImportKind) -> None:
        """Import something else: the project's context is read again (`load_context`)."""
        self.kind = kind
        self.context = None
        self.targets = []
        self._set_mapping([])

    async def load_context(self) -> ImportContext:
        """Read what the project offers for this kind, then suggest a mapping and check the rows."""
        kind = self.kind
        context = await self.imports.context(self.project_id, kind)
        if kind is not self.kind:  # the kind changed meanwhile: this context is not for it
            return context
        self.context = context
        self.targets = target_columns(kind, context)
        self.suggest_mapping()
        await self.check()
        return context

    async def read_file(self, path: str | Path, delimiter: str | None = None, *,
                        progress: ProgressCallback | None = None) -> CsvTable:
        """Read the file (CsvFormatError says why it cannot be), suggest a mapping, check the rows."""
        self.path = Path(path)
        try:
            table = await read_import_file(self.path, delimiter, progress=progress)
        except Exception:
            self.table = None
            self._set_mapping([])
            raise
        self.table = table
        self.suggest_mapping()
        await self.check()
        return table

    def suggest_mapping(self) -> None:
        """Each column of the file to the header Zou reads that matches it (case, aliases, Assignations)."""
        table = self.table
        self._set_mapping(suggest_mapping(table.headers, self.targets) if table is not None and self.targets
                          else [])

    def set_mapping(self, column: int, target: str | None) -> None:
        """Map one column (None: not imported). The row checks are then out of date: `check`."""
        if 0 <= column < len(self.mapping):
            mapping = list(self.mapping)
            mapping[column] = target
            self._set_mapping(mapping)

    def _set_mapping(self, mapping: list[str | None]) -> None:
        self.mapping = mapping
        self.checks = None
        self.plan = None
        self.mapping_problems = (mapping_problems(self.table.headers, mapping, self.targets)
                                 if self.table is not None and mapping else [])

    async def check(self) -> RowChecks | None:
        """Check the rows for the current mapping (None when there is nothing to check)."""
        table, mapping = self.table, tuple(self.mapping)
        if table is None or not mapping or not self.targets:
            return None
        if self.checks is not None and self.checks.mapping == mapping:
            return self.checks
        checks = await run_for_rows(len(table.rows), check_rows, table, mapping, list(self.targets), self.kind,
                                    self.context, mapping_ok=not self.mapping_errors)
        if self.table is table and tuple(self.mapping) == mapping:  # still the file and mapping checked
            self.checks = checks
        return checks

    async def dry_run(self) -> ImportPlan:
        """Which rows create entities, which name existing ones (the mapping must be checked)."""
        mapped, context = self.mapped, self.context
        if mapped is None or context is None:
            raise RuntimeError("dry_run needs a checked mapping and the project's context")
        plan = await self.imports.plan(self.project_id, self.kind, mapped, tv_show=context.tv_show)
        if self.mapped is mapped:
            self.plan = plan
        return plan

    async def run(self, *, update: bool = False, progress: ProgressCallback | None = None) -> ImportReport:
        """Upload the mapped rows; the report says what was imported and where Zou stopped."""
        mapped = self.mapped
        if mapped is None:
            raise RuntimeError("run needs a checked mapping")
        name = self.path.name if self.path is not None else "import.csv"
        self.report = await self.imports.run(self.project_id, self.kind, mapped, update=update, progress=progress,
                                             file_name=name)
        return self.report


__all__ = ["CsvImport", "RowChecks", "check_rows", "read_import_file"]
