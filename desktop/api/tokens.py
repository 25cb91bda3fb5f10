"""Tokens of a signed-in session, and their storage in the OS keyring (never in settings or logs)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# keyring is imported where it is used: choosing its backend loads every plug-in (~0.1-0.2 s), which the
# first window must not wait for (cold start).
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

KEYRING_SERVICE = "Slate (Zou session)"


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str | None = None

    def __repr__(self) -> str:  # never print a token, even in a traceback
        return f"Tokens(access=<{len(self.access)} chars>, refresh={'<set>' if self.refresh else None})"

    @property
    def access_claims(self) -> dict[str, Any]:
        return jwt_claims(self.access)

    def access_expires_in(self, now: float | None = None) -> float | None:
        exp = self.access_claims.get("exp")
        if not isinstance(exp, int | float):
            return None
        return float(exp) - (now if now is not None else time.time())

    @property
    def requires_2fa_setup(self) -> bool:
        return bool(self.access_claims.get("requires_2fa_setup"))


def jwt_claims(token: str) -> dict[str, Any]:
    """The unverified payload of a JWT: only used to read `exp` for a proactive refresh."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


NO_KEYRING_REASON = ("No system keyring is available on this computer (no Secret Service, KWallet, macOS "
                     "Keychain or Windows Credential Manager), so Slate cannot keep you signed in: "
                     "you will sign in at each start.")
DISABLED_KEYRING_REASON = ("The system keyring is turned off for Slate (keyring's null backend), so Slate cannot "
                           "keep you signed in: you will sign in at each start.")
MEMORY_KEYRING_REASON = ("The keyring in use ({name}) keeps secrets only in memory, so Slate cannot keep you "
                         "signed in: you will sign in at each start.")


@dataclass(frozen=True)
class KeyringStatus:
    """Whether a stored session survives a restart: the keyring keyring itself chose, and why not."""

    persistent: bool
    backend: str
    reason: str = ""


def _leaves(backend: KeyringBackend) -> list[KeyringBackend]:
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        return [leaf for b in backend.backends for leaf in _leaves(b)]
    return [backend]


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def keyring_status(backend: KeyringBackend | None = None) -> KeyringStatus:
    """Does the keyring in use persist what Slate stores? (Read-only: nothing is written to it.)

    keyring falls back to its fail backend when no real keychain is reachable (a Linux desktop without a
    Secret Service, a headless session), and a null backend can be configured to turn it off; a backend
    may also say it keeps secrets in memory only (`persistent = False` on its class)."""
    import keyring
    from keyring.backends import fail, null

    try:
        chosen = backend if backend is not None else keyring.get_keyring()
    except Exception as exc:  # a broken keyringrc or plug-in: keyring itself could not pick a backend
        return KeyringStatus(False, "none", f"{NO_KEYRING_REASON} ({exc.__class__.__name__})")
    name = _backend_name(chosen)
    leaves = _leaves(chosen)
    if not leaves or all(isinstance(b, fail.Keyring) for b in leaves):
        return KeyringStatus(False, name, NO_KEYRING_REASON)
    if all(isinstance(b, fail.Keyring | null.Keyring) for b in leaves):
        return KeyringStatus(False, name, DISABLED_KEYRING_REASON)
    if all(getattr(b, "persistent", True) is False or isinstance(b, fail.Keyring | null.Keyring) for b in leaves):
        return KeyringStatus(False, name, MEMORY_KEYRING_REASON.format(name=name))
    return KeyringStatus(True, name)


class TokenStore:
    """Tokens per (server, user) in the OS keyring. The password is never stored anywhere."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    @staticmethod
    def status() -> KeyringStatus:
        return keyring_status()

    @staticmethod
    def _key(api_url: str, email: str) -> str:
        return f"{api_url.rstrip('/')}|{email.strip().lower()}"

    def save(self, api_url: str, email: str, tokens: Tokens) -> None:
        import keyring

        blob = json.dumps({"access": tokens.access, "refresh": tokens.refresh})
        keyring.set_password(self.service, self._key(api_url, email), blob)

    def load(self, api_url: str, email: str) -> Tokens | None:
        import keyring
        import keyring.errors

        try:
            blob = keyring.get_password(self.service, self._key(api_url, email))
        except keyring.errors.KeyringError:
            return None
        if not blob:
            return None
        try:
            data = json.loads(blob)
            return Tokens(access=str(data["access"]), refresh=data.get("refresh"))
        except (ValueError, KeyError, TypeError):
            return None

    def delete(self, api_url: str, email: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(self.service, self._key(api_url, email))
        except (keyring.errors.PasswordDeleteError, keyring.errors.NoKeyringError):
            pass  # nothing stored (or no keyring at all, so nothing can be stored)
