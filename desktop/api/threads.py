"""Comment-thread actions, as Kitsu offers them: reply, edit and delete your own, acknowledge, pin,
checklists. Qt-free.

The routes are Zou's (comments blueprint and the comment CRUD resource):

* reply: `POST /data/tasks/{task}/comments/{comment}/reply {text}`; delete a reply:
  `DELETE /data/tasks/{task}/comments/{comment}/reply/{reply}` (your own, or an admin);
* edit: `PUT /data/comments/{comment} {text}` (your own; Zou re-reads the @mentions from the new text);
* delete: `DELETE /data/tasks/{task}/comments/{comment}` (your own; managers any; Zou recomputes the status);
* acknowledge: `POST /data/tasks/{task}/comments/{comment}/ack` (a toggle: a second call takes it back);
* pin: `PUT /data/comments/{comment} {pinned}` (supervisors of the task's department and managers);
* checklist: `PUT /data/comments/{comment} {checklist}`, items `{"text", "checked"}` (the author, the
  task's assignees, its supervisors).

Each write answers one `Changes` naming the task's thread, for `BrowseSession.apply`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.api import errors as E
from desktop.api.changes import Changes
from desktop.api.editing.base import as_dict, reword_denied
from desktop.api.records import Person
from desktop.api.session import ZouSession


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    checked: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "checked": self.checked}


def checklist_of(comment: Mapping[str, Any]) -> list[ChecklistItem]:
    items = comment.get("checklist")
    if not isinstance(items, list):
        return []
    return [ChecklistItem(str(i.get("text") or ""), bool(i.get("checked"))) for i in items if isinstance(i, dict)]


def thread_changed(task_id: str, *, origin: str = "thread") -> Changes:
    return Changes(threads=frozenset({task_id}), origin=origin)


def is_own(comment: Mapping[str, Any], user: Person | None) -> bool:
    if user is None:
        return False
    author = comment.get("person_id") or (comment.get("person") or {}).get("id")
    return bool(author) and str(author) == user.id


def acknowledged_by(comment: Mapping[str, Any], user: Person | None) -> bool:
    acks = comment.get("acknowledgements") or []
    return user is not None and user.id in [a if isinstance(a, str) else str(a.get("id")) for a in acks]


class ThreadActions:
    """The comment-thread writes of one signed-in session."""

    def __init__(self, session: ZouSession, user: Person | None = None) -> None:
        self.session = session
        self._user = user

    @property
    def user(self) -> Person | None:
        return self._user or self.session.user

    async def reply(self, task_id: str, comment_id: str, text: str) -> dict[str, Any]:
        if not text.strip():
            raise E.ValidationError("Write something to reply.")
        try:
            data = await self.session.post(f"/data/tasks/{task_id}/comments/{comment_id}/reply", {"text": text})
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You cannot reply in this thread.") from exc
        return as_dict(data, "a reply")

    async def delete_reply(self, task_id: str, comment_id: str, reply_id: str) -> None:
        try:
            await self.session.delete(f"/data/tasks/{task_id}/comments/{comment_id}/reply/{reply_id}")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You can only delete your own replies.") from exc

    async def edit(self, comment_id: str, text: str) -> dict[str, Any]:
        try:
            data = await self.session.put(f"/data/comments/{comment_id}", {"text": text})
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You can only edit your own comments.") from exc
        return as_dict(data, "a comment")

    async def delete(self, task_id: str, comment_id: str) -> None:
        try:
            await self.session.delete(f"/data/tasks/{task_id}/comments/{comment_id}")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You can only delete your own comments.") from exc

    async def acknowledge(self, task_id: str, comment_id: str) -> dict[str, Any]:
        """Toggle the signed-in user's acknowledgement; answers the comment (with `acknowledgements`)."""
        data = await self.session.post(f"/data/tasks/{task_id}/comments/{comment_id}/ack", {})
        return as_dict(data, "a comment")

    async def set_pinned(self, comment_id: str, pinned: bool) -> dict[str, Any]:
        try:
            data = await self.session.put(f"/data/comments/{comment_id}", {"pinned": pinned})
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only supervisors of this department and managers can pin comments.") from exc
        return as_dict(data, "a comment")

    async def set_checklist(self, comment_id: str, items: Sequence[ChecklistItem]) -> dict[str, Any]:
        try:
            data = await self.session.put(f"/data/comments/{comment_id}",
                                          {"checklist": [i.as_json() for i in items]})
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You cannot change this checklist: its author, the task's assignees "
                                     "and supervisors can.") from exc
        return as_dict(data, "a comment")

    async def toggle_check(self, comment_id: str, index: int) -> dict[str, Any]:
        """Tick or untick one item, on the checklist as the server has it now (not a stale copy)."""
        current = checklist_of(as_dict(await self.session.get(f"/data/comments/{comment_id}"), "a comment"))
        if not 0 <= index < len(current):
            raise E.ValidationError("That checklist item is gone: the comment was changed meanwhile.")
        item = current[index]
        current[index] = ChecklistItem(item.text, not item.checked)
        return await self.set_checklist(comment_id, current)
