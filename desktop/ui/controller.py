"""Which window is on screen, and the session behind it: resume, sign-in, sign-out, re-sign-in.

Flow: start -> (stored session still valid? main window : sign-in window) -> main window; sign-out ->
sign-in window; session ended mid-use -> sheet over the main window -> the same window carries on.
A new window is always shown before the old one closes, so Qt never sees "last window closed" in between
(that is the app's signal to quit).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.api import TokenStore
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.settings import Settings
from desktop.ui.connections import Connections

# Cold start: what the sign-in window does not need (the HTTP client, the keyring, the account security
# dialog, the session-expired sheet) is imported where it is first used; and the sign-in window itself,
# which a saved session's main window does not need at its first paint.
if TYPE_CHECKING:
    from desktop.api import Person, ServerInfo, ZouClient, ZouSession
    from desktop.api.tokens import Tokens
    from desktop.ui.main_window import MainWindow
    from desktop.ui.security import AccountSecurityDialog
    from desktop.ui.signin import SessionExpiredSheet, SignInWindow

log = logging.getLogger(__name__)

type MainWindowFactory = Callable[[ZouSession, ZouClient, Settings, Person, ServerInfo], QWidget]
MAIN_WINDOW_MODULE = "desktop.ui.main_window"
SHEET_MIN_SIZE = (480, 520)  # the sign-in sheet's card (440 px wide) with its margins
# Revoking on exit (when the user did not ask to stay signed in) must not hold the app open for long.
SIGN_OUT_ON_EXIT_TIMEOUT_S = 3.0


def default_main_window_factory() -> MainWindowFactory:
    """The real main window when it exists; until then a placeholder with the same contract."""
    if importlib.util.find_spec(MAIN_WINDOW_MODULE) is None:
        from desktop.ui.placeholder_window import PlaceholderMainWindow

        log.info("%s not found: using the placeholder main window", MAIN_WINDOW_MODULE)
        return PlaceholderMainWindow

    def open_main(session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                  server: ServerInfo) -> QWidget:
        # Imported when first needed, not at start: the sign-in window shows without the panes, models and
        # filter engine loaded (cold start). Errors inside the module still surface, here.
        main_window = importlib.import_module(MAIN_WINDOW_MODULE).MainWindow
        return _live(main_window(session, client, settings, user, server), settings)

    return open_main


def _live(window: Any, settings: Settings) -> QWidget:
    """The main window listens to the event stream, unless the settings say not to."""
    if settings.live_updates:
        window.start_live_updates(settings.events_url or None)
    return cast(QWidget, window)


def _connect(window: QWidget, signal_name: str, slot: Callable[[], Any]) -> None:
    signal = getattr(window, signal_name, None)
    if signal is None:
        log.warning("main window has no %s signal", signal_name)
        return
    signal.connect(slot)


class AppController(QObject):
    def __init__(self, settings: Settings, connections: Connections, token_store: TokenStore | None = None, *,
                 main_window_factory: MainWindowFactory | None = None, server_override: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.connections = connections
        self.token_store = token_store or TokenStore()
        self.main_window_factory = main_window_factory or default_main_window_factory()
        self.server_override = server_override.strip()
        self.runner = TaskRunner(self)
        self.runner.failed.connect(lambda key, exc: log.warning("%s failed: %s", key, exc))

        self.sign_in_window: SignInWindow | None = None
        self.main_window: QWidget | None = None
        # Cold start: the main window painted before the saved session was checked (desktop.ui.first_window);
        # `start()` fills it when the session resumes, and closes it when the sign-in window shows instead.
        self.early_main: MainWindow | None = None
        self.sheet: SessionExpiredSheet | None = None
        self.security_dialog: AccountSecurityDialog | None = None
        self.session: ZouSession | None = None
        self.server: ServerInfo | None = None
        self.email = ""
        self.keep_signed_in = settings.keep_signed_in
        self._signing_out = False
        self.stored_session_rejected = False

    @property
    def window(self) -> QWidget | None:
        """The window the user currently sees (main window or sign-in window)."""
        return self.main_window or self.sign_in_window

    # ------------------------------------------------------------ start
    async def start(self) -> QWidget:
        message = ""
        try:
            resumed = await self.resume_stored_session()
        except E.ZouError as exc:
            resumed = None
            message = f"Your saved session could not be checked: {exc}"
        if resumed is not None:
            return resumed
        if not message and self.stored_session_rejected:
            message = "Your saved session has ended. Sign in again."
        window = self.show_sign_in(message=message)
        self._close_early_main()  # after the sign-in window shows: never "last window closed" in between
        return window

    async def start_signed_in(self, server_url: str, email: str, password: str) -> QWidget:
        """Sign straight in (the demo's coordinator account); nothing is remembered for next time, since
        the demo server gets new ports on each run."""
        from desktop.api import SignedIn, probe_server

        server = await probe_server(server_url, client=self.connections.client)
        session = self.connections.session(server.api_url)
        outcome = await session.sign_in(email, password)
        if not isinstance(outcome, SignedIn):
            return self.show_sign_in(message=f"The demo account could not sign in ({type(outcome).__name__}).",
                                     email=email)
        return self._open_main(session, server, outcome.user, email, keep_signed_in=False)

    def saved_session_possible(self) -> bool:
        """Could `start()` resume a saved session (the settings say one was kept, for this server)? False:
        the first window is the sign-in window, which can show before the event loop runs (desktop.app)."""
        s = self.settings
        if not (s.keep_signed_in and s.session_in_keyring and s.last_api_url and s.last_email):
            return False
        # --server asking for another server than the saved session's: no resume.
        return not (self.server_override and self.server_override not in (s.last_server, s.last_api_url))

    async def resume_stored_session(self) -> QWidget | None:
        """Open the main window straight away when the keyring holds a session the server still accepts."""
        s = self.settings
        if not self.saved_session_possible():
            return None
        tokens = self.token_store.load(s.last_api_url, s.last_email)
        if tokens is None:
            self._mark_saved(s.last_api_url, s.last_email, False)  # the next start shows sign-in at once
            return None
        from desktop.api import probe_server

        session = self.connections.session(s.last_api_url)
        try:
            server = await probe_server(s.last_api_url, client=self.connections.client)
            user = await session.resume(tokens)
        except E.ZouError as exc:
            offline = self._open_offline(session, tokens, exc)
            if offline is None:
                raise
            return offline
        if user is None:
            log.info("stored session rejected by the server; removing it")
            self._forget(s.last_api_url, s.last_email)
            self.stored_session_rejected = True
            return None
        log.info("stored session resumed")
        return self._open_main(session, server, user, s.last_email, keep_signed_in=True)

    def _open_offline(self, session: ZouSession, tokens: Tokens, exc: E.ZouError) -> QWidget | None:
        """The server cannot be reached, but this computer has the session's tokens and its cache: open the
        main window read-only, without a password (it reconnects by itself). None: not possible."""
        from desktop.ui.offline_start import cached_session  # the disk cache, only on this path

        s = self.settings
        cached = cached_session(s.last_api_url, s.last_email, exc)
        if cached is None:
            return None
        user, server = cached
        log.info("server unreachable: opening the saved session offline")
        session.set_tokens(tokens)  # not checked with the server: it does so when it answers again
        window = self._open_main(session, server, user, s.last_email, keep_signed_in=True)
        offline = getattr(window, "offline", None)
        if offline is not None:
            offline.go_offline(exc)
        return window

    # ------------------------------------------------------------ sign-in window
    def show_sign_in(self, *, message: str = "", email: str | None = None) -> SignInWindow:
        from desktop.ui.signin import SignInWindow

        s = self.settings
        window = SignInWindow(self.connections, s, server_text=self.server_override or s.last_server,
                              email=s.last_email if email is None else email, message=message)
        window.signed_in.connect(self._signed_in)
        window.show()
        window.raise_()
        old = self.sign_in_window
        self.sign_in_window = window
        if old is not None:
            old.close()
        return window

    def _signed_in(self, result: object) -> None:
        from desktop.ui.signin import SignInResult

        assert isinstance(result, SignInResult) and self.sign_in_window is not None
        s = self.settings
        server_text = self.sign_in_window.server.text()
        s.remember_server(server_text)
        s.last_server = server_text
        s.last_api_url = result.server.api_url
        s.last_email = result.email
        s.keep_signed_in = result.keep_signed_in
        s.sync()
        self._open_main(result.session, result.server, result.user, result.email,
                        keep_signed_in=result.keep_signed_in)
        window, self.sign_in_window = self.sign_in_window, None
        window.close()

    # ------------------------------------------------------------ main window
    def _open_main(self, session: ZouSession, server: ServerInfo, user: Person, email: str, *,
                   keep_signed_in: bool) -> QWidget:
        self.session, self.server, self.email, self.keep_signed_in = session, server, email, keep_signed_in
        session.on_tokens = self._tokens_changed
        from desktop.api import ZouClient

        self._persist(session.tokens)
        early, self.early_main = self.early_main, None
        if early is not None:  # the window the user already sees, painted before the session was known
            early.fill(session, ZouClient(session), user, server)
            window = _live(early, self.settings)
        else:
            window = self.main_window_factory(session, ZouClient(session), self.settings, user, server)
        _connect(window, "sign_out_requested", lambda: self.runner.run(self.sign_out(), key="sign-out"))
        _connect(window, "account_security_requested", self.open_account_security)
        _connect(window, "session_expired", self.show_session_expired)
        window.show()
        self.main_window = window
        return window

    def _persist(self, tokens: Tokens | None) -> None:
        import keyring.errors

        if self.server is None or not self.email:
            return
        if self.keep_signed_in and tokens is not None:
            try:
                self.token_store.save(self.server.api_url, self.email, tokens)
            except keyring.errors.KeyringError as exc:
                # No usable keychain (e.g. no Secret Service on this desktop): the session still works,
                # it just cannot be resumed at the next start.
                log.warning("session not stored: the system keyring is unavailable (%s)", exc.__class__.__name__)
                self._mark_saved(self.server.api_url, self.email, False)
            else:
                self._mark_saved(self.server.api_url, self.email, True)
        else:
            self._forget(self.server.api_url, self.email)

    def _forget(self, api_url: str, email: str) -> None:
        import keyring.errors

        self._mark_saved(api_url, email, False)
        try:
            self.token_store.delete(api_url, email)
        except keyring.errors.KeyringError as exc:
            log.warning("could not remove the stored session: %s", exc.__class__.__name__)

    def _mark_saved(self, api_url: str, email: str, saved: bool) -> None:
        """The settings' note of whether the keyring holds the saved session: the next start decides from it,
        without the keyring, whether its first window is the main window (cold start)."""
        s = self.settings
        if (api_url, email) == (s.last_api_url, s.last_email) and s.session_in_keyring != saved:
            s.session_in_keyring = saved

    def _close_early_main(self) -> None:
        if self.early_main is not None:
            window, self.early_main = self.early_main, None
            window.close()
            window.deleteLater()

    def _tokens_changed(self, tokens: Tokens | None) -> None:
        """The session's tokens changed: sign-in, refresh, enrollment, sign-out, or a refresh that failed."""
        self._persist(tokens)
        if tokens is None and not self._signing_out:
            # The refresh token was refused: the session is over. Ask again once the failing call unwinds.
            QTimer.singleShot(0, self.show_session_expired)

    def open_account_security(self) -> AccountSecurityDialog | None:
        if self.session is None or self.main_window is None:
            return None
        if self.security_dialog is not None and self.security_dialog.isVisible():
            self.security_dialog.raise_()
            return self.security_dialog
        from desktop.ui.security import AccountSecurityDialog

        dialog = AccountSecurityDialog(self.session, self.main_window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(lambda: setattr(self, "security_dialog", None))
        dialog.open()  # window-modal, never a blocking exec()
        self.security_dialog = dialog
        return dialog

    # ------------------------------------------------------------ session ended mid-use
    def show_session_expired(self) -> SessionExpiredSheet | None:
        if self.main_window is None or self.session is None or self.server is None or self._signing_out:
            return None
        if self.sheet is not None:
            return self.sheet
        if self.security_dialog is not None:
            self.security_dialog.close()  # a window-modal dialog would block the sheet
        log.info("session ended mid-use: asking to sign in again")
        from desktop.ui.signin import SessionExpiredSheet

        sheet = SessionExpiredSheet(self._sheet_host(self.main_window), self.session, self.server, self.email)
        sheet.signed_in.connect(self._signed_in_again)
        sheet.sign_out_requested.connect(lambda: self.runner.run(self.sign_out(), key="sign-out"))
        sheet.present()
        self.sheet = sheet
        return sheet

    @staticmethod
    def _sheet_host(main: QWidget) -> QWidget:
        """Where the sign-in sheet goes: over the main window, or over the editing dialog open on it.

        A window-modal dialog (an entity editor, the status dialog...) blocks input to the window under it,
        so a sheet there could not be used and the only way out would drop what the dialog holds. Over the
        dialog, the sheet takes the password; once signed in it goes, and the dialog is as it was."""
        modal = QApplication.activeModalWidget()
        if modal is None or modal is main:
            return main
        parent = modal.parentWidget()
        while parent is not None and parent is not main:
            parent = parent.parentWidget()
        if parent is None:
            return main
        # The sheet's card needs room: a small dialog grows to hold it while the sheet is up.
        modal.resize(max(modal.width(), SHEET_MIN_SIZE[0]), max(modal.height(), SHEET_MIN_SIZE[1]))
        return modal

    def _signed_in_again(self, _result: object) -> None:
        if self.sheet is not None:
            self.sheet.dismiss()
            self.sheet = None
        window = self.main_window
        resume = getattr(window, "resume_after_sign_in", None)
        if callable(resume):
            resume()

    # ------------------------------------------------------------ sign-out and exit
    async def sign_out(self) -> SignInWindow:
        """Revoke the session on the server, forget it locally, and go back to the sign-in window."""
        session, email = self.session, self.email
        self._signing_out = True
        try:
            if session is not None:
                confirmed = await session.sign_out()
                log.info("signed out (server confirmed: %s)", confirmed)
        finally:
            if self.server is not None and email:
                self._forget(self.server.api_url, email)
            self._signing_out = False
        window = self.show_sign_in(message="You are signed out.", email=email)
        self._close_main()
        self.session, self.server = None, None
        return window

    def _close_main(self) -> None:
        if self.security_dialog is not None:
            self.security_dialog.close()
            self.security_dialog = None
        if self.sheet is not None:
            self.sheet.dismiss()
            self.sheet = None
        if self.main_window is not None:
            window, self.main_window = self.main_window, None
            window.close()
            window.deleteLater()

    def close_windows(self) -> None:
        self._close_main()
        self._close_early_main()
        if self.sign_in_window is not None:
            window, self.sign_in_window = self.sign_in_window, None
            window.close()

    async def shutdown(self) -> None:
        """The app is quitting: cancel work; revoke the session unless the user asked to stay signed in."""
        import asyncio  # not at module level: the sign-in window paints before asyncio loads (desktop.app)

        self.runner.cancel_all()
        # Stop the main window's transfers first (they resume next run) while the session still works.
        window_shutdown = getattr(self.main_window, "shutdown", None)
        if window_shutdown is not None:
            try:
                await asyncio.wait_for(window_shutdown(), SIGN_OUT_ON_EXIT_TIMEOUT_S)
            except TimeoutError:
                log.warning("the main window did not finish shutting down in time")
        session = self.session
        if session is not None and session.signed_in and not self.keep_signed_in:
            self._signing_out = True
            try:
                await asyncio.wait_for(session.sign_out(), SIGN_OUT_ON_EXIT_TIMEOUT_S)
            except (TimeoutError, E.ZouError):
                log.warning("could not revoke the session on exit")
        self.close_windows()
