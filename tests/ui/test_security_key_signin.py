"""The sign-in window's security-key step, driven with a software CTAP2 authenticator against the real Zou:
the key registered through the account API, then "Use security key" in the two-factor step signs in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.api import AccountSecurity
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui import security_key
from desktop.ui.connections import Connections
from tests.helpers.soft_fido import SoftAuthenticator
from tests.helpers.zou import TestUser
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    WAIT_MS,
    child,
    click,
    fixture_app_settings,
    fixture_connections,
    fixture_user,
    open_sign_in,
    record_sign_ins,
    signed_in_session,
    submit_password,
)
from tests.ui.conftest import run_async


@pytest.fixture
def authenticator() -> Iterator[SoftAuthenticator]:
    device = SoftAuthenticator()
    security_key.extra_devices.append(device)
    yield device
    security_key.extra_devices.remove(device)


def test_sign_in_with_a_security_key_from_the_two_factor_step(
        qtbot: QtBot, connections: Connections, app_settings: Settings, zou_server: LocalZou, user: TestUser,
        authenticator: SoftAuthenticator) -> None:
    session = signed_in_session(qtbot, connections, zou_server.url, user)
    security = AccountSecurity(session)
    options = run_async(qtbot, security.fido_registration_options())
    run_async(qtbot, security.fido_register(run_async(qtbot, security_key.make_credential(options, "127.0.0.1")),
                                            "Soft key"))
    run_async(qtbot, session.sign_out())

    window = open_sign_in(qtbot, connections, app_settings, zou_server.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, user.email, user.password)
    window.panel.two_factor.show_method("fido")
    status = child(window, QWidget, "fidoStatus")
    qtbot.waitUntil(lambda: bool(status.property("text")), timeout=WAIT_MS)  # the key check has answered
    assert "Touch your security key" in str(status.property("text"))  # the key is "connected"
    assert child(window, QPushButton, "fidoButton").isEnabled()
    click(qtbot, window, "fidoButton")
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    assert results[0].user.id == user.id
    assert authenticator.touches == 2  # the registration, then the sign-in
