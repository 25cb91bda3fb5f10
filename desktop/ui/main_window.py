"""The main window: projects on the left, shots / assets / my tasks in tabs, the detail on the right.

Loads run as coroutines on the qasync loop through one `TaskRunner`, one key per kind of load ("context",
"project", "shot", "asset", "my_tasks", "detail", "thread"): a newer request cancels the older one of the
same key, and every load also checks a generation number so a stale answer never lands. Shots and assets
stream in (compact NDJSON parsed line by line by the API layer) and reach the models in throttled batches,
so the first rows show early and the UI thread never holds a whole payload.

Errors show in the pane that asked (with Retry) and what was loaded stays visible. A `SessionExpired`
emits `session_expired` once; the sign-in sheet then calls `resume_after_sign_in()`, which re-runs what
failed.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QSplitter, QTabWidget

from desktop import APP_NAME
from desktop.api import Person, ServerInfo, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.api.records import Project, UserContext, UserTask
from desktop.asyncqt import TaskRunner
from desktop.models.filtering import RowFilterFactory
from desktop.models.lists import user_task_kind
from desktop.models.lookups import Lookups
from desktop.settings import Settings
from desktop.ui.panes import ALL_EPISODES, DetailPane, EntityPane, MyTasksPane, ProjectsPane
from desktop.ui.panes.common import named
from desktop.ui.thumbnails import ThumbnailCache, preview_picture_path, project_picture_path

log = logging.getLogger(__name__)

TAB_SHOTS, TAB_ASSETS, TAB_MY_TASKS = 0, 1, 2
SYNC_INTERVAL_S = 0.2  # streamed rows reach the model at most this often (plus first and last batch)
DETAIL_DELAY_MS = 250  # the detail follows the current row after this pause (arrowing stays cheap)
COMMENT_FETCHES = 6  # comment threads fetched in parallel for one entity's tasks
SETTLE_MS = 500  # after the first show, resizes come from restoring the geometry: keep the splitter sizes

LoadFactory = Callable[[], Coroutine[Any, Any, Any]]


def error_text(exc: BaseException) -> str:
    if isinstance(exc, E.ZouError):
        return str(exc)
    return f"Something went wrong ({exc.__class__.__name__}). Details are in the log file."


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    account_security_requested = Signal()
    session_expired = Signal()
    loaded = Signal(str)  # a load finished: "context", "shot", "asset", "my_tasks", "detail", "thread", ...
    load_failed = Signal(str, str)  # load key, message shown

    def __init__(self, session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                 server: ServerInfo) -> None:
        super().__init__()
        named(self, "mainWindow", f"{APP_NAME} main window")
        self.session, self.client, self.settings, self.user, self.server = session, client, settings, user, server
        self.setWindowTitle(f"{APP_NAME} · {server.site_url}")
        self._set_icon()
        self.lookups = Lookups()
        self.context: UserContext | None = None
        self.project: Project | None = None
        self.episode_id: str | None = None
        self._gen: dict[str, int] = {}
        self._requests: dict[str, LoadFactory] = {}
        self._failed: set[str] = set()
        self._expired_pending = False
        self._progress: dict[str, str] = {}
        self._comments: dict[str, list[dict[str, Any]]] = {}
        self._closing = False
        self._shown = False
        self._settling = False

        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy_changed.connect(self._update_progress)
        self.thumbnails = ThumbnailCache(session, parent=self)

        # ---------------------------------------------------------------- panes
        self.projects_pane = ProjectsPane()
        self.shots_pane = EntityPane("shot", settings, self.lookups)
        self.assets_pane = EntityPane("asset", settings, self.lookups)
        self.my_tasks_pane = MyTasksPane(self.lookups)
        self.detail = DetailPane(self.lookups)
        for pane in (self.shots_pane, self.assets_pane):
            pane.set_thumbnail_source(self.thumbnails)
            pane.activated.connect(self._on_entity_activated)
            pane.current_changed.connect(self._on_current_entity_changed)
        self.shots_pane.retry_requested.connect(lambda: self.retry("shot"))
        self.assets_pane.retry_requested.connect(lambda: self.retry("asset"))
        self.my_tasks_pane.retry_requested.connect(lambda: self.retry("my_tasks"))
        self.projects_pane.retry_requested.connect(self._retry_projects)
        self.detail.retry_requested.connect(self._retry_detail)
        self.projects_pane.project_selected.connect(self.open_project)
        self.projects_pane.episode_selected.connect(self._on_episode_selected)
        self.projects_pane.model.picture = lambda p: self.thumbnails.pixmap(project_picture_path(p.id))
        self.my_tasks_pane.task_activated.connect(self._on_my_task_activated)
        self.detail.task_selected.connect(self.show_thread)
        self.detail.entity_requested.connect(self.open_entity)
        self.thumbnails.preview_ready.connect(self.shots_pane.source.on_thumbnail_ready)
        self.thumbnails.preview_ready.connect(self.assets_pane.source.on_thumbnail_ready)
        self.thumbnails.ready.connect(self._on_picture_ready)

        self.tabs = named(QTabWidget(), "mainTabs", "Lists")
        self.tabs.addTab(self.shots_pane, "&Shots")
        self.tabs.addTab(self.assets_pane, "&Assets")
        self.tabs.addTab(self.my_tasks_pane, "&My tasks")
        self.splitter = named(QSplitter(Qt.Orientation.Horizontal), "mainSplitter", "Main panes")
        self.splitter.addWidget(self.projects_pane)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([220, 900, 380])
        self.setCentralWidget(self.splitter)

        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self._open_current_entity)
        self._pending_current: tuple[str, str] | None = None

        self._build_menus()
        self._build_status_bar()
        self._restore_window_state()
        self.reload()

    # ================================================================ building
    def _set_icon(self) -> None:
        try:
            from desktop.ui.resources import app_icon
        except ImportError:  # pragma: no cover - resources belong to the app shell
            return
        self.setWindowIcon(app_icon())

    def _action(self, text: str, name: str, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_menus(self) -> None:
        bar = named(self.menuBar(), "mainMenuBar", "Menu bar")
        file_menu = named(bar.addMenu("&File"), "fileMenu", "File")
        self.refresh_action = self._action("&Refresh", "actionRefresh", "F5")
        self.refresh_action.triggered.connect(self.refresh)
        self.security_action = self._action("Account &security…", "actionAccountSecurity")
        self.security_action.triggered.connect(self.account_security_requested)
        self.sign_out_action = self._action("Sign &out", "actionSignOut")
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        self.close_action = self._action("&Close window", "actionCloseWindow", "Ctrl+W")
        self.close_action.triggered.connect(self.close)
        file_menu.addAction(self.refresh_action)
        file_menu.addSeparator()
        file_menu.addAction(self.security_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)

        view_menu = named(bar.addMenu("&View"), "viewMenu", "View")
        self.filter_action = self._action("&Filter", "actionFocusFilter", "Ctrl+F")
        self.filter_action.triggered.connect(self.focus_filter)
        view_menu.addAction(self.filter_action)
        view_menu.addSeparator()
        self.tab_actions: list[QAction] = []
        for i, (text, name) in enumerate((("&Shots", "actionShowShots"), ("&Assets", "actionShowAssets"),
                                          ("&My tasks", "actionShowMyTasks"))):
            action = self._action(text, name, f"Ctrl+{i + 1}")
            action.triggered.connect(lambda _checked=False, tab=i: self.show_tab(tab))
            view_menu.addAction(action)
            self.tab_actions.append(action)
        view_menu.addSeparator()
        self.shots_columns_action = view_menu.addAction("Shot &columns…")
        self.shots_columns_action.setObjectName("actionShotColumns")
        self.shots_columns_action.triggered.connect(
            lambda: self.shots_pane.columns_menu().popup(self.mapToGlobal(self.rect().center())))
        self.assets_columns_action = view_menu.addAction("Asset c&olumns…")
        self.assets_columns_action.setObjectName("actionAssetColumns")
        self.assets_columns_action.triggered.connect(
            lambda: self.assets_pane.columns_menu().popup(self.mapToGlobal(self.rect().center())))

    def _build_status_bar(self) -> None:
        status = named(self.statusBar(), "mainStatusBar", "Status bar")
        host = self.server.site_url.split("://", 1)[-1]
        self.server_label = named(QLabel(f"{host} · Zou {self.server.version}"), "statusServer", "Server")
        self.user_label = named(QLabel(self.user.full_name or self.user.email), "statusUser", "Signed-in user")
        self.loading_label = named(QLabel(), "statusLoading", "What is loading")
        self.progress = named(QProgressBar(), "statusProgress", "Loading progress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        status.addWidget(self.loading_label, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.server_label)
        status.addPermanentWidget(self.user_label)

    # ================================================================ window state
    def _restore_window_state(self) -> None:
        geometry = self.settings.geometry("main")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1500, 900)
        state = self.settings.geometry("main/state")
        if state is not None:
            self.restoreState(state)
        self._restore_splitters()
        try:
            tab = int(str(self.settings.value("panes/main/tab", 0)))
        except ValueError:
            tab = 0
        self.tabs.setCurrentIndex(tab if 0 <= tab < self.tabs.count() else 0)

    def _restore_splitters(self) -> None:
        splitter = self.settings.geometry("main/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        detail = self.settings.geometry("main/detailSplitter")
        if detail is not None:
            self.detail.splitter.restoreState(detail)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            # Splitter sizes only stick once the window has its real (restored) size, which the window
            # system may apply after the show: re-apply them on every resize for a short while.
            self._shown = True
            self._settling = True
            self._restore_splitters()
            QTimer.singleShot(SETTLE_MS, self._settled)

    def _settled(self) -> None:
        self._settling = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._settling:
            self._restore_splitters()

    def save_window_state(self) -> None:
        self.settings.set_geometry("main", self.saveGeometry())
        self.settings.set_geometry("main/state", self.saveState())
        self.settings.set_geometry("main/splitter", self.splitter.saveState())
        self.settings.set_geometry("main/detailSplitter", self.detail.splitter.saveState())
        self.settings.set_value("panes/main/tab", self.tabs.currentIndex())
        self.shots_pane.save_columns()
        self.assets_pane.save_columns()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.save_window_state()
        self._detail_timer.stop()
        self.runner.cancel_all()
        self.thumbnails.close()
        super().closeEvent(event)

    # ================================================================ keyboard
    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        pane = self.tabs.currentWidget()
        if isinstance(pane, EntityPane):
            pane.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif isinstance(pane, MyTasksPane):
            pane.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_filter(self) -> None:
        pane = self.tabs.currentWidget()
        if isinstance(pane, EntityPane | MyTasksPane):
            pane.focus_filter()

    def set_row_filter_factory(self, factory: RowFilterFactory) -> None:
        """Swap how the shots and assets panes filter (issue 6 plugs the Kitsu filter language in here)."""
        self.shots_pane.set_row_filter_factory(factory)
        self.assets_pane.set_row_filter_factory(factory)

    # ================================================================ running loads
    def _start(self, key: str, factory: LoadFactory) -> asyncio.Task[Any]:
        """Run a load; a newer one with the same key cancels it. Remembered for Retry and re-sign-in."""
        self._requests[key] = factory
        self._failed.discard(key)
        return self.runner.run(factory(), key=key)

    def _next_gen(self, key: str) -> int:
        self._gen[key] = self._gen.get(key, 0) + 1
        return self._gen[key]

    def _is_current(self, key: str, gen: int) -> bool:
        return self._gen.get(key) == gen and not self._closing

    def retry(self, key: str) -> None:
        factory = self._requests.get(key)
        if factory is not None:
            self._start(key, factory)

    def _retry_projects(self) -> None:
        self.retry("project" if "project" in self._failed else "context")

    def _retry_detail(self) -> None:
        self.retry("thread" if "thread" in self._failed and "detail" not in self._failed else "detail")

    def resume_after_sign_in(self) -> None:
        """Called after the user signed in again: re-run every load that failed."""
        self._expired_pending = False
        self.thumbnails.forget_failures()
        failed = [k for k in ("context", "project", "shot", "asset", "my_tasks", "detail", "thread")
                  if k in self._failed]
        for key in failed:
            self.retry(key)
        if not failed and self.context is None:
            self.reload()

    def _on_failed(self, key: str, exc: object) -> None:
        if self._closing:
            return
        self._failed.add(key)
        self._progress.pop(key, None)
        self._update_progress()
        if isinstance(exc, E.SessionExpired):
            self.loading_label.setText("Your session has ended: sign in again to continue.")
            if not self._expired_pending:
                self._expired_pending = True
                self.session_expired.emit()
            return
        message = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        if key in ("shot", "asset"):
            pane = self.shots_pane if key == "shot" else self.assets_pane
            pane.set_loading(False)
            pane.show_error(message)
        elif key == "my_tasks":
            self.my_tasks_pane.show_error(message)
        elif key in ("detail", "thread"):
            self.detail.show_error(message)
        else:
            self.projects_pane.error.show_error(message)
        self.loading_label.setText(message)
        self.load_failed.emit(key, message)

    def _set_progress(self, key: str, text: str | None) -> None:
        if text is None:
            self._progress.pop(key, None)
        else:
            self._progress[key] = text
        self._update_progress()

    def _update_progress(self, *args: Any) -> None:
        del args
        if self._closing:
            return
        text = " · ".join(self._progress.values())
        if text:
            self.loading_label.setText(text)
        elif not self._failed and not self._expired_pending:
            self.loading_label.setText("Ready")
        self.progress.setVisible(bool(self._progress) or self.runner.busy)

    # ================================================================ context, projects, my tasks
    def reload(self) -> None:
        """Load the user context (statuses, task types, people, projects), then the last project."""
        self._start("context", lambda: self._load_context(keep_rows=False))

    def refresh(self) -> None:
        """F5: reload everything shown; lists keep their rows until the new ones arrive."""
        self._start("context", lambda: self._load_context(keep_rows=True))
        if self.detail.entity_id and self.detail.kind:
            self.open_entity(self.detail.kind, self.detail.entity_id, self.detail.selected_task_id())

    async def _load_context(self, keep_rows: bool) -> None:
        gen = self._next_gen("context")
        self._set_progress("context", "Loading projects…")
        try:
            context = await self.client.context()
        finally:
            if self._is_current("context", gen):
                self._set_progress("context", None)
        if not self._is_current("context", gen):
            return
        self.context = context
        self.lookups = Lookups.from_context(context)
        self.projects_pane.error.clear()
        self.projects_pane.set_projects(context.projects)
        self.loaded.emit("context")
        self._start("my_tasks", self._load_my_tasks)
        wanted = self.project.id if keep_rows and self.project is not None else self.settings.last_project_id
        projects = self.projects_pane.projects()
        target = next((p for p in projects if p.id == wanted), projects[0] if projects else None)
        if target is None:
            self.project = None
            for pane in (self.shots_pane, self.assets_pane):
                pane.set_project(None, self.lookups)
            return
        self.projects_pane.select_project(target.id, emit=False)
        self.open_project(target.id, keep_rows=keep_rows and self.project is not None
                          and self.project.id == target.id)

    async def _load_my_tasks(self) -> None:
        gen = self._next_gen("my_tasks")
        self._set_progress("my_tasks", "Loading my tasks…")
        try:
            tasks = await self.client.my_tasks()
        finally:
            if self._is_current("my_tasks", gen):
                self._set_progress("my_tasks", None)
        if self._is_current("my_tasks", gen):
            self.my_tasks_pane.set_tasks(tasks, self.lookups)
            self.loaded.emit("my_tasks")

    def open_project(self, project_id: str, episode_id: str | None = None, *, keep_rows: bool = False) -> None:
        """Show a project: its episodes (TV shows), then its shots and assets, streamed."""
        project = next((p for p in self.projects_pane.projects() if p.id == project_id), None)
        if project is None:
            return
        same = self.project is not None and self.project.id == project.id
        self.project = project
        self.settings.last_project_id = project.id
        self.projects_pane.select_project(project.id, emit=False)
        self.setWindowTitle(f"{project.name} · {APP_NAME}")
        keep = keep_rows and same
        if not keep:
            # A new project: its columns now, its rows as they arrive. Older loads are cancelled below.
            for pane in (self.shots_pane, self.assets_pane):
                pane.set_project(project, self.lookups)
            self._next_gen("shot")
            self._next_gen("asset")
        self._start("project", lambda: self._open_project(project, episode_id, keep))

    async def _open_project(self, project: Project, episode_id: str | None, keep_rows: bool) -> None:
        gen = self._next_gen("project")
        episode: str | None = None
        if project.is_tv_show:
            self._set_progress("project", "Loading episodes…")
            try:
                episodes = await self.client.episodes(project.id)
            finally:
                if self._is_current("project", gen):
                    self._set_progress("project", None)
            if not self._is_current("project", gen):
                return
            saved = str(self.settings.value(f"panes/projects/episode/{project.id}", "") or "")
            known = {e.id for e in episodes} | {ALL_EPISODES}
            episode = next((e for e in (episode_id, saved, project.first_episode_id) if e and e in known),
                           ALL_EPISODES)
            self.projects_pane.set_episodes(episodes, episode)
        else:
            self.projects_pane.set_episodes(None)
        self.projects_pane.error.clear()
        self.episode_id = episode
        self._load_lists(project, episode, keep_rows)
        self.loaded.emit("project")

    def _on_episode_selected(self, episode_id: str) -> None:
        if self.project is None:
            return
        self.settings.set_value(f"panes/projects/episode/{self.project.id}", episode_id)
        self.episode_id = episode_id
        for pane in (self.shots_pane, self.assets_pane):
            pane.set_project(self.project, self.lookups)
        self._load_lists(self.project, episode_id, keep_rows=False)

    def _load_lists(self, project: Project, episode_id: str | None, keep_rows: bool) -> None:
        for kind in ("shot", "asset"):
            self._start(kind, functools.partial(self._load_entities, kind, project, episode_id, keep_rows))

    # ================================================================ shots and assets, streamed
    def pane(self, kind: str) -> EntityPane:
        return self.shots_pane if kind == "shot" else self.assets_pane

    async def _load_entities(self, kind: str, project: Project, episode_id: str | None, keep_rows: bool) -> None:
        gen = self._next_gen(kind)
        pane = self.pane(kind)
        noun = pane.noun
        keep_current = pane.current_entity_id() if keep_rows else None
        pane.set_loading(True)
        self._set_progress(kind, f"Loading {noun}…")
        first = True
        last_sync = 0.0
        rows = 0
        gc.freeze()  # what is loaded so far (context, modules) need not be rescanned during the stream
        try:
            async for table, _added in self.client.iter_with_tasks(kind, project.id, episode_id):
                if not self._is_current(kind, gen):
                    return
                rows = len(table.rows)
                now = time.monotonic()
                if first:
                    # Replaces what was shown (a refresh keeps the old rows until this moment), with the
                    # columns and names of the freshly loaded context.
                    if keep_rows:
                        pane.set_project(project, self.lookups)
                    pane.source.set_table(table)
                    first, last_sync = False, now
                elif now - last_sync >= SYNC_INTERVAL_S:
                    pane.source.sync_rows()
                    last_sync = now
                    # Rows stay as long as the project is open: take them out of the cyclic GC's scans.
                    # Without this, a full collection over a growing 10,000-shot table stalls the loop
                    # ~100 ms at a time. (Lists of rows hold no cycles: refcounting still frees them.)
                    gc.freeze()
                self._set_progress(kind, f"Loading {noun}… {rows:,}")
            if not self._is_current(kind, gen):
                return
            pane.source.sync_rows()
        finally:
            if self._is_current(kind, gen):
                pane.set_loading(False)
                self._set_progress(kind, None)
        gc.freeze()
        pane.error.clear()
        if keep_current:
            pane.select_entity(keep_current)
        self.loaded.emit(kind)

    # ================================================================ detail
    def _on_current_entity_changed(self, kind: str, entity_id: str) -> None:
        self._pending_current = (kind, entity_id) if entity_id else None
        if entity_id:
            self._detail_timer.start()
        else:
            self._detail_timer.stop()

    def _open_current_entity(self) -> None:
        if self._pending_current is not None:
            kind, entity_id = self._pending_current
            if (kind, entity_id) != (self.detail.kind, self.detail.entity_id):
                self.open_entity(kind, entity_id)

    def _on_entity_activated(self, kind: str, entity_id: str) -> None:
        self._detail_timer.stop()
        self._pending_current = None
        self.open_entity(kind, entity_id)
        self.detail.tasks.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_my_task_activated(self, task: UserTask) -> None:
        self.open_entity(user_task_kind(task), task.entity_id, task.id, project_id=task.project_id)

    def open_entity(self, kind: str, entity_id: str, task_id: str | None = None, *,
                    project_id: str | None = None) -> None:
        """Show a shot or an asset in the detail pane (its tasks, comments, casting, picture)."""
        if kind not in ("shot", "asset") or not entity_id:
            return
        self._start("detail", lambda: self._load_detail(kind, entity_id, task_id, project_id))

    async def _load_detail(self, kind: str, entity_id: str, task_id: str | None, project_id: str | None) -> None:
        gen = self._next_gen("detail")
        self.runner.cancel("thread")
        if entity_id != self.detail.entity_id:
            self._comments = {}
        self.detail.show_loading(kind, entity_id, self._title_hint(kind, entity_id))
        fetch = self.client.shot if kind == "shot" else self.client.asset
        pid = project_id or (self.project.id if self.project is not None else None)
        if kind == "shot" and pid is not None:
            entity, casting = await asyncio.gather(fetch(entity_id), self.client.casting(pid, entity_id))
        elif kind == "asset":
            entity, casting = await asyncio.gather(fetch(entity_id), self.client.cast_in(entity_id))
        else:
            entity = await fetch(entity_id)
            casting = await self.client.casting(str(entity.get("project_id")), entity_id)
        if not self._is_current("detail", gen):
            return
        self.detail.set_entity(kind, entity, self.lookups, self._descriptors(kind, entity))
        self.detail.set_casting("assets" if kind == "shot" else "shots", casting)
        preview = entity.get("preview_file_id")
        if isinstance(preview, str) and preview:
            self.detail.picture_path = preview_picture_path(preview)
            self.detail.set_picture(self.thumbnails.pixmap(self.detail.picture_path))
        else:
            self.detail.picture_path = ""
            self.detail.set_picture(None)
        await self._load_last_comments(entity, gen)
        if not self._is_current("detail", gen):
            return
        tasks = self.detail.tasks_model.records()
        chosen = task_id if task_id and self.detail.tasks_model.row_of_task(task_id) >= 0 else None
        if chosen is None and tasks:
            # The user's own task first, then the most recently commented one.
            me = self.user.id
            pick = max(tasks, key=lambda t: (me in (t.get("assignees") or []), str(t.get("last_comment_date") or "")))
            chosen = str(pick.get("id"))
        if chosen:
            if not self.detail.select_task(chosen) or self.detail.comments_model.task_id != chosen:
                self.show_thread(chosen)
        self.loaded.emit("detail")

    async def _load_last_comments(self, entity: dict[str, Any], gen: int) -> None:
        """Fetch the comment threads of the entity's commented tasks (a few, in parallel)."""
        tasks = [t for t in entity.get("tasks") or [] if isinstance(t, dict) and t.get("id")]
        wanted = [str(t["id"]) for t in tasks if t.get("last_comment_date") and str(t["id"]) not in self._comments]
        limit = asyncio.Semaphore(COMMENT_FETCHES)

        async def one(task_id: str) -> None:
            async with limit:
                self._comments[task_id] = await self.client.task_comments(task_id)

        if wanted:
            await asyncio.gather(*(one(t) for t in wanted))
        if not self._is_current("detail", gen):
            return
        last: dict[str, str] = {}
        for t in tasks:
            thread = self._comments.get(str(t["id"])) or []
            newest = max(thread, key=lambda c: str(c.get("created_at") or ""), default=None)
            if newest is not None:
                last[str(t["id"])] = str(newest.get("text") or "").strip().replace("\n", " ")
        self.detail.set_last_comments(last)

    def show_thread(self, task_id: str) -> None:
        """Show the comments of one of the detail's tasks (cached per entity, else fetched)."""
        if task_id in self._comments:
            self.runner.cancel("thread")
            self.detail.set_comments(task_id, self._comments[task_id])
            self.loaded.emit("thread")
            return
        task = next((t for t in self.detail.tasks_model.records() if t.get("id") == task_id), None)
        if task is not None and not task.get("last_comment_date"):
            self._comments[task_id] = []
            self.detail.set_comments(task_id, [])
            self.loaded.emit("thread")
            return
        self._start("thread", lambda: self._load_thread(task_id))

    async def _load_thread(self, task_id: str) -> None:
        gen = self._next_gen("thread")
        comments = await self.client.task_comments(task_id)
        if self._is_current("thread", gen):
            self._comments[task_id] = comments
            if self.detail.selected_task_id() in (task_id, None):
                self.detail.set_comments(task_id, comments)
            self.loaded.emit("thread")

    def _title_hint(self, kind: str, entity_id: str) -> str:
        pane = self.pane(kind)
        row = pane.model.row_of_entity(entity_id) if pane.source.rowCount() else None
        src = pane.model.source_row(row) if row is not None else None
        if src is None:
            return ""
        values = pane.source.row_values(src)
        parts = ([values.get("sequence_name"), values.get("name")] if kind == "shot"
                 else [values.get("asset_type_name"), values.get("name")])
        return " / ".join(str(p) for p in parts if p)

    def _descriptors(self, kind: str, entity: dict[str, Any]) -> list[tuple[str, str]]:
        project = self.project
        if project is None or entity.get("project_id") != project.id:
            project = next((p for p in self.projects_pane.projects() if p.id == entity.get("project_id")), None)
        if project is None:
            return []
        wanted = "Shot" if kind == "shot" else "Asset"
        return [(d.field_name, d.name) for d in project.descriptors if d.entity_type == wanted and d.field_name]

    def _on_picture_ready(self, path: str) -> None:
        if path == self.detail.picture_path:
            self.detail.set_picture(self.thumbnails.pixmap(path))
        prefix = "/pictures/thumbnails/projects/"
        if path.startswith(prefix):
            self.projects_pane.model.refresh_picture(path[len(prefix):].removesuffix(".png"))

