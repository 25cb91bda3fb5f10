"""Publish, the leftovers of issue 17, in the real main window against the real Zou (and its event stream).

- A movie's processing state ends with Zou's `preview-file:update` event while the window is live (no
  read of the preview file; the movie really goes through Zou's ffmpeg), and by polling when it is not.
  The local Zou normalises in the upload request (no job queue), so its `preview-file:update` arrives
  before the upload's answer: the watch listens from before the upload, and a movie's wait always starts,
  so both paths run here for real, on Zou's own answers (nothing rewritten).
- A comment POST whose answer is lost (the proxy forwards it to Zou, then closes the connection): Publish
  again adopts the comment Zou stored, so exactly one comment exists.
- Offline, files dropped on the detail pane or a My tasks row show the offline reason, no dialog.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop.localzou import LocalZou
from desktop.localzou.install import ensure_ffmpeg
from desktop.ui.main_window import MainWindow
from desktop.ui.offline import READ_ONLY_REASON
from desktop.ui.publish.dialog import PublishDialog
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, seed_edit_project
from tests.helpers.seed import png_bytes
from tests.helpers.zou import ZouAdmin
from tests.ui.conftest import OpenWindow, run_async
from tests.ui.test_publish_ui import drop_files, show_task

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> EditProject:
    project = seed_edit_project(zou_admin, n_shots=4, n_assets=0, descriptors=())
    mine = project.tasks[project.shots[3]["id"]]
    zou_admin.put(f"/actions/tasks/{mine}/assign", {"person_id": project.artist.id})
    return project


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("publish-leftovers")
    files = {"picture": root / "still.png", "movie": root / "take.mov"}
    files["picture"].write_bytes(png_bytes(48, 27, (120, 60, 200)))
    # With a soundtrack: Zou 1.0.97 marks a silent movie broken with Debian 12's ffmpeg (see test_publish).
    subprocess.run([ensure_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=24",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "1", "-shortest", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-c:a", "aac", str(files["movie"])], check=True)
    return files


def publish_processing(qtbot: QtBot, window: MainWindow, seeded: EditProject, file: Path,
                       n: int) -> tuple[PublishDialog, dict[str, str]]:
    """Publish `file` on shot n's task; the states `processed` gave."""
    show_task(qtbot, window, seeded, n)
    dialog = window.publishing.publish_selected_task([str(file)])
    assert isinstance(dialog, PublishDialog)
    dialog.thumbnail_box.setChecked(False)
    with qtbot.waitSignal(dialog.processed, timeout=WAIT_MS) as processed:
        dialog.findChild(QPushButton, "publishButton").click()
    return dialog, processed.args[0]


def test_live_the_processing_state_ends_with_the_preview_file_event(
        open_window: Callable[..., OpenWindow], seeded: EditProject, media: dict[str, Path], qtbot: QtBot,
        zou_server: LocalZou) -> None:
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.manager, project_id=seeded.id, url=proxy.url).window
        window.start_live_updates(zou_server.events_url)
        qtbot.waitUntil(lambda: window.live_label.text().startswith("● Live"), timeout=WAIT_MS)
        dialog, states = publish_processing(qtbot, window, seeded, media["movie"], 0)
        (preview_id,) = states
        reads = proxy.count(f"/data/preview-files/{preview_id}", method="GET")
    assert states == {preview_id: "ready"}
    assert dialog.watch is not None and dialog.watch.ended_by_event == {preview_id}
    assert reads == 0  # no polling: the event said it
    qtbot.waitUntil(lambda: not window.publishing.dialogs, timeout=WAIT_MS)  # done: the dialog closed


def test_not_live_the_processing_state_is_polled(
        open_window: Callable[..., OpenWindow], seeded: EditProject, media: dict[str, Path], qtbot: QtBot,
        zou_server: LocalZou) -> None:
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.manager, project_id=seeded.id, url=proxy.url).window
        assert window.live is None
        dialog, states = publish_processing(qtbot, window, seeded, media["movie"], 1)
        (preview_id,) = states
        reads = proxy.count(f"/data/preview-files/{preview_id}", method="GET")
    assert states == {preview_id: "ready"}
    assert dialog.watch is not None and not dialog.watch.ended_by_event
    assert reads >= 1  # the fallback: Zou was asked
    qtbot.waitUntil(lambda: not window.publishing.dialogs, timeout=WAIT_MS)


def test_a_lost_comment_answer_then_publish_again_posts_no_second_comment(
        open_window: Callable[..., OpenWindow], seeded: EditProject, media: dict[str, Path], qtbot: QtBot,
        zou_server: LocalZou, zou_admin: ZouAdmin) -> None:
    task_id = seeded.tasks[seeded.shots[2]["id"]]
    comment = f"/actions/tasks/{task_id}/comment"
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.manager, project_id=seeded.id, url=proxy.url).window
        show_task(qtbot, window, seeded, 2)
        dialog = window.publishing.publish_selected_task([str(media["picture"])])
        assert isinstance(dialog, PublishDialog)
        dialog.findChild(QPlainTextEdit, "commentField").setPlainText("Only once")
        # Zou stores the comment; its answer never reaches the app (the connection closes first).
        proxy.set_mode("cut", path=comment, method="POST", times=1, forward=True)
        publish = dialog.findChild(QPushButton, "publishButton")
        publish.click()
        qtbot.waitUntil(lambda: "Publish again looks for it" in dialog.message.text(), timeout=WAIT_MS)
        assert publish.isVisible() and not dialog.state.started
        qtbot.waitUntil(publish.isEnabled, timeout=WAIT_MS)
        with qtbot.waitSignal(dialog.published, timeout=WAIT_MS) as published:
            publish.click()
        posts = proxy.count(comment, method="POST")
    comments = zou_admin.get(f"/data/tasks/{task_id}/comments")
    assert [c["text"] for c in comments] == ["Only once"]  # exactly one comment
    assert posts == 1  # adopted, not posted again
    assert published.args[0].comment["id"] == comments[0]["id"]
    previews = zou_admin.get(f"/data/tasks/{task_id}/previews")
    assert [p["id"] for p in previews] == [published.args[0].previews[0]["id"]]


def test_offline_dropped_files_show_the_reason_not_the_publish_dialog(
        open_window: Callable[..., OpenWindow], seeded: EditProject, media: dict[str, Path], qtbot: QtBot,
        zou_server: LocalZou) -> None:
    task_id = seeded.tasks[seeded.shots[3]["id"]]
    with FaultProxy(zou_server.url) as proxy:
        window = open_window(seeded.artist, project_id=seeded.id, url=proxy.url).window
        show_task(qtbot, window, seeded, 3)
        pane = window.my_tasks_pane

        def row() -> int:
            model = pane.model
            return next((r for r in range(model.rowCount()) if getattr(model.record(r), "id", "") == task_id), -1)

        qtbot.waitUntil(lambda: row() >= 0, timeout=WAIT_MS)
        run_async(qtbot, window.offline.cache.flush())
        proxy.set_mode("cut")  # the server goes away
        window.refresh()
        qtbot.waitUntil(lambda: window.offline.offline and window.browse.read_only == READ_ONLY_REASON,
                        timeout=WAIT_MS)

        window.statusBar().clearMessage()
        drop_files(window.detail, [media["picture"]])
        assert not window.publishing.dialogs
        assert window.statusBar().currentMessage() == READ_ONLY_REASON

        window.tabs.setCurrentWidget(pane)
        qtbot.waitUntil(lambda: row() >= 0, timeout=WAIT_MS)
        window.statusBar().clearMessage()
        rect = pane.table.visualRect(pane.model.index(row(), 0))
        drop_files(pane.table.viewport(), [media["picture"]], rect.center())
        assert not window.publishing.dialogs
        assert window.statusBar().currentMessage() == READ_ONLY_REASON
        proxy.set_mode("pass")
