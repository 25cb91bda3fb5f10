"""Painting for the big lists: status chips, thumbnails, group headers, plain text — lean on purpose.

The style's generic item painting asks the model for ~7 roles per cell and lays text out with
QTextLayout; on a full-screen table that is most of a repaint. These delegates ask for one role per
cell and draw directly, so scrolling 10,000 rows stays smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from desktop.models.columns import ColumnKind
from desktop.models.grouped import EntityViewModel
from desktop.models.lookups import Chip
from desktop.models.roles import DECORATION, DISPLAY, Role

Index = QModelIndex | QPersistentModelIndex
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
# Style state bits as ints, and enum members as module constants: reaching `Enum.Member` through its
# class costs a descriptor call, thousands of times per repaint.
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_TASK, _THUMBNAIL, _FIELD = ColumnKind.TASK, ColumnKind.THUMBNAIL, ColumnKind.FIELD
_CELL_CACHE_MAX = 60_000  # laid-out cells kept (a few screens' worth for each column width)
_ELIDED_CACHE_MAX = 20_000  # (text, width) -> elided text: values repeated down a column (frames, initials)
# Alignments as plain ints (QPainter.drawText(x, y, w, h, flags, text) takes an int): a cached cell layout
# then holds only ints and strings, which the cyclic GC stops tracking, so a full collection during a
# scroll does not walk tens of thousands of cached cells.
_LEFT_FLAGS, _RIGHT_FLAGS = _LEFT.value, _RIGHT.value


def selected_rows(selection: QItemSelectionModel, parent: QModelIndex, first: int, last: int) -> set[int]:
    """The rows in first..last that `selection.isRowSelected(row, parent)` calls selected.

    Only rows a selection range touches are asked: for any other row Qt's answer (no) costs a call to
    the model's columnCount() and flags() for every column, Python methods here, 26 rows x 17 columns
    on every page of a scroll."""
    rows: set[int] = set()
    spans = selection.selection()
    for i in range(spans.count()):
        span = spans.at(i)
        if span.parent() != parent:
            continue
        for row in range(max(span.top(), first), min(span.bottom(), last) + 1):
            if row not in rows and selection.isRowSelected(row, parent):
                rows.add(row)
    return rows


def chip_edge(color: str) -> QPen:
    """A chip's outline, a shade darker than its fill: a near-white status (Zou's "todo" is #f5f5f5) keeps its
    shape on a white row, and any other colour looks the same."""
    pen = QPen(QColor(color).darker(125))
    pen.setWidthF(1.0)
    return pen


def paint_chip(painter: QPainter, rect: QRect, chip: Chip, font: QFont, text_pen: QColor) -> None:
    """A rounded chip in the status colour with its short name, then the assignees' initials."""
    metrics = QFontMetrics(font)
    label = chip.short_name
    width = metrics.horizontalAdvance(label) + 12
    height = min(rect.height() - 6, metrics.height() + 4)
    chip_rect = QRect(rect.left() + 4, rect.top() + (rect.height() - height) // 2, min(width, rect.width() - 8),
                      height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(chip_edge(chip.color))
    painter.setBrush(QColor(chip.color))
    painter.drawRoundedRect(chip_rect, height / 2, height / 2)
    painter.setFont(font)
    painter.setPen(QColor(chip.text_color))
    painter.drawText(chip_rect, _CENTER, label)
    if chip.initials:
        rest = QRect(chip_rect.right() + 6, rect.top(), rect.right() - chip_rect.right() - 8, rect.height())
        if rest.width() > 8:
            painter.setPen(text_pen)
            text = metrics.elidedText(" ".join(chip.initials), Qt.TextElideMode.ElideRight, rest.width())
            painter.drawText(rest, _LEFT, text)
    painter.restore()


class ChipDelegate(QStyledItemDelegate):
    """For status columns of small lists (my tasks, the detail's tasks): default look plus the chip."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        chip = index.data(Role.Chip)
        if not isinstance(chip, Chip):
            super().paint(painter, option, index)
            return
        selected = bool(option.state.value & _SELECTED)
        rect: QRect = option.rect
        palette = option.palette
        if selected:
            painter.fillRect(rect, palette.highlight())
        pen = palette.highlightedText().color() if selected else palette.text().color()
        paint_chip(painter, rect, chip, option.font, pen)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        chip = index.data(Role.Chip)
        if isinstance(chip, Chip):
            metrics = QFontMetrics(option.font)
            width = metrics.horizontalAdvance(chip.short_name + "  " + " ".join(chip.initials)) + 28
            return QSize(max(size.width(), width), size.height())
        return size


class EntityCellDelegate(QStyledItemDelegate):
    """Every cell of the shots/assets table, painted directly with as few Python calls as possible.

    A status pill is drawn once per status into a cached pixmap and then blitted, with the initials as
    plain text beside it: a screen of 400 cells repaints without re-drawing 200 rounded rectangles.
    """

    def __init__(self, model: EntityViewModel, view: QTableView | None = None) -> None:
        super().__init__(view)
        self.model = model
        self.view = view
        self._bold: QFont | None = None
        self._header_brush = QBrush(QColor(128, 128, 128, 48))
        self._kinds: list[ColumnKind] = []
        self._numeric: list[bool] = []
        self._pills: dict[tuple[str, str, int], QPixmap] = {}
        self._elided: dict[tuple[str, int], str] = {}
        # A status cell's layout depends on its chip, width and row height only, and chips are shared:
        # (chip, width, row height) -> the cell tuple, so 80,000 task cells make a few hundred layouts.
        self._chip_cells: dict[tuple[Chip, int, int], tuple[Any, ...]] = {}
        self._style: tuple[QColor, QColor, QBrush, QFontMetrics, QFont] | None = None
        self._cells: dict[int, tuple[Any, ...]] = {}  # (source row << 10 | column) -> its layout
        self._row_height = 0
        model.source.columns_changed.connect(self._columns_changed)
        model.source.modelReset.connect(self._columns_changed)
        model.source.dataChanged.connect(self._forget_changed)
        model.source.rows_edited.connect(self.forget_cells)
        self._columns_changed()

    def _columns_changed(self) -> None:
        self._cells.clear()
        specs = self.model.source.specs
        self._kinds = [s.kind for s in specs]
        self._numeric = [s.numeric for s in specs]
        if len(self._pills) > 500:
            self._pills.clear()
            self._chip_cells.clear()  # they name pills by key

    def _style_for(self, option: QStyleOptionViewItem) -> tuple[QColor, QColor, QBrush, QFontMetrics, QFont]:
        self._forget_layouts()
        palette = option.palette
        font = QFont(option.font)
        self._style = (palette.text().color(), palette.highlightedText().color(), palette.highlight(),
                       QFontMetrics(font), font)
        return self._style

    def _pill(self, chip: Chip, height: int, font: QFont) -> QPixmap:
        """The status pill (colour + short name), rendered once per status and row height."""
        key = (chip.short_name, chip.color, height)
        pixmap = self._pills.get(key)
        if pixmap is None:
            metrics = QFontMetrics(font)
            pill_h = min(height - 6, metrics.height() + 4)
            width = metrics.horizontalAdvance(chip.short_name) + 12
            ratio = self.view.devicePixelRatioF() if self.view is not None else 1.0
            pixmap = QPixmap(int(width * ratio), int(pill_h * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(chip_edge(chip.color))
            p.setBrush(QColor(chip.color))
            p.drawRoundedRect(QRectF(0.5, 0.5, width - 1, pill_h - 1), pill_h / 2, pill_h / 2)
            p.setFont(font)
            p.setPen(QColor(chip.text_color))
            p.drawText(QRect(0, 0, width, pill_h), _CENTER, chip.short_name)
            p.end()
            self._pills[key] = pixmap
        return pixmap

    def _forget_layouts(self) -> None:
        """The font or colours changed: every laid-out text is stale."""
        self._cells.clear()
        self._elided.clear()
        self._chip_cells.clear()

    def forget_cells(self, *args: object) -> None:
        """Cell values changed (an edit, a reload): lay their text out again when next painted."""
        del args
        self._cells.clear()

    def _forget_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]) -> None:
        if roles != [DECORATION]:  # a thumbnail arriving changes no text
            self._cells.clear()

    def _layout(self, src: int, col: int, width: int, metrics: QFontMetrics) -> tuple[Any, ...]:
        """What a cell draws at this width: the elided text (and alignment), or the chip and its initials.

        Repaints during a load or while scrolling back show the same cells again and again: laying the
        text out once per cell and width takes `elidedText` and the model's `data()` out of them."""
        source = self.model.source
        kind = self._kinds[col] if col < len(self._kinds) else _FIELD
        if kind is _TASK:
            chip = source.data_at(src, col, Role.Chip)
            if chip is None:
                return (width, 0)
            chip_key = (chip, width, self._row_height)
            cell = self._chip_cells.get(chip_key)
            if cell is None:
                if len(self._chip_cells) > _ELIDED_CACHE_MAX:
                    self._chip_cells.clear()
                pill = self._pill(chip, self._row_height, self._style[4] if self._style else QFont())
                ratio = pill.devicePixelRatio()
                pw, ph = int(pill.width() / ratio), int(pill.height() / ratio)
                initials = ""
                if chip.initials and width - pw - 12 > 8:
                    initials = self._elide(" ".join(chip.initials), width - pw - 12, metrics)
                # The pill's key, not the pixmap: this tuple must hold no object the cyclic GC tracks.
                cell = self._chip_cells[chip_key] = (width, 1, (chip.short_name, chip.color, self._row_height),
                                                     pw, ph, initials)
            return cell
        if kind is _THUMBNAIL:
            return (width, 2)
        text = source.data_at(src, col, DISPLAY)
        if not text:
            return (width, 0)
        if "\n" in text:
            text = text.replace("\n", " ")
        return (width, 3, self._elide(text, width - 10, metrics), _RIGHT_FLAGS if self._numeric[col] else _LEFT_FLAGS)

    def _elide(self, text: str, width: int, metrics: QFontMetrics) -> str:
        """`metrics.elidedText(text, ElideRight, width)`, once per distinct text and width: a column's
        values repeat down 10,000 rows (frame counts, fps, the same two assignees), and a page of new rows
        asks for hundreds of them."""
        key = (text, width)
        elided = self._elided.get(key)
        if elided is None:
            if len(self._elided) > _ELIDED_CACHE_MAX:
                self._elided.clear()
            elided = self._elided[key] = metrics.elidedText(text, _ELIDE_RIGHT, width)
        return elided

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """One cell, the way Qt asks (drag pixmaps, other views); the table itself paints whole rows
        through `paint_rows`."""
        rect: QRect = option.rect
        state: int = option.state.value
        row, col = index.row(), index.column()
        text_color, highlighted, highlight, metrics, font = self._style or self._style_for(option)
        src = self.model.source_row(row)
        if src is None:
            self._paint_header(painter, rect, row, text_color, font)
            return
        selected = bool(state & _SELECTED)
        if selected:
            painter.fillRect(rect, highlight)
        painter.setPen(highlighted if selected else text_color)
        self._paint_cell(painter, rect.x(), rect.y(), rect.width(), rect.height(), src, col, metrics)
        if state & _HAS_FOCUS:
            self._paint_focus(painter, rect, highlight)

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: list[tuple[int, int, int]], selected: Callable[[int], bool],
                   focus: tuple[int, int] | None, alternate: QBrush | None, row_width: int,
                   style: tuple[QColor, QColor, QBrush, QFontMetrics, QFont]) -> None:
        """Paint `rows` (proxy rows from y = `top`, `height` each) across `columns` ((column, x, width)
        in visual order) in one Python call per screen instead of one per cell: a full-screen repaint
        of 400 cells spends most of its time crossing between C++ and Python, not drawing."""
        if style != self._style:
            self._style = style
            self._forget_layouts()
        text_color, highlighted, highlight, metrics, font = style
        model = self.model
        source_row = model.source_row
        paint_cell = self._paint_cell
        y = top
        for row in rows:
            src = source_row(row)
            line = QRect(0, y, row_width, height)
            # The row's background as Qt's style draws it under every cell (headers included).
            if selected(row):
                painter.fillRect(line, highlight)
                pen = highlighted
            else:
                if alternate is not None and row & 1:
                    painter.fillRect(line, alternate)
                pen = text_color
            if src is None:
                self._paint_header_row(painter, line, row, text_color, font)
            else:
                painter.setPen(pen)  # one pen for the row's text: drawing a pill leaves it as it is
                for col, x, w in columns:
                    paint_cell(painter, x, y, w, height, src, col, metrics)
                if focus is not None and focus[0] == row:
                    for col, x, w in columns:
                        if col == focus[1]:
                            self._paint_focus(painter, QRect(x, y, w, height), highlight)
            y += height

    def _paint_cell(self, painter: QPainter, x: int, y: int, width: int, height: int, src: int, col: int,
                    metrics: QFontMetrics) -> None:
        """One cell at (x, y, width, height), its text in the painter's current pen. Coordinates, not a
        QRect: a page of new rows paints ~400 cells, and each QRect is an object to make and free."""
        if height != self._row_height:
            self._row_height = height
            self._cells.clear()
        key = (src << 10) | col
        cell = self._cells.get(key)
        if cell is None or cell[0] != width:
            if len(self._cells) > _CELL_CACHE_MAX:
                self._cells.clear()
            cell = self._cells[key] = self._layout(src, col, width, metrics)
        what = cell[1]
        if what == 3:
            painter.drawText(x + 5, y, width - 10, height, cell[3], cell[2])
        elif what == 1:
            _, _, pill_key, pw, ph, initials = cell
            pill = self._pills.get(pill_key)
            if pill is None:  # the pills were cleared since this cell was laid out: lay it out again
                self._cells.pop(key, None)
                self._chip_cells.clear()
                self._paint_cell(painter, x, y, width, height, src, col, metrics)
                return
            painter.drawPixmap(x + 4, y + (height - ph) // 2, pill)
            if initials:
                painter.drawText(x + pw + 10, y, width - pw - 12, height, _LEFT_FLAGS, initials)
        elif what == 2:
            pixmap = self.model.source.data_at(src, col, DECORATION)  # thumbnails arrive later: never cached
            if isinstance(pixmap, QPixmap):
                painter.drawPixmap(x + (width - pixmap.width()) // 2, y + (height - pixmap.height()) // 2, pixmap)

    @staticmethod
    def _paint_focus(painter: QPainter, rect: QRect, highlight: QBrush) -> None:
        painter.save()
        painter.setPen(QPen(highlight.color(), 1, Qt.PenStyle.DotLine))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()

    def _paint_header_row(self, painter: QPainter, line: QRect, row: int, text_color: QColor, font: QFont) -> None:
        painter.fillRect(line, self._header_brush)
        self._paint_header_title(painter, line, row, text_color, font)

    def _paint_header(self, painter: QPainter, rect: QRect, row: int, text_color: QColor, font: QFont) -> None:
        """A group header: its title runs across the row from the label column; each cell draws its slice."""
        painter.fillRect(rect, self._header_brush)
        painter.save()
        painter.setClipRect(rect)
        self._paint_header_title(painter, rect, row, text_color, font)
        painter.restore()

    def _paint_header_title(self, painter: QPainter, rect: QRect, row: int, text_color: QColor, font: QFont) -> None:
        model = self.model
        x = self.view.columnViewportPosition(model.label_column) if self.view is not None else rect.left()
        if x > rect.right():
            return
        if self._bold is None:
            self._bold = QFont(font)
            self._bold.setBold(True)
        painter.setFont(self._bold)
        painter.setPen(text_color)
        painter.drawText(QRect(x + 6, rect.top(), 4000, rect.height()), _LEFT, model.group_label(row))
        painter.setFont(font)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        model = index.model()
        if isinstance(model, QAbstractItemModel):
            text = model.data(index, DISPLAY)
            metrics = option.fontMetrics
            return QSize(metrics.horizontalAdvance(str(text or "")) + 12, metrics.height() + 10)
        return super().sizeHint(option, index)
