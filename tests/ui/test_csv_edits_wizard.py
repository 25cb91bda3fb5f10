"""The import wizard imports edits as it imports shots and assets: preview, mapping, dry run, the report,
leading zeros kept (against the real Zou)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, ZouClient, ZouSession
from desktop.api.exports import ImportReport
from desktop.api.records import Project
from desktop.csvio import ImportKind
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.csv import ImportWizard
from tests.helpers.zou import ZouAdmin, unique
from tests.ui.conftest import run_async

WAIT_MS = 15_000


def test_import_wizard_imports_edits(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou,
                                     zou_admin: ZouAdmin, window_settings: Settings, tmp_path: Path) -> None:
    manager = zou_admin.create_user("manager")
    project = Project.from_json(zou_admin.create_project(unique("EditWizard"), team=[manager]))
    session = ZouSession(zou_server.url)
    assert isinstance(run_async(qtbot, session.sign_in(manager.email, manager.password)), SignedIn)
    try:
        path = tmp_path / "edits.csv"
        path.write_text("Name;Description;Reel\n001;Opening;A\n020;Credits;B\n", encoding="utf-8")
        wizard = ImportWizard(ZouClient(session), window_settings, project, kind=ImportKind.EDITS)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.context is not None, timeout=WAIT_MS)
        assert wizard.kind is ImportKind.EDITS
        assert run_async(qtbot, wizard.read_file(path))
        assert wizard.file_page.preview_model.rowCount() == 2
        wizard.next()
        mapping = wizard.mapping_page
        assert [mapping.combo(c).currentData() for c in range(3)] == ["Name", "Description", None]
        qtbot.waitUntil(mapping.isComplete, timeout=WAIT_MS)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.plan is not None, timeout=WAIT_MS)
        assert "2 new row(s) will be created." in wizard.summary_page.plan_label.text()
        with qtbot.waitSignal(wizard.imported, timeout=WAIT_MS) as blocker:
            wizard.next()
        report = blocker.args[0]
        assert isinstance(report, ImportReport) and report.ok and report.kind is ImportKind.EDITS
        assert wizard.run_page.result.text() == "2 of 2 row(s) imported."
        assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
        edits = {e["name"]: e for e in zou_admin.get(f"/data/projects/{project.id}/edits")}
        assert sorted(edits) == ["001", "020"] and edits["020"]["description"] == "Credits"
    finally:
        run_async(qtbot, session.aclose())
