"""The shots/assets table paints whole rows in one Python call (EntityTableView.paintEvent) instead of
Qt's per-cell delegate calls. It must look exactly like Qt's own painting through the same delegate, in
every state a user can put the table in: checked pixel for pixel against `paint_rows_at_once = False`."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.settings import Settings
from desktop.ui.panes.entities import EntityPane
from tests.helpers.seed import big_lookups, big_records, big_table

SELECT_ROWS = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows


@pytest.fixture
def pane(qtbot: QtBot, tmp_path: Path) -> EntityPane:
    lk = big_lookups()
    lookups, project = big_records(lk)
    pane = EntityPane("shot", Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)), lookups)
    qtbot.addWidget(pane)
    pane.set_project(project, lookups)
    pane.resize(1100, 600)
    pane.show()
    pane.source.set_table(big_table(400, lk))
    qtbot.waitExposed(pane)
    return pane


def both_paints(pane: EntityPane) -> tuple[QImage, QImage]:
    view = pane.table
    view.paint_rows_at_once = True
    fast = view.viewport().grab().toImage()
    view.paint_rows_at_once = False
    try:
        qt = view.viewport().grab().toImage()
    finally:
        view.paint_rows_at_once = True
    return fast, qt


def assert_same(pane: EntityPane, what: str) -> None:
    fast, qt = both_paints(pane)
    assert fast.size() == qt.size()
    assert fast == qt, f"{what}: the row painter differs from Qt's per-cell painting"


def test_rows_painted_at_once_look_like_qt_painting_each_cell(pane: EntityPane, qtbot: QtBot) -> None:
    view, model = pane.table, pane.model
    assert model.rowCount() > 20
    assert_same(pane, "grouped, nothing selected")

    view.selectionModel().select(model.index(3, 0), SELECT_ROWS)
    view.selectionModel().select(model.index(4, 0), SELECT_ROWS)
    view.setFocus()
    view.setCurrentIndex(model.index(6, 3))
    qtbot.waitUntil(view.hasFocus)
    assert_same(pane, "two rows selected, focus on a cell")

    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum() // 2)
    view.verticalScrollBar().setValue(7)
    assert_same(pane, "scrolled right and down")

    header = view.horizontalHeader()
    header.moveSection(header.visualIndex(pane.source.column_index("frames")), 1)
    pane.set_column_visible("description", False)
    header.resizeSection(pane.source.column_index("name"), 41)  # elided names
    view.horizontalScrollBar().setValue(0)
    assert_same(pane, "moved, hidden and narrowed columns")

    model.toggle_group(0)  # the first group collapsed: its header row, then the next group
    assert_same(pane, "a collapsed group")
    view.selectionModel().select(model.index(0, 0), SELECT_ROWS)
    view.selectionModel().select(model.index(1, 0), SELECT_ROWS)
    assert_same(pane, "selected group headers")

    header.resizeSection(pane.source.column_index("name"), 140)
    src, name_col = pane.model.source_row(2), pane.source.column_index("name")
    assert src is not None
    view.viewport().grab()  # the name cell is laid out and cached
    pane.source.update_row(src, {"name": "EDITED-NAME"})
    view.viewport().grab()
    cached = view._delegate._cells[(src << 10) | name_col]
    assert cached[2] == "EDITED-NAME"  # the edit was not hidden by the layout cache
    assert_same(pane, "after an edit")

    pane.group_button.click()  # no grouping
    assert not model.grouping
    assert_same(pane, "ungrouped")
