"""The Kitsu filter language in the shots and assets panes, and saved filters, against the real Zou.

The panes must show exactly the rows `desktop.filtering.evaluate` (the engine run on the Kitsu test
vectors) gives for the same data, explain names Kitsu ignores under the box, and round-trip saved
filters through `/data/user/filters`: buttons above the list grouped by Zou's filter groups
(`/data/user/filter-groups`), save (into a group), rename and delete, and filters written by another
client (as Kitsu would) after a reload. Modal dialogs are answered through their widgets.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.api import filters as filter_api
from desktop.api.records import WithTasksTable
from desktop.filtering import evaluate, split_embedded_tasks
from desktop.models.filtering import KitsuFilter, default_filter_factory, kitsu_filter_factory
from desktop.settings import Settings
from desktop.ui.filters import SaveFilterDialog
from desktop.ui.filters.dialogs import NEW_GROUP
from desktop.ui.main_window import MainWindow
from desktop.ui.panes import EntityPane
from tests.helpers.seed import SeededProject, big_lookups, big_records, big_table, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import SignedInUser, run_async

WAIT_MS = 15_000


@dataclass
class Production:
    main: SeededProject
    artist: TestUser


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Production:
    artist = zou_admin.create_user("user", first_name="Flo")
    main = seed_small_project(zou_admin, artist=artist, name=unique("Filters"), with_preview=False)
    return Production(main=main, artist=artist)


@pytest.fixture
def open_main(qtbot: QtBot, tmp_home: Path, tmp_path: Path, signed_in: SignedInUser,
              production: Production) -> Iterator[Callable[[], MainWindow]]:
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        settings = Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))
        window = MainWindow(signed_in.session, signed_in.client, settings, signed_in.user, signed_in.server)
        failed: list[tuple[str, str]] = []
        window.load_failed.connect(lambda key, message: failed.append((key, message)))
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: window.context is not None or bool(failed), timeout=WAIT_MS)
        window.open_project(production.main.id)
        for pane, n in ((window.shots_pane, 5), (window.assets_pane, 3)):
            qtbot.waitUntil(functools.partial(_loaded, pane, n, failed), timeout=WAIT_MS)
        assert not failed, failed
        return window

    yield make
    for window in windows:
        window.close()


def _loaded(pane: EntityPane, n: int, failed: list[Any]) -> bool:
    return bool(failed) or (pane.source.rowCount() == n and not pane.loading)


def visible_ids(pane: EntityPane) -> set[str]:
    ids = (pane.model.entity_id(r) for r in range(pane.model.rowCount()))
    return {i for i in ids if i}


def kitsu_ids(window: MainWindow, pane: EntityPane, query: str) -> set[str]:
    """What `desktop.filtering.evaluate` gives on the pane's own data, with the project's names."""
    assert window.context is not None and window.project is not None
    table = pane.source.table
    assert table is not None
    rows, tasks = split_embedded_tasks(table.row_dicts())
    raw, project = window.context.raw, window.project
    dataset = {
        f"{pane.kind}s": rows, "tasks": list(tasks.values()),
        "task_types": [t for t in raw["task_types"] if t["id"] in project.task_types],
        "task_statuses": [s for s in raw["task_status"] if s["id"] in project.task_statuses],
        "asset_types": [a for a in raw["asset_types"] if a["id"] in project.asset_types],
        "descriptors": list(project.raw.get("descriptors") or []), "persons": raw["persons"],
    }
    return set(evaluate(dataset, pane.kind, query))


def type_query(qtbot: QtBot, pane: EntityPane, query: str) -> None:
    """Type as a user does and wait for the debounced filter to run."""
    pane.filter.setFocus()
    pane.filter.clear()
    QTest.keyClicks(pane.filter, query)
    qtbot.waitUntil(lambda: pane.model._query == query, timeout=WAIT_MS)


def answer_when_shown[W: QWidget](pane: EntityPane, cls: type[W], name: str, act: Callable[[W], None]) -> None:
    """Run `act` on the modal dialog `name` as soon as it shows (its exec() holds the caller until then)."""
    tries = [0]

    def poll() -> None:
        shown = [w for w in pane.findChildren(cls, name) if w.isVisible()]
        if shown:
            act(shown[0])
        elif tries[0] < 1000:
            tries[0] += 1
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


DOC = Path(__file__).resolve().parents[2] / "docs" / "ui-automation.md"


def assert_named_and_documented(root: QWidget) -> None:
    """Every named widget under `root` has an accessible name and is in docs/ui-automation.md
    (`name:<key>` for names with an id or a number)."""
    widgets = [root, *root.findChildren(QWidget)]
    names = {w.objectName(): w.accessibleName() for w in widgets
             if w.objectName() and not w.objectName().startswith("qt_")}
    assert [n for n, accessible in names.items() if not accessible] == []
    doc = DOC.read_text(encoding="utf-8")
    patterns = {n.split(":", 1)[0] + ":<key>" if ":" in n else n for n in names}
    assert sorted(p for p in patterns if f"`{p}`" not in doc) == []


def server_filters(qtbot: QtBot, signed_in: SignedInUser, project_id: str, list_type: str = "shot"
                   ) -> dict[str, filter_api.SavedFilter]:
    data = run_async(qtbot, filter_api.list_filters(signed_in.session))
    return {f.id: f for f in filter_api.filters_for(data, [list_type], project_id)}


def server_groups(qtbot: QtBot, signed_in: SignedInUser, project_id: str, list_type: str = "shot"
                  ) -> dict[str, filter_api.FilterGroup]:
    data = run_async(qtbot, filter_api.list_filter_groups(signed_in.session))
    return {g.id: g for g in filter_api.groups_for(data, [list_type], project_id)}


# ---------------------------------------------------------------------------------------- tests
def test_the_kitsu_filter_is_the_default() -> None:
    assert default_filter_factory is kitsu_filter_factory


def test_typing_filters_as_kitsu_does(qtbot: QtBot, open_main: Callable[[], MainWindow],
                                      production: Production) -> None:
    window = open_main()
    shots, main = window.shots_pane, production.main
    type_query(qtbot, shots, "animation=wip")
    expected = kitsu_ids(window, shots, "animation=wip")
    assert expected == {main.shots["SQ01/SH010"]}
    assert visible_ids(shots) == expected
    assert shots.count_label.text() == "1 of 5 shots"
    assert shots.hint_label.isHidden()

    for query in ("layout=-done", "animation=retake,wip sq01", "status=done", "difficulty=hard",
                  "+(animation=wip layout=todo)", "sh010 -sq02"):
        type_query(qtbot, shots, query)
        assert visible_ids(shots) == kitsu_ids(window, shots, query), query

    assets = window.assets_pane
    type_query(qtbot, assets, "modeling=wfa")
    assert visible_ids(assets) == kitsu_ids(window, assets, "modeling=wfa") == {main.assets["Hero"]}
    type_query(qtbot, assets, "type=Prop")
    assert visible_ids(assets) == kitsu_ids(window, assets, "type=Prop") == {main.assets["Sword"]}

    # Esc in the box clears the query: every row again.
    QTest.keyClick(shots.filter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: shots.model._query == "", timeout=WAIT_MS)
    assert len(visible_ids(shots)) == 5


def test_unknown_task_type_shows_a_hint_and_keeps_kitsus_rows(
        qtbot: QtBot, open_main: Callable[[], MainWindow]) -> None:
    window = open_main()
    shots = window.shots_pane
    type_query(qtbot, shots, "anmation=wip sq01")
    hint = window.findChild(type(shots.hint_label), "shotsFilterHint")
    assert hint is shots.hint_label
    qtbot.waitUntil(shots.hint_label.isVisible, timeout=WAIT_MS)
    assert "anmation" in shots.hint_label.text() and "Animation" in shots.hint_label.text()
    # Kitsu ignores the unknown task type: only the keyword filters.
    assert visible_ids(shots) == kitsu_ids(window, shots, "anmation=wip sq01")
    assert len(visible_ids(shots)) == 3

    type_query(qtbot, shots, "animation=nope")
    assert "unknown status 'nope'" in shots.hint_label.text()
    assert visible_ids(shots) == kitsu_ids(window, shots, "animation=nope")
    type_query(qtbot, shots, "animation=wip")
    qtbot.waitUntil(shots.hint_label.isHidden, timeout=WAIT_MS)


def test_saved_filters_round_trip_through_the_server(
        qtbot: QtBot, open_main: Callable[[], MainWindow], production: Production,
        signed_in: SignedInUser) -> None:
    main = production.main
    name = unique("wip-anim")
    created = run_async(qtbot, signed_in.session.post("/data/user/filters", {
        "name": name, "query": "animation=wip", "list_type": "shot", "project_id": main.id}))
    window = open_main()
    shots = window.shots_pane
    button = window.findChild(type(shots.saved_filters), "shotsSavedFilters")
    assert button is shots.saved_filters
    action = shots.saved_filters.action(f"SavedFilter:{created['id']}")
    assert action is not None and action.text() == name
    assert shots.saved_filters.action(f"SavedFilter:{created['id']}") is not None
    assert window.assets_pane.saved_filters.action(f"SavedFilter:{created['id']}") is None  # shots only
    action.trigger()
    assert shots.filter.text() == "animation=wip"
    assert visible_ids(shots) == {main.shots["SQ01/SH010"]}

    # Save the current query from Slate; it is on the server and in the menu.
    type_query(qtbot, shots, "layout=done")
    save = shots.saved_filters.action("SaveFilter")
    assert save is not None and save.isEnabled()
    mine = unique("slate-layout")
    task = shots.save_current_filter(mine)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    on_server = run_async(qtbot, signed_in.session.get("/data/user/filters"))
    saved = [f for f in on_server["shot"][main.id] if f["name"] == mine]
    assert len(saved) == 1 and saved[0]["search_query"] == "layout=done"
    assert shots.saved_filters.action(f"SavedFilter:{saved[0]['id']}") is not None

    # Delete both; gone from the server and the menu.
    for fid in (saved[0]["id"], created["id"]):
        task = shots.delete_saved_filter(fid)
        assert task is not None
        qtbot.waitUntil(task.done, timeout=WAIT_MS)
        task.result()
        assert shots.saved_filters.action(f"SavedFilter:{fid}") is None
    on_server = run_async(qtbot, signed_in.session.get("/data/user/filters"))
    left = {f["id"] for f in on_server.get("shot", {}).get(main.id, [])}
    assert not left & {saved[0]["id"], created["id"]}


def test_pane_without_session_asks_its_owner(qtbot: QtBot, tmp_path: Path) -> None:
    lookups, project = big_records()
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    pane = EntityPane("shot", settings, lookups)
    qtbot.addWidget(pane)
    pane.set_project(project, lookups)
    pane.set_saved_filters({"shot": {project.id: [{"id": "f1", "name": "Mine", "search_query": "layout=wip"}]}})
    assert [f.name for f in pane.saved_filter_list()] == ["Mine"]
    pane.filter.setText("sq001")
    with qtbot.waitSignal(pane.save_filter_requested) as blocker:
        assert pane.save_current_filter("Seq one") is None
    assert blocker.args == ["Seq one", "sq001"]
    with qtbot.waitSignal(pane.delete_filter_requested) as blocker:
        assert pane.delete_saved_filter("f1") is None
    assert blocker.args == ["f1"]


def test_ten_thousand_rows(qtbot: QtBot, tmp_path: Path) -> None:
    lk = big_lookups()
    lookups, project = big_records(lk)
    table = big_table(10_000, lk)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    pane = EntityPane("shot", settings, lookups)
    qtbot.addWidget(pane)
    pane.set_project(project, lookups)
    pane.source.set_table(table)
    rows, tasks = split_embedded_tasks(table.row_dicts())
    dataset = {
        "shots": rows, "tasks": list(tasks.values()),
        "task_types": [{"id": i, "name": n, "for_entity": "Shot"} for i, n in lk.task_types],
        "task_statuses": [{"id": i, "short_name": s} for i, s, _ in lk.statuses],
        "descriptors": [{"id": "d1", "name": "Difficulty", "field_name": "difficulty", "entity_type": "Shot",
                         "data_type": "string"}],
        "persons": [{"id": i, "first_name": f, "last_name": la} for i, f, la in lk.persons],
    }
    for query in ("animation=wip", "animation=wip layout=-done sq00", "+(animation=wip layout=done)",
                  "difficulty=hard", "anmation=wip"):
        pane.filter.setText(query)
        started = time.perf_counter()
        pane.apply_filter()
        elapsed = time.perf_counter() - started
        print(f"{query!r}: {pane.model.matching_count()} rows in {elapsed * 1000:.1f} ms")  # scratch figure
        expected = evaluate(dataset, "shot", query)
        assert pane.model.matching_count() == len(expected)
        assert visible_ids(pane) == set(expected)
    assert isinstance(pane.model._row_filter, KitsuFilter)


def test_streamed_rows_extend_the_index(qtbot: QtBot, tmp_path: Path) -> None:
    lk = big_lookups(n_task_types=3)
    lookups, project = big_records(lk)
    full = big_table(300, lk)
    table = WithTasksTable(kind="shot", entity_fields=full.entity_fields, task_fields=full.task_fields,
                           rows=full.rows[:100])
    flt = KitsuFilter(pane_scope(lookups, project))
    first = flt(table, "layout=wip")
    index = flt.index(table)
    assert flt.index(table) is index  # cached while the table does not grow
    table.rows.extend(full.rows[100:])
    both = flt(table, "layout=wip")
    assert flt.index(table) is not index and len(flt.index(table)) == 300
    assert first.rows is not None and both.rows is not None
    assert set(first.rows) <= set(both.rows)
    assert set(both.rows) == set(KitsuFilter(pane_scope(lookups, project))(full, "layout=wip").rows or ())


def pane_scope(lookups: Any, project: Any) -> Any:
    from desktop.models.filtering import FilterScope
    return FilterScope("shot", project, lookups)


def test_saved_filters_are_buttons_grouped_as_on_the_server(
        qtbot: QtBot, open_main: Callable[[], MainWindow], production: Production,
        signed_in: SignedInUser) -> None:
    """Filters and groups written straight through the API (as Kitsu writes them) become buttons."""
    main, session = production.main, signed_in.session
    group = run_async(qtbot, session.post("/data/user/filter-groups", {
        "name": unique("Anim"), "color": "#5cb85c", "list_type": "shot", "project_id": main.id}))
    in_group = run_async(qtbot, session.post("/data/user/filters", {
        "name": unique("anim-wip"), "query": "animation=wip", "list_type": "shot", "project_id": main.id,
        "search_filter_group_id": group["id"]}))
    loose = run_async(qtbot, session.post("/data/user/filters", {
        "name": unique("layout-done"), "query": "layout=done", "list_type": "shot", "project_id": main.id}))
    window = open_main()
    shots, bar = window.shots_pane, window.shots_pane.saved_filters_bar
    assert window.findChild(type(bar), "shotsSavedFiltersBar") is bar and bar.isVisible()

    group_button = bar.button(f"FilterGroupButton:{group['id']}")
    assert group_button is not None and group_button.text().startswith(group["name"])
    assert window.findChild(type(group_button), f"shotsFilterGroupButton:{group['id']}") is group_button
    assert "#5cb85c" in group_button.styleSheet()  # the group's colour
    assert bar.button(f"FilterButton:{in_group['id']}") is None  # a grouped filter is in its group's menu
    grouped = bar.action(f"GroupFilter:{in_group['id']}")
    assert grouped is not None and grouped.text() == in_group["name"]
    menu = group_button.menu()
    assert menu is not None and menu.objectName() == f"shotsFilterGroupMenu:{group['id']}"
    assert grouped in menu.actions()
    loose_button = bar.button(f"FilterButton:{loose['id']}")
    assert loose_button is not None and loose_button.text() == loose["name"]
    assert bar.button_names().index(group_button.text()) < bar.button_names().index(loose["name"])  # groups first
    # The drop-down lists the same, the group as a submenu.
    assert shots.saved_filters.action(f"SavedFilter:{in_group['id']}") is not None
    assert window.findChild(type(menu), f"shotsSavedFiltersGroupMenu:{group['id']}") is not None
    assert_named_and_documented(shots)
    # Nothing of the shot list on the assets pane.
    assert window.assets_pane.saved_filters_bar.button(f"FilterGroupButton:{group['id']}") is None

    QTest.mouseClick(loose_button, Qt.MouseButton.LeftButton)
    assert shots.filter.text() == "layout=done"
    assert visible_ids(shots) == kitsu_ids(window, shots, "layout=done") == {main.shots["SQ01/SH010"]}
    assert loose_button.isChecked() and not group_button.isChecked()
    grouped.trigger()
    assert shots.filter.text() == "animation=wip"
    assert visible_ids(shots) == {main.shots["SQ01/SH010"]}
    assert group_button.isChecked() and not loose_button.isChecked()

    # A filter another client adds shows up after a reload.
    later = run_async(qtbot, session.post("/data/user/filters", {
        "name": unique("retakes"), "query": "status=retake", "list_type": "shot", "project_id": main.id}))
    assert bar.button(f"FilterButton:{later['id']}") is None
    task = shots.reload_saved_filters()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    later_button = bar.button(f"FilterButton:{later['id']}")
    assert later_button is not None and later_button.text() == later["name"]
    QTest.mouseClick(later_button, Qt.MouseButton.LeftButton)
    assert visible_ids(shots) == kitsu_ids(window, shots, "status=retake") == {main.shots["SQ01/SH020"]}
    for fid in (in_group["id"], loose["id"], later["id"]):
        run_async(qtbot, filter_api.delete_filter(session, fid))
    run_async(qtbot, filter_api.delete_filter_group(session, group["id"]))


def test_rename_and_delete_round_trip_through_the_server(
        qtbot: QtBot, open_main: Callable[[], MainWindow], production: Production,
        signed_in: SignedInUser) -> None:
    main = production.main
    created = run_async(qtbot, filter_api.create_filter(
        signed_in.session, list_type="shot", name=unique("old-name"), query="sq01", project_id=main.id))
    window = open_main()
    shots, bar = window.shots_pane, window.shots_pane.saved_filters_bar
    assert bar.button(f"FilterButton:{created.id}") is not None

    # Rename from the button's arrow menu: the dialog shows the current name.
    new_name = unique("new name")
    seen: list[str] = []

    def rename(dialog: QInputDialog) -> None:
        seen.append(dialog.textValue())
        dialog.setTextValue(new_name)
        dialog.accept()

    answer_when_shown(shots, QInputDialog, "shotsRenameFilterDialog", rename)
    action = bar.action(f"FilterButtonRename:{created.id}")
    assert action is not None
    action.trigger()
    assert seen == [created.name]
    qtbot.waitUntil(lambda: (b := bar.button(f"FilterButton:{created.id}")) is not None and b.text() == new_name,
                    timeout=WAIT_MS)
    on_server = server_filters(qtbot, signed_in, main.id)[created.id]
    assert on_server.name == new_name and on_server.query == "sq01"  # the query is kept
    renamed = shots.saved_filters.action(f"SavedFilter:{created.id}")
    assert renamed is not None and renamed.text() == new_name

    # Delete asks first: No keeps it, Yes deletes it on the server and removes the button.
    delete = bar.action(f"FilterButtonDelete:{created.id}")
    assert delete is not None
    answer_when_shown(shots, QMessageBox, "shotsDeleteFilterConfirm",
                      lambda box: box.button(QMessageBox.StandardButton.No).click())
    delete.trigger()
    assert created.id in server_filters(qtbot, signed_in, main.id)
    assert bar.button(f"FilterButton:{created.id}") is not None
    answer_when_shown(shots, QMessageBox, "shotsDeleteFilterConfirm",
                      lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    delete = bar.action(f"FilterButtonDelete:{created.id}")
    assert delete is not None
    delete.trigger()
    qtbot.waitUntil(lambda: bar.button(f"FilterButton:{created.id}") is None, timeout=WAIT_MS)
    assert created.id not in server_filters(qtbot, signed_in, main.id)
    assert shots.saved_filters.action(f"SavedFilter:{created.id}") is None


def test_save_into_a_new_group_then_into_it_again(
        qtbot: QtBot, open_main: Callable[[], MainWindow], production: Production,
        signed_in: SignedInUser) -> None:
    main = production.main
    window = open_main()
    shots, bar = window.shots_pane, window.shots_pane.saved_filters_bar
    type_query(qtbot, shots, "animation=retake,wip")
    name, group_name = unique("anim-open"), unique("Review")

    def fill(dialog: SaveFilterDialog) -> None:
        assert dialog.query.text() == "animation=retake,wip"
        dialog.name.setText(name)
        dialog.group.setCurrentIndex(dialog.group.findData(NEW_GROUP))
        dialog.new_group.setText(group_name)
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None and save.isEnabled()
        save.click()

    answer_when_shown(shots, SaveFilterDialog, "shotsSaveFilterDialog", fill)
    save = shots.saved_filters.action("SaveFilter")
    assert save is not None and save.isEnabled()
    save.trigger()
    groups: dict[str, filter_api.FilterGroup] = {}
    qtbot.waitUntil(lambda: bool(groups.update({g.id: g for g in shots.saved_filter_groups()
                                                if g.name == group_name}) or groups), timeout=WAIT_MS)
    (group,) = groups.values()
    assert group.id in server_groups(qtbot, signed_in, main.id)
    saved = [f for f in server_filters(qtbot, signed_in, main.id).values() if f.name == name]
    assert len(saved) == 1 and saved[0].group_id == group.id and saved[0].query == "animation=retake,wip"
    qtbot.waitUntil(lambda: bar.action(f"GroupFilter:{saved[0].id}") is not None, timeout=WAIT_MS)
    group_button = bar.button(f"FilterGroupButton:{group.id}")
    assert group_button is not None and group_button.text() == f"{group_name} (1)"

    # Saved again into that group, without the dialog.
    type_query(qtbot, shots, "layout=todo")
    task = shots.save_current_filter(unique("layout-todo"), group_id=group.id)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    task.result()
    group_button = bar.button(f"FilterGroupButton:{group.id}")
    assert group_button is not None and group_button.text() == f"{group_name} (2)"
    members = [f for f in server_filters(qtbot, signed_in, main.id).values() if f.group_id == group.id]
    assert sorted(f.query for f in members) == ["animation=retake,wip", "layout=todo"]
    # Deleting the group takes its filters with it (Zou's rule).
    run_async(qtbot, filter_api.delete_filter_group(signed_in.session, group.id))
    assert not [f for f in server_filters(qtbot, signed_in, main.id).values() if f.group_id == group.id]
