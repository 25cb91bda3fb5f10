"""The main window's feature wiring against the real local Zou: playlists tab, downloads dock, CSV export of
the current view, the Edit menu by role."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from desktop.csvio import CsvFormat
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.csv.options import ExportChoice
from desktop.ui.editing import AssetEditorDialog, CastingEditor, DeleteDialog, ShotEditorDialog
from desktop.ui.live_updates import LiveUpdates
from desktop.ui.main_window import TAB_PLAYLISTS, TAB_SHOTS, MainWindow
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import OpenWindow, run_async

WAIT_MS = 15_000


@dataclass
class Production:
    project: SeededProject
    artist: TestUser
    manager: TestUser
    playlist_id: str
    playlist_name: str


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Production:
    artist = zou_admin.create_user("user", first_name="Ada")
    manager = zou_admin.create_user("manager", first_name="Max")
    project = seed_small_project(zou_admin, artist=artist, name=unique("Features"))
    zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": manager.id})
    name = unique("Dailies")
    playlist = zou_admin.post("/data/playlists", {"name": name, "project_id": project.id, "for_entity": "shot"})
    zou_admin.post(f"/actions/playlists/{playlist['id']}/add-entities",
                   {"entities": [{"entity_id": project.shots["SQ01/SH010"]}]})
    return Production(project, artist, manager, str(playlist["id"]), name)


@pytest.fixture
def settings(window_settings: Settings) -> Settings:
    return window_settings


def select_shot(window: MainWindow, entity_id: str) -> None:
    window.show_tab(TAB_SHOTS)
    pane = window.shots_pane
    row = pane.model.row_of_entity(entity_id)
    assert row is not None
    pane.table.selectionModel().select(pane.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                       | QItemSelectionModel.SelectionFlag.Rows)
    assert pane.selected_entity_ids() == [entity_id]


def row_task_status(window: MainWindow, task_id: str) -> str:
    """The status the shots pane's row holds for a task ("" when the task is not listed)."""
    for row in window.shots_pane.source.table.row_dicts():  # type: ignore[union-attr]
        for task in row["tasks"]:
            if task["id"] == task_id:
                return str(task["task_status_id"])
    return ""


def go_live(qtbot: QtBot, window: MainWindow, zou_server: LocalZou) -> LiveUpdates:
    """Start the window's live updates on the test server's event stream; return once they are live."""
    live = window.start_live_updates(zou_server.events_url)
    qtbot.waitUntil(lambda: window.live_label.text().startswith("● Live"), timeout=WAIT_MS)
    return live

def test_playlists_tab_lists_the_seeded_playlist(open_window: Callable[..., OpenWindow],
                                                 production: Production, qtbot: QtBot) -> None:
    window = open_window(production.manager, project_id=production.project.id).window
    window.main_actions.tab_actions[TAB_PLAYLISTS].trigger()
    assert window.tabs.currentWidget() is window.playlists_pane
    assert window.playlists_pane.objectName() == "playlistsPane"
    assert window.main_actions.tab_actions[TAB_PLAYLISTS].shortcut().toString() == "Ctrl+4"
    model = window.playlists_pane.list_model

    def names() -> list[str]:
        return [str(model.data(model.index(r))) for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: any(production.playlist_name in n for n in names()), timeout=WAIT_MS)


def test_download_previews_of_selected_via_the_dock(open_window: Callable[..., OpenWindow],
                                                    production: Production, qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(production.manager, project_id=production.project.id).window
    folder = tmp_path / "previews"
    window.downloads.set_project_folder(production.project.id, folder)
    assert window.downloads.isHidden()
    select_shot(window, production.project.shots["SQ01/SH010"])
    assert window.main_actions.download_previews_action.isEnabled()
    window.main_actions.download_previews_action.trigger()
    qtbot.waitUntil(lambda: folder.is_dir() and any(p.is_file() and p.stat().st_size > 0
                                                    for p in folder.rglob("*") if not p.name.endswith(".part")),
                    timeout=WAIT_MS)
    assert window.downloads.isVisible()
    assert window.main_actions.downloads_action.shortcut().toString() == "Ctrl+J"


def test_export_current_view_writes_the_visible_rows(open_window: Callable[..., OpenWindow],
                                                     production: Production, qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(production.manager, project_id=production.project.id).window
    window.show_tab(TAB_SHOTS)
    pane = window.shots_pane
    pane.filter.setText("SQ01")
    pane.apply_filter()
    qtbot.waitUntil(lambda: pane.model.matching_count() == 3, timeout=WAIT_MS)
    target = tmp_path / "view.csv"
    task = window.files.export_current_view(ExportChoice(target, CsvFormat(delimiter=","), "nothing"))
    assert task is not None
    run_async(qtbot, task)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert len(body) == 3  # the three SQ01 shots; the group header row is left out
    assert any(h.endswith(" assignees") for h in header), header  # status columns carry their assignees
    assert sorted(cell for r in body for cell in r if cell.startswith("SH")) == ["SH010", "SH020", "SH030"], rows
    text = target.read_text(encoding="utf-8")
    assert "SQ02" not in text and "▾" not in text


def test_edit_menu_by_role(open_window: Callable[..., OpenWindow], production: Production,
                           qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    artist_window = open_window(production.artist, project_id=production.project.id).window
    artist_window.main_actions.update()
    acts = artist_window.main_actions
    for action in (acts.new_asset_action, acts.new_shot_action, acts.edit_action, acts.delete_action,
                   acts.bulk_edit_action, acts.casting_action, acts.import_csv_action):
        assert not action.isEnabled(), action.objectName()
    assert artist_window.edits.new_asset() is None

    manager_window = open_window(production.manager, project_id=production.project.id).window
    manager_window.main_actions.update()
    assert manager_window.main_actions.new_asset_action.isEnabled()
    assert manager_window.main_actions.undo_action.objectName() == "undoAction"
    manager_window.main_actions.new_asset_action.trigger()
    dialogs = manager_window.findChildren(AssetEditorDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    assert dialogs[0].objectName() == "assetEditor"
    dialogs[0].reject()


def test_edit_delete_and_casting_open_on_the_selected_shot(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot) -> None:
    window = open_window(production.manager, project_id=production.project.id).window
    shot_id = production.project.shots["SQ01/SH010"]
    window.show_tab(TAB_SHOTS)
    assert window.shots_pane.select_entity(shot_id)  # current row too: Casting acts on the current shot
    for start, cls, name in ((window.edits.edit_selected, ShotEditorDialog, "shotEditor"),
                             (window.edits.delete_selected, DeleteDialog, "deleteDialog"),
                             (window.edits.edit_casting, CastingEditor, "castingEditor")):
        task = start()
        assert task is not None, name
        qtbot.waitUntil(task.done, timeout=15_000)
        dialogs = [d for d in window.findChildren(cls) if d.isVisible()]
        assert len(dialogs) == 1 and dialogs[0].objectName() == name
        dialogs[0].reject()


def test_a_status_comment_patches_the_rows_it_changed_without_re_streaming_the_lists(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QPlainTextEdit, QPushButton

    window = open_window(production.manager, project_id=production.project.id).window
    project = production.project
    shot_id, task_id = project.shots["SQ02/SH020"], project.tasks[("SQ02/SH020", "Layout")]
    wfa = str(project.statuses["wfa"]["id"])
    loaded: list[str] = []
    window.loaded.connect(loaded.append)
    applied: list[object] = []
    window.browse.changes_applied.connect(applied.append)
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: "detail" in loaded, timeout=WAIT_MS)
    assert window.detail.select_task(task_id)
    dialog = window.edits.change_status()
    assert dialog is not None
    dialog.select_status(wfa)
    dialog.findChild(QPlainTextEdit, "commentField").setPlainText("Ready for a look")
    loaded.clear()
    with qtbot.waitSignal(dialog.posted, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "postButton").click()
    qtbot.waitUntil(lambda: "detail" in loaded and bool(applied), timeout=WAIT_MS)

    assert row_task_status(window, task_id) == wfa  # the row's chip shows the new status at once
    assert "shot" not in loaded and "asset" not in loaded and "context" not in loaded, loaded  # nothing re-streamed
    change = applied[-1]
    assert task_id in change.threads and change.origin == "status"  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(c.get("text") == "Ready for a look" for c in window.detail.comments_model.comments()),
                    timeout=WAIT_MS)
    shown = next(t for t in window.detail.tasks_model.records() if t.get("id") == task_id)
    assert shown["task_status_id"] == wfa  # the detail's task list too, even where Zou's read lags behind


def test_live_updates_show_another_persons_changes_without_a_reload(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    """Two real sessions: the admin writes through the API, the manager's window follows the event stream."""
    opened = open_window(production.manager, project_id=production.project.id)
    window, events = opened.window, opened.events
    live = go_live(qtbot, window, zou_server)
    project = production.project
    task_id, shot_id = project.tasks[("SQ01/SH030", "Animation")], project.shots["SQ01/SH030"]
    retake = str(project.statuses["retake"]["id"])
    events.loaded.clear()

    def row_name() -> str:
        return next(str(r["name"]) for r in window.shots_pane.source.table.row_dicts()  # type: ignore[union-attr]
                    if r["id"] == shot_id)

    zou_admin.post(f"/actions/tasks/{task_id}/comment", {"task_status_id": retake, "comment": "Live retake"})
    qtbot.waitUntil(lambda: row_task_status(window, task_id) == retake, timeout=WAIT_MS)
    new_name = unique("SH030-live")[:20]
    zou_admin.put(f"/data/entities/{shot_id}", {"name": new_name})
    qtbot.waitUntil(lambda: row_name() == new_name, timeout=WAIT_MS)
    assert "shot" not in events.loaded and "asset" not in events.loaded, events.loaded  # patched, not re-read
    other = zou_admin.post("/data/projects", {"name": unique("Elsewhere")})
    zou_admin.put(f"/data/projects/{other['id']}", {"description": "not the open project"})
    qtbot.waitUntil(lambda: live.events_ignored >= 1, timeout=WAIT_MS)  # another project's: dropped at once
    zou_admin.put(f"/data/entities/{shot_id}", {"name": "SH030"})
    qtbot.waitUntil(lambda: row_name() == "SH030", timeout=WAIT_MS)


def test_after_the_event_stream_drops_a_manager_catches_up_what_was_missed(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    window = open_window(production.manager, project_id=production.project.id).window
    go_live(qtbot, window, zou_server)
    project = production.project
    task_id = project.tasks[("SQ02/SH010", "Layout")]
    wfa = str(project.statuses["wfa"]["id"])

    zou_server.stop_event_stream(kill=True)
    try:
        qtbot.waitUntil(lambda: "Live" not in window.live_label.text(), timeout=WAIT_MS)
        zou_admin.post(f"/actions/tasks/{task_id}/comment", {"task_status_id": wfa, "comment": "Missed live"})
    finally:
        zou_server.start_event_stream()
    # From Zou's event log, after the gap:
    qtbot.waitUntil(lambda: row_task_status(window, task_id) == wfa, timeout=60_000)
    assert window.live_label.text().startswith("● Live")


def test_an_open_edit_dialog_is_told_when_someone_else_changes_its_shot_and_keeps_what_was_typed(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    from PySide6.QtWidgets import QLineEdit

    window = open_window(production.manager, project_id=production.project.id).window
    go_live(qtbot, window, zou_server)
    shot_id = production.project.shots["SQ01/SH020"]
    window.show_tab(TAB_SHOTS)
    assert window.shots_pane.select_entity(shot_id)
    task = window.edits.edit_selected()
    assert task is not None
    dialog = run_async(qtbot, task)
    assert isinstance(dialog, ShotEditorDialog)
    name = dialog.findChild(QLineEdit, "nameField")
    name.setText("SH020-mine")
    zou_admin.put(f"/data/entities/{shot_id}", {"description": "changed by the admin"})
    qtbot.waitUntil(lambda: "changed this on the server since you opened it" in dialog.message.text(),
                    timeout=WAIT_MS)
    assert name.text() == "SH020-mine"  # never overwritten by the event
    dialog.reject()


def test_the_inbox_counts_a_new_notification_live_and_marks_all_read(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    from PySide6.QtGui import QAction

    window = open_window(production.artist, project_id=production.project.id).window
    inbox = window.inbox
    qtbot.waitUntil(lambda: not inbox.runner.busy, timeout=WAIT_MS)
    run_async(qtbot, inbox.mark_all_read())
    assert inbox.unread == 0 and inbox.text() == "" and not inbox.icon().isNull()  # the bell alone
    go_live(qtbot, window, zou_server)
    task_id = production.project.tasks[("SQ01/SH010", "Animation")]  # the artist's task (seeded)
    text = unique("Please check the arc")
    zou_admin.post(f"/actions/tasks/{task_id}/comment",
                   {"task_status_id": str(production.project.statuses["wip"]["id"]), "comment": text})
    qtbot.waitUntil(lambda: inbox.unread >= 1, timeout=WAIT_MS)  # from notification:new, no polling
    assert inbox.text() == str(inbox.unread)
    entries = [a for a in inbox.menu_.actions() if a.objectName().startswith("notification:")]
    assert entries and "commented" in entries[0].text() and entries[0].text().startswith("● ")
    mark_all = inbox.menu_.findChild(QAction, "actionMarkAllRead")
    assert mark_all is not None and mark_all.isEnabled()
    mark_all.trigger()
    qtbot.waitUntil(lambda: inbox.unread == 0 and not inbox.runner.busy, timeout=WAIT_MS)
    assert inbox.text() == ""


def task_in_cell(window: MainWindow, entity_id: str, task_type_id: str) -> str | None:
    """The task id the shots pane's row shows in a task type's column (None: an empty cell)."""
    from desktop.models.roles import Role

    source = window.shots_pane.source
    row = source.row_of_id(entity_id)
    col = next(i for i, s in enumerate(source.specs) if s.task_type_id == task_type_id)
    assert row is not None
    task_id = source.data_at(row, col, Role.TaskId)
    return str(task_id) if task_id else None


def test_a_task_deleted_or_created_elsewhere_vanishes_and_appears_in_its_rows_cell(
        open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    opened = open_window(production.manager, project_id=production.project.id)
    window, events = opened.window, opened.events
    go_live(qtbot, window, zou_server)
    project = production.project
    shot_id, animation = project.shots["SQ02/SH020"], project.task_types["Animation"]
    old_task = project.tasks[("SQ02/SH020", "Animation")]
    assert task_in_cell(window, shot_id, animation) == old_task
    events.loaded.clear()

    r = zou_admin.http.delete(f"/data/tasks/{old_task}", params={"force": "true"})
    assert r.status_code < 300, r.text[:300]
    qtbot.waitUntil(lambda: task_in_cell(window, shot_id, animation) is None, timeout=WAIT_MS)
    (created,) = zou_admin.post(f"/actions/projects/{project.id}/task-types/{animation}/shots/create-tasks",
                                [shot_id])
    project.tasks[("SQ02/SH020", "Animation")] = created["id"]  # for the module's later tests
    qtbot.waitUntil(lambda: task_in_cell(window, shot_id, animation) == created["id"], timeout=WAIT_MS)
    assert "shot" not in events.loaded and "asset" not in events.loaded, events.loaded  # in place, not re-read


@pytest.fixture
def api_proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    """A pass-through loopback proxy in front of the API, counting requests. Requested before `open_window`,
    it outlives the window's shutdown (which still talks to the server)."""
    with FaultProxy(zou_server.url) as proxy:
        yield proxy


def test_the_echo_of_an_own_status_change_does_not_read_the_detail_again(
        api_proxy: FaultProxy, open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot,
        zou_server: LocalZou) -> None:
    """The window's own write comes back on the event stream: counted at a proxy, the detail is read once."""
    from PySide6.QtWidgets import QPlainTextEdit, QPushButton

    project = production.project
    shot_id, task_id = project.shots["SQ01/SH020"], project.tasks[("SQ01/SH020", "Layout")]
    proxy = api_proxy
    opened = open_window(production.manager, project_id=project.id, url=proxy.url)
    window, events = opened.window, opened.events
    live = go_live(qtbot, window, zou_server)
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: "detail" in events.loaded, timeout=WAIT_MS)
    assert window.detail.select_task(task_id)
    dialog = window.edits.change_status()
    assert dialog is not None
    dialog.select_status(str(project.statuses["wip"]["id"]))
    dialog.findChild(QPlainTextEdit, "commentField").setPlainText("Echo check")
    reads_before, seen_before = proxy.count(f"/data/shots/{shot_id}"), live.events_seen
    events.loaded.clear()
    with qtbot.waitSignal(dialog.posted, timeout=WAIT_MS):
        dialog.findChild(QPushButton, "postButton").click()
    # Zou sends the author task:status-changed and comment:new for the post: both are echoes.
    qtbot.waitUntil(lambda: live.own.echoes >= 2 and "detail" in events.loaded, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not live.held and not window.browse.runner.busy, timeout=WAIT_MS)
    assert live.events_seen - seen_before >= 2
    assert proxy.count(f"/data/shots/{shot_id}") - reads_before == 1, proxy.seen  # the write's, not the echoes'
    assert events.count("detail") == 1, events.loaded
