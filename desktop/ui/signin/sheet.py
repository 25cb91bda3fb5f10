"""The sheet shown over the main window when the session ends mid-use.

It covers the window (so nothing underneath can be clicked half-signed-in) but does not replace it:
the panes, selections and anything typed stay exactly as they were. Signing in again reuses the same
session object, so the main window's client carries on with the new tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.resources import style_sheet
from desktop.ui.signin.panel import SignInPanel
from desktop.ui.widgets import named

if TYPE_CHECKING:
    from desktop.api import ServerInfo, ZouSession


class SessionExpiredSheet(QWidget):
    signed_in = Signal(object)  # SignInResult
    sign_out_requested = Signal()

    def __init__(self, host: QWidget, session: ZouSession, server: ServerInfo, email: str) -> None:
        super().__init__(host)
        named(self, "sessionExpiredSheet", "Session ended: sign in again")
        self.setStyleSheet(style_sheet())
        self.session = session
        self.server = server
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)

        title = named(QLabel("Your session has ended"), "sheetTitle", "Title")
        text = QLabel(f"Sign in again as <b>{email}</b> to continue where you left off. "
                      "Everything in the window is kept.")
        text.setWordWrap(True)
        self.panel = SignInPanel(self, locked_email=email, show_keep_signed_in=False)
        self.panel.signed_in.connect(self._signed_in)
        self.sign_out_button = named(QPushButton("Sign out instead"), "signOutInsteadButton",
                                     "Sign out instead", "Close this session and go back to the sign-in window")
        self.sign_out_button.clicked.connect(self.sign_out_requested)

        self.card = named(QFrame(self), "sheetCard", "Sign in again")
        self.card.setFixedWidth(440)
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(24, 20, 24, 16)
        card_layout.addWidget(title)
        card_layout.addWidget(text)
        card_layout.addWidget(self.panel, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.sign_out_button)
        card_layout.addLayout(row)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(self.card)
        middle.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(2)

        host.installEventFilter(self)
        self.setGeometry(host.rect())

    async def session_for_sign_in(self) -> tuple[ZouSession, ServerInfo]:
        return self.session, self.server

    def present(self) -> None:
        self._cover_host()
        self.raise_()
        self.show()
        self.panel.credentials.password.setFocus()

    def _signed_in(self, result: object) -> None:
        self.signed_in.emit(result)

    def dismiss(self) -> None:
        self.panel.stop()
        host = self.parentWidget()
        if host is not None:
            host.removeEventFilter(self)
        self.hide()
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Follow the host's size so the backdrop always covers the whole window.
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._cover_host()
        return super().eventFilter(watched, event)

    def _cover_host(self) -> None:
        host = self.parentWidget()
        if host is not None:
            self.setGeometry(host.rect())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 24, 31, 150))
        painter.end()
        super().paintEvent(event)
