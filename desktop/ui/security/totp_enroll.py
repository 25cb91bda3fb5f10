"""Set up an authenticator app: QR code and secret, then a code to prove the app has it.

Used by the account security dialog and by the sign-in window when the server enforces 2FA.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui.widgets import CodeField, MessageLabel, busy_bar, error_text, monospace_font, named, primary_button

if TYPE_CHECKING:  # the sign-in window holds this view from its start: the API's part loads when used
    from desktop.api.security import AccountSecurity, TotpEnrollment

log = logging.getLogger(__name__)


def grouped(secret: str) -> str:
    """ABCD EFGH IJKL …: easier to type by hand; apps accept the spaces."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class TotpEnrollView(QWidget):
    enabled = Signal(object)  # the recovery codes (list[str]) when this was the first method, else None
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None, *, intro: str = "", cancel_text: str = "Cancel") -> None:
        super().__init__(parent)
        named(self, "totpEnrollView", "Set up an authenticator app")
        self.security: AccountSecurity | None = None
        self.enrollment: TotpEnrollment | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.runner.busy_changed.connect(self._busy)

        self.intro = QLabel(intro or "Scan this QR code with an authenticator app (1Password, Google "
                                     "Authenticator, Authy, …).")
        self.intro.setWordWrap(True)
        self.qr = named(QLabel(), "totpQrCode", "QR code to scan with an authenticator app")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(180, 180)
        self.secret = named(QLabel(), "totpSecret", "Setup key",
                            "The secret to type into the app if it cannot scan the QR code")
        self.secret.setFont(monospace_font(1))
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setWordWrap(True)
        self.copy_secret = named(QPushButton("Copy key"), "copyTotpSecretButton", "Copy setup key")
        self.copy_secret.clicked.connect(self._copy_secret)
        self.code = named(CodeField(), "totpConfirmField", "Code from the app",
                          "The 6-digit code the app shows; it is checked when complete")
        self.code.completed.connect(self._confirm_code)
        self.confirm_button = named(primary_button("Turn on"), "totpConfirmButton", "Confirm authenticator code")
        self.confirm_button.clicked.connect(lambda: self._confirm_code(self.code.text()))
        self.cancel_button = named(QPushButton(cancel_text), "totpEnrollCancelButton", "Cancel authenticator setup")
        self.cancel_button.clicked.connect(self._cancel)
        self.message = named(MessageLabel(), "totpEnrollMessage", "Authenticator setup message")
        self.busy = busy_bar()

        key_label = QLabel("Can't scan it? Enter this setup key in the app:")
        key_label.setWordWrap(True)
        code_label = QLabel("Then type the 6-digit code the app shows:")
        grid = QGridLayout()
        grid.addWidget(self.qr, 0, 0, 4, 1)
        grid.addWidget(key_label, 0, 1)
        grid.addWidget(self.secret, 1, 1)
        grid.addWidget(self.copy_secret, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addWidget(code_label)
        layout.addWidget(self.code)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @property
    def provisioning_uri(self) -> str:
        return self.enrollment.provisioning_uri if self.enrollment else ""

    def start(self, security: AccountSecurity) -> None:
        """Ask the server for a new secret (each start makes a new one) and show it."""
        self.security = security
        self.enrollment = None
        self.qr.clear()
        self.secret.clear()
        self.code.clear()
        self.code.setEnabled(False)
        self.message.clear_message()
        self.runner.run(self.begin(), key="begin")

    async def begin(self) -> None:
        assert self.security is not None
        from desktop.ui.security.qr import qr_pixmap  # segno: only when a QR code is drawn (cold start)

        enrollment = await self.security.totp_begin()
        self.enrollment = enrollment
        self.qr.setPixmap(qr_pixmap(enrollment.provisioning_uri))
        self.secret.setText(grouped(enrollment.secret))
        self.code.setEnabled(True)
        self.code.setFocus()

    def _confirm_code(self, code: str) -> None:
        if len(code) == self.code.digits and self.enrollment is not None:
            self.runner.run(self.confirm(code), key="confirm")

    async def confirm(self, code: str) -> None:
        assert self.security is not None
        from desktop.api.security import WrongProof

        try:
            codes = await self.security.totp_confirm(code)
        except WrongProof:
            self.message.show_message("That code did not match. Wait for the next code in the app and type it.",
                                      "error")
            self.code.clear()
            self.code.setFocus()
            return
        log.info("authenticator app turned on")
        self.enrollment = None
        self.secret.clear()  # the app has it now; don't leave it on screen
        self.qr.clear()
        self.enabled.emit(codes)

    def _copy_secret(self) -> None:
        if self.enrollment is not None:
            QGuiApplication.clipboard().setText(self.enrollment.secret)
            self.message.show_message("Setup key copied.", "ok")

    def _cancel(self) -> None:
        self.runner.cancel_all()
        self.enrollment = None
        self.secret.clear()
        self.qr.clear()
        self.cancelled.emit()

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.confirm_button.setEnabled(not busy)

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("authenticator setup failed", exc_info=exc)
            self.message.show_message(error_text(exc), "error")
