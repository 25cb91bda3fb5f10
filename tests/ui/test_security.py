"""The account security dialog against the real Zou: enrol, disable, regenerate, security keys, password."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QLabel, QListWidget, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.api import SignedIn, WrongCode, ZouSession
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.security import AccountSecurityDialog
from desktop.ui.security.qr import qr_image
from desktop.ui.security.recovery_codes import RecoveryCodesView
from tests.helpers.zou import TestUser, ZouAdmin
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    WAIT_MS,
    child,
    click,
    enable_totp,
    fixture_app_settings,
    fixture_connections,
    fixture_user,
    give_security_key_record,
    message,
    open_sign_in,
    record_sign_ins,
    signed_in_session,
    submit_password,
    type_into,
    wrong_code,
)
from tests.ui.conftest import run_async


def open_dialog(qtbot: QtBot, session: ZouSession) -> AccountSecurityDialog:
    dialog = AccountSecurityDialog(session)
    qtbot.addWidget(dialog)
    dialog.open()  # non-blocking, as the app does; never exec() in a test
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=WAIT_MS)
    return dialog


def page(dialog: AccountSecurityDialog) -> str:
    current = dialog.pages.currentWidget()
    return current.objectName() if current is not None else ""


def text(dialog: QWidget, name: str) -> str:
    return str(child(dialog, QWidget, name).property("text") or "")


@pytest.fixture
def saved_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Answer the Save dialog with a file in tmp_path (a native file dialog would block the test)."""
    target = tmp_path / "codes.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Text (*.txt)"))
    yield target


def test_enable_totp_shows_qr_and_secret_then_the_codes_once(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, user: TestUser,
        saved_file: Path) -> None:
    session = signed_in_session(qtbot, connections, zou_server.url, user)
    dialog = open_dialog(qtbot, session)
    assert text(dialog, "totpStatus") == "Off"
    click(qtbot, dialog, "enableTotpButton")
    assert page(dialog) == "totpEnrollView"
    qtbot.waitUntil(lambda: bool(text(dialog, "totpSecret")), timeout=WAIT_MS)

    secret = text(dialog, "totpSecret").replace(" ", "")
    uri = dialog.totp.provisioning_uri
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    shown = child(dialog, QLabel, "totpQrCode").pixmap().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert shown == qr_image(uri)  # the QR code on screen encodes exactly this URI

    type_into(qtbot, dialog, "totpConfirmField", pyotp.TOTP(secret).now())
    qtbot.waitUntil(lambda: page(dialog) == "recoveryCodesView", timeout=WAIT_MS)
    codes = dialog.codes.codes
    assert len(codes) == 16 and all(len(c) == 10 for c in codes)

    click(qtbot, dialog, "copyRecoveryCodesButton")
    assert QGuiApplication.clipboard().text().split("\n") == codes
    click(qtbot, dialog, "saveRecoveryCodesButton")
    assert all(code in saved_file.read_text() for code in codes)
    assert stat.S_IMODE(saved_file.stat().st_mode) == 0o600

    click(qtbot, dialog, "recoveryCodesDoneButton")
    qtbot.waitUntil(lambda: text(dialog, "totpStatus") == "<b>On</b>", timeout=WAIT_MS)
    assert page(dialog) == "securityOverview"
    assert dialog.codes.codes == [] and child(dialog, RecoveryCodesView, "recoveryCodesView").text.toPlainText() == ""

    # The secret the dialog showed is the one the server checks: sign in with it through the sign-in window.
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    type_into(qtbot, window, "totpField", pyotp.TOTP(secret).now())
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)


def test_disable_totp_asks_for_a_code(qtbot: QtBot, connections: Connections, zou_server: LocalZou,
                                      user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    session = signed_in_session(qtbot, connections, zou_server.url, user, totp_secret=secret)
    dialog = open_dialog(qtbot, session)
    click(qtbot, dialog, "disableTotpButton")
    assert page(dialog) == "proofForm"
    assert dialog.proof.current_method == "totp"
    type_into(qtbot, dialog, "proofField", wrong_code(secret))
    click(qtbot, dialog, "proofSubmitButton")
    qtbot.waitUntil(lambda: "not accepted" in text(dialog, "proofMessage"), timeout=WAIT_MS)
    assert page(dialog) == "proofForm"
    type_into(qtbot, dialog, "proofField", pyotp.TOTP(secret).now())
    click(qtbot, dialog, "proofSubmitButton")
    qtbot.waitUntil(lambda: page(dialog) == "securityOverview", timeout=WAIT_MS)
    assert text(dialog, "securityMessage") == "Authenticator app turned off."
    assert text(dialog, "totpStatus") == "Off"
    outcome = run_async(qtbot, connections.session(zou_server.url).sign_in(user.email, user.password))
    assert isinstance(outcome, SignedIn)  # no second step any more


def test_email_codes_turn_on_and_off(qtbot: QtBot, connections: Connections, zou_server: LocalZou,
                                     user: TestUser) -> None:
    session = signed_in_session(qtbot, connections, zou_server.url, user)
    dialog = open_dialog(qtbot, session)
    before = zou_server.mail.count()
    click(qtbot, dialog, "enableEmailOtpButton")
    assert page(dialog) == "emailEnrollView"
    qtbot.waitUntil(lambda: text(dialog, "emailEnrollMessage").startswith("Code sent"), timeout=WAIT_MS)
    type_into(qtbot, dialog, "emailEnrollCodeField", zou_server.mail.wait_for_code(user.email, after=before))
    qtbot.waitUntil(lambda: page(dialog) == "recoveryCodesView", timeout=WAIT_MS)  # first method: codes
    click(qtbot, dialog, "recoveryCodesDoneButton")
    qtbot.waitUntil(lambda: text(dialog, "emailOtpStatus") == "<b>On</b>", timeout=WAIT_MS)
    assert text(dialog, "securityMessage") == "Email codes turned on."

    click(qtbot, dialog, "disableEmailOtpButton")
    assert dialog.proof.current_method == "email_otp"
    before = zou_server.mail.count()
    click(qtbot, dialog, "proofSendEmailButton")
    qtbot.waitUntil(lambda: text(dialog, "proofMessage").startswith("Code sent"), timeout=WAIT_MS)
    type_into(qtbot, dialog, "proofField", zou_server.mail.wait_for_code(user.email, after=before))
    click(qtbot, dialog, "proofSubmitButton")
    qtbot.waitUntil(lambda: text(dialog, "emailOtpStatus") == "Off", timeout=WAIT_MS)
    assert text(dialog, "securityMessage") == "Email codes turned off."


def test_regenerate_recovery_codes_with_a_proof(qtbot: QtBot, connections: Connections, zou_server: LocalZou,
                                                user: TestUser) -> None:
    secret, old_codes = enable_totp(qtbot, connections, zou_server.url, user)
    session = signed_in_session(qtbot, connections, zou_server.url, user, totp_secret=secret)
    dialog = open_dialog(qtbot, session)
    click(qtbot, dialog, "regenerateRecoveryCodesButton")
    dialog.proof.select_method("recovery_code")
    type_into(qtbot, dialog, "proofField", old_codes[0])
    click(qtbot, dialog, "proofSubmitButton")
    qtbot.waitUntil(lambda: page(dialog) == "recoveryCodesView", timeout=WAIT_MS)
    new_codes = dialog.codes.codes
    assert len(new_codes) == 16 and not set(new_codes) & set(old_codes)
    click(qtbot, dialog, "recoveryCodesDoneButton")
    assert "old ones no longer work" in text(dialog, "securityMessage")
    check = connections.session(zou_server.url)
    assert isinstance(run_async(qtbot, check.sign_in(user.email, user.password, recovery_code=old_codes[1])),
                      WrongCode)
    assert isinstance(run_async(qtbot, check.sign_in(user.email, user.password, recovery_code=new_codes[0])),
                      SignedIn)


def test_security_keys_listed_and_removed_registering_needs_a_key(
        qtbot: QtBot, connections: Connections, zou_server: LocalZou, zou_admin: ZouAdmin, user: TestUser) -> None:
    secret, _codes = enable_totp(qtbot, connections, zou_server.url, user)
    give_security_key_record(zou_server, zou_admin, user, "Desk key")
    session = signed_in_session(qtbot, connections, zou_server.url, user, totp_secret=secret)
    dialog = open_dialog(qtbot, session)
    devices = child(dialog, QListWidget, "fidoDeviceList")
    assert [devices.item(i).text() for i in range(devices.count())] == ["Desk key"]
    assert not child(dialog, QPushButton, "fidoRegisterButton").isEnabled()  # no key on this machine
    assert "not installed" in text(dialog, "fidoKeysStatus") or "No security key" in text(dialog, "fidoKeysStatus")
    assert not child(dialog, QPushButton, "fidoUnregisterButton").isEnabled()
    devices.setCurrentRow(0)
    click(qtbot, dialog, "fidoUnregisterButton")
    assert page(dialog) == "proofForm" and "Desk key" in text(dialog, "proofPrompt")
    dialog.proof.select_method("totp")
    type_into(qtbot, dialog, "proofField", pyotp.TOTP(secret).now())
    click(qtbot, dialog, "proofSubmitButton")
    qtbot.waitUntil(lambda: devices.count() == 0 and page(dialog) == "securityOverview", timeout=WAIT_MS)
    assert text(dialog, "securityMessage") == "Security key “Desk key” removed."


def test_change_password(qtbot: QtBot, connections: Connections, zou_server: LocalZou, user: TestUser) -> None:
    session = signed_in_session(qtbot, connections, zou_server.url, user)
    dialog = open_dialog(qtbot, session)
    click(qtbot, dialog, "changePasswordOpenButton")
    type_into(qtbot, dialog, "changePasswordCurrent", "not-my-password")
    type_into(qtbot, dialog, "changePasswordNew", "brand-new-pass-1")
    type_into(qtbot, dialog, "changePasswordConfirm", "brand-new-pass-1")
    click(qtbot, dialog, "changePasswordButton")
    qtbot.waitUntil(lambda: bool(text(dialog, "changePasswordMessage")), timeout=WAIT_MS)
    assert page(dialog) == "changePasswordView"
    type_into(qtbot, dialog, "changePasswordCurrent", user.password)
    type_into(qtbot, dialog, "changePasswordNew", "brand-new-pass-1")
    type_into(qtbot, dialog, "changePasswordConfirm", "brand-new-pass-1")
    click(qtbot, dialog, "changePasswordButton")
    qtbot.waitUntil(lambda: page(dialog) == "securityOverview", timeout=WAIT_MS)
    assert text(dialog, "securityMessage") == "Password changed."
    check = connections.session(zou_server.url)
    assert isinstance(run_async(qtbot, check.sign_in(user.email, "brand-new-pass-1")), SignedIn)
