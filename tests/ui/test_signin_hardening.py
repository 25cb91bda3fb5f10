"""Issue 20 in the sign-in window, against the real Zou: plain http:// to another computer is warned about
and asked for before the password leaves; a keyring that would not keep the session greys the option out;
recovery codes saved over a file get the right mode and never follow a link."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring.backends.fail
from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from desktop.api.tokens import keyring_status
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.security.recovery_codes import RecoveryCodesView
from desktop.ui.signin import SignInWindow
from desktop.ui.widgets import MessageLabel
from tests.faults.proxy import FaultProxy
from tests.helpers.zou import TestUser
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    child,
    enable_totp,
    fixture_app_settings,
    fixture_connections,
    fixture_user,
    message,
    open_sign_in,
    record_sign_ins,
    submit_password,
)


def test_plain_http_to_another_computer_is_warned_and_asked_before_the_password_leaves(
        qtbot: QtBot, connections: Connections, app_settings: Settings, lan_proxy: FaultProxy,
        user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, lan_proxy.url)
    assert "not encrypted" in message(window, "serverStatus")
    assert child(window, MessageLabel, "serverStatus").tone == "warn"
    consent = child(window, QCheckBox, "plainHttpCheck")
    assert consent.isVisible() and not consent.isChecked()
    results = record_sign_ins(window)

    submit_password(qtbot, window, user.email, user.password)
    assert lan_proxy.count("/auth/login") == 0  # nothing sent
    assert results == []
    assert "unencrypted" in message(window, "signInMessage")
    assert child(window, QCheckBox, "keepSignedInCheck").isEnabled()  # the keyring is fine here

    consent.setChecked(True)
    submit_password(qtbot, window, user.email, user.password)
    assert lan_proxy.count("/auth/login") == 1 and len(results) == 1
    assert results[0].session.allow_plaintext


def test_loopback_http_is_not_warned_about(qtbot: QtBot, connections: Connections, app_settings: Settings,
                                           zou_server: LocalZou, user: TestUser) -> None:
    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    assert "not encrypted" not in message(window, "serverStatus")
    assert not child(window, QCheckBox, "plainHttpCheck").isVisible()
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert len(results) == 1


def test_keep_me_signed_in_is_greyed_out_with_the_reason_when_the_keyring_does_not_persist(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou,
        user: TestUser) -> None:
    app_settings.keep_signed_in = True
    status = keyring_status(keyring.backends.fail.Keyring())
    window = SignInWindow(connections, app_settings, server_text=zou_server.url, keyring=status)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.server.info is not None, timeout=15_000)
    keep = child(window, QCheckBox, "keepSignedInCheck")
    assert not keep.isEnabled() and not keep.isChecked() and keep.toolTip() == status.reason
    assert message(window, "keepSignedInNote") == status.reason
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    assert len(results) == 1 and results[0].keep_signed_in is False


def test_recovery_codes_saved_over_a_file_or_a_link(qtbot: QtBot, connections: Connections,
                                                    zou_server: LocalZou, user: TestUser, tmp_path: Path) -> None:
    _secret, codes = enable_totp(qtbot, connections, zou_server.url, user)
    assert len(codes) == 16
    view = RecoveryCodesView()
    qtbot.addWidget(view)
    view.set_codes(codes)

    existing = tmp_path / "kitsu-recovery-codes.txt"
    existing.write_text("an old file\n")
    existing.chmod(0o644)
    view.save_to(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600 and codes[0] in existing.read_text()

    victim = tmp_path / "elsewhere.txt"
    victim.write_text("not yours\n")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    view.save_to(link)
    assert victim.read_text() == "not yours\n"
    assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600 and codes[-1] in link.read_text()
