"""Answers that never end, or end elsewhere: endless and dripping bodies, redirects, calls with side
effects. Against the real Zou behind the fault proxy (issue 20, items 2 and 9)."""

from __future__ import annotations

import asyncio
import resource
import time

import pytest

from desktop.api import AccountSecurity, SignedIn, Tokens, ZouClient, ZouSession, probe_server
from desktop.api import errors as E
from desktop.api.session import make_http_client
from desktop.localzou import LocalZou
from tests.faults.conftest import CLIENT_TIMEOUT, SessionFactory
from tests.faults.proxy import FaultProxy
from tests.helpers.zou import TestUser

pytestmark = pytest.mark.timeout(30, func_only=True)

STATUSES = "/data/task-status"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def signed_in(make_session: SessionFactory, user: TestUser, **kw: object) -> ZouSession:
    session = make_session(**kw)
    outcome = await session.sign_in(user.email, user.password)
    assert isinstance(outcome, SignedIn), outcome
    return session


# ---------------------------------------------------------------- endless bodies: a cap on what is read
async def test_probe_of_a_server_streaming_forever_stops_at_a_small_cap(fault_proxy: FaultProxy) -> None:
    """Seen: a server streaming 1.5 GB to the probe ran 20 s and grew the app to 4.9 GB."""
    fault_proxy.set_mode("endless")
    peak = rss_mib()
    t0 = time.monotonic()
    async with make_http_client(timeout=CLIENT_TIMEOUT) as http:
        with pytest.raises(E.NotAZouServer) as info:
            await probe_server(fault_proxy.url, client=http)
    assert time.monotonic() - t0 < 5
    assert "larger than 1 MiB" in str(info.value) and "not a Kitsu/Zou server" in str(info.value)
    assert rss_mib() - peak < 64


async def test_endless_json_answer_is_refused_past_the_cap(make_session: SessionFactory, fault_proxy: FaultProxy,
                                                           user: TestUser) -> None:
    session = await signed_in(make_session, user, max_body=8 * 1024 * 1024)
    fault_proxy.set_mode("endless", path=STATUSES)
    with pytest.raises(E.ResponseTooLarge) as info:
        await ZouClient(session).task_statuses()
    assert info.value.limit == 8 * 1024 * 1024 and isinstance(info.value, E.ProtocolError)
    assert "larger than 8 MiB" in str(info.value) and "GET" in str(info.value)
    assert fault_proxy.count(STATUSES) == 1  # not retried
    fault_proxy.set_mode("pass")
    assert await ZouClient(session).task_statuses()  # the session carries on


async def test_the_default_cap_bounds_a_json_answer(make_session: SessionFactory, fault_proxy: FaultProxy,
                                                    user: TestUser) -> None:
    session = await signed_in(make_session, user)
    fault_proxy.set_mode("endless", path=STATUSES, chunk=1024 * 1024)
    with pytest.raises(E.ResponseTooLarge, match="larger than 256 MiB"):
        await ZouClient(session).task_statuses()


async def test_endless_error_page_is_read_no_further_than_its_cap(
        make_session: SessionFactory, fault_proxy: FaultProxy, user: TestUser) -> None:
    session = await signed_in(make_session, user)
    fault_proxy.set_mode("endless", status=500, content_type="text/html", path=STATUSES)
    peak = rss_mib()
    t0 = time.monotonic()
    with pytest.raises(E.ProtocolError, match="page that is not Zou's"):
        await ZouClient(session).task_statuses()
    assert time.monotonic() - t0 < 5 and rss_mib() - peak < 64


async def test_endless_sign_in_answer_is_capped(make_session: SessionFactory, fault_proxy: FaultProxy,
                                                user: TestUser) -> None:
    fault_proxy.set_mode("endless", path="/auth/login")
    with pytest.raises(E.ResponseTooLarge, match="larger than 1 MiB"):
        await make_session().sign_in(user.email, user.password)


async def test_endless_streamed_list_is_capped(make_session: SessionFactory, fault_proxy: FaultProxy,
                                               user: TestUser) -> None:
    session = await signed_in(make_session, user, max_body=4 * 1024 * 1024)
    fault_proxy.set_mode("endless", path="/data/shots/with-tasks", content_type="application/x-ndjson")
    with pytest.raises(E.ResponseTooLarge):
        await ZouClient(session).shots_with_tasks("00000000-0000-0000-0000-000000000000")


# ---------------------------------------------------------------- dripping bodies: an overall deadline
async def test_a_body_that_drips_forever_hits_the_call_deadline(
        make_session: SessionFactory, fault_proxy: FaultProxy, user: TestUser) -> None:
    """Each byte arrives well within the 2 s read timeout: only an overall deadline ends the call."""
    session = await signed_in(make_session, user, deadline=3.0)
    fault_proxy.set_mode("drip", interval=0.3, path=STATUSES)
    t0 = time.monotonic()
    with pytest.raises(E.RequestTimeout) as info:
        await ZouClient(session).task_statuses()
    assert 2.9 < time.monotonic() - t0 < 5
    assert "within 3 s" in str(info.value) and "/data/task-status" in str(info.value)


async def test_a_streamed_body_that_drips_forever_hits_the_deadline(
        make_session: SessionFactory, fault_proxy: FaultProxy, user: TestUser) -> None:
    session = await signed_in(make_session, user, deadline=2.0)
    fault_proxy.set_mode("drip", interval=0.2, path="/data/shots/with-tasks", content_type="application/x-ndjson")
    t0 = time.monotonic()
    with pytest.raises(E.RequestTimeout, match="within 2 s"):
        await ZouClient(session).shots_with_tasks("00000000-0000-0000-0000-000000000000")
    assert time.monotonic() - t0 < 4


async def test_a_dripping_probe_ends_within_its_deadline(fault_proxy: FaultProxy,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("desktop.api.probe.PROBE_DEADLINE_S", 1.5)
    fault_proxy.set_mode("drip", interval=0.2)
    t0 = time.monotonic()
    async with make_http_client(timeout=CLIENT_TIMEOUT) as http:
        with pytest.raises(E.RequestTimeout):
            await probe_server(fault_proxy.url, client=http)
    assert time.monotonic() - t0 < 5  # two candidate roots, 1.5 s each


# ---------------------------------------------------------------- 3xx is not success
async def test_a_redirect_is_an_error_not_an_empty_success(make_session: SessionFactory, fault_proxy: FaultProxy,
                                                           user: TestUser) -> None:
    session = await signed_in(make_session, user)
    fault_proxy.set_mode("redirect", path=STATUSES, location="https://sso.studio.example/login?next=/api")
    with pytest.raises(E.UnexpectedRedirect) as info:
        await session.get(STATUSES)
    assert info.value.status == 302 and info.value.location.startswith("https://sso.studio.example/login")
    assert "does not follow redirects" in str(info.value) and "next=" not in str(info.value)


async def test_a_redirect_on_resume_keeps_the_stored_tokens(make_session: SessionFactory,
                                                            fault_proxy: FaultProxy, user: TestUser) -> None:
    """A gateway that redirects /auth/authenticated says nothing about the session: keep the tokens."""
    first = await signed_in(make_session, user)
    stored = first.tokens
    assert stored is not None
    seen: list[Tokens | None] = []
    fault_proxy.set_mode("redirect", path="/auth/authenticated")
    resuming = make_session(on_tokens=seen.append)
    with pytest.raises(E.UnexpectedRedirect):
        await resuming.resume(stored)
    assert None not in seen and resuming.tokens == stored
    fault_proxy.set_mode("pass")
    person = await resuming.resume(stored)  # the same tokens still work once the gateway is fixed
    assert person is not None and person.email == user.email


async def test_a_redirect_on_sign_in_is_an_error(make_session: SessionFactory, fault_proxy: FaultProxy,
                                                 user: TestUser) -> None:
    fault_proxy.set_mode("redirect", path="/auth/login", status=307, location="/sso")
    with pytest.raises(E.UnexpectedRedirect):
        await make_session().sign_in(user.email, user.password)


# ---------------------------------------------------------------- a read with a side effect is never resent
async def test_asking_for_an_email_code_is_never_sent_twice(
        make_session: SessionFactory, fault_proxy: FaultProxy, user: TestUser, zou_server: LocalZou) -> None:
    """The gateway fails after Zou mailed the code: retrying would mail another one, and another."""
    session = await signed_in(make_session, user)
    security = AccountSecurity(session)
    before = zou_server.mail.count()
    await security.email_otp_begin()
    await security.email_otp_confirm(zou_server.mail.wait_for_code(user.email, after=before))
    await session.sign_out()

    def mails() -> int:
        return sum(1 for m in zou_server.mail.messages() if user.email.lower() in m.to.lower())

    before = mails()
    fault_proxy.set_mode("html_502", path="/auth/email-otp", forward=True)
    with pytest.raises(E.ProtocolError):
        await make_session().request_email_code(user.email)
    assert fault_proxy.count("/auth/email-otp", method="GET") == 1
    for _ in range(50):  # up to 5 s for the mail to land
        if mails() != before:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # let any further mail land
    assert mails() - before == 1
