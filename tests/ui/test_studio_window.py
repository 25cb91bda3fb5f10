"""The studio settings window, driven by objectName against the real Zou: the generic editor creates,
edits and deletes (colours as chips), bad input and Zou's refusals are said in place and lose nothing;
the events log filters; the ShotGrid removals name what they remove; the main window opens it, toggles a
task subscription from the detail's context menu, and shows an asset's instances in the detail."""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget, QMessageBox, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, ZouSession
from desktop.api.studio import StudioData
from desktop.localzou import LocalZou
from desktop.ui.panes.asset_instances import AssetInstancesBox
from desktop.ui.studio import StudioWindow
from desktop.ui.studio.common import ColorButton
from desktop.ui.studio.form import RecordForm
from tests.helpers.editing import EditProject, seed_edit_project
from tests.helpers.ui_names import named_widgets
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import OpenWindow, run_async

WAIT_MS = 15_000
DOC = Path(__file__).resolve().parents[2] / "docs" / "ui-automation.md"


@dataclass
class Studio:
    seed: EditProject
    admin: TestUser
    instance_id: str


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Studio:
    seed = seed_edit_project(zou_admin, n_shots=2, n_assets=2)
    environment, prop = seed.assets
    instance = zou_admin.post(f"/data/assets/{environment['id']}/asset-asset-instances",
                              {"asset_to_instantiate_id": prop["id"], "description": "on the table"})
    zou_admin.post(f"/data/shots/{seed.shots[0]['id']}/asset-instances", {"asset_instance_id": instance["id"]})
    return Studio(seed, zou_admin.create_user("admin"), str(instance["id"]))


@pytest.fixture
def studio_window(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou,
                  production: Studio) -> Iterator[dict[str, StudioWindow]]:
    """`studio_window["admin" | "artist"]`-style factory: opened on first use, closed after the test."""
    sessions: list[ZouSession] = []
    opened: dict[str, StudioWindow] = {}

    class Opener(dict[str, StudioWindow]):
        def __missing__(self, who: str) -> StudioWindow:
            user = {"admin": production.admin, "artist": production.seed.artist,
                    "manager": production.seed.manager}[who]
            session = ZouSession(zou_server.url)
            sessions.append(session)
            assert isinstance(run_async(qtbot, session.sign_in(user.email, user.password)), SignedIn)
            window = StudioWindow(StudioData(session), {})
            qtbot.addWidget(window)
            window.show()
            opened[who] = window
            self[who] = window
            return window

    yield Opener()
    for window in opened.values():
        window.close()
    for session in sessions:
        run_async(qtbot, session.aclose())


def show_family(qtbot: QtBot, window: StudioWindow, title: str) -> None:
    sections = window.findChild(QListWidget, "studioSections")
    assert sections is not None
    row = next(i for i in range(sections.count()) if sections.item(i).text() == title)
    with qtbot.waitSignal(window.editor.loaded, timeout=WAIT_MS):
        sections.setCurrentRow(row)


def table_names(window: StudioWindow) -> list[str]:
    table = window.findChild(QTableView, "studioTable")
    assert table is not None
    model = table.model()
    return [str(model.index(r, 0).data()) for r in range(model.rowCount())]


def open_form(qtbot: QtBot, window: StudioWindow, button: str) -> RecordForm:
    clicked = window.findChild(QPushButton, button)
    assert clicked is not None and clicked.isVisible() and clicked.isEnabled(), button
    qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)
    form = window.findChild(RecordForm, "studioForm")
    assert form is not None and form.isVisible()
    return form


def save(qtbot: QtBot, window: StudioWindow, form: RecordForm, *, ok: bool = True) -> None:
    button = form.findChild(QPushButton, "studioFormSave")
    assert button is not None
    if ok:
        with qtbot.waitSignal(window.editor.loaded, timeout=WAIT_MS):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert not form.isVisible(), (form.message.text(), window.editor.message.text())
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.message.isVisible(), timeout=WAIT_MS)


def answer(qtbot: QtBot, box: QMessageBox | None, name: str) -> str:
    """Click the confirmation's action button; return the text it asked."""
    assert box is not None and box.isVisible() and box.objectName() == name
    text = box.text()
    yes = box.findChild(QPushButton, f"{name}Yes")
    assert yes is not None
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    return text


def test_admin_creates_edits_and_deletes_a_department(qtbot: QtBot, studio_window: dict[str, StudioWindow],
                                                     zou_admin: ZouAdmin) -> None:
    window = studio_window["admin"]
    show_family(qtbot, window, "Departments")
    name = unique("Dept")
    form = open_form(qtbot, window, "studioNew")
    form.findChild(ColorButton, "studioField_color").set_color("#12A4B6")
    save(qtbot, window, form, ok=False)  # no name: said in the form, which stays open with the colour
    assert "Name is required" in form.message.text() and form.isVisible()
    assert form.findChild(ColorButton, "studioField_color").color == "#12a4b6"
    form.findChild(QLineEdit, "studioField_name").setText(name)
    save(qtbot, window, form)
    assert not form.isVisible() and name in table_names(window)
    model = window.editor.model
    row = model.row_of(window.editor.selected()["id"])  # the new record is selected
    chip = model.index(row, [c.key for c in model.columns].index("color")).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(chip, QColor) and chip.name() == "#12a4b6"  # the colour shown as a chip

    form = open_form(qtbot, window, "studioEdit")
    assert form.findChild(QLineEdit, "studioField_name").text() == name
    form.findChild(ColorButton, "studioField_color").set_color("#ff8800")
    save(qtbot, window, form)
    department = next(d for d in zou_admin.get("/data/departments") if d["name"] == name)
    assert department["color"] == "#ff8800"

    window.editor.select_record(department["id"])
    qtbot.mouseClick(window.findChild(QPushButton, "studioDelete"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.editor.loaded, timeout=WAIT_MS):
        asked = answer(qtbot, window.editor.confirm_box, "studioConfirm")
    assert name in asked
    assert name not in table_names(window)
    assert name not in {d["name"] for d in zou_admin.get("/data/departments")}

    names = named_widgets(window)
    doc = DOC.read_text(encoding="utf-8")
    assert [n for n in names if f"`{n}`" not in doc] == [], "objectNames missing from docs/ui-automation.md"
    assert [n for n, accessible in names.items() if not accessible] == []


def test_hdr_upload_and_default_through_the_form(qtbot: QtBot, studio_window: dict[str, StudioWindow],
                                                 tmp_path: Path) -> None:
    window = studio_window["admin"]
    show_family(qtbot, window, "Preview backgrounds")
    hdr = tmp_path / "stage.hdr"
    hdr.write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n" + struct.pack("4B", 90, 90, 90, 128) * 4)
    name = unique("Stage")[:30]
    form = open_form(qtbot, window, "studioNew")
    form.findChild(QLineEdit, "studioField_name").setText(name)
    save(qtbot, window, form, ok=False)
    assert "Choose the .hdr file" in form.message.text()
    form.findChild(QLineEdit, "studioField_file").setText(str(hdr))
    save(qtbot, window, form)
    record = window.editor.selected()
    assert record is not None and record["name"] == name and record["extension"] == "hdr"
    with qtbot.waitSignal(window.editor.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(window.findChild(QPushButton, "studioSetDefault"), Qt.MouseButton.LeftButton)
    assert window.editor.selected()["is_default"] is True
    qtbot.mouseClick(window.findChild(QPushButton, "studioDelete"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.editor.loaded, timeout=WAIT_MS):
        answer(qtbot, window.editor.confirm_box, "studioConfirm")
    assert name not in table_names(window)


def test_an_artist_sees_zous_refusal_and_keeps_what_was_typed(qtbot: QtBot,
                                                              studio_window: dict[str, StudioWindow]) -> None:
    window = studio_window["artist"]
    show_family(qtbot, window, "Studios")  # reads are open to everyone
    form = open_form(qtbot, window, "studioNew")
    name = unique("Mine")
    form.findChild(QLineEdit, "studioField_name").setText(name)
    save(qtbot, window, form, ok=False)
    assert "don't have permission" in form.message.text() and form.isVisible()
    assert form.findChild(QLineEdit, "studioField_name").text() == name
    form.reject()
    show_family(qtbot, window, "Salary scales")  # reads are the admin's
    assert "don't have permission" in window.editor.message.text() and table_names(window) == []
    window.show_section("shotgun")
    qtbot.waitUntil(lambda: "permission" in window.shotgun.message.text(), timeout=WAIT_MS)


def test_events_log_filter_and_shotgun_removal(qtbot: QtBot, studio_window: dict[str, StudioWindow],
                                               production: Studio, zou_admin: ZouAdmin) -> None:
    zou_admin.put(f"/data/entities/{production.seed.assets[0]['id']}", {"description": uuid.uuid4().hex})
    window = studio_window["admin"]
    with qtbot.waitSignal(window.events.loaded, timeout=WAIT_MS):
        window.show_section("events")
    types = window.findChild(QComboBox, "eventsTypeFilter")
    index = types.findData("asset:update")
    assert index > 0
    types.setCurrentIndex(index)
    with qtbot.waitSignal(window.events.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(window.findChild(QPushButton, "eventsReload"), Qt.MouseButton.LeftButton)
    rows = window.events.model.records()
    assert rows and {r["name"] for r in rows} == {"asset:update"}
    window.findChild(QLineEdit, "eventsAfter").setText("not a date")
    qtbot.mouseClick(window.findChild(QPushButton, "eventsReload"), Qt.MouseButton.LeftButton)
    assert "not a date" in window.events.message.text()
    assert window.findChild(QLineEdit, "eventsAfter").text() == "not a date"  # kept to be fixed
    window.findChild(QLineEdit, "eventsAfter").clear()
    assert window.events.select_event(rows[0]["id"])
    qtbot.mouseClick(window.findChild(QPushButton, "eventsDelete"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.events.loaded, timeout=WAIT_MS):
        answer(qtbot, window.events.confirm_box, "eventsConfirm")
    assert rows[0]["id"] not in {r["id"] for r in window.events.model.records()}

    sg_id = int(uuid.uuid4().int % 10**8)
    name = unique("Imported")
    statuses = zou_admin.get("/data/project-status")
    project = zou_admin.post("/data/projects", {"name": name, "shotgun_id": sg_id,
                                                "project_status_id": statuses[0]["id"]})
    error = zou_admin.post("/import/shotgun/errors", {"type": "Shot", "id": sg_id})
    with qtbot.waitSignal(window.shotgun.loaded, timeout=WAIT_MS):
        window.show_section("shotgun")
    assert window.shotgun.select_error(error["id"])
    qtbot.mouseClick(window.findChild(QPushButton, "shotgunDeleteError"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.shotgun.loaded, timeout=WAIT_MS):
        assert f"Shot {sg_id}" in answer(qtbot, window.shotgun.confirm_box, "shotgunConfirm")
    assert error["id"] not in {e["id"] for e in window.shotgun.model.records()}

    window.findChild(QComboBox, "shotgunRemoveKind").setCurrentIndex(0)
    window.shotgun.remove_id.setValue(sg_id)
    qtbot.mouseClick(window.findChild(QPushButton, "shotgunRemoveButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shotgun.confirm_box is not None and window.shotgun.confirm_box.isVisible(),
                    timeout=WAIT_MS)
    with qtbot.waitSignal(window.shotgun.removed, timeout=WAIT_MS):
        asked = answer(qtbot, window.shotgun.confirm_box, "shotgunConfirm")
    assert name in asked and str(sg_id) in asked  # the confirmation named the project
    assert window.shotgun.message.text().startswith("Removed project")
    assert project["id"] not in {p["id"] for p in zou_admin.get("/data/projects")}


def test_main_window_opens_it_subscribes_and_lists_instances(qtbot: QtBot, open_window: Callable[..., OpenWindow],
                                                             production: Studio, zou_admin: ZouAdmin) -> None:
    seed = production.seed
    window = open_window(seed.manager, project_id=seed.id).window
    action = window.findChild(QAction, "actionStudioSettings")
    assert action is not None and action.isEnabled()
    shot_id = seed.shots[0]["id"]
    task_id = seed.tasks[shot_id]
    window.browse.open_entity("shot", shot_id, task_id)
    qtbot.waitUntil(lambda: window.detail.selected_task_id() == task_id, timeout=WAIT_MS)
    window.main_actions.update()
    toggle = window.findChild(QAction, "actionToggleSubscription")
    assert toggle in window.detail.tasks.actions() and toggle.isEnabled()  # the task's context menu
    toggle.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Subscribed"), timeout=WAIT_MS)
    subscribed = zou_admin.get("/data/subscriptions", params={"person_id": seed.manager.id, "task_id": task_id})
    assert len(subscribed) == 1
    toggle.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Unsubscribed"), timeout=WAIT_MS)
    assert zou_admin.get("/data/subscriptions", params={"person_id": seed.manager.id, "task_id": task_id}) == []

    action.trigger()
    studio = window.findChild(StudioWindow, "studioWindow")
    assert studio is not None and studio.isVisible()
    assert studio.editor.task_id == task_id  # a subscription started here is for the selected task
    # The studio's reads take the window's read path: the disk cache, readable offline.
    assert window.client.cache is not None and studio.studio.milestones.reads is window.client.cache
    show_family(qtbot, studio, "Milestones")
    scope = studio.findChild(QComboBox, "studioScope")
    scope.setCurrentIndex(scope.findData(seed.id))
    with qtbot.waitSignal(studio.editor.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(studio.findChild(QPushButton, "studioReload"), Qt.MouseButton.LeftButton)
    form = open_form(qtbot, studio, "studioNew")
    form.findChild(QLineEdit, "studioField_name").setText("Delivery")
    save(qtbot, studio, form)
    assert "Delivery" in [r["name"] for r in studio.editor.model.records()]
    studio.close()

    environment, prop = seed.assets
    box = window.findChild(AssetInstancesBox, "detailInstancesBox")
    with qtbot.waitSignal(box.loaded, timeout=WAIT_MS):
        window.browse.open_entity("asset", prop["id"])
    [line] = box.lines()
    assert "on the table" in line and "SH001" in line and environment["name"] in line
    assert box.isVisible()
