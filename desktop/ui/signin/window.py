"""The sign-in window: which server, who, and (when needed) the second step, all in one window."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop import APP_NAME, __version__
from desktop.api.tokens import KeyringStatus, keyring_status
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.first_paint import after_first_paint
from desktop.ui.resources import app_icon, style_sheet
from desktop.ui.signin.panel import SignInPanel
from desktop.ui.signin.server_field import ServerField
from desktop.ui.widgets import named

if TYPE_CHECKING:
    from desktop.api import ServerInfo, ZouSession

log = logging.getLogger(__name__)

WIDTH = 480


class SignInWindow(QWidget):
    signed_in = Signal(object)  # SignInResult

    def __init__(self, connections: Connections, settings: Settings, *, server_text: str = "", email: str = "",
                 message: str = "", keyring: KeyringStatus | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "signInWindow", f"Sign in to {APP_NAME}")
        self.setWindowTitle(f"Sign in · {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.setStyleSheet(style_sheet())
        self.connections = connections
        self.settings = settings
        self._session: ZouSession | None = None

        self.keyring: KeyringStatus | None = None
        self.server = ServerField(connections, settings)
        self.panel = SignInPanel(self, header=self.server, keep_signed_in=settings.keep_signed_in)
        self.panel.signed_in.connect(self.signed_in)
        self.server.probed.connect(self._server_probed)

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(56, 56))
        title = named(QLabel(f"Sign in to {APP_NAME}"), "signInTitle", "Title")
        subtitle = named(QLabel("Your Kitsu productions, in a fast desktop app."), "signInSubtitle", "Subtitle")
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(title)
        heading.addWidget(subtitle)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addSpacing(8)
        top.addLayout(heading, 1)
        footer = named(QLabel(f"{APP_NAME} {__version__}"), "signInFooter", "Version")
        footer.setAlignment(Qt.AlignmentFlag.AlignRight)

        card = named(QFrame(), "signInCard", "Sign-in form")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 24, 28, 20)
        card_layout.setSpacing(14)
        card_layout.addLayout(top)
        card_layout.addWidget(self.panel, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 10)
        layout.addWidget(card, 1)
        layout.addWidget(footer)

        self.setMinimumWidth(WIDTH)
        # Each step has its own height: fit the window to it (the stack reports the page on show).
        self.panel.pages.currentChanged.connect(lambda _index: QTimer.singleShot(0, self._fit))
        self.panel.two_factor.tabs.currentChanged.connect(lambda _index: QTimer.singleShot(0, self._fit))
        self.resize(WIDTH, self.sizeHint().height())
        geometry = settings.geometry("signin")
        if geometry is not None:
            self.restoreGeometry(geometry)  # where the user left it
            self._fit()

        if email:
            self.panel.credentials.email.setText(email)
        if server_text:
            self.server.set_text(server_text)
        if message:
            self.panel.credentials.message.show_message(message, "info")
        if server_text:
            self.panel.credentials.focus_first_empty()
        else:
            self.server.combo.setFocus()
        # Whether a stored session would survive a restart, decided once as the window opens. Choosing the
        # backend loads keyring's plug-ins (~0.1-0.2 s): right after the window is painted, not before.
        if keyring is not None:
            self._apply_keyring(keyring)
        else:
            after_first_paint(self, lambda: self._apply_keyring(keyring_status()))

    def _apply_keyring(self, status: KeyringStatus) -> None:
        self.keyring = status
        if not status.persistent:
            log.warning("the system keyring is unavailable (%s): sessions cannot be kept", status.backend)
            self.panel.credentials.set_keep_unavailable(status.reason)

    def _server_probed(self, info: object) -> None:
        """Plain http:// to another computer: show the opt-in up front (unticked) with the warning."""
        plain = self.panel.credentials.plain_http
        from desktop.api import ServerInfo  # loaded by the probe that sent `info`

        insecure = isinstance(info, ServerInfo) and info.sends_in_clear
        if not insecure:
            plain.setChecked(False)
        plain.setVisible(insecure)

    def _fit(self) -> None:
        """Window height = what the current step needs at the current width, plus the fixed parts."""
        pages = self.panel.pages
        overhead = self.height() - pages.height()
        need = pages.heightForWidth(pages.width()) if pages.hasHeightForWidth() else -1
        height = overhead + (need if need > 0 else pages.sizeHint().height())
        self.resize(max(self.width(), WIDTH), max(height, self.minimumSizeHint().height()))

    async def session_for_sign_in(self) -> tuple[ZouSession, ServerInfo]:
        """The probed server, and one session per API root (kept across attempts for its cookies)."""
        info = await self.server.server_info()
        if self._session is None or self._session.api_url != info.api_url.rstrip("/"):
            self._session = self.connections.session(info.api_url)
        return self._session, info

    def closeEvent(self, event: QCloseEvent) -> None:
        self.panel.stop()
        self.server.cancel()
        self.settings.set_geometry("signin", self.saveGeometry())
        super().closeEvent(event)
