"""Publishing previews and the comment-thread actions, against the real Zou (with ffmpeg for movies).

A picture with a status, a mention and the thumbnail set; a movie with two extra pictures as one revision;
an upload cut by the fault proxy, then retried onto the same comment and revision; the thread actions
(reply, edit, delete your own, acknowledge, pin, checklist) round trip.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from desktop.api import errors
from desktop.api.editing import Attachment
from desktop.api.publish import Publisher, PublishFailed, PublishRequest, PublishState, UploadProgress, mentioned
from desktop.api.records import Person
from desktop.api.threads import ChecklistItem, ThreadActions, checklist_of
from desktop.localzou import LocalZou
from desktop.localzou.install import ensure_ffmpeg
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, MakeEditor, editors, seed_edit_project
from tests.helpers.seed import png_bytes
from tests.helpers.zou import ZouAdmin


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin, n_shots=5, n_assets=0, descriptors=())


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two pictures and a short movie made with ffmpeg (the one Zou uses to normalise movies)."""
    root = tmp_path_factory.mktemp("media")
    files = {"red": root / "red.png", "blue": root / "blue.png", "movie": root / "take.mov"}
    files["red"].write_bytes(png_bytes(64, 36, (200, 40, 40)))
    files["blue"].write_bytes(png_bytes(64, 36, (40, 40, 200)))
    # With a soundtrack: Zou 1.0.97 fails to add an empty one to a silent movie with Debian 12's ffmpeg 5.1
    # ("Stream map '0:v' matches no streams"), and marks the preview broken.
    subprocess.run([ensure_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=24",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "1", "-shortest", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-c:a", "aac", str(files["movie"])], check=True)
    return files


@pytest.fixture
async def make_editor(zou_server: LocalZou) -> AsyncIterator[MakeEditor]:
    async with editors(zou_server.url) as factory:
        yield factory


def task_of(seeded: EditProject, n: int) -> dict[str, str]:
    shot = seeded.shots[n]
    return {"id": seeded.tasks[shot["id"]], "entity_id": shot["id"], "entity_kind": "shot"}


async def test_publish_a_picture_with_a_mention_and_set_the_thumbnail(
        seeded: EditProject, media: dict[str, Path], make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    editor = await make_editor(seeded.manager)
    task = task_of(seeded, 0)
    artist = Person.from_json(zou_admin.get(f"/data/persons/{seeded.artist.id}"))
    text = f"First pass, @{artist.full_name} please check"
    assert mentioned(text, [artist]) == [artist]
    seen: list[UploadProgress] = []
    result = await Publisher(editor).publish(
        PublishRequest(task=task, text=text, status_id=seeded.wip_id, previews=(media["red"],), set_thumbnail=True,
                       attachments=(Attachment.from_bytes("notes.txt", b"light from the left"),)),
        on_progress=seen.append)

    comments = zou_admin.get(f"/data/tasks/{task['id']}/comments")
    assert [c["id"] for c in comments] == [result.comment["id"]]
    assert comments[0]["text"] == text and seeded.artist.id in comments[0]["mentions"]
    assert [a["name"] for a in comments[0]["attachment_files"]] == ["notes.txt"]
    assert zou_admin.get(f"/data/tasks/{task['id']}")["task_status_id"] == seeded.wip_id
    (preview,) = result.previews
    on_server = zou_admin.get(f"/data/preview-files/{preview['id']}")
    assert on_server["revision"] == 1 and on_server["status"] == "ready" and on_server["original_name"] == "red"
    assert zou_admin.get(f"/data/shots/{task['entity_id']}")["preview_file_id"] == preview["id"]
    assert seen and seen[-1].sent == seen[-1].total == media["red"].stat().st_size
    change = result.changes
    assert task["id"] in change.threads and change.entity_ids() == {task["entity_id"]}
    assert change.entities[0].fields["preview_file_id"] == preview["id"]


async def test_publish_a_movie_with_extra_files_as_one_revision(
        seeded: EditProject, media: dict[str, Path], make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    editor = await make_editor(seeded.manager)
    task = task_of(seeded, 1)
    publisher = Publisher(editor)
    first = await publisher.publish(PublishRequest(task=task, text="v1", previews=(media["red"],)))
    result = await publisher.publish(PublishRequest(
        task=task, text="v2: the movie and two stills", previews=(media["movie"], media["red"], media["blue"])))

    ids = [p["id"] for p in result.previews]
    states = await publisher.wait_until_processed(ids, timeout=120)
    assert states == dict.fromkeys(ids, "ready")
    rows = {p["id"]: p for p in zou_admin.get(f"/data/tasks/{task['id']}/previews")}
    assert {rows[i]["revision"] for i in ids} == {2} and rows[first.previews[0]["id"]]["revision"] == 1
    assert [rows[i]["extension"] for i in ids] == ["mp4", "png", "png"]
    comment = next(c for c in zou_admin.get(f"/data/tasks/{task['id']}/comments") if c["id"] == result.comment["id"])
    assert {p["id"] if isinstance(p, dict) else p for p in comment["previews"]} == set(ids)
    # The movie really went through ffmpeg: Zou serves its normalised version and a thumbnail.
    movie = zou_admin.http.get(f"/movies/originals/preview-files/{ids[0]}.mp4")
    assert movie.status_code == 200 and movie.content[4:8] == b"ftyp"
    assert zou_admin.http.get(f"/pictures/thumbnails/preview-files/{ids[0]}.png").status_code == 200


@pytest.mark.parametrize("stored", [False, True], ids=["never-reached-zou", "answer-lost"])
async def test_an_upload_cut_midway_is_retried_onto_the_same_comment_and_revision(
        stored: bool, seeded: EditProject, media: dict[str, Path], zou_server: LocalZou,
        zou_admin: ZouAdmin) -> None:
    task = task_of(seeded, 2 if not stored else 3)
    with FaultProxy(zou_server.url) as proxy:
        async with editors(proxy.url) as make:
            editor = await make(seeded.manager)
            publisher = Publisher(editor)
            request = PublishRequest(task=task, text="cut", status_id=seeded.wip_id,
                                     previews=(media["red"], media["blue"]), set_thumbnail=True)
            # The upload's connection closes with no answer: before Zou saw it, or after Zou stored it.
            proxy.set_mode("cut", path="/pictures/preview-files/", method="POST", times=1, forward=stored)
            state = PublishState()
            with pytest.raises(PublishFailed) as failed:
                await publisher.publish(request, state)
            assert "The comment is posted" in str(failed.value) and "Retry" in str(failed.value)
            assert state.started and state.revision == 1 and not state.uploaded
            result = await publisher.publish(request, state)
            comment_posts = proxy.count(f"/actions/tasks/{task['id']}/comment", method="POST")
            uploads = proxy.count("/pictures/preview-files/", method="POST", reached=True, prefix=True)

    assert comment_posts == 1
    comments = zou_admin.get(f"/data/tasks/{task['id']}/comments")
    assert [c["id"] for c in comments] == [result.comment["id"]]  # one comment, never a second
    previews = zou_admin.get(f"/data/tasks/{task['id']}/previews")
    assert sorted(p["id"] for p in previews) == sorted(p["id"] for p in result.previews)
    assert {p["revision"] for p in previews} == {1} and len(previews) == 2
    # Stored before the cut: the retry saw it on the server and did not send the movie again.
    assert uploads == 2
    assert zou_admin.get(f"/data/shots/{task['entity_id']}")["preview_file_id"] == result.previews[0]["id"]


async def test_bad_input_is_refused_before_anything_is_sent(
        seeded: EditProject, tmp_path: Path, make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    editor = await make_editor(seeded.manager)
    task = task_of(seeded, 4)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a preview")
    with pytest.raises(errors.ValidationError, match="neither a picture nor a movie"):
        await Publisher(editor).publish(PublishRequest(task=task, text="x", previews=(notes,)))
    with pytest.raises(errors.ValidationError, match="not a file"):
        await Publisher(editor).publish(PublishRequest(task=task, previews=(tmp_path / "gone.png",)))
    assert zou_admin.get(f"/data/tasks/{task['id']}/comments") == []


async def test_comment_thread_actions_round_trip(seeded: EditProject, make_editor: MakeEditor,
                                                 zou_admin: ZouAdmin) -> None:
    manager, artist = await make_editor(seeded.manager), await make_editor(seeded.artist)
    task_id = task_of(seeded, 4)["id"]
    zou_admin.put(f"/actions/tasks/{task_id}/assign", {"person_id": seeded.artist.id})
    comment = await manager.comment_task(task_id, None, "Please fix the horizon")
    cid = comment["id"]
    lead, art = ThreadActions(manager.session), ThreadActions(artist.session)

    reply = await art.reply(task_id, cid, "On it")
    stored = zou_admin.get(f"/data/comments/{cid}")
    assert [r["text"] for r in stored["replies"]] == ["On it"] and stored["replies"][0]["person_id"] == seeded.artist.id
    await art.delete_reply(task_id, cid, reply["id"])
    assert zou_admin.get(f"/data/comments/{cid}")["replies"] == []

    edited = await lead.edit(cid, "Please fix the horizon line")
    assert edited["text"] == "Please fix the horizon line"
    with pytest.raises(errors.PermissionDenied, match="your own comments"):
        await art.edit(cid, "hijacked")
    assert zou_admin.get(f"/data/comments/{cid}")["text"] == "Please fix the horizon line"

    await art.acknowledge(task_id, cid)
    assert seeded.artist.id in zou_admin.get(f"/data/comments/{cid}")["acknowledgements"]
    await art.acknowledge(task_id, cid)  # a toggle
    assert seeded.artist.id not in zou_admin.get(f"/data/comments/{cid}")["acknowledgements"]

    await lead.set_pinned(cid, True)
    assert zou_admin.get(f"/data/comments/{cid}")["pinned"] is True
    with pytest.raises(errors.PermissionDenied, match="pin"):
        await art.set_pinned(cid, False)
    await lead.set_pinned(cid, False)
    assert zou_admin.get(f"/data/comments/{cid}")["pinned"] is False

    await lead.set_checklist(cid, [ChecklistItem("horizon"), ChecklistItem("sky")])
    after = await lead.toggle_check(cid, 1)
    assert checklist_of(after) == [ChecklistItem("horizon", False), ChecklistItem("sky", True)]
    assert checklist_of(zou_admin.get(f"/data/comments/{cid}")) == checklist_of(after)

    with pytest.raises(errors.PermissionDenied, match="your own comments"):
        await art.delete(task_id, cid)
    await lead.delete(task_id, cid)
    assert zou_admin.get(f"/data/tasks/{task_id}/comments") == []
