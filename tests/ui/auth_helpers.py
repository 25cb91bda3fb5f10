"""Fixtures and helpers for the sign-in, account security and app-shell tests.

A test module imports the `fixture_*` functions it uses; pytest registers them under their `name=`
(`connections`, `user`, …), which is what tests ask for.
Everything drives the real widgets against the real local Zou; the only stand-ins are a tiny HTTP
server for what a real Zou cannot do on demand (stall, answer HTML, present a self-signed certificate)
and a main window with a text field, since the real main window is developed separately.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMainWindow, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.api import AccountSecurity, Person, ServerInfo, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.signin import SignInResult, SignInWindow
from tests.helpers.keyrings import MemoryKeyring
from tests.helpers.zou import TestUser, ZouAdmin
from tests.ui.conftest import run_async

WAIT_MS = 15_000


# ---------------------------------------------------------------- fixtures
@pytest.fixture(name="app_settings")
def fixture_app_settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


@pytest.fixture(name="connections")
def fixture_connections(qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
                        app_settings: Settings) -> Iterator[Connections]:
    conns = Connections(app_settings)
    yield conns
    run_async(qtbot, conns.aclose())


@pytest.fixture(name="keyring_store")
def fixture_keyring_store() -> Iterator[dict[tuple[str, str], str]]:
    """The in-memory keyring every test shares (tests/conftest.py selects it), emptied around each test."""
    MemoryKeyring._store.clear()
    yield MemoryKeyring._store
    MemoryKeyring._store.clear()


@pytest.fixture(name="user")
def fixture_user(zou_admin: ZouAdmin) -> TestUser:
    """A fresh artist: lockout and 2FA state are per account, so no test shares one."""
    return zou_admin.create_user()


# ---------------------------------------------------------------- driving widgets
def child[T: QWidget](parent: QWidget, cls: type[T], name: str) -> T:
    """The widget with this objectName (the automation contract in docs/ui-automation.md)."""
    found = parent.findChild(cls, name)
    assert found is not None, f"no {cls.__name__} named {name!r} under {parent.objectName()}"
    return found


def click(qtbot: QtBot, parent: QWidget, name: str, *, enabled_within_ms: int = 5000) -> None:
    """Click a button as a person would: once it is enabled (a sign-in in flight disables the form until its
    answer is shown, which on a loaded machine can trail the message the test waited for)."""
    button = child(parent, QAbstractButton, name)
    try:
        qtbot.waitUntil(button.isEnabled, timeout=enabled_within_ms)
    except Exception as exc:  # pytest-qt's TimeoutError
        raise AssertionError(f"{name} is disabled") from exc
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, parent: QWidget, name: str, text: str, *, clear: bool = True) -> None:
    """Type as a person would: once the field takes input (the form is disabled while a sign-in is in flight)."""
    field = child(parent, QLineEdit, name)
    qtbot.waitUntil(field.isEnabled, timeout=5000)
    if clear:
        field.clear()
    qtbot.keyClicks(field, text)


def open_sign_in(qtbot: QtBot, connections: Connections, settings: Settings, server: str,
                 email: str = "") -> SignInWindow:
    """A sign-in window on `server`, shown, with the probe answered."""
    window = SignInWindow(connections, settings, server_text=server, email=email)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.server.info is not None, timeout=WAIT_MS)
    return window


def record_sign_ins(window: SignInWindow) -> list[SignInResult]:
    results: list[SignInResult] = []
    window.signed_in.connect(results.append)
    return results


def submit_password(qtbot: QtBot, window: QWidget, email: str, password: str) -> None:
    email_field = child(window, QLineEdit, "emailField")
    if not email_field.isReadOnly():
        type_into(qtbot, window, "emailField", email)
    type_into(qtbot, window, "passwordField", password)
    click(qtbot, window, "signInButton")
    wait_idle(qtbot, window)


def wait_idle(qtbot: QtBot, window: QWidget) -> None:
    """Until the sign-in request in flight has finished (the busy bar hides)."""
    panel = window.findChild(QWidget, "signInPanel")
    runner = panel.findChild(TaskRunner) if panel is not None else None
    assert runner is not None
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def message(window: QWidget, name: str) -> str:
    return child(window, QWidget, name).property("text") or ""


# ---------------------------------------------------------------- account set-up through the API layer
def signed_in_session(qtbot: QtBot, connections: Connections, url: str, user: TestUser,
                      totp_secret: str = "") -> ZouSession:
    session = connections.session(url)
    totp = pyotp.TOTP(totp_secret).now() if totp_secret else None
    run_async(qtbot, session.sign_in(user.email, user.password, totp=totp))
    assert session.signed_in
    return session


def enable_totp(qtbot: QtBot, connections: Connections, url: str, user: TestUser) -> tuple[str, list[str]]:
    """Turn TOTP on for `user` (set-up for sign-in tests); returns the secret and the recovery codes."""
    session = signed_in_session(qtbot, connections, url, user)
    security = AccountSecurity(session)
    enrollment = run_async(qtbot, security.totp_begin())
    codes = run_async(qtbot, security.totp_confirm(pyotp.TOTP(enrollment.secret).now()))
    run_async(qtbot, session.sign_out())
    return enrollment.secret, codes or []


def enable_email_codes(qtbot: QtBot, connections: Connections, server: LocalZou, user: TestUser,
                       totp_secret: str = "") -> None:
    session = signed_in_session(qtbot, connections, server.url, user, totp_secret)
    security = AccountSecurity(session)
    before = server.mail.count()
    run_async(qtbot, security.email_otp_begin())
    run_async(qtbot, security.email_otp_confirm(server.mail.wait_for_code(user.email, after=before)))
    run_async(qtbot, session.sign_out())


def wrong_code(secret: str) -> str:
    """Six digits that no current or neighbouring TOTP step produces (Zou accepts ±1 step of 30 s)."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now - 30), totp.at(now), totp.at(now + 30)}
    return next(c for c in ("000000", "111111", "222222", "123456") if c not in valid)


# ---------------------------------------------------------------- a main window with a place to lose
class StandInMainWindow(QMainWindow):
    """The main window's contract (signals + resume_after_sign_in) plus a draft field a user types into."""

    sign_out_requested = Signal()
    account_security_requested = Signal()
    session_expired = Signal()

    def __init__(self, session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                 server: ServerInfo) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session, self.client, self.user, self.server = session, client, user, server
        self.runner = TaskRunner(self)
        self.loads = 0
        self.resumed = 0
        self.draft = QLineEdit()
        self.draft.setObjectName("draftField")
        reload_button = QPushButton("Reload")
        reload_button.setObjectName("reloadButton")
        reload_button.clicked.connect(lambda: self.runner.run(self.load(), key="load"))
        sign_out = QPushButton("Sign out")
        sign_out.setObjectName("signOutButton")
        sign_out.clicked.connect(self.sign_out_requested)
        central = QWidget()
        layout = QVBoxLayout(central)
        for widget in (self.draft, reload_button, sign_out):
            layout.addWidget(widget)
        self.setCentralWidget(central)
        self.resize(640, 480)

    async def load(self) -> None:
        try:
            await self.client.open_projects()
        except E.SessionExpired:
            self.session_expired.emit()
            return
        self.loads += 1

    def resume_after_sign_in(self) -> None:
        self.resumed += 1
        self.runner.run(self.load(), key="load")


# ---------------------------------------------------------------- a tiny server for what Zou cannot do on demand
@dataclass
class TinyServer:
    url: str
    release: threading.Event
    requests: list[str]


def _handler(mode: str, release: threading.Event, requests: list[str]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            requests.append(f"GET {self.path}")
            if mode == "html":
                self._send(200, b"<!doctype html><title>Intranet</title>", "text/html")
            elif self.path.rstrip("/") in ("", "/api"):
                self._send(200, json.dumps({"api": "Zou", "version": "9.9.9"}).encode(), "application/json")
            else:
                self._send(200, b"{}", "application/json")

        def do_POST(self) -> None:
            requests.append(f"POST {self.path}")
            release.wait(30)  # stall: the client must stay responsive and able to cancel
            self._send(503, b"{}", "application/json")

    return Handler


TinyServerFactory = Callable[..., TinyServer]


@pytest.fixture(name="tiny_server")
def fixture_tiny_server(tmp_path: Path) -> Iterator[TinyServerFactory]:
    servers: list[tuple[http.server.ThreadingHTTPServer, threading.Event]] = []

    def start(mode: str = "stall", tls: bool = False) -> TinyServer:
        release = threading.Event()
        requests: list[str] = []
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(mode, release, requests))
        httpd.daemon_threads = True
        scheme = "http"
        if tls:
            cert, key = self_signed_cert(tmp_path)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
            scheme = "https"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append((httpd, release))
        return TinyServer(url=f"{scheme}://127.0.0.1:{httpd.server_address[1]}", release=release,
                          requests=requests)

    yield start
    for httpd, release in servers:
        release.set()
        httpd.shutdown()
        httpd.server_close()


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no trust store knows (the studio-CA case)."""
    cert, key = folder / "studio-ca.pem", folder / "studio-ca.key"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def give_security_key_record(server: LocalZou, admin: ZouAdmin, user: TestUser, device_name: str) -> None:
    """Put a FIDO device record on the account, as a registration with a real key would.

    No USB security key exists on a test machine, so the record is written to Zou's database directly;
    an admin edit of the person then makes Zou drop its memoized copy of the account. Zou lists the
    device, offers "fido" at sign-in, and unregisters it through its real DELETE /auth/fido.
    """
    credential = json.dumps({"device_name": device_name, "aaguid": 0, "credential_id": 1, "public_key": {}})
    server.psql(f"UPDATE person SET fido_enabled = true, fido_credentials = ARRAY['{credential}'::jsonb] "
                f"WHERE id = '{user.id}'", db="zoudb")
    admin.put(f"/data/persons/{user.id}", {"phone": "+33 1 00 00 00 00"})
