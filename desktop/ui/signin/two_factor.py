"""The second sign-in step: one tab per method the server listed, the preferred one first.

The step only collects a proof (a code, or a security key's answer); the panel sends it with the
password it kept, so a wrong code never makes the user retype the password.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui import security_key
from desktop.ui.signin import messages
from desktop.ui.widgets import CodeField, MessageLabel, error_text, monospace_font, named, primary_button

if TYPE_CHECKING:
    from desktop.api import ZouSession

log = logging.getLogger(__name__)

# Zou keeps an email code for 5 minutes; a short wait before "Resend" stops accidental double mails.
RESEND_SECONDS = 30
TAB_NAMES = {"totp": "totpTab", "email_otp": "emailCodeTab", "recovery_code": "recoveryCodeTab", "fido": "fidoTab"}


class TwoFactorStep(QWidget):
    # The keyword for ZouSession.sign_in: {"totp": c} | {"email_otp": c} | {"recovery_code": c} | {"fido_response": r}
    proof_ready = Signal(dict)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "twoFactorStep", "Two-factor authentication")
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.session: ZouSession | None = None
        self.email = ""
        self.methods: tuple[str, ...] = ()
        self._resend_left = 0

        self.intro = named(QLabel(), "twoFactorIntro", "Two-factor instructions")
        self.intro.setWordWrap(True)
        self.tabs = named(QTabWidget(), "twoFactorMethods", "Two-factor method")
        # As tall as the tallest method needs, no taller: the window fits the step around it.
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.message = named(MessageLabel(), "twoFactorMessage", "Two-factor message")
        self.back_button = named(QPushButton("Back"), "twoFactorBackButton", "Back to email and password")
        self.back_button.clicked.connect(self.back_requested)

        self.totp_tab = self._build_totp()
        self.email_tab = self._build_email()
        self.recovery_tab = self._build_recovery()
        self.fido_tab = self._build_fido()

        self._resend_timer = QTimer(self)
        self._resend_timer.setInterval(1000)
        self._resend_timer.timeout.connect(self._tick_resend)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    # ------------------------------------------------------------ building
    def _build_totp(self) -> QWidget:
        tab = named(QWidget(), TAB_NAMES["totp"], "Authenticator app")
        self.totp_field = named(CodeField(), "totpField", "Authenticator code",
                                "The 6-digit code from your authenticator app; it is sent when complete")
        self.totp_field.completed.connect(lambda code: self._submit({"totp": code}))
        layout = QVBoxLayout(tab)
        hint = QLabel("Open your authenticator app and type the 6-digit code for Kitsu.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.totp_field)
        layout.addStretch(1)
        return tab

    def _build_email(self) -> QWidget:
        tab = named(QWidget(), TAB_NAMES["email_otp"], "Email code")
        self.send_email_button = named(QPushButton("Send code"), "sendEmailCodeButton", "Send email code",
                                       "Ask the server to email you a one-time code")
        self.send_email_button.clicked.connect(lambda: self.runner.run(self.send_email_code(), key="email"))
        self.email_field = named(CodeField(), "emailCodeField", "Email code",
                                 "The 6-digit code from the email; it is sent when complete")
        self.email_field.completed.connect(lambda code: self._submit({"email_otp": code}))
        self.email_hint = QLabel()
        self.email_hint.setWordWrap(True)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.email_hint)
        layout.addWidget(self.send_email_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.email_field)
        layout.addStretch(1)
        return tab

    def _build_recovery(self) -> QWidget:
        tab = named(QWidget(), TAB_NAMES["recovery_code"], "Recovery code")
        self.recovery_field = named(QLineEdit(), "recoveryCodeField", "Recovery code",
                                    "One of the recovery codes you saved; each works once")
        self.recovery_field.setFont(monospace_font(2))
        self.recovery_field.setMaxLength(16)
        self.recovery_field.setPlaceholderText("ABCDE12345")
        self.recovery_submit = named(primary_button("Use recovery code"), "recoveryCodeSubmit", "Use recovery code")
        self.recovery_submit.clicked.connect(self._submit_recovery)
        self.recovery_field.returnPressed.connect(self._submit_recovery)
        layout = QVBoxLayout(tab)
        hint = QLabel("Lost your device? Type one of the recovery codes you saved when you set up "
                      "two-factor authentication. Each code works once.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.recovery_field)
        layout.addWidget(self.recovery_submit, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        return tab

    def _build_fido(self) -> QWidget:
        tab = named(QWidget(), TAB_NAMES["fido"], "Security key")
        self.fido_status = named(QLabel(), "fidoStatus", "Security key status")
        self.fido_status.setWordWrap(True)
        self.fido_pin = named(QLineEdit(), "fidoPinField", "Security key PIN", "Only if your key asks for one")
        self.fido_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.fido_button = named(primary_button("Use security key"), "fidoButton", "Use security key")
        self.fido_button.clicked.connect(lambda: self.runner.run(self.use_security_key(), key="fido"))
        layout = QVBoxLayout(tab)
        layout.addWidget(self.fido_status)
        form = QFormLayout()
        form.addRow("PIN (if asked):", self.fido_pin)
        layout.addLayout(form)
        layout.addWidget(self.fido_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        return tab

    # ------------------------------------------------------------ showing
    def start(self, session: ZouSession, email: str, methods: tuple[str, ...]) -> None:
        """Show the methods the server listed, in its order (preferred first)."""
        self.session, self.email, self.methods = session, email, methods
        self.message.clear_message()
        self.tabs.clear()
        tabs = {"totp": self.totp_tab, "email_otp": self.email_tab, "recovery_code": self.recovery_tab,
                "fido": self.fido_tab}
        for method in methods:
            if method in tabs:
                self.tabs.addTab(tabs[method], messages.method_label(method))
        self.tabs.setCurrentIndex(0)
        self.intro.setText(f"<b>{email}</b> uses two-factor authentication. Confirm it's you with one of "
                           "these methods.")
        self.email_hint.setText(f"We'll email a 6-digit code to {email}. It is valid for 5 minutes.")
        for field in (self.totp_field, self.email_field, self.recovery_field, self.fido_pin):
            field.clear()
        if "fido" in methods:
            self.runner.run(self._check_security_key(), key="fido-check")
        self.focus_current()

    def show_method(self, method: str) -> None:
        tab = self.findChild(QWidget, TAB_NAMES.get(method, ""))
        if tab is not None and self.tabs.indexOf(tab) >= 0:
            self.tabs.setCurrentWidget(tab)

    @property
    def current_method(self) -> str:
        widget = self.tabs.currentWidget()
        return next((m for m, name in TAB_NAMES.items() if widget is not None and widget.objectName() == name), "")

    def focus_current(self) -> None:
        field = {"totp": self.totp_field, "email_otp": self.email_field,
                 "recovery_code": self.recovery_field}.get(self.current_method)
        if field is not None:
            field.setFocus()

    def code_refused(self) -> None:
        """The server refused the proof: say so, clear the code, keep everything else."""
        self.message.show_message(messages.WRONG_CODE, "error")
        for field in (self.totp_field, self.email_field, self.recovery_field):
            field.clear()
        self.focus_current()

    def stop(self) -> None:
        self.runner.cancel_all()
        self._resend_timer.stop()

    # ------------------------------------------------------------ proofs
    def _submit(self, proof: dict[str, Any]) -> None:
        self.message.clear_message()
        self.proof_ready.emit(proof)

    def _submit_recovery(self) -> None:
        code = self.recovery_field.text().strip().replace(" ", "").upper()
        if code:
            self._submit({"recovery_code": code})

    async def send_email_code(self) -> None:
        assert self.session is not None
        self.send_email_button.setEnabled(False)
        try:
            await self.session.request_email_code(self.email)
        except BaseException:
            self.send_email_button.setEnabled(True)
            raise
        self.message.show_message(f"Code sent to {self.email}. Check your inbox (and spam folder).", "info")
        self.email_field.setFocus()
        self._resend_left = RESEND_SECONDS
        self._tick_resend(count=False)
        self._resend_timer.start()

    def _tick_resend(self, count: bool = True) -> None:
        if count:
            self._resend_left -= 1
        if self._resend_left > 0:
            self.send_email_button.setText(f"Resend in {self._resend_left} s")
            self.send_email_button.setEnabled(False)
        else:
            self._resend_timer.stop()
            self.send_email_button.setText("Resend code")
            self.send_email_button.setEnabled(True)

    async def _check_security_key(self) -> None:
        present = await security_key.key_connected()
        self.fido_button.setEnabled(present)
        self.fido_pin.setEnabled(present)
        self.fido_status.setText("Touch your security key when it blinks after pressing the button."
                                 if present else security_key.unavailable_reason())

    async def use_security_key(self) -> None:
        assert self.session is not None
        options = await self.session.fido_challenge(self.email)
        self.fido_status.setText("Touch your security key now…")
        host = urlsplit(self.session.api_url).hostname or ""
        try:
            response = await security_key.get_assertion(options, host, self.fido_pin.text())
        except security_key.SecurityKeyError as exc:
            self.fido_status.setText(str(exc))
            return
        self._submit({"fido_response": response})

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("two-factor step failed", exc_info=exc)
            self.message.show_message(error_text(exc), "error")
