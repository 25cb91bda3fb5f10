"""My tasks' tabs, the time log editor and "Where do I save?" in the real main window, on the real Zou.

One production for the module: the artist has an estimated, overdue to-do, a done task, a task whose
type takes no time log, a working file with bytes, and a task in a project without a file tree; a
supervisor checks the artist's work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QUrl
from PySide6.QtGui import QGuiApplication, QPalette
from pytestqt.qtbot import QtBot

from desktop.api.downloads import Status
from desktop.api.files import NO_TEMPLATE_MESSAGE
from desktop.localzou import LocalZou
from desktop.models.lists import MyTasksModel
from desktop.models.lookups import contrast_ratio
from desktop.models.roles import FOREGROUND
from desktop.ui.files.where_to_save import WhereToSaveDialog, open_where_to_save
from desktop.ui.main_window import TAB_MY_TASKS, TAB_SHOTS, MainWindow
from desktop.ui.panes.task_tabs import TAB_DONE, TAB_TO_CHECK
from desktop.ui.timelog import TimeLogDialog
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, by_name, seed_small_project
from tests.helpers.ui_names import named_widgets
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import OpenWindow

WAIT_MS = 15_000
DOC = Path(__file__).resolve().parents[2] / "docs" / "ui-automation.md"
DAY = "2025-03-14"  # inside the artist's day off


@dataclass
class Production:
    project: SeededProject
    supervisor: TestUser
    mount: Path
    bare_task_id: str
    no_log_task_id: str
    no_log_type_name: str
    working_file: dict[str, Any]
    working_bytes: bytes


def tree(mount: Path, *, instances: bool = False) -> dict[str, Any]:
    """A file tree in Zou's format rooted in a local folder (so "Open folder" has a folder to open); with
    `instances`, output templates for the asset instances cast in a shot too."""
    made = {
        "working": {"mountpoint": str(mount), "root": "prod",
                    "folder_path": {"shot": "<Project>/<Sequence>/<Shot>/<TaskType>/<Software>", "style": "lowercase"},
                    "file_name": {"shot": "<Project>_<Shot>_<TaskType>_<Name>_v<Version>", "style": "lowercase"}},
        "output": {"mountpoint": str(mount), "root": "export",
                   "folder_path": {"shot": "<Project>/<Sequence>/<Shot>/<OutputType>", "style": "lowercase"},
                   "file_name": {"shot": "<Project>_<Shot>_<OutputType>_<Name>_v<Version>", "style": "lowercase"}},
    }
    if instances:
        made["output"]["folder_path"]["instance"] = ("<Project>/<Sequence>/<TemporalEntity>/<Asset>"
                                                     "/instance_<Instance.number>")
        made["output"]["file_name"]["instance"] = "<Project>_<TemporalEntity>_<Instance.name>_<Name>_v<Version>"
    return made


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin, tmp_path_factory: pytest.TempPathFactory) -> Production:
    mount = tmp_path_factory.mktemp("studio")
    project = seed_small_project(zou_admin, name=unique("Todo"), with_preview=False)
    pid, artist = project.id, project.artist
    zou_admin.put(f"/data/projects/{pid}", {"file_tree": tree(mount)})
    supervisor = zou_admin.create_user("supervisor", first_name="Sue")
    zou_admin.post(f"/data/projects/{pid}/team", {"person_id": supervisor.id})
    anim = project.tasks[("SQ01/SH010", "Animation")]
    late = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    zou_admin.put(f"/data/tasks/{anim}", {"estimation": 270, "due_date": f"{late}T00:00:00"})
    zou_admin.put(f"/actions/tasks/{project.tasks[('SQ01/SH010', 'Layout')]}/assign", {"person_id": artist.id})
    zou_admin.post("/data/output-types", {"name": unique("Cache"), "short_name": "cache"})
    zou_admin.post("/data/day-offs", {"person_id": artist.id, "date": DAY, "end_date": DAY, "description": "Dentist"})

    no_log = zou_admin.post("/data/task-types", {"name": unique("Review"), "for_entity": "Shot",
                                                 "allow_timelog": False})
    zou_admin.post(f"/data/projects/{pid}/settings/task-types", {"task_type_id": no_log["id"]})
    created = zou_admin.post(f"/actions/projects/{pid}/task-types/{no_log['id']}/shots/create-tasks",
                             [project.shots["SQ02/SH020"]])
    no_log_task = next(t for t in created if t["entity_id"] == project.shots["SQ02/SH020"])
    zou_admin.put(f"/actions/tasks/{no_log_task['id']}/assign", {"person_id": artist.id})

    working = zou_admin.post(f"/data/tasks/{anim}/working-files/new", {"name": "main", "comment": "blocking"})
    data = os.urandom(150_000)
    r = zou_admin.http.post(f"/data/working-files/{working['id']}/file", files={"file": ("scene.blend", data)})
    assert r.status_code == 201, r.text[:300]

    bare = zou_admin.create_project(unique("NoTree"), team=[artist])
    layout = by_name(zou_admin.get("/data/task-types"), "Layout", "Shot")["id"]
    zou_admin.post(f"/data/projects/{bare['id']}/settings/task-types", {"task_type_id": layout})
    seq = zou_admin.post(f"/data/projects/{bare['id']}/sequences", {"name": "SQ09"})
    zou_admin.post(f"/data/projects/{bare['id']}/shots", {"name": "SH990", "sequence_id": seq["id"]})
    (bare_task,) = zou_admin.post(f"/actions/projects/{bare['id']}/task-types/{layout}/shots/create-tasks", [])
    zou_admin.put(f"/actions/tasks/{bare_task['id']}/assign", {"person_id": artist.id})
    return Production(project, supervisor, mount, bare_task["id"], no_log_task["id"], no_log["name"],
                      working, data)


def assert_named_and_documented(root: Any) -> None:
    """Every named widget under `root` has an accessible name and is in docs/ui-automation.md
    (`name:<key>` for the names carrying a row number)."""
    names = named_widgets(root)
    assert [n for n, accessible in names.items() if not accessible] == []
    doc = DOC.read_text(encoding="utf-8")
    patterns = {n.split(":", 1)[0] + ":<key>" if ":" in n else n for n in names}
    assert sorted(p for p in patterns if f"`{p}`" not in doc) == []


def my_tasks_window(open_window: Callable[..., OpenWindow], user: TestUser, production: Production,
                    qtbot: QtBot) -> MainWindow:
    window = open_window(user, project_id=production.project.id, wait_for=("shot", "my_tasks")).window
    window.show_tab(TAB_MY_TASKS)
    return window


def row_of(model: MyTasksModel, task_id: str) -> int:
    return next((r for r in range(model.rowCount()) if model.record(r).id == task_id), -1)


def select(window: MainWindow, task_id: str) -> None:
    tabs = window.my_tasks_pane.tabs
    table = tabs.current_table()
    model = table.model()
    assert isinstance(model, MyTasksModel)
    row = row_of(model, task_id)
    assert row >= 0
    table.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
    assert tabs.selected_task() is not None and tabs.selected_task().id == task_id  # type: ignore[union-attr]


def test_tabs_estimates_and_overdue(open_window: Callable[..., OpenWindow], production: Production,
                                    qtbot: QtBot) -> None:
    p = production.project
    window = my_tasks_window(open_window, p.artist, production, qtbot)
    pane = window.my_tasks_pane
    tabs, model = pane.tabs, pane.model
    anim = row_of(model, p.tasks[("SQ01/SH010", "Animation")])
    assert anim >= 0
    assert model.data(model.index(anim, model.column_index("estimation"))) == "4.5 h"
    due = model.index(anim, model.column_index("due_date"))
    assert str(model.data(due)).endswith("(overdue)") and model.data(due, FOREGROUND) is not None
    hero = row_of(model, p.tasks[("Hero", "Modeling")])
    assert not str(model.data(model.index(hero, model.column_index("due_date")))).endswith("(overdue)")
    # Sortable by estimate: the estimated task first, the unestimated ones after.
    model.sort(model.column_index("estimation"))
    assert model.record(0).id == p.tasks[("SQ01/SH010", "Animation")]

    assert not tabs.isTabVisible(TAB_TO_CHECK)  # an artist checks no one's work
    with qtbot.waitSignal(tabs.list_loaded, timeout=WAIT_MS):
        tabs.setCurrentIndex(TAB_DONE)
    done = tabs.done.model
    layout = row_of(done, p.tasks[("SQ01/SH010", "Layout")])
    assert layout >= 0 and not str(done.data(done.index(layout, done.column_index("due_date")))).endswith("overdue")
    assert tabs.done.message.text() == f"{done.rowCount()} done task" + ("s" if done.rowCount() != 1 else "")
    assert window.files.current_view() == (tabs.done.table, "done tasks")  # File > Export what is shown
    with qtbot.waitSignal(pane.task_activated, timeout=WAIT_MS) as activated:
        tabs.done.table.activated.emit(done.index(layout, 0))
    assert activated.args[0].id == p.tasks[("SQ01/SH010", "Layout")]
    assert_named_and_documented(pane)


def test_to_check_for_a_supervisor(open_window: Callable[..., OpenWindow], production: Production,
                                   qtbot: QtBot) -> None:
    p = production.project
    window = my_tasks_window(open_window, production.supervisor, production, qtbot)
    tabs = window.my_tasks_pane.tabs
    assert tabs.isTabVisible(TAB_TO_CHECK)
    with qtbot.waitSignal(tabs.list_loaded, timeout=WAIT_MS):
        tabs.setCurrentIndex(TAB_TO_CHECK)
    model = tabs.to_check.model
    hero = row_of(model, p.tasks[("Hero", "Modeling")])  # "wfa" in the seed
    assert hero >= 0 and model.data(model.index(hero, model.column_index("entity"))) == "Character / Hero"
    assert row_of(model, p.tasks[("SQ01/SH010", "Animation")]) == -1  # wip: nothing to check


def test_time_log_round_trip(open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot,
                             zou_admin: ZouAdmin) -> None:
    p = production.project
    window = my_tasks_window(open_window, p.artist, production, qtbot)
    dialog = window.my_tasks_pane.tabs.open_time_log()
    assert isinstance(dialog, TimeLogDialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=WAIT_MS)
    assert_named_and_documented(dialog)
    anim = p.tasks[("SQ01/SH010", "Animation")]
    assert production.no_log_task_id not in dialog.rows  # its task type takes no time log
    assert production.no_log_type_name in dialog.note.text() and dialog.note.isVisible()
    assert not dialog.day_off.isVisible()

    dialog.date.setDate(dialog.date.date().fromString(DAY, "yyyy-MM-dd"))
    qtbot.waitUntil(lambda: dialog.day_off.isVisible() and dialog.save_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.day_off.text() == f"Day off ({DAY}): Dentist"
    shown = dialog.day_off.styleSheet().split("color:")[1].split(";")[0].strip()
    window = dialog.palette().color(QPalette.ColorRole.Window).name()
    assert contrast_ratio(shown, window) >= 4.5  # readable in the theme it is shown in
    spin = dialog.hours_widget(anim)
    assert spin is not None and spin.value() == 0
    spin.setValue(3.5)
    assert dialog.total.text() == "Total: 3.5 h"
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved"), timeout=WAIT_MS)
    stored = zou_admin.get(f"/data/persons/{p.artist.id}/time-spents/{DAY}")
    assert [(t["task_id"], t["duration"]) for t in stored] == [(anim, 210)]

    # Read back: another day shows nothing, the day again shows what Zou holds.
    dialog.date.setDate(dialog.date.date().addDays(-1))
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and not dialog.day_off.isVisible(), timeout=WAIT_MS)
    assert dialog.hours_widget(anim).value() == 0  # type: ignore[union-attr]
    dialog.date.setDate(dialog.date.date().addDays(1))
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and dialog.day_off.isVisible(), timeout=WAIT_MS)
    assert dialog.hours_widget(anim).value() == 3.5  # type: ignore[union-attr]

    # Zou refuses time on a task one is no longer assigned to: said, and the typed hours stay.
    hero = p.tasks[("Hero", "Modeling")]
    zou_admin.put("/actions/tasks/clear-assignation", {"task_ids": [hero]})
    try:
        dialog.hours_widget(hero).setValue(2)  # type: ignore[union-attr]
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Not saved"), timeout=WAIT_MS)
        assert "Hero" in dialog.status.text()
        assert dialog.hours_widget(hero).value() == 2  # type: ignore[union-attr]
        assert dialog.hours_widget(anim).value() == 3.5  # type: ignore[union-attr]
    finally:
        zou_admin.put(f"/actions/tasks/{hero}/assign", {"person_id": p.artist.id})
    dialog.close()


def test_where_to_save_paths_files_and_download(open_window: Callable[..., OpenWindow], production: Production,
                                                qtbot: QtBot, zou_admin: ZouAdmin, tmp_path: Path) -> None:
    p = production.project
    window = my_tasks_window(open_window, p.artist, production, qtbot)
    window.downloads.set_project_folder(p.id, tmp_path / "dl")
    anim = p.tasks[("SQ01/SH010", "Animation")]
    select(window, anim)
    dialog = window.my_tasks_pane.tabs.open_where_to_save()
    assert isinstance(dialog, WhereToSaveDialog)
    qtbot.waitUntil(lambda: bool(dialog.working_field.text() and dialog.output_field.text()), timeout=WAIT_MS)
    assert not dialog.no_tree.isVisible()
    assert_named_and_documented(dialog)

    software = dialog.software.currentData()
    assert software.id == production.working_file["software_id"]  # the software of the newest working file
    want = zou_admin.post(f"/data/tasks/{anim}/working-file-path",
                          {"name": "main", "software_id": software.id, "revision": 0})
    assert dialog.working_field.text() == f"{want['path']}/{want['name']}{software.file_extension}"
    assert want["path"].startswith(str(production.mount))
    output_type = dialog.output_type.currentData()
    want_out = zou_admin.post(f"/data/entities/{p.shots['SQ01/SH010']}/output-file-path",
                              {"output_type_id": output_type.id, "task_type_id": p.task_types["Animation"],
                               "revision": 7, "name": "main"})
    dialog.revision.setValue(7)
    qtbot.waitUntil(lambda: dialog.output_field.text() == f"{want_out['folder_path']}/{want_out['file_name']}"
                    and dialog.working_field.text().endswith(f"_v007{software.file_extension}"), timeout=WAIT_MS)

    dialog.working_copy.click()
    assert QGuiApplication.clipboard().text() == dialog.working_field.text()
    opened: list[QUrl] = []
    dialog.open_url = opened.append
    dialog.output_open.click()  # the folder is not there yet: said, not opened
    assert opened == [] and "does not exist on this computer" in dialog.status.text()
    Path(want_out["folder_path"]).mkdir(parents=True)
    dialog.output_open.click()
    assert [u.toLocalFile() for u in opened] == [want_out["folder_path"]]

    assert dialog.working_table.rowCount() == 1
    assert dialog.working_table.item(0, 1).text() == str(production.working_file["revision"])
    dialog.working_table.selectRow(0)
    assert dialog.download_button.isEnabled()
    task = dialog.download_selected()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    (item,) = task.result()
    qtbot.waitUntil(lambda: item.status is Status.DONE, timeout=WAIT_MS)
    assert item.target is not None
    assert hashlib.sha256(item.target.read_bytes()).digest() == hashlib.sha256(production.working_bytes).digest()
    dialog.close()


def test_where_to_save_without_a_file_tree(open_window: Callable[..., OpenWindow], production: Production,
                                          qtbot: QtBot) -> None:
    window = my_tasks_window(open_window, production.project.artist, production, qtbot)
    select(window, production.bare_task_id)
    dialog = window.my_tasks_pane.tabs.open_where_to_save()
    assert isinstance(dialog, WhereToSaveDialog)
    qtbot.waitUntil(lambda: dialog.no_tree.isVisible(), timeout=WAIT_MS)
    assert "no file tree" in dialog.no_tree.text()
    assert not dialog.paths_box.isEnabled() and dialog.working_field.text() == ""
    assert dialog.status.text() == ""  # a message, not an error
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=WAIT_MS)
    dialog.close()


def test_where_to_save_from_the_detail_pane(open_window: Callable[..., OpenWindow], production: Production,
                                           qtbot: QtBot, zou_admin: ZouAdmin) -> None:
    """Edit > Where do I save? (and the detail's right-click menu) answers for the task picked in the detail,
    with Zou's own paths for it."""
    p = production.project
    window = open_window(p.artist, project_id=p.id, wait_for=("shot",)).window
    window.show_tab(TAB_SHOTS)
    action = window.main_actions.where_to_save_action
    assert action in window.detail.tasks.actions() and action in window.main_actions.edit_menu.actions()
    window.main_actions.update()
    assert not action.isEnabled()  # no task picked yet
    shot_id, anim = p.shots["SQ01/SH010"], p.tasks[("SQ01/SH010", "Animation")]
    instance = zou_admin.post("/data/asset-instances", {"asset_id": p.assets["Sword"], "name": "sword_0001",
                                                        "number": 1, "description": ""})
    zou_admin.post(f"/data/shots/{shot_id}/asset-instances", {"asset_instance_id": instance["id"]})
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: window.detail.entity_id == shot_id and window.detail.select_task(anim), timeout=WAIT_MS)
    window.main_actions.update()
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(WhereToSaveDialog, "whereToSaveDialog")
    assert isinstance(dialog, WhereToSaveDialog)
    assert dialog.task.id == anim and dialog.task.entity_id == shot_id
    assert dialog.heading.text() == f"{p.project['name']} · SQ01 / SH010 · Animation"
    qtbot.waitUntil(lambda: bool(dialog.working_field.text() and dialog.output_field.text()), timeout=WAIT_MS)
    software = dialog.software.currentData()
    want = zou_admin.post(f"/data/tasks/{anim}/working-file-path",
                          {"name": "main", "software_id": software.id, "revision": 0})
    assert dialog.working_field.text() == f"{want['path']}/{want['name']}{software.file_extension}"
    assert dialog.working_table.rowCount() == 1  # the seeded working file, read through the window's cache
    # The shot's asset instance has an output path of its own: Zou's answer for the instance in the shot.
    assert dialog.form.isRowVisible(dialog.instance)
    shot_output = dialog.output_field.text()
    dialog.instance.setCurrentIndex(dialog.instance.findText("Asset instance sword_0001"))
    # This tree has no template for instances yet: said in the field, not as an error.
    qtbot.waitUntil(lambda: dialog.output_field.placeholderText() == NO_TEMPLATE_MESSAGE, timeout=WAIT_MS)
    assert dialog.output_field.text() == "" and dialog.output_path is None and dialog.status.text() == ""
    zou_admin.put(f"/data/projects/{p.id}", {"file_tree": tree(production.mount, instances=True)})
    dialog.instance.setCurrentIndex(0)
    qtbot.waitUntil(lambda: dialog.output_field.text() == shot_output, timeout=WAIT_MS)
    dialog.instance.setCurrentIndex(dialog.instance.findText("Asset instance sword_0001"))
    want_out = zou_admin.post(f"/data/asset-instances/{instance['id']}/entities/{shot_id}/output-file-path",
                              {"output_type_id": dialog.output_type.currentData().id,
                               "task_type_id": p.task_types["Animation"], "name": "main", "revision": 0})
    qtbot.waitUntil(lambda: dialog.output_field.text() == f"{want_out['folder_path']}/{want_out['file_name']}",
                    timeout=WAIT_MS)
    assert dialog.output_field.text() != shot_output and "instance_0001" in dialog.output_field.text()
    assert window.client.cache is not None and dialog.files.reads is window.client.cache
    dialog.close()


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    """A fault proxy that outlives the window opened through it (requested before `open_window`, so torn down
    after it: a window closing against a stopped proxy waits for its connections to time out)."""
    with FaultProxy(zou_server.url) as p:
        yield p


def test_save_a_new_working_file_revision_survives_a_cut_upload(
        proxy: FaultProxy, open_window: Callable[..., OpenWindow], production: Production, qtbot: QtBot,
        zou_admin: ZouAdmin, tmp_path: Path) -> None:
    """A file saved as a new revision: registered once (Zou's path for it), uploaded; a cut upload keeps the
    registered revision and the next save sends the same file to it, never a second revision."""
    p = production.project
    layout = p.tasks[("SQ01/SH010", "Layout")]
    source = tmp_path / "layout.blend"
    source.write_bytes(os.urandom(200_000))
    before = zou_admin.get(f"/data/tasks/{layout}/working-files")
    window = open_window(p.artist, project_id=p.id, url=proxy.url, wait_for=("shot",)).window
    shot_id = p.shots["SQ01/SH010"]
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: window.detail.entity_id == shot_id and window.detail.select_task(layout),
                    timeout=WAIT_MS)
    dialog = open_where_to_save(window)
    assert isinstance(dialog, WhereToSaveDialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and bool(dialog.working_field.text()),
                    timeout=WAIT_MS)
    next_path = dialog.working_field.text()
    dialog.comment.setText("first blocking")
    proxy.set_mode("cut", path="/data/working-files/", method="POST", times=1)
    task = dialog.save_working_file(source)
    assert task is not None
    qtbot.waitUntil(lambda: "Could not save the working file" in dialog.status.text(), timeout=WAIT_MS)
    assert "is registered: Save again sends the file to it" in dialog.status.text()
    assert dialog.pending is not None and dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=WAIT_MS)
    dialog.save_working_file(source)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved layout.blend"), timeout=WAIT_MS)
    assert proxy.count(f"/data/tasks/{layout}/working-files/new", method="POST") == 1
    after = zou_admin.get(f"/data/tasks/{layout}/working-files")
    (new,) = [w for w in after if w["id"] not in {b["id"] for b in before}]
    assert dialog.pending is None and new["comment"] == "first blocking"
    assert next_path.startswith(new["path"])  # the path the dialog showed is where Zou put it
    r = zou_admin.http.get(f"/data/working-files/{new['id']}/file")
    assert r.status_code == 200 and r.content == source.read_bytes()
    assert dialog.working_table.rowCount() == len(after)
    dialog.close()
