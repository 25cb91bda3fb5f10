"""Inline cell editing of the shots/assets tables (double-click or F2 on a cell), through the GUI.

The model part runs in memory under Qt's model tester; everything else drives the real main window signed in
on the real Zou (no mock anywhere): a real cell editor is opened, typed into and committed, and what the
server holds is read back through its API.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLineEdit, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.api.editing import Capabilities, CellEdit
from desktop.api.records import Descriptor, WithTasksTable
from desktop.localzou import LocalZou
from desktop.models import EntityTableModel, EntityViewModel, Role
from desktop.settings import Settings
from desktop.ui.main_window import TAB_ASSETS, TAB_SHOTS, MainWindow
from desktop.ui.panes import EntityPane
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, seed_edit_project
from tests.helpers.seed import big_lookups, big_records, big_table
from tests.helpers.zou import ZouAdmin
from tests.ui.conftest import OpenWindow, run_async

OpenWindowFactory = Callable[..., OpenWindow]


def on_shots(opened: OpenWindow) -> MainWindow:
    """The window with the shots tab current (the inline edits below start there)."""
    opened.window.show_tab(TAB_SHOTS)
    return opened.window

WAIT_MS = 15_000
LEFT = Qt.MouseButton.LeftButton
EDIT = Qt.ItemDataRole.EditRole.value
DISPLAY = Qt.ItemDataRole.DisplayRole.value
EDITABLE = Qt.ItemFlag.ItemIsEditable
EDITING = QAbstractItemView.State.EditingState


def editable(model: Any, index: QModelIndex) -> bool:
    return bool(model.flags(index) & EDITABLE)


# ------------------------------------------------------------------------------------------ the model alone
@pytest.mark.qt_log_level_fail("WARNING")
def test_model_flags_edit_role_and_set_data_through_the_grouped_view(qtmodeltester: ModelTester) -> None:
    lk = big_lookups(n_task_types=2)
    lookups, project = big_records(lk)
    checklist = Descriptor(id="d2", name="Checks", field_name="checks", entity_type="Shot", data_type="checklist")
    project = dataclasses.replace(project, descriptors=(*project.descriptors, checklist))
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(250, lk))
    proxy = EntityViewModel(src)
    untyped: Any = qtmodeltester
    untyped.check(proxy)  # stays connected: every signal below is checked
    col = src.column_index
    header = proxy.group_rows()[0][0]
    row = header + 1
    entity_row = proxy.source_row(row)
    assert entity_row is not None

    def cell(key: str) -> QModelIndex:
        return proxy.index(row, col(key))

    editable_keys = {"name", "frames", "frame_in", "frame_out", "fps", "description", "meta:difficulty"}
    assert not any(editable(proxy, cell(k)) for k in src.column_keys())  # no capabilities: read-only
    src.set_capabilities(Capabilities(user_id="someone", role="user"))
    assert not any(editable(proxy, cell(k)) for k in src.column_keys())  # an artist edits nothing here
    src.set_capabilities(Capabilities(user_id="boss", role="manager"))
    assert {k for k in src.column_keys() if editable(proxy, cell(k))} == editable_keys  # not the checklist
    assert not editable(proxy, proxy.index(header, col("name")))  # group headers never are
    assert not proxy.setData(proxy.index(header, col("name")), "X", EDIT)

    # EditRole is the value as plain text: what the editor opens with.
    frames = src.data_at(entity_row, col("frames"), DISPLAY)
    assert proxy.data(cell("frames"), EDIT) == frames and isinstance(frames, str)
    assert proxy.data(cell("name"), EDIT) == proxy.data(cell("name"), DISPLAY)
    assert proxy.data(cell("task:Layout"), EDIT) is None

    requested: list[tuple[int, CellEdit]] = []
    failed: list[str] = []
    changed: list[int] = []
    src.edit_requested.connect(lambda r, e: requested.append((r, e)))
    src.edit_failed.connect(failed.append)
    assert not proxy.setData(cell("frames"), "-3", EDIT)  # refused: the old value stays, and says why
    assert failed == ["Frames cannot be negative."]
    assert proxy.data(cell("frames"), DISPLAY) == frames and requested == []
    assert not proxy.setData(cell("frames"), frames, EDIT)  # unchanged: nothing to save
    assert requested == []

    proxy.dataChanged.connect(lambda top_left, *_: changed.append(top_left.row()))
    assert proxy.setData(cell("frames"), " 42 ", EDIT)
    assert len(requested) == 1 and changed == [row]
    source_row, edit = requested[0]
    assert source_row == entity_row and isinstance(edit, CellEdit)
    assert (edit.key, edit.old, edit.new) == ("nb_frames", int(frames), 42)
    assert proxy.data(cell("frames"), DISPLAY) == "42"  # shown at once, before the save
    assert proxy.setData(cell("meta:difficulty"), "brutal", EDIT)
    edit = requested[1][1]
    assert (edit.key, edit.new, edit.changes) == ("data.difficulty", "brutal", {"data.difficulty": "brutal"})
    assert proxy.data(cell("frame_in"), DISPLAY) == "1001"  # the rest of `data` is untouched
    # the sort keys follow the new value
    proxy.sort(col("frames"), Qt.SortOrder.DescendingOrder)
    assert src.sort_keys(col("frames"))[entity_row] == (0, 42.0)


def test_rows_with_a_creator_are_editable_by_their_creator_only() -> None:
    table = WithTasksTable(kind="asset", entity_fields=("id", "name", "asset_type_name", "created_by", "data"),
                           task_fields=("id", "task_type_id", "task_status_id"),
                           rows=[["a1", "Mine", "Props", "me", {}], ["a2", "Theirs", "Props", "other", {}]])
    src = EntityTableModel("asset")
    src.set_table(table)
    src.set_capabilities(Capabilities(user_id="me", role="user"))
    name = src.column_index("name")
    assert editable(src, src.index(0, name)) and not editable(src, src.index(1, name))
    assert not src.setData(src.index(1, name), "Renamed", EDIT)
    assert src.setData(src.index(0, name), "Renamed", EDIT)
    assert src.data(src.index(0, name)) == "Renamed"


# ------------------------------------------------------------------------------------------ the real thing
DESCRIPTORS = (("Shot", "Camera", "string"), ("Shot", "Lens", "string"), ("Asset", "Look", "string"))


@pytest.fixture
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin, descriptors=DESCRIPTORS)


@pytest.fixture
def settings(window_settings: Settings) -> Settings:
    return window_settings




def index_of(pane: EntityPane, entity_id: str, key: str) -> QModelIndex:
    row = pane.model.row_of_entity(entity_id)
    assert row is not None, f"{entity_id} is not in the list"
    return pane.model.index(row, pane.source.column_index(key))


def shown(pane: EntityPane, entity_id: str, key: str) -> str:
    return str(pane.model.data(index_of(pane, entity_id, key), DISPLAY))


def double_click(pane: EntityPane, index: QModelIndex) -> None:
    """What a mouse sends for a double-click: QTest's mouseDClick alone is only the second press."""
    viewport, pos = pane.table.viewport(), pane.table.visualRect(index).center()
    QTest.mouseClick(viewport, LEFT, Qt.KeyboardModifier.NoModifier, pos)
    QTest.mouseDClick(viewport, LEFT, Qt.KeyboardModifier.NoModifier, pos)


def open_editor(qtbot: QtBot, pane: EntityPane, entity_id: str, key: str, how: str = "double-click") -> QLineEdit:
    """Open the cell's editor as a user does: double-click on the cell, or F2 on the current cell."""
    table, index = pane.table, index_of(pane, entity_id, key)
    table.scrollTo(index)
    if how == "double-click":
        double_click(pane, index)
    else:
        table.setCurrentIndex(index)
        QTest.keyClick(table, Qt.Key.Key_F2)
    assert table.state() == EDITING, f"no editor opened on {key}"
    editors = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    assert editors[0].text() == pane.model.data(index, EDIT)  # opens with the value as text
    return editors[0]


def type_into_cell(qtbot: QtBot, pane: EntityPane, entity_id: str, key: str, text: str,
                   how: str = "double-click") -> None:
    """Replace the cell's text and press Enter; returns once the editor closed (the save may still run)."""
    editor = open_editor(qtbot, pane, entity_id, key, how)
    editor.selectAll()
    if text:
        QTest.keyClicks(editor, text)
    else:
        QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.table.state() != EDITING, timeout=WAIT_MS)


def save_cell(qtbot: QtBot, pane: EntityPane, entity_id: str, key: str, text: str, how: str = "double-click") -> None:
    with qtbot.waitSignal(pane.inline_edit.saved, timeout=WAIT_MS):
        type_into_cell(qtbot, pane, entity_id, key, text, how)


def wait_idle(qtbot: QtBot, pane: EntityPane) -> None:
    qtbot.waitUntil(lambda: not pane.inline_edit.runner.busy, timeout=WAIT_MS)


def click(dialog: Any, name: str) -> None:
    button = dialog.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), name
    QTest.mouseClick(button, LEFT)


def wait_conflict(qtbot: QtBot, pane: EntityPane) -> Any:
    qtbot.waitUntil(lambda: pane.inline_edit.conflict_dialog is not None
                    and pane.inline_edit.conflict_dialog.isVisible(), timeout=WAIT_MS)
    return pane.inline_edit.conflict_dialog


def conflict_rows(dialog: Any) -> dict[str, tuple[str, str]]:
    table = dialog.table
    return {table.item(r, 0).text(): (table.item(r, 2).text(), table.item(r, 3).text())
            for r in range(table.rowCount())}


def test_manager_edits_description_and_frames_inline(qtbot: QtBot, open_window: OpenWindowFactory,
                                                     seeded: EditProject, zou_admin: ZouAdmin) -> None:
    window = on_shots(open_window(seeded.manager, project_id=seeded.id))
    pane = window.shots_pane
    shot = seeded.shots[0]
    before = zou_admin.get(f"/data/entities/{shot['id']}")
    assert editable(pane.model, index_of(pane, shot["id"], "description"))
    assert not editable(pane.model, index_of(pane, shot["id"], "sequence"))

    save_cell(qtbot, pane, shot["id"], "description", "Wide establishing shot")  # double-click
    save_cell(qtbot, pane, shot["id"], "frames", "48", how="F2")
    after = zou_admin.get(f"/data/entities/{shot['id']}")
    assert after["description"] == "Wide establishing shot" and after["nb_frames"] == 48
    assert after["name"] == before["name"] and after["data"] == before["data"]
    assert shown(pane, shot["id"], "description") == "Wide establishing shot"
    assert shown(pane, shot["id"], "frames") == "48"
    assert not pane.inline_edit.message.isVisible()
    # Enter still opens the row in the detail (and does not edit)
    pane.table.setCurrentIndex(index_of(pane, shot["id"], "description"))
    QTest.keyClick(pane.table, Qt.Key.Key_Return)
    assert pane.table.state() != EDITING
    qtbot.waitUntil(lambda: window.detail.entity_id == shot["id"], timeout=WAIT_MS)


def test_metadata_cell_edit_keeps_the_other_metadata(qtbot: QtBot, open_window: OpenWindowFactory,
                                                     seeded: EditProject, zou_admin: ZouAdmin) -> None:
    shot = seeded.shots[1]
    zou_admin.put(f"/data/entities/{shot['id']}", {"data": {"lens": "35mm"}})
    window = on_shots(open_window(seeded.manager, project_id=seeded.id))
    pane = window.shots_pane
    assert shown(pane, shot["id"], "meta:lens") == "35mm"
    # someone else changes another metadata field after the list was loaded: neither change is lost
    zou_admin.put(f"/data/entities/{shot['id']}", {"data": {"lens": "50mm"}})
    save_cell(qtbot, pane, shot["id"], "meta:camera", "crane")
    save_cell(qtbot, pane, shot["id"], "frame_out", "12")
    data = zou_admin.get(f"/data/entities/{shot['id']}")["data"]
    assert data == {"frame_in": 1, "frame_out": 12, "keep": "k2", "lens": "50mm", "camera": "crane"}
    assert shown(pane, shot["id"], "meta:lens") == "50mm"  # the row shows the server's answer
    assert shown(pane, shot["id"], "meta:camera") == "crane" and shown(pane, shot["id"], "frame_out") == "12"


def test_concurrent_change_opens_the_conflict_dialog_and_loses_nothing(
        qtbot: QtBot, open_window: OpenWindowFactory, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    window = on_shots(open_window(seeded.manager, project_id=seeded.id))
    pane = window.shots_pane
    sh1, sh2, sh3 = (s["id"] for s in seeded.shots)

    # Overwrite: my value wins on the field we both changed; their other change stays.
    zou_admin.put(f"/data/entities/{sh1}", {"description": "theirs", "data": {"lens": "85mm"}})
    type_into_cell(qtbot, pane, sh1, "description", "mine")
    dialog = wait_conflict(qtbot, pane)
    assert conflict_rows(dialog)["Description"] == ("mine", "theirs")
    assert zou_admin.get(f"/data/entities/{sh1}")["description"] == "theirs"  # nothing saved yet
    with qtbot.waitSignal(pane.inline_edit.saved, timeout=WAIT_MS):
        click(dialog, "overwriteButton")
    server = zou_admin.get(f"/data/entities/{sh1}")
    assert server["description"] == "mine" and server["data"]["lens"] == "85mm" and server["data"]["keep"] == "k1"
    assert shown(pane, sh1, "description") == "mine" and shown(pane, sh1, "meta:lens") == "85mm"

    # Cancel: nothing is written, the cell shows their value, and what I typed is still said.
    zou_admin.put(f"/data/entities/{sh2}", {"description": "theirs 2"})
    type_into_cell(qtbot, pane, sh2, "description", "mine 2")
    dialog = wait_conflict(qtbot, pane)
    click(dialog, "conflictCancelButton")
    qtbot.waitUntil(lambda: "mine 2" in pane.inline_edit.message.text(), timeout=WAIT_MS)
    assert pane.inline_edit.message.isVisible()
    assert shown(pane, sh2, "description") == "theirs 2"
    assert zou_admin.get(f"/data/entities/{sh2}")["description"] == "theirs 2"

    # Merge, keeping mine where we both changed the field: their other change stays too.
    zou_admin.put(f"/data/entities/{sh3}", {"description": "theirs 3", "data": {"lens": "50mm"}})
    type_into_cell(qtbot, pane, sh3, "description", "mine 3", how="F2")
    dialog = wait_conflict(qtbot, pane)
    keep = dialog.findChild(QComboBox, "keep_description")
    keep.setCurrentIndex(keep.findData("yours"))
    with qtbot.waitSignal(pane.inline_edit.saved, timeout=WAIT_MS):
        click(dialog, "mergeButton")
    server = zou_admin.get(f"/data/entities/{sh3}")
    assert server["description"] == "mine 3" and server["data"]["lens"] == "50mm"
    assert shown(pane, sh3, "description") == "mine 3"


def test_invalid_values_are_refused_with_a_message_and_nothing_is_saved(
        qtbot: QtBot, open_window: OpenWindowFactory, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    window = on_shots(open_window(seeded.manager, project_id=seeded.id))
    pane = window.shots_pane
    shot = seeded.shots[0]
    before = zou_admin.get(f"/data/entities/{shot['id']}")
    message = pane.inline_edit.message
    assert message.objectName() == "shotsEditMessage"

    type_into_cell(qtbot, pane, shot["id"], "frames", "-5")
    assert message.isVisible() and message.text() == "Not saved: Frames cannot be negative."
    assert shown(pane, shot["id"], "frames") == "10" and not pane.inline_edit.runner.busy

    type_into_cell(qtbot, pane, shot["id"], "name", "")
    assert message.isVisible() and message.text() == "Not saved: The name cannot be empty."
    assert shown(pane, shot["id"], "name") == before["name"]

    type_into_cell(qtbot, pane, shot["id"], "frame_out", "0")  # before frame in (1)
    assert "before frame in" in message.text()
    assert zou_admin.get(f"/data/entities/{shot['id']}") == before  # nothing was sent


def test_artist_cannot_edit_and_a_server_refusal_rolls_back(
        qtbot: QtBot, open_window: OpenWindowFactory, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    window = on_shots(open_window(seeded.artist, project_id=seeded.id))
    pane = window.shots_pane
    shot = seeded.shots[0]
    for key in ("name", "description", "frames", "meta:camera"):
        assert not editable(pane.model, index_of(pane, shot["id"], key)), key
    double_click(pane, index_of(pane, shot["id"], "description"))
    assert pane.table.state() != EDITING  # a double-click opens the detail instead
    qtbot.waitUntil(lambda: window.detail.entity_id == shot["id"], timeout=WAIT_MS)

    # A stale view of the rights (e.g. the role changed since): the server's 403 is said and undone.
    assert window.user.role == "user"
    pane.source.set_capabilities(Capabilities(user_id=window.user.id, role="manager"))
    type_into_cell(qtbot, pane, shot["id"], "description", "not allowed")
    wait_idle(qtbot, pane)
    message = pane.inline_edit.message
    assert message.isVisible() and "cannot change this shot" in message.text(), message.text()
    assert message.text().startswith(f"Could not save Description of “{shot['name']}”")
    assert shown(pane, shot["id"], "description") == ""
    assert not zou_admin.get(f"/data/entities/{shot['id']}")["description"]


def test_server_error_rolls_back_and_a_retry_saves(qtbot: QtBot, open_window: OpenWindowFactory, seeded: EditProject,
                                                  zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    shot = seeded.shots[2]
    with FaultProxy(zou_server.url) as proxy:
        window = on_shots(open_window(seeded.manager, project_id=seeded.id, url=proxy.url))
        pane = window.shots_pane
        proxy.set_mode("status_500", path=f"/data/entities/{shot['id']}", method="PUT")
        type_into_cell(qtbot, pane, shot["id"], "frames", "24")
        wait_idle(qtbot, pane)
        message = pane.inline_edit.message
        assert message.isVisible() and message.text().startswith(f"Could not save Frames of “{shot['name']}”")
        assert shown(pane, shot["id"], "frames") == "10"
        assert zou_admin.get(f"/data/entities/{shot['id']}")["nb_frames"] == 10
        proxy.set_mode("pass")
        save_cell(qtbot, pane, shot["id"], "frames", "24")
        assert zou_admin.get(f"/data/entities/{shot['id']}")["nb_frames"] == 24
        assert not message.isVisible()
        window.close()
        run_async(qtbot, window.shutdown())


def test_ctrl_z_undoes_an_inline_edit_on_the_server(qtbot: QtBot, open_window: OpenWindowFactory,
                                                    seeded: EditProject, zou_admin: ZouAdmin) -> None:
    opened = open_window(seeded.manager, project_id=seeded.id)
    window = opened.window
    pane = window.assets_pane
    window.show_tab(TAB_ASSETS)
    asset = seeded.assets[1]
    save_cell(qtbot, pane, asset["id"], "name", "asset1-hero")
    assert zou_admin.get(f"/data/entities/{asset['id']}")["name"] == "asset1-hero"
    assert window.main_actions.undo_action.text() == "Undo Edit asset1-hero"
    loaded = opened.events.loaded
    before = loaded.count("asset")
    with qtbot.waitSignal(window.main_actions.undo_action.undone, timeout=WAIT_MS):
        QTest.keyClick(pane.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    server = zou_admin.get(f"/data/entities/{asset['id']}")
    assert server["name"] == "asset1" and server["data"] == {"keep": "yes"}
    qtbot.waitUntil(lambda: loaded.count("asset") > before, timeout=WAIT_MS)  # the lists reload
    assert shown(pane, asset["id"], "name") == "asset1"
    assert pane.model.data(index_of(pane, asset["id"], "name"), Role.EntityId) == asset["id"]


def test_a_cell_typed_as_the_session_ends_is_kept_and_saved_after_signing_in_again(
        qtbot: QtBot, open_window: OpenWindowFactory, seeded: EditProject, zou_admin: ZouAdmin,
        zou_server: LocalZou) -> None:
    from desktop.api import ZouSession
    from desktop.api.tokens import Tokens
    from tests.helpers.zou import forge_token

    window = on_shots(open_window(seeded.manager, project_id=seeded.id))
    pane, shot, session = window.shots_pane, seeded.shots[-1], window.session
    real = session.tokens
    assert real is not None
    # Signed out elsewhere (both tokens revoked) and the access token expired: the save's refresh is refused.
    other = ZouSession(zou_server.url, tokens=real)
    run_async(qtbot, other.sign_out())
    run_async(qtbot, other.aclose())
    session.set_tokens(Tokens(access=forge_token(zou_server.secret_key, seeded.manager.id), refresh=real.refresh))
    type_into_cell(qtbot, pane, shot["id"], "description", "Crowd pass, typed as the session ended")
    wait_idle(qtbot, pane)
    assert shown(pane, shot["id"], "description") == "Crowd pass, typed as the session ended"  # not rolled back
    assert pane.inline_edit.message.text().startswith("Not saved yet: your session has ended")
    assert zou_admin.get(f"/data/entities/{shot['id']}")["description"] != "Crowd pass, typed as the session ended"
    run_async(qtbot, session.sign_in(seeded.manager.email, seeded.manager.password))
    with qtbot.waitSignal(pane.inline_edit.saved, timeout=WAIT_MS):
        window.resume_after_sign_in()
    assert zou_admin.get(f"/data/entities/{shot['id']}")["description"] == "Crowd pass, typed as the session ended"
