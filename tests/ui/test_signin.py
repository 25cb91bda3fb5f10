"""The sign-in window against the real Zou: every outcome the server can give, driven through the widgets."""

from __future__ import annotations

from pathlib import Path

import pyotp
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop.api import ServerInfo, ZouClient, ZouSession
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui import security_key
from desktop.ui.connections import Connections
from desktop.ui.signin import SignInWindow, messages
from tests.helpers.zou import TestUser, ZouAdmin
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    WAIT_MS,
    TinyServerFactory,
    child,
    click,
    enable_email_codes,
    enable_totp,
    fixture_app_settings,
    fixture_connections,
    fixture_tiny_server,
    fixture_user,
    give_security_key_record,
    message,
    open_sign_in,
    record_sign_ins,
    self_signed_cert,
    submit_password,
    type_into,
    wait_idle,
    wrong_code,
)
from tests.ui.conftest import run_async


def current_tab(window: QWidget) -> str:
    tabs = child(window, QTabWidget, "twoFactorMethods")
    widget = tabs.currentWidget()
    return widget.objectName() if widget is not None else ""


def tab_titles(window: QWidget) -> list[str]:
    tabs = child(window, QTabWidget, "twoFactorMethods")
    return [tabs.tabText(i) for i in range(tabs.count())]


def page(window: SignInWindow) -> str:
    current = window.panel.pages.currentWidget()
    return current.objectName() if current is not None else ""


# ---------------------------------------------------------------- server field
def test_server_probe_shows_version_and_remembered_servers(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou) -> None:
    app_settings.remember_server("kitsu.example.org")
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    assert message(window, "serverStatus").startswith("✓ Zou 1.0.97")
    combo = child(window, QComboBox, "serverField")
    assert [combo.itemText(i) for i in range(combo.count())] == ["kitsu.example.org"]


def test_server_probe_feedback_follows_typing(
        qtbot: QtBot, connections: Connections, app_settings: Settings, tiny_server: TinyServerFactory) -> None:
    html = tiny_server("html")
    window = SignInWindow(connections, app_settings)
    qtbot.addWidget(window)
    window.show()
    line = child(window, QComboBox, "serverField").lineEdit()
    assert line is not None
    qtbot.keyClicks(line, html.url)
    qtbot.waitUntil(lambda: message(window, "serverStatus").startswith("Not a Zou server"), timeout=WAIT_MS)
    line.clear()
    qtbot.keyClicks(line, "http://127.0.0.1:9")  # nothing listens on the discard port
    qtbot.waitUntil(lambda: message(window, "serverStatus").startswith("Cannot reach"), timeout=WAIT_MS)
    # Debounced: typing a whole address probes it once or twice, not once per keystroke.
    assert len([r for r in html.requests if r.startswith("GET")]) <= 4


def test_certificate_problem_is_explained_and_a_studio_ca_fixes_it(
        qtbot: QtBot, connections: Connections, app_settings: Settings, tiny_server: TinyServerFactory,
        tmp_path: Path) -> None:
    server = tiny_server("zou", tls=True)
    window = SignInWindow(connections, app_settings, server_text=server.url)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: message(window, "serverStatus").startswith("Certificate problem"), timeout=WAIT_MS)
    assert "never skips the check" in message(window, "serverStatus")
    ca_button = child(window, QPushButton, "caFileButton")
    assert ca_button.isVisible()
    not_a_cert = tmp_path / "notes.txt"
    not_a_cert.write_text("not a certificate")
    window.server.use_ca_file(str(not_a_cert))
    assert message(window, "serverStatus").startswith(f"The CA file {not_a_cert} cannot be used")
    assert app_settings.ca_file == ""
    cert, _key = self_signed_cert(tmp_path)
    window.server.use_ca_file(str(cert))  # what "Choose CA file…" does with the file the user picked
    qtbot.waitUntil(lambda: window.server.info is not None, timeout=WAIT_MS)
    assert window.server.info == ServerInfo(api_url=f"{server.url}/api", version="9.9.9")
    assert app_settings.ca_file == str(cert)
    assert not ca_button.isVisible()


# ---------------------------------------------------------------- password outcomes
def test_password_sign_in(qtbot: QtBot, connections: Connections, app_settings: Settings,
                          zou_server: LocalZou, user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert len(results) == 1
    result = results[0]
    assert (result.user.email, result.email, result.keep_signed_in) == (user.email, user.email, True)
    assert result.server.api_url == zou_server.url
    assert child(window, QLineEdit, "passwordField").text() == ""  # not kept once signed in
    context = run_async(qtbot, ZouClient(result.session).context())
    assert context is not None


def test_wrong_password_says_so(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                zou_server: LocalZou, user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, "not-the-password")
    assert message(window, "signInMessage") == messages.WRONG_CREDENTIALS
    assert child(window, QLineEdit, "emailField").text() == user.email
    assert not results


def test_lockout_shows_when_to_retry_and_counts_down(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    for _ in range(5):
        submit_password(qtbot, window, user.email, "wrong-password")
        assert message(window, "signInMessage") == messages.WRONG_CREDENTIALS
    submit_password(qtbot, window, user.email, user.password)  # even the right password: locked
    text = message(window, "signInMessage")
    assert text.startswith("Too many failed attempts") and "Try again in" in text, text
    assert not child(window, QPushButton, "signInButton").isEnabled()
    first = window.panel._locked_until
    assert first is not None
    qtbot.waitUntil(lambda: message(window, "signInMessage") != text, timeout=3000)  # it counts down
    assert "Try again in" in message(window, "signInMessage")


def test_inactive_account_is_explained(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                       zou_server: LocalZou, zou_admin: ZouAdmin) -> None:
    inactive = zou_admin.create_user(active=False)
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    submit_password(qtbot, window, inactive.email, inactive.password)
    assert message(window, "signInMessage") == messages.INACTIVE


def test_default_password_is_replaced_then_signs_in(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou,
        zou_admin: ZouAdmin) -> None:
    fresh = zou_admin.create_user(password="default")
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, fresh.email, "default")
    assert page(window) == "newPasswordPage"
    type_into(qtbot, window, "newPasswordField", "a-new-secret-1")
    type_into(qtbot, window, "newPasswordConfirmField", "a-different-one")
    click(qtbot, window, "setNewPasswordButton")
    assert message(window, "newPasswordMessage") == "The two passwords are different."
    type_into(qtbot, window, "newPasswordConfirmField", "a-new-secret-1")
    click(qtbot, window, "setNewPasswordButton")
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    assert results[0].user.email == fresh.email
    # The new password is the account's password now.
    check = connections.session(zou_server.url)
    outcome = run_async(qtbot, check.sign_in(fresh.email, "a-new-secret-1"))
    assert type(outcome).__name__ == "SignedIn"


# ---------------------------------------------------------------- second step
def test_totp_code_submits_when_complete(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                         zou_server: LocalZou, user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert page(window) == "twoFactorStep"
    assert tab_titles(window) == ["Authenticator app", "Recovery code"]
    type_into(qtbot, window, "totpField", pyotp.TOTP(secret).now())  # no button: six digits submit
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    assert results[0].user.totp_enabled


def test_wrong_code_then_right_code_without_retyping_the_password(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    type_into(qtbot, window, "totpField", wrong_code(secret))
    wait_idle(qtbot, window)
    assert message(window, "twoFactorMessage") == messages.WRONG_CODE
    assert child(window, QLineEdit, "totpField").text() == ""
    assert page(window) == "twoFactorStep" and not results
    type_into(qtbot, window, "totpField", pyotp.TOTP(secret).now())
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)


def test_recovery_code_works_once(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                  zou_server: LocalZou, user: TestUser) -> None:
    _secret, codes = enable_totp(qtbot, connections, zou_server.url, user)
    assert len(codes) == 16
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)

    def use_recovery_code() -> None:
        submit_password(qtbot, window, user.email, user.password)
        window.panel.two_factor.show_method("recovery_code")
        assert current_tab(window) == "recoveryCodeTab"
        type_into(qtbot, window, "recoveryCodeField", codes[0].lower())  # case does not matter
        click(qtbot, window, "recoveryCodeSubmit")
        wait_idle(qtbot, window)

    use_recovery_code()
    assert len(results) == 1
    run_async(qtbot, results[0].session.sign_out())
    use_recovery_code()
    assert message(window, "twoFactorMessage") == messages.WRONG_CODE
    assert len(results) == 1


def test_email_code_from_the_mail_sink_with_methods_preferred_first(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    enable_email_codes(qtbot, connections, zou_server, user, totp_secret=secret)
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    # TOTP was turned on first, so it is the preferred method; recovery codes come last.
    assert tab_titles(window) == ["Authenticator app", "Email code", "Recovery code"]
    assert current_tab(window) == "totpTab"
    window.panel.two_factor.show_method("email_otp")
    before = zou_server.mail.count()
    click(qtbot, window, "sendEmailCodeButton")
    send = child(window, QPushButton, "sendEmailCodeButton")
    qtbot.waitUntil(lambda: send.text().startswith("Resend in"), timeout=WAIT_MS)
    assert not send.isEnabled()
    code = zou_server.mail.wait_for_code(user.email, after=before)
    type_into(qtbot, window, "emailCodeField", code)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)


def test_forced_enrollment_then_continue(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                         zou_enforced_2fa_url: str, user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, zou_enforced_2fa_url)
    assert "requires two-factor authentication" in message(window, "serverStatus")
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert page(window) == "totpEnrollView"
    enroll = window.panel.enroll
    qtbot.waitUntil(lambda: bool(child(window, QWidget, "totpSecret").property("text")), timeout=WAIT_MS)
    assert not child(window, QWidget, "totpQrCode").property("pixmap").isNull()
    secret = str(child(window, QWidget, "totpSecret").property("text")).replace(" ", "")
    assert f"secret={secret}" in enroll.provisioning_uri
    type_into(qtbot, window, "totpConfirmField", pyotp.TOTP(secret).now())
    qtbot.waitUntil(lambda: page(window) == "recoveryCodesView", timeout=WAIT_MS)
    assert len(window.panel.codes.codes) == 16
    click(qtbot, window, "recoveryCodesDoneButton")
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    session: ZouSession = results[0].session
    assert results[0].user.totp_enabled
    assert session.tokens is not None and not session.tokens.requires_2fa_setup
    run_async(qtbot, ZouClient(session).context())  # unrestricted: data routes answer now


# ---------------------------------------------------------------- responsiveness and FIDO
def test_cancel_while_the_server_stalls(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                        tiny_server: TinyServerFactory) -> None:
    stalling = tiny_server("stall")
    window = open_sign_in(qtbot, connections, app_settings, stalling.url)
    results = record_sign_ins(window)
    type_into(qtbot, window, "emailField", "ann@example.com")
    type_into(qtbot, window, "passwordField", "whatever")
    click(qtbot, window, "signInButton")
    qtbot.waitUntil(lambda: any(r.startswith("POST") for r in stalling.requests), timeout=WAIT_MS)
    cancel = child(window, QPushButton, "cancelSignInButton")
    assert cancel.isVisible() and not window.panel.pages.isEnabled()
    click(qtbot, window, "cancelSignInButton")
    qtbot.waitUntil(lambda: window.panel.pages.isEnabled(), timeout=2000)
    assert not cancel.isVisible()
    assert message(window, "signInMessage") == "Sign-in cancelled."
    assert not results


def test_security_key_method_without_a_key_offers_the_others(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, zou_admin: ZouAdmin,
        user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    give_security_key_record(zou_server, zou_admin, user, "Desk key")
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert sorted(tab_titles(window)[:2]) == ["Authenticator app", "Security key"]
    assert tab_titles(window)[-1] == "Recovery code"
    window.panel.two_factor.show_method("fido")
    status = child(window, QWidget, "fidoStatus")
    qtbot.waitUntil(lambda: bool(status.property("text")), timeout=WAIT_MS)
    # This machine has no python-fido2 and no key: the step says so and the other methods stay open.
    assert status.property("text") == security_key.unavailable_reason()
    assert not child(window, QPushButton, "fidoButton").isEnabled()
    window.panel.two_factor.show_method("totp")
    type_into(qtbot, window, "totpField", pyotp.TOTP(secret).now())
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
