"""API-layer tests: async, against the real local Zou."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from desktop.api import ZouSession
from desktop.localzou import LocalZou

SessionFactory = Callable[..., ZouSession]


@pytest.fixture
async def make_session(zou_server: LocalZou) -> AsyncIterator[SessionFactory]:
    sessions: list[ZouSession] = []

    def factory(url: str | None = None, **kw: object) -> ZouSession:
        s = ZouSession(url or zou_server.url, **kw)  # type: ignore[arg-type]
        sessions.append(s)
        return s

    yield factory
    for s in sessions:
        await s.aclose()
