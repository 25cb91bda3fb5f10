"""This session's own writes, to recognise their echoes on Zou's event stream.

Zou broadcasts every event to every socket, the author's included: a status posted from Slate comes back
as `task:status-changed` and `comment:new` a few milliseconds later. The write's answer has already been
applied (`desktop.api.changes.Changes`), so acting on the echo would only read the same record again.
`OwnWrites` keeps, for a few seconds, the ids each own write changed; an event about one of them is an
echo unless it names another author (`person_id` of a comment or a status change).

Zou publishes an event while it handles the request, before it answers: the echo can arrive before the
write's answer, i.e. before the write is recorded. So the HTTP client's writes are watched as well
(`attach`): while one is in flight, and for `GRACE_S` after its answer, the caller holds events back and
asks again (`settling`). An idle seat never writes, so others' events are never held there.

What is given up: another person's write to the same record within `TTL_S` of ours, by an event that
names no author (an entity `update`), is taken for our echo. The editor's conflict check (`updated_at`,
desktop/api/editing) still reports such a write at the next save.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from desktop.api.events.types import (
    CommentEvent,
    EntityEvent,
    PreviewFileEvent,
    TaskEvent,
    TaskStatusChanged,
    ZouEvent,
)

TTL_S = 5.0  # an echo arrives within milliseconds; a few seconds covers a busy server
GRACE_S = 0.5  # after a write's answer: the caller applies it (and may read once) before echoes are judged
_STUCK_S = 120.0  # a write whose answer never came (connection cut): not in flight forever
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def event_targets(event: ZouEvent) -> set[str]:
    """The ids of the records an event is about (task, entity)."""
    ids: set[str] = set()
    if isinstance(event, TaskEvent):
        ids.add(event.task_id)
    elif isinstance(event, (CommentEvent, PreviewFileEvent)):
        if event.task_id:
            ids.add(event.task_id)
    elif isinstance(event, EntityEvent):
        ids.add(event.entity_id)
    return ids


def event_author(event: ZouEvent) -> str | None:
    """Who made the change, where Zou says it (comments and status changes; an assignment's person is the
    assignee, not the author)."""
    if isinstance(event, (CommentEvent, TaskStatusChanged)):
        return event.person_id
    return None


class OwnWrites:
    def __init__(self, *, ttl: float = TTL_S, grace: float = GRACE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.grace, self.clock = ttl, grace, clock
        self._written: dict[str, float] = {}  # id -> until when an event about it is taken for an echo
        self._in_flight: dict[int, float] = {}  # id(request) -> when it was sent
        self._last_answer = float("-inf")
        self.echoes = 0  # events recognised as echoes (tests and the benchmark read it)

    # ------------------------------------------------------------ the HTTP client's writes
    def attach(self, http: httpx.AsyncClient) -> Callable[[], None]:
        """Watch the client's write requests; returns the function that stops watching."""
        async def on_request(request: httpx.Request) -> None:
            if request.method in WRITE_METHODS:
                self._in_flight[id(request)] = self.clock()

        async def on_response(response: httpx.Response) -> None:
            if self._in_flight.pop(id(response.request), None) is not None:
                self._last_answer = self.clock()

        hooks: dict[str, list[Any]] = {k: list(v) for k, v in http.event_hooks.items()}
        hooks.setdefault("request", []).append(on_request)
        hooks.setdefault("response", []).append(on_response)
        http.event_hooks = hooks

        def detach() -> None:
            current: dict[str, list[Any]] = {k: list(v) for k, v in http.event_hooks.items()}
            for key, hook in (("request", on_request), ("response", on_response)):
                if hook in current.get(key, []):
                    current[key].remove(hook)
            http.event_hooks = current

        return detach

    def settling(self) -> bool:
        """A write of ours is in flight or was just answered: its echoes may be on their way."""
        now = self.clock()
        for key, sent in list(self._in_flight.items()):
            if now - sent > _STUCK_S:
                del self._in_flight[key]
        return bool(self._in_flight) or now - self._last_answer < self.grace

    # ------------------------------------------------------------ what the writes changed
    def record(self, ids: Iterable[str]) -> None:
        until = self.clock() + self.ttl
        for record_id in ids:
            if record_id:
                self._written[record_id] = until

    def is_echo(self, event: ZouEvent, user_id: str) -> bool:
        author = event_author(event)
        if author is not None and author != user_id:
            return False
        now = self.clock()
        for record_id, until in list(self._written.items()):
            if until < now:
                del self._written[record_id]
        if any(t in self._written for t in event_targets(event)):
            self.echoes += 1
            return True
        return False
