"""What the main window shows from its first paint until the saved session is checked (cold start).

A saved session's main window is painted before the event loop, the HTTP stack, the keyring and the
panes' modules load (desktop.ui.first_window), so at that first paint it holds the window's real frame
(the saved size and place, the splitter's columns, the list tabs, the menu bar and the status bar) with
a "Connecting to …" state in place of the panes. `MainWindow.fill()` swaps the panes in once the session
is known (`remove()` then drops what is left of this state).

Nothing here can start work: the menus are disabled (so a click before the loop runs, or while the
session is checked, does nothing rather than reach a command whose pane does not exist yet), and the
placeholders are plain labels. Only Qt widgets are imported, so this costs nothing at the first paint.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QWidget

from desktop.ui.widgets import named

# The menu bar's titles as `MainActions` builds them, shown disabled: the bar is there (the panes do not
# move down when the real menus arrive) but nothing in it can be opened before the commands exist.
MENU_TITLES = ("&File", "&Edit", "&View")


def connecting_text(server: str) -> str:
    host = server.split("://", 1)[-1].rstrip("/")
    return f"Connecting to {host}…" if host else "Connecting…"


class ConnectingState:
    """The placeholders: two splitter columns, one page per list tab, the disabled menus, a status text."""

    def __init__(self, window: QMainWindow, server: str, tab_count: int) -> None:
        self.window = window
        text = connecting_text(server)
        self.projects = self._blank("connectingProjects", "Projects (connecting)")
        self.detail = self._blank("connectingDetail", "Detail (connecting)")
        self.pages: list[QWidget] = []
        for _ in range(tab_count):
            page = QLabel(text)
            page.setAccessibleName("Connecting to the server")
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            page.setEnabled(False)  # the muted text of the theme
            self.pages.append(page)
        bar = window.menuBar()
        self.menus: list[QMenu] = []
        for title in MENU_TITLES:
            menu = bar.addMenu(title)
            menu.setEnabled(False)
            self.menus.append(menu)
        self.status = named(QLabel(text), "connectingStatus", "Connecting to the server")
        window.statusBar().addWidget(self.status, 1)

    @staticmethod
    def _blank(name: str, accessible: str) -> QWidget:
        return named(QWidget(), name, accessible)

    def remove(self) -> None:
        """The panes are in: drop the menus, the status text and the placeholders they replaced."""
        self.window.menuBar().clear()
        self.window.statusBar().removeWidget(self.status)
        for widget in (*self.menus, self.status, self.projects, self.detail, *self.pages):
            widget.hide()
            widget.deleteLater()
        self.menus, self.pages = [], []
