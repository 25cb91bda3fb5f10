"""Outcomes of a sign-in attempt, one type per case Zou distinguishes (see zou-api.md §1.4).

gazu turns all of these into one bare exception; Slate keeps each reason so the UI can say exactly
what happened and what to do next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.api.tokens import Tokens

if TYPE_CHECKING:
    from desktop.api.records import Person  # the session's; the sign-in window loads this module first

# Zou locks an account for one minute after five failed attempts (auth_service.LOGIN_LOCKOUT_DELAY).
LOCKOUT_SECONDS = 60

TWO_FACTOR_METHODS = ("totp", "email_otp", "fido", "recovery_code")


@dataclass(frozen=True)
class SignedIn:
    user: Person
    tokens: Tokens
    organisation: dict[str, Any] = field(default_factory=dict)
    # The server enforces 2FA and this account has none: only enrollment routes work until it is set up.
    enrollment_required: bool = False


@dataclass(frozen=True)
class WrongCredentials:
    """Unknown email or wrong password (Zou does not say which, on purpose)."""


@dataclass(frozen=True)
class TwoFactorRequired:
    methods: tuple[str, ...]  # preferred first, then the others in Zou's order
    preferred: str | None


@dataclass(frozen=True)
class WrongCode:
    """The TOTP, email, recovery code or FIDO assertion was refused; the password was right."""


@dataclass(frozen=True)
class TooManyAttempts:
    retry_at: dt.datetime  # aware UTC; the lock is a minute from the last failure

    def seconds_left(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.UTC)
        return max(0, int((self.retry_at - now).total_seconds() + 0.999))


@dataclass(frozen=True)
class InactiveAccount:
    """The password was right but the account is deactivated."""


@dataclass(frozen=True)
class DefaultPassword:
    """The account still has Zou's default password: set a new one with this reset token (valid 2 h)."""

    reset_token: str


LoginOutcome = (
    SignedIn | WrongCredentials | TwoFactorRequired | WrongCode | TooManyAttempts | InactiveAccount | DefaultPassword
)


def order_methods(enabled: list[Any], preferred: Any) -> tuple[str, ...]:
    methods = [m for m in enabled if isinstance(m, str)]
    # Zou lists "recovery_code" first; show the preferred method first and recovery codes last.
    ordered = sorted(methods, key=lambda m: (m != preferred, m == "recovery_code", methods.index(m)))
    return tuple(ordered)


def outcome_from_failure(status: int, body: dict[str, Any]) -> LoginOutcome | None:
    """Map a refused /auth/login answer to an outcome; None when it is not a login refusal we know."""
    if body.get("too_many_failed_login_attemps"):
        return TooManyAttempts(retry_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LOCKOUT_SECONDS))
    if body.get("unactive"):
        return InactiveAccount()
    if body.get("missing_OTP"):
        preferred = body.get("preferred_two_factor_authentication")
        methods = order_methods(list(body.get("two_factor_authentication_enabled") or []), preferred)
        return TwoFactorRequired(methods=methods, preferred=preferred if isinstance(preferred, str) else None)
    if body.get("wrong_OTP"):
        return WrongCode()
    if body.get("default_password") and isinstance(body.get("token"), str):
        return DefaultPassword(reset_token=body["token"])
    if status in (400, 401) and body.get("login") is False:
        return WrongCredentials()
    return None
