"""The sign-in flow, shared by the sign-in window and the session-expired sheet.

Pages: email + password, then (when the server asks) the second step, a new password (when the account
still has the default one), or authenticator setup (when the server enforces 2FA). The password stays in
memory only while the flow needs it, so a wrong code never makes the user retype it; it is dropped as
soon as the user is signed in or goes back.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui.security.recovery_codes import RecoveryCodesView
from desktop.ui.security.totp_enroll import TotpEnrollView
from desktop.ui.signin import messages
from desktop.ui.signin.credentials import CredentialsForm
from desktop.ui.signin.new_password import NewPasswordForm
from desktop.ui.signin.two_factor import TwoFactorStep
from desktop.ui.widgets import MessageLabel, PageStack, busy_bar, error_text, named

# The sign-in outcomes and AccountSecurity are imported where a sign-in uses them: defining their ~15
# dataclasses costs the first window ~10 ms (cold start).
if TYPE_CHECKING:
    from desktop.api import LoginOutcome, Person, ServerInfo, TooManyAttempts, ZouSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInResult:
    session: ZouSession
    server: ServerInfo
    user: Person
    email: str
    keep_signed_in: bool


class SessionSource(Protocol):
    """Where the panel gets the session to sign in with (a probed server, or the main window's session)."""

    async def session_for_sign_in(self) -> tuple[ZouSession, ServerInfo]: ...


class SignInPanel(QWidget):
    signed_in = Signal(object)  # SignInResult

    def __init__(self, source: SessionSource, parent: QWidget | None = None, *, header: QWidget | None = None,
                 locked_email: str = "", show_keep_signed_in: bool = True, keep_signed_in: bool = True,
                 keep_unavailable: str = "") -> None:
        super().__init__(parent)
        named(self, "signInPanel", "Sign in")
        self.source = source
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self._set_busy)
        self.runner.failed.connect(self._failed)
        self._session: ZouSession | None = None
        self._server: ServerInfo | None = None
        self._email = ""
        self._password = ""
        self._reset_token = ""
        self._enrolled_user: Person | None = None
        self._locked_until: dt.datetime | None = None
        self._lock_label: MessageLabel | None = None

        self.credentials = CredentialsForm(header=header, locked_email=locked_email,
                                           show_keep_signed_in=show_keep_signed_in, keep_signed_in=keep_signed_in,
                                           keep_unavailable=keep_unavailable)
        self.credentials.submitted.connect(self.submit)
        self.two_factor = TwoFactorStep()
        self.two_factor.proof_ready.connect(self.submit_proof)
        self.two_factor.back_requested.connect(self.back_to_credentials)
        self.new_password = NewPasswordForm()
        self.new_password.submitted.connect(
            lambda pw: self.runner.run(self.set_new_password(pw), key="signin"))
        self.new_password.back_requested.connect(self.back_to_credentials)
        self.enroll = TotpEnrollView(intro=messages.ENROLLMENT_REQUIRED, cancel_text="Sign out")
        self.enroll.enabled.connect(self._enrolled)
        self.enroll.cancelled.connect(self._enrollment_cancelled)
        self.codes = RecoveryCodesView(done_text="Continue")
        self.codes.done.connect(self._codes_done)

        self.pages = named(PageStack(), "signInPages", "Sign-in steps")
        for page in (self.credentials, self.two_factor, self.new_password, self.enroll, self.codes):
            self.pages.addWidget(page)

        self.busy: QProgressBar = named(busy_bar(), "signInBusy", "Signing in")
        self.cancel_button = named(QPushButton("Cancel"), "cancelSignInButton", "Cancel sign-in")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self._lock_timer = QTimer(self)
        self._lock_timer.setInterval(1000)
        self._lock_timer.timeout.connect(self._tick_lock)

        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy, 1)
        busy_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages, 1)
        layout.addLayout(busy_row)

    # ------------------------------------------------------------ state
    @property
    def page(self) -> QWidget | None:
        return self.pages.currentWidget()

    @property
    def locked(self) -> bool:
        return self._locked_until is not None

    def _message_label(self) -> MessageLabel:
        page = self.page
        if page is self.two_factor:
            return self.two_factor.message
        if page is self.new_password:
            return self.new_password.message
        if page is self.enroll:
            return self.enroll.message
        return self.credentials.message

    def _show(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.pages.setEnabled(not busy)

    # ------------------------------------------------------------ actions
    def submit(self) -> None:
        if not self.locked:
            self.runner.run(self.sign_in(), key="signin")

    def submit_proof(self, proof: dict[str, Any]) -> None:
        if not self.locked:
            self.runner.run(self.sign_in_with_proof(proof), key="signin")

    def cancel(self) -> None:
        """Stop the request in flight; the window stays as it was before the click."""
        self.runner.cancel("signin")
        self._message_label().show_message("Sign-in cancelled.", "info")

    def back_to_credentials(self) -> None:
        self.runner.cancel("signin")
        self.two_factor.stop()
        self._password = ""
        self._reset_token = ""
        self.new_password.reset()
        self._show(self.credentials)
        self.credentials.focus_first_empty()

    def stop(self) -> None:
        """The window is closing: cancel everything, forget the password."""
        self.runner.cancel_all()
        self.two_factor.stop()
        self.enroll.runner.cancel_all()
        self._lock_timer.stop()
        self._password = ""
        self.credentials.password.clear()

    # ------------------------------------------------------------ flow
    async def sign_in(self) -> None:
        email = self.credentials.email.text().strip()
        password = self.credentials.password.text()
        self.credentials.message.clear_message()
        if not email or not password:
            self.credentials.message.show_message("Enter your email and password.", "error")
            self.credentials.focus_first_empty()
            return
        session, server = await self.source.session_for_sign_in()
        if session.sends_in_clear and not session.allow_plaintext:
            if not self.credentials.plain_http.isChecked():
                # Nothing is sent until the user agrees: say why, and what to tick.
                self.credentials.plain_http.setVisible(True)
                self.credentials.message.show_message(messages.plain_http(session.api_url), "warn")
                self.credentials.plain_http.setFocus()
                return
            log.warning("signing in over plain http to another computer, as the user agreed")
            session.allow_plaintext = True
        self._session, self._server, self._email, self._password = session, server, email, password
        self._handle(await session.sign_in(email, password))

    async def sign_in_with_proof(self, proof: dict[str, Any]) -> None:
        if self._session is None or not self._password:
            self.back_to_credentials()
            return
        self._handle(await self._session.sign_in(self._email, self._password, **proof))

    async def set_new_password(self, password: str) -> None:
        assert self._session is not None
        from desktop.api.security import AccountSecurity

        await AccountSecurity(self._session).set_password_with_reset_token(self._email, self._reset_token, password)
        log.info("default password replaced")
        self._reset_token = ""
        self._password = password
        self.credentials.password.setText(password)
        self.new_password.reset()
        self._handle(await self._session.sign_in(self._email, password))

    def _handle(self, outcome: LoginOutcome) -> None:
        from desktop.api.auth import (
            DefaultPassword,
            InactiveAccount,
            SignedIn,
            TooManyAttempts,
            TwoFactorRequired,
            WrongCode,
            WrongCredentials,
        )

        log.info("sign-in outcome: %s", outcome.__class__.__name__)
        match outcome:
            case SignedIn(enrollment_required=True):
                self._start_enrollment()
            case SignedIn(user=user):
                self._finish(user)
            case WrongCredentials():
                self._show(self.credentials)
                self.credentials.message.show_message(messages.WRONG_CREDENTIALS, "error")
                self.credentials.password.selectAll()
                self.credentials.password.setFocus()
            case TwoFactorRequired(methods=methods):
                assert self._session is not None
                self._show(self.two_factor)
                self.two_factor.start(self._session, self._email, methods)
            case WrongCode():
                self._show(self.two_factor)
                self.two_factor.code_refused()
            case TooManyAttempts():
                self._lock(outcome)
            case InactiveAccount():
                self._show(self.credentials)
                self.credentials.message.show_message(messages.INACTIVE, "error")
            case DefaultPassword(reset_token=token):
                self._reset_token = token
                self.new_password.reset()
                self._show(self.new_password)
                self.new_password.password.setFocus()

    def _finish(self, user: Person) -> None:
        assert self._session is not None and self._server is not None
        result = SignInResult(session=self._session, server=self._server, user=user, email=self._email,
                              keep_signed_in=self.credentials.keep_signed_in)
        self._password = ""
        self.credentials.password.clear()
        self.credentials.message.clear_message()
        self.two_factor.stop()
        self._show(self.credentials)
        self.signed_in.emit(result)

    # ------------------------------------------------------------ lockout
    def _lock(self, outcome: TooManyAttempts) -> None:
        self._locked_until = outcome.retry_at
        self._lock_label = self._message_label()
        self.credentials.sign_in_button.setEnabled(False)
        self.two_factor.tabs.setEnabled(False)
        self._tick_lock()
        self._lock_timer.start()

    def _tick_lock(self) -> None:
        if self._locked_until is None or self._lock_label is None:
            return
        from desktop.api.auth import TooManyAttempts

        left = TooManyAttempts(self._locked_until).seconds_left()
        if left > 0:
            self._lock_label.show_message(messages.locked(left, self._locked_until), "warn")
            return
        self._lock_timer.stop()
        self._locked_until = None
        self.credentials.sign_in_button.setEnabled(True)
        self.two_factor.tabs.setEnabled(True)
        self._lock_label.show_message(messages.UNLOCKED, "info")

    # ------------------------------------------------------------ forced enrollment
    def _start_enrollment(self) -> None:
        assert self._session is not None
        self._show(self.enroll)
        from desktop.api.security import AccountSecurity

        self.enroll.start(AccountSecurity(self._session))

    def _enrolled(self, codes: object) -> None:
        if isinstance(codes, list) and codes:
            self.codes.set_codes([str(c) for c in codes])
            self._show(self.codes)
        else:
            self._codes_done()

    def _codes_done(self) -> None:
        self.runner.run(self._finish_after_enrollment(), key="signin")

    async def _finish_after_enrollment(self) -> None:
        assert self._session is not None
        # The tokens were swapped for unrestricted ones; read the user again (2FA is now on).
        self._finish(await self._session.authenticated())

    def _enrollment_cancelled(self) -> None:
        self.runner.run(self._sign_out_unenrolled(), key="signin")

    async def _sign_out_unenrolled(self) -> None:
        if self._session is not None:
            await self._session.sign_out()
        self.back_to_credentials()
        self.credentials.message.show_message(
            "This server requires two-factor authentication; sign in again when you are ready to set it up.",
            "info")

    # ------------------------------------------------------------ errors
    def _failed(self, _key: str, exc: object) -> None:
        if not isinstance(exc, BaseException):
            return
        if not isinstance(exc, E.ZouError):
            log.error("sign-in failed", exc_info=exc)
        self._message_label().show_message(error_text(exc), "error")
