"""The pure side of editing (no server): flat fields, diffs, three-way merges, validation, cell edits,
capabilities, casting values and the undo stack."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.api import errors
from desktop.api.editing import (
    Capabilities,
    Casting,
    NothingToUndo,
    ThreeWay,
    UndoEntry,
    UndoStack,
    apply_cell_edit,
    changed_fields,
    flatten,
    format_cast_value,
    put_body,
    row_updates,
    same,
    validate_changes,
)
from desktop.api.editing.fields import wiped_data_keys
from desktop.api.records import Descriptor, Person, TaskStatus, TaskType, UserContext

SHOT: dict[str, Any] = {"id": "s1", "name": "SH010", "description": None, "nb_frames": 10, "type": "Shot",
        "data": {"frame_in": 1, "frame_out": 10, "camera": "A"}}
DESCS = (Descriptor("d1", "Camera", "camera", "Shot", "string"),
         Descriptor("d2", "Difficulty", "difficulty", "Shot", "list", choices=("easy", "hard")),
         Descriptor("d3", "Budget", "budget", "Shot", "number"),
         Descriptor("d4", "Validated", "validated", "Shot", "boolean", departments=("dep-a",)))


def test_flatten_and_changed_fields() -> None:
    row = {"id": "a", "asset_type_id": "t1", "ready_for": "None", "data": {}}
    assert flatten(row) == {"entity_type_id": "t1", "ready_for": None}
    flat = flatten(SHOT)
    assert flat == {"name": "SH010", "description": None, "nb_frames": 10, "data.frame_in": 1,
                    "data.frame_out": 10, "data.camera": "A"}
    assert changed_fields(flat, {**flat, "description": "", "data.camera": "B", "nb_frames": "10"}) == {
        "data.camera": "B"}
    assert same(None, "") and same(24, "24") and same(True, "true") and not same(0, None)


def test_put_body_sends_only_changed_keys_or_the_whole_merged_dict() -> None:
    changes = {"description": "x", "data.camera": "B"}
    assert put_body(SHOT, changes, full_data=False) == {"description": "x", "data": {"camera": "B"}}
    assert put_body(SHOT, changes) == {"description": "x", "data": {"frame_in": 1, "frame_out": 10, "camera": "B"}}
    assert put_body(SHOT, {"name": "n"}) == {"name": "n"}
    assert wiped_data_keys(SHOT, {"data": {"camera": "B"}}, changes) == {"frame_in", "frame_out"}
    assert wiped_data_keys(SHOT, {"data": {**SHOT["data"], "camera": "B"}}, changes) == set()


def test_row_updates_from_a_saved_entity() -> None:
    assert row_updates(SHOT) == {"name": "SH010", "description": None, "nb_frames": 10, "frame_in": 1,
                                 "frame_out": 10, "data": {"frame_in": 1, "frame_out": 10, "camera": "A"}}


def test_three_way_merge_and_overwrite() -> None:
    base = {"description": "", "data.camera": "A", "data.lens": "35"}
    theirs = {"description": "theirs", "data.camera": "A", "data.lens": "50", "data.new": 1}
    yours = {"data.camera": "B", "data.lens": "85"}
    tw = ThreeWay.compute(base, yours, theirs)
    assert tw.their_changes == {"description", "data.lens"} and tw.overlapping == {"data.lens"}
    assert ThreeWay.compute(base, yours, theirs, extra_keys=["data.new"]).their_changes == {
        "description", "data.lens", "data.new"}
    assert tw.resolve("merge") == {"data.camera": "B"}
    assert tw.resolve("merge", {"data.lens": "yours"}) == yours
    assert tw.resolve("overwrite") == yours
    with pytest.raises(ValueError):
        tw.resolve("cancel")
    same_value = ThreeWay.compute({"name": "a"}, {"name": "b"}, {"name": "b"})
    assert same_value.their_changes == {"name"} and not same_value.overlapping and same_value.only_same_values
    assert not tw.only_same_values


def test_validation_reports_every_field_at_once() -> None:
    with pytest.raises(errors.ValidationError) as info:
        validate_changes({"name": " ", "nb_frames": "-3", "data.frame_in": "1.5", "data.fps": "0",
                          "data.difficulty": "medium", "data.budget": "lots"}, descriptors=DESCS)
    assert set(info.value.field_errors) == {"name", "nb_frames", "data.frame_in", "data.fps", "data.difficulty",
                                            "data.budget"}
    assert validate_changes({"name": " sh 1 ", "data.fps": "23,976", "data.budget": "12", "data.validated": True,
                             "data.difficulty": "hard"}, descriptors=DESCS) == {
        "name": "sh 1", "data.fps": "23.976", "data.budget": 12, "data.validated": "true",
        "data.difficulty": "hard"}
    with pytest.raises(errors.ValidationError) as info:
        validate_changes({"data.frame_out": 5}, current={"data.frame_in": 10})
    assert "before frame in" in info.value.field_errors["data.frame_out"]
    with pytest.raises(errors.ValidationError):
        validate_changes({"name": "x" * 161})


def test_apply_cell_edit() -> None:
    row = {"id": "s1", "name": "SH010", "frame_in": 1, "frame_out": 10, "fps": "24", "nb_frames": 10,
           "data": {"frame_in": 1, "frame_out": 10, "fps": "24", "difficulty": "easy"}}
    edit = apply_cell_edit(row, "frame_out", " 48 ")
    assert edit is not None and edit.key == "data.frame_out" and edit.old == 10 and edit.new == 48
    assert edit.changes == {"data.frame_out": 48} and edit.base == {"data.frame_out": 10}
    assert apply_cell_edit(row, "frame_out", "10") is None  # unchanged: nothing to save
    assert apply_cell_edit(row, "fps", "24") is None
    edit = apply_cell_edit(row, "difficulty", "hard", DESCS)
    assert edit is not None and edit.changes == {"data.difficulty": "hard"}
    with pytest.raises(errors.ValidationError, match="before frame in"):
        apply_cell_edit(row, "frame_out", "0")
    with pytest.raises(errors.ValidationError, match="one of"):
        apply_cell_edit(row, "data.difficulty", "medium", DESCS)
    with pytest.raises(errors.ValidationError, match="cannot be edited"):
        apply_cell_edit(row, "sequence_name", "x")
    with pytest.raises(errors.ValidationError, match="empty"):
        apply_cell_edit(row, "name", "")


def _person(role: str, departments: tuple[str, ...] = ()) -> Person:
    return Person("me", "me@x", "M", "E", "M E", role, True, departments=departments)


def _context(roles: dict[str, str]) -> UserContext:
    return UserContext((), (), (), (), (), (), roles, {})


def test_capabilities_follow_zou_rules() -> None:
    manager = Capabilities.for_project(_person("manager"), "p1")
    artist = Capabilities.for_project(_person("user"), "p1")
    overridden = Capabilities.for_project(_person("user"), "p1", _context({"p1": "manager"}))
    supervisor = Capabilities.for_project(_person("supervisor", ("dep-a",)), "p1")
    assert manager.can_create_entities and manager.can_edit_casting and manager.can_delete({})
    assert not artist.can_create_entities and not artist.can_edit_entity({"created_by": "x"})
    assert artist.can_edit_entity({"created_by": "me"}) and artist.can_delete({"created_by": "me"})
    assert overridden.is_manager and overridden.role_name == "Production manager"
    assert supervisor.can_edit_field("data.validated", {}, DESCS)
    assert not supervisor.can_edit_field("data.camera", {}, DESCS) and not supervisor.can_edit_field("name", {})
    done = TaskStatus("s", "Done", "done", "#0f0", 1, True, False, False, False, False, False)
    wip = TaskStatus("w", "WIP", "wip", "#00f", 1, False, True, False, False, True, False)
    assert artist.allowed_statuses([done, wip]) == [wip] and manager.allowed_statuses([done, wip]) == [done, wip]
    assert artist.can_change_task({"assignees": ["me"]}) and not artist.can_change_task({"assignees": []})
    layout = TaskType("t", "Layout", "lay", "#fff", 1, "Shot", "dep-a")
    assert supervisor.can_assign(layout) and not artist.can_assign(layout, "other")
    assert Capabilities.for_project(_person("user", ("dep-a",)), "p1").can_assign(layout, "me")


def test_casting_values() -> None:
    c = Casting("p", "s").with_added("a", 2, "fixed", asset_name="Tree").with_added("b").with_added("a")
    assert c.as_map() == {"a": (3, "fixed"), "b": (1, "")} and c.total == 4
    assert c.with_count("a", 0).as_map() == {"b": (1, "")}
    assert [e.asset_id for e in c.with_count("b", 5).entries] == ["a", "b"]  # order kept
    assert c.with_label("b", "animate").get("b") is not None
    assert format_cast_value((2, "fixed")) == "×2 (fixed)" and format_cast_value(None) == "not cast"


async def test_undo_stack() -> None:
    stack = UndoStack(limit=2)
    seen: list[str] = []
    with pytest.raises(NothingToUndo):
        await stack.undo_last()

    async def undo_a() -> None:
        seen.append("a")

    stack.push(UndoEntry("old", undo_a))
    stack.push(UndoEntry("a", undo_a))
    stack.push(UndoEntry("gone", None, reason="It was deleted."))
    assert len(stack) == 2 and not stack.can_undo
    with pytest.raises(NothingToUndo, match="deleted"):
        await stack.undo_last()
    stack.clear()
    stack.push(UndoEntry("a", undo_a))
    with stack.suspended():
        stack.push(UndoEntry("ignored", None))
    assert (await stack.undo_last()).label == "a" and seen == ["a"] and len(stack) == 0
