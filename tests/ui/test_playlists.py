"""The Playlists pane against the real Zou: playlists, entries, lazy thumbnails, CSV, all previews."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, ZouClient, ZouSession
from desktop.api.exports import ExportResult
from desktop.api.records import Project
from desktop.csvio import CsvFormat
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.csv.options import ExportChoice
from desktop.ui.playlists import PlaylistsPane
from tests.helpers.csv_seed import CsvSeed, make_playlist, prepare_project, seed_csv_project
from tests.helpers.zou import ZouAdmin
from tests.ui.conftest import run_async

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def seed(zou_admin: ZouAdmin) -> Iterator[CsvSeed]:
    yield seed_csv_project(zou_admin)


@pytest.fixture
def pane(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou, seed: CsvSeed,
         tmp_path: Path) -> Iterator[PlaylistsPane]:
    session = ZouSession(zou_server.url)
    assert isinstance(run_async(qtbot, session.sign_in(seed.supervisor.email, seed.supervisor.password)), SignedIn)
    settings = Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))
    widget = PlaylistsPane(ZouClient(session), settings)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    yield widget
    widget.close()
    run_async(qtbot, session.aclose())


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=","))


def test_pane_lists_playlists_and_entries(qtbot: QtBot, pane: PlaylistsPane, seed: CsvSeed,
                                          qtmodeltester: object) -> None:
    assert pane.objectName() == "playlistsPane"
    with qtbot.waitSignal(pane.playlists_loaded, timeout=WAIT_MS):
        pane.set_project(Project.from_json(seed.project))
    names = [pane.list_model.data(pane.list_model.index(r)) for r in range(pane.list_model.rowCount())]
    assert sorted(names) == ["Dailies", "No preview"] and not pane.episode_combo.isVisible()
    assert not pane.export_button.isEnabled() and not pane.download_button.isEnabled()
    qtmodeltester.check(pane.list_model)  # type: ignore[attr-defined]

    row = pane.list_model.row_of(seed.playlists["Dailies"])
    with qtbot.waitSignal(pane.playlist_opened, timeout=WAIT_MS):
        pane.list_view.setCurrentIndex(pane.list_model.index(row))  # a click on the list
    model = pane.entries_model
    assert [[model.data(model.index(r, c)) for c in range(1, 5)] for r in range(model.rowCount())] == [
        ["SQ01 / 001", "Animation", "v1", "48"], ["SQ01 / 002", "Layout", "v1", "72"]]
    assert pane.title.text() == "Dailies — 2 entries"
    assert pane.download_button.text() == "Download all previews (2)" and pane.export_button.isEnabled()
    qtmodeltester.check(model)  # type: ignore[attr-defined]

    # Thumbnails: a placeholder first, the real picture once fetched (only for what is asked).
    first = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert isinstance(first, QPixmap) and first.cacheKey() == model.placeholder().cacheKey()
    qtbot.waitUntil(lambda: model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole).cacheKey()
                    != model.placeholder().cacheKey(), timeout=WAIT_MS)
    assert pane._own_thumbnails is not None and pane._own_thumbnails.downloads >= 1


def test_download_all_previews_and_export_csv(qtbot: QtBot, pane: PlaylistsPane, seed: CsvSeed,
                                              tmp_path: Path) -> None:
    run_async(qtbot, pane.load(seed.id, project_name=seed.name))
    run_async(qtbot, pane.open_playlist(seed.playlists["Dailies"]))
    assert pane.list_view.currentIndex().row() == pane.list_model.row_of(seed.playlists["Dailies"])
    with qtbot.waitSignal(pane.download_previews_requested, timeout=WAIT_MS) as blocker:
        button = pane.findChild(QPushButton, "playlistsDownload")
        assert button is pane.download_button
        button.click()
    assert blocker.args == [[seed.previews["SQ01/001"], seed.previews["SQ01/002"]]]

    out = tmp_path / "dailies.csv"
    result = run_async(qtbot, pane.export_csv(ExportChoice(out, CsvFormat(delimiter=",", bom=True), "nothing")))
    assert isinstance(result, ExportResult) and result.note == ""
    rows = _rows(out)
    assert rows[0][2] == "Dailies" and [r[0] for r in rows[3:]] == ["SQ01 / 001", "SQ01 / 002"]
    assert pane.message.text() == "Saved dailies.csv."

    # The playlist Zou cannot export (an entry without preview) is built locally, and said so.
    run_async(qtbot, pane.open_playlist(seed.playlists["No preview"]))
    assert pane.entries_model.data(pane.entries_model.index(1, 0)) == "no preview"
    assert pane.download_button.text() == "Download all previews (1)"
    result = run_async(qtbot, pane.export_csv(ExportChoice(tmp_path / "np.csv", CsvFormat(), "nothing")))
    assert "built the file" in result.note and "built the file" in pane.message.text()


def test_episodes_of_a_tv_show(qtbot: QtBot, pane: PlaylistsPane, seed: CsvSeed, zou_admin: ZouAdmin) -> None:
    project, _, _ = prepare_project(zou_admin, team=[seed.supervisor], production_type="tvshow")
    episode = zou_admin.post(f"/data/projects/{project['id']}/episodes", {"name": "E01"})
    make_playlist(zou_admin, project["id"], "E01 dailies", [], episode_id=episode["id"])
    make_playlist(zou_admin, project["id"], "Main pack review", [])
    with qtbot.waitSignal(pane.playlists_loaded, timeout=WAIT_MS):
        pane.set_project(Project.from_json(project))
    assert pane.episode_combo.isVisible()
    assert [pane.episode_combo.itemText(i) for i in range(pane.episode_combo.count())] == [
        "All playlists", "Main pack", "All episodes", "E01"]
    assert pane.list_model.rowCount() == 2
    with qtbot.waitSignal(pane.playlists_loaded, timeout=WAIT_MS):
        pane.episode_combo.setCurrentIndex(pane.episode_combo.findData(episode["id"]))
    assert [pane.list_model.data(pane.list_model.index(r)) for r in range(pane.list_model.rowCount())] == [
        "E01 dailies"]
    with qtbot.waitSignal(pane.playlists_loaded, timeout=WAIT_MS):
        pane.episode_combo.setCurrentIndex(pane.episode_combo.findData("main"))
    assert pane.list_model.data(pane.list_model.index(0)) == "Main pack review"
    tip = pane.list_model.data(pane.list_model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("for shots · updated ")
