"""Text reads at WCAG AA (4.5:1) in both palettes: the palette's own text/background pairs, and the column
titles drawn in Zou's task-type colours on the header, measured as computed and as painted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QHeaderView, QProxyStyle, QStyle, QStyleFactory
from pytestqt.qtbot import QtBot

from desktop.models.lookups import contrast_ratio
from desktop.ui.resources import SOURCE_DIR
from desktop.ui.theme import (
    TEXT_CONTRAST,
    ReadableStyle,
    header_backgrounds,
    palette_for,
    readable_title,
    tinted_icon,
)
from tests.helpers.zou import ZouAdmin

SCHEMES = ("light", "dark")
PALETTES = json.loads((SOURCE_DIR / "styles" / "palettes.json").read_text())
# Each text role on the background it is drawn on.
TEXT_PAIRS = (("WindowText", "Window"), ("Text", "Base"), ("Text", "AlternateBase"), ("ButtonText", "Button"),
              ("HighlightedText", "Highlight"), ("ToolTipText", "ToolTipBase"), ("PlaceholderText", "Base"),
              ("Link", "Base"), ("Link", "Window"))
TEAL = "#009688"  # Zou's Animation: 3.2:1 on the dark header as it is


@pytest.fixture(scope="module")
def task_type_colors(zou_admin: ZouAdmin) -> list[str]:
    """Every task-type colour of the real server (Zou's defaults), the column titles' colours."""
    colors = sorted({str(t["color"]).lower() for t in zou_admin.get("/data/task-types") if t.get("color")})
    assert TEAL in colors and len(colors) >= 8
    return colors


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS, ids=[f"{t}-on-{b}" for t, b in TEXT_PAIRS])
def test_the_palette_text_reads_at_aa(scheme: str, text: str, background: str) -> None:
    colors = PALETTES[scheme]
    assert contrast_ratio(colors[text], colors[background]) >= TEXT_CONTRAST


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_task_type_title_reads_on_the_header_keeping_its_hue(scheme: str, task_type_colors: list[str]) -> None:
    button = PALETTES[scheme]["Button"]
    backgrounds = header_backgrounds(button)
    failing = [c for c in task_type_colors if min(contrast_ratio(c, b) for b in backgrounds) < TEXT_CONTRAST]
    assert failing  # what the header showed before: Zou's colours do not all read on either header
    for color in task_type_colors:
        shown = readable_title(color, button)
        for background in backgrounds:
            assert contrast_ratio(shown, background) >= TEXT_CONTRAST, (scheme, color, shown, background)
        if color not in failing:
            assert shown == color  # a colour that reads is left as Zou has it
        elif QColor(color).hslSaturationF() > 0.2:
            assert abs(QColor(shown).hslHue() - QColor(color).hslHue()) <= 4, (color, shown)  # still its hue


def painted_title_contrast(qtbot: QtBot, scheme: str, color: str, style: QStyle) -> float:
    """Paint a header whose one title is in `color`, in `scheme`'s palette; the strongest contrast of its
    text pixels on the section's own background."""
    model = QStandardItemModel(1, 1)
    item = QStandardItem("Animation Animation")
    item.setForeground(QColor(color))
    model.setHorizontalHeaderItem(0, item)
    header = QHeaderView(Qt.Orientation.Horizontal)
    qtbot.addWidget(header)
    header.setStyle(style)
    header.setPalette(palette_for(scheme))
    font = QFont(header.font())
    font.setPixelSize(32)  # big enough for glyphs with solid cores: small text's antialiasing never reaches
    font.setBold(True)  # the pure colour, and the measure would be the font's, not the colour's
    header.setFont(font)
    header.setModel(model)
    header.resizeSection(0, 400)
    header.resize(400, 48)
    image = header.grab().toImage()
    background = image.pixelColor(3, image.height() // 2).name()
    pixels = {image.pixelColor(x, y).name() for x in range(8, 392) for y in range(4, image.height() - 4)}
    return max(contrast_ratio(background, p) for p in pixels)


@pytest.fixture
def fusion() -> Iterator[QStyle]:
    style = QStyleFactory.create("fusion")
    assert style is not None
    yield style


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_header_paints_a_title_in_a_readable_colour(qtbot: QtBot, qapp: QApplication, scheme: str,
                                                         task_type_colors: list[str]) -> None:
    backgrounds = header_backgrounds(PALETTES[scheme]["Button"])
    worst = min(task_type_colors, key=lambda c: min(contrast_ratio(c, b) for b in backgrounds))
    plain = QStyleFactory.create("fusion")
    assert plain is not None and not isinstance(plain, QProxyStyle)
    base = QStyleFactory.create("fusion")
    assert base is not None
    # Qt's own painting of Zou's colour: below AA (what the dark screenshot showed for the teal).
    assert painted_title_contrast(qtbot, scheme, worst, plain) < TEXT_CONTRAST
    # Through the app's style: the text's pixels reach AA on the background the section really has.
    assert painted_title_contrast(qtbot, scheme, worst, ReadableStyle(base)) >= TEXT_CONTRAST


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_bell_is_drawn_in_the_text_colour(qapp: QApplication, scheme: str) -> None:
    text = palette_for(scheme).color(QPalette.ColorRole.ButtonText)
    image = tinted_icon("icons/bell.svg", text).pixmap(16, 16).toImage()
    inked = [image.pixelColor(x, y) for x in range(16) for y in range(16) if image.pixelColor(x, y).alpha() > 200]
    assert len(inked) > 40  # a bell, not an empty box
    # All in the text colour (premultiplied alpha rounds a channel by one at most).
    assert all(max(abs(c.red() - text.red()), abs(c.green() - text.green()), abs(c.blue() - text.blue())) <= 1
               for c in inked), {c.name() for c in inked}


def test_a_near_white_status_chip_keeps_its_outline_on_a_white_row(qtbot: QtBot) -> None:
    """Zou's "todo" status is #f5f5f5: painted on a white row, the chip's edge is still drawn."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPainter

    from desktop.models.lookups import Chip
    from desktop.ui.delegates import paint_chip

    del qtbot
    image = QImage(120, 28, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    paint_chip(painter, QRect(0, 0, 120, 28), Chip("todo", "#f5f5f5", "#000000", "Todo"), QFont(), QColor("#000"))
    painter.end()
    left_edge = [QColor(image.pixel(x, 14)).lightness() for x in range(0, 8)]  # left of the label's text
    assert min(left_edge) < 235  # the edge, a shade darker than both the fill (245) and the row (255)
