"""Issue 19: the shots grid as Kitsu users read it (status columns first, density, layout per project,
header menu), the detail's task table fitting its width, and the dark theme (status chips readable in both
schemes), against the real local Zou."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QStyleFactory
from pytestqt.qtbot import QtBot

from desktop.models.lookups import Chip, contrast_ratio, readable_text_color
from desktop.settings import Settings
from desktop.ui.main_window import TAB_SHOTS, MainWindow
from desktop.ui.theme import ThemeManager, palette_for, style_name
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique
from tests.ui.conftest import OpenWindow

WAIT_MS = 15_000


@dataclass
class Productions:
    first: SeededProject
    second: SeededProject
    manager: TestUser
    statuses: list[dict[str, object]]


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> Productions:
    artist = zou_admin.create_user("user", first_name="Ada")
    manager = zou_admin.create_user("manager", first_name="Max")
    first = seed_small_project(zou_admin, artist=artist, name=unique("Grid A"), with_preview=False)
    second = seed_small_project(zou_admin, artist=artist, name=unique("Grid B"), with_preview=False)
    for project in (first, second):
        zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": manager.id})
    return Productions(first, second, manager, list(zou_admin.get("/data/task-status")))


def shots_loaded(window: MainWindow) -> bool:
    return window.shots_pane.source.rowCount() == 5 and not window.shots_pane.loading


def open_project(qtbot: QtBot, window: MainWindow, project_id: str) -> None:
    window.open_project(project_id)
    qtbot.waitUntil(lambda: window.project is not None and window.project.id == project_id
                    and shots_loaded(window), timeout=WAIT_MS)


def test_task_status_columns_come_right_after_the_name(open_window: Callable[..., OpenWindow],
                                                       production: Productions, qtbot: QtBot) -> None:
    window = open_window(production.manager, project_id=production.first.id).window
    qtbot.waitUntil(lambda: shots_loaded(window), timeout=WAIT_MS)
    assert window.shots_pane.visual_column_keys() == [
        "thumbnail", "sequence", "name", "task:Layout", "task:Animation", "frames", "frame_in", "frame_out", "fps",
        "description", "meta:difficulty"]
    assert window.assets_pane.visual_column_keys()[:5] == [
        "thumbnail", "asset_type", "name", "task:Modeling", "task:Shading"]


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")  # the menu's popup, offscreen
def test_the_column_layout_is_remembered_per_project_and_the_header_menu_hides_columns(
        open_window: Callable[..., OpenWindow], production: Productions, qtbot: QtBot,
        window_settings: Settings) -> None:
    window = open_window(production.manager, project_id=production.first.id).window
    pane = window.shots_pane
    qtbot.waitUntil(lambda: shots_loaded(window), timeout=WAIT_MS)
    header = pane.table.horizontalHeader()
    # A right-click on the header: the columns menu; unticking Description hides it.
    header.customContextMenuRequested.emit(QPoint(10, 5))
    menu = pane.findChild(QMenu, "shotsColumnsMenu")
    assert menu is not None and menu.isVisible()
    action = next(a for a in menu.actions() if a.objectName() == "shotsColumn:description")
    assert action.isChecked()
    action.trigger()
    menu.close()
    assert not pane.is_column_visible("description")
    header.moveSection(header.visualIndex(pane.source.column_index("frames")), 1)
    pane.save_columns()
    assert pane.visual_column_keys()[1] == "frames"

    # Another project keeps its own layout (the first project's seeds it only while it has none)...
    window_settings.project_order["shots", production.second.id] = [
        "thumbnail", "sequence", "name", "task:Animation", "task:Layout"]
    window_settings.project_hidden["shots", production.second.id] = []
    open_project(qtbot, window, production.second.id)
    assert pane.is_column_visible("description")
    assert pane.visual_column_keys()[3:5] == ["task:Animation", "task:Layout"]
    # ... and the first one's comes back, also in a new window on the same settings.
    open_project(qtbot, window, production.first.id)
    assert not pane.is_column_visible("description") and pane.visual_column_keys()[1] == "frames"
    window.close()
    again = open_window(production.manager, settings=Settings(QSettings(window_settings.q.fileName(),
                                                                        QSettings.Format.IniFormat))).window
    qtbot.waitUntil(lambda: shots_loaded(again), timeout=WAIT_MS)
    assert again.project is not None and again.project.id == production.first.id
    assert not again.shots_pane.is_column_visible("description")
    assert again.shots_pane.visual_column_keys()[1] == "frames"


def test_compact_density_is_a_remembered_view_option(open_window: Callable[..., OpenWindow],
                                                     production: Productions, qtbot: QtBot,
                                                     window_settings: Settings) -> None:
    window = open_window(production.manager, project_id=production.first.id).window
    qtbot.waitUntil(lambda: shots_loaded(window), timeout=WAIT_MS)
    pane = window.shots_pane
    comfortable = pane.table.rowHeight(0)
    action = window.main_actions.view_options.compact_action
    assert action.objectName() == "actionCompactRows" and not action.isChecked()
    action.trigger()
    assert pane.density() == "compact" and window.assets_pane.density() == "compact"
    assert pane.table.rowHeight(0) < comfortable
    assert window_settings.grid_density == "compact"
    action.trigger()
    assert pane.table.rowHeight(0) == comfortable and window_settings.grid_density == "comfortable"


def test_the_detail_task_table_fits_its_width(open_window: Callable[..., OpenWindow], production: Productions,
                                              qtbot: QtBot) -> None:
    window = open_window(production.manager, project_id=production.first.id).window
    window.show_tab(TAB_SHOTS)
    window.open_entity("shot", production.first.shots["SQ01/SH010"])
    detail = window.detail
    qtbot.waitUntil(lambda: detail.tasks_model.rowCount() == 2, timeout=WAIT_MS)
    for width in (900, 1300):
        window.resize(width, 700)
        qtbot.wait(50)
        view = detail.tasks
        header = view.horizontalHeader()
        total = sum(header.sectionSize(c) for c in range(header.count()))
        assert header.count() == 4
        assert total <= view.viewport().width() and not view.horizontalScrollBar().isVisible()
        assert min(header.sectionSize(c) for c in range(4)) >= 36


@pytest.fixture
def app_look(qapp: QApplication) -> Iterator[QApplication]:
    """The theme changes the whole application: put its style and palette back for the other tests."""
    style, palette = style_name(qapp.style()), QPalette(qapp.palette())
    yield qapp
    restored = QStyleFactory.create(style)
    if restored is not None:
        qapp.setStyle(restored)
    qapp.setPalette(palette)
    manager = qapp.findChild(ThemeManager, "themeManager")
    if manager is not None:
        manager.setObjectName("")
        manager.deleteLater()


def chip_pixels_contrast(window: MainWindow, chip: Chip) -> float:
    """Render the shots grid's status pill for `chip` and measure its text against its fill (WCAG)."""
    delegate = window.shots_pane.table.itemDelegate()
    pixmap = delegate._pill(chip, 32, window.shots_pane.table.font())  # type: ignore[attr-defined]
    image = pixmap.toImage()
    fill = image.pixelColor(2, image.height() // 2).name()
    middle = [image.pixelColor(x, y).name() for x in range(image.width() // 4, 3 * image.width() // 4)
              for y in range(image.height() // 4, 3 * image.height() // 4)]
    return max(contrast_ratio(fill, c) for c in middle)


def test_dark_theme_switch_and_status_chips_readable_in_both(
        open_window: Callable[..., OpenWindow], production: Productions, qtbot: QtBot,
        window_settings: Settings, app_look: QApplication) -> None:
    window = open_window(production.manager, project_id=production.first.id).window
    qtbot.waitUntil(lambda: shots_loaded(window), timeout=WAIT_MS)
    options = window.main_actions.view_options
    assert window_settings.theme == "system" and options.theme_actions["system"].isChecked()
    style_before = style_name(app_look.style())
    seen: dict[str, list[float]] = {}
    for scheme in ("dark", "light"):
        options.theme_actions[scheme].trigger()
        assert window_settings.theme == scheme and options.theme_actions[scheme].isChecked()
        window_bg = app_look.palette().color(QPalette.ColorRole.Window)
        if scheme == "dark":
            assert window_bg == QColor(palette_for(scheme).color(QPalette.ColorRole.Window))
            assert style_name(app_look.style()).lower() == "fusion"
        else:  # the offscreen platform's scheme is light: its own look comes back
            assert style_name(app_look.style()) == style_before
        assert (window_bg.lightness() < 80) == (scheme == "dark")
        text = window.shots_pane.table.palette().color(QPalette.ColorRole.Text).name()
        base = window.shots_pane.table.palette().color(QPalette.ColorRole.Base).name()
        assert contrast_ratio(text, base) >= 7  # the grid's own text: WCAG AAA
        for status in production.statuses:  # every status the server has, Zou's colour kept
            color = str(status["color"])
            chip = Chip(short_name=str(status["short_name"]), color=color, text_color=readable_text_color(color),
                        status_name=str(status["name"]))
            wanted = contrast_ratio(color, chip.text_color)
            assert wanted >= 4.5, status  # WCAG AA for text
            # The rendered pill: its text's strongest pixels against its fill (antialiasing of a small font
            # keeps a glyph's pixels a little short of the pure text colour: 5% of slack).
            rendered = chip_pixels_contrast(window, chip)
            assert rendered >= 0.95 * wanted, (status, rendered, wanted)
            seen.setdefault(str(status["short_name"]), []).append(rendered)
    assert len(seen) >= 5 and all(len(v) == 2 for v in seen.values()), seen
    options.theme_actions["system"].trigger()
    assert window_settings.theme == "system"
