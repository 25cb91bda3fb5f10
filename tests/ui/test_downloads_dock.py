"""The Downloads dock drives real downloads from the real Zou (pytest-qt, qasync loop)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, ZouSession
from desktop.api.downloads import ConflictPolicy, DownloadItem, DownloadManager, DownloadSource, Status
from desktop.api.downloads import sources as ds
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.downloads import DownloadsDock, DownloadsModel
from desktop.ui.downloads.model import ITEM_ID_ROLE, PROGRESS_ROLE, Column
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import ZouAdmin
from tests.ui.conftest import run_async

MB = 1 << 20


@pytest.fixture(scope="module")
def project(zou_admin: ZouAdmin) -> SeededProject:
    return seed_small_project(zou_admin)


def attach(admin: ZouAdmin, project: SeededProject, name: str, data: bytes) -> dict[str, Any]:
    task_id = project.tasks[("SQ01/SH030", "Animation")]
    r = admin.http.post(f"/actions/tasks/{task_id}/comment",
                        data={"task_status_id": project.statuses["wip"]["id"], "comment": name},
                        files={"file": (name, data, "application/octet-stream")})
    assert r.status_code < 300, r.text[:300]
    return dict(r.json()["attachment_files"][0])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as p:
        yield p


class Harness:
    def __init__(self, qtbot: QtBot, project: SeededProject, settings: Settings, tmp: Path) -> None:
        self.qtbot, self.project, self.settings, self.tmp = qtbot, project, settings, tmp
        self.docks: list[DownloadsDock] = []
        self.sessions: list[ZouSession] = []

    def session(self, url: str) -> ZouSession:
        session = ZouSession(url, client=httpx.AsyncClient(timeout=10))
        self.sessions.append(session)
        artist = self.project.artist
        assert isinstance(run_async(self.qtbot, session.sign_in(artist.email, artist.password)), SignedIn)
        return session

    def dock(self, session: ZouSession, **manager_kw: Any) -> DownloadsDock:
        manager = None
        if manager_kw:
            manager = DownloadManager(session, state_file=self.tmp / "queue.json", **manager_kw)
        dock = DownloadsDock(session, self.settings, None, state_file=self.tmp / "queue.json", manager=manager)
        self.qtbot.addWidget(dock)
        dock.show()
        self.docks.append(dock)
        return dock

    def wait_status(self, item: DownloadItem, *statuses: Status, timeout: int = 20000) -> None:
        self.qtbot.waitUntil(lambda: item.status in statuses, timeout=timeout)

    def select(self, dock: DownloadsDock, item: DownloadItem) -> None:
        dock.model.flush()
        dock.table.clearSelection()
        dock.table.selectRow(dock.model.row_of(item.id))
        assert dock.selected_items() == [item]

    def close(self) -> None:
        for dock in self.docks:
            run_async(self.qtbot, dock.shutdown())
        for session in self.sessions:
            run_async(self.qtbot, session.http.aclose())


@pytest.fixture
def harness(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, project: SeededProject, settings: Settings,
            tmp_path: Path) -> Iterator[Harness]:
    h = Harness(qtbot, project, settings, tmp_path)
    try:
        yield h
    finally:
        h.close()


def test_dock_downloads_a_file_and_shows_it(harness: Harness, zou_admin: ZouAdmin, zou_server: LocalZou,
                                            qtmodeltester: ModelTester) -> None:
    data = os.urandom(2 * MB)
    record = attach(zou_admin, harness.project, "from-the-dock.bin", data)
    dock = harness.dock(harness.session(zou_server.url))
    assert dock.objectName() == "downloadsDock"
    qtmodeltester.check(dock.model)
    folder = harness.tmp / "project-folder"
    (item,) = dock.enqueue(ds.attachment_source(record, project_id=harness.project.id), folder=folder)
    qtmodeltester.check(dock.model)
    harness.wait_status(item, Status.DONE)
    dock.model.flush()
    qtmodeltester.check(dock.model)
    assert not dock.grab().isNull()  # the progress delegate paints

    target = folder / "from-the-dock.bin"
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    row = dock.model.row_of(item.id)
    model = dock.model
    assert model.index(row, Column.NAME).data() == "from-the-dock.bin"
    assert model.index(row, Column.STATUS).data() == "Done"
    assert model.index(row, Column.PROGRESS).data(PROGRESS_ROLE) == 1000
    assert model.index(row, Column.NAME).data(ITEM_ID_ROLE) == item.id
    assert dock.total_bar.value() == dock.total_bar.maximum()
    assert dock.summary.text() == "Done"

    # The folder is remembered for the project: the next download goes there without asking.
    assert dock.settings.downloads_folder[harness.project.id] == str(folder)
    assert dock.project_folder(harness.project.id) == folder

    opened: list[QUrl] = []
    dock.open_url = opened.append
    harness.select(dock, item)
    assert dock.show_button.isEnabled()
    harness.qtbot.mouseClick(dock.show_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(folder))]

    assert dock.clear_button.isEnabled()
    harness.qtbot.mouseClick(dock.clear_button, Qt.MouseButton.LeftButton)
    assert dock.model.rowCount() == 0 and target.exists()  # cleared from the list, the file stays
    qtmodeltester.check(dock.model)


def test_pause_resume_and_cancel_buttons(harness: Harness, zou_admin: ZouAdmin, proxy: FaultProxy,
                                         qtmodeltester: ModelTester) -> None:
    data = os.urandom(2 * MB)
    keep, drop = (attach(zou_admin, harness.project, n, data) for n in ("keep.bin", "drop.bin"))
    sources = [ds.attachment_source(keep), ds.attachment_source(drop)]
    for source in sources:  # each transfer is cut once, then waits a minute before its retry
        proxy.add_rule("truncate", keep=0.5, times=1, path=source.path)
    dock = harness.dock(harness.session(proxy.url), retry_delay=60)
    folder = harness.tmp / "out"
    first, second = dock.enqueue(sources, folder=folder)
    harness.qtbot.waitUntil(lambda: bool(first.error and second.error), timeout=20000)  # both retrying
    qtmodeltester.check(dock.model)

    harness.select(dock, first)
    assert dock.pause_button.isEnabled() and not dock.resume_button.isEnabled()
    harness.qtbot.mouseClick(dock.pause_button, Qt.MouseButton.LeftButton)
    harness.wait_status(first, Status.PAUSED)
    assert (folder / "keep.bin.part").stat().st_size == len(data) // 2

    harness.select(dock, second)
    harness.qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)
    harness.wait_status(second, Status.CANCELED)
    assert not (folder / "drop.bin.part").exists()

    harness.select(dock, first)
    dock.model.flush()
    assert dock.resume_button.isEnabled()
    harness.qtbot.mouseClick(dock.resume_button, Qt.MouseButton.LeftButton)
    harness.wait_status(first, Status.DONE)
    assert (folder / "keep.bin").read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == ["keep.bin"]

    harness.select(dock, second)
    dock.model.flush()
    assert dock.retry_button.isEnabled()
    harness.qtbot.mouseClick(dock.retry_button, Qt.MouseButton.LeftButton)
    harness.wait_status(second, Status.DONE)
    assert (folder / "drop.bin").read_bytes() == data
    qtmodeltester.check(dock.model)


def test_parallelism_and_conflict_settings_persist(harness: Harness, zou_admin: ZouAdmin,
                                                   zou_server: LocalZou) -> None:
    record = attach(zou_admin, harness.project, "exists.txt", b"server copy")
    session = harness.session(zou_server.url)
    dock = harness.dock(session)
    dock.parallel_spin.setValue(5)
    assert dock.manager.parallel == 5 and harness.settings.downloads_parallel == 5
    dock.policy_combo.setCurrentIndex(dock.policy_combo.findData(ConflictPolicy.ASK.value))
    assert dock.manager.conflict_policy is ConflictPolicy.ASK

    folder = harness.tmp / "shared"
    folder.mkdir()
    (folder / "exists.txt").write_bytes(b"local copy")
    (item,) = dock.enqueue([ds.attachment_source(record)], folder=folder)
    assert item.status is Status.CONFLICT
    dock.model.flush()
    row = dock.model.row_of(item.id)
    assert dock.model.index(row, Column.STATUS).data() == "File exists"
    harness.select(dock, item)
    menu = dock._menu()
    keep_both = next(a for a in menu.actions() if a.objectName() == "downloadsKeepBoth")
    keep_both.trigger()
    harness.wait_status(item, Status.DONE)
    assert (folder / "exists.txt").read_bytes() == b"local copy"
    assert (folder / "exists (1).txt").read_bytes() == b"server copy"

    # A new dock (a new app run) reads the same settings and the saved queue.
    run_async(harness.qtbot, dock.shutdown())
    harness.docks.remove(dock)
    again = harness.dock(session)
    assert again.parallel_spin.value() == 5 and again.manager.parallel == 5
    assert again.manager.conflict_policy is ConflictPolicy.ASK
    assert [i.id for i in again.manager.items] == [item.id]
    assert again.model.rowCount() == 1


def test_model_coalesces_progress_into_few_repaints(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                                                   tmp_path: Path, qtmodeltester: ModelTester) -> None:
    """A burst of progress reports from several transfers becomes one dataChanged per flush."""
    session = ZouSession("http://127.0.0.1:9")
    manager = DownloadManager(session, state_file=None)
    items = [DownloadItem(id=f"i{n}", source=DownloadSource(path=f"/f{n}", name=f"f{n}.bin"), folder=str(tmp_path),
                          file_name=f"f{n}.bin", status=Status.ACTIVE, total=1000) for n in range(3)]
    model = DownloadsModel(manager)
    for item in items:
        manager._items[item.id] = item
        manager._emit(item, "added")
    qtmodeltester.check(model)
    model.flush()
    changes: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, _roles=(): changes.append((top.row(), bottom.row())))
    for step in range(1, 101):
        for item in items:
            item.received = step * 10
            manager._emit(item, "progress")
    assert changes == []  # nothing repainted yet: the flush timer coalesces
    with qtbot.waitSignal(model.refreshed, timeout=2000):
        pass
    assert changes == [(0, 2)]
    assert model.index(1, Column.PROGRESS).data(PROGRESS_ROLE) == 1000
    qtmodeltester.check(model)
    model.detach()
    run_async(qtbot, manager.shutdown())
    run_async(qtbot, session.aclose())


def test_resume_after_sign_in_resumes_what_the_expired_session_paused(
        harness: Harness, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    data = os.urandom(100_000)
    record = attach(zou_admin, harness.project, "expired.bin", data)
    session = harness.session(zou_server.url)
    session.set_tokens(None)  # the session ended before the transfer started
    dock = harness.dock(session)
    (item,) = dock.enqueue(ds.attachment_source(record), folder=harness.tmp / "out")
    harness.wait_status(item, Status.PAUSED)
    assert item.waiting_for_sign_in and item.error_type == "SessionExpired"
    artist = harness.project.artist
    assert isinstance(run_async(harness.qtbot, session.sign_in(artist.email, artist.password)), SignedIn)
    dock.resume_after_sign_in()
    harness.wait_status(item, Status.DONE)
    assert (harness.tmp / "out" / "expired.bin").read_bytes() == data
