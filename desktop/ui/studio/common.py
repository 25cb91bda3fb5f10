"""Pieces the studio window's pages share: the names of referenced records, the colour chip button,
and a non-blocking confirmation that names what it is about."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QColorDialog, QMessageBox, QPushButton, QWidget

from desktop.api.records import UserContext
from desktop.api.studio.families import RefKind
from desktop.ui.panes.common import named


def names_from_context(context: UserContext | None) -> dict[RefKind, dict[str, str]]:
    """id -> name of what the records point at, from the user context the main window already read."""
    if context is None:
        return {}
    return {
        "project": {p.id: p.name for p in context.projects},
        "task_type": {t.id: t.name for t in context.task_types},
        "person": {p.id: p.full_name for p in context.persons},
        "department": {d.id: d.name for d in context.departments},
    }


def chip_icon(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color) if QColor(color).isValid() else QColor("#000000"))
    return QIcon(pixmap)


class ColorButton(QPushButton):
    """A colour shown as a chip with its hex code; a click opens a (non-blocking) colour picker."""

    color_changed = Signal(str)

    def __init__(self, color: str = "#999999", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = ""
        self.dialog: QColorDialog | None = None
        self.set_color(color)
        self.clicked.connect(self.pick)

    @property
    def color(self) -> str:
        return self._color

    def set_color(self, color: str) -> None:
        self._color = color.lower()
        self.setText(self._color)
        self.setIcon(chip_icon(self._color))
        self.color_changed.emit(self._color)

    def pick(self) -> None:
        dialog = self.dialog = named(QColorDialog(QColor(self._color), self), "studioColorDialog", "Pick a colour")
        dialog.colorSelected.connect(lambda c: self.set_color(c.name()))
        dialog.open()


def confirm(parent: QWidget, object_name: str, title: str, text: str, action: str,
            on_yes: Callable[[], None]) -> QMessageBox:
    """Ask before something that cannot be undone; `on_yes` runs only when `action` is clicked.

    The box stays (hidden) after its answer, so whoever holds it can still read it; the next one
    replaces it."""
    for old in parent.findChildren(QMessageBox, object_name):
        old.setObjectName("")  # found by name no more, even before the deferred delete runs
        old.deleteLater()
    box = named(QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent),
                object_name, title)
    yes = named(box.addButton(action, QMessageBox.ButtonRole.DestructiveRole), f"{object_name}Yes", action)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def done() -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(lambda _result: done())
    box.open()
    return box
