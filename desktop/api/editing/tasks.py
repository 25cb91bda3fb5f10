"""Task status changes (always through a comment), attachments with upload progress, assignments."""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import orjson

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, ProgressFn, as_dict, reword_denied
from desktop.api.editing.bulk import BulkProgress, BulkReport, run_bulk
from desktop.api.editing.undo import UndoEntry
from desktop.api.session import ZouSession, decode_json

# Uploads may take long: no read/write timeout while the body is sent and Zou stores the files.
UPLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=None, write=None, pool=15.0)


@dataclass(frozen=True)
class Attachment:
    """A file to attach to a comment: a path on disk, or bytes with a name."""

    name: str
    path: Path | None = None
    content: bytes | None = None
    mimetype: str = ""

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Attachment:
        p = Path(path)
        return cls(name=p.name, path=p)

    @classmethod
    def from_bytes(cls, name: str, content: bytes, mimetype: str = "") -> Attachment:
        return cls(name=name, content=content, mimetype=mimetype)

    @property
    def size(self) -> int:
        if self.content is not None:
            return len(self.content)
        assert self.path is not None
        return self.path.stat().st_size

    @property
    def content_type(self) -> str:
        return self.mimetype or mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    def open(self) -> IO[bytes]:
        if self.content is not None:
            return io.BytesIO(self.content)
        assert self.path is not None
        return self.path.open("rb")


class _CountingReader:
    """A file wrapper that reports how many bytes httpx has read from it (i.e. handed to the socket).

    httpx seeks back to 0 before (re)sending a multipart body, which resets this file's count."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[], None]) -> None:
        self._raw = raw
        self._on_read = on_read
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.sent += len(chunk)
        self._on_read()
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        pos = self._raw.seek(offset, whence)
        if whence == 0:
            self.sent = pos
        return pos

    def tell(self) -> int:
        return self._raw.tell()

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        self._raw.close()


def comment_form(status_id: str, text: str, checklist: Sequence[Mapping[str, Any]] | None,
                 links: Sequence[str] | None) -> dict[str, str]:
    form = {"task_status_id": status_id, "comment": text}
    if checklist:
        form["checklist"] = orjson.dumps(list(checklist)).decode()
    if links:
        form["links"] = orjson.dumps(list(links)).decode()
    return form


def attachment_url(attachment: Mapping[str, Any]) -> str:
    """Where an attachment of a posted comment downloads from."""
    return f"/data/attachment-files/{attachment.get('id')}/file/{attachment.get('name')}"


async def stream_multipart(session: ZouSession, path: str, form: Mapping[str, str], attachments: Sequence[Attachment],
                       on_progress: ProgressFn | None, *, params: Mapping[str, str] | None = None) -> Any:
    """POST files as one multipart body, streamed from disk (a 500 MB movie is never read into memory),
    reporting `(sent, total)` bytes. Never retried once the body started (see `comment_task`)."""
    total = sum(a.size for a in attachments)
    readers: list[_CountingReader] = []
    last = -1

    def report() -> None:
        nonlocal last
        sent = min(total, sum(r.sent for r in readers))
        if on_progress is not None and sent != last:
            last = sent
            on_progress(sent, total)

    files: list[tuple[str, tuple[str, Any, str]]] = []
    try:
        for i, a in enumerate(attachments):
            reader = _CountingReader(a.open(), report)
            readers.append(reader)
            files.append(("file" if i == 0 else f"file-{i}", (a.name, reader, a.content_type)))
        if on_progress is not None:
            on_progress(0, total)
        # No overall deadline either: a big attachment on a slow link takes as long as it takes (the
        # answer, a comment, is still capped like any JSON body).
        response = await session.request("POST", path, files=files, data=dict(form), params=params,
                                     timeout=UPLOAD_TIMEOUT, deadline=None)
    finally:
        for r in readers:
            r.close()
    if on_progress is not None:
        on_progress(total, total)
    return decode_json(response)


@dataclass(frozen=True)
class BulkTask:
    task_id: str
    label: str = ""


class TaskOps(EditorBase):
    async def load_task(self, task_id: str) -> dict[str, Any]:
        return as_dict(await self.session.get(f"/data/tasks/{task_id}"), "a task")

    async def check_status_allowed(self, project_id: str, status_id: str) -> None:
        """Artists may only pick statuses flagged `is_artist_allowed`: refuse before anything is sent."""
        if self.role(project_id) != "user":
            return
        status = await self.task_status(status_id)
        if status is not None and not status.is_artist_allowed:
            raise E.PermissionDenied(f"Artists cannot set a task to “{status.name}”. Pick another status or "
                                     "ask a supervisor.", status=403)

    async def comment_task(self, task_id: str, status_id: str | None = None, text: str = "", *,
                           attachments: Sequence[Attachment] = (), on_progress: ProgressFn | None = None,
                           checklist: Sequence[Mapping[str, Any]] | None = None,
                           links: Sequence[str] | None = None) -> dict[str, Any]:
        """POST /actions/tasks/{id}/comment: a comment that sets the task status (unchanged when
        `status_id` is None), with files attached as a multipart upload reporting `(sent, total)` bytes.

        Returns the comment (with `task_status` and `attachment_files`). Never retried: a timed-out
        upload may have been stored, so the caller reloads the comments before posting again.
        """
        comment, undo = await self._comment(task_id, status_id, text, attachments=attachments,
                                            on_progress=on_progress, checklist=checklist, links=links)
        self.undo.push(undo)
        return comment

    async def _comment(self, task_id: str, status_id: str | None, text: str, *,
                       attachments: Sequence[Attachment] = (), on_progress: ProgressFn | None = None,
                       checklist: Sequence[Mapping[str, Any]] | None = None,
                       links: Sequence[str] | None = None) -> tuple[dict[str, Any], UndoEntry]:
        task = await self.load_task(task_id)
        project_id = str(task.get("project_id") or "")
        previous = str(task.get("task_status_id") or "")
        status_id = status_id or previous
        await self.check_status_allowed(project_id, status_id)
        path = f"/actions/tasks/{task_id}/comment"
        form = comment_form(status_id, text, checklist, links)
        try:
            if not attachments:
                body: dict[str, Any] = {"task_status_id": status_id, "comment": text}
                if checklist:
                    body["checklist"] = list(checklist)
                if links:
                    body["links"] = list(links)
                data = await self.session.post(path, body)
            else:
                data = await self.multipart_upload(path, form, attachments, on_progress)
        except E.PermissionDenied as exc:
            raise reword_denied(exc, self._denied_text(task)) from exc
        comment = as_dict(data, "a comment")
        comment_id = str(comment.get("id") or "")
        status_name = ""
        status = comment.get("task_status")
        if isinstance(status, dict):
            status_name = str(status.get("name") or "")

        async def undo() -> None:
            # Zou recomputes the task status from the remaining comments.
            await self.session.delete(f"/data/tasks/{task_id}/comments/{comment_id}")

        label = f"Status {status_name}" if status_id != previous else "Comment"
        return comment, UndoEntry(label, undo)

    def _denied_text(self, task: Mapping[str, Any]) -> str:
        role = self.role(str(task.get("project_id") or ""))
        if role == "user":
            return ("You cannot change this task: artists can only change tasks assigned to them "
                    "(or on entities they created).")
        return "You cannot change this task's status in this production."

    async def multipart_upload(self, path: str, form: Mapping[str, str], attachments: Sequence[Attachment],
                               on_progress: ProgressFn | None, *,
                               params: Mapping[str, str] | None = None) -> Any:
        return await stream_multipart(self.session, path, form, attachments, on_progress, params=params)

    async def bulk_set_status(self, tasks: Sequence[BulkTask], status_id: str, text: str = "", *,
                              on_progress: BulkProgress | None = None, concurrency: int = 4) -> BulkReport:
        """Set the same status (with the same comment) on many tasks; a failing task never stops the
        others. One undo step removes the comments posted."""
        undos: list[UndoEntry] = []

        def job(t: BulkTask) -> Callable[[], Awaitable[Any]]:
            async def run() -> dict[str, Any]:
                comment, undo = await self._comment(t.task_id, status_id, text)
                undos.append(undo)
                return comment
            return run

        report = await run_bulk([(t.task_id, t.label or t.task_id, job(t)) for t in tasks],
                                on_progress=on_progress, concurrency=concurrency)
        if undos:
            entries = list(undos)

            async def undo() -> None:
                result = await run_bulk([(str(i), e.label, e.undo) for i, e in enumerate(entries) if e.undo])
                if result.failed:
                    raise E.ZouError(f"{len(result.failed)} status changes could not be undone: "
                                     f"{result.failed[0].message}")

            self.undo.push(UndoEntry(f"Status of {len(entries)} tasks", undo))
        return report

    # ------------------------------------------------------------------ assignments
    async def assign(self, task_id: str, person_id: str) -> dict[str, Any]:
        """PUT /actions/tasks/{id}/assign {"person_id"} (a single-task route: a refusal is a 403)."""
        try:
            task = as_dict(await self.session.put(f"/actions/tasks/{task_id}/assign", {"person_id": person_id}),
                           "a task")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "You cannot assign this person to this task: managers can, supervisors "
                                     "only within their departments.") from exc

        async def undo() -> None:
            await self.unassign(task_id, person_id)

        self.undo.push(UndoEntry("Assign", undo))
        return task

    async def unassign(self, task_id: str, person_id: str | None = None) -> None:
        """PUT /actions/tasks/clear-assignation. Zou skips tasks it refuses silently and answers the ids it
        cleared: a missing id is reported here as PermissionDenied."""
        body: dict[str, Any] = {"task_ids": [task_id]}
        if person_id:
            body["person_id"] = person_id
        before: list[str] = []
        if person_id is None:
            before = [str(p) for p in (await self.load_task(task_id)).get("assignees") or []]
        cleared = await self.session.put("/actions/tasks/clear-assignation", body)
        if not isinstance(cleared, list) or task_id not in [str(x) for x in cleared]:
            raise E.PermissionDenied("You cannot unassign people from this task: managers can, supervisors "
                                     "only within their departments.", status=403)
        restore = [person_id] if person_id else before

        async def undo() -> None:
            for p in restore:
                await self.assign(task_id, p)

        self.undo.push(UndoEntry("Unassign", undo))

    async def set_assignees(self, task_id: str, wanted: Sequence[str], *,
                            loaded: Sequence[str] | None = None) -> list[str]:
        """Apply the user's assignment changes and return the task's assignees afterwards.

        With `loaded` (the assignees the user saw), only the user's own additions and removals are applied
        to the server's current list, so a person someone else assigned meanwhile stays assigned.
        Without it, the assignees become exactly `wanted`."""
        current = [str(p) for p in (await self.load_task(task_id)).get("assignees") or []]
        if loaded is None:
            add = [p for p in wanted if p not in current]
            remove = [p for p in current if p not in wanted]
        else:
            add = [p for p in wanted if p not in loaded and p not in current]
            remove = [p for p in loaded if p not in wanted and p in current]
        for p in add:
            await self.assign(task_id, p)
        for p in remove:
            await self.unassign(task_id, p)
        return [str(p) for p in (await self.load_task(task_id)).get("assignees") or []]
