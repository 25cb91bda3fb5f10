"""The main window: projects on the left, shots / assets / my tasks / playlists in tabs, the detail on the right.

This module is layout and wiring only. What the user is looking at, and every load that fills it, is the
`BrowseSession` (`desktop.ui.browse_session`), given to each pane in its constructor; the menus and
actions are `desktop.ui.main.actions`, the commands they run `desktop.ui.main.edit_commands` and
`desktop.ui.main.file_commands`, and the saved geometry `desktop.ui.main.window_state`. A write ends in
`BrowseSession.apply(changes)`; each pane repaints what it concerns (`docs/architecture.md`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

from desktop import APP_NAME
from desktop.settings import Settings
from desktop.ui.main.connecting import ConnectingState
from desktop.ui.main.window_state import WindowState
from desktop.ui.widgets import named

# Cold start: a saved session's window paints before the session is checked (`before_session`), so this
# module loads only Qt and the window's frame; what the panes need is imported by `fill()`.
if TYPE_CHECKING:
    import asyncio

    from desktop.api import Person, ServerInfo, ZouClient, ZouSession
    from desktop.api.records import Project
    from desktop.models.filtering import RowFilterFactory
    from desktop.ui.live_updates import LiveUpdates

TAB_SHOTS, TAB_ASSETS, TAB_MY_TASKS, TAB_PLAYLISTS = 0, 1, 2, 3
TAB_LABELS = ("&Shots", "&Assets", "&My tasks", "&Playlists")
SPLITTER_STRETCH = (0, 1, 0)  # projects, lists, detail: the lists take the room


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    account_security_requested = Signal()
    session_expired = Signal()
    loaded = Signal(str)  # a load finished: "context", "shot", "asset", "my_tasks", "detail", "thread", ...
    load_failed = Signal(str, str)  # load key, message shown

    def __init__(self, session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                 server: ServerInfo) -> None:
        super().__init__()
        self._build_frame(settings, server.site_url)
        self.fill(session, client, user, server)

    @classmethod
    def before_session(cls, settings: Settings, server: str) -> MainWindow:
        """Cold start (desktop.ui.first_window): the window a saved session opens, built to be painted
        before the session is checked and before the panes' modules load. It shows "Connecting to
        `server`…" with its menus disabled until `fill()` (AppController, once the session is known)."""
        window = cls.__new__(cls)
        QMainWindow.__init__(window)
        window._build_frame(settings, server)
        return window

    def _build_frame(self, settings: Settings, server: str) -> None:
        """The window without its panes: title, icon, saved geometry, the splitter and the list tabs."""
        named(self, "mainWindow", f"{APP_NAME} main window")
        self.settings = settings
        self.setWindowTitle(f"{APP_NAME} · {server}")
        self._set_icon()
        self._closing = False
        self.filled = False  # fill() ran: the panes, menus and session are there
        self.tabs = named(QTabWidget(), "mainTabs", "Lists")
        self.splitter = named(QSplitter(Qt.Orientation.Horizontal), "mainSplitter", "Main panes")
        self.connecting: ConnectingState | None = ConnectingState(self, server, len(TAB_LABELS))
        for page, label in zip(self.connecting.pages, TAB_LABELS, strict=True):
            self.tabs.addTab(page, label)
        for widget in (self.connecting.projects, self.tabs, self.connecting.detail):
            self.splitter.addWidget(widget)
        self._set_stretch()
        self.splitter.setSizes([220, 900, 380])
        self.setCentralWidget(self.splitter)
        self.window_state = WindowState(self)
        self.window_state.restore_frame()

    def _set_stretch(self) -> None:
        for i, stretch in enumerate(SPLITTER_STRETCH):
            self.splitter.setStretchFactor(i, stretch)

    def fill(self, session: ZouSession, client: ZouClient, user: Person, server: ServerInfo) -> None:
        """The session is known: build the panes, menus and status bar into the window, and start loading."""
        from desktop.asyncqt import TaskRunner
        from desktop.ui.browse_session import BrowseSession
        from desktop.ui.csv import CsvActions
        from desktop.ui.downloads import DownloadsDock
        from desktop.ui.main.actions import MainActions
        from desktop.ui.main.detail_follow import DetailFollower
        from desktop.ui.main.edit_commands import EditCommands
        from desktop.ui.main.file_commands import FileCommands
        from desktop.ui.main.parts import WindowParts
        from desktop.ui.main.status_bar import MainStatusBar
        from desktop.ui.offline import OfflineReading
        from desktop.ui.panes import DetailPane, EntityPane, MyTasksPane, ProjectsPane
        from desktop.ui.playlists import PlaylistsPane
        from desktop.ui.publish.commands import PublishCommands
        from desktop.ui.review.commands import ReviewCommands
        from desktop.ui.thumbnails import ThumbnailCache

        settings = self.settings
        self.session, self.client, self.user, self.server = session, client, user, server
        self.setWindowTitle(f"{APP_NAME} · {server.site_url}")
        self.runner = TaskRunner(self)  # the commands' tasks (the loads run on the browse session's)
        self.browse = browse = BrowseSession(session, client, settings, user, server, self)
        self.thumbnails = ThumbnailCache(session, parent=self)
        browse.on_resumed.append(self.thumbnails.forget_failures)
        self.offline = OfflineReading(self)  # the disk cache: reopen at once, read offline

        # ---------------------------------------------------------------- panes
        self.projects_pane = ProjectsPane(browse=browse, thumbnails=self.thumbnails)
        self.shots_pane = EntityPane("shot", settings, browse.lookups, browse=browse)
        self.assets_pane = EntityPane("asset", settings, browse.lookups, browse=browse)
        self.my_tasks_pane = MyTasksPane(browse.lookups, browse=browse)
        self.detail = DetailPane(browse.lookups, browse=browse, thumbnails=self.thumbnails)
        self.playlists_pane = named(PlaylistsPane(client, settings, None, thumbnails=self.thumbnails),
                                    "playlistsPane", "Playlists pane")
        for pane in (self.shots_pane, self.assets_pane):
            pane.set_thumbnail_source(self.thumbnails)
            self.thumbnails.preview_ready.connect(pane.source.on_thumbnail_ready)

        # No wider a minimum than the other lists: the tabs' minimum is their widest page's.
        self.playlists_pane.setMinimumWidth(max(1, min(
            self.playlists_pane.minimumSizeHint().width(),
            max(p.minimumSizeHint().width() for p in (self.shots_pane, self.assets_pane, self.my_tasks_pane)))))
        # Into the frame's places (the splitter keeps its columns' sizes), then the placeholders go.
        current, sizes = self.tabs.currentIndex(), self.splitter.sizes()
        self.tabs.clear()
        for page, label in zip((self.shots_pane, self.assets_pane, self.my_tasks_pane, self.playlists_pane),
                               TAB_LABELS, strict=True):
            self.tabs.addTab(page, label)
        self.tabs.setCurrentIndex(current)
        self.splitter.replaceWidget(0, self.projects_pane)
        self.splitter.replaceWidget(2, self.detail)
        self._set_stretch()
        self.splitter.setSizes(sizes)  # the new panes' own sizes must not move the columns
        if self.connecting is not None:
            self.connecting.remove()
            self.connecting = None

        # ---------------------------------------------------------------- features
        self.downloads = DownloadsDock(session, settings, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.downloads)
        self.my_tasks_pane.tabs.downloads = self.downloads  # "Where do I save?" downloads working files here
        self.downloads.hide()  # shown on first use (enqueue shows it) or with View > Downloads
        self._downloads_shutdown: asyncio.Future[None] | None = None
        browse.on_resumed.append(self.downloads.resume_after_sign_in)  # paused by the ended session
        self.csv = CsvActions(client, settings, self)
        self.editor = browse.editor
        self.live: LiveUpdates | None = None
        self._live_stopped: asyncio.Future[None] | None = None
        self.status_bar = bar = MainStatusBar(self, browse, user, server)
        self.loading_label, self.progress, self.live_label = bar.loading_label, bar.progress, bar.live_label
        self.server_label, self.user_label, self.inbox = bar.server_label, bar.user_label, bar.inbox
        self.parts = WindowParts(self, browse, self.tabs, self.shots_pane, self.assets_pane, self.my_tasks_pane,
                                 self.detail, self.playlists_pane, self.runner, self.loading_label)
        self.follower = DetailFollower(self.parts)
        self.inbox.task_requested.connect(self.follower.open_task)
        self.edits = EditCommands(self.parts)
        self.files = FileCommands(self.parts, self.csv, self.downloads)
        self.publishing = PublishCommands(self.parts)
        self.csv.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.csv.failed.connect(self.parts.show_error)
        self.playlists_pane.download_previews_requested.connect(self.files.download_playlist_previews)
        self.review = ReviewCommands(self.parts, self.thumbnails)  # playlist editing and review windows
        self.main_actions = MainActions(self)

        # ---------------------------------------------------------------- the session's signals
        browse.loaded.connect(self.loaded)
        browse.load_failed.connect(self.load_failed)
        browse.session_expired.connect(self.session_expired)
        browse.progress_changed.connect(self._show_progress)
        browse.notice.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.runner.busy_changed.connect(lambda busy: self.progress.setVisible(busy or browse.runner.busy))
        browse.project_opened.connect(self._on_project_opened)
        browse.context_changed.connect(self.main_actions.update)
        self.detail.task_selected.connect(self.main_actions.update)
        self.tabs.currentChanged.connect(self.main_actions.update)
        self.main_actions.update()

        self.window_state.restore()
        self.filled = True
        if self.isVisible() and self.focusWidget() is None:
            self.focusNextChild()  # shown before its panes (cold start): focus goes where a show puts it
        browse.reload()
        self.inbox.reload()

    def _set_icon(self) -> None:
        try:
            from desktop.ui.resources import app_icon
        except ImportError:  # pragma: no cover - resources belong to the app shell
            return
        self.setWindowIcon(app_icon())

    # ================================================================ what is open (the browse session's)
    @property
    def project(self) -> Project | None:
        return self.browse.project

    @property
    def context(self) -> Any:
        return self.browse.context

    @property
    def episode_id(self) -> str | None:
        return self.browse.episode_id

    @property
    def lookups(self) -> Any:
        return self.browse.lookups

    def refresh(self) -> None:
        """F5: reload everything shown; lists keep their rows until the new ones arrive."""
        self.browse.refresh()

    def open_project(self, project_id: str, episode_id: str | None = None, *, keep_rows: bool = False) -> None:
        self.browse.open_project(project_id, episode_id, keep_rows=keep_rows)

    def resume_after_sign_in(self) -> None:
        """Called after the user signed in again: re-run every load that failed."""
        self.browse.resume_after_sign_in()

    def _on_project_opened(self, project: Project | None, kept: bool) -> None:
        if project is None:
            self.playlists_pane.set_project(None)
        else:
            self.setWindowTitle(f"{project.name} · {APP_NAME}")
            if kept:
                self.playlists_pane.reload()
            else:
                self.playlists_pane.set_project(project)
        self.main_actions.update()

    def _show_progress(self, text: str, busy: bool) -> None:
        if not self._closing:
            self.status_bar.show_progress(text, busy or self.runner.busy)

    def open_entity(self, kind: str, entity_id: str, task_id: str | None = None, *,
                    project_id: str | None = None) -> None:
        """Show a shot or an asset in the detail pane (see `DetailFollower`)."""
        self.follower.open_entity(kind, entity_id, task_id, project_id=project_id)

    # ================================================================ keyboard
    def show_tab(self, index: int) -> None:
        from desktop.ui.panes import EntityPane, MyTasksPane

        self.tabs.setCurrentIndex(index)
        pane = self.tabs.currentWidget()
        if isinstance(pane, EntityPane | MyTasksPane):
            pane.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_filter(self) -> None:
        from desktop.ui.panes import EntityPane, MyTasksPane

        pane = self.tabs.currentWidget()
        if isinstance(pane, EntityPane | MyTasksPane):
            pane.focus_filter()

    def set_row_filter_factory(self, factory: RowFilterFactory) -> None:
        """Swap how the shots and assets panes filter (the Kitsu filter language by default)."""
        self.shots_pane.set_row_filter_factory(factory)
        self.assets_pane.set_row_filter_factory(factory)

    # ================================================================ live updates
    def start_live_updates(self, location: str | None = None) -> LiveUpdates:
        """Listen to Zou's event stream (at the API's host, `/socket.io`, unless `location` says where):
        what others change shows without F5. The status bar says live / reconnecting / offline."""
        from desktop.api.events import EventStream  # python-socketio is imported only when listening
        from desktop.ui.live_updates import LiveUpdates

        if self.live is None:
            self.live = LiveUpdates(self.browse, EventStream(self.session, location or None), self)
            self.live.status_changed.connect(self.status_bar.show_live_status)
            self.live.notification.connect(self.inbox.on_event)
            self.runner.run(self.live.start(), key="live")
        return self.live

    # ================================================================ window life
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.window_state.shown()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.window_state.resized()

    def save_window_state(self) -> None:
        self.window_state.save()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        if not self.filled:  # closed before the session was checked (cold start): nothing started yet
            super().closeEvent(event)
            return
        self.window_state.save()
        self.follower.stop()
        self.browse.close()
        self.runner.cancel_all()
        self.review.close_windows()
        self.thumbnails.close()
        self.offline.close()
        self.shutdown_downloads()
        self._stop_live()
        super().closeEvent(event)

    def _stop_live(self) -> asyncio.Future[None] | None:
        import asyncio

        if self.live is not None and self._live_stopped is None:
            self._live_stopped = asyncio.ensure_future(self.live.stop())
        return self._live_stopped

    def shutdown_downloads(self) -> asyncio.Future[None] | None:
        """Stop the transfers (they resume next run) and save the queue; once, whoever asks first.

        Runs from the sign-out command before the session is revoked, and from closeEvent; the app's
        shutdown may also `await window.shutdown()` before it closes the session."""
        import asyncio

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
        live = self._stop_live()
        if live is not None:
            await live

    def sign_out_clicked(self) -> None:
        async def run() -> None:
            try:
                await self.shutdown()
            finally:
                self.sign_out_requested.emit()

        self.runner.run(run(), key="sign-out")
