"""Zou's live events: typed events, the Socket.IO stream client, and the manager's catch-up. No Qt.

The names below load on first use (PEP 562), as in `desktop.api`: the catch-up and the event types are
used by the main window as it opens (the notifications inbox), the stream (python-socketio, aiohttp:
~0.2 s to import) only once live updates start (cold start, issue 16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

# Where each exported name lives (the same set as the imports above, which type checkers read).
_HOMES = {
    **dict.fromkeys(("CatchUp", "CatchUpRefused", "catch_up", "event_from_log"), "catchup"),
    "OwnWrites": "echoes",
    **dict.fromkeys(("Backoff", "EventStream", "StreamLocation", "StreamState", "StreamStatus", "stream_location"),
                    "stream"),
    **dict.fromkeys(("CastingUpdate", "CommentEvent", "EntityEvent", "EventError", "MalformedEvent",
                     "NotificationEvent", "PlaylistEvent", "PreviewFileEvent", "ProjectEvent", "TaskAssignment",
                     "TaskEvent", "TaskStatusChanged", "UnknownEvent", "ZouEvent", "parse_event"), "types"),
}

__all__ = [
    "Backoff", "CastingUpdate", "CatchUp", "CatchUpRefused", "CommentEvent", "EntityEvent", "EventError",
    "EventStream", "MalformedEvent", "NotificationEvent", "OwnWrites", "PlaylistEvent", "PreviewFileEvent",
    "ProjectEvent",
    "StreamLocation", "StreamState", "StreamStatus", "TaskAssignment", "TaskEvent", "TaskStatusChanged",
    "UnknownEvent", "ZouEvent", "catch_up", "event_from_log", "parse_event", "stream_location",
]
assert sorted(__all__) == sorted(_HOMES)


__getattr__ = lazy_exports(__name__, globals(), _HOMES)
