"""Watch and review against the real Zou: movies published through Zou's preview route (normalised by
Zou's ffmpeg), frame-accurate stepping and seeking, the detail's preview history, the playlist review
window (side by side, annotations round trip, status + comment) and playlist editing.

The movies carry their frame number as a pixel pattern (`tests/helpers/movies.py`): each check reads the
decoded frame back, never the player's own idea of where it is.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop.localzou.install import ensure_system_packages
from desktop.media.frames import FrameReader
from desktop.media.timing import frame_time
from desktop.ui.main_window import MainWindow
from desktop.ui.review.movies import movies_for
from desktop.ui.review.player import ReviewPlayer
from desktop.ui.review.playlist_review import PlaylistReviewWindow
from tests.helpers.movies import make_numbered_movie, publish_movie, read_number
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import OpenWindow, run_async

# Zou processes the movies in the module fixture (ffmpeg): that set-up is not the tests' time.
pytestmark = pytest.mark.timeout(120, func_only=True)
WAIT_MS = 30_000
V1_FRAMES, V2_FRAMES = 60, 48
V2_START = 2000  # v2's frames carry 2000, 2001...: side by side shows which revision is which


@dataclass
class Review:
    project: SeededProject
    artist: TestUser
    supervisor: TestUser
    shot_id: str  # SQ01/SH020: two movie revisions of its Animation task
    task_id: str
    v1: dict[str, object]
    v2: dict[str, object]
    playlist_id: str
    playlist_name: str


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin, tmp_path_factory: pytest.TempPathFactory) -> Review:
    # Zou normalises movies with ffmpeg: the local Zou tooling installs it (apt, as root) like its other
    # system packages.
    ensure_system_packages(("ffmpeg",))
    artist = zou_admin.create_user("user", first_name="Ada")
    supervisor = zou_admin.create_user("supervisor", first_name="Sue")
    project = seed_small_project(zou_admin, artist=artist, name=unique("Review"))
    zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": supervisor.id})
    # A small resolution keeps Zou's ffmpeg quick (the 1080p case is the benchmark's).
    zou_admin.put(f"/data/projects/{project.id}", {"resolution": "640x360"})
    folder = tmp_path_factory.mktemp("movies")
    task_id = project.tasks[("SQ01/SH020", "Animation")]
    wfa = str(project.statuses["wfa"]["id"])
    v1 = publish_movie(zou_admin, task_id, make_numbered_movie(folder / "v1.mp4", V1_FRAMES), status_id=wfa,
                       text="First pass")
    v2 = publish_movie(zou_admin, task_id, make_numbered_movie(folder / "v2.mp4", V2_FRAMES, start=V2_START),
                       status_id=wfa, text="Fixed the arcs")
    name = unique("Dailies")
    playlist = zou_admin.post("/data/playlists", {"name": name, "project_id": project.id, "for_entity": "shot"})
    zou_admin.post(f"/actions/playlists/{playlist['id']}/add-entities", {"entities": [
        {"entity_id": project.shots["SQ01/SH020"], "preview_file_id": v2["id"]},
        {"entity_id": project.shots["SQ01/SH010"], "preview_file_id": project.preview_file_id}]})
    return Review(project, artist, supervisor, project.shots["SQ01/SH020"], task_id, v1, v2, str(playlist["id"]),
                  name)


def wait_frame(qtbot: QtBot, player: ReviewPlayer, index: int) -> int:
    """Until the player shows movie frame `index` and nothing more is decoding; the number read on it."""
    qtbot.waitUntil(lambda: player.index == index and not player._busy and player.current_image() is not None,
                    timeout=WAIT_MS)
    image = player.current_image()
    assert image is not None
    return read_number(image)


# ---------------------------------------------------------------------------- decoding
def test_zou_processed_movie_decodes_every_frame_exactly(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                                                           production: Review,
                                                           open_window: Callable[..., OpenWindow]) -> None:
    """The movie Zou normalised, fetched by the download manager: in order, then by seeks in random order
    (backwards across keyframes included), each decoded frame carries its own index."""
    opened = open_window(production.supervisor, project_id=production.project.id)
    assert isinstance(opened, OpenWindow)
    movies = movies_for(opened.window.browse.session)
    path = run_async(qtbot, movies.movie(production.v1))
    assert path.is_file() and path.parent.name == production.v1["id"]
    assert run_async(qtbot, movies.movie(production.v1)) == path  # cached: no second download
    reader = FrameReader(path)
    try:
        assert reader.frame_count == V1_FRAMES
        assert [read_number(reader.image(i)) for i in range(V1_FRAMES)] == list(range(V1_FRAMES))
        order = list(range(V1_FRAMES))
        random.Random(7).shuffle(order)
        for i in [*order, V1_FRAMES - 1, 0, V1_FRAMES - 1]:
            assert read_number(reader.image(i)) == i, f"seek to {i}"
        assert reader.image(V1_FRAMES + 10).index == V1_FRAMES - 1  # past the end: the last frame
    finally:
        reader.close()


def test_player_stepping_and_seeking_agree(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, production: Review,
                                          open_window: Callable[..., OpenWindow]) -> None:
    """Arrow keys, the frame box (shot frames, 1001-based) and the timeline land on the same frames."""
    opened = open_window(production.supervisor, project_id=production.project.id)
    assert isinstance(opened, OpenWindow)
    path = run_async(qtbot, movies_for(opened.window.browse.session).movie(production.v1))
    player = ReviewPlayer()
    qtbot.addWidget(player)
    player.resize(640, 420)
    player.show()
    run_async(qtbot, player.open_movie(path, first_frame=1001))
    assert wait_frame(qtbot, player, 0) == 0
    assert player.frame_label.text() == f"1001 / {1000 + V1_FRAMES}"
    for i in range(1, 30):
        qtbot.keyClick(player.view, Qt.Key.Key_Right)
        assert wait_frame(qtbot, player, i) == i
    assert player.frame_number() == 1030  # frame_in 1001 + index 29
    player.frame_spin.setValue(1050)  # seek by shot frame
    assert wait_frame(qtbot, player, 49) == 49
    qtbot.keyClick(player.view, Qt.Key.Key_Left)  # one back after a seek: not off by one
    assert wait_frame(qtbot, player, 48) == 48
    for i in range(47, 40, -1):
        qtbot.keyClick(player.view, Qt.Key.Key_Left)
        assert wait_frame(qtbot, player, i) == i
    player.timeline.setValue(10)
    assert wait_frame(qtbot, player, 10) == 10
    qtbot.keyClick(player.view, Qt.Key.Key_End)
    assert wait_frame(qtbot, player, V1_FRAMES - 1) == V1_FRAMES - 1
    qtbot.keyClick(player.view, Qt.Key.Key_Right)  # at the end: stays on the last frame
    qtbot.wait(50)
    assert wait_frame(qtbot, player, V1_FRAMES - 1) == V1_FRAMES - 1
    # Playback at double speed, looping: it wraps past the end and goes on.
    player.speed_combo.setCurrentIndex(player.speed_combo.findData(2.0))
    player.loop_box.setChecked(True)
    seen: list[int] = []
    player.frame_shown.connect(seen.append)
    qtbot.keyClick(player.view, Qt.Key.Key_Space)
    assert player.playing
    qtbot.waitUntil(lambda: any(b < a for a, b in itertools.pairwise(seen)), timeout=WAIT_MS)
    qtbot.keyClick(player.view, Qt.Key.Key_Space)
    assert not player.playing
    player.close()


# ---------------------------------------------------------------------------- the detail's history
def test_detail_lists_the_revisions_and_plays_the_newest(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                                                          production: Review,
                                                          open_window: Callable[..., OpenWindow]) -> None:
    opened = open_window(production.artist, project_id=production.project.id)
    assert isinstance(opened, OpenWindow)
    window = opened.window
    window.open_entity("shot", production.shot_id)
    qtbot.waitUntil(lambda: window.detail.entity_id == production.shot_id and bool(window.detail.tasks_model.records()),
                    timeout=WAIT_MS)
    assert window.detail.select_task(production.task_id)
    history = window.detail.history
    qtbot.waitUntil(lambda: history.task_id == production.task_id and history.list.count() == 2, timeout=WAIT_MS)
    texts = [history.list.item(i).text() for i in range(history.list.count())]
    assert texts[0].startswith("v2 · Super Admin") and "Fixed the arcs" in texts[0], texts
    assert texts[1].startswith("v1 · ") and "First pass" in texts[1], texts
    assert history.title.text() == "Previews (2 revisions)"
    player = history.player
    assert wait_frame(qtbot, player, 0) == V2_START  # the newest revision, played from its first frame
    assert player.frame_label.text() == "1001 / 1048"  # SH020's frame_in is 1001
    qtbot.keyClick(player.view, Qt.Key.Key_Right)
    assert wait_frame(qtbot, player, 1) == V2_START + 1
    history.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: player.preview_id == production.v1["id"], timeout=WAIT_MS)
    assert wait_frame(qtbot, player, 0) == 0

    # A picture revision is shown (the PNG preview of SH010's Animation).
    window.open_entity("shot", production.project.shots["SQ01/SH010"])
    anim = production.project.tasks[("SQ01/SH010", "Animation")]
    qtbot.waitUntil(lambda: window.detail.select_task(anim), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: history.task_id == anim and history.list.count() == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: player.view.has_content() and player.preview_id == production.project.preview_file_id,
                    timeout=WAIT_MS)


# ---------------------------------------------------------------------------- the review window
def open_review(qtbot: QtBot, production: Review,
                open_window: Callable[..., OpenWindow]) -> tuple[MainWindow, PlaylistReviewWindow]:
    opened = open_window(production.supervisor, project_id=production.project.id)
    assert isinstance(opened, OpenWindow)
    window = opened.window
    pane = window.playlists_pane
    qtbot.waitUntil(lambda: pane.list_model.row_of(production.playlist_id) >= 0, timeout=WAIT_MS)
    detail = run_async(qtbot, pane.open_playlist(production.playlist_id))
    assert window.review.bar.review_button.isEnabled()
    with qtbot.waitSignal(window.review.bar.review_requested, timeout=WAIT_MS):
        window.review.bar.review_button.click()
    review = window.review.windows[-1]
    qtbot.addWidget(review)
    assert review.detail.playlist.id == detail.playlist.id
    return window, review


def test_review_window_side_by_side_annotations_and_status(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                                                             production: Review, open_window: Callable[..., OpenWindow],
                                                             zou_admin: ZouAdmin) -> None:
    _window, review = open_review(qtbot, production, open_window)
    player = review.player
    assert wait_frame(qtbot, player, 0) == V2_START
    assert player.frame_label.text() == "1001 / 1048"

    # Side by side with v1, on the same frame.
    qtbot.waitUntil(lambda: review.compare.findData(production.v1["id"]) >= 0, timeout=WAIT_MS)
    review.compare_with(str(production.v1["id"]))
    qtbot.waitUntil(lambda: player.compare_view.frame is not None, timeout=WAIT_MS)
    for _ in range(3):
        qtbot.keyClick(player.view, Qt.Key.Key_Right)
    assert wait_frame(qtbot, player, 3) == V2_START + 3
    qtbot.waitUntil(lambda: player.compare_view.frame is not None and player.compare_view.frame.index == 3,
                    timeout=WAIT_MS)
    assert read_number(player.compare_view.frame) == 3

    # Draw on frame 3 with the mouse; the stroke is saved to Zou as Kitsu's annotation.
    saved: list[str] = []
    player.annotations_saved.connect(saved.append)
    player.draw_button.click()
    view = player.view
    rect = view.image_rect()
    start = QPoint(int(rect.x() + rect.width() * 0.25), int(rect.y() + rect.height() * 0.5))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(view, start + QPoint(step * 20, step * 5))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(120, 30))
    assert len(view.strokes) == 1  # shown at once, before the server answers
    qtbot.waitUntil(lambda: saved == [production.v2["id"]], timeout=WAIT_MS)
    assert not player.unsaved and not player.retry_button.isVisible()
    stored = zou_admin.get(f"/data/preview-files/{production.v2['id']}")["annotations"]
    # Kitsu's time grid: a frame lasts round(1/24, 4) = 0.0417 s, so frame 3 is at 0.1251 s.
    assert len(stored) == 1 and stored[0]["frame"] == 3 and stored[0]["time"] == frame_time(3, 24) == 0.1251
    [obj] = stored[0]["drawing"]["objects"]
    assert obj["type"] == "path" and obj["path"][0][0] == "M" and obj["canvasWidth"] == view.canvas.width()

    # Status + comment on the entry, without leaving the player.
    retake = str(production.project.statuses["retake"]["id"])
    review.status.setCurrentIndex(review.status.findData(retake))
    review.comment.setPlainText("Arc of the arm: see frame 1004")
    with qtbot.waitSignal(review.comment_posted, timeout=WAIT_MS):
        review.post_button.click()
    task = zou_admin.get(f"/data/tasks/{production.task_id}")
    assert task["task_status_id"] == retake
    comments = zou_admin.get(f"/data/tasks/{production.task_id}/comments")
    assert comments[0]["text"] == "Arc of the arm: see frame 1004"
    assert review.comment.toPlainText() == ""
    assert "Retake" in review.entries.item(0).text()
    review.close()

    # Reopened: the drawing is shown again on its frame, and only there.
    _window, again = open_review(qtbot, production, open_window)
    player = again.player
    assert wait_frame(qtbot, player, 0) == V2_START
    assert player.view.strokes == []
    assert player.annotated_frames() == [3]
    player.frame_spin.setValue(1004)
    assert wait_frame(qtbot, player, 3) == V2_START + 3
    [stroke] = player.view.strokes
    assert stroke.id == obj["id"] and len(stroke.points) == len(obj["path"])
    again.close()


def test_review_window_plays_the_entries_in_order(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                                                  production: Review, open_window: Callable[..., OpenWindow]) -> None:
    _window, review = open_review(qtbot, production, open_window)
    player = review.player
    wait_frame(qtbot, player, 0)
    player.speed_combo.setCurrentIndex(player.speed_combo.findData(2.0))
    with qtbot.waitSignal(review.entry_shown, timeout=WAIT_MS) as shown:
        player.play()
    assert shown.args == [1]  # the movie ended: the next entry (SH010's picture) is shown
    assert review.entries.currentRow() == 1
    assert player.preview_id == production.project.preview_file_id and player.view.has_content()
    review.close()


# ---------------------------------------------------------------------------- playlist editing
def test_playlist_editing_round_trip(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, production: Review,
                                     open_window: Callable[..., OpenWindow], zou_admin: ZouAdmin) -> None:
    opened = open_window(production.supervisor, project_id=production.project.id)
    assert isinstance(opened, OpenWindow)
    window = opened.window
    bar = window.review.bar
    project = production.project
    name = unique("Client review")
    bar.name_field.setText(name)
    with qtbot.waitSignal(bar.edited, timeout=WAIT_MS):
        bar.new_button.click()
    created = window.playlists_pane.detail
    assert created is not None and created.playlist.name == name and created.entries == ()
    playlist_id = created.playlist.id
    assert zou_admin.get(f"/data/playlists/{playlist_id}")["name"] == name

    bar.name_field.setText(name + " (v2)")
    with qtbot.waitSignal(bar.edited, timeout=WAIT_MS):
        bar.rename_button.click()
    assert zou_admin.get(f"/data/playlists/{playlist_id}")["name"] == name + " (v2)"

    # Add a selection of the shots pane (Edit > Add selected to the open playlist).
    window.show_tab(0)
    pane = window.shots_pane
    wanted = [project.shots["SQ01/SH020"], project.shots["SQ01/SH010"], project.shots["SQ02/SH010"]]
    selection = pane.table.selectionModel()
    selection.clearSelection()
    for entity_id in wanted:
        row = pane.model.row_of_entity(entity_id)
        assert row is not None
        selection.select(pane.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    assert sorted(pane.selected_entity_ids()) == sorted(wanted)
    window.main_actions.update()
    action = window.main_actions.add_to_playlist_action
    assert action.isEnabled() and action.objectName() == "actionAddToPlaylist"
    with qtbot.waitSignal(bar.edited, timeout=WAIT_MS):
        action.trigger()
    shots = zou_admin.get(f"/data/playlists/{playlist_id}")["shots"]
    assert sorted(s["entity_id"] for s in shots) == sorted(wanted)
    by_entity = {s["entity_id"]: s.get("preview_file_id") for s in shots}
    assert by_entity[project.shots["SQ01/SH020"]] == production.v2["id"]  # the latest revision by default

    # Choose v1 for SH020's entry.
    detail = window.playlists_pane.detail
    assert detail is not None
    row = next(i for i, e in enumerate(detail.entries) if e.entity_id == project.shots["SQ01/SH020"])
    view = window.playlists_pane.entries_view
    view.selectionModel().select(view.model().index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                 | QItemSelectionModel.SelectionFlag.Rows)
    qtbot.waitUntil(lambda: bar.revision.findData(production.v1["id"]) >= 0, timeout=WAIT_MS)
    assert bar.revision.currentData() == production.v2["id"]
    bar.revision.setCurrentIndex(bar.revision.findData(production.v1["id"]))
    edited: list[str] = []
    bar.edited.connect(edited.append)
    bar.revision.activated.emit(bar.revision.currentIndex())
    qtbot.waitUntil(lambda: bool(edited) or window.playlists_pane.message.text() != "", timeout=WAIT_MS)
    assert edited == [playlist_id], window.playlists_pane.message.text()
    shots = zou_admin.get(f"/data/playlists/{playlist_id}")["shots"]
    assert {s["entity_id"]: s.get("preview_file_id") for s in shots}[project.shots["SQ01/SH020"]] == production.v1["id"]

    # Remove two entries; the third stays, with its revision.
    detail = window.playlists_pane.detail
    assert detail is not None
    view.selectionModel().clearSelection()
    for i, e in enumerate(detail.entries):
        if e.entity_id != project.shots["SQ01/SH020"]:
            view.selectionModel().select(view.model().index(i, 0), QItemSelectionModel.SelectionFlag.Select
                                         | QItemSelectionModel.SelectionFlag.Rows)
    assert len(bar.selected_entries()) == 2 and bar.remove_button.isEnabled()
    with qtbot.waitSignal(bar.edited, timeout=WAIT_MS):
        bar.remove_button.click()
    shots = zou_admin.get(f"/data/playlists/{playlist_id}")["shots"]
    assert [(s["entity_id"], s.get("preview_file_id")) for s in shots] == [(project.shots["SQ01/SH020"],
                                                                          production.v1["id"])]
    assert [e.entity_id for e in window.playlists_pane.detail.entries] == [project.shots["SQ01/SH020"]]

    # A bad name is refused with a message; nothing is written.
    bar.name_field.setText("   ")
    bar.rename_button.click()
    qtbot.waitUntil(lambda: "needs a name" in window.playlists_pane.message.text(), timeout=WAIT_MS)
    assert zou_admin.get(f"/data/playlists/{playlist_id}")["name"] == name + " (v2)"
