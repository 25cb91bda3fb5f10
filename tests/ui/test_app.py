"""The app shell: command line, start-up (resume or sign in), sign-out, a session ending mid-use, logging."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QLineEdit, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from desktop import __version__
from desktop.api import Person, ServerInfo, TokenStore, ZouClient
from desktop.api.tokens import KEYRING_SERVICE, Tokens
from desktop.applog import log_dir, setup_logging
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.controller import AppController, MainWindowFactory
from desktop.ui.placeholder_window import PlaceholderMainWindow
from desktop.ui.security import AccountSecurityDialog
from desktop.ui.signin import SessionExpiredSheet, SignInWindow
from tests.helpers.ui_names import named_widgets
from tests.helpers.zou import TestUser, forge_token
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    WAIT_MS,
    StandInMainWindow,
    child,
    click,
    fixture_app_settings,
    fixture_connections,
    fixture_keyring_store,
    fixture_user,
    message,
    submit_password,
    type_into,
)
from tests.ui.conftest import run_async

ROOT = Path(__file__).resolve().parents[2]
APP_TIMEOUT_S = 60


def run_app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT, timeout=APP_TIMEOUT_S)


_started: list[AppController] = []


@pytest.fixture(autouse=True)
def _shut_down_controllers(qtbot: QtBot, qloop: object) -> Iterator[None]:
    """Close what a test's controllers opened even when the test fails half-way (the controller owns its
    windows and deletes them itself, so they are not handed to qtbot)."""
    yield
    while _started:
        run_async(qtbot, _started.pop().shutdown())


def start(qtbot: QtBot, settings: Settings, connections: Connections,
          factory: MainWindowFactory = PlaceholderMainWindow) -> AppController:
    controller = AppController(settings, connections, TokenStore(), main_window_factory=factory)
    _started.append(controller)
    run_async(qtbot, controller.start())
    assert controller.window is not None
    return controller


def sign_in_through(qtbot: QtBot, controller: AppController, server_url: str, user: TestUser, *,
                    keep: bool = True) -> QWidget:
    window = controller.sign_in_window
    assert window is not None
    if window.server.text() != server_url:
        window.server.set_text(server_url)
    qtbot.waitUntil(lambda: window.server.info is not None, timeout=WAIT_MS)
    child(window, QCheckBox, "keepSignedInCheck").setChecked(keep)
    submit_password(qtbot, window, user.email, user.password)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=WAIT_MS)
    main = controller.main_window
    assert main is not None and controller.sign_in_window is None
    return main


def authenticated_status(url: str, access: str) -> int:
    return httpx.get(f"{url}/auth/authenticated", headers={"Authorization": f"Bearer {access}"}).status_code


def shut_down(qtbot: QtBot, controller: AppController) -> None:
    run_async(qtbot, controller.shutdown())


# ---------------------------------------------------------------- command line, in a real process
@pytest.fixture
def app_env(tmp_home: Path) -> dict[str, str]:
    """Settings, logs and keyring of a subprocess app in tmp_home (tmp_home already points XDG there)."""
    return {"PYTHON_KEYRING_BACKEND": "tests.helpers.keyrings.FileKeyring",
            "SLATE_TEST_KEYRING": str(tmp_home / "keyring.json")}


def test_version_flag() -> None:
    proc = run_app("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"Slate {__version__}"


def test_smoke_test_opens_the_sign_in_window_and_exits_cleanly(app_env: dict[str, str],
                                                              zou_server: LocalZou) -> None:
    proc = run_app("--smoke-test", "--server", zou_server.url, env=app_env)
    assert proc.returncode == 0, proc.stderr
    assert "smoke-test: signInWindow shown" in proc.stdout
    assert "Traceback" not in proc.stderr
    log = (log_dir() / "slate.log").read_text()
    assert "starting" in log and "stopped" in log


def test_smoke_test_opens_the_main_window_when_the_stored_session_resumes(
        qtbot: QtBot, qloop: object, app_env: dict[str, str], zou_server: LocalZou, user: TestUser,
        connections: Connections) -> None:
    session = connections.session(zou_server.url)
    run_async(qtbot, session.sign_in(user.email, user.password))
    assert session.tokens is not None
    # What a previous run left: settings (the app's own INI, under XDG_CONFIG_HOME) and the keyring entry.
    settings = Settings()
    settings.last_server, settings.last_api_url, settings.last_email = zou_server.url, zou_server.url, user.email
    settings.sync()
    key = f"{KEYRING_SERVICE}\n{zou_server.url}|{user.email.lower()}"
    Path(app_env["SLATE_TEST_KEYRING"]).write_text(json.dumps(
        {key: json.dumps({"access": session.tokens.access, "refresh": session.tokens.refresh})}))
    proc = run_app("--smoke-test", env=app_env)
    assert proc.returncode == 0, proc.stderr
    assert "smoke-test: mainWindow shown" in proc.stdout
    # Still signed in afterwards: the smoke test never signs out a kept session.
    assert authenticated_status(zou_server.url, session.tokens.access) == 200


# ---------------------------------------------------------------- session lifecycle, in-process
def test_session_resumes_across_a_restart(qtbot: QtBot, tmp_path: Path, keyring_store: object,
                                          zou_server: LocalZou, user: TestUser) -> None:
    ini = str(tmp_path / "slate.ini")
    settings = Settings(QSettings(ini, QSettings.Format.IniFormat))
    connections = Connections(settings)
    first = start(qtbot, settings, connections)
    assert first.window is not None and first.window.objectName() == "signInWindow"
    sign_in_through(qtbot, first, zou_server.url, user)
    assert settings.servers == [zou_server.url] and settings.last_email == user.email
    shut_down(qtbot, first)
    run_async(qtbot, connections.aclose())

    # "Restart": new settings object, new HTTP client, new windows; only the INI file and keyring remain.
    settings = Settings(QSettings(ini, QSettings.Format.IniFormat))
    connections = Connections(settings)
    second = start(qtbot, settings, connections)
    assert second.sign_in_window is None
    assert second.main_window is not None and second.main_window.objectName() == "mainWindow"
    assert second.session is not None and second.session.user is not None
    assert second.session.user.email == user.email
    shut_down(qtbot, second)
    run_async(qtbot, connections.aclose())


def test_a_rejected_stored_session_shows_sign_in_prefilled(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object,
        zou_server: LocalZou, user: TestUser) -> None:
    session = connections.session(zou_server.url)
    run_async(qtbot, session.sign_in(user.email, user.password))
    assert session.tokens is not None
    TokenStore().save(zou_server.url, user.email, session.tokens)
    app_settings.last_server, app_settings.last_api_url = zou_server.url, zou_server.url
    app_settings.last_email = user.email
    run_async(qtbot, connections.session(zou_server.url, tokens=session.tokens).sign_out())  # revoked elsewhere

    controller = start(qtbot, app_settings, connections)
    window = controller.sign_in_window
    assert window is not None and controller.main_window is None
    assert window.server.text() == zou_server.url
    assert child(window, QLineEdit, "emailField").text() == user.email
    assert message(window, "signInMessage") == "Your saved session has ended. Sign in again."
    assert TokenStore().load(zou_server.url, user.email) is None
    shut_down(qtbot, controller)


def test_sign_out_revokes_the_session_and_forgets_it(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object,
        zou_server: LocalZou, user: TestUser) -> None:
    controller = start(qtbot, app_settings, connections)
    main = sign_in_through(qtbot, controller, zou_server.url, user)
    tokens = controller.session.tokens if controller.session else None
    assert tokens is not None and TokenStore().load(zou_server.url, user.email) == tokens
    click(qtbot, main, "accountSecurityButton")  # the main window's way into account security
    dialog = controller.security_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=WAIT_MS)
    click(qtbot, main, "signOutButton")
    qtbot.waitUntil(lambda: controller.sign_in_window is not None, timeout=WAIT_MS)
    assert controller.main_window is None and controller.security_dialog is None
    window = controller.sign_in_window
    assert window is not None
    assert message(window, "signInMessage") == "You are signed out."
    assert child(window, QLineEdit, "emailField").text() == user.email
    assert TokenStore().load(zou_server.url, user.email) is None
    assert authenticated_status(zou_server.url, tokens.access) == 401  # revoked on the server
    refresh = httpx.get(f"{zou_server.url}/auth/refresh-token", headers={"Authorization": f"Bearer {tokens.refresh}"})
    assert refresh.status_code == 401
    shut_down(qtbot, controller)


def test_not_keeping_the_session_revokes_it_on_exit(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object,
        zou_server: LocalZou, user: TestUser) -> None:
    controller = start(qtbot, app_settings, connections)
    sign_in_through(qtbot, controller, zou_server.url, user, keep=False)
    tokens = controller.session.tokens if controller.session else None
    assert tokens is not None
    assert TokenStore().load(zou_server.url, user.email) is None
    shut_down(qtbot, controller)
    assert authenticated_status(zou_server.url, tokens.access) == 401


def test_expired_session_mid_use_asks_again_and_keeps_the_place(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object,
        zou_server: LocalZou, user: TestUser) -> None:
    controller = start(qtbot, app_settings, connections, factory=StandInMainWindow)
    main = sign_in_through(qtbot, controller, zou_server.url, user)
    assert isinstance(main, StandInMainWindow)
    type_into(qtbot, main, "draftField", "Retake: the crowd in shot 42 is too dense")
    session = controller.session
    assert session is not None and session.tokens is not None
    real = session.tokens

    # The session ends on the server (signed out elsewhere: both tokens revoked), and the access token
    # expires: the next call refreshes, the refresh is refused, the session is over.
    run_async(qtbot, connections.session(zou_server.url, tokens=real).sign_out())
    session.set_tokens(Tokens(access=forge_token(zou_server.secret_key, user.id), refresh=real.refresh))
    click(qtbot, main, "reloadButton")
    qtbot.waitUntil(lambda: controller.sheet is not None and controller.sheet.isVisible(), timeout=WAIT_MS)
    sheet = main.findChild(SessionExpiredSheet, "sessionExpiredSheet")
    assert sheet is controller.sheet and sheet.geometry() == main.rect()
    email = child(sheet, QLineEdit, "emailField")
    assert email.text() == user.email and email.isReadOnly()

    type_into(qtbot, sheet, "passwordField", "wrong")
    click(qtbot, sheet, "signInButton")
    qtbot.waitUntil(lambda: bool(message(sheet, "signInMessage")), timeout=WAIT_MS)
    assert controller.sheet is sheet  # still asking
    type_into(qtbot, sheet, "passwordField", user.password)
    click(qtbot, sheet, "signInButton")
    qtbot.waitUntil(lambda: controller.sheet is None and main.loads == 1, timeout=WAIT_MS)

    assert controller.main_window is main and main.resumed == 1
    assert child(main, QLineEdit, "draftField").text() == "Retake: the crowd in shot 42 is too dense"
    assert session.tokens is not None and session.tokens != real
    assert TokenStore().load(zou_server.url, user.email) == session.tokens
    shut_down(qtbot, controller)


def test_a_session_ending_under_an_open_edit_dialog_asks_over_the_dialog_and_keeps_what_was_typed(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object,
        zou_server: LocalZou, user: TestUser) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    controller = start(qtbot, app_settings, connections, factory=StandInMainWindow)
    main = sign_in_through(qtbot, controller, zou_server.url, user)
    assert isinstance(main, StandInMainWindow)
    dialog = QDialog(main)  # as the entity editors open: window-modal on the main window, never exec()
    dialog.setObjectName("standInEditor")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    field = QLineEdit(dialog)
    field.setObjectName("editorDraft")
    QVBoxLayout(dialog).addWidget(field)
    dialog.resize(300, 120)
    dialog.open()
    type_into(qtbot, dialog, "editorDraft", "Frames 1001-1096, new camera")
    session = controller.session
    assert session is not None and session.tokens is not None
    real = session.tokens
    run_async(qtbot, connections.session(zou_server.url, tokens=real).sign_out())
    session.set_tokens(Tokens(access=forge_token(zou_server.secret_key, user.id), refresh=real.refresh))
    main.runner.run(main.load(), key="load")  # the dialog's save, or any call: the refresh is refused
    qtbot.waitUntil(lambda: controller.sheet is not None and controller.sheet.isVisible(), timeout=WAIT_MS)
    sheet = controller.sheet
    assert sheet is not None and sheet.parentWidget() is dialog  # over the dialog: it can take the password
    assert dialog.isVisible() and dialog.width() >= 440
    type_into(qtbot, sheet, "passwordField", user.password)
    click(qtbot, sheet, "signInButton")
    qtbot.waitUntil(lambda: controller.sheet is None and main.resumed == 1, timeout=WAIT_MS)
    assert dialog.isVisible() and child(dialog, QLineEdit, "editorDraft").text() == "Frames 1001-1096, new camera"
    dialog.reject()
    shut_down(qtbot, controller)


def test_the_log_file_never_holds_secrets(
        qtbot: QtBot, app_settings: Settings, connections: Connections, keyring_store: object, tmp_path: Path,
        zou_server: LocalZou, user: TestUser) -> None:
    handler = setup_logging(tmp_path / "logs")
    try:
        controller = start(qtbot, app_settings, connections)
        sign_in_through(qtbot, controller, zou_server.url, user)
        tokens = controller.session.tokens if controller.session else None
        assert tokens is not None and tokens.refresh is not None
        # Even if a careless message carried a secret, the file must not.
        logging.getLogger("desktop.test").warning("debug dump: password=%s access_token=%s Bearer %s",
                                                  user.password, tokens.access, tokens.refresh)
        shut_down(qtbot, controller)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "logs" / "slate.log").read_text()
    assert "sign-in outcome: SignedIn" in text
    for secret in (user.password, tokens.access, tokens.refresh):
        assert secret not in text


# ---------------------------------------------------------------- the automation contract
def test_every_object_name_is_documented_and_accessible(qtbot: QtBot, app_settings: Settings,
                                                        connections: Connections) -> None:
    unreachable = connections.session("http://127.0.0.1:9")
    window = SignInWindow(connections, app_settings)
    qtbot.addWidget(window)
    window.panel.two_factor.start(unreachable, "ann@example.com", ("totp", "email_otp", "fido", "recovery_code"))
    host = QMainWindow()
    qtbot.addWidget(host)
    sheet = SessionExpiredSheet(host, unreachable, ServerInfo(api_url="http://127.0.0.1:9", version="1"), "a@b.c")
    dialog = AccountSecurityDialog(unreachable)
    qtbot.addWidget(dialog)
    user = Person.from_json({"id": "1", "email": "a@b.c", "first_name": "A", "last_name": "B"})
    placeholder = PlaceholderMainWindow(unreachable, ZouClient(unreachable), app_settings, user,
                                        ServerInfo(api_url="http://127.0.0.1:9", version="1"))
    qtbot.addWidget(placeholder)

    names: dict[str, str] = {}
    for root in (window, sheet, dialog, placeholder):
        names.update(named_widgets(root))
    doc = (ROOT / "docs" / "ui-automation.md").read_text()
    assert len(names) > 100
    assert [n for n in names if f"`{n}`" not in doc] == [], "objectNames missing from docs/ui-automation.md"
    assert [n for n, accessible in names.items() if not accessible] == [], "objectNames without accessibleName"
    qtbot.waitUntil(lambda: not dialog.runner.busy and not placeholder.runner.busy, timeout=WAIT_MS)


def test_sign_in_works_without_a_system_keyring(
        qtbot: QtBot, app_settings: Settings, connections: Connections, zou_server: LocalZou, user: TestUser,
        caplog: pytest.LogCaptureFixture) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # e.g. a desktop without a Secret Service
    try:
        controller = start(qtbot, app_settings, connections)
        sign_in_through(qtbot, controller, zou_server.url, user)
        assert "the system keyring is unavailable" in caplog.text
        run_async(qtbot, controller.sign_out())
    finally:
        keyring.set_keyring(previous)
