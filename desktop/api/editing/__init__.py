"""Coordinator editing: every write the app makes to Zou, with no lost update. Qt-free.

`Editor` is the one object the UI talks to (one per signed-in session, so its undo stack spans the
session):

* entities: `create_asset`, `create_shot`, `create_sequence`, `create_episode`, `save_entity` (conflict-
  checked, metadata merged), `resolve_conflict`, `save_cell_edit`, `preview_delete`, `delete_entity`,
  `bulk_update`;
* casting: `load_casting`, `save_casting`, `add_to_casting`, `remove_from_casting`, `set_cast_count`,
  `resolve_casting_conflict`, `cast_in`;
* asset instances: `shot_asset_instances`, `instances_of_asset`, `add_asset_instance`,
  `remove_asset_instance`;
* tasks: `comment_task` (status + comment + attachments with progress), `bulk_set_status`, `assign`,
  `unassign`, `set_assignees`; many tasks at once: `bulk_assign`, `bulk_unassign` (an `AssignReport`);
* playlists (`playlists.py`): `create_playlist`, `rename_playlist`, `delete_playlist`, `add_to_playlist`,
  `remove_from_playlist`, `set_entry_preview`; review (`reviews.py`): `add_annotations`,
  `delete_annotations`;
* `undo` (an `UndoStack`): `await editor.undo.undo_last()`.

Pure helpers the table model can call without I/O: `apply_cell_edit`, `validate_changes`, `flatten`,
`Capabilities`.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.api.editing.assignments import AssignmentOps, AssignReport
from desktop.api.editing.bulk import BulkReport, RowResult
from desktop.api.editing.casting import CastEntry, CastIn, Casting, CastingConflict, CastingOps, format_cast_value
from desktop.api.editing.entities import BulkRow, DeletePreview, EntityOps
from desktop.api.editing.fields import (
    CELL_EDITABLE,
    CellEdit,
    ConcurrentChange,
    EditConflict,
    ThreeWay,
    apply_cell_edit,
    changed_fields,
    field_label,
    flatten,
    put_body,
    row_updates,
    row_value,
    same,
    validate_changes,
)
from desktop.api.editing.instances import AssetInstance, InstanceOps
from desktop.api.editing.permissions import Capabilities, effective_role
from desktop.api.editing.playlists import PlaylistOps
from desktop.api.editing.reviews import ReviewOps
from desktop.api.editing.tasks import Attachment, BulkTask, TaskOps, attachment_url
from desktop.api.editing.undo import NothingToUndo, UndoEntry, UndoStack
from desktop.api.records import AssetType, Descriptor, Person, Project, TaskStatus, TaskType, UserContext


class Editor(EntityOps, CastingOps, InstanceOps, TaskOps, AssignmentOps, PlaylistOps, ReviewOps):
    """All writes, on top of a signed-in `ZouClient`. See the module doc."""


@dataclass(frozen=True)
class EditContext:
    """What an editing widget needs to know besides the editor: the production, the user, the lookups."""

    project: Project
    user: Person
    context: UserContext

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities.for_project(self.user, self.project.id, self.context)

    def descriptors(self, entity_type: str) -> tuple[Descriptor, ...]:
        return tuple(d for d in self.project.descriptors if d.entity_type == entity_type)

    @property
    def asset_types(self) -> tuple[AssetType, ...]:
        wanted = set(self.project.asset_types)
        types = [t for t in self.context.asset_types if not wanted or t.id in wanted]
        return tuple(sorted(types, key=lambda t: t.name.lower()))

    @property
    def task_statuses(self) -> tuple[TaskStatus, ...]:
        wanted = set(self.project.task_statuses)
        statuses = [s for s in self.context.task_statuses if (not wanted or s.id in wanted) and not s.archived]
        return tuple(sorted(statuses, key=lambda s: (s.priority, s.name.lower())))

    @property
    def task_types(self) -> tuple[TaskType, ...]:
        wanted = set(self.project.task_types)
        return tuple(t for t in self.context.task_types if not wanted or t.id in wanted)

    def status(self, status_id: str) -> TaskStatus | None:
        return next((s for s in self.context.task_statuses if s.id == status_id), None)

    def task_type(self, task_type_id: str) -> TaskType | None:
        return next((t for t in self.context.task_types if t.id == task_type_id), None)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.context.persons if p.id == person_id), None)

    @property
    def team(self) -> tuple[Person, ...]:
        team = set(self.project.team)
        people = [p for p in self.context.persons if p.active and (not team or p.id in team)]
        return tuple(sorted(people, key=lambda p: p.full_name.lower()))


__all__ = [
    "CELL_EDITABLE", "AssetInstance", "AssignReport", "Attachment", "BulkReport", "BulkRow", "BulkTask", "Capabilities",
    "CastEntry", "CastIn", "Casting", "CastingConflict", "CellEdit", "ConcurrentChange", "DeletePreview",
    "EditConflict", "EditContext", "Editor", "NothingToUndo", "RowResult", "ThreeWay", "UndoEntry", "UndoStack",
    "apply_cell_edit", "attachment_url", "changed_fields", "effective_role", "field_label", "flatten",
    "format_cast_value", "put_body", "row_updates", "row_value", "same", "validate_changes",
]
