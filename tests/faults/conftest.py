"""Fault tests: Slate's API layer against the real Zou, through a proxy that injects failures."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from desktop.api import ZouSession
from desktop.api.session import make_http_client
from desktop.localzou import LocalZou
from tests.faults.proxy import FaultProxy
from tests.helpers.zou import TestUser, ZouAdmin

# Small on purpose: a fault must surface in seconds, never as a hang.
CLIENT_TIMEOUT = httpx.Timeout(2.0)

SessionFactory = Callable[..., ZouSession]


@pytest.fixture
def fault_proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    """A fresh proxy (pass-through, counters at zero) in front of the session's real Zou."""
    with FaultProxy(zou_server.url) as proxy:
        yield proxy


@pytest.fixture
async def make_session(fault_proxy: FaultProxy) -> AsyncIterator[SessionFactory]:
    """ZouSession factory: through the proxy by default, with a 2 s client timeout."""
    clients: list[httpx.AsyncClient] = []

    def factory(url: str | None = None, **kw: Any) -> ZouSession:
        client = make_http_client(timeout=CLIENT_TIMEOUT)
        clients.append(client)
        return ZouSession(url or fault_proxy.url, client=client, **kw)

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
def user(zou_admin: ZouAdmin) -> TestUser:
    return zou_admin.create_user(role="user")


@dataclass(frozen=True)
class ShotsProject:
    id: str
    user: TestUser
    shots: int


SHOT_COUNT = 240


@pytest.fixture(scope="module")
def shots_project(zou_admin: ZouAdmin) -> ShotsProject:
    """A project with a few hundred shots (a with-tasks body of ~75 kB), seeded through Zou's CSV import.

    Two imports run in parallel (one per sequence): one POST per shot would take ~10 s."""
    member = zou_admin.create_user(role="user")
    project = zou_admin.create_project(team=[member])
    per_sequence = SHOT_COUNT // 2

    def import_sequence(seq: int) -> int:
        rows = ["Sequence,Name,Description"]
        rows += [f"SQ{seq:02d},SH{seq:02d}{i:04d},fault-test shot {i} of sequence {seq}" for i in range(per_sequence)]
        with httpx.Client(base_url=zou_admin.url, headers=zou_admin.http.headers, timeout=60) as http:
            r = http.post(f"/import/csv/projects/{project['id']}/shots",
                          files={"file": ("shots.csv", ("\n".join(rows) + "\n").encode(), "text/csv")})
        assert r.status_code == 201, r.text[:300]
        return len(r.json())

    with cf.ThreadPoolExecutor(2) as pool:
        created = sum(pool.map(import_sequence, (1, 2)))
    assert created == SHOT_COUNT
    return ShotsProject(id=str(project["id"]), user=member, shots=SHOT_COUNT)
