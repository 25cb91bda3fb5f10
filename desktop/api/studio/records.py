"""Typed records of the studio's reference data, as Zou 1.0.97 serializes them (`/data/<collection>`).

TypedDicts rather than dataclasses: these rows go straight into a generic table and back into a PUT, so
they stay the server's dicts (unknown keys kept), typed for the keys Slate reads.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Record(TypedDict, total=False):
    id: str
    created_at: str
    updated_at: str


class ProjectStatusRecord(Record, total=False):
    name: str
    color: str


class TaskStatusRecord(Record, total=False):
    name: str
    short_name: str
    color: str
    description: str | None
    priority: int
    is_done: bool
    is_retake: bool
    is_client_allowed: bool
    is_artist_allowed: bool
    is_feedback_request: bool
    is_default: bool
    archived: bool
    for_concept: bool


class DepartmentRecord(Record, total=False):
    name: str
    color: str
    archived: bool


class SoftwareRecord(Record, total=False):
    name: str
    short_name: str
    file_extension: str
    version: str | None
    secondary_extensions: list[str] | None
    archived: bool


class StudioRecord(Record, total=False):
    name: str
    color: str
    archived: bool


class MilestoneRecord(Record, total=False):
    name: str
    date: str  # YYYY-MM-DD
    project_id: str
    task_type_id: str | None


class SalaryScaleRecord(Record, total=False):
    department_id: str
    position: str  # artist, supervisor, lead
    seniority: str  # junior, mid, senior
    salary: int


class SubscriptionRecord(Record, total=False):
    person_id: str
    task_id: str | None
    entity_id: str | None
    task_type_id: str | None


class PreviewBackgroundFileRecord(Record, total=False):
    name: str
    archived: bool
    is_default: bool
    original_name: str | None
    extension: str | None
    file_size: int


class OutputFileRecord(Record, total=False):
    name: str
    revision: int
    representation: str | None
    extension: str | None
    path: str | None
    size: int | None
    comment: str | None
    description: str | None
    canceled: bool
    entity_id: str | None
    asset_instance_id: str | None
    output_type_id: str | None
    task_type_id: str | None
    person_id: str | None
    file_status_id: str | None
    temporal_entity_id: str | None


class AttachmentFileRecord(Record, total=False):
    name: str
    size: int
    extension: str
    mimetype: str
    comment_id: str | None
    reply_id: str | None
    chat_message_id: str | None


class EventRecord(Record, total=False):
    name: str  # "asset:update", "task:status-changed", ...
    user_id: str | None
    project_id: str | None
    data: dict[str, Any]


class AssetInstanceRecord(Record, total=False):
    asset_id: str
    name: str
    number: int
    description: str | None
    active: bool
    data: dict[str, Any] | None
    scene_id: str | None
    target_asset_id: str | None
    shots: list[str]  # the shots the instance is cast in (serialized with relations)


class ImportErrorRecord(Record, total=False):
    event_data: dict[str, Any]  # what ShotGrid sent for the failed entity
    source: str  # "shotgun"
