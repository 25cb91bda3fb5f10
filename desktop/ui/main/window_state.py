"""Saving and restoring the main window's geometry, dock layout, splitters and current tab.

Splitter sizes only stick once the window has its real (restored) size, which the window system may
apply after the show: they are re-applied on every resize for `SETTLE_MS` after the first show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

SETTLE_MS = 500


class WindowState(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.settings = window.settings
        self._shown = False
        self._settling = False

    def restore_frame(self) -> None:
        """What the window has before its panes (cold start): its size and place, its columns, the tab."""
        w, s = self.w, self.settings
        geometry = s.geometry("main")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(1500, 900)
        self._restore_main_splitter()
        tab = s.main_tab
        w.tabs.setCurrentIndex(tab if 0 <= tab < w.tabs.count() else 0)

    def restore(self) -> None:
        """Everything, once the panes are in. A window already shown (cold start: painted before its panes)
        keeps its place, columns and tab as they are: the user may have moved them already."""
        if not self.w.isVisible():
            self.restore_frame()
        state = self.settings.geometry("main/state")
        if state is not None:
            self.w.restoreState(state)
        self._restore_detail_splitter()

    def _restore_main_splitter(self) -> None:
        splitter = self.settings.geometry("main/splitter")
        if splitter is not None:
            self.w.splitter.restoreState(splitter)

    def _restore_detail_splitter(self) -> None:
        detail = self.settings.geometry("main/detailSplitter")
        if detail is not None:
            self.w.detail.splitter.restoreState(detail)

    def restore_splitters(self) -> None:
        self._restore_main_splitter()
        if self.w.filled:  # the detail pane is in
            self._restore_detail_splitter()

    def shown(self) -> None:
        if not self._shown:
            self._shown = True
            self._settling = True
            self.restore_splitters()
            QTimer.singleShot(SETTLE_MS, self._settled)

    def _settled(self) -> None:
        self._settling = False

    def resized(self) -> None:
        if self._settling:
            self.restore_splitters()

    def save(self) -> None:
        w, s = self.w, self.settings
        s.set_geometry("main", w.saveGeometry())
        s.set_geometry("main/state", w.saveState())
        s.set_geometry("main/splitter", w.splitter.saveState())
        s.set_geometry("main/detailSplitter", w.detail.splitter.saveState())
        s.main_tab = w.tabs.currentIndex()
        w.shots_pane.save_columns()
        w.assets_pane.save_columns()
        s.sync()
