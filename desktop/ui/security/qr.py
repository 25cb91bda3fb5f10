"""Render a QR code (segno computes the modules; Qt paints them) for the TOTP provisioning URI."""

from __future__ import annotations

import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

# Authenticator apps read best with medium error correction and the standard 4-module quiet zone.
QUIET_ZONE = 4


def qr_matrix(text: str) -> list[list[bool]]:
    qr = segno.make_qr(text, error="m")
    return [[bool(v) for v in row] for row in qr.matrix]


# Apps scan best when the code is a few centimetres wide: aim for about this many pixels, whole modules.
TARGET_PX = 220


def qr_image(text: str, module_px: int = 0) -> QImage:
    matrix = qr_matrix(text)
    module_px = module_px or max(3, TARGET_PX // (len(matrix) + 2 * QUIET_ZONE))
    side = (len(matrix) + 2 * QUIET_ZONE) * module_px
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect((x + QUIET_ZONE) * module_px, (y + QUIET_ZONE) * module_px, module_px, module_px)
    painter.end()
    return image


def qr_pixmap(text: str, module_px: int = 0) -> QPixmap:
    return QPixmap.fromImage(qr_image(text, module_px))
