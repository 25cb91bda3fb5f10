"""The signed-in user's notifications (Zou's inbox), Qt-free.

Routes (Zou's `blueprints/user/__init__.py`, not gazu's drifted ones):

- `GET /data/user/notifications`: the newest 100, newest first; filters `read`, `watching`, `type`,
  `task_type_id`, `task_status_id`, `after`, `before` (`user_service.get_last_notifications`);
- `GET /data/user/notifications/<id>`: one;
- `PUT /data/user/notifications/<id>` with `{"read": bool}`: mark read or unread (emits
  `notification:read` / `notification:unread`);
- `POST /actions/user/notifications/mark-all-as-read`: all of them (emits `notification:all-read`).

`notification:new` on the event stream (`{notification_id, person_id}`) tells a client one landed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.events.catchup import parse_zou_time, zou_time
from desktop.api.session import ZouSession


def _s(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ""


def _opt(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    return v if isinstance(v, str) and v else None


def _ids(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key)
    return tuple(str(x) for x in v if isinstance(x, str)) if isinstance(v, list) else ()


@dataclass(frozen=True)
class Notification:
    """One inbox entry. `notification_type`: "comment", "mention", "assignation", "reply",
    "reply-mention", "playlist-ready" ... (Zou's `Notification.type`)."""

    id: str
    notification_type: str
    read: bool
    created_at: dt.datetime | None
    author_id: str | None
    task_id: str | None
    comment_id: str | None
    project_id: str | None
    project_name: str
    full_entity_name: str
    comment_text: str
    reply_text: str
    task_type_id: str | None
    task_status_id: str | None
    change: bool
    mentions: tuple[str, ...] = ()
    department_mentions: tuple[str, ...] = ()
    playlist_id: str | None = None
    playlist_name: str = ""
    preview_file_id: str | None = None
    episode_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_mention(self) -> bool:
        return self.notification_type in ("mention", "reply-mention")

    @property
    def is_assignment(self) -> bool:
        return self.notification_type == "assignation"

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Notification:
        return cls(
            id=_s(d, "id"), notification_type=_s(d, "notification_type") or _s(d, "type"), read=bool(d.get("read")),
            created_at=parse_zou_time(d.get("created_at")), author_id=_opt(d, "author_id"),
            task_id=_opt(d, "task_id"), comment_id=_opt(d, "comment_id"), project_id=_opt(d, "project_id"),
            project_name=_s(d, "project_name"), full_entity_name=_s(d, "full_entity_name"),
            comment_text=_s(d, "comment_text"), reply_text=_s(d, "reply_text"),
            task_type_id=_opt(d, "task_type_id"), task_status_id=_opt(d, "task_status_id"),
            change=bool(d.get("change")), mentions=_ids(d, "mentions"),
            department_mentions=_ids(d, "department_mentions"), playlist_id=_opt(d, "playlist_id"),
            playlist_name=_s(d, "playlist_name"), preview_file_id=_opt(d, "preview_file_id"),
            episode_id=_opt(d, "episode_id"), raw=dict(d),
        )


class NotificationsClient:
    """The inbox over a signed-in `ZouSession`."""

    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def list(self, *, read: bool | None = None, watching: bool | None = None,
                   notification_type: str | None = None, after: dt.datetime | None = None,
                   before: dt.datetime | None = None) -> list[Notification]:
        """The newest notifications (Zou returns at most 100), newest first."""
        params: dict[str, str] = {}
        if read is not None:
            params["read"] = "true" if read else "false"
        if watching is not None:
            params["watching"] = "true" if watching else "false"
        if notification_type:
            params["type"] = notification_type
        if after is not None:
            params["after"] = zou_time(after)
        if before is not None:
            params["before"] = zou_time(before)
        data = await self.session.get("/data/user/notifications", params=params or None)
        if not isinstance(data, list):
            raise E.ProtocolError("Unexpected answer for the notifications.")
        return [Notification.from_json(d) for d in data if isinstance(d, dict)]

    async def get(self, notification_id: str) -> Notification:
        data = await self.session.get(f"/data/user/notifications/{notification_id}")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for a notification.")
        return Notification.from_json(data)

    async def unread_count(self) -> int:
        return len(await self.list(read=False))

    async def mark_read(self, notification_id: str, read: bool = True) -> None:
        """Mark one notification read (or unread again with read=False)."""
        await self.session.put(f"/data/user/notifications/{notification_id}", json={"read": read})

    async def mark_all_read(self) -> None:
        data = await self.session.post("/actions/user/notifications/mark-all-as-read", json={})
        if isinstance(data, dict) and data.get("success") is False:
            raise E.ServerError("The server could not mark the notifications as read.")
