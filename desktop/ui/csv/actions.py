"""One object for the main window's CSV menu: server exports, "export current view", the import wizard.

    csv = CsvActions(client, settings, window)
    csv.export_project(project, "shots")          # asks where and how, then streams Zou's export
    csv.export_studio("tasks")                    # studio-wide exports (managers)
    csv.export_current_view(view, "SQ01 shots", assignees_role=Role.Chip)
    csv.import_csv(project)                       # opens the import wizard
    csv.finished.connect(window.statusBar().showMessage); csv.failed.connect(show_error)

Every action runs on the window's event loop without blocking it; the awaitable `*_to(...)` variants
take the destination directly (no dialog) for tests and scripts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QWidget

from desktop.api.client import ZouClient
from desktop.api.exports import ExportResult, Exports, GlobalExport, ProjectExport
from desktop.api.records import Project
from desktop.asyncqt import TaskRunner
from desktop.csvio import WriteResult
from desktop.settings import Settings
from desktop.ui.csv.import_wizard import ImportWizard
from desktop.ui.csv.options import ExportChoice, ask_export_options, open_result, safe_file_name
from desktop.ui.csv.view_export import RowFilter, columns_for_view, export_view_async, visible_columns
from desktop.ui.widgets import error_text

KIND_TITLES = {"shots": "shots", "assets": "assets", "casting": "casting", "edits": "edits", "tasks": "tasks",
               "time-spents": "time spent", "persons": "people", "projects": "projects", "task-types": "task types"}


class CsvActions(QObject):
    finished = Signal(str)  # a sentence for the status bar
    failed = Signal(str)  # a sentence for an error message
    busy_changed = Signal(bool)

    def __init__(self, client: ZouClient, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.settings = settings
        self.window = parent
        self.exports = Exports(client.session)
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self.busy_changed)
        self.runner.failed.connect(lambda _key, exc: self.failed.emit(
            str(exc) if isinstance(exc, OSError) and str(exc) else error_text(exc)))

    # ------------------------------------------------------------------ with dialogs
    def export_project(self, project: Project, kind: ProjectExport, *, episode_id: str | None = None) -> None:
        choice = ask_export_options(self.settings, self.window, title=f"Export {KIND_TITLES[kind]} as CSV",
                                    suggested_name=safe_file_name(f"{project.name} {kind}"))
        if choice is not None:
            self.runner.run(self.export_project_to(project, kind, choice, episode_id=episode_id), key="export")

    def export_studio(self, kind: GlobalExport) -> None:
        choice = ask_export_options(self.settings, self.window, title=f"Export all {KIND_TITLES[kind]} as CSV",
                                    suggested_name=safe_file_name(f"kitsu {kind}"))
        if choice is not None:
            self.runner.run(self.export_studio_to(kind, choice), key="export")

    def export_current_view(self, view: QAbstractItemView, name: str = "view", *,
                            assignees_role: int | None = None, skip_row: RowFilter | None = None) -> None:
        choice = ask_export_options(self.settings, self.window, title="Export what is shown as CSV",
                                    suggested_name=safe_file_name(name))
        if choice is not None:
            self.runner.run(self.export_view_to(view, choice, assignees_role=assignees_role, skip_row=skip_row),
                            key="export")

    def import_csv(self, project: Project) -> ImportWizard:
        wizard = ImportWizard(self.client, self.settings, project, self.window)
        wizard.imported.connect(lambda report: self.finished.emit(report.summary()))
        wizard.finished.connect(wizard.deleteLater)
        wizard.open()
        return wizard

    # ------------------------------------------------------------------ awaitable
    async def export_project_to(self, project: Project, kind: ProjectExport, choice: ExportChoice, *,
                                episode_id: str | None = None) -> ExportResult:
        result = await self.exports.project_csv(project.id, kind, choice.path, choice.format, episode_id=episode_id)
        self._done(result.path, result.neutralised, choice)
        return result

    async def export_studio_to(self, kind: GlobalExport, choice: ExportChoice) -> ExportResult:
        result = await self.exports.global_csv(kind, choice.path, choice.format)
        self._done(result.path, result.neutralised, choice)
        return result

    async def export_view_to(self, view: QAbstractItemView, choice: ExportChoice, *,
                             assignees_role: int | None = None, skip_row: RowFilter | None = None) -> WriteResult:
        model = view.model()
        if model is None:
            raise ValueError("The view shows no model.")
        columns = columns_for_view(model, visible_columns(view), assignees_role=assignees_role)
        result = await export_view_async(model, choice.path, choice.format, columns, skip_row=skip_row)
        self._done(result.path, result.neutralised, choice)
        return result

    def _done(self, path: Path, neutralised: int, choice: ExportChoice) -> None:
        text = f"Saved {path.name}"
        if neutralised:
            text += f" ({neutralised} formula-like cell(s) made safe)"
        self.finished.emit(text + ".")
        open_result(path, choice.open_when_done)
