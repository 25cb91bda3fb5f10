"""Zou's live events against the real server and its real event stream (no mocked socket).

Two real sessions in each test: one writes through the API, the other's `EventStream` receives the typed
events. Both server layouts are covered: the API under /api and the stream at /socket.io on one host (the
local front door, as a studio's nginx serves Kitsu), and the two on separate ports (a bare Zou).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from desktop.api import SignedIn, Tokens, ZouSession
from desktop.api.events import (
    Backoff,
    CastingUpdate,
    CatchUpRefused,
    CommentEvent,
    EntityEvent,
    EventStream,
    MalformedEvent,
    NotificationEvent,
    StreamLocation,
    StreamState,
    StreamStatus,
    TaskAssignment,
    TaskEvent,
    TaskStatusChanged,
    UnknownEvent,
    ZouEvent,
    catch_up,
    parse_event,
    stream_location,
)
from desktop.api.notifications import NotificationsClient
from desktop.localzou import LocalZou
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, forge_token, unique

WAIT_S = 15.0


class Recorder:
    """Collects a stream's events and statuses; `wait` resolves when a matching event has arrived."""

    def __init__(self, stream: EventStream) -> None:
        self.events: list[ZouEvent] = []
        self.statuses: list[StreamStatus] = []
        self._changed = asyncio.Event()
        stream.add_listener(self._on_event)
        stream.add_status_listener(self._on_status)

    def _on_event(self, event: ZouEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def _on_status(self, status: StreamStatus) -> None:
        self.statuses.append(status)
        self._changed.set()

    async def wait(self, match: Callable[[ZouEvent], bool], timeout: float = WAIT_S) -> ZouEvent:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.events:
                if match(event):
                    return event
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                names = [e.name for e in self.events][-20:]
                raise AssertionError(f"no matching event within {timeout:.0f} s; last received: {names}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> SeededProject:
    return seed_small_project(zou_admin, with_preview=False)


@pytest.fixture(scope="module")
def manager(zou_admin: ZouAdmin, seeded: SeededProject) -> TestUser:
    user = zou_admin.create_user("manager", first_name="Mia")
    zou_admin.post(f"/data/projects/{seeded.id}/team", {"person_id": user.id})
    return user


@pytest.fixture
async def sign_in(zou_server: LocalZou) -> AsyncIterator[Callable[..., Any]]:
    sessions: list[ZouSession] = []

    async def go(user: TestUser, url: str | None = None) -> ZouSession:
        session = ZouSession(url or zou_server.url)
        sessions.append(session)
        outcome = await session.sign_in(user.email, user.password)
        assert isinstance(outcome, SignedIn), outcome
        return session

    yield go
    for s in sessions:
        await s.aclose()


@pytest.fixture
async def streams() -> AsyncIterator[list[EventStream]]:
    made: list[EventStream] = []
    yield made
    for stream in made:
        await stream.stop()


@pytest.fixture
def event_server(zou_server: LocalZou) -> Iterator[LocalZou]:
    """The shared server; whatever a test does to its event stream, it is running again afterwards."""
    yield zou_server
    if not _listening(zou_server.events_port):
        zou_server.start_event_stream()


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


FAST = Backoff(initial=0.2, factor=2.0, maximum=1.0, jitter=0.5)


def _stream(session: ZouSession, streams: list[EventStream], location: StreamLocation | str | None = None,
            **kw: Any) -> EventStream:
    stream = EventStream(session, location, backoff=FAST, **kw)
    streams.append(stream)
    return stream


async def _comment(session: ZouSession, task_id: str, status_id: str, text: str) -> dict[str, Any]:
    return dict(await session.post(f"/actions/tasks/{task_id}/comment",
                                   json={"task_status_id": status_id, "comment": text}))


# ------------------------------------------------------------------------------------------- pure parts
def test_stream_location_from_what_the_user_typed() -> None:
    assert stream_location("https://kitsu.studio.com/api") == StreamLocation("https://kitsu.studio.com", "socket.io")
    assert stream_location("http://127.0.0.1:5000") == StreamLocation("http://127.0.0.1:5000", "socket.io")
    assert stream_location("https://host/kitsu/api/") == StreamLocation("https://host", "kitsu/socket.io")
    # Overrides: a site on its own port, a full endpoint, a bare host.
    assert stream_location("https://h/api", "http://127.0.0.1:5001") == StreamLocation("http://127.0.0.1:5001",
                                                                                        "socket.io")
    assert stream_location("https://h/api", "https://ev.h/rt/socket.io/") == StreamLocation("https://ev.h",
                                                                                           "rt/socket.io")
    assert stream_location("https://h/api", "events.h") == StreamLocation("https://events.h", "socket.io")


def test_backoff_grows_to_a_ceiling_with_jitter() -> None:
    backoff = Backoff(initial=0.5, factor=2.0, maximum=30.0, jitter=0.5)
    rng = random.Random(7)
    delays = [[backoff.delay(n, rng) for _ in range(200)] for n in (1, 2, 3, 10, 50)]
    assert all(0.25 <= d <= 0.75 for d in delays[0])
    assert all(0.5 <= d <= 1.5 for d in delays[1])
    assert all(15.0 <= d <= 45.0 for d in delays[3] + delays[4])  # capped at 30 s, +-50%
    assert len({round(d, 3) for d in delays[3]}) > 100  # spread: seats do not reconnect in step


def test_typed_events_and_what_is_refused() -> None:
    e = parse_event("task:status-changed", {"task_id": "t", "new_task_status_id": "n",
                                            "previous_task_status_id": "p", "person_id": "u", "project_id": "P"})
    assert isinstance(e, TaskStatusChanged) and (e.task_id, e.new_task_status_id, e.project_id) == ("t", "n", "P")
    a = parse_event("task:unassign", {"task_id": "t", "person_id": "u"})
    assert isinstance(a, TaskAssignment) and not a.assigned and a.project_id is None
    c = parse_event("shot:casting-update", {"shot_id": "s", "added_asset_ids": ["a"], "removed_asset_ids": [],
                                            "nb_entities_out": 2})
    assert isinstance(c, CastingUpdate) and c.kind == "shot" and c.added_asset_ids == ("a",)
    assert isinstance(parse_event("sequence:new", {"sequence_id": "q"}), EntityEvent)
    with pytest.raises(UnknownEvent):
        parse_event("person:update", {"person_id": "x"})
    with pytest.raises(UnknownEvent):
        parse_event(42, {})
    with pytest.raises(MalformedEvent):
        parse_event("task:update", "not an object")
    with pytest.raises(MalformedEvent):
        parse_event("comment:new", {"task_id": "t"})  # no comment_id
    with pytest.raises(MalformedEvent):
        parse_event("shot:update", {"shot_id": 12})


# ------------------------------------------------------------------------------------------- live
@pytest.mark.parametrize("layout", ["one-host", "separate-ports"])
async def test_writes_of_one_session_reach_the_other_as_typed_events(
        layout: str, zou_server: LocalZou, seeded: SeededProject, manager: TestUser,
        sign_in: Callable[..., Any], streams: list[EventStream]) -> None:
    if layout == "one-host":
        # The user typed the site's address: the API is found under /api, the stream at /socket.io.
        listener = await sign_in(seeded.artist, zou_server.site_api_url)
        stream = _stream(listener, streams)
        assert stream.location == StreamLocation(zou_server.site_url, "socket.io")
    else:
        listener = await sign_in(seeded.artist)
        stream = _stream(listener, streams, zou_server.events_url)
    writer = await sign_in(manager)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE), stream.status
    live = stream.status
    assert live.error is None and not live.resumed

    # A status change through a comment: task:status-changed, then comment:new.
    # Each layout changes its own rows (the module's project is shared): a status change must change.
    one_host = layout == "one-host"
    task_id = seeded.tasks[("SQ01/SH030" if one_host else "SQ02/SH020", "Layout")]
    wip = seeded.statuses["wip" if one_host else "retake"]["id"]
    comment = await _comment(writer, task_id, wip, unique("live"))
    changed = await got.wait(lambda e: isinstance(e, TaskStatusChanged) and e.task_id == task_id)
    assert isinstance(changed, TaskStatusChanged)
    assert changed.new_task_status_id == wip and changed.project_id == seeded.id and changed.live
    new_comment = await got.wait(lambda e: isinstance(e, CommentEvent) and e.action == "new"
                                 and e.comment_id == comment["id"])
    assert isinstance(new_comment, CommentEvent) and new_comment.task_id == task_id

    # A new shot: shot:new with the shot's id.
    shot = await writer.post(f"/data/projects/{seeded.id}/shots",
                             json={"name": unique("SH"), "sequence_id": seeded.sequences["SQ02"]})
    created = await got.wait(lambda e: isinstance(e, EntityEvent) and e.name == "shot:new")
    assert isinstance(created, EntityEvent) and created.entity_id == shot["id"] and created.kind == "shot"

    # Casting: shot:casting-update with the diff.
    shot_id = seeded.shots["SQ01/SH020" if one_host else "SQ01/SH030"]
    await writer.put(f"/data/projects/{seeded.id}/entities/{shot_id}/casting",
                     json=[{"asset_id": seeded.assets["Villain"], "nb_occurences": 1}])
    cast = await got.wait(lambda e: isinstance(e, CastingUpdate) and e.entity_id == shot_id)
    assert isinstance(cast, CastingUpdate) and seeded.assets["Villain"] in cast.added_asset_ids

    # Assignment: task:assign names the person.
    await writer.put(f"/actions/tasks/{task_id}/assign", json={"person_id": seeded.artist.id})
    assigned = await got.wait(lambda e: isinstance(e, TaskAssignment) and e.task_id == task_id)
    assert isinstance(assigned, TaskAssignment) and assigned.assigned and assigned.person_id == seeded.artist.id
    await got.wait(lambda e: type(e) is TaskEvent and e.action == "update" and e.task_id == task_id)
    assert stream.last_event_at is not None and stream.last_event_at >= live.since
    assert stream.connects == 1 and stream.malformed_events == 0
    assert stream.transport == "websocket"  # upgraded from polling, also through the front door


async def test_reconnects_after_the_event_server_is_killed_and_a_manager_misses_nothing(
        event_server: LocalZou, seeded: SeededProject, manager: TestUser, sign_in: Callable[..., Any],
        streams: list[EventStream]) -> None:
    listener = await sign_in(manager)
    writer = await sign_in(manager)
    stream = _stream(listener, streams, event_server.events_url)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)
    task_id = seeded.tasks[("SQ02/SH010", "Animation")]
    first = await _comment(writer, task_id, seeded.statuses["wip"]["id"], unique("before"))
    await got.wait(lambda e: isinstance(e, CommentEvent) and e.comment_id == first["id"])

    event_server.stop_event_stream(kill=True)  # a crash: no goodbye on the socket
    assert await stream.wait_for(StreamState.RECONNECTING), stream.status
    gap = stream.status
    assert gap.gap_started_at is not None and gap.error
    # Written while the stream is down: no socket can tell anyone.
    missed = await _comment(writer, task_id, seeded.statuses["retake"]["id"], unique("missed"))
    await asyncio.sleep(1.5)  # a few failed attempts, backing off
    assert stream.state in (StreamState.RECONNECTING, StreamState.OFFLINE) and stream.status.attempt >= 1

    event_server.start_event_stream()
    assert await stream.wait_for(StreamState.LIVE, timeout=30), stream.status
    resumed = stream.status
    assert resumed.resumed and resumed.gap_started_at == gap.gap_started_at and stream.connects == 2
    # Live again: the next write arrives.
    after = await _comment(writer, task_id, seeded.statuses["wip"]["id"], unique("after"))
    await got.wait(lambda e: isinstance(e, CommentEvent) and e.comment_id == after["id"])
    assert not any(isinstance(e, CommentEvent) and e.comment_id == missed["id"] for e in got.events)

    # The manager catches up over the event log from the last moment covered: the missed write is there.
    assert resumed.catch_up_after is not None
    caught = await catch_up(listener, resumed.catch_up_after, project_id=seeded.id)
    assert caught.complete and caught.newest is not None
    names = [(e.name, e.data.get("comment_id")) for e in caught.events]
    assert ("comment:new", missed["id"]) in names
    status_change = next(e for e in caught.events if isinstance(e, TaskStatusChanged)
                         and e.new_task_status_id == seeded.statuses["retake"]["id"])
    assert not status_change.live and status_change.event_id and status_change.created_at is not None
    times = [e.created_at for e in caught.events if e.created_at is not None]
    assert times == sorted(times)  # oldest first


async def test_catch_up_pages_through_the_log(seeded: SeededProject, manager: TestUser,
                                              sign_in: Callable[..., Any]) -> None:
    session = await sign_in(manager)
    start = dt.datetime.now(dt.UTC)
    task_id = seeded.tasks[("SQ01/SH010", "Layout")]
    mine = [(await _comment(session, task_id, seeded.statuses["wip" if i % 2 else "done"]["id"], unique("page")))["id"]
            for i in range(4)]
    whole = await catch_up(session, start, project_id=seeded.id)
    paged = await catch_up(session, start, project_id=seeded.id, page_limit=3)
    # (Zou's log keeps seconds: comments posted within one second come in no defined order.)
    assert set(mine) <= {e.data.get("comment_id") for e in whole.events if e.name == "comment:new"}
    assert sum(isinstance(e, TaskStatusChanged) and e.task_id == task_id for e in whole.events) >= 3
    # Pages of 3 give the same events (the log has one-second precision: ties may come in any order).
    assert sorted(str(e.event_id) for e in paged.events) == sorted(str(e.event_id) for e in whole.events)
    capped = await catch_up(session, start, project_id=seeded.id, page_limit=2, max_events=4)
    assert not capped.complete


async def test_an_artist_is_refused_the_catch_up_with_a_typed_error(
        seeded: SeededProject, sign_in: Callable[..., Any]) -> None:
    artist = await sign_in(seeded.artist)
    with pytest.raises(CatchUpRefused) as info:
        await catch_up(artist, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5), project_id=seeded.id)
    assert info.value.status == 403 and "managers" in str(info.value)


async def test_garbage_and_unknown_events_are_logged_once_and_ignored(
        zou_server: LocalZou, seeded: SeededProject, sign_in: Callable[..., Any], streams: list[EventStream],
        caplog: pytest.LogCaptureFixture) -> None:
    listener = await sign_in(seeded.artist)
    stream = _stream(listener, streams, zou_server.events_url)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)
    marker = unique("task")
    garbage: list[tuple[str, Any]] = [
        *[("person:update", {"person_id": "x"})] * 20,  # a family Slate does not follow
        *[("no-colon-at-all", {"a": 1})] * 20,
        ("task:update", "a string, not an object"),
        ("task:update", {"no": "task id"}),
        ("shot:update", {"shot_id": 12}),
        ("comment:new", None),
        ("task:update", {"task_id": marker}),  # then a good one: the stream still works
    ]
    with caplog.at_level(logging.INFO, logger="desktop.api.events.stream"):
        await asyncio.to_thread(zou_server.publish_events, garbage)
        good = await got.wait(lambda e: isinstance(e, TaskEvent) and e.task_id == marker)
    assert good.name == "task:update" and len(got.events) == 1
    assert stream.ignored_events == len(garbage) - 1 and stream.malformed_events == 4
    sent = {name for name, _ in garbage}
    lines = [r.getMessage() for r in caplog.records
             if "ignored" in r.getMessage() and r.getMessage().split()[3] in sent]
    assert len(lines) == 6, lines  # one line per distinct problem, not one per event
    assert sum(r.levelno == logging.WARNING for r in caplog.records if "ignored" in r.getMessage()) == 4
    assert stream.state is StreamState.LIVE


async def test_a_token_that_expires_while_connected_is_renewed_before_the_reconnect(
        event_server: LocalZou, seeded: SeededProject, manager: TestUser, sign_in: Callable[..., Any],
        streams: list[EventStream]) -> None:
    listener = await sign_in(seeded.artist)
    writer = await sign_in(manager)
    real = listener.tokens
    assert real is not None and real.refresh
    # An access token that dies 4 s from now, with the real refresh token beside it.
    short = forge_token(event_server.secret_key, seeded.artist.id, expires_in=dt.timedelta(seconds=4))
    listener.set_tokens(Tokens(access=short, refresh=real.refresh))
    stream = _stream(listener, streams, event_server.events_url, token_margin=1.0)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)
    await asyncio.sleep(5)  # expired now; Zou checks the token at connect only, so events keep coming
    task_id = seeded.tasks[("SQ01/SH020", "Layout")]
    c1 = await _comment(writer, task_id, seeded.statuses["wip"]["id"], unique("expired"))
    await got.wait(lambda e: isinstance(e, CommentEvent) and e.comment_id == c1["id"])
    assert listener.refresh_count == 0

    event_server.stop_event_stream(kill=True)
    assert await stream.wait_for(StreamState.RECONNECTING)
    event_server.start_event_stream()
    assert await stream.wait_for(StreamState.LIVE, timeout=30), stream.status
    # The handshake used a renewed token: one refresh through the session, never a refusal.
    assert listener.refresh_count == 1 and listener.tokens is not None and listener.tokens.access != short
    assert not any(s.error and "refused" in s.error for s in got.statuses)
    c2 = await _comment(writer, task_id, seeded.statuses["done"]["id"], unique("renewed"))
    await got.wait(lambda e: isinstance(e, CommentEvent) and e.comment_id == c2["id"])


async def test_a_session_revoked_elsewhere_stops_the_stream_offline_at_the_reconnect(
        zou_server: LocalZou, seeded: SeededProject, sign_in: Callable[..., Any],
        streams: list[EventStream]) -> None:
    listener = await sign_in(seeded.artist)
    stream = _stream(listener, streams, zou_server.events_url)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)
    # Signing out elsewhere revokes both tokens. Zou's stream would still accept them at a handshake, so
    # the stream asks the API before it reconnects, learns the session ended, and stops instead of
    # retrying for ever.
    other = ZouSession(zou_server.url, tokens=listener.tokens)
    try:
        assert await other.sign_out()
    finally:
        await other.aclose()
    await stream.reconnect()
    assert await stream.wait_for(StreamState.OFFLINE, timeout=30), stream.status
    for _ in range(50):
        if not stream.running:
            break
        await asyncio.sleep(0.1)
    final = stream.status
    assert final.session_ended and not final.retrying and not stream.running and stream.connects == 1
    assert [s.state for s in got.statuses if s.session_ended] == [StreamState.OFFLINE]


async def test_notifications_arrive_live_and_are_marked_read(
        zou_server: LocalZou, zou_admin: ZouAdmin, seeded: SeededProject, manager: TestUser,
        sign_in: Callable[..., Any], streams: list[EventStream]) -> None:
    artist = zou_admin.create_user("user", first_name="Noa")
    zou_admin.post(f"/data/projects/{seeded.id}/team", {"person_id": artist.id})
    task_id = seeded.tasks[("Sword", "Shading")]
    zou_admin.put(f"/actions/tasks/{task_id}/assign", {"person_id": artist.id})
    listener = await sign_in(artist)
    writer = await sign_in(manager)
    inbox = NotificationsClient(listener)
    before = await inbox.list()
    assert [n.notification_type for n in before] == ["assignation"]  # the assignment above notified Noa
    assert before[0].is_assignment and before[0].task_id == task_id
    await inbox.mark_all_read()
    assert await inbox.unread_count() == 0
    stream = _stream(listener, streams, zou_server.events_url)
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)

    first = await _comment(writer, task_id, seeded.statuses["wip"]["id"], unique("please look"))
    note = await got.wait(lambda e: isinstance(e, NotificationEvent) and e.action == "new"
                          and e.person_id == artist.id)
    assert isinstance(note, NotificationEvent) and note.notification_id
    listed = await inbox.list()
    assert [n.id for n in listed][:1] == [note.notification_id] and len(listed) == 2  # newest first
    entry = listed[0]
    assert not entry.read and entry.comment_id == first["id"] and entry.task_id == task_id
    assert entry.notification_type == "comment" and entry.project_id == seeded.id and entry.author_id == manager.id
    assert (await inbox.get(entry.id)).id == entry.id

    await inbox.mark_read(entry.id)
    await got.wait(lambda e: e.name == "notification:read" and e.data.get("notification_id") == entry.id)
    assert (await inbox.list())[0].read and await inbox.unread_count() == 0
    await inbox.mark_read(entry.id, read=False)
    assert await inbox.unread_count() == 1

    await _comment(writer, task_id, seeded.statuses["retake"]["id"], unique("again"))
    await got.wait(lambda e: isinstance(e, NotificationEvent) and e.action == "new"
                   and e.notification_id != entry.id)
    assert await inbox.unread_count() == 2
    await inbox.mark_all_read()
    assert await inbox.unread_count() == 0 and len(await inbox.list(read=True)) == 3
    await got.wait(lambda e: e.name == "notification:all-read")


async def test_a_flood_of_events_arrives_complete_and_in_order(
        zou_server: LocalZou, seeded: SeededProject, sign_in: Callable[..., Any],
        streams: list[EventStream]) -> None:
    listener = await sign_in(seeded.artist)
    stream = _stream(listener, streams, zou_server.site_url)  # through the one-host front door
    got = Recorder(stream)
    await stream.start()
    assert await stream.wait_for(StreamState.LIVE)
    tag = unique("flood")
    flood = [("task:update", {"task_id": f"{tag}-{i:04d}", "project_id": seeded.id}) for i in range(2000)]
    await asyncio.to_thread(zou_server.publish_events, flood)
    await got.wait(lambda e: isinstance(e, TaskEvent) and e.task_id == f"{tag}-1999", timeout=60)
    ids = [e.task_id for e in got.events if isinstance(e, TaskEvent) and e.task_id.startswith(tag)]
    assert ids == [f"{tag}-{i:04d}" for i in range(2000)]
    assert stream.state is StreamState.LIVE and stream.malformed_events == 0


def test_zou_times_are_naive_utc_seconds() -> None:
    from desktop.api.events.catchup import parse_zou_time, zou_time

    paris = dt.timezone(dt.timedelta(hours=1))
    assert zou_time(dt.datetime(2026, 1, 2, 11, 30, 5, 999, tzinfo=paris)) == "2026-01-02T10:30:05"
    assert parse_zou_time("2026-01-02T10:30:05") == dt.datetime(2026, 1, 2, 10, 30, 5, tzinfo=dt.UTC)
    assert parse_zou_time("garbage") is None and parse_zou_time(None) is None


async def test_no_stream_at_the_address_is_reported_offline_and_retried(
        zou_server: LocalZou, seeded: SeededProject, sign_in: Callable[..., Any],
        streams: list[EventStream]) -> None:
    # A bare Zou typed as the server, without the override: the default place (same host, /socket.io) is
    # the API's port, which has no stream. The status says so; attempts go on at the back-off's pace.
    listener = await sign_in(seeded.artist)
    stream = _stream(listener, streams)
    assert stream.location == StreamLocation(zou_server.url, "socket.io")
    await stream.start()
    assert await stream.wait_for(StreamState.OFFLINE, timeout=30), stream.status
    status = stream.status
    assert status.retrying and not status.session_ended and status.attempt > 3 and status.error
    assert "event server" in status.error and stream.connects == 0
    await stream.stop()
    assert not stream.status.retrying and not stream.running
