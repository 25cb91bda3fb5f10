"""Painting for the big lists: status chips, thumbnails, group headers, plain text — lean on purpose.

The style's generic item painting asks the model for ~7 roles per cell and lays text out with
QTextLayout; on a full-screen table that is most of a repaint. These delegates ask for one role per
cell and draw directly, so scrolling 10,000 rows stays smooth.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
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
# Style state bits as ints: testing a Qt flag with `&` goes through Python's enum machinery per cell.
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value


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
    painter.setPen(Qt.PenStyle.NoPen)
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
        self._style: tuple[QColor, QColor, QBrush, QFontMetrics, QFont] | None = None
        model.source.columns_changed.connect(self._columns_changed)
        model.source.modelReset.connect(self._columns_changed)
        self._columns_changed()

    def _columns_changed(self) -> None:
        specs = self.model.source.specs
        self._kinds = [s.kind for s in specs]
        self._numeric = [s.numeric for s in specs]
        if len(self._pills) > 500:
            self._pills.clear()

    def _style_for(self, option: QStyleOptionViewItem) -> tuple[QColor, QColor, QBrush, QFontMetrics, QFont]:
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
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(chip.color))
            p.drawRoundedRect(QRect(0, 0, width, pill_h), pill_h / 2, pill_h / 2)
            p.setFont(font)
            p.setPen(QColor(chip.text_color))
            p.drawText(QRect(0, 0, width, pill_h), _CENTER, chip.short_name)
            p.end()
            self._pills[key] = pixmap
        return pixmap

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect
        state: int = option.state.value
        model = self.model
        row, col = index.row(), index.column()
        text_color, highlighted, highlight, metrics, font = self._style or self._style_for(option)
        src = model.source_row(row)
        if src is None:
            self._paint_header(painter, rect, row, text_color, font)
            return
        selected = bool(state & _SELECTED)
        if selected:
            painter.fillRect(rect, highlight)
        pen = highlighted if selected else text_color
        kind = self._kinds[col] if col < len(self._kinds) else ColumnKind.FIELD
        source = model.source
        if kind is ColumnKind.TASK:
            chip = source.data_at(src, col, Role.Chip)
            if chip is not None:
                pill = self._pill(chip, rect.height(), font)
                width = int(pill.width() / pill.devicePixelRatio())
                height = int(pill.height() / pill.devicePixelRatio())
                painter.drawPixmap(rect.left() + 4, rect.top() + (rect.height() - height) // 2, pill)
                if chip.initials:
                    rest = QRect(rect.left() + width + 10, rect.top(), rect.width() - width - 12, rect.height())
                    if rest.width() > 8:
                        painter.setPen(pen)
                        painter.drawText(rest, _LEFT, metrics.elidedText(" ".join(chip.initials),
                                                                         Qt.TextElideMode.ElideRight, rest.width()))
        elif kind is ColumnKind.THUMBNAIL:
            pixmap = source.data_at(src, col, DECORATION)
            if isinstance(pixmap, QPixmap):
                painter.drawPixmap(rect.left() + (rect.width() - pixmap.width()) // 2,
                                   rect.top() + (rect.height() - pixmap.height()) // 2, pixmap)
        else:
            text = source.data_at(src, col, DISPLAY)
            if text:
                inner = rect.adjusted(5, 0, -5, 0)
                painter.setPen(pen)
                if "\n" in text:
                    text = text.replace("\n", " ")
                painter.drawText(inner, _RIGHT if self._numeric[col] else _LEFT,
                                 metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
        if state & _HAS_FOCUS:
            painter.save()
            painter.setPen(QPen(highlight.color(), 1, Qt.PenStyle.DotLine))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.restore()

    def _paint_header(self, painter: QPainter, rect: QRect, row: int, text_color: QColor, font: QFont) -> None:
        """A group header: its title runs across the row from the label column; each cell draws its slice."""
        painter.fillRect(rect, self._header_brush)
        model = self.model
        x = self.view.columnViewportPosition(model.label_column) if self.view is not None else rect.left()
        if x > rect.right():
            return
        if self._bold is None:
            self._bold = QFont(font)
            self._bold.setBold(True)
        painter.save()
        painter.setClipRect(rect)
        painter.setFont(self._bold)
        painter.setPen(text_color)
        painter.drawText(QRect(x + 6, rect.top(), 4000, rect.height()), _LEFT, model.group_label(row))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        model = index.model()
        if isinstance(model, QAbstractItemModel):
            text = model.data(index, DISPLAY)
            metrics = option.fontMetrics
            return QSize(metrics.horizontalAdvance(str(text or "")) + 12, metrics.height() + 10)
        return super().sizeHint(option, index)
