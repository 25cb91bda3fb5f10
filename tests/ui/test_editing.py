"""The editing dialogs driven with pytest-qt against the real Zou (no mock anywhere)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
)
from pytestqt.qtbot import QtBot

from desktop.api.editing import EditContext, Editor, attachment_url
from desktop.localzou import LocalZou
from desktop.ui.editing import (
    AssetEditorDialog,
    AssetInstancesPanel,
    AssigneePicker,
    BulkEditDialog,
    CastingEditor,
    CastInList,
    DeleteDialog,
    ParentEntityDialog,
    ShotEditorDialog,
    TaskStatusDialog,
    UndoAction,
)
from tests.helpers.editing import EditProject, editor_for, seed_edit_project
from tests.helpers.zou import TestUser, ZouAdmin
from tests.ui.conftest import run_async

LEFT = Qt.MouseButton.LeftButton


class Session:
    """Signed-in editors for a test, closed at the end."""

    def __init__(self, qtbot: QtBot, url: str) -> None:
        self.qtbot = qtbot
        self.url = url
        self.editors: list[Editor] = []

    def editor(self, user: TestUser) -> Editor:
        editor = run_async(self.qtbot, editor_for(self.url, user))
        self.editors.append(editor)
        return editor

    def ctx(self, editor: Editor, project_id: str) -> EditContext:
        assert editor.context is not None and editor.user is not None
        project = next(p for p in editor.context.projects if p.id == project_id)
        return EditContext(project=project, user=editor.user, context=editor.context)

    def close(self) -> None:
        for e in self.editors:
            run_async(self.qtbot, e.session.aclose())


@pytest.fixture
def session(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou) -> Iterator[Session]:
    s = Session(qtbot, zou_server.url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin)


def child(widget: Any, cls: type[Any], name: str) -> Any:
    found = widget.findChild(cls, name)
    assert found is not None, f"no {cls.__name__} named {name}"
    return found


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def wait_idle(qtbot: QtBot, dialog: Any) -> None:
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=15000)


def click(qtbot: QtBot, widget: Any, cls: type[Any], name: str) -> None:
    button = child(widget, cls, name)
    assert button.isEnabled(), f"{name} is disabled: {button.toolTip()}"
    QTest.mouseClick(button, LEFT)


# ------------------------------------------------------------------------------------------ assets and shots
def test_create_an_asset_through_the_dialog(qtbot: QtBot, session: Session, seeded: EditProject,
                                           zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    dialog = AssetEditorDialog(editor, None, session.ctx(editor, seeded.id))
    qtbot.addWidget(dialog)
    dialog.show()
    child(dialog, QLineEdit, "nameField").setText("Dragon")
    types: QComboBox = child(dialog, QComboBox, "assetTypeField")
    types.setCurrentIndex(types.findData(seeded.other_asset_type_id))
    child(dialog, QPlainTextEdit, "descriptionField").setPlainText("breathes fire")
    child(dialog, QLineEdit, "meta_look").setText("scaly")
    with qtbot.waitSignal(dialog.saved, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "saveButton")
    created = blocker.args[0]
    on_server = zou_admin.get(f"/data/entities/{created['id']}")
    assert on_server["name"] == "Dragon" and on_server["entity_type_id"] == seeded.other_asset_type_id
    assert on_server["description"] == "breathes fire" and on_server["data"] == {"look": "scaly"}
    assert not dialog.isVisible()

    duplicate = AssetEditorDialog(editor, None, session.ctx(editor, seeded.id))
    qtbot.addWidget(duplicate)
    duplicate.show()
    child(duplicate, QLineEdit, "nameField").setText("dragon")
    types = child(duplicate, QComboBox, "assetTypeField")
    types.setCurrentIndex(types.findData(seeded.other_asset_type_id))
    click(qtbot, duplicate, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: "already exists" in duplicate.message.text(), timeout=15000)
    assert child(duplicate, QLineEdit, "nameField").property("invalid") is True
    assert duplicate.isVisible() and child(duplicate, QLineEdit, "nameField").text() == "dragon"


def test_shot_dialog_refuses_bad_values_then_creates(qtbot: QtBot, session: Session, seeded: EditProject,
                                                     zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    dialog = ShotEditorDialog(editor, None, session.ctx(editor, seeded.id), sequence_id=seeded.sequence_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=15000)
    wait_idle(qtbot, dialog)
    assert child(dialog, QComboBox, "sequenceField").currentData() == seeded.sequence_id
    child(dialog, QLineEdit, "nameField").setText("")
    child(dialog, QLineEdit, "nbFramesField").setText("-4")
    child(dialog, QLineEdit, "frameInField").setText("20")
    child(dialog, QLineEdit, "frameOutField").setText("10")
    click(qtbot, dialog, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=15000)
    for name in ("nameField", "nbFramesField", "frameOutField"):
        assert child(dialog, QLineEdit, name).property("invalid") is True, name
    assert "negative" in child(dialog, QLineEdit, "nbFramesField").toolTip()
    n_shots = len(zou_admin.get(f"/data/sequences/{seeded.sequence_id}/shots"))
    assert n_shots == len(seeded.shots)  # nothing saved half-way

    child(dialog, QLineEdit, "nameField").setText("SH050")
    frame_in, frame_out = child(dialog, QLineEdit, "frameInField"), child(dialog, QLineEdit, "frameOutField")
    frame_in.clear()
    frame_out.clear()
    QTest.keyClicks(frame_in, "1001")  # typing frame in/out fills the frame count
    QTest.keyClicks(frame_out, "1024")
    assert child(dialog, QLineEdit, "nbFramesField").text() == "24"
    child(dialog, QLineEdit, "fpsField").setText("25")
    child(dialog, QLineEdit, "meta_camera").setText("crane")
    with qtbot.waitSignal(dialog.saved, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "saveButton")
    shot = zou_admin.get(f"/data/entities/{blocker.args[0]['id']}")
    assert shot["name"] == "SH050" and shot["nb_frames"] == 24 and shot["parent_id"] == seeded.sequence_id
    assert shot["data"] == {"frame_in": 1001, "frame_out": 1024, "fps": "25", "camera": "crane"}


def test_new_sequence_dialog(qtbot: QtBot, session: Session, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    dialog = ParentEntityDialog(editor, None, session.ctx(editor, seeded.id), kind="Sequence")
    qtbot.addWidget(dialog)
    dialog.show()
    child(dialog, QLineEdit, "nameField").setText("sq01")  # Zou would answer the existing SQ01
    click(qtbot, dialog, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: "already exists" in dialog.message.text(), timeout=15000)
    child(dialog, QLineEdit, "nameField").setText("SQ02")
    wait_idle(qtbot, dialog)
    with qtbot.waitSignal(dialog.created, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "saveButton")
    assert blocker.args[0]["name"] == "SQ02"
    assert sorted(s["name"] for s in zou_admin.get(f"/data/projects/{seeded.id}/sequences")) == ["SQ01", "SQ02"]


def test_edit_dialog_sends_only_changes_and_undo_restores(qtbot: QtBot, session: Session, seeded: EditProject,
                                                          zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    shot = zou_admin.get(f"/data/entities/{seeded.shots[0]['id']}")
    dialog = ShotEditorDialog(editor, None, session.ctx(editor, seeded.id), entity=shot)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=15000)
    wait_idle(qtbot, dialog)
    child(dialog, QLineEdit, "frameOutField").setText("48")
    assert dialog.changes() == {"data.frame_out": "48"}
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        click(qtbot, dialog, QPushButton, "saveButton")
    after = zou_admin.get(f"/data/entities/{shot['id']}")
    assert after["data"] == {**shot["data"], "frame_out": 48} and after["name"] == shot["name"]

    undo = UndoAction(editor)
    assert undo.isEnabled() and undo.text() == f"Undo Edit {shot['name']}"
    with qtbot.waitSignal(undo.undone, timeout=15000):
        undo.trigger()
    assert zou_admin.get(f"/data/entities/{shot['id']}")["data"]["frame_out"] == 10
    assert not undo.isEnabled()


def test_conflict_dialog_appears_and_merge_keeps_both_changes(qtbot: QtBot, session: Session,
                                                              seeded: EditProject, zou_admin: ZouAdmin) -> None:
    editor, other = session.editor(seeded.manager), session.editor(seeded.manager)
    asset = zou_admin.get(f"/data/entities/{seeded.assets[0]['id']}")
    dialog = AssetEditorDialog(editor, None, session.ctx(editor, seeded.id), entity=asset)
    qtbot.addWidget(dialog)
    dialog.show()
    child(dialog, QLineEdit, "meta_look").setText("mine")
    # meanwhile, someone else saves another field
    run_async(qtbot, other.save_entity(asset["id"], {"description": "theirs"}))

    click(qtbot, dialog, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: dialog.conflict_dialog is not None and dialog.conflict_dialog.isVisible(),
                    timeout=15000)
    conflict = dialog.conflict_dialog
    assert conflict is not None
    table = conflict.table
    rows = {cell(table, r, 0): (cell(table, r, 2), cell(table, r, 3)) for r in range(table.rowCount())}
    assert rows == {"Look": ("mine", "—"), "Description": ("—", "theirs")}
    assert zou_admin.get(f"/data/entities/{asset['id']}")["data"].get("look") is None  # nothing saved yet
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        click(qtbot, conflict, QPushButton, "mergeButton")
    after = zou_admin.get(f"/data/entities/{asset['id']}")
    assert after["description"] == "theirs" and after["data"] == {"keep": "yes", "look": "mine"}


def test_conflict_on_the_same_field_lets_the_user_choose(qtbot: QtBot, session: Session, seeded: EditProject,
                                                         zou_admin: ZouAdmin) -> None:
    editor, other = session.editor(seeded.manager), session.editor(seeded.manager)
    shot = zou_admin.get(f"/data/entities/{seeded.shots[1]['id']}")
    dialog = ShotEditorDialog(editor, None, session.ctx(editor, seeded.id), entity=shot)
    qtbot.addWidget(dialog)
    dialog.show()
    child(dialog, QPlainTextEdit, "descriptionField").setPlainText("mine")
    run_async(qtbot, other.save_entity(shot["id"], {"description": "theirs"}))
    click(qtbot, dialog, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: dialog.conflict_dialog is not None and dialog.conflict_dialog.isVisible(),
                    timeout=15000)
    conflict = dialog.conflict_dialog
    assert conflict is not None
    keep: QComboBox = child(conflict, QComboBox, "keep_description")
    keep.setCurrentIndex(keep.findData("yours"))
    with qtbot.waitSignal(dialog.saved, timeout=15000):
        click(qtbot, conflict, QPushButton, "mergeButton")
    assert zou_admin.get(f"/data/entities/{shot['id']}")["description"] == "mine"


def test_delete_dialog_cancels_a_shot_with_tasks_and_deletes_an_asset(
        qtbot: QtBot, session: Session, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    shot = seeded.shots[0]
    dialog = DeleteDialog(editor, None, session.ctx(editor, seeded.id), entity=shot)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=15000)
    wait_idle(qtbot, dialog)
    assert "canceled instead of deleting" in dialog.text.text()
    confirm = child(dialog, QPushButton, "confirmButton")
    assert confirm.text() == "Cancel shot" and child(dialog, QCheckBox, "forceCheck").isVisible()
    with qtbot.waitSignal(dialog.deleted, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "confirmButton")
    assert blocker.args == [shot["id"], "canceled"]
    assert zou_admin.get(f"/data/entities/{shot['id']}")["canceled"] is True

    asset = seeded.assets[0]  # no task: deleted for good
    dialog = DeleteDialog(editor, None, session.ctx(editor, seeded.id), entity=asset)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=15000)
    wait_idle(qtbot, dialog)
    assert "deleted permanently" in dialog.text.text() and not child(dialog, QCheckBox, "forceCheck").isVisible()
    with qtbot.waitSignal(dialog.deleted, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "confirmButton")
    assert blocker.args == [asset["id"], "deleted"]
    assert zou_admin.http.get(f"/data/entities/{asset['id']}").status_code == 404


# ------------------------------------------------------------------------------------------ bulk
def test_bulk_edit_fifty_shots(qtbot: QtBot, session: Session, zou_admin: ZouAdmin) -> None:
    seeded = seed_edit_project(zou_admin, n_shots=50, n_assets=0, shot_tasks=False)
    editor = session.editor(seeded.manager)
    dialog = BulkEditDialog(editor, None, session.ctx(editor, seeded.id), kind="Shot", rows=seeded.shots)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_target("field", "data.camera")
    child(dialog, QLineEdit, "bulkValue").setText("steadicam")
    with qtbot.waitSignal(dialog.finished_report, timeout=30000) as blocker:
        click(qtbot, dialog, QPushButton, "applyButton")
    report = blocker.args[0]
    assert report.summary == "50 of 50 rows saved." and dialog.progress.value() == 50
    assert not dialog.failures.isVisible()
    for shot in (seeded.shots[0], seeded.shots[49]):
        data = zou_admin.get(f"/data/entities/{shot['id']}")["data"]
        assert data["camera"] == "steadicam" and data["keep"] == shot["data"]["keep"]


def test_bulk_status_lists_a_failing_row(qtbot: QtBot, session: Session, seeded: EditProject,
                                         zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    rows = [{**s, "tasks": [{"id": seeded.tasks[s["id"]], "task_type_id": seeded.shot_task_type_id}]}
            for s in seeded.shots]
    zou_admin.http.delete(f"/data/tasks/{seeded.tasks[seeded.shots[2]['id']]}").raise_for_status()
    dialog = BulkEditDialog(editor, None, session.ctx(editor, seeded.id), kind="Shot", rows=rows)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_target("status", seeded.shot_task_type_id)
    status: QComboBox = child(dialog, QComboBox, "bulkStatus")
    status.setCurrentIndex(status.findData(seeded.wip_id))
    with qtbot.waitSignal(dialog.finished_report, timeout=30000):
        click(qtbot, dialog, QPushButton, "applyButton")
    assert dialog.summary.text() == "2 of 3 rows saved, 1 failed."
    assert dialog.failures.rowCount() == 1 and cell(dialog.failures, 0, 0).startswith("SH003")
    assert zou_admin.get(f"/data/tasks/{seeded.tasks[seeded.shots[0]['id']]}")["task_status_id"] == seeded.wip_id


# ------------------------------------------------------------------------------------------ casting
def test_casting_editor_casts_three_assets(qtbot: QtBot, session: Session, seeded: EditProject,
                                           zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    shot = seeded.shots[0]
    dialog = CastingEditor(editor, None, session.ctx(editor, seeded.id), entity=shot)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded is not None and dialog.picker.count() == 3, timeout=15000)
    wait_idle(qtbot, dialog)
    child(dialog, QLineEdit, "assetSearch").setText("asset1")
    assert dialog.picker.count() == 1
    dialog.picker.item(0).setSelected(True)
    click(qtbot, dialog, QPushButton, "addButton")
    child(dialog, QLineEdit, "assetSearch").setText("")
    for i in range(dialog.picker.count()):
        dialog.picker.item(i).setSelected(True)
    click(qtbot, dialog, QPushButton, "addButton")  # asset1 again (+1), asset0, asset2
    a0, a1, a2 = (a["id"] for a in seeded.assets)
    child(dialog, QSpinBox, f"count_{a0}").setValue(4)
    click(qtbot, dialog, QPushButton, f"remove_{a2}")
    with qtbot.waitSignal(dialog.casting_saved, timeout=15000):
        click(qtbot, dialog, QPushButton, "saveButton")
    server = {r["asset_name"]: r["nb_occurences"]
              for r in zou_admin.get(f"/data/projects/{seeded.id}/entities/{shot['id']}/casting")}
    assert server == {"asset0": 4, "asset1": 2}

    cast_in = CastInList(editor, session.ctx(editor, seeded.id), asset_id=a1)
    qtbot.addWidget(cast_in)
    result = run_async(qtbot, cast_in.load())
    assert [c.name for c in result] == ["SH001"] and cast_in.items.item(0).text() == "SQ01 / SH001  ×2"


def test_casting_editor_conflict_merge(qtbot: QtBot, session: Session, seeded: EditProject,
                                       zou_admin: ZouAdmin) -> None:
    editor, other = session.editor(seeded.manager), session.editor(seeded.manager)
    shot = seeded.shots[1]
    a0, a1 = seeded.assets[0]["id"], seeded.assets[1]["id"]
    dialog = CastingEditor(editor, None, session.ctx(editor, seeded.id), entity=shot)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded is not None, timeout=15000)
    wait_idle(qtbot, dialog)
    dialog.add_asset(a0, 2)
    loaded = run_async(qtbot, other.load_casting(seeded.id, shot["id"]))
    run_async(qtbot, other.add_to_casting(loaded, a1, 3))  # meanwhile
    click(qtbot, dialog, QPushButton, "saveButton")
    qtbot.waitUntil(lambda: dialog.conflict_dialog is not None and dialog.conflict_dialog.isVisible(),
                    timeout=15000)
    conflict = dialog.conflict_dialog
    assert conflict is not None
    rows = {cell(conflict.table, r, 0): cell(conflict.table, r, 3) for r in range(conflict.table.rowCount())}
    assert rows == {"asset0": "not cast", "asset1": "×3"}
    with qtbot.waitSignal(dialog.casting_saved, timeout=15000):
        click(qtbot, conflict, QPushButton, "mergeButton")
    server = {r["asset_name"]: r["nb_occurences"]
              for r in zou_admin.get(f"/data/projects/{seeded.id}/entities/{shot['id']}/casting")}
    assert server == {"asset0": 2, "asset1": 3}


def test_asset_instances_panel(qtbot: QtBot, session: Session, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    shot, asset = seeded.shots[0], seeded.assets[0]
    zou_admin.put(f"/data/projects/{seeded.id}/entities/{shot['id']}/casting",
                  [{"asset_id": asset["id"], "nb_occurences": 1}])
    scene = zou_admin.post(f"/data/projects/{seeded.id}/scenes", {"name": "SC01", "sequence_id": seeded.sequence_id})
    inst = zou_admin.post(f"/data/scenes/{scene['id']}/asset-instances", {"asset_id": asset["id"]})
    editor = session.editor(seeded.manager)
    panel = AssetInstancesPanel(editor, session.ctx(editor, seeded.id), shot=shot)
    qtbot.addWidget(panel)
    run_async(qtbot, panel.load())
    assert panel.list.count() == 0 and panel.candidate_box.count() == 1
    assert panel.candidate_box.itemText(0) == "asset0_0001  ·  asset0"
    with qtbot.waitSignal(panel.changed, timeout=15000):
        click(qtbot, panel, QPushButton, "addInstanceButton")
    assert panel.list.count() == 1 and panel.candidate_box.count() == 0
    wait_idle(qtbot, panel)
    assert not child(panel, QPushButton, "addInstanceButton").isEnabled()
    assert list(zou_admin.get(f"/data/shots/{shot['id']}/asset-instances")) == [asset["id"]]
    panel.list.setCurrentRow(0)
    with qtbot.waitSignal(panel.changed, timeout=15000):
        click(qtbot, panel, QPushButton, "removeInstanceButton")
    assert zou_admin.get(f"/data/shots/{shot['id']}/asset-instances") == {}
    assert inst["id"] == panel.candidates[0].id


# ------------------------------------------------------------------------------------------ tasks
def test_status_dialog_posts_a_comment_with_an_attachment(qtbot: QtBot, session: Session, seeded: EditProject,
                                                          zou_admin: ZouAdmin, tmp_path: Path) -> None:
    shot = seeded.shots[0]
    task_id = seeded.tasks[shot["id"]]
    zou_admin.put(f"/actions/tasks/{task_id}/assign", {"person_id": seeded.artist.id})
    editor = session.editor(seeded.artist)
    task = zou_admin.get(f"/data/tasks/{task_id}")
    dialog = TaskStatusDialog(editor, None, session.ctx(editor, seeded.id), task=task, entity_name=shot["name"])
    qtbot.addWidget(dialog)
    dialog.show()
    content = os.urandom(200_000)
    path = tmp_path / "layout-notes.bin"
    path.write_bytes(content)
    dialog.add_attachments([path])
    assert dialog.attachment_list.count() == 1 and "195.3 KB" in dialog.attachment_list.item(0).text()
    dialog.select_status(seeded.wip_id)
    child(dialog, QPlainTextEdit, "commentField").setPlainText("Blocking done, notes attached")
    with qtbot.waitSignal(dialog.posted, timeout=20000) as blocker:
        click(qtbot, dialog, QPushButton, "postButton")
    comment = blocker.args[0]
    assert dialog.progress.value() == dialog.progress.maximum() == len(content)
    assert zou_admin.get(f"/data/tasks/{task_id}")["task_status_id"] == seeded.wip_id
    comments = zou_admin.get(f"/data/tasks/{task_id}/comments")
    assert comments[0]["text"] == "Blocking done, notes attached"
    attachment = comment["attachment_files"][0]
    downloaded = run_async(qtbot, editor.session.request("GET", attachment_url(attachment)))
    assert downloaded.content == content


def test_artist_sees_what_the_role_cannot_do(qtbot: QtBot, session: Session, seeded: EditProject,
                                            zou_admin: ZouAdmin) -> None:
    short = f"ok{os.urandom(3).hex()}"
    locked = zou_admin.post("/data/task-status", {"name": f"Approved {short}", "short_name": short,
                                                  "color": "#22aa22", "is_artist_allowed": False})
    mine = seeded.tasks[seeded.shots[0]["id"]]
    zou_admin.put(f"/actions/tasks/{mine}/assign", {"person_id": seeded.artist.id})
    editor = session.editor(seeded.artist)
    ctx = session.ctx(editor, seeded.id)

    create = AssetEditorDialog(editor, None, ctx)
    qtbot.addWidget(create)
    assert not child(create, QPushButton, "saveButton").isEnabled() and "Artist" in create.message.text()
    edit = ShotEditorDialog(editor, None, ctx, entity=seeded.shots[0], sequences=[])
    qtbot.addWidget(edit)
    assert not child(edit, QLineEdit, "nameField").isEnabled()
    assert not child(edit, QPushButton, "saveButton").isEnabled()

    status = TaskStatusDialog(editor, None, ctx, task=zou_admin.get(f"/data/tasks/{mine}"))
    qtbot.addWidget(status)
    model = child(status, QComboBox, "statusField").model()
    assert isinstance(model, QStandardItemModel)
    items = {model.item(r).text(): model.item(r) for r in range(model.rowCount())}
    assert not items[locked["name"]].isEnabled() and items["Work In Progress"].isEnabled()
    assert child(status, QPushButton, "postButton").isEnabled()

    other_task = zou_admin.get(f"/data/tasks/{seeded.tasks[seeded.shots[1]['id']]}")
    not_mine = TaskStatusDialog(editor, None, ctx, task=other_task)
    qtbot.addWidget(not_mine)
    assert not child(not_mine, QPushButton, "postButton").isEnabled()
    assert "assigned to you" in not_mine.message.text()
    # the server's refusal still gets a clear message (e.g. a stale permission view)
    not_mine.allow(not_mine.post_button, True)
    not_mine.show()
    click(qtbot, not_mine, QPushButton, "postButton")
    qtbot.waitUntil(lambda: "artists can only change tasks assigned to them" in not_mine.message.text(),
                    timeout=15000)


def test_assignee_picker(qtbot: QtBot, session: Session, seeded: EditProject, zou_admin: ZouAdmin) -> None:
    editor = session.editor(seeded.manager)
    task_id = seeded.tasks[seeded.shots[0]["id"]]
    dialog = AssigneePicker(editor, None, session.ctx(editor, seeded.id), task=zou_admin.get(f"/data/tasks/{task_id}"))
    qtbot.addWidget(dialog)
    dialog.show()
    child(dialog, QLineEdit, "assigneeSearch").setText(seeded.artist.last_name)
    visible = [dialog.list.item(i) for i in range(dialog.list.count()) if not dialog.list.item(i).isHidden()]
    assert [i.data(Qt.ItemDataRole.UserRole) for i in visible] == [seeded.artist.id]
    # someone else assigns the manager meanwhile: applying the picker must not remove them
    zou_admin.put(f"/actions/tasks/{task_id}/assign", {"person_id": seeded.manager.id})
    dialog.set_checked(seeded.artist.id, True)
    with qtbot.waitSignal(dialog.assignees_changed, timeout=15000) as blocker:
        click(qtbot, dialog, QPushButton, "applyButton")
    assert sorted(blocker.args[1]) == sorted([seeded.artist.id, seeded.manager.id])
    assert sorted(zou_admin.get(f"/data/tasks/{task_id}")["assignees"]) == sorted(
        [seeded.artist.id, seeded.manager.id])
