"""The File menu's commands: CSV exports and import, and downloads through the Downloads dock."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject
from PySide6.QtWidgets import QWidget

from desktop.api import changes
from desktop.csvio import WriteResult
from desktop.models.roles import Role
from desktop.ui.csv import (
    CsvActions,
    ExportChoice,
    ask_export_options,
    columns_for_view,
    export_view_async,
    open_result,
    safe_file_name,
    visible_columns,
)
from desktop.ui.downloads import DownloadsDock
from desktop.ui.main.parts import WindowParts
from desktop.ui.panes import EntityPane, MyTasksPane


def skip_group_rows(model: QAbstractItemModel, index: QModelIndex) -> bool:
    return model.data(index, Role.GroupHeader) is not None


class FileCommands(QObject):
    def __init__(self, parts: WindowParts, csv: CsvActions, downloads: DownloadsDock) -> None:
        super().__init__(parts.window)
        self.parts, self.csv, self.downloads = parts, csv, downloads
        self.browse = parts.browse

    # ------------------------------------------------------------ downloads
    def download_selected_previews(self, *, folder: str | None = None) -> asyncio.Task[Any] | None:
        """Queue the previews of the selected shots/assets in the Downloads dock (the project's folder)."""
        pane = self.parts.current_entity_pane()
        if pane is None:
            return None
        ids = pane.selected_entity_ids() or [i for i in [pane.current_entity_id()] if i]
        if not ids:
            self.parts.notify(f"Select {pane.noun} first.")
            return None
        pid = self.browse.project.id if self.browse.project is not None else None
        return self.parts.run(self.downloads.enqueue_entity_previews(ids, project_id=pid, folder=folder),
                              "download-previews")

    def download_task_attachments(self) -> asyncio.Task[Any] | None:
        """Queue the attachments (and previews) posted in the selected task's comments."""
        task_id = self.parts.detail.selected_task_id()
        if not task_id:
            return None
        pid = self.browse.project.id if self.browse.project is not None else None
        return self.parts.run(self.downloads.enqueue_task_comments(task_id, project_id=pid), "download-attachments")

    def download_playlist_previews(self, preview_ids: list[str]) -> None:
        playlists = self.parts.playlists
        detail = playlists.detail
        if detail is None or not preview_ids:
            return
        self.parts.run(self.downloads.enqueue_playlist(detail.playlist.id, project_id=playlists.project_id),
                       "download-playlist")

    # ------------------------------------------------------------ CSV
    def export_project_csv(self, kind: str) -> None:
        project = self.browse.project
        if project is not None and kind in ("shots", "assets", "casting"):
            self.csv.export_project(project, kind, episode_id=self.browse.episode_filter())  # type: ignore[arg-type]

    def current_view(self) -> tuple[Any, str] | None:
        """The current list's view and a name for its file (None on tabs without a list)."""
        pane = self.parts.tabs.currentWidget()
        project = self.browse.project.name if self.browse.project is not None else ""
        if isinstance(pane, EntityPane):
            cached = " (from the cache)" if self.browse.read_only else ""  # offline: what is shown is the disk's
            return pane.table, f"{project} {pane.noun}{cached}".strip()
        if isinstance(pane, MyTasksPane):  # the list of the tab shown: To do, Done or To check
            return pane.tabs.current_table(), pane.tabs.current_list_name()
        return None

    def export_current_view(self, choice: ExportChoice | None = None) -> asyncio.Task[Any] | None:
        """Export what the current list shows (rows as filtered and sorted, visible columns, no group
        headers). With `choice` (an `ExportChoice`) no dialog is shown."""
        current = self.current_view()
        if current is None:
            return None
        view, name = current
        if choice is None:
            choice = ask_export_options(self.browse.settings, self.parts.window, title="Export what is shown as CSV",
                                        suggested_name=safe_file_name(name))
            if choice is None:
                return None
        return self.csv.runner.run(self._export_view_to(view, choice), key="export")

    async def _export_view_to(self, view: Any, choice: ExportChoice) -> WriteResult:
        # Not CsvActions.export_view_to: it walks the model as a tree (hasChildren), which flat table
        # models refuse (QAbstractTableModel makes hasChildren private); the lists are flat.
        model = view.model()
        columns = columns_for_view(model, visible_columns(view), assignees_role=Role.Chip)
        result = await export_view_async(model, choice.path, choice.format, columns, recursive=False,
                                         skip_row=skip_group_rows)
        text = f"Saved {result.path.name}"
        if result.neutralised:
            text += f" ({result.neutralised} formula-like cell(s) made safe)"
        self.csv.finished.emit(text + ".")
        open_result(result.path, choice.open_when_done)
        return result

    def import_csv(self) -> QWidget | None:
        caps = self.browse.capabilities()
        project = self.browse.project
        if project is None or caps is None or not caps.is_manager:
            return None
        wizard = self.csv.import_csv(project)
        # An import may add episodes, sequences and tasks as well as rows: everything shown is re-read.
        wizard.imported.connect(lambda _report: self.browse.apply(changes.unknown("import")))
        return wizard
