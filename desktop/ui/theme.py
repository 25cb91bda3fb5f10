"""Light and dark colour schemes for the main window, following the system setting or the user's choice.

`Settings.theme` is "system", "light" or "dark" (View > Theme). "system" follows Qt's
`QStyleHints.colorScheme()` (Qt 6.5+) and changes with it while the app runs. While the result is the
system's own scheme in light, the platform's look is left as it is; otherwise the palette of
`resources/styles/palettes.json` is applied with the Fusion style (a platform style may ignore a
palette). Zou's status colours are never changed: the chip text is black or white, whichever has the
higher WCAG contrast on the status colour (`desktop.models.lookups.readable_text_color`).
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from desktop.settings import Settings
from desktop.ui.resources import resource_path

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")
# Windows styled by resources/styles/slate.qss, a light design: they keep the light palette in either scheme.
LIGHT_ONLY = ("SignInWindow", "SessionExpiredSheet", "AccountSecurityDialog")
PALETTES = "styles/palettes.json"


@cache
def _palettes() -> dict[str, Any]:
    f = QFile(resource_path(PALETTES))
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        log.warning("palettes not found at %s", resource_path(PALETTES))
        return {}
    try:
        data = json.loads(bytes(f.readAll().data()).decode("utf-8"))
    finally:
        f.close()
    return data if isinstance(data, dict) else {}


def system_scheme() -> str:
    """"dark" when the system says so (Qt 6.5+), else "light" (also when it does not know)."""
    hints = QGuiApplication.styleHints()
    return "dark" if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def resolve(choice: str) -> str:
    """The scheme a choice stands for: "light" or "dark"."""
    return choice if choice in ("light", "dark") else system_scheme()


def palette_for(scheme: str) -> QPalette:
    colors = _palettes().get(scheme) or {}
    palette = QPalette()
    for role_name, value in colors.items():
        role = getattr(QPalette.ColorRole, role_name, None)
        if role is not None and isinstance(value, str):
            palette.setColor(role, QColor(value))
    for role_name, value in (colors.get("disabled") or {}).items():
        role = getattr(QPalette.ColorRole, role_name, None)
        if role is not None:
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(value))
    return palette


class ThemeManager(QObject):
    """Applies `Settings.theme` to the application, and again when the system scheme changes."""

    def __init__(self, app: QApplication, settings: Settings) -> None:
        super().__init__(app)
        self.app, self.settings = app, settings
        self.scheme = ""
        self.platform_style, self.platform_palette = app.style().name(), QPalette(app.palette())
        hints = QGuiApplication.styleHints()
        if hints is not None:
            hints.colorSchemeChanged.connect(lambda _scheme: self.apply())
        self.apply()

    @staticmethod
    def of(app: QApplication, settings: Settings) -> ThemeManager:
        """The application's one manager (created on first use)."""
        existing = app.findChild(ThemeManager, "themeManager")
        if existing is None:
            existing = ThemeManager(app, settings)
            existing.setObjectName("themeManager")
        return existing

    def choose(self, choice: str) -> None:
        """The user's choice from the menu: saved, then applied."""
        self.settings.theme = choice if choice in THEMES else "system"
        self.apply()

    def apply(self) -> None:
        scheme = resolve(self.settings.theme)
        native = scheme == "light" and system_scheme() == "light"  # the platform's own light look
        key = "native" if native else scheme
        if key == self.scheme:
            return
        self.scheme = key
        wanted = self.platform_style if native else "fusion"
        if self.app.style().name().lower() != wanted.lower():
            style = QStyleFactory.create(wanted)
            if style is not None:
                self.app.setStyle(style)
        self.app.setPalette(self.platform_palette if native else palette_for(scheme))
        light = palette_for("light")
        for class_name in LIGHT_ONLY:  # after the app palette, which resets the per-class ones
            # PySide6 takes the class name as str at run time (bytes is refused), whatever its stub says.
            self.app.setPalette(light, class_name)  # type: ignore[arg-type]
