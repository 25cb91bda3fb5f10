"""pytest-qt with a running qasync loop, so buttons wired to async slots really run their coroutines.

Without a running qasync loop, clicking a button wired to an async slot silently does nothing
(qasync 0.28). Tests stay synchronous: they drive widgets with qtbot and wait with `qtbot.waitUntil`
or `run_async` below, which spin the Qt event loop that also runs asyncio callbacks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.api import Person, ServerInfo, SignedIn, ZouClient, ZouSession
from desktop.localzou import LocalZou
from desktop.settings import Settings
from tests.helpers.zou import TestUser

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

WINDOW_WAIT_MS = 15_000

T = TypeVar("T")


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    # qasync's own default executor is a pool of QThreads that only loop.close() stops, and this loop is
    # never closed (it is marked running for the whole test): QThreads still running when the interpreter
    # exits abort it ("QThread: Destroyed while thread is still running", exit 134). `asyncio.to_thread`
    # (the security-key probe) gets plain Python threads instead, joined at teardown.
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="qloop")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        # qasync marks its loop as running for the thread (already_running=True); clear it, or a later
        # asyncio.run() in the same process fails with "cannot be called from a running event loop".
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def run_async[T](qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run a coroutine on the qasync loop while spinning Qt; return its result or raise its error."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    return task.result()


@dataclass
class SignedInUser:
    session: ZouSession
    client: ZouClient
    user: Person
    server: ServerInfo


@pytest.fixture
def signed_in(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, zou_server: LocalZou,
              production: Any) -> Iterator[SignedInUser]:
    """The artist of the requesting module's `production` fixture, signed in on the real server."""
    session = ZouSession(zou_server.url)
    outcome = run_async(qtbot, session.sign_in(production.artist.email, production.artist.password))
    assert isinstance(outcome, SignedIn)
    yield SignedInUser(session, ZouClient(session), outcome.user, ServerInfo(api_url=zou_server.url,
                                                                             version="1.0.97"))
    run_async(qtbot, session.aclose())


# ------------------------------------------------------------------------------ the main window
@dataclass
class WindowEvents:
    """What a window's browse session reported: the loads finished, in order, and the failures."""

    loaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def count(self, key: str) -> int:
        return self.loaded.count(key)

    def arrived(self, key: str) -> bool:
        return key in self.loaded or bool(self.failed)


@dataclass
class OpenWindow:
    window: MainWindow
    events: WindowEvents

    def __iter__(self) -> Iterator[Any]:  # `window, events = open_window(...)`
        return iter((self.window, self.events))


@pytest.fixture
def window_settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "slate.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def open_window(request: pytest.FixtureRequest, qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_home: Path,
                zou_server: LocalZou, window_settings: Settings) -> Iterator[Callable[..., OpenWindow]]:
    """The one way a test opens the real main window, signed in on the real server.

    `open_window(user)`: a `TestUser` (signed in here, at `url` when given: e.g. a fault proxy) or a
    `SignedInUser`; none: the module's `signed_in` fixture. `project_id` becomes the last project (the one
    opened); the call returns once every load in `wait_for` has finished, and fails on a load error."""
    from desktop.ui.main_window import MainWindow

    opened: list[MainWindow] = []
    sessions: list[ZouSession] = []

    def make(user: TestUser | SignedInUser | None = None, *, project_id: str | None = None, url: str | None = None,
             client: ZouClient | None = None, settings: Settings | None = None,
             wait_for: tuple[str, ...] = ("shot", "asset")) -> OpenWindow:
        if user is None:
            user = request.getfixturevalue("signed_in")
        if isinstance(user, TestUser):
            session = ZouSession(url or zou_server.url)
            outcome = run_async(qtbot, session.sign_in(user.email, user.password))
            assert isinstance(outcome, SignedIn), outcome
            sessions.append(session)
            user = SignedInUser(session, ZouClient(session), outcome.user,
                                ServerInfo(api_url=url or zou_server.url, version="1.0.97"))
        settings = settings or window_settings
        if project_id is not None:
            settings.last_project_id = project_id
        window = MainWindow(user.session, client or user.client, settings, user.user, user.server)
        events = WindowEvents()
        window.loaded.connect(events.loaded.append)
        window.load_failed.connect(lambda key, message: events.failed.append((key, message)))
        qtbot.addWidget(window)
        window.show()
        opened.append(window)
        for key in wait_for:
            qtbot.waitUntil(functools.partial(events.arrived, key), timeout=WINDOW_WAIT_MS)
        assert not events.failed, events.failed
        if project_id is not None:
            assert window.project is not None and window.project.id == project_id
        return OpenWindow(window, events)

    yield make
    for window in opened:
        if shiboken6.isValid(window) and window.isVisible():  # a test may have closed (and so deleted) it
            window.close()
        if shiboken6.isValid(window):
            run_async(qtbot, window.shutdown())
    for session in sessions:
        run_async(qtbot, session.aclose())
