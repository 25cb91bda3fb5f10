"""FIDO2 security keys over USB HID, through python-fido2 when it is installed (it is optional).

Zou runs a WebAuthn relying party whose id is the host of its DOMAIN_NAME; a desktop client acts as the
browser would, with the origin `https://<rp id>`. The blocking USB calls run in a worker thread so the
window stays responsive while the key waits for a touch. Answers are encoded the way Kitsu's web app
sends them (base64url fields: id, rawId, type, response.{clientDataJSON, ...}).
"""

from __future__ import annotations

import importlib.util
from typing import Any


class SecurityKeyError(Exception):
    """The key could not be used; the message says why in words a user understands."""


def library_available() -> bool:
    return importlib.util.find_spec("fido2") is not None


# Devices offered before the USB ones: python-fido2 `CtapDevice`s that are not on HID (the tests' software
# authenticator, tests/helpers/soft_fido.py). Empty in the app.
extra_devices: list[Any] = []


def _first_key() -> Any:
    if extra_devices:
        return extra_devices[0]
    from fido2.hid import CtapHidDevice  # type: ignore[import-not-found,unused-ignore]

    return next(iter(CtapHidDevice.list_devices()), None)


async def key_connected() -> bool:
    if not library_available():
        return False
    try:
        import asyncio  # not at module level: the sign-in window imports this module (cold start)

        return await asyncio.to_thread(_first_key) is not None
    except Exception:
        return False


def unavailable_reason(offer_others: bool = True) -> str:
    if not library_available():
        return ("Security keys need the python-fido2 package, which is not installed with this copy of Slate."
                + (" Use another method below." if offer_others else ""))
    return ("No security key is connected. Plug it in and try again"
            + (", or use another method below." if offer_others else "."))


def _client(device: Any, origin: str, pin: str) -> Any:
    from fido2 import client as fc  # type: ignore[import-not-found,unused-ignore]

    class Interaction(fc.UserInteraction):  # type: ignore[misc,name-defined,unused-ignore]
        def request_pin(self, permissions: Any, rp_id: Any) -> str:
            if not pin:
                raise SecurityKeyError("This key asks for its PIN: type it in the PIN field and try again.")
            return pin

    if hasattr(fc, "DefaultClientDataCollector"):  # python-fido2 2.x
        return fc.Fido2Client(device, client_data_collector=fc.DefaultClientDataCollector(origin),
                              user_interaction=Interaction())
    return fc.Fido2Client(device, origin, user_interaction=Interaction())  # type: ignore[arg-type,unused-ignore]  # 1.x


def _origin(options: dict[str, Any], fallback_host: str) -> str:
    rp = options.get("rpId") or (options.get("rp") or {}).get("id") or fallback_host
    return f"https://{rp}"


def _assert(options: dict[str, Any], fallback_host: str, pin: str) -> dict[str, Any]:
    from fido2.webauthn import PublicKeyCredentialRequestOptions  # type: ignore[import-not-found,unused-ignore]

    device = _first_key()
    if device is None:
        raise SecurityKeyError(unavailable_reason())
    client = _client(device, _origin(options, fallback_host), pin)
    selection = client.get_assertion(PublicKeyCredentialRequestOptions.from_dict(options))
    return dict(selection.get_response(0))


def _register(options: dict[str, Any], fallback_host: str, pin: str) -> dict[str, Any]:
    from fido2.webauthn import PublicKeyCredentialCreationOptions  # type: ignore[import-not-found,unused-ignore]

    device = _first_key()
    if device is None:
        raise SecurityKeyError(unavailable_reason())
    client = _client(device, _origin(options, fallback_host), pin)
    return dict(client.make_credential(PublicKeyCredentialCreationOptions.from_dict(options)))


async def get_assertion(options: dict[str, Any], fallback_host: str, pin: str = "") -> dict[str, Any]:
    """Sign Zou's challenge with the connected key (the user touches it); the login's FIDO answer."""
    try:
        import asyncio  # not at module level: the sign-in window imports this module (cold start)

        return await asyncio.to_thread(_assert, options, fallback_host, pin)
    except SecurityKeyError:
        raise
    except Exception as exc:
        raise SecurityKeyError(f"The security key did not sign in: {exc}") from exc


async def make_credential(options: dict[str, Any], fallback_host: str, pin: str = "") -> dict[str, Any]:
    try:
        import asyncio  # not at module level: the sign-in window imports this module (cold start)

        return await asyncio.to_thread(_register, options, fallback_host, pin)
    except SecurityKeyError:
        raise
    except Exception as exc:
        raise SecurityKeyError(f"The security key could not be registered: {exc}") from exc
