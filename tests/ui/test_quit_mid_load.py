"""Quitting while the window's first loads are still in flight is silent and clean.

The inbox's first read (or every read) is held back by a delaying fault proxy in front of the real Zou, and
the app quits as `desktop.app.amain` does (the controller's shutdown, then the HTTP client closed) while the
answers are still on their way. Nothing may then touch the deleted widgets ("Internal C++ object already
deleted"), no task may end with an exception nobody retrieves (asyncio prints its traceback when the task
is collected: the traceback once seen on quit), none may be left pending: nothing logged, nothing raised.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from desktop import APP_NAME, ORG_NAME
from desktop.api import TokenStore
from desktop.api.tokens import KEYRING_SERVICE
from desktop.applog import log_dir
from desktop.localzou import LocalZou
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.controller import AppController
from desktop.ui.main_window import MainWindow
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import ZouAdmin, unique
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures, registered by pytest under their names
    fixture_app_settings,
    fixture_connections,
)
from tests.ui.conftest import run_async
from tests.ui.test_app import run_app

WAIT_MS = 15_000
HOLD_S = 1.5  # how long the proxy holds each delayed answer back


@pytest.fixture(scope="module")
def production(zou_admin: ZouAdmin) -> SeededProject:
    """A small production and its artist (the one who signs in)."""
    return seed_small_project(zou_admin, name=unique("Quit"), with_preview=False)


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as proxy:
        yield proxy


def quit_app(qtbot: QtBot, controller: AppController, connections: Connections) -> None:
    """What `desktop.app.amain` does once the app is asked to quit, in one coroutine as there: the windows
    are closed and deleted (later) just before the HTTP client closes under the reads in flight."""

    async def amain_ending() -> None:
        await controller.shutdown()
        await connections.aclose()

    run_async(qtbot, amain_ending())


@pytest.mark.parametrize("held", ["/data/user/notifications", "/data/"], ids=["inbox", "every-read"])
def test_quitting_while_the_first_loads_are_in_flight_is_silent(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_home: Path, app_settings: Settings,
        production: SeededProject, proxy: FaultProxy, caplog: pytest.LogCaptureFixture, held: str) -> None:
    caplog.set_level(logging.WARNING)  # every logger: asyncio's "Task exception was never retrieved" too
    app_settings.live_updates = False  # the proxy relays HTTP, not the event stream's websocket
    app_settings.last_project_id = production.id
    connections = Connections(app_settings)
    controller = AppController(app_settings, connections, TokenStore())
    proxy.set_mode("delay", seconds=HOLD_S, path=held)
    run_async(qtbot, controller.start_signed_in(proxy.url, production.artist.email, production.artist.password))
    window = controller.main_window
    assert isinstance(window, MainWindow)
    qtbot.waitUntil(lambda: proxy.count("/data/user/notifications") >= 1, timeout=WAIT_MS)
    assert window.inbox.runner.busy  # the inbox's first read is held by the proxy
    in_flight = [t for t in asyncio.all_tasks(qloop) if not t.done()]
    quit_app(qtbot, controller, connections)
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=WAIT_MS)  # deleted, as on quit
    qtbot.waitUntil(lambda: all(t.done() for t in in_flight), timeout=WAIT_MS)
    qtbot.wait(50)  # their done callbacks
    gc.collect()  # an exception nobody retrieved is logged when its task is collected
    failed = {t.get_coro().__qualname__: repr(t.exception()) for t in in_flight  # type: ignore[union-attr]
              if not t.cancelled() and t.exception() is not None}
    assert failed == {}
    assert [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_app_quitting_while_the_inbox_loads_prints_nothing(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_home: Path, production: SeededProject,
        proxy: FaultProxy, connections: Connections) -> None:
    """The same in a real `python -m desktop` process: `--smoke-test` resumes a stored session, shows the main
    window for a second and quits, while the proxy still holds the inbox's first read."""
    artist = production.artist
    keyring_file = tmp_home / "keyring.json"  # the subprocess's keyring: a file the test writes first
    env = {"PYTHON_KEYRING_BACKEND": "tests.helpers.keyrings.FileKeyring", "SLATE_TEST_KEYRING": str(keyring_file),
           "SLATE_SMOKE_SHOW_S": "1.0"}
    session = connections.session(proxy.url)
    run_async(qtbot, session.sign_in(artist.email, artist.password))
    assert session.tokens is not None
    # The app's own INI, where the subprocess looks (under this test's XDG_CONFIG_HOME): given as a path, as
    # QSettings' default location is computed once per process (an earlier test's folder), and the keyring.
    ini = Path(os.environ["XDG_CONFIG_HOME"]) / ORG_NAME / f"{APP_NAME}.ini"
    settings = Settings(QSettings(str(ini), QSettings.Format.IniFormat))
    settings.last_server, settings.last_api_url, settings.last_email = proxy.url, proxy.url, artist.email
    settings.live_updates = False
    settings.sync()
    key = f"{KEYRING_SERVICE}\n{proxy.url}|{artist.email.lower()}"
    keyring_file.write_text(json.dumps(
        {key: json.dumps({"access": session.tokens.access, "refresh": session.tokens.refresh})}))
    proxy.set_mode("delay", seconds=8.0, path="/data/user/notifications")
    proc = run_app("--smoke-test", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "smoke-test: mainWindow shown" in proc.stdout
    assert proxy.count("/data/user/notifications") >= 1  # asked for, still held when the app quit
    log = (log_dir() / "slate.log").read_text()
    for text in (proc.stderr, log):
        for sign in ("Traceback", "already deleted", "never retrieved", "was destroyed but it is pending"):
            assert sign not in text, text[-3000:]
