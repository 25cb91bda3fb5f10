"""Small widgets and helpers shared by the sign-in window, the session sheet and the security dialog."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QPushButton, QStackedWidget, QWidget

from desktop.api import errors as E


def named[W: QWidget](widget: W, object_name: str, accessible_name: str, description: str = "") -> W:
    """Give a widget its automation contract: a stable objectName and a screen-reader name.

    Every name set here is listed in docs/ui-automation.md; keep both in step.
    """
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def monospace_font(point_delta: int = 0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_delta and font.pointSize() > 0:
        font.setPointSize(font.pointSize() + point_delta)
    return font


def primary_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("primary", True)  # styled by resources/styles/slate.qss
    return button


def busy_bar() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 0)  # indeterminate
    bar.setTextVisible(False)
    bar.setFixedHeight(4)
    bar.setVisible(False)
    return bar


class PageStack(QStackedWidget):
    """A stack sized by the page on show, not by its largest page, so a window fits each step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        page = self.currentWidget()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        # Word-wrapped labels need their real width to know their height; ask the page on show.
        page = self.currentWidget()
        return page.heightForWidth(width) if page is not None else super().heightForWidth(width)


class MessageLabel(QLabel):
    """A wrapped status line with a tone (error, warn, info, ok) the style sheet colours; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setProperty("message", True)  # padding in the style sheet; set before the first polish
        self.setVisible(False)

    def show_message(self, text: str, tone: str = "error") -> None:
        self.setText(text)
        self.setProperty("tone", tone)
        # A dynamic property change needs a re-polish for the style sheet to notice it.
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.setVisible(False)

    @property
    def tone(self) -> str:
        return str(self.property("tone") or "")


class CodeField(QLineEdit):
    """A field for an n-digit one-time code; emits `completed` as soon as all digits are typed."""

    completed = Signal(str)

    def __init__(self, digits: int = 6, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digits = digits
        self.setMaxLength(digits)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{digits}}}"), self))
        self.setPlaceholderText("0" * digits)
        self.setFont(monospace_font(4))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.textChanged.connect(self._check)

    def _check(self, text: str) -> None:
        if len(text) == self.digits and text.isdigit():
            self.completed.emit(text)


def error_text(exc: BaseException) -> str:
    """A sentence for the user. API errors already are; anything else is a bug, said plainly."""
    if isinstance(exc, E.ZouError):
        return str(exc)
    return f"Something went wrong ({exc.__class__.__name__}). Details are in the log file."
