"""Small widgets the panes share: the filter box, the error banner with a retry, naming helpers."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.ui.widgets import named

__all__ = ["ErrorBanner", "FilterEdit", "named"]  # `named` is re-exported: the panes import it from here


class FilterEdit(QLineEdit):
    """A filter box: Esc clears it; Esc on an empty box hands focus back (`escaped`)."""

    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.escaped.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.escaped.emit()  # into the list
            event.accept()
            return
        super().keyPressEvent(event)


class ErrorBanner(QFrame):
    """An error shown in the pane (what was loaded stays visible), with a Retry button."""

    retry = Signal()

    def __init__(self, prefix: str, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, f"{prefix}Error", f"Error loading {noun}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"QFrame#{prefix}Error {{ background: #fdecea; border: 1px solid #f5c2c0; }}"
                           " QLabel { color: #7a1d16; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = named(QLabel(), f"{prefix}ErrorText", f"Why {noun} could not be loaded")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = named(QPushButton("Retry"), f"{prefix}Retry", f"Retry loading {noun}")
        self.button.clicked.connect(self.retry)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_error(self, message: str) -> None:
        self.label.setText(message)
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()
