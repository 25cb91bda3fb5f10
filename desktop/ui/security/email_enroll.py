"""Turn on email codes: Zou mails a code to the account's address; typing it back proves the address works."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.api import AccountSecurity, WrongProof
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui.widgets import CodeField, MessageLabel, busy_bar, error_text, named, primary_button

log = logging.getLogger(__name__)


class EmailEnrollView(QWidget):
    enabled = Signal(object)  # recovery codes (list[str]) when this was the first method, else None
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "emailEnrollView", "Turn on email codes")
        self.security: AccountSecurity | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.busy = busy_bar()
        self.runner.busy_changed.connect(self.busy.setVisible)

        self.intro = named(QLabel(), "emailEnrollIntro", "Email code instructions")
        self.intro.setWordWrap(True)
        self.code = named(CodeField(), "emailEnrollCodeField", "Code from the email",
                          "The 6-digit code we emailed; it is checked when complete")
        self.code.completed.connect(lambda code: self.runner.run(self.confirm(code), key="confirm"))
        self.confirm_button = named(primary_button("Turn on"), "emailEnrollConfirmButton", "Confirm email code")
        self.confirm_button.clicked.connect(
            lambda: self.runner.run(self.confirm(self.code.text()), key="confirm"))
        self.resend_button = named(QPushButton("Send a new code"), "emailEnrollResendButton", "Send a new code")
        self.resend_button.clicked.connect(lambda: self.runner.run(self.begin(), key="begin"))
        self.cancel_button = named(QPushButton("Cancel"), "emailEnrollCancelButton", "Cancel email code setup")
        self.cancel_button.clicked.connect(self._cancel)
        self.message = named(MessageLabel(), "emailEnrollMessage", "Email code setup message")

        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.resend_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.code)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def start(self, security: AccountSecurity, email: str) -> None:
        self.security = security
        self.intro.setText(f"We are emailing a 6-digit code to <b>{email}</b>. Type it here to turn on "
                           "email codes. From then on, signing in asks for a code sent to this address.")
        self.code.clear()
        self.message.clear_message()
        self.runner.run(self.begin(), key="begin")

    async def begin(self) -> None:
        assert self.security is not None
        await self.security.email_otp_begin()
        self.message.show_message("Code sent. It is valid for 5 minutes.", "info")
        self.code.setFocus()

    async def confirm(self, code: str) -> None:
        assert self.security is not None
        if len(code) != self.code.digits:
            self.message.show_message("Type the 6-digit code from the email.", "error")
            return
        try:
            codes = await self.security.email_otp_confirm(code)
        except WrongProof:
            self.message.show_message("That code did not match the one we sent. Check the newest email.", "error")
            self.code.clear()
            return
        log.info("email codes turned on")
        self.enabled.emit(codes)

    def _cancel(self) -> None:
        self.runner.cancel_all()
        self.cancelled.emit()

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("email code setup failed", exc_info=exc)
            self.message.show_message(error_text(exc), "error")
