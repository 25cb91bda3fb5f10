"""Tokens of a signed-in session, and their storage in the OS keyring (never in settings or logs)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors
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


class TokenStore:
    """Tokens per (server, user) in the OS keyring. The password is never stored anywhere."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    @staticmethod
    def _key(api_url: str, email: str) -> str:
        return f"{api_url.rstrip('/')}|{email.strip().lower()}"

    def save(self, api_url: str, email: str, tokens: Tokens) -> None:
        blob = json.dumps({"access": tokens.access, "refresh": tokens.refresh})
        keyring.set_password(self.service, self._key(api_url, email), blob)

    def load(self, api_url: str, email: str) -> Tokens | None:
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
        try:
            keyring.delete_password(self.service, self._key(api_url, email))
        except keyring.errors.PasswordDeleteError:
            pass


class MemoryKeyring(KeyringBackend):
    """An isolated in-process keyring for tests (PYTHON_KEYRING_BACKEND=desktop.api.tokens.MemoryKeyring)."""

    priority = 1
    _store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - shared on purpose: one keyring per process

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self._store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self._store[(service, username)]
