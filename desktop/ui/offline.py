"""Offline, read-only: the main window's disk cache, the "offline since" banner, and the way back online.

`OfflineReading` opens the signed-in user's disk cache (`desktop.api.cache`) and gives it to the client, so
a project seen before shows its rows at once and every read falls back to the disk when the server cannot
be reached. When that happens (at start, or later) it shows the banner "Offline since HH:MM — showing data
from DATE" (`offlineBanner`), refuses every write (`BrowseSession.read_only`: the actions are disabled with
that reason as tooltip, inline editing is off), and probes the server with a back-off until it answers;
then it says so and re-reads what is shown, revalidated by ETag (304s when nothing changed).

"Clear cache" and "Sign out and forget this computer" remove what the cache holds for this user.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import logging
import shutil
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QToolBar, QToolButton

from desktop.api import errors as E
from desktop.api.cache import ListSource, Reachability, ReadCache, is_unreachable
from desktop.api.exports.worker import run_in_worker
from desktop.ui.panes.common import named

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from desktop.ui.main.actions import MainActions
    from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

MIB = 1024 * 1024
PROBE_DELAYS_S = (2.0, 4.0, 8.0, 15.0, 30.0)  # then every 30 s
PROBE_DEADLINE_S = 5.0
READ_ONLY_REASON = "Offline: Slate cannot reach the server, so changes are disabled until it answers again."
EXPORT_REASON = ("Offline: this export is made by the server. Export current view saves what is shown "
                 "(from the cache).")


def _time(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%H:%M")


def _date(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%d %b %Y %H:%M")


class OfflineReading(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        browse = window.browse
        client = browse.client
        if client.cache is None:
            client.cache = ReadCache.open(window.session, window.user.email or window.user.id,
                                          max_bytes=max(1, window.settings.cache_max_mb) * MIB)
        self.cache: ReadCache = client.cache
        # The pictures folder is held under the same cap as the lists' database.
        window.thumbnails.set_max_bytes(max(1, window.settings.cache_max_mb) * MIB)
        self.reach: Reachability = self.cache.reach
        self._data_from: dict[str, float] = {}  # kind -> when the shown rows were fetched from the server
        self._probe: asyncio.Task[None] | None = None
        self.probes = 0  # observable: how many times the server was asked whether it answers
        self._remove = self.reach.add_listener(lambda _reach: self._changed())
        self.cache.remember_session({"user": window.user.raw or dataclasses.asdict(window.user),
                                     "server": dataclasses.asdict(window.server)})

        self.toolbar = named(QToolBar("Offline"), "offlineToolbar", "Offline")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.toggleViewAction().setVisible(False)
        self.banner = named(QLabel(), "offlineBanner", "Offline banner")
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet("QLabel { padding: 4px 8px; font-weight: bold; }")
        self.retry_button = named(QToolButton(), "offlineRetryButton", "Try to reconnect now")
        self.retry_button.setText("Try now")
        self.retry_button.clicked.connect(self.try_now)
        self.toolbar.addWidget(self.banner)
        self.toolbar.addWidget(self.retry_button)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.toolbar.hide()
        browse.list_source.connect(self._on_list_source)

    # ------------------------------------------------------------ state
    @property
    def offline(self) -> bool:
        return not self.reach.online

    def go_offline(self, exc: BaseException) -> None:
        """The server could not be reached before the window opened (the controller's offline start)."""
        self.reach.failed(exc)

    def banner_text(self) -> str:
        since = _time(self.reach.since) if self.reach.since else "now"
        shown = [t for t in self._data_from.values() if t]
        data = f"showing data from {_date(min(shown))}" if shown else "showing what this computer has cached"
        return f"Offline since {since} — {data}"

    def _on_list_source(self, kind: str, source: object) -> None:
        if isinstance(source, ListSource) and source.stored_at:
            self._data_from[kind] = source.stored_at
        if self.offline:
            self.banner.setText(self.banner_text())

    def _changed(self) -> None:
        w = self.w
        if w.browse.closed:
            return
        if self.offline:
            w.browse.read_only = READ_ONLY_REASON
            self.banner.setText(self.banner_text())
            self.banner.setToolTip(f"The server did not answer: {self.reach.error}" if self.reach.error else "")
            self.toolbar.show()
            self._start_probe()
        else:
            w.browse.read_only = ""
            self.toolbar.hide()
            w.statusBar().showMessage("Back online: what is shown is checked against the server again.", 10000)
            w.thumbnails.forget_failures()
            if w.browse.context is None:
                w.browse.reload()  # opened offline with nothing cached yet: load as at a normal start
            else:
                w.browse.revalidate()
                w.browse.reload_my_tasks()
        # Not cached: these say "offline" instead of failing, and read the server again once it answers.
        w.playlists_pane.set_offline(self.offline)
        w.inbox.set_offline(self.offline)
        for pane in (w.shots_pane, w.assets_pane):
            pane.inline_edit.set_context(w.browse.editor, w.browse.edit_context())
        w.main_actions.update()

    # ------------------------------------------------------------ the write actions while offline
    def restrict(self, actions: MainActions) -> None:
        """Disable the writes (and the server-made exports) while offline, saying why in the tooltip."""
        writes: list[QAction] = [actions.new_asset_action, actions.new_shot_action, actions.edit_action,
                                 actions.delete_action, actions.bulk_edit_action, actions.status_action,
                                 actions.casting_action, actions.import_csv_action, actions.undo_action,
                                 actions.publish_action, actions.assign_task_action, actions.assign_selected_action,
                                 actions.breakdown_action, actions.subscribe_action, actions.add_to_playlist_action,
                                 actions.studio_action]
        exports: list[QAction] = [actions.export_shots_action, actions.export_assets_action,
                                  actions.export_casting_action]
        for action in writes + exports:
            if self.offline:
                action.setEnabled(False)
                action.setToolTip(READ_ONLY_REASON if action in writes else EXPORT_REASON)
            elif action.toolTip() in (READ_ONLY_REASON, EXPORT_REASON):
                action.setToolTip("")
        actions.edit_menu.setEnabled(actions.edit_menu.isEnabled() or self.offline)  # to read why

    # ------------------------------------------------------------ back online by itself
    def _start_probe(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._probe_loop())

    def try_now(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
        self._probe = asyncio.ensure_future(self._probe_loop(first_delay=0.0))

    async def _probe_loop(self, first_delay: float | None = None) -> None:
        attempt = 0
        while self.offline and not self.w.browse.closed:
            delay = PROBE_DELAYS_S[min(attempt, len(PROBE_DELAYS_S) - 1)]
            await asyncio.sleep(first_delay if attempt == 0 and first_delay is not None else delay)
            attempt += 1
            if await self.probe():
                return

    async def probe(self) -> bool:
        """Ask the server's API root (no token, not retried): any answer of Zou's means it is back."""
        self.probes += 1
        try:
            await self.w.session.request("GET", "/", auth=False, retry=False, deadline=PROBE_DEADLINE_S)
        except E.ZouError as exc:
            if is_unreachable(exc):
                self.reach.error = str(exc)
                return False
        self.reach.succeeded()
        return True

    # ------------------------------------------------------------ clearing
    async def clear(self) -> None:
        """Remove this user's cached data for this server, and the cached pictures."""
        await self.cache.flush()
        self.cache.store.clear()
        self.w.thumbnails.close()
        cache_dir = self.w.thumbnails.cache_dir
        await run_in_worker(shutil.rmtree, cache_dir, True)
        self.w.thumbnails.store.forget_size()
        log.info("disk cache cleared")

    def clear_clicked(self) -> None:
        async def run() -> None:
            await self.clear()
            self.w.statusBar().showMessage("Cache cleared: lists and pictures are read from the server again.",
                                           8000)

        self.w.runner.run(run(), key="clear-cache")

    def forget_clicked(self) -> None:
        """Sign out, and remove this user's cache (the tokens go with any sign-out)."""
        async def run() -> None:
            await self.w.shutdown()
            self.w.browse.close()  # no load still on its way may write into the cache being removed
            with contextlib.suppress(OSError):
                await self.clear()
            self.w.sign_out_requested.emit()

        self.w.runner.run(run(), key="sign-out")

    def close(self) -> None:
        self._remove()
        if self._probe is not None:
            self._probe.cancel()
        self.cache.close()

    def details(self) -> dict[str, Any]:
        return {"offline": self.offline, "since": self.reach.since, "data_from": dict(self._data_from)}
