"""'Where do I save?': a task's working and output paths from the project's file tree, and its files.

Every path is Zou's answer (`desktop.api.files.TaskFiles`): the dialog never builds one. Changing the
software, output type, representation, revision or name asks Zou again (the newest answer wins: one
runner key per path). A project without a file tree shows one sentence saying so instead of paths.
Working files download through the window's Downloads dock (the download manager), like attachments.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api.files import (
    NO_TEMPLATE_MESSAGE,
    NO_TREE_MESSAGE,
    FileTask,
    NoFileTree,
    OutputFile,
    OutputRequest,
    SavePath,
    ShotInstance,
    Software,
    TaskFiles,
    WorkingFile,
)
from desktop.api.reads import Reads
from desktop.api.session import ZouSession
from desktop.asyncqt import TaskRunner
from desktop.ui.panes.common import named
from desktop.ui.widgets import error_text

if TYPE_CHECKING:
    from desktop.ui.downloads import DownloadsDock
    from desktop.ui.main_window import MainWindow


def open_where_to_save(window: MainWindow) -> WhereToSaveDialog | None:
    """Edit > Where do I save?: for the task selected in My tasks when that tab is shown, else the detail's."""
    if window.tabs.currentWidget() is window.my_tasks_pane:
        found = window.my_tasks_pane.tabs.open_where_to_save()  # the tab's own button does the same
        return found if isinstance(found, WhereToSaveDialog) else None
    task = window.detail.selected_file_task()
    if task is None:
        window.statusBar().showMessage("Select a task first: Where do I save? answers for one task.", 6000)
        return None
    dialog = WhereToSaveDialog(window.session, task, reads=window.client.reads, downloads=window.downloads,
                               parent=window)
    dialog.show()
    return dialog


def _path_row(prefix: str, noun: str) -> tuple[QWidget, QLineEdit, QPushButton, QPushButton]:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    field = named(QLineEdit(), f"{prefix}Path", f"{noun} path")
    field.setReadOnly(True)
    copy = named(QPushButton("Copy path"), f"{prefix}Copy", f"Copy the {noun.lower()} path")
    folder = named(QPushButton("Open folder"), f"{prefix}OpenFolder", f"Open the {noun.lower()} folder")
    row.addWidget(field, 1)
    row.addWidget(copy)
    row.addWidget(folder)
    return box, field, copy, folder


class WhereToSaveDialog(QDialog):
    def __init__(self, session: ZouSession, task: FileTask, *, reads: Reads | None = None,
                 downloads: DownloadsDock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "whereToSaveDialog", "Where do I save")
        self.setWindowTitle(f"Where do I save? · {task.entity_name} · {task.task_type_name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(760, 560)
        self.task, self.downloads = task, downloads
        self.files = TaskFiles(session, reads)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._on_failed)
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl  # swapped by tests (no desktop)
        self.working_path: SavePath | None = None
        self.output_path: SavePath | None = None
        self.extension = ""
        self.has_tree = False
        self.working_rows: list[WorkingFile] = []
        self.output_rows: list[OutputFile] = []

        self.heading = named(QLabel(f"{task.project_name} · {task.entity_name} · {task.task_type_name}"),
                             "whereToSaveTask", "Task")
        self.no_tree = named(QLabel(NO_TREE_MESSAGE), "whereToSaveNoTree", "No file tree")
        self.no_tree.setWordWrap(True)
        self.no_tree.hide()
        self.software = named(QComboBox(), "whereToSaveSoftware", "Software")
        self.output_type = named(QComboBox(), "whereToSaveOutputType", "Output type")
        self.representation = named(QLineEdit(), "whereToSaveRepresentation", "Representation")
        self.representation.setPlaceholderText("e.g. abc, exr (optional)")
        self.revision = named(QSpinBox(), "whereToSaveRevision", "Revision")
        self.revision.setRange(0, 9999)
        self.revision.setSpecialValueText("next")
        self.name = named(QLineEdit("main"), "whereToSaveName", "Name")
        # A shot's output, or the output of an asset instance cast in it (its own route and path).
        self.instance = named(QComboBox(), "whereToSaveInstance", "Output of")
        self.instance.addItem("This shot" if task.is_shot else "This entity", None)
        form = QFormLayout()
        form.addRow("Software", self.software)
        form.addRow("Output type", self.output_type)
        form.addRow("Representation", self.representation)
        form.addRow("Revision", self.revision)
        form.addRow("Name", self.name)
        form.addRow("Output of", self.instance)
        form.setRowVisible(self.instance, False)  # shown when the shot has asset instances
        self.form = form
        self.fields_box = QGroupBox("Ask the file tree for")
        self.fields_box.setLayout(form)

        working_row, self.working_field, self.working_copy, self.working_open = _path_row(
            "whereToSaveWorking", "Working file")
        output_row, self.output_field, self.output_copy, self.output_open = _path_row(
            "whereToSaveOutput", "Output file")
        paths = QFormLayout()
        paths.addRow("Working file", working_row)
        paths.addRow("Output file", output_row)
        self.paths_box = QGroupBox("Save to")
        self.paths_box.setLayout(paths)

        self.working_table = named(QTableWidget(0, 4), "whereToSaveWorkingFiles", "Working files")
        self.working_table.setHorizontalHeaderLabels(["Name", "Revision", "Comment", "Path"])
        self.output_table = named(QTableWidget(0, 4), "whereToSaveOutputFiles", "Output files")
        self.output_table.setHorizontalHeaderLabels(["Name", "Representation", "Revision", "Path"])
        for table in (self.working_table, self.output_table):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.verticalHeader().hide()
            table.horizontalHeader().setStretchLastSection(True)
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.download_button = named(QPushButton("Download"), "whereToSaveDownload", "Download the working file")
        self.download_button.setEnabled(False)
        # A new revision from a file on this computer: registered with the fields above (Zou names and
        # places it), then its bytes uploaded onto it.
        self.comment = named(QLineEdit(), "whereToSaveComment", "Working file comment")
        self.comment.setPlaceholderText("What changed in this revision (optional)")
        self.save_button = named(QPushButton("Save a new revision…"), "whereToSaveNewWorking",
                                 "Save a file as a new working file revision")
        self.save_button.setToolTip("Registers the next revision of this name with Zou (which also assigns you "
                                    "to the task) and uploads the chosen file to it.")
        self.save_button.setEnabled(False)
        self.pending: WorkingFile | None = None  # registered, its upload not done yet: a retry goes on there
        working_actions = QHBoxLayout()
        working_actions.addWidget(self.comment, 1)
        working_actions.addWidget(self.save_button)
        working_actions.addWidget(self.download_button)
        files_box = QGroupBox("This task's files")
        files_layout = QVBoxLayout(files_box)
        files_layout.addWidget(QLabel("Working files"))
        files_layout.addWidget(self.working_table, 1)
        files_layout.addLayout(working_actions)
        files_layout.addWidget(QLabel("Output files"))
        files_layout.addWidget(self.output_table, 1)

        self.status = named(QLabel(), "whereToSaveStatus", "Status")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.no_tree)
        layout.addWidget(self.fields_box)
        layout.addWidget(self.paths_box)
        layout.addWidget(files_box, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.working_copy.clicked.connect(lambda: self.copy_path(self.working_path))
        self.output_copy.clicked.connect(lambda: self.copy_path(self.output_path))
        self.working_open.clicked.connect(lambda: self.open_folder(self.working_path))
        self.output_open.clicked.connect(lambda: self.open_folder(self.output_path))
        self.download_button.clicked.connect(self.download_selected)
        self.save_button.clicked.connect(self.choose_and_save)
        self.working_table.itemSelectionChanged.connect(
            lambda: self.download_button.setEnabled(self._selected_working() is not None))
        self.software.currentIndexChanged.connect(lambda _i: self.refresh_working_path())
        self.output_type.currentIndexChanged.connect(lambda _i: self.refresh_output_path())
        self.instance.currentIndexChanged.connect(lambda _i: self.refresh_output_path())
        self.representation.editingFinished.connect(self.refresh_output_path)
        self.name.editingFinished.connect(self.refresh_paths)
        self.revision.valueChanged.connect(lambda _v: self.refresh_paths())
        self._set_paths_enabled(False)
        self.runner.run(self._load(), key="load")

    # ------------------------------------------------------------ loads
    async def _load(self) -> None:
        self.status.setText("Asking Zou for this task's file tree…")
        self.has_tree, softwares, output_types = await asyncio.gather(
            self.files.project_has_tree(self.task.project_id), self.files.softwares(), self.files.output_types())
        for combo, items in ((self.software, softwares), (self.output_type, output_types)):
            combo.blockSignals(True)
            combo.clear()
            for item in items:
                combo.addItem(item.name, item)
            combo.blockSignals(False)
        await self._load_files()
        self._pick_last_software()
        if not self.has_tree:
            self._show_no_tree()
            return
        self.no_tree.hide()
        self._set_paths_enabled(True)
        self.status.clear()
        self.refresh_paths()

    async def _load_files(self) -> None:
        working, output = await asyncio.gather(
            self.files.working_files(self.task.id),
            self.files.output_files(self.task.entity_id, self.task.task_type_id))
        if self.task.is_shot:
            self._set_instances(await self.files.shot_instances(self.task.entity_id))
        self.working_rows, self.output_rows = working, output
        self._fill(self.working_table, [[w.name, str(w.revision), w.comment, w.path] for w in working])
        self._fill(self.output_table, [[o.name, o.representation, str(o.revision), o.path] for o in output])
        self.download_button.setEnabled(self._selected_working() is not None)

    def _pick_last_software(self) -> None:
        """Start on the software of the task's newest working file: the one the artist works in."""
        newest = max(self.working_rows, key=lambda w: w.updated_at, default=None)
        if newest is None or not newest.software_id:
            return
        for i in range(self.software.count()):
            item = self.software.itemData(i)
            if isinstance(item, Software) and item.id == newest.software_id:
                self.software.blockSignals(True)
                self.software.setCurrentIndex(i)
                self.software.blockSignals(False)
                return

    def _set_instances(self, instances: list[ShotInstance]) -> None:
        self.instance.blockSignals(True)
        while self.instance.count() > 1:
            self.instance.removeItem(1)
        for item in instances:
            self.instance.addItem(f"Asset instance {item.name}", item)
        self.instance.blockSignals(False)
        self.form.setRowVisible(self.instance, bool(instances))

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(value))

    def _show_no_tree(self) -> None:
        self.no_tree.show()
        self._set_paths_enabled(False)
        self.working_field.clear()
        self.output_field.clear()
        self.working_path = self.output_path = None
        self.status.clear()

    def _set_paths_enabled(self, enabled: bool) -> None:
        for w in (self.fields_box, self.paths_box, self.save_button):
            w.setEnabled(enabled)

    def refresh_paths(self) -> None:
        self.refresh_working_path()
        self.refresh_output_path()

    def refresh_working_path(self) -> None:
        if self.has_tree:
            self.runner.run(self._working_path(), key="working")

    def refresh_output_path(self) -> None:
        if self.has_tree:
            self.runner.run(self._output_path(), key="output")

    async def _working_path(self) -> None:
        software = self.software.currentData()
        path = await self.files.working_file_path(
            self.task.id, software_id=software.id if software is not None else None,
            name=self.name.text().strip() or "main", revision=self.revision.value())
        if self.runner.is_current("working"):
            self.working_path = path
            self.extension = software.file_extension if software is not None else ""
            self.working_field.setText(path.full + self.extension)
            self.working_field.setToolTip(self.working_field.text())  # the whole path, however narrow the field

    async def _output_path(self) -> None:
        output_type = self.output_type.currentData()
        if output_type is None:
            self.output_field.setText("")
            self.output_field.setPlaceholderText("No output type on this server")
            return
        request = OutputRequest(output_type_id=output_type.id, task_type_id=self.task.task_type_id,
                                name=self.name.text().strip() or "main",
                                representation=self.representation.text().strip(), revision=self.revision.value())
        instance = self.instance.currentData()
        if isinstance(instance, ShotInstance):
            path = await self.files.instance_output_file_path(instance.id, self.task.entity_id, request)
        else:
            path = await self.files.output_file_path(self.task.entity_id, request)
        if self.runner.is_current("output"):
            self.output_path = path
            self.output_field.setText(path.full)
            self.output_field.setToolTip(path.full)

    def _on_failed(self, key: str, exc: object) -> None:
        if key == "save":
            self.save_button.setEnabled(self.has_tree)
            kept = self.pending
            then = (f" Revision {kept.revision} of “{kept.name}” is registered: Save again sends the file to it."
                    if kept is not None else " Nothing was saved.")
            said = error_text(exc) if isinstance(exc, BaseException) else str(exc)
            self.status.setText(f"Could not save the working file: {said}{then}")
            return
        if isinstance(exc, NoFileTree):
            # The tree exists but lacks this mode (a tree with a working part only, say), or a template for
            # this kind of entity (an asset instance, say).
            field = self.working_field if key == "working" else self.output_field
            field.clear()
            field.setPlaceholderText(exc.message if exc.message == NO_TEMPLATE_MESSAGE
                                     else f"The project's file tree has no {key} part")
            if key == "output":
                self.output_path = None
            else:
                self.working_path = None
            return
        text = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        what = {"load": "load this task's files", "working": "get the working file path",
                "output": "get the output file path"}.get(key, "do that")
        self.status.setText(f"Could not {what}: {text}")

    # ------------------------------------------------------------ actions
    def copy_path(self, path: SavePath | None) -> None:
        if path is None:
            return
        text = path.full + (self.extension if path is self.working_path else "")
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"Copied {text}")

    def open_folder(self, path: SavePath | None) -> None:
        if path is None:
            return
        folder = path.folder
        if not os.path.isdir(folder):
            # The tree names the studio's shared storage: say plainly it is not mounted here.
            self.status.setText(f"The folder {folder} does not exist on this computer (is the studio "
                                "storage mounted?).")
            return
        self.open_url(QUrl.fromLocalFile(folder))
        self.status.setText(f"Opened {folder}")

    def choose_and_save(self) -> asyncio.Task[Any] | None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Save a new working file revision")
        return self.save_working_file(Path(chosen)) if chosen else None

    def save_working_file(self, source: Path) -> asyncio.Task[Any] | None:
        """Register the next revision (with the form's name, software and revision) and upload `source` to it;
        after a failed upload, the same revision again (never a second one for one file)."""
        if not source.is_file():
            self.status.setText(f"{source} is not a file on this computer.")
            return None
        self.save_button.setEnabled(False)
        return self.runner.run(self._save(source), key="save")

    async def _save(self, source: Path) -> None:
        name = self.name.text().strip() or "main"
        record = self.pending
        if record is None or record.name != name:
            software = self.software.currentData()
            self.status.setText(f"Registering a new revision of “{name}”…")
            record = await self.files.new_working_file(
                self.task.id, software_id=software.id if software is not None else None, name=name,
                revision=self.revision.value(), comment=self.comment.text().strip())
            self.pending = record

        def progress(sent: int, total: int) -> None:
            self.status.setText(f"Uploading {source.name} to revision {record.revision}… "
                                f"{sent * 100 // max(total, 1)} %")

        saved = await self.files.upload_working_file(record.id, source, progress)
        self.pending = None
        self.comment.clear()
        self.save_button.setEnabled(True)
        await self._load_files()
        self.status.setText(f"Saved {source.name} as revision {saved.revision} of “{saved.name}”: {saved.path}")
        self.refresh_working_path()  # the next revision's path

    def _selected_working(self) -> WorkingFile | None:
        rows = self.working_table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.working_rows):
            return None
        return self.working_rows[rows[0].row()]

    def download_selected(self) -> asyncio.Task[Any] | None:
        record = self._selected_working()
        if record is None:
            return None
        if self.downloads is None:
            self.status.setText("Downloads are not available in this window.")
            return None
        self.status.setText(f"Downloading {record.name} v{record.revision}…")
        return self.runner.run(self.downloads.enqueue_working_files([record.id], project_id=self.task.project_id),
                               key="download")
