"""One exception hierarchy for everything the Zou API layer can raise.

Zou answers errors in three body shapes (`message`, `msg`, `error` as a string) and a proxy in front of
it may answer HTML; every case maps to one of these types so the UI can react by type, and
`str(exc)` is always a sentence a user can read.
"""

from __future__ import annotations

from typing import Any


class ZouError(Exception):
    """Base of every error the API layer raises."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None,
                 method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.method = method
        self.url = url


class NetworkError(ZouError):
    """The server could not be reached or the connection broke (connect, read, DNS)."""


class RequestTimeout(NetworkError):
    """The server did not answer within the request's timeout."""


class TLSError(NetworkError):
    """The server's certificate could not be verified."""


class ProtocolError(ZouError):
    """The answer is not what a Zou server sends: HTML (a proxy's error page), truncated or non-JSON."""


class NotAZouServer(ProtocolError):
    """The URL answers, but it is not a Zou API."""


class ResponseTooLarge(ProtocolError):
    """The answer's body went past the size Slate accepts for it (`limit` bytes); reading was stopped."""

    def __init__(self, message: str, *, limit: int = 0, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.limit = limit


class UnexpectedRedirect(ProtocolError):
    """A 3xx answer: Slate never follows redirects (a gateway or SSO page may be in front of Zou).

    `location` is where the server pointed to (may be empty)."""

    def __init__(self, message: str, *, location: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.location = location


class PlaintextNotAllowed(ZouError):
    """Refused before sending: the server address is plain http:// to another computer, so the password or
    code would cross the network unencrypted, and the user has not agreed to that
    (`ZouSession.allow_plaintext`)."""


class AuthenticationError(ZouError):
    """Missing, invalid or revoked credentials on a data route (401/422)."""


class SessionExpired(AuthenticationError):
    """The session ended (refresh token expired or revoked): the user must sign in again."""


class TwoFactorSetupRequired(ZouError):
    """The server enforces 2FA and this account has none yet: only enrollment routes are open."""


class PermissionDenied(ZouError):
    """403: the user's role does not allow this."""


class NotFound(ZouError):
    """404: the route or the record does not exist."""


class ValidationError(ZouError):
    """400 with a reason; `field_errors` maps field names to messages when Zou gives them."""

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.field_errors = field_errors or {}


class Conflict(ZouError):
    """409, or a duplicate record (Zou answers 400 "A record with the same unique values already exists.")."""


class ServerError(ZouError):
    """5xx from Zou or a proxy in front of it."""


def message_from_body(body: Any) -> str:
    """Zou's error text: `message`, else `error` when it is a string, else `msg`; plus field errors."""
    if not isinstance(body, dict):
        return ""
    text = ""
    for key in ("message", "error", "msg"):
        value = body.get(key)
        if isinstance(value, str) and value:
            text = value
            break
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        details = [f"{e.get('field')}: {e.get('message')}" for e in data["errors"] if isinstance(e, dict)]
        if details:
            text = f"{text} ({'; '.join(details)})" if text else "; ".join(details)
    return text


def field_errors_from_body(body: Any) -> dict[str, str]:
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        errors = body["data"].get("errors")
        if isinstance(errors, list):
            return {str(e.get("field")): str(e.get("message")) for e in errors if isinstance(e, dict)}
    return {}
