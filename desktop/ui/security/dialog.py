"""Account security: authenticator app, email codes, recovery codes, security keys and password.

One dialog with pages (overview, setup, confirmation, codes, password) rather than nested modal
dialogs: it never blocks the main window, and every step can be driven and checked by a test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop import APP_NAME
from desktop.api import AccountSecurity, Person, TwoFactorProof, WrongProof, ZouSession
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui import security_key
from desktop.ui.resources import style_sheet
from desktop.ui.security.email_enroll import EmailEnrollView
from desktop.ui.security.overview import SecurityOverview
from desktop.ui.security.password import ChangePasswordView
from desktop.ui.security.proof import ProofForm
from desktop.ui.security.recovery_codes import RecoveryCodesView
from desktop.ui.security.totp_enroll import TotpEnrollView
from desktop.ui.widgets import MessageLabel, busy_bar, error_text, named

log = logging.getLogger(__name__)

ProofAction = Callable[[TwoFactorProof], Coroutine[Any, Any, None]]


class AccountSecurityDialog(QDialog):
    changed = Signal()  # something about the account's security changed on the server

    def __init__(self, session: ZouSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "accountSecurityDialog", "Account security")
        self.setWindowTitle(f"Account security · {APP_NAME}")
        self.setStyleSheet(style_sheet())
        self.session = session
        self.security = AccountSecurity(session)
        self.user: Person | None = session.user
        self.key_ready = False
        self._pending: ProofAction | None = None
        self._after_codes = ""  # what to say once the user is done with the recovery codes
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.busy = busy_bar()
        self.runner.busy_changed.connect(self.busy.setVisible)

        self.overview = SecurityOverview()
        self.totp = TotpEnrollView()
        self.email = EmailEnrollView()
        self.proof = ProofForm()
        self.codes = RecoveryCodesView()
        self.password = ChangePasswordView()
        self.pages = named(QStackedWidget(), "securityPages", "Account security steps")
        for page in (self.overview, self.totp, self.email, self.proof, self.codes, self.password):
            self.pages.addWidget(page)
        self.title = named(QLabel(), "securityTitle", "Current step")
        self.pages.currentChanged.connect(self._page_changed)
        self.message = named(MessageLabel(), "securityMessage", "Account security message")
        self.close_button = named(QPushButton("Close"), "securityCloseButton", "Close account security")
        self.close_button.clicked.connect(self.close)

        o = self.overview
        o.enable_totp.clicked.connect(self.start_totp)
        o.disable_totp.clicked.connect(lambda: self._ask_proof(
            "Turning off the authenticator app: confirm it's you.", self._disable_totp, "Turn off"))
        o.enable_email.clicked.connect(self.start_email)
        o.disable_email.clicked.connect(lambda: self._ask_proof(
            "Turning off email codes: confirm it's you.", self._disable_email, "Turn off"))
        o.regenerate_codes.clicked.connect(lambda: self._ask_proof(
            "New recovery codes replace all the old ones: confirm it's you.", self._regenerate, "Generate"))
        o.fido_register.clicked.connect(lambda: self.runner.run(self.register_key(), key="fido"))
        o.fido_unregister.clicked.connect(self._ask_unregister)
        o.change_password.clicked.connect(self.start_password)
        self.totp.enabled.connect(lambda codes: self._method_enabled(codes, "Authenticator app turned on."))
        self.totp.cancelled.connect(lambda: self._back())
        self.email.enabled.connect(lambda codes: self._method_enabled(codes, "Email codes turned on."))
        self.email.cancelled.connect(lambda: self._back())
        self.proof.submitted.connect(lambda proof: self.runner.run(self._run_pending(proof), key="proof"))
        self.proof.cancelled.connect(lambda: self._back())
        self.codes.done.connect(lambda: self._back(self._after_codes))
        self.password.changed.connect(lambda: self._back("Password changed."))
        self.password.cancelled.connect(lambda: self._back())

        footer = QHBoxLayout()
        footer.addWidget(self.busy, 1)
        footer.addStretch(1)
        footer.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        layout.addLayout(footer)
        self.resize(580, 480)
        self._page_changed()
        if self.user is not None:
            self.overview.update_from(self.user, self.key_ready)
        self.runner.run(self.refresh(), key="refresh")

    # ------------------------------------------------------------ state
    TITLES: dict[str, str] = {  # noqa: RUF012 - a constant table, never mutated
        "securityOverview": "Account security",
        "totpEnrollView": "Set up an authenticator app",
        "emailEnrollView": "Turn on email codes",
        "proofForm": "Confirm it's you",
        "recoveryCodesView": "Your recovery codes",
        "changePasswordView": "Change password",
    }

    def _page_changed(self, _index: int = 0) -> None:
        page = self.pages.currentWidget()
        self.title.setText(self.TITLES.get(page.objectName() if page is not None else "", "Account security"))

    async def refresh(self) -> None:
        """Read the account's 2FA state from the server (it may have changed elsewhere)."""
        self.key_ready = await security_key.key_connected()
        self.user = await self.session.authenticated()
        self.overview.update_from(self.user, self.key_ready)

    def _back(self, message: str = "") -> None:
        self._pending = None
        self.pages.setCurrentWidget(self.overview)
        if message:
            self.message.show_message(message, "ok")
        else:
            self.message.clear_message()

    async def _changed(self, message: str) -> None:
        await self.refresh()
        self._back(message)
        self.changed.emit()

    # ------------------------------------------------------------ enabling methods
    def start_totp(self) -> None:
        self.message.clear_message()
        self.pages.setCurrentWidget(self.totp)
        self.totp.start(self.security)

    def start_email(self) -> None:
        assert self.user is not None
        self.message.clear_message()
        self.pages.setCurrentWidget(self.email)
        self.email.start(self.security, self.user.email)

    def _method_enabled(self, codes: object, message: str) -> None:
        self.changed.emit()
        if isinstance(codes, list) and codes:
            # The first method issues the recovery codes: show them now, they are never shown again.
            self._after_codes = message
            self.codes.set_codes([str(c) for c in codes])
            self.pages.setCurrentWidget(self.codes)
            self.runner.run(self.refresh(), key="refresh")
        else:
            self.runner.run(self._changed(message), key="refresh")

    async def register_key(self) -> None:
        name = self.overview.fido_name.text().strip()
        if not name:
            self.message.show_message("Give the key a name first, so you can tell your keys apart.", "error")
            return
        options = await self.security.fido_registration_options()
        self.message.show_message("Touch your security key now…", "info")
        host = urlsplit(self.session.api_url).hostname or ""
        try:
            response = await security_key.make_credential(options, host)
        except security_key.SecurityKeyError as exc:
            self.message.show_message(str(exc), "error")
            return
        codes = await self.security.fido_register(response, name)
        self.overview.fido_name.clear()
        self._method_enabled(codes, f"Security key “{name}” registered.")

    # ------------------------------------------------------------ changes that need a proof
    def _ask_proof(self, prompt: str, action: ProofAction, confirm_text: str) -> None:
        assert self.user is not None
        self.message.clear_message()
        self._pending = action
        self.proof.ask(prompt, self.session, self.user, key_ready=self.key_ready, confirm_text=confirm_text)
        self.pages.setCurrentWidget(self.proof)

    async def _run_pending(self, proof: TwoFactorProof) -> None:
        if self._pending is None:
            return
        try:
            await self._pending(proof)
        except WrongProof:
            self.proof.refused()

    async def _disable_totp(self, proof: TwoFactorProof) -> None:
        await self.security.totp_disable(proof)
        log.info("authenticator app turned off")
        await self._changed("Authenticator app turned off.")

    async def _disable_email(self, proof: TwoFactorProof) -> None:
        await self.security.email_otp_disable(proof)
        log.info("email codes turned off")
        await self._changed("Email codes turned off.")

    async def _regenerate(self, proof: TwoFactorProof) -> None:
        codes = await self.security.regenerate_recovery_codes(proof)
        log.info("recovery codes regenerated")
        self._pending = None
        self._after_codes = "New recovery codes issued: the old ones no longer work."
        self.codes.set_codes(codes)
        self.pages.setCurrentWidget(self.codes)

    def _ask_unregister(self) -> None:
        name = self.overview.selected_device
        if not name:
            return

        async def unregister(proof: TwoFactorProof) -> None:
            await self.security.fido_unregister(name, proof)
            log.info("security key removed")
            await self._changed(f"Security key “{name}” removed.")

        self._ask_proof(f"Removing the security key “{name}”: confirm it's you.", unregister, "Remove")

    # ------------------------------------------------------------ password
    def start_password(self) -> None:
        self.message.clear_message()
        self.pages.setCurrentWidget(self.password)
        self.password.start(self.security)

    # ------------------------------------------------------------ errors and closing
    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("account security action failed", exc_info=exc)
            target = self.proof.message if self.pages.currentWidget() is self.proof else self.message
            target.show_message(error_text(exc), "error")

    def done(self, result: int) -> None:
        for runner in (self.runner, self.totp.runner, self.email.runner, self.proof.runner, self.password.runner):
            runner.cancel_all()
        self.codes.clear()
        super().done(result)
