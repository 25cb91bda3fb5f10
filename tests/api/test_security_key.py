"""The FIDO2 / WebAuthn security-key path end to end against the real Zou, with a software authenticator
(tests/helpers/soft_fido.py, a CTAP2 device driven by python-fido2's client as a USB key would be):
register a key, sign in with it, unregister it.

Zou's relying party id is the host of its DOMAIN_NAME (the local Zou: 127.0.0.1, see desktop/localzou/server.py)
and it checks the origin against it; Slate's client answers as a browser at https://<rp id> would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.api import AccountSecurity, SignedIn, TwoFactorProof, TwoFactorRequired, WrongCode
from desktop.localzou import LocalZou
from desktop.ui import security_key
from tests.api.conftest import SessionFactory
from tests.helpers.soft_fido import SoftAuthenticator
from tests.helpers.zou import ZouAdmin


@pytest.fixture
def authenticator() -> Iterator[SoftAuthenticator]:
    device = SoftAuthenticator()
    security_key.extra_devices.append(device)
    yield device
    security_key.extra_devices.remove(device)


async def test_register_sign_in_with_and_unregister_a_security_key(
        make_session: SessionFactory, zou_admin: ZouAdmin, zou_server: LocalZou,
        authenticator: SoftAuthenticator) -> None:
    user = zou_admin.create_user("user")
    host = "127.0.0.1"
    assert security_key.library_available() and await security_key.key_connected()

    # Register: Zou's creation options, the key makes a credential, Zou stores it and turns FIDO on.
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    security = AccountSecurity(session)
    options = await security.fido_registration_options()
    assert options["rp"]["id"] == host
    response = await security_key.make_credential(options, host)
    codes = await security.fido_register(response, "Soft key")
    assert codes is not None and len(codes) == 16  # the first second factor: recovery codes come with it
    assert await security.fido_devices() == ["Soft key"]
    assert len(authenticator.credentials) == 1
    await session.sign_out()

    # Sign in: the password is not enough any more; the key signs Zou's challenge.
    session = make_session()
    required = await session.sign_in(user.email, user.password)
    assert isinstance(required, TwoFactorRequired) and "fido" in required.methods
    challenge = await session.fido_challenge(user.email)
    assertion = await security_key.get_assertion(challenge, host)
    signed_in = await session.sign_in(user.email, user.password, fido_response=assertion)
    assert isinstance(signed_in, SignedIn) and signed_in.user.id == user.id
    # An assertion is good once: the same answer again is refused (Zou popped the challenge).
    replay = await make_session().sign_in(user.email, user.password, fido_response=assertion)
    assert isinstance(replay, WrongCode | TwoFactorRequired)

    # Unregister, proven with the key itself (a fresh challenge, in this session's cookie jar).
    security = AccountSecurity(session)
    proof = await security_key.get_assertion(await session.fido_challenge(user.email), host)
    await security.fido_unregister("Soft key", TwoFactorProof(fido_authentication_response=proof))
    assert await security.fido_devices() == []
    await session.sign_out()
    plain = make_session()
    assert isinstance(await plain.sign_in(user.email, user.password), SignedIn)  # password alone again
    assert authenticator.touches == 3  # register, sign in, unregister (a replay needs no touch)


async def test_a_key_the_server_does_not_know_is_refused(make_session: SessionFactory, zou_admin: ZouAdmin,
                                                         authenticator: SoftAuthenticator) -> None:
    user = zou_admin.create_user("user")
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    security = AccountSecurity(session)
    await security.fido_register(await security_key.make_credential(await security.fido_registration_options(),
                                                                    "127.0.0.1"), "Soft key")
    await session.sign_out()
    authenticator.credentials.clear()  # another key (or this one reset): it holds no credential for Zou
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), TwoFactorRequired)
    with pytest.raises(security_key.SecurityKeyError, match="did not sign in"):
        await security_key.get_assertion(await session.fido_challenge(user.email), "127.0.0.1")
