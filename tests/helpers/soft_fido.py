"""A software FIDO2 authenticator: a CTAP2 device on python-fido2's `CtapDevice` interface, for the
security-key tests against the real Zou (no USB key on a CI machine).

It answers the three CTAP2 commands a WebAuthn client sends — authenticatorGetInfo, authenticatorMakeCredential
and authenticatorGetAssertion — with a P-256 key per credential (ES256, made with `cryptography`), "none"
attestation, user presence always given (the touch), no PIN and no user verification. That is what a
basic USB key does; python-fido2's `Fido2Client` drives it exactly as it drives a key over HID.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterator
from threading import Event
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256
from fido2.ctap import STATUS, CtapDevice, CtapError
from fido2.hid import CAPABILITY, CTAPHID
from fido2.webauthn import AttestedCredentialData, AuthenticatorData

AAGUID = bytes.fromhex("5a1e5a1e000000000000000000000001")  # this test authenticator's model id
GET_INFO, MAKE_CREDENTIAL, GET_ASSERTION = 0x04, 0x01, 0x02
ES256_ALG = -7


class SoftAuthenticator(CtapDevice):
    """Keeps its credentials in memory: {credential id: (rp id, private key, sign count)}."""

    def __init__(self) -> None:
        self.credentials: dict[bytes, tuple[str, ec.EllipticCurvePrivateKey, int]] = {}
        self.touches = 0  # how many times the "user" touched it (one per make/get)

    @property
    def capabilities(self) -> int:
        return CAPABILITY.CBOR | CAPABILITY.NMSG  # CTAP2 only, no CTAP1/U2F messages

    @classmethod
    def list_devices(cls) -> Iterator[CtapDevice]:
        return iter(())  # never discovered: a test hands its instance over

    def call(self, cmd: int, data: bytes = b"", event: Event | None = None,
             on_keepalive: Callable[[STATUS], None] | None = None) -> bytes:
        if cmd != CTAPHID.CBOR:
            raise CtapError(CtapError.ERR.INVALID_COMMAND)
        command, body = data[0], cbor.decode(data[1:]) if len(data) > 1 else {}
        try:
            if command == GET_INFO:
                answer = self._info()
            elif command == MAKE_CREDENTIAL:
                answer = self._make_credential(body)
            elif command == GET_ASSERTION:
                answer = self._get_assertion(body)
            else:
                return bytes([CtapError.ERR.INVALID_COMMAND])
        except CtapError as exc:
            return bytes([exc.code])
        return b"\x00" + cbor.encode(answer)

    @staticmethod
    def _info() -> dict[int, Any]:
        return {1: ["FIDO_2_0"], 2: [], 3: AAGUID, 4: {"rk": False, "up": True, "plat": False},
                5: 1200, 9: ["usb"], 10: [{"type": "public-key", "alg": ES256_ALG}]}

    def _make_credential(self, body: dict[int, Any]) -> dict[int, Any]:
        client_data_hash, rp, params = body[1], body[2], body[4]
        if not any(p.get("alg") == ES256_ALG for p in params):
            raise CtapError(CtapError.ERR.UNSUPPORTED_ALGORITHM)
        rp_id = str(rp["id"])
        for excluded in body.get(5) or []:
            if excluded.get("id") in self.credentials:
                raise CtapError(CtapError.ERR.CREDENTIAL_EXCLUDED)
        self.touches += 1
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(32)
        self.credentials[credential_id] = (rp_id, key, 0)
        public = ES256.from_cryptography_key(key.public_key())
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT, 0,
            AttestedCredentialData.create(AAGUID, credential_id, public))
        del client_data_hash  # "none" attestation signs nothing
        return {1: "none", 2: bytes(auth_data), 3: {}}

    def _get_assertion(self, body: dict[int, Any]) -> dict[int, Any]:
        rp_id, client_data_hash = str(body[1]), body[2]
        allowed = [c["id"] for c in body.get(3) or [] if c.get("id") in self.credentials]
        mine = [c for c in allowed if self.credentials[c][0] == rp_id]
        if not mine:
            raise CtapError(CtapError.ERR.NO_CREDENTIALS)
        credential_id = mine[0]
        _, key, count = self.credentials[credential_id]
        count += 1
        self.credentials[credential_id] = (rp_id, key, count)
        # python-fido2's client first asks without user presence ("up": false) which allowed credential
        # this key holds: no touch for that one, and the flag says so.
        present = bool((body.get(5) or {}).get("up", True))
        self.touches += present
        flags = AuthenticatorData.FLAG.UP if present else 0
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
        signature = key.sign(auth_data + client_data_hash, ec.ECDSA(hashes.SHA256()))
        return {1: {"type": "public-key", "id": credential_id}, 2: auth_data, 3: signature}
