"""Ask for a proof of one enabled 2FA method before a sensitive change (disable a method, new codes)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.api import Person, TwoFactorProof, ZouSession
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui import security_key
from desktop.ui.signin.messages import method_label
from desktop.ui.widgets import MessageLabel, error_text, monospace_font, named, primary_button

log = logging.getLogger(__name__)


def proof_methods(user: Person, key_ready: bool) -> list[str]:
    """The methods that can prove it's the user: those enabled, plus recovery codes (issued with the first)."""
    methods = [m for m, on in (("totp", user.totp_enabled), ("email_otp", user.email_otp_enabled),
                               ("fido", user.fido_enabled and key_ready)) if on]
    preferred = user.preferred_two_factor
    methods.sort(key=lambda m: m != preferred)
    if user.two_factor_enabled:
        methods.append("recovery_code")
    return methods


class ProofForm(QWidget):
    submitted = Signal(object)  # TwoFactorProof
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "proofForm", "Confirm it's you")
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.session: ZouSession | None = None
        self.user: Person | None = None

        self.prompt = named(QLabel(), "proofPrompt", "What needs confirming")
        self.prompt.setWordWrap(True)
        self.method = named(QComboBox(), "proofMethod", "Confirm with")
        self.method.currentIndexChanged.connect(self._method_changed)
        self.field = named(QLineEdit(), "proofField", "Code")
        self.field.setFont(monospace_font(2))
        self.field.returnPressed.connect(self._submit)
        self.send_email = named(QPushButton("Email me a code"), "proofSendEmailButton", "Email me a code")
        self.send_email.clicked.connect(lambda: self.runner.run(self._send_email_code(), key="email"))
        self.message = named(MessageLabel(), "proofMessage", "Confirmation message")
        self.submit_button = named(primary_button("Confirm"), "proofSubmitButton", "Confirm")
        self.submit_button.clicked.connect(self._submit)
        self.cancel_button = named(QPushButton("Cancel"), "proofCancelButton", "Cancel")
        self.cancel_button.clicked.connect(self._cancel)

        form = QFormLayout()
        form.addRow("Confirm with:", self.method)
        code_row = QHBoxLayout()
        code_row.addWidget(self.field, 1)
        code_row.addWidget(self.send_email)
        form.addRow("Code:", code_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.prompt)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def ask(self, prompt: str, session: ZouSession, user: Person, *, key_ready: bool = False,
            confirm_text: str = "Confirm") -> None:
        self.session, self.user = session, user
        self.prompt.setText(prompt)
        self.submit_button.setText(confirm_text)
        self.method.blockSignals(True)
        self.method.clear()
        for method in proof_methods(user, key_ready):
            self.method.addItem(method_label(method), method)
        self.method.blockSignals(False)
        self.field.clear()
        self.message.clear_message()
        self._method_changed()
        self.field.setFocus()

    @property
    def current_method(self) -> str:
        return str(self.method.currentData() or "")

    def select_method(self, method: str) -> None:
        index = self.method.findData(method)
        if index >= 0:
            self.method.setCurrentIndex(index)

    def refused(self) -> None:
        self.message.show_message("That code was not accepted. Check it and try again.", "error")
        self.field.clear()
        self.field.setFocus()

    def _method_changed(self, _index: int = 0) -> None:
        method = self.current_method
        self.send_email.setVisible(method == "email_otp")
        self.field.setVisible(method != "fido")
        self.field.setMaxLength(16 if method == "recovery_code" else 6)
        self.field.setPlaceholderText({"recovery_code": "ABCDE12345", "fido": ""}.get(method, "123456"))

    def _submit(self) -> None:
        method = self.current_method
        if method == "fido":
            self.runner.run(self._submit_fido(), key="fido")
            return
        code = self.field.text().strip().replace(" ", "")
        if not code:
            self.message.show_message("Type the code first.", "error")
            return
        proof = {"totp": TwoFactorProof(totp=code), "email_otp": TwoFactorProof(email_otp=code),
                 "recovery_code": TwoFactorProof(recovery_code=code.upper())}.get(method)
        if proof is not None:
            self.message.clear_message()
            self.submitted.emit(proof)

    async def _send_email_code(self) -> None:
        assert self.session is not None and self.user is not None
        await self.session.request_email_code(self.user.email)
        self.message.show_message(f"Code sent to {self.user.email}.", "info")

    async def _submit_fido(self) -> None:
        assert self.session is not None and self.user is not None
        options = await self.session.fido_challenge(self.user.email)
        self.message.show_message("Touch your security key now…", "info")
        try:
            response = await security_key.get_assertion(options, urlsplit(self.session.api_url).hostname or "")
        except security_key.SecurityKeyError as exc:
            self.message.show_message(str(exc), "error")
            return
        self.submitted.emit(TwoFactorProof(fido_authentication_response=response))

    def _cancel(self) -> None:
        self.runner.cancel_all()
        self.field.clear()
        self.cancelled.emit()

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("confirmation failed", exc_info=exc)
            self.message.show_message(error_text(exc), "error")
