"""Light and dark colour schemes for the main window, following the system setting or the user's choice.

`Settings.theme` is "system", "light" or "dark" (View > Theme). "system" follows Qt's
`QStyleHints.colorScheme()` (Qt 6.5+) and changes with it while the app runs. While the result is the
system's own scheme in light, the platform's look is left as it is; otherwise the palette of
`resources/styles/palettes.json` is applied with the Fusion style (a platform style may ignore a
palette). Zou's status colours are never changed: the chip text is black or white, whichever has the
higher WCAG contrast on the status colour (`desktop.models.lookups.readable_text_color`).

Text drawn in a colour that is Zou's and not the palette's, the task-type column titles, is made readable
where it is drawn: the app's style (`ReadableStyle`, a proxy over Fusion or the platform style) moves a
header label's colour along its own hue, lighter on a dark header and darker on a light one, just until
it reaches `TEXT_CONTRAST` (WCAG AA, 4.5:1) on the header's background. Zou's teal #009688 reads at 3.2:1
on the dark header as it is; the light header's yellows are worse. Icons in the palette's text colour:
`tinted_icon`.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap, qGray
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionHeader,
    QWidget,
)

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


TEXT_CONTRAST = 4.5  # WCAG 2 AA for text
_MARGIN = 0.1  # aimed a little above: a colour rounds to 8 bits a channel, a gradient varies by a shade


@cache
def readable_on(color: str, background: str, minimum: float = TEXT_CONTRAST + _MARGIN) -> str:
    """`color` (#rrggbb) itself when it reads on `background` at `minimum`:1, else the nearest colour of
    the same hue and saturation that does (lighter on a dark background, darker on a light one)."""
    # Imported when a header first paints: desktop.models is ~0.7 s of imports the sign-in window, which
    # loads this module, must not wait for (cold start).
    from desktop.models.lookups import contrast_ratio

    if contrast_ratio(color, background) >= minimum:
        return color
    base = QColor(color)
    hue, sat, light = max(base.hslHueF(), 0.0), base.hslSaturationF(), base.lightnessF()
    up = contrast_ratio("#ffffff", background) >= contrast_ratio("#000000", background)
    lo, hi = (light, 1.0) if up else (0.0, light)  # the far end (white or black) always reads
    for _ in range(20):  # bisect the lightness: the smallest change that reaches the contrast
        mid = (lo + hi) / 2
        if contrast_ratio(QColor.fromHslF(hue, sat, mid).name(), background) >= minimum:
            lo, hi = (lo, mid) if up else (mid, hi)
        else:
            lo, hi = (mid, hi) if up else (lo, mid)
    return QColor.fromHslF(hue, sat, hi if up else lo).name()


def header_backgrounds(button: str) -> tuple[str, str]:
    """The darkest and the lightest colour behind a header section's text for the palette's Button colour.

    Fusion shades the Button colour (its buttonColor(): lighter by up to a fifth on a dark palette) and
    paints a section with a gradient a little around that shade: #36393F gives #42444A to #46494F behind the
    text, #E6E9EE gives #E3E5E8 to #F5F7FA (measured on Qt 6.11; tests/ui/test_theme_contrast.py paints it)."""
    color = QColor(button)
    shade = color.lighter(100 + max(1, (180 - qGray(color.rgb())) // 6))
    return color.darker(102).name(), shade.lighter(110).name()


@cache
def readable_title(color: str, button: str) -> str:
    """`readable_on` every background a header section may have (`header_backgrounds`)."""
    for background in header_backgrounds(button):  # each step only moves further the same way
        color = readable_on(color, background)
    return color


class ReadableStyle(QProxyStyle):
    """The app's style with header labels in a readable colour (see the module's docstring)."""

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption, painter: QPainter,
                    widget: QWidget | None = None) -> None:
        if element == QStyle.ControlElement.CE_HeaderLabel and isinstance(option, QStyleOptionHeader):
            palette = option.palette
            text = palette.color(QPalette.ColorRole.ButtonText).name()
            readable = readable_title(text, palette.color(QPalette.ColorRole.Button).name())
            if readable != text:
                option = QStyleOptionHeader(option)
                option.palette.setColor(QPalette.ColorRole.ButtonText, QColor(readable))
        super().drawControl(element, option, painter, widget)


def style_name(style: QStyle) -> str:
    """The name of the style underneath (a proxy has none of its own): "fusion", "windows11"..."""
    return (style.baseStyle() if isinstance(style, QProxyStyle) else style).name()


def tinted_icon(name: str, color: QColor, size: int = 16) -> QIcon:
    """The resource SVG `name` painted in `color` (its shapes as a mask): an icon that follows the palette."""
    source = QIcon(resource_path(name))
    icon = QIcon()
    for scale in (1, 2):  # crisp on a high-DPI screen too
        pixmap = source.pixmap(QSize(size * scale, size * scale))
        if pixmap.isNull():
            continue
        tinted = QPixmap(pixmap.size())
        tinted.fill(Qt.GlobalColor.transparent)
        painter = QPainter(tinted)
        painter.drawPixmap(0, 0, pixmap)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(tinted.rect(), color)
        painter.end()
        icon.addPixmap(tinted)
    return icon


class ThemeManager(QObject):
    """Applies `Settings.theme` to the application, and again when the system scheme changes."""

    def __init__(self, app: QApplication, settings: Settings) -> None:
        super().__init__(app)
        self.app, self.settings = app, settings
        self.scheme = ""
        self.style: ReadableStyle | None = None
        self.platform_style = style_name(app.style())  # a second manager (tests) finds the first's proxy
        self.platform_palette = QPalette(app.palette())
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
        current = self.app.style()
        if not isinstance(current, ReadableStyle) or style_name(current).lower() != wanted.lower():
            base = QStyleFactory.create(wanted)
            if base is not None:
                self.style = ReadableStyle(base)  # referenced here too: its Python override must outlive GC
                self.app.setStyle(self.style)
        self.app.setPalette(self.platform_palette if native else palette_for(scheme))
        light = palette_for("light")
        for class_name in LIGHT_ONLY:  # after the app palette, which resets the per-class ones
            # PySide6 takes the class name as str at run time (bytes is refused), whatever its stub says.
            self.app.setPalette(light, class_name)  # type: ignore[arg-type]
