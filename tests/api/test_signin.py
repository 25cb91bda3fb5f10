"""Every sign-in outcome Zou has, each against the real server with its own users (lockout is per account)."""

from __future__ import annotations

import pyotp
import pytest

from desktop.api import (
    AccountSecurity,
    DefaultPassword,
    InactiveAccount,
    SignedIn,
    TooManyAttempts,
    TwoFactorProof,
    TwoFactorRequired,
    WrongCode,
    WrongCredentials,
    WrongProof,
    errors,
)
from desktop.localzou import LocalZou
from tests.api.conftest import SessionFactory
from tests.helpers.zou import ZouAdmin


async def test_password_sign_in(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user("user")
    session = make_session()
    outcome = await session.sign_in(user.email, user.password)
    assert isinstance(outcome, SignedIn)
    assert outcome.user.email == user.email and outcome.user.role == "user"
    assert outcome.tokens.refresh and not outcome.enrollment_required
    assert (await session.authenticated()).id == user.id


async def test_wrong_password_and_unknown_email(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, "not-the-password"), WrongCredentials)
    assert isinstance(await session.sign_in("nobody-here@example.com", "whatever"), WrongCredentials)
    assert not session.signed_in


async def test_inactive_account(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    zou_admin.set_active(user, False)
    assert isinstance(await make_session().sign_in(user.email, user.password), InactiveAccount)


async def test_lockout_after_five_failures(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    session = make_session()
    for _ in range(5):
        assert isinstance(await session.sign_in(user.email, "wrong"), WrongCredentials)
    locked = await session.sign_in(user.email, user.password)  # even the right password is refused now
    assert isinstance(locked, TooManyAttempts)
    assert 50 <= locked.seconds_left() <= 60


async def test_default_password_reset_flow(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user(password="default")
    session = make_session()
    outcome = await session.sign_in(user.email, "default")
    assert isinstance(outcome, DefaultPassword) and len(outcome.reset_token) >= 32
    await AccountSecurity(session).set_password_with_reset_token(user.email, outcome.reset_token, "n3w-Passw0rd!")
    assert isinstance(await session.sign_in(user.email, "n3w-Passw0rd!"), SignedIn)


async def _enroll_totp(session_factory: SessionFactory, email: str, password: str) -> tuple[str, list[str]]:
    session = session_factory()
    assert isinstance(await session.sign_in(email, password), SignedIn)
    security = AccountSecurity(session)
    enrollment = await security.totp_begin()
    assert enrollment.provisioning_uri.startswith("otpauth://totp/")
    with pytest.raises(WrongProof):
        await security.totp_confirm("000000" if pyotp.TOTP(enrollment.secret).now() != "000000" else "111111")
    codes = await security.totp_confirm(pyotp.TOTP(enrollment.secret).now())
    assert codes is not None and len(codes) == 16
    await session.sign_out()
    return enrollment.secret, codes


async def test_totp_enrolled_then_used(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    secret, _codes = await _enroll_totp(make_session, user.email, user.password)
    session = make_session()
    required = await session.sign_in(user.email, user.password)
    assert isinstance(required, TwoFactorRequired)
    assert required.preferred == "totp" and required.methods[0] == "totp"
    assert required.methods[-1] == "recovery_code"
    # A wrong code is a distinct outcome: the UI asks again without the password being retyped.
    wrong = "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    assert isinstance(await session.sign_in(user.email, user.password, totp=wrong), WrongCode)
    ok = await session.sign_in(user.email, user.password, totp=pyotp.TOTP(secret).now())
    assert isinstance(ok, SignedIn) and ok.user.totp_enabled


async def test_recovery_code_works_once(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    _secret, codes = await _enroll_totp(make_session, user.email, user.password)
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password, recovery_code=codes[0]), SignedIn)
    await session.sign_out()
    assert isinstance(await session.sign_in(user.email, user.password, recovery_code=codes[0]), WrongCode)
    assert isinstance(await session.sign_in(user.email, user.password, recovery_code=codes[1]), SignedIn)


async def test_email_code_from_the_real_mail(make_session: SessionFactory, zou_admin: ZouAdmin,
                                             zou_server: LocalZou) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    security = AccountSecurity(session)
    before = zou_server.mail.count()
    await security.email_otp_begin()
    codes = await security.email_otp_confirm(zou_server.mail.wait_for_code(user.email, after=before))
    assert codes is not None and len(codes) == 16
    await session.sign_out()

    required = await session.sign_in(user.email, user.password)
    assert isinstance(required, TwoFactorRequired) and required.preferred == "email_otp"
    before = zou_server.mail.count()
    await session.request_email_code(user.email)
    code = zou_server.mail.wait_for_code(user.email, after=before)
    assert isinstance(await session.sign_in(user.email, user.password, email_otp=code), SignedIn)


async def test_wrong_codes_count_toward_lockout(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    secret, _ = await _enroll_totp(make_session, user.email, user.password)
    session = make_session()
    wrong = "000001" if pyotp.TOTP(secret).now() != "000001" else "000002"
    for _ in range(5):
        assert isinstance(await session.sign_in(user.email, user.password, totp=wrong), WrongCode)
    assert isinstance(await session.sign_in(user.email, user.password, totp=pyotp.TOTP(secret).now()),
                      TooManyAttempts)


async def test_enforced_2fa_enrollment_swaps_tokens(make_session: SessionFactory, zou_admin: ZouAdmin,
                                                    zou_enforced_2fa_url: str) -> None:
    user = zou_admin.create_user()
    session = make_session(zou_enforced_2fa_url)
    outcome = await session.sign_in(user.email, user.password)
    assert isinstance(outcome, SignedIn) and outcome.enrollment_required
    with pytest.raises(errors.TwoFactorSetupRequired):
        await session.get("/data/user/context")
    security = AccountSecurity(session)
    enrollment = await security.totp_begin()
    restricted = session.tokens
    codes = await security.totp_confirm(pyotp.TOTP(enrollment.secret).now())
    assert codes and session.tokens != restricted and session.tokens is not None
    assert not session.tokens.requires_2fa_setup
    context = await session.get("/data/user/context")  # the new tokens open the data routes
    assert "task_types" in context


async def test_manage_second_factors(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    secret, codes = await _enroll_totp(make_session, user.email, user.password)
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password, totp=pyotp.TOTP(secret).now()), SignedIn)
    security = AccountSecurity(session)
    with pytest.raises(WrongProof):
        await security.regenerate_recovery_codes(TwoFactorProof(recovery_code="NOTACODE00"))
    fresh = await security.regenerate_recovery_codes(TwoFactorProof(recovery_code=codes[0]))
    assert len(fresh) == 16 and set(fresh).isdisjoint(codes)
    await security.totp_disable(TwoFactorProof(recovery_code=fresh[0]))
    assert not (await session.authenticated()).totp_enabled
    await session.sign_out()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)  # no second step any more


async def test_change_password(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    security = AccountSecurity(session)
    with pytest.raises(errors.ValidationError):
        await security.change_password("wrong-old-password", "An0ther-pass!")
    await security.change_password(user.password, "An0ther-pass!")
    assert isinstance(await make_session().sign_in(user.email, "An0ther-pass!"), SignedIn)
    assert isinstance(await make_session().sign_in(user.email, user.password), WrongCredentials)
