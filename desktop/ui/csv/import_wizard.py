"""The CSV import wizard: file and preview, column mapping, dry run, import with a report.

1. File: what to import (shots, assets, casting, edits), the file, the detected encoding and delimiter
   (both can be overridden), and a preview of the rows with their file line numbers. The file is read
   on a worker thread with a progress bar (a big one takes seconds), up to `csvio.MAX_FILE_BYTES`.
2. Columns: each column of the file mapped to a header Zou reads (mandatory ones marked with *), an
   exported file's `Assignations` columns already renamed, and the warnings: values a spreadsheet damaged
   (`1` next to `001`, dates, scientific notation) and rows Zou would refuse.
3. Summary: new rows vs existing ones (updated only when "Update existing" is ticked, Zou's
   `?update=true`). Rows Zou would refuse block the import unless "Import anyway" is ticked.
4. Import: progress by chunk of rows, then a report: what was imported, the failing line and Zou's
   message, and what was not imported, so the file can be fixed and imported again.

objectNames: csvImportWizard, csvImportKind, csvImportPath, csvImportBrowse, csvImportDelimiter,
csvImportDetected, csvImportReadProgress, csvImportPreview, csvImportMapping, csvImportProblems,
csvImportUpdate, csvImportPlan, csvImportAnyway, csvImportProgress, csvImportResult, csvImportReport.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.api.client import ZouClient
from desktop.api.exports import CsvImport, ImportPlan, ImportReport
from desktop.api.records import Project
from desktop.asyncqt import TaskRunner
from desktop.csvio import CsvFormatError, CsvTable, CsvWarning, ImportContext, ImportKind, TargetColumn
from desktop.settings import Settings
from desktop.ui.csv.models import CsvPreviewModel, ImportReportModel
from desktop.ui.widgets import MessageLabel, error_text, named

log = logging.getLogger(__name__)

KIND_LABELS = ((ImportKind.SHOTS, "Shots"), (ImportKind.ASSETS, "Assets"), (ImportKind.CASTING, "Casting"),
               (ImportKind.EDITS, "Edits"))
DELIMITER_OVERRIDES = ((None, "Detect"), (";", "Semicolon ;"), (",", "Comma ,"), ("\t", "Tab"), ("|", "Pipe |"))
IGNORE = "— not imported —"
LEVEL_PREFIX = {"error": "✖ ", "warning": "⚠ ", "info": "• "}


class ImportWizard(QWizard):
    """Import a CSV file into `project`. Emits `imported(ImportReport)` when an import ran.

    The steps themselves are `desktop.api.exports.CsvImport`'s (the CLI takes the same ones); the
    wizard shows them. Reading a file and checking many rows run off the event loop."""

    imported = Signal(object)
    state_changed = Signal()  # context, file, mapping, checks, plan or report changed (tests wait on it)

    def __init__(self, client: ZouClient, settings: Settings, project: Project, parent: QWidget | None = None,
                 *, kind: ImportKind | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.settings = settings
        self.project = project
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._task_failed)
        self.setObjectName("csvImportWizard")
        self.setWindowTitle(f"Import CSV into {project.name}")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)

        saved_kind = settings.csv_import_kind or "shots"
        self.pipeline = CsvImport(client.session, project.id, kind or (
            ImportKind(saved_kind) if saved_kind in {k.value for k in ImportKind} else ImportKind.SHOTS))
        self.progress_done = 0

        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.summary_page = SummaryPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.mapping_page, self.summary_page, self.run_page):
            self.addPage(page)
        self.load_context()

    # ------------------------------------------------------------------ state (the pipeline's)
    @property
    def kind(self) -> ImportKind:
        return self.pipeline.kind

    @property
    def path(self) -> Path | None:
        return self.pipeline.path

    @property
    def table(self) -> CsvTable | None:
        return self.pipeline.table

    @property
    def context(self) -> ImportContext | None:
        return self.pipeline.context

    @property
    def targets(self) -> list[TargetColumn]:
        return self.pipeline.targets

    @property
    def mapping(self) -> list[str | None]:
        return self.pipeline.mapping

    @property
    def mapped(self) -> CsvTable | None:
        return self.pipeline.mapped

    @property
    def problems(self) -> list[CsvWarning]:
        return self.pipeline.problems

    @property
    def mapping_errors(self) -> list[CsvWarning]:
        return self.pipeline.mapping_errors

    @property
    def row_errors(self) -> list[CsvWarning]:
        return self.pipeline.row_errors

    @property
    def plan(self) -> ImportPlan | None:
        return self.pipeline.plan

    @property
    def report(self) -> ImportReport | None:
        return self.pipeline.report

    @property
    def update_existing(self) -> bool:
        return self.summary_page.update_box.isChecked()

    # ------------------------------------------------------------------ steps
    def set_kind(self, kind: ImportKind) -> None:
        if kind == self.kind and self.context is not None:
            return
        self.settings.csv_import_kind = kind.value
        self.pipeline.set_kind(kind)
        self._mapping_reset()
        self.load_context()

    def load_context(self) -> None:
        self.runner.run(self._load_context(), key="context")

    async def _load_context(self) -> None:
        await self.pipeline.load_context()
        self._mapping_reset()

    def load_file(self, path: str | Path, delimiter: str | None = None) -> asyncio.Task[bool]:
        """Start reading a file (`read_file`); a newer file cancels an older one still being read."""
        return self.runner.run(self.read_file(path, delimiter), key="file")

    async def read_file(self, path: str | Path, delimiter: str | None = None) -> bool:
        """Read and preview a file, off the event loop, with progress; False (with the reason shown on
        the first page) when it cannot be read."""
        path = Path(path)
        self.settings.csv_import_dir = str(path.parent)
        self.file_page.show_reading(path)
        self.runner.cancel("checks")
        try:
            table = await self.pipeline.read_file(path, delimiter, progress=self.file_page.show_read_progress)
        except CsvFormatError as exc:
            self.file_page.show_error(str(exc))
            ok = False
        else:
            self.file_page.show_table(table)
            ok = True
        self._mapping_reset()
        return ok

    def set_mapping(self, column: int, target: str | None) -> None:
        self.pipeline.set_mapping(column, target)
        self._checks_changed()
        self.runner.run(self._check(), key="checks")

    async def _check(self) -> None:
        await self.pipeline.check()
        self._checks_changed()

    def _mapping_reset(self) -> None:
        """A new context, file or kind: the suggested mapping is shown again."""
        self.mapping_page.fill()
        self._checks_changed()
        self.file_page.completeChanged.emit()

    def _checks_changed(self) -> None:
        self.mapping_page.show_problems()
        self.mapping_page.completeChanged.emit()
        self.state_changed.emit()

    def start_plan(self) -> None:
        self.pipeline.plan = None
        if self.mapped is None or self.context is None:
            return

        def done(_plan: ImportPlan) -> None:
            self.summary_page.show_plan()
            self.state_changed.emit()

        self.runner.run(self.pipeline.dry_run(), key="plan", on_done=done)

    def start_import(self) -> None:
        mapped = self.mapped
        if mapped is None:
            return
        self.pipeline.report = None
        self.progress_done = 0

        def progress(done: int, total: int | None) -> None:
            self.progress_done = done
            self.run_page.show_progress(done, total or len(mapped.rows))

        def done(report: ImportReport) -> None:
            self.run_page.show_report(report)
            self.imported.emit(report)
            self.state_changed.emit()

        self.settings.csv_import_update = self.update_existing
        self.runner.run(self.pipeline.run(update=self.update_existing, progress=progress), key="import",
                        on_done=done)

    def _task_failed(self, key: str, exc: BaseException) -> None:
        text = error_text(exc)
        if key == "context":
            self.file_page.message.show_message(f"Cannot read the project's settings: {text}")
        elif key == "file":
            self.file_page.show_error(f"Cannot read the file: {text}")
        elif key == "checks":
            self.mapping_page.loading.setText(f"Cannot check the rows: {text}")
        elif key == "plan":
            self.summary_page.message.show_message(text)
        elif key == "import":
            self.run_page.show_failure(text)
        self.state_changed.emit()

    def done(self, result: int) -> None:
        self.runner.cancel_all()
        super().done(result)


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Choose the file")
        self.setSubTitle("Slate reads the file, detects its encoding and delimiter, and shows its rows.")
        self.kind_combo = named(QComboBox(), "csvImportKind", "What to import")
        for kind, label in KIND_LABELS:
            self.kind_combo.addItem(label, kind.value)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(wizard.kind.value)))
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.path_edit = named(QLineEdit(), "csvImportPath", "File")
        self.path_edit.setReadOnly(True)
        browse = named(QPushButton("Choose…"), "csvImportBrowse", "Choose the CSV file")
        browse.clicked.connect(self._browse)
        self.delimiter = named(QComboBox(), "csvImportDelimiter", "Delimiter")
        for value, label in DELIMITER_OVERRIDES:
            self.delimiter.addItem(label, value)
        self.delimiter.currentIndexChanged.connect(self._reload)
        self.detected = named(QLabel(""), "csvImportDetected", "Detected format")
        self.read_bar = named(QProgressBar(), "csvImportReadProgress", "Reading the file")
        self.read_bar.setRange(0, 1000)
        self.read_bar.hide()
        self.message = MessageLabel(self)
        self.preview_model = CsvPreviewModel(parent=self)
        self.preview = named(QTableView(), "csvImportPreview", "Preview of the file")
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Import", self.kind_combo)
        form.addRow("File", row)
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Detected", self.detected)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.read_bar)
        layout.addWidget(self.message)
        layout.addWidget(self.preview, 1)

    def _kind_changed(self) -> None:
        self.w.set_kind(ImportKind(self.kind_combo.currentData()))

    def _browse(self) -> None:
        start = self.w.settings.csv_import_dir
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", start, "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.w.load_file(path, self.delimiter.currentData())

    def _reload(self) -> None:
        if self.w.path is not None:
            self.w.load_file(self.w.path, self.delimiter.currentData())

    def show_reading(self, path: Path) -> None:
        self.path_edit.setText(str(path))
        self.message.clear_message()
        self.preview_model.set_table(None)
        self.detected.setText(f"Reading {path.name}…")
        self.read_bar.setValue(0)
        self.read_bar.show()
        self.completeChanged.emit()

    def show_read_progress(self, done: int, total: int | None) -> None:
        self.read_bar.setValue(round(done * 1000 / total) if total else 0)

    def show_table(self, table: CsvTable) -> None:
        self.read_bar.hide()
        self.message.clear_message()
        self.path_edit.setText(str(self.w.path or ""))
        self.preview_model.set_table(table)
        shown = f" (first {self.preview_model.limit} shown)" if len(table.rows) > self.preview_model.limit else ""
        self.detected.setText(f"{table.encoding_label} · {table.delimiter_label} · {len(table.headers)} columns · "
                              f"{len(table.rows)} rows{shown}")
        notes = [str(w) for w in table.warnings if w.level != "info"]
        if notes:
            self.message.show_message("\n".join(notes), "warn")

    def show_error(self, text: str) -> None:
        self.read_bar.hide()
        self.path_edit.setText(str(self.w.path or ""))
        self.preview_model.set_table(None)
        self.detected.setText("")
        self.message.show_message(text)

    def isComplete(self) -> bool:
        return self.w.table is not None and self.read_bar.isHidden()


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Match the columns")
        self.setSubTitle("Each column of the file goes to a column Zou reads. Mandatory ones are marked *.")
        self.loading = QLabel("Reading the project's task types and metadata…")
        self.table = named(QTableWidget(0, 3), "csvImportMapping", "Column mapping")
        self.table.setHorizontalHeaderLabels(["Column in the file", "First values", "Imported as"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems = named(QListWidget(), "csvImportProblems", "Warnings")
        layout = QVBoxLayout(self)
        layout.addWidget(self.loading)
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("Checks"))
        layout.addWidget(self.problems, 2)
        self._filling = False

    def combo(self, column: int) -> QComboBox:
        widget = self.table.cellWidget(column, 2)
        assert isinstance(widget, QComboBox)
        return widget

    def fill(self) -> None:
        self._filling = True
        try:
            table = self.w.table
            self.table.setRowCount(0)
            if table is None or not self.w.targets:
                return
            self.table.setRowCount(len(table.headers))
            for col, header in enumerate(table.headers):
                # The first 50 rows only (`table.column` would walk every row of a big file).
                firsts = (row[col] if col < len(row) else "" for row in table.rows[:50])
                samples = [v for v in firsts if v.strip()][:3] if header else []
                self.table.setItem(col, 0, QTableWidgetItem(header or f"(column {col + 1})"))
                self.table.setItem(col, 1, QTableWidgetItem(" · ".join(samples)))
                combo = QComboBox()
                combo.setObjectName(f"csvImportMap{col}")
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                combo.addItem(IGNORE, None)
                for target in self.w.targets:
                    combo.addItem(target.label, target.name)
                current = self.w.mapping[col] if col < len(self.w.mapping) else None
                combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)
                combo.currentIndexChanged.connect(lambda _i, c=col, box=combo: self._changed(c, box))
                self.table.setCellWidget(col, 2, combo)
            self.table.resizeColumnToContents(0)
        finally:
            self._filling = False
        self.show_problems()

    def _changed(self, column: int, combo: QComboBox) -> None:
        if not self._filling:
            data = combo.currentData()
            self.w.set_mapping(column, str(data) if data else None)

    def show_problems(self) -> None:
        if self.w.context is None:
            self.loading.setText("Reading the project's task types and metadata…")
        elif self.w.pipeline.checking:
            self.loading.setText("Checking the rows…")
        self.loading.setVisible(self.w.context is None or self.w.pipeline.checking)
        self.problems.clear()
        for p in self.w.problems:
            item = QListWidgetItem(LEVEL_PREFIX.get(p.level, "") + str(p))
            item.setData(Qt.ItemDataRole.UserRole, p.level)
            self.problems.addItem(item)

    def initializePage(self) -> None:
        self.fill()

    def isComplete(self) -> bool:
        return self.w.context is not None and self.w.mapped is not None and not self.w.mapping_errors


class SummaryPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Dry run")
        self.setSubTitle("Nothing is imported yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        self.update_box = named(QCheckBox("Update existing rows (Zou's update option)"), "csvImportUpdate",
                                "Update existing rows")
        self.update_box.setChecked(wizard.settings.csv_import_update)
        self.update_box.toggled.connect(self.show_plan)
        self.plan_label = named(QLabel("Comparing with the project…"), "csvImportPlan", "Dry-run summary")
        self.plan_label.setWordWrap(True)
        self.checks_label = QLabel("")
        self.checks_label.setWordWrap(True)
        self.anyway = named(QCheckBox("Import anyway (Zou stops at the first refused row; the rows before it "
                                      "stay imported)"), "csvImportAnyway", "Import anyway")
        self.anyway.toggled.connect(self.completeChanged)
        self.message = MessageLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.update_box)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.checks_label)
        layout.addWidget(self.anyway)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.message.clear_message()
        self.plan_label.setText("Comparing with the project…")
        errors = self.w.row_errors
        warnings = [p for p in self.w.problems if p.level == "warning"]
        parts = []
        if errors:
            parts.append(f"{len(errors)} row(s) will be refused by Zou, first: {errors[0]}")
        if warnings:
            parts.append(f"{len(warnings)} warning(s) on the previous page.")
        self.checks_label.setText("\n".join(parts))
        self.anyway.setChecked(False)
        self.anyway.setVisible(bool(errors))
        self.w.start_plan()

    def show_plan(self) -> None:
        if self.w.plan is not None:
            n = len(self.w.mapped.rows) if self.w.mapped is not None else 0
            self.plan_label.setText(f"{n} row(s) read. {self.w.plan.summary(self.update_box.isChecked())}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.plan is not None and (not self.w.row_errors or self.anyway.isChecked())


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Import")
        self.bar = named(QProgressBar(), "csvImportProgress", "Import progress")
        self.result = named(QLabel(""), "csvImportResult", "Import result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_model = ImportReportModel(self)
        self.report_view = named(QTableView(), "csvImportReport", "Rows of the import")
        self.report_view.setModel(self.report_model)
        self.report_view.horizontalHeader().setStretchLastSection(True)
        self.report_view.verticalHeader().setVisible(False)
        self._finished = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.result)
        layout.addWidget(self.report_view, 1)

    def initializePage(self) -> None:
        self._finished = False
        self.bar.setRange(0, 0)
        self.result.setText("Importing…")
        self.report_model.set_report(None)
        self.w.start_import()

    def show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.result.setText(f"Importing… {done} of {total} rows")

    def show_report(self, report: ImportReport) -> None:
        self._finished = True
        self.bar.setRange(0, max(report.total, 1))
        self.bar.setValue(len(report.imported))
        self.result.setText(report.summary())
        self.report_model.set_report(report)
        self.completeChanged.emit()

    def show_failure(self, text: str) -> None:
        self._finished = True
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.result.setText(f"Nothing was imported: {text}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._finished
