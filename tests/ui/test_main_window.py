"""The main window against the real local Zou: a small production seeded through the API, an artist
signed in for real, and the panes checked as a user would read them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.api import ServerInfo, SignedIn, ZouClient, ZouSession
from desktop.api.tokens import Tokens
from desktop.localzou import LocalZou
from desktop.models import Chip, Role
from desktop.settings import Settings
from desktop.ui.main.window_state import SETTLE_MS
from desktop.ui.main_window import TAB_ASSETS, TAB_MY_TASKS, TAB_SHOTS, MainWindow
from desktop.ui.panes import ALL_EPISODES, EntityPane
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.ui_names import named_widgets
from tests.helpers.zou import TestUser, ZouAdmin, forge_token, unique
from tests.ui.conftest import SignedInUser, run_async

WAIT_MS = 15_000


# ---------------------------------------------------------------------------------------- fixtures
@dataclass
class Production:
    main: SeededProject  # a short: 2 sequences, 5 shots, 3 assets, comments, casting, a preview
    tv: SeededProject  # a TV show named to sort first, with one episode
    artist: TestUser


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Production:
    artist = zou_admin.create_user("user", first_name="Ada")
    main = seed_small_project(zou_admin, artist=artist, name=unique("Main"))
    tv = seed_small_project(zou_admin, artist=artist, name=unique("Aardvark"), production_type="tvshow",
                            with_preview=False)
    return Production(main=main, tv=tv, artist=artist)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


@dataclass
class Events:
    loaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def count(self, key: str) -> int:
        return self.loaded.count(key)


@pytest.fixture
def open_window(qtbot: QtBot, tmp_home: Path, signed_in: SignedInUser,
                settings: Settings) -> Iterator[Callable[..., tuple[MainWindow, Events]]]:
    windows: list[MainWindow] = []

    def make(client: ZouClient | None = None, wait_for: tuple[str, ...] = ("shot", "asset", "my_tasks"),
             window_settings: Settings | None = None, user: SignedInUser | None = None) -> tuple[MainWindow, Events]:
        who = user or signed_in
        window = MainWindow(who.session, client or who.client, window_settings or settings, who.user, who.server)
        events = Events()
        window.loaded.connect(events.loaded.append)
        window.load_failed.connect(lambda key, message: events.failed.append((key, message)))
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        for key in wait_for:
            qtbot.waitUntil(functools.partial(arrived, events, key), timeout=WAIT_MS)
        assert not events.failed, events.failed
        return window, events

    yield make
    for window in windows:
        if shiboken6.isValid(window):  # a test may have closed (and so deleted) it already
            window.close()


def arrived(events: Events, key: str) -> bool:
    return key in events.loaded or bool(events.failed)


# pytest-qt's key and mouse helpers are untyped: QTest's are the same calls, typed.
def key_click(widget: QWidget, key: Qt.Key,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key, modifier)


def entity_row(pane: EntityPane, key: str) -> int:
    """Proxy row of "SQ01/SH010" (shots) or "Hero" (assets)."""
    display = Qt.ItemDataRole.DisplayRole.value
    src = pane.source
    for row in range(pane.model.rowCount()):
        s = pane.model.source_row(row)
        if s is None:
            continue
        name = src.data_at(s, src.column_index("name"), display)
        label = f"{src.data_at(s, src.column_index('sequence'), display)}/{name}" if pane.kind == "shot" else name
        if label == key:
            return row
    raise AssertionError(f"{key} not shown")


def chip(pane: EntityPane, key: str, task_type: str) -> Chip:
    value = pane.model.data(pane.model.index(entity_row(pane, key), pane.source.column_index(f"task:{task_type}")),
                            Role.Chip)
    assert isinstance(value, Chip)
    return value


def activate(window: MainWindow, qtbot: QtBot, pane: EntityPane, key: str) -> None:
    """Select a row and press Enter, as a user would."""
    assert pane.select_entity(pane.model.entity_id(entity_row(pane, key)) or "")
    pane.table.setFocus()
    key_click(pane.table, Qt.Key.Key_Return)


# ---------------------------------------------------------------------------------------- tests
def test_panes_show_the_production(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                   production: Production, signed_in: SignedInUser) -> None:
    window, _events = open_window()
    main = production.main
    assert window.objectName() == "mainWindow"
    # Projects pane: both open projects; the last project is empty, so the first (the TV show) opens.
    projects = window.projects_pane.projects()
    assert {p.id for p in projects} >= {main.id, production.tv.id}
    window.open_project(main.id)
    qtbot.waitUntil(lambda: window.shots_pane.source.rowCount() == 5 and not window.shots_pane.loading,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.assets_pane.source.rowCount() == 3 and not window.assets_pane.loading,
                    timeout=WAIT_MS)

    shots = window.shots_pane
    assert [(title, count) for _, title, count, _ in shots.model.group_rows()] == [("SQ01", 3), ("SQ02", 2)]
    assert shots.model.rowCount() == 7
    assert shots.count_label.text() == "5 shots"
    anim = chip(shots, "SQ01/SH010", "Animation")
    wip = main.statuses["wip"]
    assert (anim.short_name, anim.color) == ("wip", wip["color"])
    assert anim.initials == ("AU",)  # Ada user-…: the assignee's initials
    assert chip(shots, "SQ01/SH010", "Layout").short_name == "done"
    assert chip(shots, "SQ01/SH020", "Animation").short_name == "retake"
    assert chip(shots, "SQ02/SH020", "Layout").short_name == "todo"
    frames = shots.model.index(entity_row(shots, "SQ01/SH020"), shots.source.column_index("frames"))
    assert frames.data() == "72"
    difficulty = shots.model.index(entity_row(shots, "SQ01/SH010"), shots.source.column_index("meta:difficulty"))
    assert difficulty.data() == "hard"

    assets = window.assets_pane
    assert [(title, count) for _, title, count, _ in assets.model.group_rows()] == [("Character", 2), ("Prop", 1)]
    assert chip(assets, "Hero", "Modeling").short_name == "wfa"
    assert chip(assets, "Sword", "Shading").short_name == "todo"

    my_tasks = window.my_tasks_pane.model
    entities = sorted(str(my_tasks.data(my_tasks.index(r, my_tasks.column_index("entity"))))
                      for r in range(my_tasks.rowCount()))
    assert entities == ["Character / Hero", "Character / Hero", "E01 / SQ01 / SH010", "SQ01 / SH010"]
    statuses = {my_tasks.data(my_tasks.index(r, my_tasks.column_index("status")), Role.Chip).short_name
                for r in range(my_tasks.rowCount())}
    assert statuses == {"wip", "wfa"}

    assert "Zou 1.0.97" in window.server_label.text()
    assert window.user_label.text() == signed_in.user.full_name
    assert window.projects_pane.list.currentIndex().data(Role.EntityId) == main.id


def test_detail_shows_fields_tasks_comments_and_casting(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        settings: Settings) -> None:
    settings.last_project_id = production.main.id
    window, events = open_window()
    shots = window.shots_pane
    activate(window, qtbot, shots, "SQ01/SH010")
    qtbot.waitUntil(lambda: events.count("detail") >= 1 and window.detail.comments_model.rowCount() == 2,
                    timeout=WAIT_MS)
    detail = window.detail
    assert detail.title.text() == "SQ01 / SH010"
    assert detail.field_text("frames") == "48"
    assert detail.field_text("frame_range") == "1001 – 1048"
    assert detail.field_text("meta:difficulty") == "hard"
    tasks = detail.tasks_model
    by_type = {tasks.data(tasks.index(r, 0)): r for r in range(tasks.rowCount())}
    assert set(by_type) == {"Layout", "Animation"}
    last = tasks.column_index("last_comment")
    assert tasks.data(tasks.index(by_type["Animation"], last)) == production.main.comment_text
    assert tasks.data(tasks.index(by_type["Layout"], last)) == "Layout approved"
    status = tasks.data(tasks.index(by_type["Animation"], tasks.column_index("status")), Role.Chip)
    assert isinstance(status, Chip) and status.short_name == "wip"
    assert "Ada" in str(tasks.data(tasks.index(by_type["Animation"], tasks.column_index("assignees"))))
    # The thread of the user's own task (then the most recently commented), newest first, attachment listed.
    assert detail.selected_task_id() == production.main.tasks[("SQ01/SH010", "Animation")]
    thread = [detail.comments_model.data(detail.comments_model.index(r)) for r in range(2)]
    assert production.main.comment_text in thread[0] and production.main.attachment_name in thread[0]
    assert "Blocking started" in thread[1]
    # Selecting another task shows its thread.
    detail.select_task(production.main.tasks[("SQ01/SH010", "Layout")])
    qtbot.waitUntil(lambda: "Layout approved" in str(detail.comments_model.data(detail.comments_model.index(0))),
                    timeout=WAIT_MS)
    # Casting, one way: the assets of the shot.
    assert [detail.casting_model.data(detail.casting_model.index(r)) for r in range(2)] == [
        "Character / Hero", "Prop / Sword  ×2"]
    # The preview picture arrives through the thumbnail cache.
    qtbot.waitUntil(detail.has_picture, timeout=WAIT_MS)
    # Casting, the other way: open Hero from the casting list; it is cast in two shots.
    detail.casting.setFocus()
    detail.casting.setCurrentIndex(detail.casting_model.index(0))
    key_click(detail.casting, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: detail.title.text() == "Character / Hero" and detail.casting_model.rowCount() == 2,
                    timeout=WAIT_MS)
    assert sorted(detail.casting_model.data(detail.casting_model.index(r)) for r in range(2)) == [
        "SQ01 / SH010", "SQ02 / SH010"]
    assert detail.casting_title.text() == "Cast in shots (2)"


def test_my_task_opens_its_entity(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                  production: Production, settings: Settings) -> None:
    settings.last_project_id = production.main.id
    window, events = open_window()
    key_click(window.shots_pane.table, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == TAB_MY_TASKS
    table = window.my_tasks_pane.table
    model = window.my_tasks_pane.model
    hero = next(r for r in range(model.rowCount())
                if model.data(model.index(r, model.column_index("entity"))) == "Character / Hero"
                and model.record(r).project_id == production.main.id)
    table.setCurrentIndex(model.index(hero, 0))
    key_click(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.detail.title.text() == "Character / Hero" and events.count("detail") >= 1,
                    timeout=WAIT_MS)
    assert window.detail.selected_task_id() == production.main.tasks[("Hero", "Modeling")]
    qtbot.waitUntil(lambda: window.detail.comments_model.rowCount() == 1, timeout=WAIT_MS)
    assert "Hero sculpt ready" in window.detail.comments_model.data(window.detail.comments_model.index(0))


def test_keyboard_tabs_filter_and_refresh(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                          production: Production, settings: Settings) -> None:
    settings.last_project_id = production.main.id
    window, events = open_window()
    table = window.shots_pane.table
    table.setFocus()
    for key, tab in ((Qt.Key.Key_2, TAB_ASSETS), (Qt.Key.Key_3, TAB_MY_TASKS), (Qt.Key.Key_1, TAB_SHOTS)):
        key_click(window.focusWidget() or window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == tab
    key_click(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    shots_filter = window.shots_pane.filter
    qtbot.waitUntil(shots_filter.hasFocus, timeout=WAIT_MS)
    QTest.keyClicks(shots_filter, "SH02")
    qtbot.waitUntil(lambda: window.shots_pane.model.matching_count() == 2, timeout=WAIT_MS)
    assert window.shots_pane.count_label.text() == "2 of 5 shots"
    key_click(shots_filter, Qt.Key.Key_Escape)
    assert shots_filter.text() == ""
    qtbot.waitUntil(lambda: window.shots_pane.model.matching_count() == 5, timeout=WAIT_MS)
    # Esc in the list clears the filter too.
    QTest.keyClicks(shots_filter, "SQ02")
    key_click(shots_filter, Qt.Key.Key_Down)  # into the list
    assert table.hasFocus() or window.focusWidget() is table
    key_click(table, Qt.Key.Key_Escape)
    assert shots_filter.text() == ""
    qtbot.waitUntil(lambda: window.shots_pane.model.matching_count() == 5, timeout=WAIT_MS)
    # Arrows move in the table; Enter opens the detail.
    table.setFocus()
    table.setCurrentIndex(window.shots_pane.model.index(1, 2))
    key_click(table, Qt.Key.Key_Down)
    assert window.shots_pane.current_entity_id() == window.shots_pane.model.entity_id(2)
    key_click(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: events.count("detail") >= 1, timeout=WAIT_MS)
    assert window.detail.entity_id == window.shots_pane.model.entity_id(2)
    # Enter on a group header collapses it.
    table.setCurrentIndex(window.shots_pane.model.index(0, 2))
    key_click(table, Qt.Key.Key_Return)
    assert window.shots_pane.model.rowCount() == 4
    key_click(table, Qt.Key.Key_Right)
    assert window.shots_pane.model.rowCount() == 7
    # F5 reloads the lists (rows stay while the new ones come).
    before = events.count("shot")
    key_click(table, Qt.Key.Key_F5)
    assert window.shots_pane.source.rowCount() == 5
    qtbot.waitUntil(lambda: events.count("shot") > before and events.count("context") >= 2, timeout=WAIT_MS)
    assert window.shots_pane.source.rowCount() == 5


def test_tv_show_episode_selector(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                  production: Production) -> None:
    window, events = open_window()
    pane = window.projects_pane
    window.open_project(production.tv.id)
    qtbot.waitUntil(lambda: pane.episodes.isVisible() and pane.episodes.count() == 2, timeout=WAIT_MS)
    assert [pane.episodes.itemText(i) for i in range(2)] == ["All episodes", "E01"]
    qtbot.waitUntil(lambda: window.shots_pane.source.rowCount() == 5 and not window.shots_pane.loading,
                    timeout=WAIT_MS)
    assert window.shots_pane.source.column_index("episode") >= 0
    assert [t for _, t, _, _ in window.shots_pane.model.group_rows()] == ["E01 / SQ01", "E01 / SQ02"]
    episode = production.tv.extra["episode_id"]
    before = events.count("shot")
    target = ALL_EPISODES if window.episode_id != ALL_EPISODES else episode
    pane.select_episode(target)
    qtbot.waitUntil(lambda: events.count("shot") > before, timeout=WAIT_MS)
    assert window.episode_id == target
    assert window.shots_pane.source.rowCount() == 5
    # A project without episodes hides the selector.
    window.open_project(production.main.id)
    qtbot.waitUntil(lambda: not pane.episodes.isVisible(), timeout=WAIT_MS)


def test_newer_project_selection_wins(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                      production: Production) -> None:
    window, events = open_window()
    before = events.count("shot")
    window.open_project(production.tv.id)
    window.open_project(production.main.id)  # cancels the TV show's load
    qtbot.waitUntil(lambda: events.count("shot") > before and not window.shots_pane.loading, timeout=WAIT_MS)
    qtbot.wait(300)
    src = window.shots_pane.source
    assert src.rowCount() == 5
    assert src.column_index("episode") < 0  # not the TV show's columns
    ids = {src.entity_id(r) for r in range(5)}
    assert ids == set(production.main.shots.values())


def test_layout_and_settings_persist(qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]],
                                     production: Production, settings: Settings) -> None:
    window, _ = open_window()
    window.open_project(production.main.id)
    qtbot.waitUntil(lambda: window.shots_pane.source.rowCount() == 5 and not window.shots_pane.loading,
                    timeout=WAIT_MS)
    shots = window.shots_pane
    shots.set_column_visible("description", False)
    header = shots.table.horizontalHeader()
    header.moveSection(header.visualIndex(shots.source.column_index("frames")), 1)
    header.resizeSection(shots.source.column_index("name"), 173)
    shots.group_button.click()
    window.resize(780, 640)  # within the offscreen screen (800x800): restoreGeometry keeps windows on screen
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (780, 640), timeout=WAIT_MS)
    qtbot.wait(SETTLE_MS + 100)
    sizes = window.splitter.sizes()
    wanted = [sizes[0] - 40, sizes[1] + 40, sizes[2]]  # narrower projects, wider lists: within minimums
    window.splitter.setSizes(wanted)
    qtbot.waitUntil(lambda: window.splitter.sizes() == wanted, timeout=WAIT_MS)
    key_click(shots.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    window.close()

    again, _ = open_window(window_settings=Settings(QSettings(settings.q.fileName(), QSettings.Format.IniFormat)))
    assert again.project is not None and again.project.id == production.main.id  # last project reopened
    qtbot.waitUntil(lambda: again.shots_pane.source.rowCount() == 5, timeout=WAIT_MS)
    pane = again.shots_pane
    assert not pane.is_column_visible("description")
    assert pane.visual_column_keys()[1] == "frames"
    assert pane.table.horizontalHeader().sectionSize(pane.source.column_index("name")) == 173
    assert not pane.model.grouping and not pane.group_button.isChecked()
    assert pane.model.rowCount() == 5
    assert (again.size().width(), again.size().height()) == (780, 640)
    qtbot.waitUntil(lambda: again.splitter.sizes() == wanted, timeout=WAIT_MS)
    assert again.tabs.currentIndex() == TAB_ASSETS


@pytest.fixture
def proxied(qtbot: QtBot, qloop: object, zou_server: LocalZou,
            production: Production) -> Iterator[tuple[FaultProxy, SignedInUser]]:
    """The artist signed in through a fault-injecting proxy in front of the real server."""
    with FaultProxy(zou_server.url) as proxy:
        session = ZouSession(proxy.url)
        outcome = run_async(qtbot, session.sign_in(production.artist.email, production.artist.password))
        assert isinstance(outcome, SignedIn)
        yield proxy, SignedInUser(session, ZouClient(session), outcome.user,
                                  ServerInfo(api_url=proxy.url, version="1.0.97"))
        run_async(qtbot, session.aclose())


SHOTS_WITH_TASKS = "/data/shots/with-tasks"


def test_server_error_shows_in_the_pane_keeps_rows_and_retries(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        settings: Settings, proxied: tuple[FaultProxy, SignedInUser]) -> None:
    proxy, user = proxied
    settings.last_project_id = production.main.id
    window, events = open_window(user=user)
    assert window.shots_pane.source.rowCount() == 5
    proxy.set_mode("status_500", path=SHOTS_WITH_TASKS)  # the server's 500, for every shots list
    window.refresh()
    qtbot.waitUntil(lambda: any(k == "shot" for k, _ in events.failed), timeout=WAIT_MS)
    error = window.shots_pane.error
    assert error.isVisible() and "500" in error.label.text()
    assert window.shots_pane.source.rowCount() == 5  # what was loaded stays
    assert window.isEnabled() and window.assets_pane.source.rowCount() == 3  # the other pane is unaffected
    proxy.set_mode("pass")
    before = events.count("shot")
    QTest.mouseClick(error.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: events.count("shot") > before, timeout=WAIT_MS)
    assert not error.isVisible()
    assert window.shots_pane.source.rowCount() == 5
    assert proxy.count(SHOTS_WITH_TASKS, reached=True) >= 2  # the retry really went to the server


def test_project_switch_during_a_slow_load_shows_the_second_project_only(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        settings: Settings, proxied: tuple[FaultProxy, SignedInUser]) -> None:
    proxy, user = proxied
    settings.last_project_id = production.main.id
    window, events = open_window(user=user)
    delay_s = 2.0
    proxy.set_mode("delay", times=1, seconds=delay_s, path=SHOTS_WITH_TASKS)  # the next shots list is slow
    sent = proxy.count(SHOTS_WITH_TASKS)
    window.open_project(production.tv.id)
    qtbot.waitUntil(lambda: proxy.count(SHOTS_WITH_TASKS) > sent, timeout=WAIT_MS)  # the slow request is out
    assert window.shots_pane.loading
    before = events.count("shot")
    window.open_project(production.main.id)  # the user changes their mind while the TV show still loads
    qtbot.waitUntil(lambda: events.count("shot") > before and not window.shots_pane.loading, timeout=WAIT_MS)
    qtbot.wait(int(delay_s * 1000) + 500)  # past the moment the slow answer comes back
    src = window.shots_pane.source
    assert window.project is not None and window.project.id == production.main.id
    assert src.column_index("episode") < 0  # not the TV show's columns
    assert {src.entity_id(r) for r in range(src.rowCount())} == set(production.main.shots.values())
    assert events.count("shot") == before + 1  # the stale load never reported itself loaded
    assert not window.shots_pane.loading and not window.shots_pane.error.isVisible()


def test_session_expired_is_signalled_once_and_resume_reloads(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        zou_server: LocalZou, signed_in: SignedInUser) -> None:
    window, events = open_window()
    session = signed_in.session
    expired = forge_token(zou_server.secret_key, production.artist.id, expires_in=dt.timedelta(seconds=-60))
    session.set_tokens(Tokens(access=expired, refresh=None))
    emitted: list[int] = []
    window.session_expired.connect(lambda: emitted.append(1))
    with qtbot.waitSignal(window.session_expired, timeout=WAIT_MS):
        window.refresh()
    qtbot.wait(200)
    assert emitted == [1]  # once, however many loads failed
    assert "sign in again" in window.loading_label.text()
    assert window.shots_pane.source.rowCount() > 0  # nothing loaded is lost
    outcome = run_async(qtbot, session.sign_in(production.artist.email, production.artist.password))
    assert isinstance(outcome, SignedIn)
    before = events.count("context")
    window.resume_after_sign_in()
    qtbot.waitUntil(lambda: events.count("context") > before and events.count("my_tasks") >= 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.shots_pane.loading, timeout=WAIT_MS)


def test_thumbnails_are_cached_on_disk_and_revalidated(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        settings: Settings, tmp_home: Path) -> None:
    settings.last_project_id = production.main.id
    window, _ = open_window()
    preview = production.main.preview_file_id
    qtbot.waitUntil(lambda: window.thumbnails.list_thumbnail(preview) is not None, timeout=WAIT_MS)
    assert window.thumbnails.downloads >= 1
    assert any(window.thumbnails.cache_dir.rglob("*.png"))
    assert str(window.thumbnails.cache_dir).startswith(str(tmp_home))
    window.close()

    again, _ = open_window()
    cache = again.thumbnails
    qtbot.waitUntil(lambda: cache.list_thumbnail(preview) is not None and cache.not_modified >= 1, timeout=WAIT_MS)
    assert cache.disk_hits >= 1
    assert cache.downloads == 0  # reopened from disk, revalidated with If-None-Match: no second download


def test_menu_actions_emit_the_account_signals(open_window: Callable[..., tuple[MainWindow, Events]],
                                               qtbot: QtBot) -> None:
    window, _ = open_window(wait_for=("context",))
    names = {a.objectName() for a in window.findChildren(type(window.main_actions.security_action))}
    assert {"actionAccountSecurity", "actionSignOut", "actionRefresh", "actionFocusFilter"} <= names
    with qtbot.waitSignal(window.account_security_requested, timeout=1000):
        window.main_actions.security_action.trigger()
    with qtbot.waitSignal(window.sign_out_requested, timeout=1000):
        window.main_actions.sign_out_action.trigger()


def test_every_named_widget_is_accessible_and_documented(
        qtbot: QtBot, open_window: Callable[..., tuple[MainWindow, Events]], production: Production,
        settings: Settings) -> None:
    settings.last_project_id = production.main.id
    window, events = open_window()
    activate(window, qtbot, window.shots_pane, "SQ01/SH010")
    qtbot.waitUntil(lambda: events.count("detail") >= 1, timeout=WAIT_MS)
    window.shots_pane.error.show_error("shown for the check")
    names = named_widgets(window)
    assert len(names) > 40
    assert [n for n, accessible in names.items() if not accessible] == [], "objectNames without accessibleName"
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ui-automation.md").read_text(encoding="utf-8")
    section = doc.split("## Main window", 1)[-1]
    patterns = {n.split(":", 1)[0] + ":<key>" if ":" in n else n for n in names}
    assert sorted(p for p in patterns if f"`{p}`" not in section) == [], "objectNames missing from the doc"
