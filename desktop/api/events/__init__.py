"""Zou's live events: typed events, the Socket.IO stream client, and the manager's catch-up. No Qt."""

from desktop.api.events.catchup import CatchUp, CatchUpRefused, catch_up, event_from_log
from desktop.api.events.echoes import OwnWrites
from desktop.api.events.stream import (
    Backoff,
    EventStream,
    StreamLocation,
    StreamState,
    StreamStatus,
    stream_location,
)
from desktop.api.events.types import (
    CastingUpdate,
    CommentEvent,
    EntityEvent,
    EventError,
    MalformedEvent,
    NotificationEvent,
    PlaylistEvent,
    PreviewFileEvent,
    ProjectEvent,
    TaskAssignment,
    TaskEvent,
    TaskStatusChanged,
    UnknownEvent,
    ZouEvent,
    parse_event,
)

__all__ = [
    "Backoff", "CastingUpdate", "CatchUp", "CatchUpRefused", "CommentEvent", "EntityEvent", "EventError",
    "EventStream", "MalformedEvent", "NotificationEvent", "OwnWrites", "PlaylistEvent", "PreviewFileEvent",
    "ProjectEvent",
    "StreamLocation", "StreamState", "StreamStatus", "TaskAssignment", "TaskEvent", "TaskStatusChanged",
    "UnknownEvent", "ZouEvent", "catch_up", "event_from_log", "parse_event", "stream_location",
]
