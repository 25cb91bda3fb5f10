"""The CSV GUI: export options remembered, "export current view", and the import wizard on the real Zou."""

from __future__ import annotations

import asyncio
import csv
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QRegularExpression, QSettings, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView, QWizard
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, ZouClient, ZouSession
from desktop.api.exports import ImportReport, RowFailure
from desktop.api.records import Project
from desktop.csvio import CsvFormat, ImportKind, read_csv_bytes
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.csv import (
    EXPORT_TEXT_ROLE,
    CsvActions,
    ExportChoice,
    ExportOptionsDialog,
    ImportWizard,
    columns_for_view,
    export_view,
    export_view_async,
    load_prefs,
    visible_columns,
)
from desktop.ui.csv.models import CsvPreviewModel, ImportReportModel
from tests.helpers.csv_seed import prepare_project
from tests.helpers.zou import TestUser, ZouAdmin
from tests.ui.conftest import run_async

CHIP_ROLE = int(Qt.ItemDataRole.UserRole) + 1
WAIT_MS = 20_000


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


def _rows(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


# ------------------------------------------------------------------ options
def test_export_options_are_remembered(qtbot: QtBot, settings: Settings, tmp_path: Path) -> None:
    dialog = ExportOptionsDialog(settings, suggested_name="shots.csv")
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "csvExportOptions"
    assert dialog.delimiter.currentData() == ";" and not dialog.bom.isChecked()
    dialog.path_edit.setText(str(tmp_path / "out"))
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    dialog.bom.setChecked(True)
    dialog.open_when.setCurrentIndex(dialog.open_when.findData("folder"))
    dialog.accept()
    choice = dialog.choice()
    assert choice.path == tmp_path / "out.csv" and choice.format == CsvFormat(delimiter=",", bom=True)
    prefs = load_prefs(settings)
    assert (prefs.delimiter, prefs.bom, prefs.open_when_done, prefs.last_dir) == (",", True, "folder", str(tmp_path))
    again = ExportOptionsDialog(settings, suggested_name="assets.csv")
    qtbot.addWidget(again)
    assert again.delimiter.currentData() == "," and again.bom.isChecked()
    assert again.open_when.currentData() == "folder" and again.path_edit.text() == str(tmp_path / "assets.csv")
    again.path_edit.setText(str(tmp_path / "nowhere" / "x.csv"))
    again.accept()
    assert again.result() != ExportOptionsDialog.DialogCode.Accepted and "does not exist" in again.message.text()


# ------------------------------------------------------------------ export current view
@dataclass(frozen=True)
class Chip:  # what the main window's task cells hold at Role.Chip
    text: str
    assignee_names: tuple[str, ...]


def _model() -> QStandardItemModel:
    model = QStandardItemModel(0, 4)
    model.setHorizontalHeaderLabels(["Name", "Animation", "Frames", "Internal id"])
    data = [("001", "wip", ("Ada Lovelace",), "48", "a"), ("010", "done", (), "24", "b"),
            ("002", "retake", ("Ada Lovelace", "Bob"), "72", "c"), ("=cmd|'/C calc'!A0", "todo", (), "-12", "d"),
            ("skip me", "todo", (), "1", "e")]
    for name, status, who, frames, ident in data:
        status_item = QStandardItem(status)
        status_item.setData(Chip(status, who), CHIP_ROLE)
        model.appendRow([QStandardItem(name), status_item, QStandardItem(frames), QStandardItem(ident)])
    return model


def test_export_current_view_honours_filter_sort_and_column_order(qtbot: QtBot, tmp_path: Path) -> None:
    model = _model()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(0)
    proxy.setFilterRegularExpression(QRegularExpression("^(?!skip)"))
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.horizontalHeader().moveSection(2, 0)  # Frames shown first
    view.setColumnHidden(3, True)  # the id column is hidden
    columns = visible_columns(view)
    assert columns == [2, 0, 1]
    export_cols = columns_for_view(proxy, columns, assignees_role=CHIP_ROLE)
    assert [c.title for c in export_cols] == ["Frames", "Name", "Animation", "Animation assignees"]
    out = tmp_path / "view.csv"
    result = export_view(proxy, out, CsvFormat(), export_cols)
    assert _rows(out) == [
        ["Frames", "Name", "Animation", "Animation assignees"],
        ["-12", "'=cmd|'/C calc'!A0", "todo", ""],
        ["24", "010", "done", ""],
        ["72", "002", "retake", "Ada Lovelace, Bob"],
        ["48", "001", "wip", "Ada Lovelace"],
    ]
    assert result.neutralised == 1 and result.rows == 5
    # A model can give its own export text; the async variant writes the same rows.
    model.item(0, 0).setData("001 (exported)", EXPORT_TEXT_ROLE)
    progress: list[tuple[int, int | None]] = []
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        result = asyncio.get_event_loop().run_until_complete(
            export_view_async(proxy, tmp_path / "async.csv", CsvFormat(delimiter=","), export_cols, batch=2,
                              progress=lambda d, t: progress.append((d, t))))
    finally:
        asyncio.get_event_loop().close()
        asyncio.set_event_loop(None)
    rows = _rows(tmp_path / "async.csv", ",")
    assert rows[4] == ["48", "001 (exported)", "wip", "Ada Lovelace"] and progress
    # Without a view: every column, in model order.
    assert _rows(Path(export_view(model, tmp_path / "all.csv").path))[0] == ["Name", "Animation", "Frames",
                                                                            "Internal id"]


def test_tree_models_and_skipped_rows(tmp_path: Path) -> None:
    model = QStandardItemModel(0, 1)
    model.setHorizontalHeaderLabels(["Name"])
    group = QStandardItem("SQ01")
    group.appendRow(QStandardItem("001"))
    group.appendRow(QStandardItem("002"))
    model.appendRow(group)
    out = tmp_path / "tree.csv"
    export_view(model, out, skip_row=lambda m, i: m.hasChildren(i))
    assert _rows(out) == [["Name"], ["001"], ["002"]]


# ------------------------------------------------------------------ models
def test_wizard_models_pass_the_model_tester(qtmodeltester: object) -> None:
    preview = CsvPreviewModel(limit=2)
    preview.set_table(read_csv_bytes(b"Sequence;Name\nSQ01;001\n\nSQ01;002\nSQ01;003\n"))
    assert preview.rowCount() == 2 and preview.total_rows == 3
    assert preview.headerData(1, Qt.Orientation.Vertical) == "4"  # the file line, blank line counted
    qtmodeltester.check(preview)  # type: ignore[attr-defined]
    report = ImportReportModel()
    report.set_report(ImportReport(kind=ImportKind.SHOTS, total=3, update=False, imported=[(2, "SQ01 / 001")],
                                   not_imported=[(3, "SQ01 / 002"), (4, "SQ01 / 003")],
                                   failure=RowFailure(3, "Task status not found for nope", "SQ01 / 002")))
    assert [report.data(report.index(r, 2)) for r in range(3)] == [
        "imported", "failed: Task status not found for nope", "not imported"]
    qtmodeltester.check(report)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ import wizard (real Zou)
@pytest.fixture
def manager_project(zou_admin: ZouAdmin) -> tuple[TestUser, Project]:
    manager = zou_admin.create_user("manager", first_name="Max")
    project, _, _ = prepare_project(zou_admin, team=[manager])
    return manager, Project.from_json(project)


@pytest.fixture
def client(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou,
           manager_project: tuple[TestUser, Project]) -> Iterator[ZouClient]:
    session = ZouSession(zou_server.url)
    user = manager_project[0]
    assert isinstance(run_async(qtbot, session.sign_in(user.email, user.password)), SignedIn)
    yield ZouClient(session)
    run_async(qtbot, session.aclose())


def _wizard(qtbot: QtBot, client: ZouClient, settings: Settings, project: Project) -> ImportWizard:
    wizard = ImportWizard(client, settings, project, kind=ImportKind.SHOTS)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.context is not None, timeout=WAIT_MS)
    return wizard


def test_import_wizard_preview_mapping_dry_run_and_import(
        qtbot: QtBot, client: ZouClient, settings: Settings, manager_project: tuple[TestUser, Project],
        zou_admin: ZouAdmin, tmp_path: Path) -> None:
    project = manager_project[1]
    path = tmp_path / "shots.csv"
    path.write_bytes("\ufeffProject;Sequence;Name;Description;Frames;Animation;Assignations;Notes\r\n"
                     f"{project.name};SQ01;001;first;48;wip;;x\r\n"
                     f"{project.name};SQ01;002;'=2+2;24.0;todo;;y\r\n"
                     f"{project.name};SQ01;3;third;12;;;z\r\n".encode())
    wizard = _wizard(qtbot, client, settings, project)
    assert wizard.objectName() == "csvImportWizard"
    assert not wizard.file_page.isComplete()
    assert run_async(qtbot, wizard.read_file(path))
    page = wizard.file_page
    assert page.isComplete() and "UTF-8 with BOM (removed)" in page.detected.text()
    assert "semicolon" in page.detected.text() and "3 rows" in page.detected.text()
    assert page.preview_model.rowCount() == 3
    assert page.preview_model.headerData(0, Qt.Orientation.Horizontal) == "Project"

    wizard.next()
    mapping = wizard.mapping_page
    assert wizard.currentPage() is mapping and mapping.table.rowCount() == 8
    assert [mapping.combo(c).currentData() for c in range(8)] == [
        None, "Sequence", "Name", "Description", "Nb Frames", "Animation", "Animation assignations", None]
    assert "Sequence *" in [mapping.combo(1).itemText(i) for i in range(mapping.combo(1).count())]
    texts = [mapping.problems.item(i).text() for i in range(mapping.problems.count())]
    assert any("Line 4: Name \"3\" looks like \"003\"" in t for t in texts), texts
    assert any("Notes" in t for t in texts) and mapping.isComplete()
    # Un-mapping a mandatory column blocks the wizard until it is mapped again.
    mapping.combo(2).setCurrentIndex(0)
    assert not mapping.isComplete() and any("mandatory column \"Name\"" in p.message for p in wizard.problems)
    mapping.combo(2).setCurrentIndex(mapping.combo(2).findData("Name"))
    qtbot.waitUntil(mapping.isComplete, timeout=WAIT_MS)  # the rows are checked again

    wizard.next()
    summary = wizard.summary_page
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    assert "3 row(s) read. 3 new row(s) will be created." in summary.plan_label.text()
    assert summary.isComplete() and not summary.anyway.isVisible()

    with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS) as blocker:
        wizard.next()
    report = blocker.args[0]
    assert isinstance(report, ImportReport) and report.ok
    run = wizard.run_page
    assert run.result.text() == "3 of 3 row(s) imported." and run.report_model.rowCount() == 3
    assert run.isComplete() and wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    shots = {s["name"]: s for s in zou_admin.get(f"/data/projects/{project.id}/shots")}
    assert sorted(shots) == ["001", "002", "3"] and shots["002"]["description"] == "=2+2"
    assert shots["002"]["nb_frames"] == 24


def test_import_wizard_blocks_rows_zou_would_refuse_and_reports_the_failure(
        qtbot: QtBot, client: ZouClient, settings: Settings, manager_project: tuple[TestUser, Project],
        zou_admin: ZouAdmin, tmp_path: Path) -> None:
    project = manager_project[1]
    path = tmp_path / "shots.csv"
    path.write_text("Sequence,Name,Animation\nSQ01,001,wip\nSQ01,002,nope\nSQ01,003,wip\n", encoding="utf-8")
    wizard = _wizard(qtbot, client, settings, project)
    assert run_async(qtbot, wizard.read_file(path)) and "comma" in wizard.file_page.detected.text()
    wizard.next()
    wizard.next()
    summary = wizard.summary_page
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
    assert not summary.isComplete() and not summary.anyway.isHidden()
    assert "1 row(s) will be refused by Zou, first: Line 3" in summary.checks_label.text()
    summary.anyway.setChecked(True)
    assert summary.isComplete()
    with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS) as blocker:
        wizard.next()
    report = blocker.args[0]
    assert not report.ok and report.failure.line == 3
    assert "1 of 3 row(s) imported; Line 3 (SQ01 / 002)" in wizard.run_page.result.text()
    model = wizard.run_page.report_model
    assert [model.data(model.index(r, 2)) for r in range(3)][0::2] == ["imported", "not imported"]
    assert [s["name"] for s in zou_admin.get(f"/data/projects/{project.id}/shots")] == ["001"]


def test_import_wizard_explains_broken_files(qtbot: QtBot, client: ZouClient, settings: Settings,
                                             manager_project: tuple[TestUser, Project], tmp_path: Path) -> None:
    wizard = _wizard(qtbot, client, settings, manager_project[1])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert not run_async(qtbot, wizard.read_file(empty))
    assert wizard.file_page.message.text() == "The file is empty." and not wizard.file_page.isComplete()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("Sequence;Name\nSQ01;001\nSQ01;002;extra;cells\n", encoding="utf-8")
    assert not run_async(qtbot, wizard.read_file(ragged))
    assert wizard.file_page.message.text().startswith("Line 3: more values than the 2 column names")
    assert wizard.file_page.preview_model.rowCount() == 0
    # Switching to assets changes what the columns can map to.
    wizard.file_page.kind_combo.setCurrentIndex(wizard.file_page.kind_combo.findData("assets"))
    qtbot.waitUntil(lambda: wizard.context is not None and wizard.kind is ImportKind.ASSETS, timeout=WAIT_MS)
    assert [t.name for t in wizard.targets if t.mandatory] == ["Type", "Name"]


def test_import_wizard_refuses_a_too_big_file_naming_the_limit(
        qtbot: QtBot, client: ZouClient, settings: Settings, manager_project: tuple[TestUser, Project],
        tmp_path: Path) -> None:
    wizard = _wizard(qtbot, client, settings, manager_project[1])
    big = tmp_path / "huge.csv"
    with big.open("wb") as fh:  # sparse: 190 MB on paper, nothing on disk
        fh.write(b"Sequence;Name\n")
        fh.truncate(190_000_000)
    assert not run_async(qtbot, wizard.read_file(big))
    text = wizard.file_page.message.text()
    assert text.startswith("huge.csv is 190 MB: Slate imports CSV files up to 50 MB.") and "Split it" in text
    assert not wizard.file_page.isComplete() and wizard.file_page.read_bar.isHidden()


def test_import_wizard_reads_a_big_file_off_the_event_loop_with_progress(
        qtbot: QtBot, client: ZouClient, settings: Settings, manager_project: tuple[TestUser, Project],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: a big file froze the window while it was parsed. Now the loop keeps running (a ticker
    on it never waits long), the progress bar moves, and the parsing and the row checks run on a thread."""
    from desktop.api.exports import import_pipeline

    project = manager_project[1]
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Sequence;Name;Description;Frames;Animation\n")
        for i in range(120_000):
            fh.write(f"SQ{i // 1000:03d};SH{i:06d};a description of shot {i};48;wip\n")
    threads: list[str] = []
    real_read, real_check = import_pipeline.read_csv_file, import_pipeline.check_rows

    def watched[**P, T](real: Callable[P, T]) -> Callable[P, T]:
        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            threads.append(threading.current_thread().name)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(import_pipeline, "read_csv_file", watched(real_read))
    monkeypatch.setattr(import_pipeline, "check_rows", watched(real_check))
    wizard = _wizard(qtbot, client, settings, project)
    progress: list[int] = []
    wizard.file_page.read_bar.valueChanged.connect(progress.append)
    gaps: list[float] = []

    async def read_while_ticking() -> bool:
        task = asyncio.ensure_future(wizard.read_file(path))
        last = time.monotonic()
        while not task.done():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        return task.result()

    started = time.monotonic()
    assert run_async(qtbot, read_while_ticking(), timeout=120)
    took = time.monotonic() - started
    assert "120000 rows" in wizard.file_page.detected.text() and wizard.mapped is not None
    assert len(threads) == 2 and all(name.startswith("slate-csv") for name in threads), threads
    assert len(progress) >= 3 and 0 < progress[1] < 1000, progress
    assert max(gaps) < min(1.0, took / 3), (max(gaps), took)
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)  # the dry run's row loop: a thread too
    assert "120000 row(s) read. 120000 new row(s) will be created." in wizard.summary_page.plan_label.text()


def test_csv_actions_export_the_project_and_the_view(qtbot: QtBot, client: ZouClient, settings: Settings,
                                                     manager_project: tuple[TestUser, Project],
                                                     tmp_path: Path) -> None:
    actions = CsvActions(client, settings)
    messages: list[str] = []
    actions.finished.connect(messages.append)
    project = manager_project[1]
    choice = ExportChoice(tmp_path / "shots.csv", CsvFormat(delimiter=","), "nothing")
    result = run_async(qtbot, actions.export_project_to(project, "shots", choice))
    assert _rows(result.path, ",")[0][:4] == ["Project", "Episode", "Sequence", "Name"]
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(_model())
    view.setColumnHidden(3, True)
    written = run_async(qtbot, actions.export_view_to(view, ExportChoice(tmp_path / "view.csv", CsvFormat(),
                                                                         "nothing"), assignees_role=CHIP_ROLE))
    assert _rows(written.path)[0] == ["Name", "Animation", "Animation assignees", "Frames"]
    assert messages == ["Saved shots.csv.", "Saved view.csv (1 formula-like cell(s) made safe)."]
