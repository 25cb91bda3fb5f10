"""Reads through the disk cache: what was seen before is shown at once, then revalidated with the server.

* **Lists** (`read_list`, or `iter_with_tasks` for both steps in one): a shots or assets list seen before
  is yielded from the disk first, in chunks; once the caller has shown the rows (the pane is populated),
  the server is asked `If-None-Match` the stored ETag, in the background. A 304 (no body) confirms the
  rows; a 200 gives the new complete table once (the cached rows stay on screen until then) and stores
  it. The key is the full URL with its query: Zou 1.0.97 gives a project's shots and assets lists the same ETag, so an
  ETag is never a key, and the stored kind is checked when read back.
* **JSON answers** (`get`: the user context, my tasks, an entity's detail, comment threads, casting): the
  server first, stored on success; when the server cannot be reached, the stored answer instead.
* **Reachability**: any read that cannot reach the server (connection refused or cut, timeout, a gateway's
  502/503/504) puts the cache offline: reads are then served from the disk without trying the network,
  until `Reachability.succeeded` (the UI's back-off probe) says the server answers again.

Live events do not rewrite cached copies. A list's copy is revalidated by its ETag at every open, and
Zou's ETag changes with anything an event reports; what an event names (a thread, an entity) is dropped
from the cache (`forget`), so an offline view never shows a copy known to be outdated as current.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import platformdirs

from desktop import APP_NAME, ORG_NAME
from desktop.api import errors as E
from desktop.api.cache.store import CacheCorrupt, CacheStore, database_path
from desktop.api.records import WithTasksTable
from desktop.api.session import ZouSession

if TYPE_CHECKING:
    from desktop.api.client import ZouClient

log = logging.getLogger(__name__)

GATEWAY_DOWN = frozenset({502, 503, 504})
# One plain Python thread writes to the disk: writes keep their order (a store, then a drop), and it is not
# the loop's default executor, which under qasync is made of QThreads that Qt reports alive at exit.
_WRITER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="slate-cache")

StateListener = Callable[["Reachability"], None]


def default_root() -> Path:
    """The per-user cache folder (platformdirs), beside the thumbnails."""
    return Path(platformdirs.user_cache_dir(APP_NAME, ORG_NAME)) / "data"


def is_unreachable(exc: BaseException) -> bool:
    """The server could not be reached (or a gateway says it is down): not a refusal, not a bug."""
    if isinstance(exc, E.NetworkError) and not isinstance(exc, E.TLSError):
        return True
    status = getattr(exc, "status", None)
    return isinstance(exc, E.ProtocolError | E.ServerError) and status in GATEWAY_DOWN


def _decoded_without_gc(chunks: Iterator[list[list[Any]]]) -> Iterator[list[list[Any]]]:
    """Each chunk decoded with the cyclic GC paused, its rows then frozen out of the GC's scans.

    Decoding 10,000 rows makes a few hundred thousand containers in a few tens of ms: the allocations
    trigger collections that rescan everything decoded so far (measured: ~220 ms of a 0.8 s offline open,
    more than the decoding itself). The rows live as long as the project is open and hold no cycles
    (lists of strings, numbers and lists), so they need no scanning: `BrowseSession` freezes streamed rows
    for the same reason. `gc.freeze()` also resets the allocation count the decoding ran up."""
    while True:
        enabled, rows = gc.isenabled(), None
        gc.disable()
        try:
            rows = next(chunks, None)
        finally:
            if rows is not None:
                gc.freeze()
            if enabled:
                gc.enable()
        if rows is None:
            return
        yield rows


class Offline(E.NetworkError):
    """The server cannot be reached and what was asked for is not in the cache."""


class Reachability:
    """Whether the server answers. `since` is when it stopped (time.time()); listeners hear each change."""

    def __init__(self) -> None:
        self.online = True
        self.since: float | None = None
        self.error = ""
        self._listeners: list[StateListener] = []

    def add_listener(self, listener: StateListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def failed(self, exc: BaseException) -> None:
        self.error = str(exc)
        if self.online:
            self.online, self.since = False, time.time()
            log.info("server unreachable: reading from the disk cache (%s)", exc)
            self._notify()

    def succeeded(self) -> None:
        if not self.online:
            self.online, self.since, self.error = True, None, ""
            log.info("server reachable again")
            self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self)


@dataclass(frozen=True)
class ListSource:
    """Where the rows of the last list load came from, for the banner and exports."""

    source: str  # "cache" (shown from the disk, not confirmed), "revalidated" (a 304), "server" (a 200)
    stored_at: float | None  # when the shown copy was fetched from the server


class ReadCache:
    """The reads of one signed-in user through their `CacheStore`. Writes to the disk run in threads."""

    def __init__(self, session: ZouSession, store: CacheStore, reach: Reachability | None = None) -> None:
        self.session, self.store = session, store
        self.reach = reach or Reachability()
        self.sources: dict[str, ListSource] = {}  # kind -> where the last list load's rows came from
        self._writes: set[asyncio.Task[None]] = set()
        # While a list streams from the server, disk writes wait (in order) until none does: encoding a
        # list for the disk is a few hundred ms of the writer thread, which shares the interpreter (and
        # the machine's cores, with a local Zou) with the stream still being parsed.
        self._streams = 0
        self._held: list[tuple[Callable[..., None], tuple[Any, ...], int | None]] = []
        # Observable (tests, benchmarks): answers served from the disk, 304s, full bodies.
        self.disk_hits = 0
        self.not_modified = 0
        self.fetched = 0

    @classmethod
    def open(cls, session: ZouSession, email: str, *, max_bytes: int, root: Path | None = None) -> ReadCache:
        store = CacheStore(database_path(root or default_root(), session.api_url, email), max_bytes=max_bytes)
        return cls(session, store)

    def key(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        url = httpx.URL(self.session.url(path))
        if params:
            url = url.copy_merge_params(dict(sorted((k, str(v)) for k, v in params.items())))
        return str(url)

    # ------------------------------------------------------------ JSON answers
    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        key = self.key(path, params)
        if not self.reach.online:
            return self._from_disk(key, None)
        generation = self.store.generation
        try:
            data = await self.session.get(path, params=params)
        except E.ZouError as exc:
            if not is_unreachable(exc):
                raise
            self.reach.failed(exc)
            return self._from_disk(key, exc)
        self.reach.succeeded()
        self.write_soon(self.store.put_json, key, data, generation=generation)
        return data

    def _from_disk(self, key: str, exc: BaseException | None) -> Any:
        entry = self.store.get_json(key)
        if entry is None:
            raise Offline("The server cannot be reached, and this was not opened on this computer before.",
                          url=key) from exc
        self.disk_hits += 1
        return entry.value

    # ------------------------------------------------------------ shots and assets with tasks
    def read_list(self, client: ZouClient, kind: str, project_id: str, episode_id: str | None = None, *,
                  shown: WithTasksTable | None = None) -> ListRead:
        """One load of a with-tasks list in two steps (`ListRead`): its rows, then their revalidation.

        The caller shows what `rows()` yields at once and may call the pane populated when it ends; the
        revalidation (`revalidated()`) then runs in the background."""
        return ListRead(self, client, kind, project_id, episode_id, shown)

    async def iter_with_tasks(self, client: ZouClient, kind: str, project_id: str, episode_id: str | None = None,
                              *, shown: WithTasksTable | None = None) -> AsyncIterator[tuple[WithTasksTable, int]]:
        """The list from the disk (unless `shown`: rows already on screen), then revalidated.

        Yields (table, rows added) like `ZouClient.iter_with_tasks`; a table that is not the one yielded
        before replaces it whole. With `shown`, a 304 yields nothing (what is shown is current)."""
        read = self.read_list(client, kind, project_id, episode_id, shown=shown)
        try:
            async for item in read.rows():
                yield item
            fresh = await read.revalidated()
            if fresh is not None:
                yield fresh, len(fresh.rows)
        finally:
            read.close()

    def remember_session(self, value: dict[str, Any]) -> None:
        """The signed-in user and server (no token): what an offline start needs to open the window."""
        self.write_soon(self.store.put_meta, "session", value)

    # ------------------------------------------------------------ invalidation, disk writes
    def forget(self, ids: set[str]) -> None:
        """Drop cached answers naming these ids (threads, entities a change touched)."""
        wanted = sorted(i for i in ids if i)
        if wanted:
            self.write_soon(self.store.drop_matching, wanted)

    def write_soon(self, fn: Callable[..., None], *args: Any, generation: int | None = None) -> None:
        """Run a disk write on the cache's thread (encoding a big list takes a few hundred ms); held while
        a list streams from the server. With `generation` (the store's when the data was read), skipped if
        the cache was cleared since: a read still on its way at "Clear cache" or "Sign out and forget this
        computer" must not write back what was removed."""
        if self._streams:
            self._held.append((fn, args, generation))
            return
        self._run_write(fn, args, generation)

    def stream_started(self) -> None:
        self._streams += 1

    def stream_ended(self) -> None:
        self._streams = max(0, self._streams - 1)
        if not self._streams:
            self._release()

    def _release(self) -> None:
        held, self._held = self._held, []
        for fn, args, generation in held:
            self._run_write(fn, args, generation)

    def _run_write(self, fn: Callable[..., None], args: tuple[Any, ...], generation: int | None) -> None:
        store = self.store

        def write() -> None:  # on the writer thread: judged when it runs, after the writes queued before it
            if generation is None or generation == store.generation:
                fn(*args)

        async def run() -> None:
            try:
                await asyncio.get_running_loop().run_in_executor(_WRITER, write)
            except Exception:  # the cache is best effort: log, never fail a load
                log.exception("disk cache write failed")

        task = asyncio.ensure_future(run())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def flush(self) -> None:
        """Wait for the pending disk writes (tests, sign-out, before clearing), held ones included."""
        self._release()
        # Judged by `done()`, not by the done-callbacks having emptied the set: they run a loop turn later.
        pending = [t for t in self._writes if not t.done()]
        while pending:
            await asyncio.wait(pending)
            pending = [t for t in self._writes if not t.done()]
        self._writes = {t for t in self._writes if not t.done()}

    def close(self) -> None:
        self.store.close()


class ListRead:
    """One load of a shots or assets list through the cache: `rows()`, then `revalidated()`.

    `rows()` yields (table, rows added) from the disk when the list was seen before (unless `shown`: rows
    already on screen), else the server's stream. The caller shows them, and the pane is populated (and
    sortable) without a round trip to the server; then it awaits `revalidated()`, which asks the server
    `If-None-Match` (a 304, or the new list). That request is sent after the disk is read, not during:
    nothing waits for its answer, and sending it first only put the HTTP work (and, with a local Zou, the
    server's fingerprint query) on the same loop and cores as the reading, ~70 ms of a reopen. A list the
    server sent is stored once the caller has shown it (`revalidated()` or `close()`): encoding it for the
    disk takes a few hundred ms of the writer thread, which would otherwise share the interpreter with the
    pane being filled."""

    def __init__(self, cache: ReadCache, client: ZouClient, kind: str, project_id: str, episode_id: str | None,
                 shown: WithTasksTable | None) -> None:
        from desktop.api.client import with_tasks_request

        self.cache, self.client, self.kind = cache, client, kind
        self.project_id, self.episode_id, self.shown = project_id, episode_id, shown
        path, params = with_tasks_request(kind, project_id, episode_id)
        self.key = cache.key(path, params)
        self.generation = cache.store.generation  # writes of this load are skipped after a clear
        self.entry = cache.store.table(self.key, kind)
        self.cached: WithTasksTable | None = None  # the disk's complete copy, once read
        self.streamed = False  # the rows were the server's own: nothing to revalidate
        self._unstored: WithTasksTable | None = None  # the server's complete list, stored once it is shown
        self._streaming = False  # counted in the cache's streams until `close()` (`ReadCache.write_soon`)

    @property
    def from_disk(self) -> bool:
        """`rows()` will read the disk's copy (seen before, not on screen yet)."""
        return self.shown is None and self.entry is not None

    async def _ask(self, etag: str | None) -> WithTasksTable | None:
        """The server's list if it changed since `etag` (complete), None for a 304."""
        from desktop.api.client import NotModified

        fresh: WithTasksTable | None = None
        try:
            async for item in self.client.iter_with_tasks(self.kind, self.project_id, self.episode_id,
                                                          if_none_match=etag):
                fresh = item[0]
        except NotModified:
            return None
        assert fresh is not None
        return fresh

    async def rows(self) -> AsyncIterator[tuple[WithTasksTable, int]]:
        cache, entry, kind = self.cache, self.entry, self.kind
        if self.shown is None and entry is not None:
            table = WithTasksTable(kind=entry.kind, entity_fields=entry.entity_fields,
                                   task_fields=entry.task_fields, etag=entry.etag)
            try:
                for rows in _decoded_without_gc(cache.store.iter_rows(entry)):
                    table.rows.extend(rows)
                    yield table, len(rows)
                    await asyncio.sleep(0)  # one chunk at a time: the loop paints between them
            except CacheCorrupt as exc:
                log.warning("cached %s list unreadable, read from the server: %s", kind, exc)
                self.entry = None  # unreadable: the server's list is streamed instead
            else:
                self.cached = table
                cache.disk_hits += 1
                cache.sources[kind] = ListSource("cache", entry.stored_at)
                return
        if self.shown is not None:
            return  # rows on screen already: `revalidated()` asks the server about them
        if not cache.reach.online:
            raise Offline(f"The server cannot be reached, and this project's {kind}s were not opened on this "
                          "computer before.", url=self.key)
        streamed: WithTasksTable | None = None
        self._streaming = True
        cache.stream_started()
        try:
            async for streamed, added in self.client.iter_with_tasks(kind, self.project_id, self.episode_id):
                yield streamed, added
        except E.ZouError as exc:
            if is_unreachable(exc):
                cache.reach.failed(exc)
            raise
        assert streamed is not None
        self.streamed = True
        self._from_server(streamed)

    async def revalidated(self) -> WithTasksTable | None:
        """After `rows()`: the server's newer list (complete), or None when what is shown is current (a 304,
        or the rows were the server's own) or cannot be checked now (offline: the cached rows stay, marked
        as such). A refusal (an ended session, a server error) is raised."""
        cache, kind = self.cache, self.kind
        self._store()
        on_screen = self.shown if self.shown is not None else self.cached
        if self.streamed or on_screen is None:
            return None
        if not cache.reach.online:
            return None
        etag = on_screen.etag or (self.entry.etag if self.entry is not None else None)
        try:
            fresh = await self._ask(etag)
        except E.ZouError as exc:
            if not is_unreachable(exc):
                raise
            cache.reach.failed(exc)
            return None
        if fresh is not None:
            self._from_server(fresh)
            return fresh
        cache.reach.succeeded()
        cache.not_modified += 1
        cache.sources[kind] = ListSource("revalidated", time.time())
        shown = self.shown
        if self.entry is None and shown is not None and shown.etag:
            # Confirmed current but not on disk (the cache was cleared, or the list was too big for it):
            # keep what the 304 confirmed.
            self._put(shown)
        else:
            cache.write_soon(cache.store.touch, self.key, generation=self.generation)
        return None

    def _from_server(self, table: WithTasksTable) -> None:
        cache = self.cache
        cache.reach.succeeded()
        cache.fetched += 1
        cache.sources[self.kind] = ListSource("server", time.time())
        self._unstored = table

    def _store(self) -> None:
        table, self._unstored = self._unstored, None
        if table is not None:
            self._put(table)

    def _put(self, table: WithTasksTable) -> None:
        cache = self.cache
        cache.write_soon(cache.store.put_table, self.key, self.kind, table.etag, table.entity_fields,
                         table.task_fields, list(table.rows), generation=self.generation)

    def close(self) -> None:
        """The load ended or was given up: the server's list is stored, held writes released."""
        self._end_stream()
        self._store()

    def _end_stream(self) -> None:
        if self._streaming:
            self._streaming = False
            self.cache.stream_ended()
