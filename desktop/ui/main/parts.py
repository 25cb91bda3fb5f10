"""What the main window's commands act on: the browse session, the panes, and where messages go.

Commands get this small object instead of the window, so they depend on the panes they use and nothing
else (and a test can build them around a bare window).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui.browse_session import BrowseSession
from desktop.ui.panes import DetailPane, EntityPane, MyTasksPane
from desktop.ui.playlists import PlaylistsPane
from desktop.ui.widgets import error_text


@dataclass
class WindowParts:
    window: QMainWindow
    browse: BrowseSession
    tabs: QTabWidget
    shots: EntityPane
    assets: EntityPane
    my_tasks: MyTasksPane
    detail: DetailPane
    playlists: PlaylistsPane
    runner: TaskRunner  # commands' tasks: cancelled with the window
    loading_label: QLabel

    def pane(self, kind: str) -> EntityPane:
        return self.shots if kind == "shot" else self.assets

    def current_entity_pane(self) -> EntityPane | None:
        pane = self.tabs.currentWidget()
        return pane if isinstance(pane, EntityPane) else None

    def notify(self, text: str, ms: int = 5000) -> None:
        self.window.statusBar().showMessage(text, ms)

    def show_error(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 15000)
        self.loading_label.setText(message)

    def run(self, coro: Coroutine[Any, Any, Any], key: str) -> asyncio.Task[Any]:
        """Run a command's coroutine; its errors go to the status bar (not to a pane's error banner)."""
        async def guarded() -> Any:
            try:
                return await coro
            except E.ZouError as exc:
                self.show_error(error_text(exc))
                raise
        return self.runner.run(guarded(), key=key)
