"""What every part of the `Editor` shares: the session, the user and the lookups, the undo stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.api import errors as E
from desktop.api.client import ZouClient
from desktop.api.editing.fields import ConcurrentChange
from desktop.api.editing.permissions import Capabilities, effective_role
from desktop.api.editing.undo import UndoStack
from desktop.api.records import Descriptor, Person, Project, TaskStatus, UserContext
from desktop.api.session import ZouSession

ProgressFn = Callable[[int, int], None]
ConcurrentListener = Callable[[ConcurrentChange], None]
RECENT_CHANGES = 50


def as_dict(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise E.ProtocolError(f"Unexpected answer from the server for {what}.")
    return data


def as_list(data: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise E.ProtocolError(f"Unexpected answer from the server for {what}.")
    return [d for d in data if isinstance(d, dict)]


def reword_denied(exc: E.PermissionDenied, message: str) -> E.PermissionDenied:
    """The same 403 with a sentence that says what was refused and why."""
    return E.PermissionDenied(message, status=exc.status, body=exc.body, method=exc.method, url=exc.url)


class EditorBase:
    def __init__(self, client: ZouClient, *, user: Person | None = None, context: UserContext | None = None,
                 undo: UndoStack | None = None) -> None:
        self.client = client
        self.session: ZouSession = client.session
        self._user = user
        self.context = context
        self.undo = undo if undo is not None else UndoStack()
        # Saves that found someone else's write in the server's answer (newest last, bounded); the UI
        # listens with `on_concurrent_change` to tell the user (their change was kept, not lost).
        self.concurrent_changes: list[ConcurrentChange] = []
        self.on_concurrent_change: ConcurrentListener | None = None

    def _report_concurrent(self, change: ConcurrentChange) -> None:
        self.concurrent_changes.append(change)
        del self.concurrent_changes[:-RECENT_CHANGES]
        if self.on_concurrent_change is not None:
            self.on_concurrent_change(change)

    @property
    def user(self) -> Person | None:
        return self._user or self.session.user

    def role(self, project_id: str | None) -> str | None:
        user = self.user
        return effective_role(user, project_id, self.context) if user is not None else None

    def capabilities(self, project_id: str | None) -> Capabilities | None:
        user = self.user
        return Capabilities.for_project(user, project_id, self.context) if user is not None else None

    def project(self, project_id: str) -> Project | None:
        if self.context is not None:
            for p in self.context.projects:
                if p.id == project_id:
                    return p
        return None

    def descriptors(self, project_id: str, entity_type: str | None = None) -> tuple[Descriptor, ...]:
        project = self.project(project_id)
        if project is None:
            return ()
        return tuple(d for d in project.descriptors if entity_type is None or d.entity_type == entity_type)

    async def task_status(self, status_id: str) -> TaskStatus | None:
        if self.context is not None:
            for s in self.context.task_statuses:
                if s.id == status_id:
                    return s
        for s in await self.client.task_statuses():
            if s.id == status_id:
                return s
        return None
