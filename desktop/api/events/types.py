"""Typed Zou events: what the event stream (and `/data/events/last`) carries, as frozen dataclasses.

Zou's contract (read in its sources: `zou/app/utils/events.py::emit` and the `events.emit` calls of its
services and blueprints): an event is a name `<family>:<action>` and a dict of ids, `project_id` added
when the change belongs to a production. Payloads are ids only: a listener refetches what it shows.

`parse_event` turns (name, payload) into the most specific type, or raises `UnknownEvent` for a name of a
family Slate does not follow (person:*, time-spent:*, preview-room:*, chat:* ...) and `MalformedEvent`
for a payload that is not what Zou sends (not a dict, the family's id missing or not a string).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENTITY_FAMILIES = frozenset({"shot", "asset", "sequence", "episode", "edit"})
FAMILIES = frozenset({"task", "comment", "preview-file", "playlist", "notification", "project"}) | ENTITY_FAMILIES


class EventError(ValueError):
    """An event the stream cannot use; `name` is the event's name as received."""

    def __init__(self, name: str, reason: str) -> None:
        name = name if len(name) <= 120 else name[:117] + "..."  # a hostile name is not kept whole
        super().__init__(f"{name!r}: {reason}")
        self.name = name
        self.reason = reason


class UnknownEvent(EventError):
    """A name outside the families Slate follows (or not `family:action` at all)."""


class MalformedEvent(EventError):
    """A known name whose payload is not what Zou sends."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class ZouEvent:
    """Every event: its name split into `family` and `action`, the production it belongs to (None for
    studio-wide events), the raw payload, and where and when it was seen.

    `event_id` and `created_at` (server time, UTC) are only known for events read from
    `/data/events/last`: the live stream's payload is published before Zou stores it, so it has neither.
    """

    name: str
    family: str
    action: str
    project_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    received_at: dt.datetime = field(default_factory=utc_now, compare=False)
    event_id: str | None = None
    created_at: dt.datetime | None = None
    live: bool = True  # False when it came from a catch-up read


@dataclass(frozen=True, kw_only=True)
class TaskEvent(ZouEvent):
    """task:new | update | delete | to-review | update-casting-stats | ..."""

    task_id: str


@dataclass(frozen=True, kw_only=True)
class TaskStatusChanged(TaskEvent):
    """task:status-changed (and task:to-review, which carries the same fields plus the comment)."""

    new_task_status_id: str | None
    previous_task_status_id: str | None
    person_id: str | None


@dataclass(frozen=True, kw_only=True)
class TaskAssignment(TaskEvent):
    """task:assign | task:unassign: `person_id` gained (`assigned`) or lost the task."""

    person_id: str
    assigned: bool


@dataclass(frozen=True, kw_only=True)
class CommentEvent(ZouEvent):
    """comment:new | update | delete | reply | delete-reply. `task_id` is absent on some deletes."""

    comment_id: str
    task_id: str | None
    task_status_id: str | None
    person_id: str | None


@dataclass(frozen=True, kw_only=True)
class EntityEvent(ZouEvent):
    """shot:* | asset:* | sequence:* | episode:* | edit:*; `kind` is the family ("shot", "asset", ...)."""

    kind: str
    entity_id: str


@dataclass(frozen=True, kw_only=True)
class CastingUpdate(EntityEvent):
    """shot:casting-update | asset:casting-update | episode:casting-update, with the diff Zou sends."""

    added_asset_ids: tuple[str, ...] = ()
    removed_asset_ids: tuple[str, ...] = ()
    nb_entities_out: int | None = None


@dataclass(frozen=True, kw_only=True)
class PreviewFileEvent(ZouEvent):
    """preview-file:add-file | update | new | set-main | delete | annotation-update."""

    preview_file_id: str
    task_id: str | None
    comment_id: str | None
    revision: int | None
    status: str | None


@dataclass(frozen=True, kw_only=True)
class PlaylistEvent(ZouEvent):
    """playlist:* (new, update, delete, add_entity ...)."""

    playlist_id: str


@dataclass(frozen=True, kw_only=True)
class NotificationEvent(ZouEvent):
    """notification:new | read | unread | all-read. `person_id` is the recipient: Zou broadcasts every
    event to every socket, so a client keeps only its own user's."""

    notification_id: str | None
    person_id: str | None


@dataclass(frozen=True, kw_only=True)
class ProjectEvent(ZouEvent):
    """project:update | project:delete."""


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _req_str(name: str, data: Mapping[str, Any], key: str) -> str:
    value = _opt_str(data, key)
    if value is None:
        raise MalformedEvent(name, f"no {key}")
    return value


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def split_name(name: object) -> tuple[str, str]:
    if not isinstance(name, str) or name.count(":") != 1:
        raise UnknownEvent(str(name)[:80], "not a family:action name")
    family, action = name.split(":")
    if family not in FAMILIES or not action:
        raise UnknownEvent(name, "not a family Slate follows")
    return family, action


def parse_event(name: object, data: object, *, received_at: dt.datetime | None = None,
                event_id: str | None = None, created_at: dt.datetime | None = None,
                project_id: str | None = None, live: bool = True) -> ZouEvent:
    """The typed event for a name and payload; raises UnknownEvent or MalformedEvent."""
    family, action = split_name(name)
    assert isinstance(name, str)
    if not isinstance(data, Mapping):
        raise MalformedEvent(name, f"payload is {type(data).__name__}, not an object")
    base: dict[str, Any] = {
        "name": name, "family": family, "action": action,
        "project_id": _opt_str(data, "project_id") or project_id, "data": dict(data),
        "received_at": received_at or utc_now(), "event_id": event_id, "created_at": created_at, "live": live,
    }
    if family == "task":
        task_id = _req_str(name, data, "task_id")
        if action in ("status-changed", "to-review"):
            return TaskStatusChanged(**base, task_id=task_id,
                                     new_task_status_id=_opt_str(data, "new_task_status_id"),
                                     previous_task_status_id=_opt_str(data, "previous_task_status_id"),
                                     person_id=_opt_str(data, "person_id"))
        if action in ("assign", "unassign"):
            return TaskAssignment(**base, task_id=task_id, person_id=_req_str(name, data, "person_id"),
                                  assigned=action == "assign")
        return TaskEvent(**base, task_id=task_id)
    if family == "comment":
        return CommentEvent(**base, comment_id=_req_str(name, data, "comment_id"), task_id=_opt_str(data, "task_id"),
                            task_status_id=_opt_str(data, "task_status_id"), person_id=_opt_str(data, "person_id"))
    if family in ENTITY_FAMILIES:
        # Zou names the id after the family ("shot_id", "edit_id"); a few older routes say "entity_id".
        key = f"{family}_id"
        entity_id = _opt_str(data, key) or _opt_str(data, "entity_id")
        if entity_id is None:
            raise MalformedEvent(name, f"no {key}")
        if action == "casting-update":
            return CastingUpdate(**base, kind=family, entity_id=entity_id,
                                 added_asset_ids=_str_tuple(data, "added_asset_ids"),
                                 removed_asset_ids=_str_tuple(data, "removed_asset_ids"),
                                 nb_entities_out=_opt_int(data, "nb_entities_out"))
        return EntityEvent(**base, kind=family, entity_id=entity_id)
    if family == "preview-file":
        return PreviewFileEvent(**base, preview_file_id=_req_str(name, data, "preview_file_id"),
                                task_id=_opt_str(data, "task_id"), comment_id=_opt_str(data, "comment_id"),
                                revision=_opt_int(data, "revision"), status=_opt_str(data, "status"))
    if family == "playlist":
        return PlaylistEvent(**base, playlist_id=_req_str(name, data, "playlist_id"))
    if family == "notification":
        return NotificationEvent(**base, notification_id=_opt_str(data, "notification_id"),
                                 person_id=_opt_str(data, "person_id"))
    # project:update carries no field of its own: the production is `project_id`.
    if base["project_id"] is None:
        raise MalformedEvent(name, "no project_id")
    return ProjectEvent(**base)
