"""View menu options: row density of the lists and the colour scheme (System / Light / Dark).

Both are settings (`Settings.grid_density`, `Settings.theme`); the theme is applied app-wide by the one
`ThemeManager` (`desktop.ui.theme`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMenu

from desktop.ui.panes.common import named
from desktop.ui.theme import THEMES, ThemeManager

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

THEME_TITLES = {"system": "&System", "light": "&Light", "dark": "&Dark"}


class ViewOptions:
    def __init__(self, window: MainWindow, view_menu: QMenu) -> None:
        self.w = window
        self.settings = window.browse.settings
        self.compact_action = QAction("Compact &rows", window)
        self.compact_action.setObjectName("actionCompactRows")
        self.compact_action.setCheckable(True)
        self.compact_action.setChecked(self.settings.grid_density == "compact")
        self.compact_action.toggled.connect(self.set_compact)
        view_menu.addSeparator()
        view_menu.addAction(self.compact_action)
        self.theme_menu = named(view_menu.addMenu("&Theme"), "themeMenu", "Theme")
        group = QActionGroup(window)
        group.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        for choice in THEMES:
            action = self.theme_menu.addAction(THEME_TITLES[choice])
            action.setObjectName(f"actionTheme:{choice}")
            action.setCheckable(True)
            action.setChecked(self.settings.theme == choice)
            action.triggered.connect(lambda _checked=False, c=choice: self.set_theme(c))
            group.addAction(action)
            self.theme_actions[choice] = action

    def set_compact(self, compact: bool) -> None:
        density = "compact" if compact else "comfortable"
        self.settings.grid_density = density
        for pane in (self.w.shots_pane, self.w.assets_pane):
            pane.set_density(density)

    def set_theme(self, choice: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            ThemeManager.of(app, self.settings).choose(choice)
        self.theme_actions[choice].setChecked(True)
