"""The publish dialog and the comment-thread menu in the real main window, against the real Zou.

A picture dropped on the detail pane is published with a status and set as the thumbnail; an upload cut
by the fault proxy offers Retry, which sends the file onto the same comment; the comments' right-click
actions (reply, edit, pin, acknowledge, checklist, delete) round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop.api.threads import thread_changed
from desktop.localzou import LocalZou
from desktop.models.roles import Role
from desktop.ui.main_window import MainWindow
from desktop.ui.panes.comment_actions import ChecklistDialog, CommentTextDialog
from desktop.ui.publish.dialog import PublishDialog
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, seed_edit_project
from tests.helpers.seed import png_bytes
from tests.helpers.zou import ZouAdmin
from tests.ui.conftest import OpenWindow, run_async

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> EditProject:
    project = seed_edit_project(zou_admin, n_shots=5, n_assets=0, descriptors=())
    mine = project.tasks[project.shots[3]["id"]]
    zou_admin.put(f"/actions/tasks/{mine}/assign", {"person_id": project.artist.id})
    return project


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("publish") / "paint.png"
    path.write_bytes(png_bytes(64, 36, (30, 160, 90)))
    return path


def show_task(qtbot: QtBot, window: MainWindow, seeded: EditProject, n: int) -> str:
    shot_id = seeded.shots[n]["id"]
    task_id = seeded.tasks[shot_id]
    window.open_entity("shot", shot_id)
    qtbot.waitUntil(lambda: window.detail.entity_id == shot_id and window.detail.select_task(task_id)
                    and window.detail.comments_model.task_id == task_id, timeout=WAIT_MS)
    return task_id


def drop_files(widget: object, paths: list[Path], at: QPoint | None = None) -> None:
    """What a drag from the file manager delivers: a drag enter (accepted), then the drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    at = at or QPoint(10, 10)
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    assert QApplication.sendEvent(widget, enter) and enter.isAccepted()  # type: ignore[arg-type]
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    assert QApplication.sendEvent(widget, drop)  # type: ignore[arg-type]


def test_a_picture_dropped_on_the_detail_pane_is_published_and_becomes_the_thumbnail(
        open_window: Callable[..., OpenWindow], seeded: EditProject, picture: Path, qtbot: QtBot,
        zou_admin: ZouAdmin) -> None:
    window = open_window(seeded.manager, project_id=seeded.id).window
    task_id = show_task(qtbot, window, seeded, 0)
    applied: list[object] = []
    window.browse.changes_applied.connect(applied.append)
    drop_files(window.detail, [picture])
    qtbot.waitUntil(lambda: bool(window.publishing.dialogs), timeout=WAIT_MS)
    dialog = window.publishing.dialogs[-1]
    assert dialog.previews == [picture] and dialog.thumbnail_box.isChecked()
    dialog.select_status(seeded.wip_id)
    dialog.findChild(QPlainTextEdit, "commentField").setPlainText("Paint pass")
    with qtbot.waitSignal(dialog.published, timeout=WAIT_MS) as published:
        dialog.findChild(QPushButton, "publishButton").click()
    result = published.args[0]
    qtbot.waitUntil(lambda: not window.publishing.dialogs, timeout=WAIT_MS)

    preview_id = result.previews[0]["id"]
    assert zou_admin.get(f"/data/shots/{seeded.shots[0]['id']}")["preview_file_id"] == preview_id
    assert zou_admin.get(f"/data/tasks/{task_id}")["task_status_id"] == seeded.wip_id
    assert any(c.origin == "publish" for c in applied)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(c.get("text") == "Paint pass" for c in window.detail.comments_model.comments()),
                    timeout=WAIT_MS)


def test_a_cut_upload_offers_retry_onto_the_same_comment(
        open_window: Callable[..., OpenWindow], seeded: EditProject, picture: Path, qtbot: QtBot,
        zou_server: LocalZou, zou_admin: ZouAdmin) -> None:
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.manager, project_id=seeded.id, url=proxy.url).window
        task_id = show_task(qtbot, window, seeded, 1)
        dialog = window.publishing.publish_selected_task([str(picture)])
        assert isinstance(dialog, PublishDialog)
        dialog.findChild(QPlainTextEdit, "commentField").setPlainText("Cut me")
        proxy.set_mode("cut", path="/pictures/preview-files/", method="POST", times=1)
        dialog.findChild(QPushButton, "publishButton").click()
        retry = dialog.findChild(QPushButton, "publishRetryButton")
        qtbot.waitUntil(lambda: retry.isVisible() and retry.isEnabled(), timeout=WAIT_MS)
        assert "The comment is posted" in dialog.message.text()
        assert not dialog.comment_field.isEnabled() and not dialog.status_field.isEnabled()
        with qtbot.waitSignal(dialog.published, timeout=WAIT_MS):
            retry.click()
        assert proxy.count(f"/actions/tasks/{task_id}/comment", method="POST") == 1
    comments = zou_admin.get(f"/data/tasks/{task_id}/comments")
    assert [c["text"] for c in comments] == ["Cut me"]
    assert len(zou_admin.get(f"/data/tasks/{task_id}/previews")) == 1


def test_cancel_during_the_upload_then_retry_onto_the_same_comment(
        open_window: Callable[..., OpenWindow], seeded: EditProject, picture: Path, qtbot: QtBot,
        zou_server: LocalZou, zou_admin: ZouAdmin) -> None:
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.manager, project_id=seeded.id, url=proxy.url).window
        task_id = show_task(qtbot, window, seeded, 4)
        dialog = window.publishing.publish_selected_task([str(picture)])
        assert isinstance(dialog, PublishDialog)
        # The upload never gets an answer (a stalled gateway) until the user cancels it.
        proxy.set_mode("stall", path="/pictures/preview-files/", method="POST", times=1)
        dialog.findChild(QPushButton, "publishButton").click()
        stop = dialog.findChild(QPushButton, "publishCancelUploadButton")
        qtbot.waitUntil(lambda: proxy.count("/pictures/preview-files/", method="POST", prefix=True) == 1
                        and stop.isVisible(), timeout=WAIT_MS)
        stop.click()
        retry = dialog.findChild(QPushButton, "publishRetryButton")
        qtbot.waitUntil(lambda: retry.isVisible() and retry.isEnabled(), timeout=WAIT_MS)
        assert "cancelled" in dialog.message.text() and "The comment is posted" in dialog.message.text()
        with qtbot.waitSignal(dialog.published, timeout=WAIT_MS) as published:
            retry.click()
    assert len(zou_admin.get(f"/data/tasks/{task_id}/comments")) == 1
    previews = zou_admin.get(f"/data/tasks/{task_id}/previews")
    assert [p["id"] for p in previews] == [published.args[0].previews[0]["id"]]


def test_comment_thread_actions_from_the_comments_menu(
        open_window: Callable[..., OpenWindow], seeded: EditProject, qtbot: QtBot, zou_admin: ZouAdmin) -> None:
    task_id = seeded.tasks[seeded.shots[2]["id"]]
    window = open_window(seeded.manager, project_id=seeded.id).window
    show_task(qtbot, window, seeded, 2)
    posted = run_async(qtbot, window.browse.editor.comment_task(task_id, None, "Check the sky"))
    window.browse.apply(thread_changed(task_id))
    detail, actions = window.detail, window.detail.thread_actions

    def select_comment() -> bool:
        model = detail.comments_model
        for row in range(model.rowCount()):
            if model.data(model.index(row, 0), Role.EntityId) == posted["id"]:
                detail.comments.setCurrentIndex(model.index(row, 0))
                return actions.comment() is not None
        return False

    def on_server() -> dict[str, object]:
        return dict(zou_admin.get(f"/data/comments/{posted['id']}"))

    def shown() -> str:
        select_comment()
        return str(detail.comments_model.data(detail.comments.currentIndex()) or "")

    qtbot.waitUntil(select_comment, timeout=WAIT_MS)
    assert actions.edit_action.isEnabled() and actions.pin_action.isEnabled()

    actions.reply_action.trigger()
    dialog = actions.dialog
    assert isinstance(dialog, CommentTextDialog)
    dialog.field.setPlainText("Will do")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "Will do" in shown(), timeout=WAIT_MS)

    actions.edit_action.trigger()
    dialog = actions.dialog
    assert isinstance(dialog, CommentTextDialog) and dialog.text() == "Check the sky"
    dialog.field.setPlainText("Check the sky and the sea")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: on_server()["text"] == "Check the sky and the sea", timeout=WAIT_MS)

    actions.pin_action.trigger()
    qtbot.waitUntil(lambda: on_server()["pinned"] is True and shown().startswith("📌"), timeout=WAIT_MS)
    actions.ack_action.trigger()
    qtbot.waitUntil(lambda: seeded.manager.id in on_server()["acknowledgements"], timeout=WAIT_MS)  # type: ignore[operator]

    actions.checklist_action.trigger()
    checklist = actions.dialog
    assert isinstance(checklist, ChecklistDialog)
    checklist.new_item.setText("sky")
    checklist.new_item.returnPressed.emit()
    checklist.new_item.setText("sea")
    checklist.new_item.returnPressed.emit()
    checklist.list.item(0).setCheckState(Qt.CheckState.Checked)
    checklist.findChild(QPushButton, "checklistSaveButton").click()
    qtbot.waitUntil(lambda: on_server()["checklist"] == [{"text": "sky", "checked": True},
                                                        {"text": "sea", "checked": False}], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "☑ sky" in shown(), timeout=WAIT_MS)

    qtbot.waitUntil(select_comment, timeout=WAIT_MS)
    actions.delete_action.trigger()
    box = actions.dialog
    assert isinstance(box, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: zou_admin.get(f"/data/tasks/{task_id}/comments") == [], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: detail.comments_model.rowCount() == 0, timeout=WAIT_MS)


def test_files_dropped_on_a_my_tasks_row_publish_on_that_task(
        open_window: Callable[..., OpenWindow], seeded: EditProject, picture: Path, qtbot: QtBot,
        zou_admin: ZouAdmin) -> None:
    task_id = seeded.tasks[seeded.shots[3]["id"]]
    window = open_window(seeded.artist, project_id=seeded.id).window
    pane = window.my_tasks_pane
    window.tabs.setCurrentWidget(pane)

    def row() -> int:
        model = pane.model
        return next((r for r in range(model.rowCount()) if getattr(model.record(r), "id", "") == task_id), -1)

    qtbot.waitUntil(lambda: row() >= 0, timeout=WAIT_MS)
    rect = pane.table.visualRect(pane.model.index(row(), 0))
    drop_files(pane.table.viewport(), [picture], rect.center())
    qtbot.waitUntil(lambda: bool(window.publishing.dialogs), timeout=WAIT_MS)
    dialog = window.publishing.dialogs[-1]
    assert dialog.task["id"] == task_id and dialog.previews == [picture]
    with qtbot.waitSignal(dialog.published, timeout=WAIT_MS) as published:
        dialog.findChild(QPushButton, "publishButton").click()
    previews = zou_admin.get(f"/data/tasks/{task_id}/previews")
    assert [p["id"] for p in previews] == [published.args[0].previews[0]["id"]]
