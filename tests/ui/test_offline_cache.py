"""Reopen from the disk cache and offline reading, in the real main window against the real Zou.

"Server down" is a fault proxy in front of the shared Zou that cuts every connection (`cut`): stopping the
session's Zou would break the other tests. The proxy also counts requests and the bytes of their answers.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar
from pytestqt.qtbot import QtBot

from desktop.api import TokenStore, changes
from desktop.csvio import CsvFormat
from desktop.localzou import LocalZou
from desktop.models.lookups import natural_key
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.controller import AppController, default_main_window_factory
from desktop.ui.csv.options import ExportChoice
from desktop.ui.main_window import TAB_ASSETS, TAB_SHOTS, MainWindow
from desktop.ui.offline import READ_ONLY_REASON
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.auth_helpers import fixture_keyring_store  # noqa: F401 - a fixture, registered under its name
from tests.ui.conftest import OpenWindow, run_async

WAIT_MS = 15_000
RECOVER_MS = 30_000  # the back-off probe's first tries come after 2 s and 4 s
SHOTS = "/data/shots/with-tasks"
ASSETS = "/data/assets/with-tasks"


@dataclass
class Production:
    project: SeededProject
    manager: TestUser


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Production:
    artist = zou_admin.create_user("user", first_name="Ada")
    manager = zou_admin.create_user("manager", first_name="Max")
    project = seed_small_project(zou_admin, artist=artist, name=unique("Offline"), with_preview=False)
    zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": manager.id})
    return Production(project, manager)


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as p:
        yield p


def banner(window: MainWindow) -> QLabel:
    label = window.findChild(QLabel, "offlineBanner")
    assert label is not None
    return label


def close(qtbot: QtBot, window: MainWindow) -> None:
    run_async(qtbot, window.offline.cache.flush())
    window.close()
    run_async(qtbot, window.shutdown())


def test_reopen_shows_the_cached_rows_before_the_server_answers_then_a_304(
        open_window: Callable[..., OpenWindow], production: Production, proxy: FaultProxy, qtbot: QtBot) -> None:
    project = production.project
    first = open_window(production.manager, project_id=project.id, url=proxy.url).window
    shots = first.shots_pane.source.rowCount()
    assert shots == len(project.shots)
    first_bytes = proxy.body_bytes(SHOTS) + proxy.body_bytes(ASSETS)
    assert first_bytes > 0
    close(qtbot, first)

    proxy.reset()
    proxy.set_mode("delay", seconds=3.0, path=SHOTS)  # the server is slow to answer the shots list
    second, events = open_window(production.manager, project_id=project.id, url=proxy.url, wait_for=("shot",))
    # Loaded from the disk without waiting for the server: every row, sortable, not yet confirmed.
    pane = second.shots_pane
    cache = second.offline.cache
    assert pane.source.rowCount() == shots and cache.sources["shot"].source == "cache"
    assert proxy.body_bytes(SHOTS) == 0
    name = pane.source.column_index("name")
    pane.model.set_grouping(False)
    pane.model.sort(name, Qt.SortOrder.DescendingOrder)
    names = [pane.source.data_at(r, name, Qt.ItemDataRole.DisplayRole.value) for r in pane.model.entity_rows()]
    assert len(names) == shots and names == sorted(names, key=natural_key, reverse=True)
    # Then revalidated in the background: two 304s, no body, the rows kept, no second load.
    qtbot.waitUntil(lambda: cache.sources["shot"].source == "revalidated", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: events.count("asset") == 1 and cache.not_modified == 2, timeout=WAIT_MS)
    assert not events.failed and events.count("shot") == 1
    assert proxy.count(SHOTS) == 1 and proxy.count(ASSETS) == 1
    assert proxy.body_bytes(SHOTS) == 0 and proxy.body_bytes(ASSETS) == 0  # two 304s: no body
    assert pane.source.rowCount() == shots

    # F5 now asks If-None-Match too: no list is re-streamed.
    proxy.reset()
    second.refresh()
    qtbot.waitUntil(lambda: events.count("shot") == 2 and events.count("asset") == 2, timeout=WAIT_MS)
    assert proxy.count(SHOTS) == 1 and proxy.body_bytes(SHOTS) == 0 and cache.not_modified == 4


def test_lists_are_read_from_the_disk_one_at_a_time_the_one_on_screen_first(
        open_window: Callable[..., OpenWindow], production: Production, window_settings: Settings,
        qtbot: QtBot) -> None:
    project = production.project
    close(qtbot, open_window(production.manager, project_id=project.id).window)
    for tab, first in ((TAB_ASSETS, "asset"), (TAB_SHOTS, "shot")):
        window_settings.main_tab = tab
        window, events = open_window(production.manager, project_id=project.id)
        lists = [k for k in events.loaded if k in ("shot", "asset")]
        assert lists[0] == first, (tab, lists)
        assert window.offline.cache.disk_hits >= 2
        close(qtbot, window)


def _description(window: MainWindow, shot_id: str) -> object:
    table = window.shots_pane.source.table
    assert table is not None
    return next(r for r in table.row_dicts() if r["id"] == shot_id)["description"]


def test_a_change_on_the_server_between_two_opens_shows_up(
        open_window: Callable[..., OpenWindow], production: Production, zou_admin: ZouAdmin, proxy: FaultProxy,
        qtbot: QtBot) -> None:
    project = production.project
    first = open_window(production.manager, project_id=project.id, url=proxy.url).window
    close(qtbot, first)
    shot_id = project.shots["SQ01/SH010"]
    text = unique("between opens")
    zou_admin.put(f"/data/entities/{shot_id}", {"description": text})

    proxy.reset()
    second, events = open_window(production.manager, project_id=project.id, url=proxy.url)
    source = second.shots_pane.source
    assert source.rowCount() == len(project.shots)
    # The disk's rows first (loaded), then the ETag changed: a 200 replaces them (loaded again).
    qtbot.waitUntil(lambda: second.offline.cache.sources["shot"].source == "server", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: events.count("shot") == 2, timeout=WAIT_MS)
    assert proxy.body_bytes(SHOTS) > 0
    assert source.rowCount() == len(project.shots)
    assert _description(second, shot_id) == text


def test_a_change_applied_while_the_revalidation_is_on_its_way_is_not_lost(
        open_window: Callable[..., OpenWindow], production: Production, zou_admin: ZouAdmin, proxy: FaultProxy,
        qtbot: QtBot) -> None:
    """The server's new list was read before a change the window then applied (an event, a write): the
    list is asked for again, so the older answer does not overwrite the change."""
    project = production.project
    first = open_window(production.manager, project_id=project.id, url=proxy.url).window
    close(qtbot, first)
    shot_id = project.shots["SQ01/SH020"]
    zou_admin.put(f"/data/entities/{shot_id}", {"description": unique("older")})  # the ETag changes: a 200

    answered = threading.Event()
    release = threading.Event()

    def hold(_request: object) -> None:  # Zou has answered; the answer waits here before the window gets it
        answered.set()
        release.wait(WAIT_MS / 1000)

    proxy.reset()
    proxy.set_mode("hook", path=SHOTS, times=1, after=hold)
    second, events = open_window(production.manager, project_id=project.id, url=proxy.url, wait_for=("shot",))
    qtbot.waitUntil(answered.is_set, timeout=WAIT_MS)
    newer = unique("newer")
    entity = zou_admin.put(f"/data/entities/{shot_id}", {"description": newer})
    second.browse.apply(changes.entity_saved("shot", entity, origin="event"))
    assert _description(second, shot_id) == newer  # patched in place at once
    release.set()
    qtbot.waitUntil(lambda: proxy.count(SHOTS) == 2, timeout=WAIT_MS)  # asked again
    qtbot.waitUntil(lambda: events.count("shot") == 3, timeout=WAIT_MS)  # disk, the older 200, the newer 200
    assert _description(second, shot_id) == newer and not events.failed


def test_server_down_mid_session_reads_work_writes_refused_then_back_by_itself(
        open_window: Callable[..., OpenWindow], production: Production, proxy: FaultProxy, qtbot: QtBot,
        tmp_path: Path) -> None:
    project = production.project
    window, events = open_window(production.manager, project_id=project.id, url=proxy.url)
    acts = window.main_actions
    window.show_tab(TAB_SHOTS)
    shot_id = project.shots["SQ01/SH010"]
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: events.count("detail") >= 1, timeout=WAIT_MS)
    acts.update()
    assert acts.new_shot_action.isEnabled() and acts.export_shots_action.isEnabled()
    run_async(qtbot, window.offline.cache.flush())

    proxy.set_mode("cut")  # the server goes away: every connection closes without an answer
    window.refresh()
    qtbot.waitUntil(lambda: window.offline.offline, timeout=WAIT_MS)
    toolbar = window.findChild(QToolBar, "offlineToolbar")
    assert toolbar is not None
    qtbot.waitUntil(toolbar.isVisible, timeout=WAIT_MS)
    assert banner(window).text().startswith("Offline since ")
    assert "showing data from" in banner(window).text()

    # Reads work: the rows stay, the filter filters, the detail opens from the disk, the view exports.
    pane = window.shots_pane
    assert pane.source.rowCount() == len(project.shots)
    pane.filter.setText("SQ01")
    pane.apply_filter()
    qtbot.waitUntil(lambda: pane.model.matching_count() == 3, timeout=WAIT_MS)
    detail_loads = events.count("detail")
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: events.count("detail") > detail_loads, timeout=WAIT_MS)
    current = window.files.current_view()
    assert current is not None and current[1].endswith("(from the cache)")
    target = tmp_path / "offline.csv"
    task = window.files.export_current_view(ExportChoice(target, CsvFormat(delimiter=","), "nothing"))
    assert task is not None
    run_async(qtbot, task)
    with target.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1 + 3

    # Writes are refused, each saying why; no inline editing.
    acts.update()
    for action in (acts.new_shot_action, acts.new_asset_action, acts.edit_action, acts.delete_action,
                   acts.bulk_edit_action, acts.casting_action, acts.import_csv_action):
        assert not action.isEnabled(), action.objectName()
        assert action.toolTip() == READ_ONLY_REASON
    assert not acts.export_shots_action.isEnabled() and "Export current view" in acts.export_shots_action.toolTip()
    assert window.browse.edit_context() is None and window.browse.read_only == READ_ONLY_REASON

    # The server comes back: the probe notices by itself, says so, and writes are allowed again.
    proxy.set_mode("pass")
    qtbot.waitUntil(lambda: not window.offline.offline, timeout=RECOVER_MS)
    assert window.offline.probes >= 1
    assert not toolbar.isVisible()
    assert window.statusBar().currentMessage().startswith("Back online")
    assert acts.new_shot_action.isEnabled() and acts.new_shot_action.toolTip() != READ_ONLY_REASON
    assert window.browse.edit_context() is not None
    qtbot.waitUntil(lambda: window.offline.cache.sources["shot"].source == "revalidated", timeout=WAIT_MS)


def test_a_saved_session_opens_offline_without_a_password_and_reconnects(
        qtbot: QtBot, qloop: object, tmp_home: Path, window_settings: Settings, production: Production,
        proxy: FaultProxy, keyring_store: object) -> None:
    del qloop, tmp_home, keyring_store
    settings = window_settings
    settings.live_updates = False
    manager, project = production.manager, production.project
    connections = Connections(settings)
    session = connections.session(proxy.url)
    run_async(qtbot, session.sign_in(manager.email, manager.password))
    assert session.tokens is not None
    TokenStore().save(proxy.url, manager.email, session.tokens)
    settings.last_server = settings.last_api_url = proxy.url
    settings.last_email, settings.keep_signed_in, settings.last_project_id = manager.email, True, project.id

    loaded: list[str] = []

    def start(*, early: bool = False) -> tuple[AppController, MainWindow]:
        controller = AppController(settings, connections, TokenStore(),
                                   main_window_factory=default_main_window_factory())
        # early: as the app starts (desktop.ui.first_window), the main window is shown before the check
        shown = controller.early_main = MainWindow.before_session(settings, proxy.url) if early else None
        run_async(qtbot, controller.start())
        window = controller.main_window
        assert isinstance(window, MainWindow), controller.window
        assert shown is None or window is shown  # the window the user saw, filled
        window.loaded.connect(loaded.append)
        return controller, window

    controller, window = start()  # online: the lists reach the disk cache
    qtbot.waitUntil(lambda: {"shot", "asset", "my_tasks"} <= set(loaded), timeout=WAIT_MS)
    run_async(qtbot, window.offline.cache.flush())
    run_async(qtbot, controller.shutdown())

    proxy.reset()
    proxy.set_mode("cut")
    loaded.clear()
    controller, window = start(early=True)
    try:
        assert controller.sign_in_window is None  # no password asked
        assert window.offline.offline and banner(window).isVisibleTo(window)
        qtbot.waitUntil(lambda: window.shots_pane.source.rowCount() == len(project.shots), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: window.assets_pane.source.rowCount() == len(project.assets), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "showing data from" in banner(window).text(), timeout=WAIT_MS)
        assert proxy.count("/auth/login") == 0
        qtbot.waitUntil(lambda: "my_tasks" in loaded, timeout=WAIT_MS)
        proxy.set_mode("pass")
        qtbot.waitUntil(lambda: not window.offline.offline, timeout=RECOVER_MS)
        qtbot.waitUntil(lambda: window.offline.cache.sources["shot"].source == "revalidated", timeout=WAIT_MS)
        assert window.browse.context is not None
    finally:
        run_async(qtbot, controller.shutdown())
        run_async(qtbot, connections.aclose())


def test_clear_cache_and_sign_out_and_forget(open_window: Callable[..., OpenWindow], production: Production,
                                             proxy: FaultProxy, qtbot: QtBot) -> None:
    window = open_window(production.manager, project_id=production.project.id, url=proxy.url).window
    store = window.offline.cache.store
    run_async(qtbot, window.offline.cache.flush())
    assert store.path.exists() and store.keys()
    window.main_actions.clear_cache_action.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Cache cleared"), timeout=WAIT_MS)
    assert not store.path.exists()
    window.refresh()
    qtbot.waitUntil(lambda: store.path.exists() and bool(store.keys()), timeout=WAIT_MS)

    signed_out: list[bool] = []
    window.sign_out_requested.connect(lambda: signed_out.append(True))
    window.main_actions.forget_action.trigger()
    qtbot.waitUntil(lambda: bool(signed_out), timeout=WAIT_MS)
    assert not store.path.exists()
