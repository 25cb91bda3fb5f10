"""One frame on screen, its annotations over it, and free-hand drawing.

The frame arrives already scaled to the widget by the decoding thread (`FrameImage`, BGRA rows): painting
is a copy, never a resample on the UI thread. Strokes are kept in the movie's own pixels (Kitsu's
canvas), so they land on the same place at any widget size and in Kitsu.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.api.reviews import Stroke
from desktop.media.frames import FrameImage

DRAW_COLOR = "#ff3d00"
DRAW_WIDTH = 4.0


class FrameView(QWidget):
    stroke_drawn = Signal(object)  # Stroke, in canvas pixels
    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.frame: FrameImage | None = None
        self._image: QImage | None = None
        self._picture: QPixmap | None = None
        self.canvas = QSize(1920, 1080)  # the movie's size: what stroke coordinates refer to
        self.strokes: list[Stroke] = []
        self.drawing = False
        self._current: list[tuple[float, float]] = []
        self.placeholder = ""

    # ------------------------------------------------------------------ content
    def set_canvas(self, width: int, height: int) -> None:
        self.canvas = QSize(max(1, width), max(1, height))

    def target_size(self) -> QSize:
        """The size to decode at: the canvas fitted into the widget (device pixels)."""
        ratio = self.devicePixelRatioF()
        area = self.size() * ratio
        fitted = self.canvas.scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
        return QSize(max(2, fitted.width() // 2 * 2), max(2, fitted.height() // 2 * 2))

    def show_frame(self, frame: FrameImage) -> None:
        self.frame = frame
        # QImage reads `frame.data` in place: the FrameImage is kept as long as the image is shown.
        self._image = QImage(frame.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32)
        self._picture = None
        self.update()

    def show_picture(self, pixmap: QPixmap | None, text: str = "") -> None:
        self.frame, self._image = None, None
        self._picture = pixmap if pixmap is not None and not pixmap.isNull() else None
        if self._picture is not None:
            self.set_canvas(self._picture.width(), self._picture.height())
        self.placeholder = text
        self.update()

    def set_strokes(self, strokes: list[Stroke]) -> None:
        self.strokes = strokes
        self.update()

    def set_drawing(self, on: bool) -> None:
        self.drawing = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def has_content(self) -> bool:
        return self._image is not None or self._picture is not None

    # ------------------------------------------------------------------ geometry
    def image_rect(self) -> QRectF:
        """Where the frame is painted, in widget coordinates."""
        fitted = self.canvas.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - fitted.width()) / 2
        y = (self.height() - fitted.height()) / 2
        return QRectF(x, y, fitted.width(), fitted.height())

    def to_canvas(self, pos: QPointF) -> tuple[float, float]:
        rect = self.image_rect()
        x = (pos.x() - rect.x()) / max(1.0, rect.width()) * self.canvas.width()
        y = (pos.y() - rect.y()) / max(1.0, rect.height()) * self.canvas.height()
        return round(x, 1), round(y, 1)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#111214"))
        rect = self.image_rect()
        if self._image is not None:
            painter.drawImage(rect, self._image)
        elif self._picture is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(rect.toRect(), self._picture)
        elif self.placeholder:
            painter.setPen(QColor("#aaaaaa"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pending = [Stroke(points=tuple(self._current), canvas_width=self.canvas.width(),
                          canvas_height=self.canvas.height())] if len(self._current) > 1 else []
        for stroke in [*self.strokes, *pending]:
            self._paint_stroke(painter, rect, stroke)
        painter.end()

    def _paint_stroke(self, painter: QPainter, rect: QRectF, stroke: Stroke) -> None:
        if not stroke.points:
            return
        sx = rect.width() / max(1, stroke.canvas_width)
        sy = rect.height() / max(1, stroke.canvas_height)
        path = QPainterPath(QPointF(rect.x() + stroke.points[0][0] * sx, rect.y() + stroke.points[0][1] * sy))
        for x, y in stroke.points[1:]:
            path.lineTo(QPointF(rect.x() + x * sx, rect.y() + y * sy))
        pen = QPen(QColor(stroke.color), max(1.0, stroke.width * sx))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)

    # ------------------------------------------------------------------ drawing
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.drawing and event.button() == Qt.MouseButton.LeftButton and self.has_content():
            self._current = [self.to_canvas(event.position())]
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.drawing and self._current:
            self._current.append(self.to_canvas(event.position()))
            self.update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drawing and self._current:
            self._current.append(self.to_canvas(event.position()))
            points = tuple(dict.fromkeys(self._current))
            self._current = []
            if len(points) > 1:
                self.stroke_drawn.emit(Stroke(points=points, color=DRAW_COLOR, width=DRAW_WIDTH,
                                              canvas_width=self.canvas.width(), canvas_height=self.canvas.height()))
            self.update()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()
