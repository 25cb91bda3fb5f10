"""Publish a preview version from the desktop: a comment, a revision, its files, the entity's thumbnail. Qt-free.

Zou's sequence (gazu's `publish_preview`, Zou's `tasks` and `previews` blueprints):

1. `POST /actions/tasks/{task}/comment`: the status and the comment (attachments in the same multipart);
2. `POST /actions/tasks/{task}/comments/{comment}/add-preview` `{revision}`: a preview file (the revision);
3. `POST /pictures/preview-files/{preview}` (multipart `file`): the picture or movie itself, streamed;
4. for each extra file, `POST /actions/tasks/{task}/comments/{comment}/preview-files/{main}` (a preview
   file of the same revision), then its upload as in 3;
5. `PUT /actions/preview-files/{main}/set-main-preview` when it becomes the entity's thumbnail.

No half state: every step records what now exists on the server in the caller's `PublishState`, so when
an upload fails (or is cancelled) after the comment exists, `publish` called again with the same state
goes on from there: the same comment, the same revision, never a second comment. A file whose upload
broke is checked first: Zou may have stored it (only the answer was lost), or thrown its preview file
away (a movie it could not read), in which case a new preview file of the same revision takes its place.

Movies are normalised by Zou with ffmpeg (in the request, or by its job queue); `wait_until_processed`
waits until each preview file is `ready` or `broken`: ended by the `preview-file:update` event while the
event stream is live (`desktop.api.processing_events`), by polling with back-off otherwise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.api import errors as E
from desktop.api.changes import Changes, comment_posted, entity_saved
from desktop.api.editing import Attachment, Editor
from desktop.api.editing.base import as_dict
from desktop.api.processing_events import LIVE_RECHECK_S, ProcessingWatch
from desktop.api.records import Person

# What Zou 1.0.97's previews blueprint takes as a picture or a movie (ALLOWED_PICTURE_EXTENSION,
# ALLOWED_MOVIE_EXTENSION): any other file is refused there, or stored without a picture, so it is
# attached to the comment instead.
PICTURE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "jpe"})
MOVIE_EXTENSIONS = frozenset({"mp4", "mov", "wmv", "m4v", "mkv", "avi", "webm"})
PROCESSING_POLL = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between status reads, the last one repeated
SPEED_WINDOW_S = 3.0  # the upload speed is averaged over the last few seconds
# Zou's `created_at` is whole seconds of the server's clock: a comment created "after the attempt began"
# is looked for from a little before it, so that a rounding or a small clock skew does not miss it.
COMMENT_CLOCK_SLACK_S = 5.0


def _epoch(value: object) -> float | None:
    """Zou's `created_at` ("2026-12-03T14:20:01", UTC without an offset) as epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def is_movie(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower().lstrip(".") in MOVIE_EXTENSIONS


def is_preview_file(path: str | os.PathLike[str]) -> bool:
    ext = Path(path).suffix.lower().lstrip(".")
    return ext in PICTURE_EXTENSIONS or ext in MOVIE_EXTENSIONS


# ---------------------------------------------------------------- @mentions, as Zou reads them
def mention(person: Person) -> str:
    """What Kitsu writes for a mention: `@Full Name` and a space (Zou matches `@{full name}( |$)`)."""
    return f"@{person.full_name} "


def mentioned(text: str, people: Iterable[Person]) -> list[Person]:
    """The people Zou will find mentioned in `text` (its comments service: `@{full name}` then a space or
    the end), so the dialog can say who will be notified before anything is sent."""
    return [p for p in people if p.full_name and re.search(f"@{re.escape(p.full_name)}( |$)", text)]


# ---------------------------------------------------------------- progress
@dataclass(frozen=True)
class UploadProgress:
    """Where the upload of the preview files is: bytes over all files, speed, time left."""

    file_index: int
    file_name: str
    sent: int  # bytes of all the preview files sent so far
    total: int
    bytes_per_s: float
    seconds_left: float | None  # None while the speed is not known yet

    @property
    def fraction(self) -> float:
        return self.sent / self.total if self.total else 1.0


class SpeedMeter:
    """Bytes per second over a sliding window, and the time left at that speed."""

    def __init__(self, window_s: float = SPEED_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._samples: list[tuple[float, int]] = []

    def add(self, sent: int) -> float:
        now = self.clock()
        self._samples.append((now, sent))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window_s:
            del self._samples[0]
        (t0, s0), (t1, s1) = self._samples[0], self._samples[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 and s1 >= s0 else 0.0

    def reset(self) -> None:
        self._samples.clear()


ProgressListener = Callable[[UploadProgress], None]
StepListener = Callable[[str], None]  # a sentence: "Posting the comment…", "Uploading shot.mov…"


# ---------------------------------------------------------------- what to publish, what exists
@dataclass(frozen=True)
class PublishRequest:
    task: Mapping[str, Any]  # the task (id, entity_id, task_status_id, project_id...)
    text: str = ""
    status_id: str | None = None  # None: the status stays
    previews: tuple[Path, ...] = ()  # the first is the main preview, the others extra previews of its revision
    attachments: tuple[Attachment, ...] = ()
    set_thumbnail: bool = False
    normalize: bool = True  # Zou's `normalize` for movies (off: the movie is stored as sent)

    @property
    def task_id(self) -> str:
        return str(self.task.get("id") or "")

    def check(self) -> None:
        """Bad input is refused before anything is sent, with a sentence saying what to change."""
        for path in self.previews:
            if not path.is_file():
                raise E.ValidationError(f"“{path.name}” is not a file that can be read: pick it again.")
            if not is_preview_file(path):
                raise E.ValidationError(f"“{path.name}” is neither a picture nor a movie Zou can show as a "
                                        "preview: attach it instead.")
        if self.set_thumbnail and not self.previews:
            raise E.ValidationError("Add a preview file to set it as the thumbnail.")
        if not self.previews and not self.text.strip() and not self.attachments and self.status_id is None:
            raise E.ValidationError("Nothing to publish: add a preview, a comment or a file.")


@dataclass
class PublishState:
    """What this publish made on the server so far (filled in as each step succeeds)."""

    comment: dict[str, Any] | None = None
    revision: int | None = None
    preview_ids: dict[int, str] = field(default_factory=dict)  # file index -> preview file id
    uploaded: dict[int, dict[str, Any]] = field(default_factory=dict)  # file index -> preview file after upload
    unsure: set[int] = field(default_factory=set)  # uploads that broke: check the server before sending again
    thumbnail_set: bool = False
    entity: dict[str, Any] | None = None  # the entity as set-main-preview answered
    # The comment POST whose answer was lost (a timeout, a cut): (when it began, UTC epoch s; the text sent).
    # Zou may have stored it, so the next try looks for it in the task's comments before posting again.
    comment_unsure: tuple[float, str] | None = None

    @property
    def started(self) -> bool:
        return self.comment is not None

    @property
    def main_preview_id(self) -> str:
        return self.preview_ids.get(0, "")


class PublishFailed(E.ZouError):
    """A step failed after the comment was posted: the state says what exists; `publish` again retries."""

    def __init__(self, message: str, cause: BaseException, state: PublishState) -> None:
        status = cause.status if isinstance(cause, E.ZouError) else None
        super().__init__(message, status=status)
        self.cause = cause
        self.state = state


@dataclass(frozen=True)
class PublishResult:
    comment: dict[str, Any]
    previews: tuple[dict[str, Any], ...]  # the preview files, main first
    entity: dict[str, Any] | None  # the entity when its thumbnail was set
    changes: Changes


class Publisher:
    """Runs a `PublishRequest` through the session's `Editor` (its permission checks, its upload)."""

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self.session = editor.session

    async def publish(self, request: PublishRequest, state: PublishState | None = None, *,
                      on_progress: ProgressListener | None = None,
                      on_step: StepListener | None = None) -> PublishResult:
        """Publish, or go on with a publish whose `state` shows it stopped halfway (see the module doc)."""
        request.check()
        state = state if state is not None else PublishState()
        step = on_step or (lambda _text: None)
        task_id = request.task_id
        if state.comment is None and state.comment_unsure is not None:
            step("Looking for the comment sent before…")
            state.comment = await self._comment_stored_meanwhile(task_id, state.comment_unsure)
            state.comment_unsure = None
        if state.comment is None:
            step("Posting the comment…")
            state.comment_unsure = (time.time(), request.text)
            try:
                state.comment = await self.editor.comment_task(task_id, request.status_id, request.text,
                                                               attachments=request.attachments)
            except (E.NetworkError, asyncio.CancelledError):
                raise  # the answer is lost, not the comment perhaps: `comment_unsure` stays for the next try
            except BaseException:
                state.comment_unsure = None  # Zou answered (a refusal): nothing was stored
                raise
            state.comment_unsure = None
        comment_id = str(state.comment.get("id") or "")
        try:
            await self._upload_all(request, state, comment_id, on_progress, step)
            if request.set_thumbnail and request.previews and not state.thumbnail_set:
                step("Setting the thumbnail…")
                entity = await self.session.put(f"/actions/preview-files/{state.main_preview_id}/set-main-preview",
                                                {})
                state.entity = entity if isinstance(entity, dict) else None
                state.thumbnail_set = True
        except (E.ZouError, OSError) as exc:  # a cancel goes through: the caller's state says what exists
            raise PublishFailed(self._failure_text(request, state, exc), exc, state) from exc
        previews = tuple(state.uploaded[i] for i in sorted(state.uploaded))
        return PublishResult(comment=state.comment, previews=previews, entity=state.entity,
                             changes=publish_changes(request.task, state))

    # ------------------------------------------------------------ steps
    async def _upload_all(self, request: PublishRequest, state: PublishState, comment_id: str,
                          on_progress: ProgressListener | None, step: StepListener) -> None:
        sizes = [p.stat().st_size for p in request.previews]
        total = sum(sizes)
        meter = SpeedMeter()
        for index, path in enumerate(request.previews):
            if index in state.uploaded:
                continue
            if index in state.unsure and await self._stored_meanwhile(state, index):
                continue
            preview_id = await self._preview_file(request, state, comment_id, index)
            before = sum(sizes[i] for i in state.uploaded)
            meter.reset()

            def progress(sent: int, _total: int, *, index: int = index, before: int = before,
                         name: str = path.name) -> None:
                if on_progress is None:
                    return
                speed = meter.add(sent)
                done = before + sent
                left = (total - done) / speed if speed > 0 else None
                on_progress(UploadProgress(index, name, done, total, speed, left))

            step(f"Uploading {path.name}…")
            state.unsure.add(index)
            answer = await self.editor.multipart_upload(
                f"/pictures/preview-files/{preview_id}", {}, [Attachment.from_path(path)], progress,
                params={"normalize": "true" if request.normalize else "false"})
            state.unsure.discard(index)
            state.uploaded[index] = as_dict(answer, "an uploaded preview")

    async def _preview_file(self, request: PublishRequest, state: PublishState, comment_id: str,
                            index: int) -> str:
        """The preview file the file at `index` goes into: made once, kept for a retry."""
        existing = state.preview_ids.get(index)
        if existing:
            return existing
        task_id = request.task_id
        if index == 0:
            body: dict[str, Any] = {} if state.revision is None else {"revision": state.revision}
            created = await self.session.post(f"/actions/tasks/{task_id}/comments/{comment_id}/add-preview", body)
        else:
            main = state.main_preview_id
            created = await self.session.post(
                f"/actions/tasks/{task_id}/comments/{comment_id}/preview-files/{main}", {})
        preview = as_dict(created, "a new preview")
        state.preview_ids[index] = str(preview.get("id") or "")
        if state.revision is None and isinstance(preview.get("revision"), int):
            state.revision = int(preview["revision"])
        return state.preview_ids[index]

    async def _comment_stored_meanwhile(self, task_id: str, sent: tuple[float, str]) -> dict[str, Any] | None:
        """After a comment POST whose answer was lost: the comment Zou stored anyway, if any (same text,
        written by me, created after the attempt began), so that no second comment is posted."""
        began, text = sent
        since = began - COMMENT_CLOCK_SLACK_S
        comments = await self.session.get(f"/data/tasks/{task_id}/comments")
        me = self.editor.user.id if self.editor.user is not None else ""
        for comment in comments if isinstance(comments, list) else []:
            if not isinstance(comment, dict) or str(comment.get("text") or "") != text:
                continue
            if me and str(comment.get("person_id") or "") != me:
                continue
            created = _epoch(comment.get("created_at"))
            if created is not None and created >= since:
                return comment
        return None

    async def _stored_meanwhile(self, state: PublishState, index: int) -> bool:
        """After a broken upload: did Zou store the file anyway (only the answer was lost)? If Zou threw
        the preview file away, forget it so that a new one of the same revision replaces it."""
        preview_id = state.preview_ids.get(index, "")
        state.unsure.discard(index)
        if not preview_id:
            return False
        try:
            preview = as_dict(await self.session.get(f"/data/preview-files/{preview_id}"), "a preview file")
        except E.NotFound:
            del state.preview_ids[index]
            return False
        if preview.get("original_name"):  # Zou refuses a second upload onto it: it has the file
            state.uploaded[index] = preview
            return True
        return False

    @staticmethod
    def _failure_text(request: PublishRequest, state: PublishState, exc: BaseException) -> str:
        reason = str(exc) or exc.__class__.__name__
        missing = [p.name for i, p in enumerate(request.previews) if i not in state.uploaded]
        what = f"the upload of {', '.join(missing)}" if missing else "setting the thumbnail"
        return (f"The comment is posted, but {what} failed: {reason} Retry to send it onto the same comment "
                f"and revision{f' ({state.revision})' if state.revision is not None else ''}.")

    # ------------------------------------------------------------ processing (movies)
    async def wait_until_processed(self, preview_ids: Sequence[str], *,
                                   on_state: Callable[[str, str], None] | None = None,
                                   timeout: float | None = None,
                                   delays: Sequence[float] = PROCESSING_POLL,
                                   watch: ProcessingWatch | None = None) -> dict[str, str]:
        """Wait until Zou says `ready` or `broken` for each preview file (status per id is returned).

        With a `watch` on a live event stream, the `preview-file:update` event ends the wait at once, with
        no read (and a read only every `LIVE_RECHECK_S`, for an event lost); otherwise, or when the stream
        is not live, Zou is polled with back-off (`delays`)."""
        left = {pid for pid in preview_ids if pid}
        states: dict[str, str] = {}
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout if timeout is not None else None
        attempt = 0

        def record(pid: str, status: str) -> None:
            if states.get(pid) != status and on_state is not None:
                on_state(pid, status)
            states[pid] = status
            if status in ("ready", "broken"):
                left.discard(pid)

        def from_events() -> None:
            for pid in sorted(left):
                status = watch.final_status(pid) if watch is not None else None
                if status is not None:
                    assert watch is not None
                    watch.ended_by_event.add(pid)
                    record(pid, status)

        from_events()
        if left and watch is not None and watch.live:
            for pid in sorted(left):
                record(pid, "processing")
        while left:
            if watch is not None and watch.live:
                # Live: the event says when it ends; a read only now and then, in case one was lost.
                recheck = loop.time() + LIVE_RECHECK_S
                while left and watch.live and loop.time() < recheck and (end is None or loop.time() < end):
                    limit = min(recheck, end) if end is not None else recheck
                    await watch.changed(max(0.0, limit - loop.time()))
                    from_events()
                if not left or (end is not None and loop.time() >= end):
                    break
            for pid in sorted(left):
                preview = as_dict(await self.session.get(f"/data/preview-files/{pid}"), "a preview file")
                record(pid, str(preview.get("status") or "ready"))
            from_events()
            if not left or (end is not None and loop.time() >= end):
                break
            if watch is not None and watch.live:
                continue
            delay = delays[min(attempt, len(delays) - 1)]
            if watch is not None:  # not live now: poll, but an event (or the stream back) wakes us early
                await watch.changed(delay)
                from_events()
            else:
                await asyncio.sleep(delay)
            attempt += 1
        return states


def processing(preview: Mapping[str, Any]) -> bool:
    """Is Zou still making this preview file's versions (a movie being normalised)?"""
    return str(preview.get("status") or "ready") == "processing"


def publish_changes(task: Mapping[str, Any], state: PublishState) -> Changes:
    """One `Changes` for the whole publish: the task's status and thread, and the entity's thumbnail."""
    change = comment_posted(task, state.comment or {})
    if state.thumbnail_set and state.main_preview_id:
        entity_id = str((state.entity or {}).get("id") or task.get("entity_id") or "")
        kind = str(task.get("entity_kind") or "")
        fields = {"id": entity_id, "preview_file_id": state.main_preview_id}
        change = change | entity_saved(kind, fields, origin="publish")
    return Changes(entities=change.entities, tasks=change.tasks, threads=change.threads, origin="publish",
                   extra={"preview_ids": [state.preview_ids[i] for i in sorted(state.preview_ids)]})
