"""pytest-qt with a running qasync loop, so buttons wired to async slots really run their coroutines.

Without a running qasync loop, clicking a button wired to an async slot silently does nothing
(qasync 0.28). Tests stay synchronous: they drive widgets with qtbot and wait with `qtbot.waitUntil`
or `run_async` below, which spin the Qt event loop that also runs asyncio callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.api import Person, ServerInfo, SignedIn, ZouClient, ZouSession
from desktop.localzou import LocalZou

T = TypeVar("T")


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
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
