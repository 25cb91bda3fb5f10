"""Token lifecycle against the real server: refresh, single-flight, revocation, storage, resume."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from desktop.api import SignedIn, Tokens, TokenStore, ZouClient, errors
from desktop.api.tokens import jwt_claims
from desktop.localzou import LocalZou
from tests.api.conftest import SessionFactory
from tests.helpers.zou import TestUser, ZouAdmin, forge_token


async def _signed_in(make_session: SessionFactory, user: TestUser, **kw: object) -> Tokens:
    session = make_session(**kw)
    outcome = await session.sign_in(user.email, user.password)
    assert isinstance(outcome, SignedIn)
    return outcome.tokens


def _expired_access(server: LocalZou, user: TestUser, tokens: Tokens) -> str:
    # Same claims Zou issues, signed with the server's key, but expired a minute ago.
    refresh_jti = jwt_claims(tokens.refresh or "")["jti"]
    return forge_token(server.secret_key, user.id, extra={"refresh_jti": refresh_jti})


@pytest.mark.parametrize("proactive", [False, True], ids=["on-401", "before-expiry"])
async def test_expired_access_token_is_refreshed_transparently(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou, proactive: bool) -> None:
    user = zou_admin.create_user()
    tokens = await _signed_in(make_session, user)
    seen: list[Tokens | None] = []
    session = make_session(tokens=Tokens(_expired_access(zou_server, user, tokens), tokens.refresh),
                           proactive_refresh=proactive, on_tokens=seen.append)
    context = await ZouClient(session).context()
    assert context.task_statuses  # the call succeeded
    assert session.refresh_count == 1
    assert session.tokens is not None and session.tokens.refresh == tokens.refresh  # refresh token kept
    assert seen and seen[-1] == session.tokens  # the new tokens were handed over for storage


async def test_ten_concurrent_requests_share_one_refresh(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    user = zou_admin.create_user()
    tokens = await _signed_in(make_session, user)
    session = make_session(tokens=Tokens(_expired_access(zou_server, user, tokens), tokens.refresh),
                           proactive_refresh=False)
    results = await asyncio.gather(*(session.get("/data/task-status") for _ in range(10)))
    assert all(isinstance(r, list) and r for r in results)
    assert session.refresh_count == 1


async def test_refresh_token_is_reused_after_a_refresh(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    # gazu drops the refresh token after one use; Zou does not rotate it, so Slate can refresh again.
    user = zou_admin.create_user()
    tokens = await _signed_in(make_session, user)
    session = make_session(tokens=Tokens(_expired_access(zou_server, user, tokens), tokens.refresh))
    await session.get("/data/task-status")
    assert session.tokens is not None
    session.set_tokens(Tokens(_expired_access(zou_server, user, tokens), session.tokens.refresh))
    await session.get("/data/task-status")
    assert session.refresh_count == 2


async def test_revoked_refresh_token_means_session_expired(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    user = zou_admin.create_user()
    first = make_session()
    assert isinstance(await first.sign_in(user.email, user.password), SignedIn)
    tokens = first.tokens
    assert tokens is not None
    assert await first.sign_out() is True
    seen: list[Tokens | None] = []
    stale = make_session(tokens=Tokens(_expired_access(zou_server, user, tokens), tokens.refresh),
                         on_tokens=seen.append)
    with pytest.raises(errors.SessionExpired):
        await stale.get("/data/user/context")
    assert stale.tokens is None and seen[-1] is None  # forgotten locally too


async def test_expired_refresh_token_means_session_expired(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    user = zou_admin.create_user()
    dead_refresh = forge_token(zou_server.secret_key, user.id, token_type="refresh")
    session = make_session(tokens=Tokens(forge_token(zou_server.secret_key, user.id), dead_refresh))
    with pytest.raises(errors.SessionExpired):
        await session.get("/data/user/context")


async def test_sign_out_revokes_both_tokens_on_the_server(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    tokens = session.tokens
    assert tokens is not None and tokens.refresh
    assert await session.sign_out() is True
    assert session.tokens is None
    async with httpx.AsyncClient(base_url=zou_server.url, headers={"User-Agent": "raw"}) as raw:
        r = await raw.get("/data/user/context", headers={"Authorization": f"Bearer {tokens.access}"})
        assert r.status_code == 401 and "revoked" in r.text
        r = await raw.get("/auth/refresh-token", headers={"Authorization": f"Bearer {tokens.refresh}"})
        assert r.status_code == 401 and "revoked" in r.text


async def test_tokens_in_keyring_and_resume(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    store = TokenStore(service="Slate tests")
    first = make_session(on_tokens=lambda t: store.save(first.api_url, user.email, t) if t else None)
    assert isinstance(await first.sign_in(user.email, user.password), SignedIn)
    stored = store.load(first.api_url, user.email)
    assert stored == first.tokens
    # "App restart": a new session resumes from the keyring, no password involved.
    second = make_session()
    person = await second.resume(stored)
    assert person is not None and person.email == user.email
    await second.sign_out()
    store.delete(second.api_url, user.email)
    assert store.load(second.api_url, user.email) is None
    assert await make_session().resume(stored) is None  # revoked: resume says no, does not raise


def test_tokens_never_print_themselves() -> None:
    tokens = Tokens(access="secret-access-token", refresh="secret-refresh-token")
    assert "secret" not in repr(tokens) and "secret" not in str(tokens)


async def test_proactive_refresh_reads_expiry(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    tokens = await _signed_in(make_session, user)
    left = tokens.access_expires_in()
    assert left is not None and dt.timedelta(seconds=left) > dt.timedelta(days=6)
