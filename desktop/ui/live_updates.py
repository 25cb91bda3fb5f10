"""Zou's event stream applied to what is shown: every event becomes a `Changes`, applied like a write.

`LiveUpdates` listens to one `EventStream` (`desktop.api.events`) for the browse session. Events of a
project that is not open are dropped at once (a string compare). The others are mapped to `Changes` and
batched: everything that arrives within one frame (`BATCH_MS`) is merged and applied once, so a burst of
a thousand events costs one model update, not a thousand. Events that carry only ids (an entity updated, a
task assigned) are completed by one read of that record, never by re-reading a list.

The app's own writes come back as events too: `OwnWrites` (desktop.api.events.echoes) recognises those
echoes, which are dropped, since the write's answer was applied already (no second read of the record).

After a gap (the stream was down), a manager catches up from Zou's event log (`catch_up`, `after=` the
last event seen); others, whom Zou refuses that log, re-read what is shown, revalidated by ETag
(`BrowseSession.revalidate`: 304s when nothing changed).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.api import changes
from desktop.api import errors as E
from desktop.api.changes import Changes, EntityUpdate, TaskUpdate
from desktop.api.events import (
    CastingUpdate,
    CatchUpRefused,
    CommentEvent,
    EntityEvent,
    EventStream,
    NotificationEvent,
    OwnWrites,
    PreviewFileEvent,
    ProjectEvent,
    StreamStatus,
    TaskAssignment,
    TaskEvent,
    TaskStatusChanged,
    ZouEvent,
    catch_up,
)
from desktop.ui.browse_session import BrowseSession

log = logging.getLogger(__name__)

BATCH_MS = 16  # events arriving within one frame are applied together
HOLD_MS = 50  # while an own write settles, held events are looked at again this often
# ...but never held longer than this: a long write (an upload) must not freeze what others change.
MAX_HOLD_S = 1.0


class LiveUpdates(QObject):
    status_changed = Signal(object)  # StreamStatus
    applied = Signal(object)  # the merged Changes of one batch (tests and the benchmark time the repaint)
    notification = Signal(object)  # NotificationEvent for this user: the inbox reads itself again

    def __init__(self, browse: BrowseSession, stream: EventStream, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.browse, self.stream = browse, stream
        self._pending: list[Changes] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self._flush)
        self.events_seen = 0
        self.events_ignored = 0  # another project's
        self.own = OwnWrites()
        self._held: list[tuple[float, ZouEvent]] = []  # (when) arrived while an own write was settling
        self._hold_timer = QTimer(self)
        self._hold_timer.setSingleShot(True)
        self._hold_timer.setInterval(HOLD_MS)
        self._hold_timer.timeout.connect(self._release_held)
        browse.changes_applied.connect(self._record_own)
        self._remove = [stream.add_listener(self.on_event), stream.add_status_listener(self._on_status),
                        self.own.attach(browse.session.http), self._stop_recording]

    async def start(self) -> None:
        await self.stream.start()

    async def stop(self) -> None:
        for remove in self._remove:
            remove()
        self._remove = []
        self._timer.stop()
        self._hold_timer.stop()
        self._held = []
        await self.stream.stop()

    # ------------------------------------------------------------ events
    def on_event(self, event: ZouEvent) -> None:
        self.events_seen += 1
        browse = self.browse
        if browse.closed:
            return
        if isinstance(event, NotificationEvent):
            if event.person_id in (None, browse.user.id):
                self.notification.emit(event)
            return
        if isinstance(event, TaskAssignment) and event.person_id == browse.user.id:
            browse.reload_my_tasks()  # my to-do changed, whatever the project
        project = browse.project
        if event.project_id and (project is None or event.project_id != project.id):
            self.events_ignored += 1
            return
        if self.own.settling():
            self._held.append((time.monotonic(), event))
            if not self._hold_timer.isActive():
                self._hold_timer.start()
            return
        self._apply_event(event)

    def _apply_event(self, event: ZouEvent) -> None:
        if self.own.is_echo(event, self.browse.user.id):
            return  # our own write, already applied from its answer
        change = self.changes_of(event)
        if change is not None:
            self._queue(self._signed(change, event))

    def _signed(self, change: Changes, event: ZouEvent) -> Changes:
        """Name the author where the event does (comments, status changes), for "changed by NAME"."""
        person_id = getattr(event, "person_id", None)
        person = self.browse.lookups.persons.get(person_id) if isinstance(person_id, str) else None
        if person is None or person.id == self.browse.user.id:
            return change
        return dataclasses.replace(change, extra={**change.extra, "by": person.full_name or person.email})

    def changes_of(self, event: ZouEvent) -> Changes | None:
        """What the event changed, when the event says it; None when a read must complete it first."""
        if isinstance(event, TaskStatusChanged):
            if not event.new_task_status_id:
                return None
            return Changes(tasks=(TaskUpdate(event.task_id, "", {"task_status_id": event.new_task_status_id}),),
                           origin="event")
        if isinstance(event, TaskAssignment):
            self._read_later(self._task_assignees(event.task_id))
            return None
        if isinstance(event, TaskEvent) and event.action == "delete":  # Zou names the entity and type
            entity_id = event.data.get("entity_id")
            return Changes(tasks_removed=(TaskUpdate(event.task_id, entity_id if isinstance(entity_id, str) else "",
                                                     {}),), origin="event")
        if isinstance(event, TaskEvent) and event.action == "new":
            self._read_later(self._task_added(event.task_id))
            return None
        if isinstance(event, TaskEvent):
            # A task updated (Zou sends one with every comment): the rows show none of what it may have
            # changed (statuses and assignees have their own events), the detail re-reads if it shows the
            # task. No read here: every seat reading the task would cost the server N reads per change.
            return Changes(tasks=(TaskUpdate(event.task_id, "", {}),), origin="event")
        if isinstance(event, CommentEvent):
            if not event.task_id:
                return None
            fields: dict[str, Any] = {"task_status_id": event.task_status_id} if event.task_status_id else {}
            return Changes(tasks=(TaskUpdate(event.task_id, "", fields),) if fields else (),
                           threads=frozenset({event.task_id}), origin="event")
        if isinstance(event, CastingUpdate):
            return Changes(casting=frozenset({event.entity_id, *event.added_asset_ids, *event.removed_asset_ids}),
                           origin="event")
        if isinstance(event, EntityEvent):
            return self._entity_changes(event)
        if isinstance(event, PreviewFileEvent):
            return Changes(threads=frozenset({event.task_id}), origin="event") if event.task_id else None
        if isinstance(event, ProjectEvent):
            return changes.unknown("event")  # statuses, task types or descriptors of the open project
        return None

    def _entity_changes(self, event: EntityEvent) -> Changes | None:
        kind = event.kind
        if kind in ("sequence", "episode"):  # names joined into the shot rows
            return Changes(lists=frozenset({"shot"}), origin="event") if event.action != "new" else None
        if kind not in ("shot", "asset"):
            return None
        if event.action in ("new", "delete"):
            return Changes(entities=(EntityUpdate(kind, event.entity_id, {"id": event.entity_id}),),
                           lists=frozenset({kind}), origin="event")
        self._read_later(self._entity(kind, event.entity_id))
        return None

    # ------------------------------------------------------------ reads that complete an event
    def _read_later(self, coro: Any) -> None:
        self.browse.runner.run(coro)

    async def _entity(self, kind: str, entity_id: str) -> None:
        client = self.browse.client
        try:
            entity = await (client.shot(entity_id) if kind == "shot" else client.asset(entity_id))
        except E.NotFound:
            self._queue(Changes(lists=frozenset({kind}), origin="event"))  # gone meanwhile
            return
        self._queue(changes.entity_saved(kind, entity, origin="event"))

    async def _task_assignees(self, task_id: str) -> None:
        task = await self.browse.client.task(task_id)
        self._queue(Changes(tasks=(TaskUpdate(task_id, str(task.get("entity_id") or ""),
                                              {"assignees": list(task.get("assignees") or [])}),),
                            origin="event"))

    async def _task_added(self, task_id: str) -> None:
        try:
            task = await self.browse.client.task(task_id)
        except E.NotFound:
            return  # deleted meanwhile: its task:delete follows
        entity_id = str(task.get("entity_id") or "")
        if entity_id:
            self._queue(Changes(tasks_added=(TaskUpdate(task_id, entity_id, dict(task)),), origin="event"))

    # ------------------------------------------------------------ own writes and their echoes
    def _record_own(self, change: Changes) -> None:
        """A change this session made (not an event's, not someone else's write seen while saving)."""
        if "event" in change.origin or change.origin == "concurrent" or change.everything:
            return
        self.own.record(change.task_ids() | change.entity_ids())

    @property
    def held(self) -> int:
        """Events waiting for an own write to settle (tests wait for none)."""
        return len(self._held)

    def _stop_recording(self) -> None:
        self.browse.changes_applied.disconnect(self._record_own)

    def _release_held(self) -> None:
        if self._held and self.own.settling() and time.monotonic() - self._held[0][0] < MAX_HOLD_S:
            self._hold_timer.start()
            return
        held, self._held = self._held, []
        if not self.browse.closed:
            for _when, event in held:
                self._apply_event(event)

    # ------------------------------------------------------------ batching
    def _queue(self, change: Changes) -> None:
        self._pending.append(change)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending or self.browse.closed:
            return
        merged = pending[0]
        for change in pending[1:]:
            merged = merged | change
        self.browse.apply(merged)
        self.applied.emit(merged)

    # ------------------------------------------------------------ connection state, catch-up
    def _on_status(self, status: StreamStatus) -> None:
        self.status_changed.emit(status)
        if status.resumed and status.catch_up_after is not None and not self.browse.closed:
            self.browse.runner.run(self.catch_up(status))

    async def catch_up(self, status: StreamStatus) -> None:
        """The stream was down: apply what was missed (managers), or re-read what is shown (others)."""
        browse = self.browse
        after = status.catch_up_after
        project = browse.project
        if after is None or project is None:
            return
        try:
            missed = await catch_up(browse.session, after, project_id=project.id)
        except CatchUpRefused:
            # An artist: Zou keeps its log for managers. Re-read what is on screen, conditionally (the lists
            # ask If-None-Match their ETag: a 304 when nothing changed), not the whole session.
            browse.revalidate()
            return
        if not missed.complete:
            browse.refresh()  # too much happened: reading again is cheaper than replaying
            return
        for event in missed.events:
            self.on_event(event)
