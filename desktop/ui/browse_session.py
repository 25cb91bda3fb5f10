"""The browse session: what the signed-in user is looking at, and every load that fills it.

One `BrowseSession` lives under the main window for as long as the user is signed in. It owns the user
context (statuses, task types, people, projects), the open project and episode, and the loads: the shots
and assets streamed in throttled batches, My tasks, the detail of one entity and its comment threads.
Panes are given it in their constructors and listen to its signals; none of them reaches for the window.

Loads run on one `TaskRunner`, one key per kind of load ("context", "project", "shot", "asset",
"my_tasks", "detail", "thread"): a newer load of a key cancels the older one, and `runner.is_current(key)`
is the only guard against a stale answer. A failed load is remembered, so the pane's Retry and the
re-sign-in after an expired session (`resume_after_sign_in`) re-run exactly what failed.

Writes do not go through here, but their outcome does: `apply(changes)` takes what a write changed
(`desktop.api.changes.Changes`), drops the caches it invalidates, re-reads only lists that gained or lost
rows, and emits `changes_applied(changes)` once; each pane decides what to repaint.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.api import Person, ServerInfo, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.api.changes import Changes, EntityUpdate
from desktop.api.editing import Capabilities, ConcurrentChange, EditContext, Editor
from desktop.api.records import CommentRecord, Entity, EntityRecord, Project, UserContext, WithTasksTable
from desktop.asyncqt import TaskRunner
from desktop.models.lookups import Lookups
from desktop.settings import Settings
from desktop.ui.widgets import error_text

if TYPE_CHECKING:
    from desktop.api.cache import ListRead

log = logging.getLogger(__name__)

ALL_EPISODES = "all"
LIST_KINDS = ("shot", "asset")
ASSETS_TAB = 1  # `Settings.main_tab` when the assets list is the tab shown (main_window.TAB_ASSETS)
LOAD_KEYS = ("context", "project", "shot", "asset", "my_tasks", "detail", "thread")
SYNC_INTERVAL_S = 0.2  # streamed rows reach the model at most this often (plus first and last batch)
COMMENT_FETCHES = 6  # comment threads fetched in parallel for one entity's tasks
ZOU_ENTITY_CACHE_S = 130  # Zou memoizes get_full_shot / get_full_asset for 120 s (shots_service, assets_service)

LoadFactory = Callable[[], Coroutine[Any, Any, Any]]


class BrowseSession(QObject):
    # ---- what is open
    context_changed = Signal(object)  # UserContext; `lookups` is rebuilt before this is emitted
    project_opened = Signal(object, bool)  # Project | None, kept (a refresh of the same project: rows stay)
    lists_reset = Signal(object)  # Project | None: the shots and assets lists start over (new project/episode)
    episodes_changed = Signal(object, str)  # list[Entity] | None (not a TV show), the current episode id
    # ---- the shots and assets lists, streamed
    list_loading = Signal(str, bool)  # kind, loading
    rows_arrived = Signal(str, object, bool)  # kind, WithTasksTable (growing), first batch of this load
    rows_synced = Signal(str)  # kind: more rows were appended to the table given in rows_arrived
    rows_done = Signal(str)  # kind: the list is complete
    list_source = Signal(str, object)  # kind, ListSource: rows from the disk cache, revalidated, or the server
    # ---- my tasks, the detail
    my_tasks_loaded = Signal(object)  # list[UserTask]
    detail_loading = Signal(str, str, str)  # kind, entity id, title hint
    detail_loaded = Signal(str, object, object, str)  # kind, EntityRecord, list[CastLinkRecord], task id asked for
    last_comments = Signal(dict)  # {task id: newest comment text} of the detail's entity
    thread_loaded = Signal(str, object)  # task id, list[CommentRecord]
    # ---- outcome
    changes_applied = Signal(object)  # Changes: a write (or an event) changed these things
    loaded = Signal(str)  # a load finished: one of LOAD_KEYS
    load_failed = Signal(str, str)  # load key, message shown
    notice = Signal(str)  # a sentence for the status bar (someone else wrote while we saved...)
    progress_changed = Signal(str, bool)  # status text ("" leaves the last message, e.g. an error), busy
    session_expired = Signal()

    def __init__(self, session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                 server: ServerInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.client, self.settings, self.user, self.server = session, client, settings, user, server
        self.editor = Editor(client, user=user)
        self.editor.on_concurrent_change = self._on_concurrent_change
        self.lookups = Lookups()
        self.context: UserContext | None = None
        self.project: Project | None = None
        self.episode_id: str | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(lambda _busy: self._update_progress())
        self._requests: dict[str, LoadFactory] = {}
        self._failed: set[str] = set()
        self._expired_pending = False
        self._progress: dict[str, str] = {}
        self._comments: dict[str, list[CommentRecord]] = {}  # task id -> thread, for the detail's entity
        self._detail_entity: tuple[str, str] = ("", "")  # kind, id of the entity the detail shows
        self._detail_task: str | None = None
        # What this session's own writes changed on tasks, until the server's answers show it: Zou may
        # answer a read just after a comment from a cache that predates it (seen with GET /data/shots/{id}).
        self._task_overrides: dict[str, dict[str, Any]] = {}
        # The same for assignments, whose answer carries no date to compare: Zou's `get_full_shot` cache
        # (120 s) is not cleared by an assignment, so the people this session set are shown until then.
        self._assignee_overrides: dict[str, tuple[list[str], float]] = {}
        self._stale_threads: set[str] = set()  # threads a write changed: fetched even if the task says none
        self._shown: dict[str, Any] = {}  # kind -> the WithTasksTable last given in rows_arrived (its ETag)
        self._disk_reads = asyncio.Lock()  # lists read from the disk cache, one at a time
        self._loading: set[str] = set()  # list kinds whose pane shows "loading" (until `_list_complete`)
        self._changes_seen = 0  # how many `apply` calls changed something (a list's answer may predate one)
        # Why writes are refused now ("" when they are not): the server is offline, rows are the cache's.
        self.read_only = ""
        self._closed = False
        self.on_resumed: list[Callable[[], None]] = []  # run after a re-sign-in (downloads, thumbnails...)

    # ================================================================ state
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self.runner.cancel_all()

    def capabilities(self) -> Capabilities | None:
        """What the signed-in user may do in the open project (None: no project open)."""
        if self.project is None:
            return None
        return Capabilities.for_project(self.user, self.project.id, self.context)

    def edit_context(self) -> EditContext | None:
        if self.project is None or self.context is None or self.read_only:
            return None
        return EditContext(project=self.project, user=self.user, context=self.context)

    def episode_filter(self) -> str | None:
        return self.episode_id if self.episode_id and self.episode_id != ALL_EPISODES else None

    def projects(self) -> list[Project]:
        return list(self.context.projects) if self.context is not None else []

    def project_by_id(self, project_id: str | None) -> Project | None:
        return next((p for p in self.projects() if p.id == project_id), None)

    # ================================================================ running loads
    def _start(self, key: str, factory: LoadFactory) -> asyncio.Task[Any]:
        """Run a load; a newer one with the same key cancels it. Remembered for Retry and re-sign-in."""
        self._requests[key] = factory
        self._failed.discard(key)
        return self.runner.run(factory(), key=key)

    def _current(self, key: str) -> bool:
        return not self._closed and self.runner.is_current(key)

    def retry(self, key: str) -> None:
        factory = self._requests.get(key)
        if factory is not None:
            self._start(key, factory)

    def retry_projects(self) -> None:
        self.retry("project" if "project" in self._failed else "context")

    def retry_detail(self) -> None:
        self.retry("thread" if "thread" in self._failed and "detail" not in self._failed else "detail")

    def resume_after_sign_in(self) -> None:
        """The user signed in again after the session ended: re-run every load that failed."""
        self._expired_pending = False
        failed = [k for k in LOAD_KEYS if k in self._failed]
        for key in failed:
            self.retry(key)
        if not failed and self.context is None:
            self.reload()
        for hook in list(self.on_resumed):
            hook()
        self._update_progress()

    def _on_failed(self, key: str, exc: object) -> None:
        if self._closed:
            return
        self._failed.add(key)
        self._progress.pop(key, None)
        if isinstance(exc, E.SessionExpired):
            self.progress_changed.emit("Your session has ended: sign in again to continue.", self.runner.busy)
            if not self._expired_pending:
                self._expired_pending = True
                self.session_expired.emit()
            return
        message = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        if key in LIST_KINDS:
            self.list_loading.emit(key, False)
        self.progress_changed.emit(message, self.runner.busy)
        self.load_failed.emit(key, message)

    def _set_progress(self, key: str, text: str | None) -> None:
        if text is None:
            self._progress.pop(key, None)
        else:
            self._progress[key] = text
        self._update_progress()

    def _update_progress(self) -> None:
        if self._closed:
            return
        text = " · ".join(self._progress.values())
        if not text and not self._failed and not self._expired_pending:
            text = "Ready"
        self.progress_changed.emit(text, bool(self._progress) or self.runner.busy)

    # ================================================================ context, projects, my tasks
    def reload(self) -> None:
        """Load the user context (statuses, task types, people, projects), then the last project."""
        self._start("context", lambda: self._load_context(keep_rows=False))

    def refresh(self) -> None:
        """F5: reload everything shown; lists keep their rows until the new ones arrive."""
        self._start("context", lambda: self._load_context(keep_rows=True))
        kind, entity_id = self._detail_entity
        if kind and entity_id:
            self._comments = {}
            self.open_entity(kind, entity_id, self._detail_task)

    async def _load_context(self, keep_rows: bool) -> None:
        self._set_progress("context", "Loading projects…")
        try:
            context = await self.client.context()
        finally:
            if self._current("context"):
                self._set_progress("context", None)
        if not self._current("context"):
            return
        self.context = context
        self.editor.context = context
        self.lookups = Lookups.from_context(context)
        self.context_changed.emit(context)
        self.loaded.emit("context")
        self._start("my_tasks", self._load_my_tasks)
        wanted = self.project.id if keep_rows and self.project is not None else self.settings.last_project_id
        projects = self.projects()
        target = next((p for p in projects if p.id == wanted), projects[0] if projects else None)
        if target is None:
            self.project = None
            self.lists_reset.emit(None)
            self.project_opened.emit(None, False)
            return
        self.open_project(target.id, keep_rows=keep_rows and self.project is not None
                          and self.project.id == target.id)

    def reload_my_tasks(self) -> None:
        self._start("my_tasks", self._load_my_tasks)

    async def _load_my_tasks(self) -> None:
        self._set_progress("my_tasks", "Loading my tasks…")
        try:
            tasks = await self.client.my_tasks()
        finally:
            if self._current("my_tasks"):
                self._set_progress("my_tasks", None)
        if self._current("my_tasks"):
            self.my_tasks_loaded.emit(tasks)
            self.loaded.emit("my_tasks")

    def open_project(self, project_id: str, episode_id: str | None = None, *, keep_rows: bool = False) -> None:
        """Show a project: its episodes (TV shows), then its shots and assets, streamed."""
        project = self.project_by_id(project_id)
        if project is None:
            return
        same = self.project is not None and self.project.id == project.id
        self.project = project
        self.settings.last_project_id = project.id
        keep = keep_rows and same
        if not keep:
            # A new project: older loads of its lists must not land in the emptied panes.
            for kind in LIST_KINDS:
                self.runner.cancel(kind)
            self.lists_reset.emit(project)
        self.project_opened.emit(project, keep)
        self._start("project", lambda: self._open_project(project, episode_id, keep))

    async def _open_project(self, project: Project, episode_id: str | None, keep_rows: bool) -> None:
        episode: str | None = None
        if project.is_tv_show:
            self._set_progress("project", "Loading episodes…")
            try:
                episodes: list[Entity] | None = await self.client.episodes(project.id)
            finally:
                if self._current("project"):
                    self._set_progress("project", None)
            if not self._current("project"):
                return
            saved = self.settings.episode[project.id]
            known = {e.id for e in episodes or []} | {ALL_EPISODES}
            episode = next((e for e in (episode_id, saved, project.first_episode_id) if e and e in known),
                           ALL_EPISODES)
        else:
            episodes = None
        self.episode_id = episode
        self.episodes_changed.emit(episodes, episode or "")
        self._load_lists(project, episode, keep_rows)
        self.loaded.emit("project")

    def select_episode(self, episode_id: str) -> None:
        if self.project is None:
            return
        self.settings.episode[self.project.id] = episode_id
        self.episode_id = episode_id
        for kind in LIST_KINDS:
            self.runner.cancel(kind)
        self.lists_reset.emit(self.project)
        self._load_lists(self.project, episode_id, keep_rows=False)

    def _load_lists(self, project: Project, episode_id: str | None, keep_rows: bool,
                    kinds: tuple[str, ...] = LIST_KINDS) -> None:
        if self.settings.main_tab == ASSETS_TAB:  # the assets list is on screen: it comes first
            kinds = tuple(sorted(kinds, key=lambda k: k != "asset"))
        for kind in kinds:
            self._start(kind, functools.partial(self._load_entities, kind, project, episode_id, keep_rows))

    def revalidate(self) -> None:
        """Re-read what is on screen, conditionally: the lists ask `If-None-Match` the ETag of the rows
        shown (a 304 costs no body), the detail is read again. After an event-stream gap, for users whom
        Zou refuses its event log, and when the server answers again after being offline."""
        if self.project is not None:
            self._load_lists(self.project, self.episode_id, True)
        kind, entity_id = self._detail_entity
        if kind and entity_id:
            self._comments = {}
            self.open_entity(kind, entity_id, self._detail_task)

    def reload_list(self, kind: str) -> None:
        """Re-stream one list (rows kept until the new ones arrive): after rows were added or removed."""
        if self.project is not None and kind in LIST_KINDS and not self._closed:
            self._load_lists(self.project, self.episode_id, True, (kind,))

    # ================================================================ shots and assets, streamed
    async def _load_entities(self, kind: str, project: Project, episode_id: str | None, keep_rows: bool) -> None:
        noun = "shots" if kind == "shot" else "assets"
        self.list_loading.emit(kind, True)
        self._set_progress(kind, f"Loading {noun}…")
        gc.freeze()  # what is loaded so far (context, modules) need not be rescanned during the stream
        cache = self.client.cache
        read: ListRead | None = None
        if cache is not None:
            # Seen before: the disk's rows at once, then a 304 or the new list (`desktop.api.cache`).
            read = cache.read_list(self.client, kind, project.id, episode_id,
                                   shown=self._shown.get(kind) if keep_rows else None)
            source: AsyncIterator[tuple[WithTasksTable, int]] = read.rows()
        else:
            source = self.client.iter_with_tasks(kind, project.id, episode_id)
        try:
            if read is not None and read.from_disk:
                # One list read from the disk at a time, the one on screen first (`_load_lists`): the
                # decoding is all on the loop, so reading both at once only makes the pane shown wait.
                async with self._disk_reads:
                    populated = await self._stream(kind, noun, source, keep_rows)
            else:
                populated = await self._stream(kind, noun, source, keep_rows)
            if not self._current(kind):
                return
            if populated or read is None:
                # The pane holds the whole list (the disk's copy, or the server's): it is loaded. A copy
                # from the disk is revalidated next, in the background: nothing waits for that answer.
                self._list_complete(kind)
            if read is None or read.streamed:
                return  # the server's own rows: nothing to revalidate (`read.close()` stores them)
            changes_seen = self._changes_seen
            fresh = await read.revalidated()
            if not self._current(kind):
                return
            if fresh is not None:  # the server's list changed since the copy shown: it replaces it whole
                self.rows_arrived.emit(kind, fresh, True)
                self._shown[kind] = fresh
            if fresh is not None or not populated:
                self._list_complete(kind)
            elif cache is not None and kind in cache.sources and cache.sources[kind].source == "revalidated":
                self.list_source.emit(kind, cache.sources[kind])  # a 304: the rows shown are current
            if fresh is not None and self._changes_seen != changes_seen:
                # A write or an event was applied to the rows shown while this list was on its way: the
                # list may predate it. Ask again (by its ETag: a 304 if it already had the change).
                asyncio.get_running_loop().call_soon(self.reload_list, kind)
        finally:
            if read is not None:
                read.close()
            if kind in self._loading and self._current(kind):
                self._loading.discard(kind)
                self.list_loading.emit(kind, False)
                self._set_progress(kind, None)

    async def _stream(self, kind: str, noun: str, source: AsyncIterator[tuple[WithTasksTable, int]],
                      keep_rows: bool) -> bool:
        """Show the rows `source` yields, in throttled batches; whether any arrived (False: none, or the load
        is no longer current)."""
        self._loading.add(kind)
        first = True
        last_sync = 0.0
        shown = self._shown.get(kind) if keep_rows else None
        async for table, _added in source:
            if not self._current(kind):
                return False
            now = time.monotonic()
            if first or table is not shown:
                # Replaces what was shown (a refresh keeps the old rows until this moment).
                self.rows_arrived.emit(kind, table, keep_rows or not first)
                self._shown[kind] = shown = table
                first, last_sync = False, now
            elif now - last_sync >= SYNC_INTERVAL_S:
                self.rows_synced.emit(kind)
                last_sync = now
                # Rows stay as long as the project is open: take them out of the cyclic GC's scans.
                # Without this, a full collection over a growing 10,000-shot table stalls the loop
                # ~100 ms at a time. (Lists of rows hold no cycles: refcounting still frees them.)
                gc.freeze()
            self._set_progress(kind, f"Loading {noun}… {len(table.rows):,}")
        return not first

    def _list_complete(self, kind: str) -> None:
        """The list shown is whole: the last rows announced, where they came from, loading over."""
        self.rows_synced.emit(kind)
        cache = self.client.cache
        if cache is not None and kind in cache.sources:
            self.list_source.emit(kind, cache.sources[kind])
        self._loading.discard(kind)
        self.list_loading.emit(kind, False)
        self._set_progress(kind, None)
        gc.freeze()
        self.rows_done.emit(kind)
        self.loaded.emit(kind)

    # ================================================================ detail
    def open_entity(self, kind: str, entity_id: str, task_id: str | None = None, *,
                    project_id: str | None = None, title: str = "") -> None:
        """Show a shot or an asset in the detail (its tasks, comments, casting, picture)."""
        if kind not in LIST_KINDS or not entity_id:
            return
        self._start("detail", lambda: self._load_detail(kind, entity_id, task_id, project_id, title))

    async def _load_detail(self, kind: str, entity_id: str, task_id: str | None, project_id: str | None,
                           title: str) -> None:
        self.runner.cancel("thread")
        if (kind, entity_id) != self._detail_entity:
            self._comments = {}
        self._detail_entity = (kind, entity_id)
        self._detail_task = task_id
        self.detail_loading.emit(kind, entity_id, title)
        fetch = self.client.shot if kind == "shot" else self.client.asset
        pid = project_id or (self.project.id if self.project is not None else None)
        if kind == "shot" and pid is not None:
            entity, casting = await asyncio.gather(fetch(entity_id), self.client.casting(pid, entity_id))
        elif kind == "asset":
            entity, casting = await asyncio.gather(fetch(entity_id), self.client.cast_in(entity_id))
        else:
            entity = await fetch(entity_id)
            casting = await self.client.casting(str(entity.get("project_id")), entity_id)
        if not self._current("detail"):
            return
        self._apply_overrides(entity)
        self.detail_loaded.emit(kind, entity, casting, task_id or "")
        await self._load_last_comments(entity)
        if self._current("detail"):
            self.loaded.emit("detail")

    async def _load_last_comments(self, entity: EntityRecord) -> None:
        """Fetch the comment threads of the entity's commented tasks (a few, in parallel)."""
        tasks = [t for t in entity.get("tasks") or [] if isinstance(t, dict) and t.get("id")]
        wanted = [str(t["id"]) for t in tasks if (t.get("last_comment_date") or str(t["id"]) in self._stale_threads)
                  and str(t["id"]) not in self._comments]
        limit = asyncio.Semaphore(COMMENT_FETCHES)

        async def one(task_id: str) -> None:
            async with limit:
                self._comments[task_id] = await self.client.task_comments(task_id)
            self._stale_threads.discard(task_id)

        if wanted:
            await asyncio.gather(*(one(t) for t in wanted))
        if not self._current("detail"):
            return
        last: dict[str, str] = {}
        for t in tasks:
            thread = self._comments.get(str(t["id"])) or []
            newest = max(thread, key=lambda c: str(c.get("created_at") or ""), default=None)
            if newest is not None:
                last[str(t["id"])] = str(newest.get("text") or "").strip().replace("\n", " ")
        self.last_comments.emit(last)

    def show_thread(self, task_id: str, *, has_comments: bool = True) -> None:
        """The comments of one of the detail's tasks (cached per entity, else fetched)."""
        self._detail_task = task_id
        if task_id in self._comments:
            self.runner.cancel("thread")
            self.thread_loaded.emit(task_id, self._comments[task_id])
            self.loaded.emit("thread")
            return
        if not has_comments and task_id not in self._stale_threads:
            self._comments[task_id] = []
            self.thread_loaded.emit(task_id, [])
            self.loaded.emit("thread")
            return
        self._start("thread", lambda: self._load_thread(task_id))

    async def _load_thread(self, task_id: str) -> None:
        comments = await self.client.task_comments(task_id)
        self._stale_threads.discard(task_id)
        if self._current("thread"):
            self._comments[task_id] = comments
            self.thread_loaded.emit(task_id, comments)
            self.loaded.emit("thread")

    def _apply_overrides(self, entity: EntityRecord) -> None:
        """Show this session's own task writes in a detail read that predates them (see `_task_overrides`).

        An override holds while the server's task is older than the write (its `last_comment_date` is
        earlier, or missing); once the server has caught up, or someone wrote after, it is dropped."""
        for task in entity.get("tasks") or []:
            if not isinstance(task, dict):
                continue
            override = self._task_overrides.get(str(task.get("id") or ""))
            if override is None:
                continue
            people = self._assignee_overrides.get(str(task.get("id") or ""))
            if people is not None:  # held while Zou's cached read may predate it, at most ZOU_ENTITY_CACHE_S
                shown, until = people
                if time.monotonic() > until or sorted(task.get("assignees") or []) == sorted(shown):
                    del self._assignee_overrides[str(task["id"])]
                else:
                    task["assignees"] = list(shown)
            if not override:
                continue
            mine = str(override.get("last_comment_date") or "")
            theirs = str(task.get("last_comment_date") or "")
            if mine and theirs >= mine:
                del self._task_overrides[str(task["id"])]
                continue
            task.update(override)  # type: ignore[typeddict-item]

    # ================================================================ writes' outcome
    def _on_concurrent_change(self, change: ConcurrentChange) -> None:
        """Someone else wrote the record we were saving: say so, and re-read it where it is shown."""
        self.notice.emit(change.message)
        if change.kind == "casting":
            self.apply(Changes(casting=frozenset({change.entity_id}), origin="concurrent"))
        else:
            self.apply(Changes(entities=(EntityUpdate("", change.entity_id, {"id": change.entity_id}),),
                               origin="concurrent"))

    def apply(self, changes: Changes) -> None:
        """A write (or an event) changed these things: drop what they invalidate, tell the panes once."""
        if self._closed or changes.is_empty:
            return
        self._changes_seen += 1
        if changes.everything:
            self.refresh()
            self.changes_applied.emit(changes)
            return
        for task_id in changes.threads:
            self._comments.pop(task_id, None)
            self._stale_threads.add(task_id)
        if self.client.cache is not None:  # what a change names is not served from the disk as current
            self.client.cache.forget({*changes.threads, *(u.entity_id for u in changes.entities),
                                      *(u.task_id for u in changes.tasks)})
        for update in changes.tasks:
            if "assignees" in update.fields:
                self._assignee_overrides[update.task_id] = (list(update.fields["assignees"]),
                                                            time.monotonic() + ZOU_ENTITY_CACHE_S)
                self._task_overrides.setdefault(update.task_id, {})
            if update.fields.get("last_comment_date"):
                self._task_overrides[update.task_id] = {**self._task_overrides.get(update.task_id, {}),
                                                        **update.fields}
        for kind in changes.lists:
            self.reload_list(kind)
        self.changes_applied.emit(changes)
