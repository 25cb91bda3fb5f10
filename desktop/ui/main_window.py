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

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QSplitter, QTabWidget, QWidget

from desktop import APP_NAME
from desktop.api import Person, ServerInfo, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.api.editing import Capabilities, EditContext, Editor
from desktop.api.records import Project, UserContext, UserTask
from desktop.asyncqt import TaskRunner
from desktop.csvio import WriteResult
from desktop.models.filtering import RowFilterFactory
from desktop.models.lists import user_task_kind
from desktop.models.lookups import Lookups
from desktop.models.roles import Role
from desktop.settings import Settings
from desktop.ui.csv import (
    CsvActions,
    ExportChoice,
    ask_export_options,
    columns_for_view,
    export_view_async,
    open_result,
    safe_file_name,
    visible_columns,
)
from desktop.ui.downloads import DownloadsDock
from desktop.ui.editing import (
    AssetEditorDialog,
    BulkEditDialog,
    CastingEditor,
    DeleteDialog,
    ShotEditorDialog,
    TaskStatusDialog,
    UndoAction,
)
from desktop.ui.panes import ALL_EPISODES, DetailPane, EntityPane, MyTasksPane, ProjectsPane
from desktop.ui.panes.common import named
from desktop.ui.playlists import PlaylistsPane
from desktop.ui.thumbnails import ThumbnailCache, preview_picture_path, project_picture_path

log = logging.getLogger(__name__)

TAB_SHOTS, TAB_ASSETS, TAB_MY_TASKS, TAB_PLAYLISTS = 0, 1, 2, 3
BULK_FETCHES = 6  # entities fetched in parallel for the bulk edit dialog
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
            pane.inline_edit.saved.connect(self._after_inline_edit)
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
        self.detail.task_selected.connect(self._update_actions)
        self.detail.entity_requested.connect(self.open_entity)
        self.thumbnails.preview_ready.connect(self.shots_pane.source.on_thumbnail_ready)
        self.thumbnails.preview_ready.connect(self.assets_pane.source.on_thumbnail_ready)
        self.thumbnails.ready.connect(self._on_picture_ready)

        self.tabs = named(QTabWidget(), "mainTabs", "Lists")
        self.tabs.addTab(self.shots_pane, "&Shots")
        self.tabs.addTab(self.assets_pane, "&Assets")
        self.tabs.addTab(self.my_tasks_pane, "&My tasks")
        self.playlists_pane = named(PlaylistsPane(client, settings, None, thumbnails=self.thumbnails),
                                    "playlistsPane", "Playlists pane")
        # No wider a minimum than the other lists: the tabs' minimum is their widest page's.
        self.playlists_pane.setMinimumWidth(max(1, min(
            self.playlists_pane.minimumSizeHint().width(),
            max(p.minimumSizeHint().width() for p in (self.shots_pane, self.assets_pane, self.my_tasks_pane)))))
        self.playlists_pane.download_previews_requested.connect(self._download_playlist_previews)
        self.tabs.addTab(self.playlists_pane, "&Playlists")
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

        # ---------------------------------------------------------------- features
        self.downloads = DownloadsDock(session, settings, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.downloads)
        self.downloads.hide()  # shown on first use (enqueue shows it) or with View > Downloads
        self._downloads_shutdown: asyncio.Future[None] | None = None
        self.csv = CsvActions(client, settings, self)
        self.csv.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.csv.failed.connect(self._show_feature_error)
        self.editor = Editor(client, user=user)
        self._dialogs: list[QWidget] = []  # the editing dialogs open now (tests and automation read them)

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
        self.sign_out_action.triggered.connect(self._sign_out_clicked)
        self.close_action = self._action("&Close window", "actionCloseWindow", "Ctrl+W")
        self.close_action.triggered.connect(self.close)
        file_menu.addAction(self.refresh_action)
        file_menu.addSeparator()
        self.export_shots_action = self._action("Export &shots CSV…", "actionExportShotsCsv")
        self.export_shots_action.triggered.connect(lambda: self.export_project_csv("shots"))
        self.export_assets_action = self._action("Export &assets CSV…", "actionExportAssetsCsv")
        self.export_assets_action.triggered.connect(lambda: self.export_project_csv("assets"))
        self.export_casting_action = self._action("Export &casting CSV…", "actionExportCastingCsv")
        self.export_casting_action.triggered.connect(lambda: self.export_project_csv("casting"))
        self.export_view_action = self._action("Export current &view…", "actionExportCurrentView")
        self.export_view_action.triggered.connect(self.export_current_view)
        self.import_csv_action = self._action("&Import CSV…", "actionImportCsv")
        self.import_csv_action.triggered.connect(self.import_csv)
        for action in (self.export_shots_action, self.export_assets_action, self.export_casting_action,
                       self.export_view_action):
            file_menu.addAction(action)
        file_menu.addAction(self.import_csv_action)
        file_menu.addSeparator()
        self.download_previews_action = self._action("&Download previews of selected",
                                                     "actionDownloadSelectedPreviews")
        self.download_previews_action.triggered.connect(self.download_selected_previews)
        self.download_attachments_action = self._action("Download a&ttachments of the selected task",
                                                        "actionDownloadTaskAttachments")
        self.download_attachments_action.triggered.connect(self.download_task_attachments)
        file_menu.addAction(self.download_previews_action)
        file_menu.addAction(self.download_attachments_action)
        file_menu.addSeparator()
        file_menu.addAction(self.security_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)

        self._build_edit_menu(bar)

        view_menu = named(bar.addMenu("&View"), "viewMenu", "View")
        self.filter_action = self._action("&Filter", "actionFocusFilter", "Ctrl+F")
        self.filter_action.triggered.connect(self.focus_filter)
        view_menu.addAction(self.filter_action)
        view_menu.addSeparator()
        self.tab_actions: list[QAction] = []
        for i, (text, name) in enumerate((("&Shots", "actionShowShots"), ("&Assets", "actionShowAssets"),
                                          ("&My tasks", "actionShowMyTasks"),
                                          ("&Playlists", "actionShowPlaylists"))):
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
        view_menu.addSeparator()
        self.downloads_action = self.downloads.toggleViewAction()
        self.downloads_action.setText("&Downloads")
        self.downloads_action.setObjectName("actionShowDownloads")
        self.downloads_action.setShortcut(QKeySequence("Ctrl+J"))
        self.downloads_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.downloads_action)
        view_menu.addAction(self.downloads_action)
        for pane in (self.shots_pane, self.assets_pane):
            # Right-click on the rows: the same commands as the menus, acting on the selection.
            pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            for action in (self.download_previews_action, self.edit_action, self.delete_action,
                           self.bulk_edit_action):
                pane.table.addAction(action)
            if pane is self.shots_pane:
                pane.table.addAction(self.casting_action)
        # Right-click in the detail pane: status of the selected task, attachments of its comments.
        self.detail.tasks.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.detail.tasks.addAction(self.status_action)
        self.detail.tasks.addAction(self.download_attachments_action)
        self.detail.comments.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.detail.comments.addAction(self.download_attachments_action)
        self.tabs.currentChanged.connect(self._update_actions)
        self._update_actions()

    def _build_edit_menu(self, bar: Any) -> None:
        edit_menu = named(bar.addMenu("&Edit"), "editMenu", "Edit")
        self.edit_menu = edit_menu
        self.undo_action = UndoAction(self.editor, self)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.undo_action)
        self.undo_action.undone.connect(self._after_undo)
        self.undo_action.failed.connect(lambda message, _exc: self._show_feature_error(message))
        self.new_asset_action = self._action("New &asset…", "actionNewAsset")
        self.new_asset_action.triggered.connect(self.new_asset)
        self.new_shot_action = self._action("New &shot…", "actionNewShot")
        self.new_shot_action.triggered.connect(self.new_shot)
        self.edit_action = self._action("&Edit selected…", "actionEditSelected")
        self.edit_action.triggered.connect(self.edit_selected)
        self.delete_action = self._action("&Delete selected…", "actionDeleteSelected")
        self.delete_action.triggered.connect(self.delete_selected)
        self.bulk_edit_action = self._action("&Bulk edit…", "actionBulkEdit")
        self.bulk_edit_action.triggered.connect(self.bulk_edit_selected)
        self.status_action = self._action("Change s&tatus…", "actionChangeStatus")
        self.status_action.triggered.connect(self.change_status)
        self.casting_action = self._action("&Casting…", "actionCasting")
        self.casting_action.triggered.connect(self.edit_casting)
        edit_menu.addAction(self.undo_action)
        edit_menu.addSeparator()
        for action in (self.new_asset_action, self.new_shot_action):
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        for action in (self.edit_action, self.delete_action, self.bulk_edit_action, self.status_action,
                       self.casting_action):
            edit_menu.addAction(action)
        edit_menu.aboutToShow.connect(self._update_actions)

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
        self.shutdown_downloads()
        super().closeEvent(event)

    def shutdown_downloads(self) -> asyncio.Future[None] | None:
        """Stop the transfers (they resume next run) and save the queue; once, whoever asks first.

        Runs from the sign-out command before the session is revoked, and from closeEvent; the app's
        shutdown may also `await window.shutdown()` before it closes the session."""
        if self._downloads_shutdown is None:
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:  # pragma: no cover - no loop: nothing was ever started
                return None
            if loop.is_closed():  # pragma: no cover
                return None
            self._downloads_shutdown = asyncio.ensure_future(self.downloads.shutdown(), loop=loop)
        return self._downloads_shutdown

    async def shutdown(self) -> None:
        future = self.shutdown_downloads()
        if future is not None:
            await future

    def _sign_out_clicked(self) -> None:
        async def run() -> None:
            try:
                await self.shutdown()
            finally:
                self.sign_out_requested.emit()

        self.runner.run(run(), key="sign-out")

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
        self.editor.context = context
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
            self.playlists_pane.set_project(None)
            self._update_actions()
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
        if not same or not keep_rows:
            self.playlists_pane.set_project(project)
        else:
            self.playlists_pane.reload()
        self._update_actions()
        for pane in (self.shots_pane, self.assets_pane):  # inline cell editing, with this project's rights
            pane.inline_edit.set_context(self.editor, self.edit_context())
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


    # ================================================================ features: state of the actions
    def capabilities(self) -> Capabilities | None:
        """What the signed-in user may do in the open project (None: no project open)."""
        if self.project is None:
            return None
        return Capabilities.for_project(self.user, self.project.id, self.context)

    def edit_context(self) -> EditContext | None:
        if self.project is None or self.context is None:
            return None
        return EditContext(project=self.project, user=self.user, context=self.context)

    def current_entity_pane(self) -> EntityPane | None:
        pane = self.tabs.currentWidget()
        return pane if isinstance(pane, EntityPane) else None

    def _update_actions(self, *args: Any) -> None:
        del args
        caps = self.capabilities()
        has_project = caps is not None and self.context is not None
        manager = has_project and caps is not None and caps.is_manager
        editor = has_project and caps is not None and caps.can_edit_entity()
        pane = self.current_entity_pane()
        for action in (self.new_asset_action, self.new_shot_action, self.delete_action, self.bulk_edit_action,
                       self.import_csv_action):
            action.setEnabled(manager)
        self.casting_action.setEnabled(manager and (pane is None or pane.kind == "shot"))
        self.edit_action.setEnabled(editor and pane is not None)
        self.status_action.setEnabled(has_project and self.detail.selected_task_id() is not None)
        for action in (self.export_shots_action, self.export_assets_action, self.export_casting_action):
            action.setEnabled(has_project)
        self.export_view_action.setEnabled(pane is not None or self.tabs.currentWidget() is self.my_tasks_pane)
        self.download_previews_action.setEnabled(pane is not None)
        self.download_attachments_action.setEnabled(self.detail.selected_task_id() is not None)
        self.edit_menu.setEnabled(has_project)

    def _show_feature_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        self.loading_label.setText(message)

    def _run_feature(self, coro: Coroutine[Any, Any, Any], key: str) -> asyncio.Task[Any]:
        """Run a command's coroutine; its errors go to the status bar (not to a pane's error banner)."""
        async def guarded() -> Any:
            try:
                return await coro
            except E.ZouError as exc:
                self._show_feature_error(error_text(exc))
                raise
        return self.runner.run(guarded(), key=key)

    # ================================================================ features: downloads
    def download_selected_previews(self, *, folder: str | None = None) -> asyncio.Task[Any] | None:
        """Queue the previews of the selected shots/assets in the Downloads dock (the project's folder)."""
        pane = self.current_entity_pane()
        if pane is None:
            return None
        ids = pane.selected_entity_ids() or [i for i in [pane.current_entity_id()] if i]
        if not ids:
            self.statusBar().showMessage(f"Select {pane.noun} first.", 5000)
            return None
        pid = self.project.id if self.project is not None else None
        return self._run_feature(self.downloads.enqueue_entity_previews(ids, project_id=pid, folder=folder),
                                 "download-previews")

    def download_task_attachments(self) -> asyncio.Task[Any] | None:
        """Queue the attachments (and previews) posted in the selected task's comments."""
        task_id = self.detail.selected_task_id()
        if not task_id:
            return None
        pid = self.project.id if self.project is not None else None
        return self._run_feature(self.downloads.enqueue_task_comments(task_id, project_id=pid),
                                 "download-attachments")

    def _download_playlist_previews(self, preview_ids: list[str]) -> None:
        detail = self.playlists_pane.detail
        if detail is None or not preview_ids:
            return
        pid = self.playlists_pane.project_id
        self._run_feature(self.downloads.enqueue_playlist(detail.playlist.id, project_id=pid), "download-playlist")

    # ================================================================ features: CSV
    def export_project_csv(self, kind: str) -> None:
        if self.project is None:
            return
        if kind in ("shots", "assets", "casting"):
            self.csv.export_project(self.project, kind, episode_id=self._episode_filter())  # type: ignore[arg-type]

    def _episode_filter(self) -> str | None:
        return self.episode_id if self.episode_id and self.episode_id != ALL_EPISODES else None

    def current_view(self) -> tuple[Any, str] | None:
        """The current list's view and a name for its file (None on tabs without a list)."""
        pane = self.tabs.currentWidget()
        project = self.project.name if self.project is not None else ""
        if isinstance(pane, EntityPane):
            return pane.table, f"{project} {pane.noun}".strip()
        if isinstance(pane, MyTasksPane):
            return pane.table, "my tasks"
        return None

    @staticmethod
    def skip_group_rows(model: QAbstractItemModel, index: QModelIndex) -> bool:
        return model.data(index, Role.GroupHeader) is not None

    def export_current_view(self, choice: ExportChoice | None = None) -> asyncio.Task[Any] | None:
        """Export what the current list shows (rows as filtered and sorted, visible columns, no group
        headers). With `choice` (an `ExportChoice`) no dialog is shown."""
        current = self.current_view()
        if current is None:
            return None
        view, name = current
        if choice is None:
            choice = ask_export_options(self.settings, self, title="Export what is shown as CSV",
                                        suggested_name=safe_file_name(name))
            if choice is None:
                return None
        return self.csv.runner.run(self._export_view_to(view, choice), key="export")

    async def _export_view_to(self, view: Any, choice: ExportChoice) -> WriteResult:
        # Not CsvActions.export_view_to: it walks the model as a tree (hasChildren), which flat table
        # models refuse (QAbstractTableModel makes hasChildren private); the lists are flat.
        model = view.model()
        columns = columns_for_view(model, visible_columns(view), assignees_role=Role.Chip)
        result = await export_view_async(model, choice.path, choice.format, columns, recursive=False,
                                         skip_row=self.skip_group_rows)
        text = f"Saved {result.path.name}"
        if result.neutralised:
            text += f" ({result.neutralised} formula-like cell(s) made safe)"
        self.csv.finished.emit(text + ".")
        open_result(result.path, choice.open_when_done)
        return result

    def import_csv(self) -> QWidget | None:
        caps = self.capabilities()
        if self.project is None or caps is None or not caps.is_manager:
            return None
        wizard = self.csv.import_csv(self.project)
        wizard.imported.connect(lambda _report: self.refresh())
        return wizard

    # ================================================================ features: editing
    def _open_dialog(self, dialog: Any) -> Any:
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        dialog.open()  # window-modal, never a blocking exec()
        return dialog

    def _dialog_closed(self, dialog: QWidget) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)
        dialog.deleteLater()

    def _after_edit(self, *args: Any) -> None:
        """A dialog saved something: reload the lists (rows kept until the new ones arrive) and the detail."""
        del args
        if not self._closing:
            self.refresh()

    def _after_inline_edit(self, entity_id: str, entity: dict[str, Any]) -> None:
        """A table cell was saved (the row already shows it): the detail too, if it shows that entity."""
        del entity
        if entity_id == self.detail.entity_id and self.detail.kind and not self._closing:
            self.open_entity(self.detail.kind, entity_id, self.detail.selected_task_id())

    def _after_undo(self, label: str) -> None:
        self.statusBar().showMessage(f"Undone: {label}", 5000)
        self._after_edit()

    def _selected(self) -> tuple[EntityPane, list[str]] | None:
        pane = self.current_entity_pane()
        if pane is None:
            return None
        current = pane.current_entity_id()
        ids = pane.selected_entity_ids()
        if current and current in ids:
            ids.remove(current)
            ids.insert(0, current)
        elif current and not ids:
            ids = [current]
        if not ids:
            self.statusBar().showMessage(f"Select {pane.noun} first.", 5000)
            return None
        return pane, ids

    async def _fetch_entity(self, kind: str, entity_id: str) -> dict[str, Any]:
        if self.detail.kind == kind and self.detail.entity_id == entity_id and self.detail.entity:
            return dict(self.detail.entity)
        fetch = self.client.shot if kind == "shot" else self.client.asset
        return dict(await fetch(entity_id))

    def new_asset(self) -> AssetEditorDialog | None:
        ctx = self.edit_context()
        if ctx is None or not ctx.capabilities.can_create_entities:
            return None
        dialog = AssetEditorDialog(self.editor, self.settings, ctx, self)
        dialog.saved.connect(self._after_edit)
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def new_shot(self) -> ShotEditorDialog | None:
        ctx = self.edit_context()
        if ctx is None or not ctx.capabilities.can_create_entities:
            return None
        sequence_id: str | None = None
        eid = self.shots_pane.current_entity_id()
        row = self.shots_pane.model.row_of_entity(eid) if eid else None
        if row is not None:
            src = self.shots_pane.model.source_row(row)
            values = self.shots_pane.source.row_values(src) if src is not None else {}
            sequence_id = str(values.get("sequence_id") or values.get("parent_id") or "") or None
        dialog = ShotEditorDialog(self.editor, self.settings, ctx, self, sequence_id=sequence_id)
        dialog.saved.connect(self._after_edit)
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def edit_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected

        cls = ShotEditorDialog if pane.kind == "shot" else AssetEditorDialog
        return self._open_entity_dialog(
            pane.kind, ids[0], lambda entity: cls(self.editor, self.settings, ctx, self, entity=entity), "saved")

    def delete_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected

        return self._open_entity_dialog(
            pane.kind, ids[0], lambda entity: DeleteDialog(self.editor, self.settings, ctx, self, entity=entity),
            "deleted")

    def bulk_edit_selected(self) -> asyncio.Task[Any] | None:
        ctx, selected = self.edit_context(), self._selected()
        if ctx is None or selected is None:
            return None
        pane, ids = selected
        limit = asyncio.Semaphore(BULK_FETCHES)

        async def one(entity_id: str) -> dict[str, Any]:
            async with limit:
                return await self._fetch_entity(pane.kind, entity_id)

        async def run() -> Any:
            rows = await asyncio.gather(*(one(i) for i in ids))
            dialog = BulkEditDialog(self.editor, self.settings, ctx, self,
                                    kind="Shot" if pane.kind == "shot" else "Asset", rows=rows)
            dialog.finished_report.connect(self._after_edit)
            return self._open_dialog(dialog)
        return self._run_feature(run(), "edit-dialog")

    def edit_casting(self) -> asyncio.Task[Any] | None:
        ctx = self.edit_context()
        if ctx is None:
            return None
        if self.detail.kind == "shot" and self.detail.entity_id and self.current_entity_pane() is not self.shots_pane:
            shot_id: str | None = self.detail.entity_id
        else:
            shot_id = self.shots_pane.current_entity_id()
        if not shot_id:
            self.statusBar().showMessage("Select a shot first.", 5000)
            return None

        return self._open_entity_dialog(
            "shot", shot_id, lambda entity: CastingEditor(self.editor, self.settings, ctx, self, entity=entity),
            "casting_saved")

    def _open_entity_dialog(self, kind: str, entity_id: str, build: Callable[[dict[str, Any]], Any],
                            done_signal: str) -> asyncio.Task[Any]:
        """Fetch the entity fresh from the server, build the dialog on it, reload the lists when it is done."""

        async def run() -> Any:
            dialog = build(await self._fetch_entity(kind, entity_id))
            getattr(dialog, done_signal).connect(self._after_edit)
            return self._open_dialog(dialog)
        return self._run_feature(run(), "edit-dialog")

    def change_status(self) -> TaskStatusDialog | None:
        """Status + comment on the task selected in the detail pane."""
        ctx = self.edit_context()
        task_id = self.detail.selected_task_id()
        if ctx is None or not task_id:
            return None
        task = next((t for t in self.detail.tasks_model.records() if t.get("id") == task_id), None)
        if task is None:
            return None
        name = str(self.detail.entity.get("name") or "") if self.detail.entity else ""
        dialog = TaskStatusDialog(self.editor, self.settings, ctx, self, task=task, entity_name=name)
        dialog.posted.connect(self._after_status_posted)
        return self._open_dialog(dialog)  # type: ignore[no-any-return]

    def _after_status_posted(self, comment: dict[str, Any]) -> None:
        task_id = str(comment.get("object_id") or self.detail.selected_task_id() or "")
        self._comments.pop(task_id, None)  # the thread gained a comment: fetch it again
        self._after_edit()
