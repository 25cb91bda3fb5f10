"""Coordinator editing against the real Zou: creates, edits, deletes, no lost update, casting, asset
instances, status changes with attachments, bulk edits, assignments and undo."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop.api import errors
from desktop.api.editing import (
    Attachment,
    BulkRow,
    BulkTask,
    Casting,
    CastingConflict,
    EditConflict,
    NothingToUndo,
    apply_cell_edit,
    attachment_url,
)
from desktop.localzou import LocalZou
from tests.helpers.editing import EditProject, MakeEditor, editors, seed_edit_project
from tests.helpers.zou import ZouAdmin, unique


@pytest.fixture
async def make_editor(zou_server: LocalZou) -> AsyncIterator[MakeEditor]:
    async with editors(zou_server.url) as factory:
        yield factory


@pytest.fixture
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin)


# ------------------------------------------------------------------------------------------ assets
async def test_create_edit_delete_asset(seeded: EditProject, make_editor: MakeEditor,
                                        zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    asset = await ed.create_asset(seeded.id, seeded.asset_type_id, "  Hero  ", description="the hero",
                                  data={"look": "toon"})
    assert asset["name"] == "Hero" and asset["data"] == {"look": "toon"} and asset["type"] == "Asset"
    on_server = zou_admin.get(f"/data/entities/{asset['id']}")
    assert on_server["description"] == "the hero"

    saved = await ed.save_entity(asset["id"], {"description": "the real hero", "data.look": "real"},
                                 base=asset)
    assert saved["description"] == "the real hero" and saved["data"] == {"look": "real"}

    preview = await ed.preview_delete(saved)
    assert preview.outcome == "delete" and preview.task_count == 0 and "permanently" in preview.message
    assert await ed.delete_entity(saved) == "deleted"
    with pytest.raises(errors.NotFound):
        await ed.load(asset["id"])


async def test_asset_with_tasks_is_canceled_not_deleted_and_undo_restores_it(
        seeded: EditProject, make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    asset = seeded.assets[0]
    modeling = next(t for t in zou_admin.get("/data/task-types") if t["name"] == "Modeling")
    zou_admin.post("/data/tasks", {"project_id": seeded.id, "task_type_id": modeling["id"],
                                   "entity_id": asset["id"], "task_status_id": seeded.todo_id})
    preview = await ed.preview_delete(asset["id"])
    assert preview.outcome == "cancel" and preview.task_count == 1 and "canceled" in preview.message
    assert preview.can_force and "cannot be undone" in preview.force_message
    assert await ed.delete_entity(asset["id"]) == "canceled"
    assert zou_admin.get(f"/data/entities/{asset['id']}")["canceled"] is True
    assert (await ed.preview_delete(asset["id"])).outcome == "already-canceled"

    entry = await ed.undo.undo_last()
    assert entry.label.startswith("Cancel")
    assert zou_admin.get(f"/data/entities/{asset['id']}")["canceled"] is False


# ------------------------------------------------------------------------------------------ shots
async def test_create_edit_delete_shot_and_sequence(seeded: EditProject, make_editor: MakeEditor,
                                                    zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    seq = await ed.create_sequence(seeded.id, "SQ02")
    shot = await ed.create_shot(seeded.id, seq["id"], "SH100", frame_in="1001", frame_out="1048",
                                nb_frames=48, fps="23.976", description="opening", data={"camera": "A"})
    assert shot["parent_id"] == seq["id"] and shot["nb_frames"] == 48
    assert shot["data"] == {"frame_in": 1001, "frame_out": 1048, "fps": "23.976", "camera": "A"}

    saved = await ed.save_entity(shot["id"], {"data.frame_out": 1060, "nb_frames": 60}, base=shot)
    assert saved["data"]["frame_out"] == 1060 and saved["data"]["camera"] == "A" and saved["nb_frames"] == 60

    blocked = await ed.preview_delete(seq)
    assert blocked.outcome == "blocked" and blocked.children_count == 1
    assert (await ed.preview_delete(saved["id"])).outcome == "delete"
    assert await ed.delete_entity(saved["id"]) == "deleted"
    assert (await ed.preview_delete(seq["id"])).outcome == "delete"
    assert await ed.delete_entity(seq["id"]) == "deleted"
    with pytest.raises(errors.NotFound):
        zou_admin_get(zou_admin, f"/data/entities/{seq['id']}")
    with pytest.raises(NothingToUndo, match="cannot restore"):
        await ed.undo.undo_last()


def zou_admin_get(admin: ZouAdmin, path: str) -> Any:
    r = admin.http.get(path)
    if r.status_code == 404:
        raise errors.NotFound("gone")
    r.raise_for_status()
    return r.json()


async def test_tv_show_episode_then_sequence(zou_admin: ZouAdmin, make_editor: MakeEditor) -> None:
    manager = zou_admin.create_user("manager")
    project = zou_admin.create_project(production_type="tvshow", team=[manager])
    ed = await make_editor(manager)
    with pytest.raises(errors.ValidationError, match="already exists"):
        await ed.create_episode(project["id"], "e01")  # Zou made the first episode with the project
    episode = await ed.create_episode(project["id"], "E02")
    seq = await ed.create_sequence(project["id"], "SQ01", episode_id=episode["id"])
    assert seq["parent_id"] == episode["id"]
    with pytest.raises(errors.ValidationError) as info:
        await ed.create_sequence(project["id"], "sq01", episode_id=episode["id"])
    assert "name" in info.value.field_errors


async def test_validation_refuses_before_anything_is_saved(seeded: EditProject, make_editor: MakeEditor,
                                                           zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    n_assets = len(zou_admin.get(f"/data/projects/{seeded.id}/assets"))
    n_shots = len(zou_admin.get(f"/data/projects/{seeded.id}/shots"))

    with pytest.raises(errors.ValidationError) as info:
        await ed.create_asset(seeded.id, seeded.asset_type_id, "   ")
    assert info.value.field_errors == {"name": "The name cannot be empty."}
    with pytest.raises(errors.ValidationError, match="already exists") as info:
        await ed.create_asset(seeded.id, seeded.asset_type_id, "ASSET0")  # Zou itself would accept it
    assert "name" in info.value.field_errors
    with pytest.raises(errors.ValidationError) as info:
        await ed.create_shot(seeded.id, seeded.sequence_id, "SH001")  # Zou would answer the existing one
    assert "already exists" in info.value.field_errors["name"]
    with pytest.raises(errors.ValidationError) as info:
        await ed.create_shot(seeded.id, seeded.sequence_id, "SH900", nb_frames=-5, frame_in=-1, frame_out="x")
    assert set(info.value.field_errors) == {"nb_frames", "data.frame_in", "data.frame_out"}
    assert "negative" in info.value.field_errors["nb_frames"]
    with pytest.raises(errors.ValidationError) as info:
        await ed.create_shot(seeded.id, seeded.sequence_id, "SH901", frame_in=100, frame_out=50)
    assert "before frame in" in info.value.field_errors["data.frame_out"]

    shot = seeded.shots[0]
    with pytest.raises(errors.ValidationError) as info:
        await ed.save_entity(shot["id"], {"name": "", "data.frame_out": 0}, base=shot)  # frame in is 1
    assert set(info.value.field_errors) == {"name", "data.frame_out"}
    with pytest.raises(errors.ValidationError, match="already named"):
        await ed.save_entity(shot["id"], {"name": "SH002"}, base=shot)

    assert len(zou_admin.get(f"/data/projects/{seeded.id}/assets")) == n_assets
    assert len(zou_admin.get(f"/data/projects/{seeded.id}/shots")) == n_shots
    assert zou_admin.get(f"/data/entities/{shot['id']}")["name"] == "SH001"


async def test_artist_cannot_edit_a_shot(seeded: EditProject, make_editor: MakeEditor) -> None:
    ed = await make_editor(seeded.artist)
    caps = ed.capabilities(seeded.id)
    assert caps is not None and not caps.can_create_entities and not caps.can_edit_entity(seeded.shots[0])
    with pytest.raises(errors.PermissionDenied, match="only production managers") as info:
        await ed.save_entity(seeded.shots[0]["id"], {"description": "mine"})
    assert info.value.status == 403
    with pytest.raises(errors.PermissionDenied, match="Only production managers can create"):
        await ed.create_asset(seeded.id, seeded.asset_type_id, "sneaky")


# ------------------------------------------------------------------------------------------ no lost update
async def test_metadata_merge_never_wipes_other_keys(seeded: EditProject, make_editor: MakeEditor,
                                                     zou_admin: ZouAdmin) -> None:
    one, two = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shot = seeded.shots[0]
    await one.save_entity(shot["id"], {"data.camera": "A"})
    await two.save_entity(shot["id"], {"data.lens": "35mm"})
    data = zou_admin.get(f"/data/entities/{shot['id']}")["data"]
    assert data == {"frame_in": 1, "frame_out": 10, "keep": "k1", "camera": "A", "lens": "35mm"}


async def test_a_change_between_our_read_and_our_write_is_not_reverted(
        seeded: EditProject, make_editor: MakeEditor, zou_admin: ZouAdmin, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the changed metadata keys are sent (Zou merges them): a key changed by someone else after our
    # read keeps their value. Sending the whole dict read earlier would put the old value back.
    mine = await make_editor(seeded.manager)
    shot_id = seeded.shots[0]["id"]
    stale = await mine.load(shot_id)
    zou_admin.put(f"/data/entities/{shot_id}", {"data": {"keep": "changed meanwhile"}})

    async def read_before_their_write(entity_id: str) -> dict[str, Any]:
        return dict(stale)

    monkeypatch.setattr(mine, "load", read_before_their_write)
    await mine.save_entity(shot_id, {"data.camera": "A"})
    data = zou_admin.get(f"/data/entities/{shot_id}")["data"]
    assert data["keep"] == "changed meanwhile" and data["camera"] == "A"


async def test_concurrent_edit_conflict_then_merge(seeded: EditProject, make_editor: MakeEditor,
                                                   zou_admin: ZouAdmin) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    loaded = await mine.load(seeded.assets[1]["id"])
    await other.save_entity(loaded["id"], {"description": "theirs", "data.look": "B"})  # meanwhile

    with pytest.raises(EditConflict) as info:
        await mine.save_entity(loaded["id"], {"data.note": "mine"}, base=loaded,
                               loaded_updated_at=loaded["updated_at"])
    conflict = info.value
    assert conflict.yours == {"data.note": "mine"}
    assert conflict.their_changes == {"description", "data.look"} and not conflict.overlapping
    assert conflict.base["description"] in ("", None) and conflict.theirs["description"] == "theirs"
    assert conflict.theirs_updated_at and conflict.base_updated_at == loaded["updated_at"]
    rows = {k: (b, y, t) for k, b, y, t, _ in conflict.rows()}
    assert rows["data.note"][1] == "mine" and rows["description"][2] == "theirs"
    # nothing was written by the refused save
    assert "note" not in zou_admin.get(f"/data/entities/{loaded['id']}")["data"]

    saved = await mine.resolve_conflict(conflict, "merge")
    assert saved["description"] == "theirs"
    assert saved["data"] == {"keep": "yes", "look": "B", "note": "mine"}


async def test_concurrent_edit_of_the_same_field_overwrite_or_keep_theirs(
        seeded: EditProject, make_editor: MakeEditor) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shot = await mine.load(seeded.shots[1]["id"])
    await other.save_entity(shot["id"], {"description": "theirs", "data.camera": "B"})
    with pytest.raises(EditConflict) as info:
        await mine.save_entity(shot["id"], {"description": "mine", "data.lens": "50"}, base=shot)
    conflict = info.value
    assert conflict.overlapping == {"description"} and not conflict.three_way.can_auto_merge
    # policy "merge" refuses too when the same field was changed by both
    with pytest.raises(EditConflict):
        await mine.save_entity(shot["id"], {"description": "mine"}, base=shot, policy="merge")

    kept = await mine.resolve_conflict(conflict, "merge")  # both changed description: theirs kept
    assert kept["description"] == "theirs" and kept["data"]["lens"] == "50" and kept["data"]["camera"] == "B"

    shot2 = await mine.load(seeded.shots[2]["id"])
    await other.save_entity(shot2["id"], {"description": "theirs", "data.camera": "B"})
    with pytest.raises(EditConflict) as info:
        await mine.save_entity(shot2["id"], {"description": "mine"}, base=shot2)
    over = await mine.resolve_conflict(info.value, "overwrite")
    assert over["description"] == "mine" and over["data"]["camera"] == "B"  # their other change survives


async def test_with_tasks_rows_as_base_raise_no_false_conflict(seeded: EditProject,
                                                                make_editor: MakeEditor) -> None:
    # The table's rows lack some entity columns and name others differently (asset_type_id).
    ed = await make_editor(seeded.manager)
    assets = {r["id"]: r for r in (await ed.client.assets_with_tasks(seeded.id)).row_dicts()}
    shots = {r["id"]: r for r in (await ed.client.shots_with_tasks(seeded.id)).row_dicts()}
    row = assets[seeded.assets[0]["id"]]
    saved = await ed.save_entity(row["id"], {"description": "from the table", "entity_type_id": row["asset_type_id"]},
                                 base=row)
    assert saved["description"] == "from the table"
    shot_row = shots[seeded.shots[0]["id"]]
    saved = await ed.save_entity(shot_row["id"], {"data.frame_out": 12, "parent_id": seeded.sequence_id},
                                 base=shot_row)
    assert saved["data"]["frame_out"] == 12 and saved["data"]["keep"] == "k1"


async def test_conflict_detected_within_the_same_second(seeded: EditProject, make_editor: MakeEditor) -> None:
    # Zou's updated_at has one-second resolution: the check compares values too.
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shot = await mine.load(seeded.shots[0]["id"])
    await other.save_entity(shot["id"], {"nb_frames": 99})
    with pytest.raises(EditConflict) as info:
        await mine.save_entity(shot["id"], {"nb_frames": 12}, base=shot)
    assert info.value.overlapping == {"nb_frames"}


async def test_saving_again_after_an_applied_but_unanswered_save_is_no_conflict(
        seeded: EditProject, make_editor: MakeEditor) -> None:
    # A save that timed out may have been applied: saving the same values again must not show a conflict.
    ed = await make_editor(seeded.manager)
    shot = await ed.load(seeded.shots[2]["id"])
    await ed.session.put(f"/data/entities/{shot['id']}", {"description": "mine", "data": {"camera": "A"}})
    saved = await ed.save_entity(shot["id"], {"description": "mine", "data.camera": "A"}, base=shot)
    assert saved["description"] == "mine" and saved["data"]["camera"] == "A"


async def test_cell_edit_is_conflict_checked(seeded: EditProject, make_editor: MakeEditor) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    row = {"id": seeded.shots[0]["id"], "name": "SH001", "frame_in": 1, "frame_out": 10,
           "data": {"frame_in": 1, "frame_out": 10, "keep": "k1"}}
    edit = apply_cell_edit(row, "frame_out", "24")
    assert edit is not None and edit.changes == {"data.frame_out": 24} and edit.base == {"data.frame_out": 10}
    saved = await mine.save_cell_edit(edit)
    assert saved["data"]["frame_out"] == 24 and saved["data"]["keep"] == "k1"
    await other.save_entity(row["id"], {"data.frame_out": 30})
    stale = apply_cell_edit(row, "frame_out", "40")  # the row still shows 10
    assert stale is not None
    with pytest.raises(EditConflict):
        await mine.save_cell_edit(stale)


async def test_undo_restores_and_never_overwrites_a_later_change(seeded: EditProject,
                                                                 make_editor: MakeEditor) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shot = seeded.shots[0]
    await mine.save_entity(shot["id"], {"description": "v1", "data.camera": "X"}, base=shot)
    await mine.undo.undo_last()
    restored = await mine.load(shot["id"])
    assert restored["description"] in ("", None) and restored["data"].get("camera") in ("", None)
    assert restored["data"]["keep"] == "k1"

    await mine.save_entity(shot["id"], {"description": "v2"}, base=restored)
    await other.save_entity(shot["id"], {"description": "someone else"})
    with pytest.raises(EditConflict):
        await mine.undo.undo_last()
    assert (await mine.load(shot["id"]))["description"] == "someone else"


# ------------------------------------------------------------------------------------------ casting
async def test_casting_add_count_remove_and_reverse_view(seeded: EditProject, make_editor: MakeEditor,
                                                         zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    shot_id = seeded.shots[0]["id"]
    casting = await ed.load_casting(seeded.id, shot_id)
    assert casting.entries == ()
    desired = casting
    for i, asset in enumerate(seeded.assets):
        desired = desired.with_added(asset["id"], i + 1, "animate" if i == 0 else "")
    casting = await ed.save_casting(casting, desired)
    assert {e.asset_name: (e.nb_occurences, e.label) for e in casting.entries} == {
        "asset0": (1, "animate"), "asset1": (2, ""), "asset2": (3, "")}
    raw = zou_admin.get(f"/data/projects/{seeded.id}/entities/{shot_id}/casting")
    assert sorted((r["asset_name"], r["nb_occurences"]) for r in raw) == [("asset0", 1), ("asset1", 2), ("asset2", 3)]

    casting = await ed.set_cast_count(casting, seeded.assets[1]["id"], 5)
    casting = await ed.remove_from_casting(casting, seeded.assets[2]["id"])
    assert {e.asset_name: e.nb_occurences for e in casting.entries} == {"asset0": 1, "asset1": 5}

    cast_in = await ed.cast_in(seeded.assets[1]["id"])
    assert [(c.name, c.sequence_name, c.nb_occurences) for c in cast_in] == [("SH001", "SQ01", 5)]
    assert cast_in[0].label == "SQ01 / SH001"

    await ed.undo.undo_last()  # the removal
    assert len((await ed.load_casting(seeded.id, shot_id)).entries) == 3


async def test_casting_conflict_merge_and_overlap(seeded: EditProject, make_editor: MakeEditor) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shot_id = seeded.shots[1]["id"]
    a0, a1, a2 = (a["id"] for a in seeded.assets)
    start = await mine.save_casting(await mine.load_casting(seeded.id, shot_id),
                                    Casting(seeded.id, shot_id).with_added(a0, 1))
    theirs = await other.load_casting(seeded.id, shot_id)
    await other.add_to_casting(theirs, a1, 2)  # meanwhile

    with pytest.raises(CastingConflict) as info:
        await mine.set_cast_count(start, a0, 4)
    conflict = info.value
    assert conflict.yours == {a0: (4, "")} and conflict.their_changes == {a1} and not conflict.overlapping
    assert conflict.label(a1) == "asset1"
    merged = await mine.resolve_casting_conflict(conflict, "merge")
    assert {e.asset_id: e.nb_occurences for e in merged.entries} == {a0: 4, a1: 2}

    # both sides touch asset0: overlapping; "merge" keeps theirs, "overwrite" keeps mine
    await other.set_cast_count(await other.load_casting(seeded.id, shot_id), a0, 7)
    with pytest.raises(CastingConflict) as info:
        await mine.save_casting(merged, merged.with_count(a0, 9).with_added(a2))
    assert info.value.overlapping == {a0}
    kept = await mine.resolve_casting_conflict(info.value, "merge")
    assert {e.asset_id: e.nb_occurences for e in kept.entries} == {a0: 7, a1: 2, a2: 1}
    # policy "merge" applies a non-overlapping change without asking
    await other.remove_from_casting(await other.load_casting(seeded.id, shot_id), a2)
    auto = await mine.save_casting(kept, kept.with_count(a1, 3), policy="merge")
    assert {e.asset_id: e.nb_occurences for e in auto.entries} == {a0: 7, a1: 3}


async def test_casting_save_keeps_links_to_canceled_assets(seeded: EditProject, make_editor: MakeEditor,
                                                           zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    shot_id = seeded.shots[2]["id"]
    a0, a1 = seeded.assets[0]["id"], seeded.assets[1]["id"]
    zou_admin.put(f"/data/projects/{seeded.id}/entities/{shot_id}/casting",
                  [{"asset_id": a0, "nb_occurences": 1}, {"asset_id": a1, "nb_occurences": 3}])
    zou_admin.put(f"/data/entities/{a1}", {"canceled": True})  # hidden from GET casting
    casting = await ed.load_casting(seeded.id, shot_id)
    assert [e.asset_id for e in casting.entries] == [a0]
    await ed.set_cast_count(casting, a0, 2)
    assert set(zou_admin.get(f"/data/entities/{shot_id}")["entities_out"]) == {a0, a1}
    zou_admin.put(f"/data/entities/{a1}", {"canceled": False})
    after = {r["asset_id"]: r["nb_occurences"]
             for r in zou_admin.get(f"/data/projects/{seeded.id}/entities/{shot_id}/casting")}
    assert after == {a0: 2, a1: 3}


async def test_artist_cannot_change_casting(seeded: EditProject, make_editor: MakeEditor) -> None:
    ed = await make_editor(seeded.artist)
    casting = await ed.load_casting(seeded.id, seeded.shots[0]["id"])
    with pytest.raises(errors.PermissionDenied, match="Only production managers can change the casting"):
        await ed.add_to_casting(casting, seeded.assets[0]["id"])


# ------------------------------------------------------------------------------------------ asset instances
async def test_asset_instances_add_and_remove(seeded: EditProject, make_editor: MakeEditor,
                                              zou_admin: ZouAdmin) -> None:
    # Zou creates instances in a layout scene (or inside an asset); shots link existing ones.
    scene = zou_admin.post(f"/data/projects/{seeded.id}/scenes", {"name": "SC01", "sequence_id": seeded.sequence_id})
    asset = seeded.assets[0]
    made = [zou_admin.post(f"/data/scenes/{scene['id']}/asset-instances", {"asset_id": asset["id"]})
            for _ in range(2)]
    ed = await make_editor(seeded.manager)
    shot_id = seeded.shots[0]["id"]
    candidates = await ed.instances_of_asset(asset["id"])
    assert [c.id for c in candidates] == [m["id"] for m in made] and candidates[0].name == "asset0_0001"

    after = await ed.add_asset_instance(shot_id, made[0]["id"])
    assert [i.id for i in after] == [made[0]["id"]]
    assert [i.id for i in await ed.add_asset_instance(shot_id, made[0]["id"])] == [made[0]["id"]]  # no 500
    after = await ed.add_asset_instance(shot_id, made[1]["id"])
    assert {i.id for i in after} == {m["id"] for m in made}
    after = await ed.remove_asset_instance(shot_id, made[0]["id"])
    assert [i.id for i in after] == [made[1]["id"]]
    assert [i.id for i in await ed.remove_asset_instance(shot_id, made[0]["id"])] == [made[1]["id"]]
    server = zou_admin.get(f"/data/shots/{shot_id}/asset-instances")
    assert [i["id"] for items in server.values() for i in items] == [made[1]["id"]]
    await ed.undo.undo_last()  # re-adds the removed instance
    assert len(await ed.shot_asset_instances(shot_id)) == 2


# ------------------------------------------------------------------------------------------ tasks
async def test_status_change_with_comment_and_two_attachments(seeded: EditProject, make_editor: MakeEditor,
                                                              zou_admin: ZouAdmin, tmp_path: Any) -> None:
    shot_id = seeded.shots[0]["id"]
    task_id = seeded.tasks[shot_id]
    zou_admin.put(f"/actions/tasks/{task_id}/assign", {"person_id": seeded.artist.id})
    ed = await make_editor(seeded.artist)
    first = os.urandom(300_000)
    path = tmp_path / "notes.txt"
    path.write_bytes(b"plain text notes\n" * 100)
    progress: list[tuple[int, int]] = []
    comment = await ed.comment_task(task_id, seeded.wip_id, "Started: see files",
                                    attachments=[Attachment.from_bytes("frame.bin", first),
                                                 Attachment.from_path(path)],
                                    on_progress=lambda sent, total: progress.append((sent, total)))
    total = len(first) + path.stat().st_size
    assert comment["task_status_id"] == seeded.wip_id and comment["text"] == "Started: see files"
    assert progress[0] == (0, total) and progress[-1] == (total, total) and len(progress) >= 3
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(progress))
    files = {a["name"]: a for a in comment["attachment_files"]}
    assert set(files) == {"frame.bin", "notes.txt"}
    for name, content in (("frame.bin", first), ("notes.txt", path.read_bytes())):
        response = await ed.session.request("GET", attachment_url(files[name]))
        assert response.content == content
    assert zou_admin.get(f"/data/tasks/{task_id}")["task_status_id"] == seeded.wip_id

    await ed.undo.undo_last()  # deletes the comment: Zou puts the previous status back
    assert zou_admin.get(f"/data/tasks/{task_id}")["task_status_id"] == seeded.todo_id


async def test_artist_allowed_and_refused_status_changes(seeded: EditProject, make_editor: MakeEditor,
                                                         zou_admin: ZouAdmin) -> None:
    short = unique("ok")[-8:]
    locked = zou_admin.post("/data/task-status", {"name": f"Approved {short}", "short_name": short,
                                                  "color": "#22aa22", "is_artist_allowed": False})
    mine, not_mine = seeded.tasks[seeded.shots[0]["id"]], seeded.tasks[seeded.shots[1]["id"]]
    zou_admin.put(f"/actions/tasks/{mine}/assign", {"person_id": seeded.artist.id})
    ed = await make_editor(seeded.artist)
    ed.context = await ed.client.context()  # knows the new status

    comment = await ed.comment_task(mine, seeded.wip_id, "on it")
    assert comment["task_status_id"] == seeded.wip_id

    with pytest.raises(errors.PermissionDenied, match="Artists cannot set a task to “Approved"):
        await ed.comment_task(mine, locked["id"], "done!")
    assert len(zou_admin.get(f"/data/tasks/{mine}/comments")) == 1  # refused before sending

    ed.context = None  # without the lookups the status is fetched: still refused before sending
    with pytest.raises(errors.PermissionDenied, match="Artists cannot set"):
        await ed.comment_task(mine, locked["id"], "done!")
    with pytest.raises(errors.PermissionDenied, match="artists can only change tasks assigned to them"):
        await ed.comment_task(not_mine, seeded.wip_id, "not mine")
    assert zou_admin.get(f"/data/tasks/{not_mine}")["task_status_id"] == seeded.todo_id


async def test_assign_and_unassign(seeded: EditProject, make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    task_id = seeded.tasks[seeded.shots[0]["id"]]
    other = zou_admin.create_user("user")
    task = await ed.assign(task_id, seeded.artist.id)
    assert task["assignees"] == [seeded.artist.id]
    assert sorted(await ed.set_assignees(task_id, [seeded.artist.id, other.id])) == sorted(
        [seeded.artist.id, other.id])
    assert await ed.set_assignees(task_id, [other.id]) == [other.id]
    await ed.unassign(task_id, other.id)
    assert zou_admin.get(f"/data/tasks/{task_id}")["assignees"] == []
    await ed.undo.undo_last()
    assert zou_admin.get(f"/data/tasks/{task_id}")["assignees"] == [other.id]

    artist = await make_editor(seeded.artist)
    with pytest.raises(errors.PermissionDenied, match="cannot assign"):
        await artist.assign(task_id, seeded.artist.id)
    with pytest.raises(errors.PermissionDenied, match="cannot unassign"):
        await artist.unassign(task_id, other.id)
    assert zou_admin.get(f"/data/tasks/{task_id}")["assignees"] == [other.id]


# ------------------------------------------------------------------------------------------ bulk
async def test_bulk_edit_of_twenty_shots_with_one_failing_row(zou_admin: ZouAdmin, make_editor: MakeEditor) -> None:
    seeded = seed_edit_project(zou_admin, n_shots=20, n_assets=0, shot_tasks=False)
    ed = await make_editor(seeded.manager)
    gone = seeded.shots[7]
    zou_admin.http.delete(f"/data/shots/{gone['id']}").raise_for_status()
    rows = [BulkRow(s["id"], s["name"], s) for s in seeded.shots]
    seen: list[tuple[int, int, str, bool]] = []
    report = await ed.bulk_update(rows, {"data.camera": "B", "nb_frames": 24},
                                  on_progress=lambda done, total, row: seen.append((done, total, row.key, row.ok)))
    assert [d for d, *_ in seen] == list(range(1, 21)) and all(t == 20 for _, t, *_ in seen)
    assert len(report.succeeded) == 19 and [r.key for r in report.failed] == [gone["id"]]
    assert report.failed[0].label == gone["name"] and "not found" in report.failed[0].message.lower()
    assert report.summary == "19 of 20 rows saved, 1 failed."
    for shot in seeded.shots[:3]:
        on_server = zou_admin.get(f"/data/entities/{shot['id']}")
        assert on_server["nb_frames"] == 24 and on_server["data"]["camera"] == "B"
        assert on_server["data"]["keep"] == shot["data"]["keep"]

    with pytest.raises(errors.ValidationError):
        await ed.bulk_update(rows, {"nb_frames": -1})  # refused before any row is touched

    await ed.undo.undo_last()  # the bulk edit is one undo step
    assert zou_admin.get(f"/data/entities/{seeded.shots[0]['id']}")["nb_frames"] == 10


async def test_bulk_edit_reports_a_row_changed_meanwhile(seeded: EditProject, make_editor: MakeEditor) -> None:
    mine, other = await make_editor(seeded.manager), await make_editor(seeded.manager)
    shots = [await mine.load(s["id"]) for s in seeded.shots]
    await other.save_entity(shots[0]["id"], {"description": "theirs"})
    await other.save_entity(shots[1]["id"], {"data.camera": "theirs"})
    report = await mine.bulk_update([BulkRow(s["id"], s["name"], s) for s in shots], {"description": "mine"})
    assert [r.key for r in report.failed] == [shots[0]["id"]]
    assert "changed by someone else" in report.failed[0].message
    assert (await mine.load(shots[0]["id"]))["description"] == "theirs"
    merged = await mine.load(shots[1]["id"])
    assert merged["description"] == "mine" and merged["data"]["camera"] == "theirs"


async def test_bulk_status_change(seeded: EditProject, make_editor: MakeEditor, zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    tasks = [BulkTask(t, f"row {i}") for i, t in enumerate(seeded.tasks.values())]
    tasks.append(BulkTask("00000000-0000-0000-0000-000000000000", "ghost"))
    report = await ed.bulk_set_status(tasks, seeded.wip_id, "batch")
    assert len(report.succeeded) == 3 and [r.label for r in report.failed] == ["ghost"]
    for t in seeded.tasks.values():
        assert zou_admin.get(f"/data/tasks/{t}")["task_status_id"] == seeded.wip_id
    await ed.undo.undo_last()
    for t in seeded.tasks.values():
        assert zou_admin.get(f"/data/tasks/{t}")["task_status_id"] == seeded.todo_id
