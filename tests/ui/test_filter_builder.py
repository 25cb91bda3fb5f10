"""The filter builder dialog in the shots and assets panes, against the real Zou.

The builder opens from the button next to the filter box with the project's own choices (task types of
the list, statuses, team, asset types, metadata descriptors), writes the text Kitsu's builder writes
(`desktop.filtering.builder`), and on OK the pane shows exactly the rows `desktop.filtering.evaluate`
gives for that text on the pane's data. Without a server: pre-filling from a typed query.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.filtering.context import person_display_name
from desktop.settings import Settings
from desktop.ui.filters import FilterBuilderDialog, builder_choices
from desktop.ui.filters.builder import StatusRow
from desktop.ui.main_window import MainWindow
from desktop.ui.panes import EntityPane
from tests.helpers.seed import big_records, seed_small_project
from tests.helpers.zou import ZouAdmin, unique
from tests.ui.test_filters_ui import WAIT_MS, Production, assert_named_and_documented, kitsu_ids, visible_ids
from tests.ui.test_filters_ui import open_main as open_main  # a fixture: the main window on `production`


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Production:
    artist = zou_admin.create_user("user", first_name="Bea")
    main = seed_small_project(zou_admin, artist=artist, name=unique("Builder"), with_preview=True)
    return Production(main=main, artist=artist)


@pytest.fixture
def make_window(request: pytest.FixtureRequest) -> Callable[[], MainWindow]:
    """`open_main` (shared with test_filters_ui) on this module's production."""
    return request.getfixturevalue("open_main")  # type: ignore[no-any-return]


def open_builder(qtbot: QtBot, pane: EntityPane) -> FilterBuilderDialog:
    button = pane.window().findChild(type(pane.builder_button), f"{pane.prefix}FilterBuilderButton")
    assert button is pane.builder_button and button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = pane.builder_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def pick(row: StatusRow, task_type: str, *statuses: str, excluding: bool = False) -> None:
    row.task_type.setCurrentIndex(row.task_type.findData(task_type))
    row.operator.setCurrentIndex(row.operator.findData(excluding))
    for i in range(row.statuses.count()):
        item = row.statuses.item(i)
        checked = item.data(Qt.ItemDataRole.UserRole) in statuses
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


def press_ok(qtbot: QtBot, pane: EntityPane, dialog: FilterBuilderDialog) -> str:
    query = dialog.preview.text()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert pane.filter.text() == query
    qtbot.waitUntil(lambda: pane.model._query == query, timeout=WAIT_MS)
    return query


def test_the_builder_writes_a_query_that_filters_the_shots(
        qtbot: QtBot, make_window: Callable[[], MainWindow], production: Production) -> None:
    window = make_window()
    shots, main = window.shots_pane, production.main
    dialog = open_builder(qtbot, shots)
    # The project's choices: the list's task types (not the asset ones), its statuses, team, descriptors.
    types = [dialog.assignment_task_type.itemText(i) for i in range(1, dialog.assignment_task_type.count())]
    assert sorted(types) == ["Animation", "Layout"]
    assert not dialog.asset_type.isVisible()  # shots page
    artist = window.lookups.persons[production.artist.id]
    artist_name = person_display_name({"first_name": artist.first_name, "last_name": artist.last_name})
    assert dialog.person.findData(artist_name) >= 0

    QTest.mouseClick(dialog.add_status, Qt.MouseButton.LeftButton)
    (row,) = dialog.status_rows
    assert row.statuses.count() == 5  # todo, wip, wfa, done, retake
    pick(row, "Animation", "wip")
    assert dialog.preview.text() == "[Animation]=[wip]"
    query = press_ok(qtbot, shots, dialog)
    assert visible_ids(shots) == kitsu_ids(window, shots, query) == {main.shots["SQ01/SH010"]}

    # Opened again, it shows the box's query; more conditions, then "any condition".
    dialog = open_builder(qtbot, shots)
    (row,) = dialog.status_rows
    assert row.task_type.currentData() == "Animation" and row.checked() == ("wip",)
    dialog.assignment.setCurrentIndex(dialog.assignment.findData("assigned_to"))
    dialog.person.setCurrentIndex(dialog.person.findData(artist_name))
    dialog.assignment_task_type.setCurrentIndex(dialog.assignment_task_type.findData("Animation"))
    dialog.thumbnail.setCurrentIndex(dialog.thumbnail.findData(True))
    QTest.mouseClick(dialog.add_descriptor, Qt.MouseButton.LeftButton)
    (drow,) = dialog.descriptor_rows
    drow.descriptor.setCurrentIndex(drow.descriptor.findData("Difficulty"))
    drow.value.setEditText("hard")
    assert dialog.preview.text() == (f"[Animation]=[wip] [Difficulty]=[hard] assignedto[Animation]=[{artist_name}]"
                                     " withthumbnail")
    assert_named_and_documented(dialog)
    query = press_ok(qtbot, shots, dialog)
    assert visible_ids(shots) == kitsu_ids(window, shots, query) == {main.shots["SQ01/SH010"]}

    dialog = open_builder(qtbot, shots)
    assert dialog.preview.text() == query  # everything read back from the box
    dialog.assignment.setCurrentIndex(dialog.assignment.findData(None))
    dialog.thumbnail.setCurrentIndex(dialog.thumbnail.findData(None))
    dialog.descriptor_rows[0].remove.click()
    QTest.mouseClick(dialog.add_status, Qt.MouseButton.LeftButton)
    pick(dialog.status_rows[1], "Animation", "retake")
    dialog.combine.setCurrentIndex(dialog.combine.findData(True))
    assert dialog.preview.text() == "+([Animation]=[wip] [Animation]=[retake])"
    query = press_ok(qtbot, shots, dialog)
    assert visible_ids(shots) == kitsu_ids(window, shots, query) == {main.shots["SQ01/SH010"],
                                                                     main.shots["SQ01/SH020"]}

    # Negations and "all task types" (status=), priority, and someone assigned or not.
    dialog = open_builder(qtbot, shots)
    dialog.combine.setCurrentIndex(dialog.combine.findData(False))
    pick(dialog.status_rows[0], "", "done", excluding=True)
    dialog.status_rows[1].remove.click()
    dialog.assignment.setCurrentIndex(dialog.assignment.findData("unassigned"))
    assert dialog.assignment_task_type.currentData()  # "nobody assigned" needs a task type: the first one
    dialog.assignment_task_type.setCurrentIndex(dialog.assignment_task_type.findData("Animation"))
    dialog.priority_task_type.setCurrentIndex(dialog.priority_task_type.findData("Layout"))
    dialog.priority.setCurrentIndex(dialog.priority.findData(0))
    assert dialog.preview.text() == "status=[-done] [Animation]=unassigned priority-[layout]=0"
    query = press_ok(qtbot, shots, dialog)
    expected = kitsu_ids(window, shots, query)
    assert visible_ids(shots) == expected
    # SH010 has the artist on Animation and its Layout is done: out; the other four are in.
    assert expected == {main.shots[k] for k in ("SQ01/SH020", "SQ01/SH030", "SQ02/SH010", "SQ02/SH020")}

    # Cancel leaves the box alone.
    dialog = open_builder(qtbot, shots)
    dialog.thumbnail.setCurrentIndex(dialog.thumbnail.findData(False))
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert shots.filter.text() == query


def test_the_builder_on_the_assets_pane(
        qtbot: QtBot, make_window: Callable[[], MainWindow], production: Production) -> None:
    window = make_window()
    assets, main = window.assets_pane, production.main
    dialog = open_builder(qtbot, assets)
    assert dialog.asset_type.isVisible()
    assert_named_and_documented(dialog)
    assert sorted(dialog.asset_type.itemText(i) for i in range(1, dialog.asset_type.count())) == ["Character", "Prop"]
    dialog.asset_type.setCurrentIndex(dialog.asset_type.findData("Character"))
    QTest.mouseClick(dialog.add_status, Qt.MouseButton.LeftButton)
    pick(dialog.status_rows[0], "Modeling", "wfa", excluding=True)
    assert dialog.preview.text() == "type=[Character] [Modeling]=[-wfa]"
    query = press_ok(qtbot, assets, dialog)
    assert visible_ids(assets) == kitsu_ids(window, assets, query) == {main.assets["Villain"]}

    dialog = open_builder(qtbot, assets)
    dialog.asset_type_op.setCurrentIndex(dialog.asset_type_op.findData(True))
    dialog.status_rows[0].remove.click()
    assert dialog.preview.text() == "type=[-Character]"
    query = press_ok(qtbot, assets, dialog)
    assert visible_ids(assets) == kitsu_ids(window, assets, query) == {main.assets["Sword"]}


def test_prefill_keeps_what_it_cannot_show_and_says_what_it_drops(qtbot: QtBot, tmp_path: Path) -> None:
    """No server: the in-memory 10k-shot production's names."""
    lookups, project = big_records()
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    pane = EntityPane("shot", settings, lookups)
    qtbot.addWidget(pane)
    pane.set_project(project, lookups)
    pane.filter.setText("sq001 layout=wip,done animation=-retake assetsready=[FX] -SH0010 [Difficulty]=[hard]")
    dialog = pane.open_filter_builder()
    assert dialog.objectName() == "shotsFilterBuilder" and dialog.parent() is pane
    assert [r.condition().task_type for r in dialog.status_rows] == ["Layout", "Animation"]
    assert dialog.preview.text() == "[Layout]=[wip,done] [Animation]=[-retake] [Difficulty]=[hard] assetsready=[FX]"
    assert "sq001" in dialog.note.text() and "-SH0010" in dialog.note.text()
    assert "assetsready=[FX]" in dialog.note.text()
    choices = builder_choices("shot", project, lookups)
    assert choices.task_types[:3] == ("Storyboard", "Layout", "Animation")  # the list's column order
    assert [s.short_name for s in choices.statuses] == ["done", "retake", "todo", "wfa", "wip"]  # by name
    spec = dialog.spec()
    dialog.accept()
    assert pane.filter.text() == "[Layout]=[wip,done] [Animation]=[-retake] [Difficulty]=[hard] assetsready=[FX]"
    assert spec.assets_ready is not None and spec.assets_ready.task_type == "FX"
