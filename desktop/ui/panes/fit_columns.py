"""Fit a small table's columns to its width, so a pane never needs a horizontal scroll bar.

The detail pane's task table has four columns in a pane a few hundred pixels wide: fixed widths either
waste space or overflow it. `fit_columns` shares the viewport's width by weight (the user can still
drag a border; the next resize shares again) and keeps the horizontal scroll bar off.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

MIN_SECTION = 36  # narrower than this, a header's text is unreadable anyway: text elides


class _ColumnFitter(QObject):
    def __init__(self, view: QTableView, weights: Sequence[float]) -> None:
        super().__init__(view)
        self.view, self.weights = view, list(weights)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        width = self.view.viewport().width()
        total = sum(self.weights) or 1.0
        header = self.view.horizontalHeader()
        used = 0
        last = len(self.weights) - 1
        for col, weight in enumerate(self.weights):
            size = width - used if col == last else max(MIN_SECTION, int(width * weight / total))
            header.resizeSection(col, max(MIN_SECTION, size))
            used += header.sectionSize(col)


def fit_columns(view: QTableView, weights: Sequence[float]) -> None:
    """Share `view`'s width between its columns by `weights`, on every resize; no horizontal scroll bar."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setMinimumSectionSize(MIN_SECTION)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    _ColumnFitter(view, weights).fit()
