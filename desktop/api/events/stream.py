"""The live event stream: Zou's Socket.IO server (namespace `/events`), on python-socketio's asyncio client.

    stream = EventStream(session, stream_location(session.api_url, override))
    stream.add_listener(on_event)            # on_event(ZouEvent), called on the loop, in arrival order
    stream.add_status_listener(on_status)    # on_status(StreamStatus): connecting/live/reconnecting/offline
    await stream.start()                     # returns at once; the stream connects and reconnects by itself
    ...
    await stream.stop()

Contract with Zou (`zou/event_stream.py`): the access token is checked at connect only (Authorization
header or `{"token": ...}` in the auth payload: both are sent), and Zou 1.0.97 even lets a refused
handshake through; every event is then broadcast to every socket, with no rooms, so listeners filter on
`project_id`. A token that expires while connected does not close the socket. So the client keeps its own
side of the contract: before the first handshake after a drop (and whenever the token is about to expire,
or the server refused it), it asks the API through the session, which refreshes the token with its own
single-flight refresh, or reports that the session has ended (revoked elsewhere).

Reconnects use our own loop rather than python-socketio's, to renew the token between attempts and to
report the state: exponential back-off with jitter (a restarted server is not hit by every seat at once),
`reconnecting` during the first `offline_after` seconds of a gap, then `offline` while attempts go on at
the back-off's ceiling. A session that has ended (revoked or unrenewable token) stops the stream `offline`
with `session_ended`: signing in again and starting a new stream is the caller's move.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import socketio

from desktop.api import errors as E
from desktop.api.events.types import EventError, MalformedEvent, ZouEvent, parse_event, utc_now
from desktop.api.session import USER_AGENT, ZouSession, make_ssl_context

log = logging.getLogger(__name__)

NAMESPACE = "/events"
DEFAULT_SOCKETIO_PATH = "socket.io"
# Renew the access token before a handshake when it has less than this left (the session refreshes
# proactively under 60 s; a handshake must not start with a token about to die).
TOKEN_MARGIN_S = 60.0

EventListener = Callable[[ZouEvent], None]
StatusListener = Callable[["StreamStatus"], None]


class StreamState(enum.StrEnum):
    CONNECTING = "connecting"  # first connection in progress
    LIVE = "live"
    RECONNECTING = "reconnecting"  # connection lost, retrying (the first `offline_after` seconds of a gap)
    OFFLINE = "offline"  # stopped, session ended, or a long gap (still retrying unless stopped/ended)


@dataclass(frozen=True)
class StreamStatus:
    """What a status bar shows, and what a catch-up needs.

    `last_event_at`: when the last event arrived (client clock, UTC). `gap_started_at`: when the current
    (or, on the `live` status that ends it, the last) gap began; `resumed` is True on the `live` status
    that ends a gap: the moment to catch up (`catch_up(session, after=status.catch_up_after)`).
    """

    state: StreamState
    since: dt.datetime
    last_event_at: dt.datetime | None = None
    gap_started_at: dt.datetime | None = None
    attempt: int = 0
    error: str | None = None
    resumed: bool = False
    session_ended: bool = False
    retrying: bool = True  # False once stopped or the session ended

    @property
    def catch_up_after(self) -> dt.datetime | None:
        """The last moment known to be covered: the last event seen, else the start of the gap."""
        return self.last_event_at or self.gap_started_at


@dataclass(frozen=True)
class StreamLocation:
    """Where the Socket.IO server is: `url` (scheme + host [+ port]) and its `path` ("socket.io")."""

    url: str
    path: str = DEFAULT_SOCKETIO_PATH


def stream_location(api_url: str, override: str | None = None) -> StreamLocation:
    """Find the event stream from the server address: by default the same host as the API at
    `/socket.io` (how Kitsu's nginx serves it: `https://host/api` and `https://host/socket.io`).

    `override` (a setting, for a Zou whose stream listens on its own port or path) may be a site
    (`http://host:5001`) or a full Socket.IO endpoint (`https://host/custom/socket.io`)."""
    text = (override or "").strip()
    if text:
        if "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        path = parts.path.strip("/")
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        if path.endswith("socket.io"):
            return StreamLocation(base, path)
        return StreamLocation(base, f"{path}/{DEFAULT_SOCKETIO_PATH}" if path else DEFAULT_SOCKETIO_PATH)
    parts = urlsplit(api_url.rstrip("/"))
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    prefix = path.strip("/")
    return StreamLocation(urlunsplit((parts.scheme, parts.netloc, "", "", "")),
                          f"{prefix}/{DEFAULT_SOCKETIO_PATH}" if prefix else DEFAULT_SOCKETIO_PATH)


@dataclass(frozen=True)
class Backoff:
    """Delay before reconnect attempt n (1-based): initial * factor**(n-1), capped at `maximum`, times a
    random factor in [1 - jitter, 1 + jitter] (never above maximum * (1 + jitter))."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return max(0.0, base * spread)


class _Refused(Exception):
    """The server refused the handshake (Zou's reason in the message)."""


class _Once:
    """Log each distinct problem once per stream, so a flood of garbage costs one line."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.ignored = 0
        self.malformed = 0

    def __call__(self, key: str, level: int, message: str, *args: object) -> None:
        self.ignored += 1
        if level >= logging.WARNING:
            self.malformed += 1
        if key in self.seen or len(self.seen) > 1000:
            return
        self.seen.add(key)
        log.log(level, message, *args)


class EventStream:
    """One listener of Zou's event stream for one signed-in session. Qt-free; runs on the asyncio loop.

    Listeners are plain callables, called on the loop; one that raises is logged and the stream goes on.
    """

    def __init__(self, session: ZouSession, location: StreamLocation | str | None = None, *,
                 backoff: Backoff | None = None, offline_after: float = 30.0, ca_file: str | None = None,
                 transports: Sequence[str] | None = None, connect_timeout: float = 10.0,
                 token_margin: float = TOKEN_MARGIN_S, rng: random.Random | None = None) -> None:
        self.session = session
        if location is None or isinstance(location, str):
            location = stream_location(session.api_url, location)
        self.location = location
        self.backoff = backoff or Backoff()
        self.offline_after = offline_after
        self.ca_file = ca_file
        self.transports = list(transports) if transports else None
        self.connect_timeout = connect_timeout
        self.token_margin = token_margin
        self._rng = rng or random.Random()
        self._listeners: list[EventListener] = []
        self._status_listeners: list[StatusListener] = []
        self._status = StreamStatus(state=StreamState.OFFLINE, since=utc_now(), retrying=False)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._dropped = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._sio: Any = None
        self._once = _Once()
        self.events_received = 0
        self.connects = 0  # successful handshakes (observable in tests)

    # ------------------------------------------------------------ listeners
    def add_listener(self, listener: EventListener) -> Callable[[], None]:
        """Call `listener(event)` for every typed event; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Call `listener(status)` on every state change (and when the last-event time moves, at most
        once per second while live)."""
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener) if listener in self._status_listeners else None

    @property
    def status(self) -> StreamStatus:
        return self._status

    @property
    def state(self) -> StreamState:
        return self._status.state

    @property
    def last_event_at(self) -> dt.datetime | None:
        return self._status.last_event_at

    @property
    def ignored_events(self) -> int:
        """Events dropped as unknown or malformed (each distinct kind logged once)."""
        return self._once.ignored

    @property
    def malformed_events(self) -> int:
        """Events dropped because their payload is not what Zou sends (logged once each, as warnings);
        names of families Slate does not follow (Zou has many: news:*, person:*...) are logged at info."""
        return self._once.malformed

    @property
    def transport(self) -> str | None:
        """"websocket" once Engine.IO has upgraded (an idle seat then costs only pings), "polling" while
        long-polling, None when not connected."""
        sio = self._sio
        if sio is None or self.state is not StreamState.LIVE:
            return None
        try:
            return str(sio.transport())
        except Exception:
            return None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # ------------------------------------------------------------ start / stop
    async def start(self) -> None:
        """Start connecting in the background (idempotent). Watch the status for `live`."""
        if self.running:
            return
        self._stopping.clear()
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=make_ssl_context(self.ca_file)),
                headers={"User-Agent": USER_AGENT})
        self._set_status(StreamState.CONNECTING, attempt=0, error=None, resumed=False, retrying=True,
                         session_ended=False)
        self._task = asyncio.create_task(self._run(), name="zou-event-stream")

    async def stop(self) -> None:
        """Disconnect and stop reconnecting; the status ends `offline` with `retrying=False`."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close_socket()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._status.state is not StreamState.OFFLINE or self._status.retrying:
            self._set_status(StreamState.OFFLINE, retrying=False, resumed=False)

    async def wait_for(self, state: StreamState, timeout: float = 10.0) -> bool:
        """Wait until the stream reaches `state` (True), or `timeout` (False). For tests and scripts."""
        if self.state is state:
            return True
        reached = asyncio.Event()

        def check(status: StreamStatus) -> None:
            if status.state is state:
                reached.set()

        remove = self.add_status_listener(check)
        try:
            await asyncio.wait_for(reached.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            remove()

    async def reconnect(self) -> None:
        """Drop the connection now; the stream reconnects (with a renewed token if it needs one)."""
        self._dropped.set()
        await self._close_socket()

    # ------------------------------------------------------------ status
    def _set_status(self, state: StreamState, **changes: Any) -> None:
        old = self._status
        since = utc_now() if state is not old.state else old.since
        self._status = replace(old, state=state, since=since, **changes)
        self._notify_status()

    def _notify_status(self) -> None:
        for listener in list(self._status_listeners):
            try:
                listener(self._status)
            except Exception:
                log.exception("event stream status listener failed")

    # ------------------------------------------------------------ the loop
    async def _run(self) -> None:
        try:
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not leave a stream that says "reconnecting" for ever
            log.exception("event stream stopped by an unexpected error")
            self._set_status(StreamState.OFFLINE, error=f"unexpected error: {type(exc).__name__}", retrying=False,
                             resumed=False)
        if not self._stopping.is_set():  # ended by itself (session ended): release the connection pool
            await self._close_socket()
            if self._http is not None:
                await self._http.close()
                self._http = None

    async def _loop(self) -> None:
        attempt = 0
        error: str | None = None
        gap_started: dt.datetime | None = None
        renew = False
        while not self._stopping.is_set():
            try:
                token = await self._token(force_check=renew)
                renew = False
            except E.SessionExpired as exc:
                self._end_session(str(exc))
                return
            except E.ZouError as exc:
                token, error = None, f"the server could not renew the session: {exc}"
            if token is not None:
                try:
                    await self._connect(token)
                except _Refused as exc:
                    reason = str(exc)
                    error = f"the event server refused the connection: {reason}"
                    # An expired token: renew before the next handshake. Revoked, unknown account, inactive:
                    # the renewal check asks the API, which ends the session if it has ended.
                    renew = True
                    log.info("event stream refused: %s", reason)
                except (socketio.exceptions.ConnectionError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                    error = f"cannot reach the event server: {exc or type(exc).__name__}"
                except Exception as exc:  # a library error on a strange answer: retry like a network failure
                    error = f"the event server's answer could not be used: {type(exc).__name__}: {exc}"
                    log.warning("event stream connect failed: %s", error)
                else:
                    renew = False
                    resumed = gap_started is not None
                    attempt = 0
                    self.connects += 1
                    self._set_status(StreamState.LIVE, attempt=0, error=None, resumed=resumed,
                                     gap_started_at=gap_started)
                    gap_started = None
                    log.info("event stream live at %s/%s", self.location.url, self.location.path)
                    await self._wait_dropped()
                    await self._close_socket()
                    if self._stopping.is_set():
                        return
                    gap_started = utc_now()
                    error = "connection to the event server lost"
                    renew = True  # a reconnect first asks the API whether the session still holds
                    self._set_status(StreamState.RECONNECTING, gap_started_at=gap_started, resumed=False,
                                     attempt=0, error=error)
                    log.info("event stream connection lost; reconnecting")
            attempt += 1
            if gap_started is None:
                # Never connected yet: "connecting" for the first attempts, then "offline" (still retrying).
                state = StreamState.CONNECTING if attempt <= 3 else StreamState.OFFLINE
            else:
                long_gap = (utc_now() - gap_started).total_seconds() >= self.offline_after
                state = StreamState.OFFLINE if long_gap else StreamState.RECONNECTING
            self._set_status(state, attempt=attempt, error=error, resumed=False)
            delay = self.backoff.delay(attempt, self._rng)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    def _end_session(self, reason: str) -> None:
        log.info("event stream stopped: the session has ended")
        self._set_status(StreamState.OFFLINE, error=reason, session_ended=True, retrying=False, resumed=False)

    async def _token(self, *, force_check: bool) -> str | None:
        """The access token for the next handshake. With `force_check` (the first attempt after a drop,
        or after a refusal) or when the token is about to expire, `GET /auth/authenticated` asks the API
        first: it goes through the session's own refresh (early under its margin, or on Zou's "Signature
        has expired"), and raises SessionExpired for a revoked session. Zou 1.0.97's stream accepts a
        handshake with a bad token (its refusal is swallowed), so this check is the client's own duty."""
        tokens = self.session.tokens
        if tokens is None:
            raise E.SessionExpired("You are not signed in.")
        left = tokens.access_expires_in()
        if force_check or (left is not None and left < self.token_margin):
            await self.session.get("/auth/authenticated")
            tokens = self.session.tokens
            if tokens is None:
                raise E.SessionExpired("Your session has expired. Please sign in again.")
        return tokens.access

    async def _connect(self, token: str) -> None:
        sio = socketio.AsyncClient(reconnection=False, logger=False, engineio_logger=False, handle_sigint=False,
                                   http_session=self._http, request_timeout=self.connect_timeout)
        refused: list[str] = []
        self._dropped.clear()

        async def on_connect_error(data: Any = None) -> None:
            message = data.get("message") if isinstance(data, dict) else data
            refused.append(str(message or "refused"))

        async def on_disconnect(*_reason: Any) -> None:
            self._dropped.set()

        async def on_any(event: Any, *args: Any) -> None:
            self._receive(event, args[0] if args else None, len(args))

        sio.on("connect_error", on_connect_error, namespace=NAMESPACE)
        sio.on("disconnect", on_disconnect, namespace=NAMESPACE)
        sio.on("*", on_any, namespace=NAMESPACE)
        headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        self._sio = sio
        try:
            await asyncio.wait_for(
                sio.connect(self.location.url, headers=headers, auth={"token": token}, namespaces=[NAMESPACE],
                            socketio_path=self.location.path, transports=self.transports,
                            wait_timeout=self.connect_timeout),
                self.connect_timeout + 5)
        except BaseException as exc:
            await self._close_socket()
            if refused and not isinstance(exc, asyncio.CancelledError):
                raise _Refused(refused[-1]) from exc
            raise
        if refused:
            await self._close_socket()
            raise _Refused(refused[-1])

    async def _wait_dropped(self) -> None:
        stop = asyncio.ensure_future(self._stopping.wait())
        drop = asyncio.ensure_future(self._dropped.wait())
        try:
            await asyncio.wait({stop, drop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            drop.cancel()

    async def _close_socket(self) -> None:
        sio, self._sio = self._sio, None
        if sio is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sio.disconnect(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sio.shutdown(), 5)

    # ------------------------------------------------------------ events
    def _receive(self, name: Any, data: Any, nargs: int) -> None:
        try:
            if nargs > 1:
                raise MalformedEvent(str(name)[:80], f"{nargs} arguments instead of one payload")
            event = parse_event(name, data)
        except EventError as exc:
            level = logging.WARNING if isinstance(exc, MalformedEvent) else logging.INFO
            self._once(f"{type(exc).__name__}:{exc.name}:{exc.reason}", level, "event stream: ignored %s (%s)",
                       exc.name, exc.reason)
            return
        except Exception as exc:  # anything else a hostile payload could trigger
            self._once(f"error:{str(name)[:80]}", logging.WARNING, "event stream: ignored %r (%s)",
                       str(name)[:80], type(exc).__name__)
            return
        self.events_received += 1
        previous = self._status.last_event_at
        self._status = replace(self._status, last_event_at=event.received_at)
        if previous is None or (event.received_at - previous).total_seconds() >= 1.0:
            self._notify_status()
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s", event.name)
