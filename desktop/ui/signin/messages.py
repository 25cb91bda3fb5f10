"""What the sign-in screens say for each outcome. Plain functions, so the wording is tested in one place."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from desktop.api import errors as E

if TYPE_CHECKING:
    from desktop.api import ServerInfo

METHOD_LABELS = {
    "totp": "Authenticator app",
    "email_otp": "Email code",
    "recovery_code": "Recovery code",
    "fido": "Security key",
}

WRONG_CREDENTIALS = "Wrong email or password."
INACTIVE = ("This account is deactivated, so it cannot sign in. "
            "Ask your Kitsu administrator to reactivate it.")
WRONG_CODE = "That code was not accepted. Check it and try again; your password is kept."
UNLOCKED = "You can try again now."
DEFAULT_PASSWORD = ("This account still has the default password. Choose your own password to continue; "
                    "it replaces the default one on the server.")
ENROLLMENT_REQUIRED = ("This server requires two-factor authentication. Set up an authenticator app now to "
                       "continue: scan the QR code, then type the 6-digit code it shows.")


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method.replace("_", " ").capitalize())


def locked(seconds_left: int, retry_at: dt.datetime) -> str:
    local = retry_at.astimezone().strftime("%H:%M:%S")
    return (f"Too many failed attempts: this account is locked for a minute. "
            f"Try again in {seconds_left} s (at {local}).")


def server_ok(info: ServerInfo) -> str:
    extra = " · requires two-factor authentication" if info.enforce_2fa else ""
    if info.sends_in_clear:
        extra += " · ⚠ not encrypted (http://): your password and codes could be read on the network"
    return f"✓ Zou {info.version} at {info.api_url}{extra}"


def plain_http(api_url: str) -> str:
    return (f"{api_url} uses http://, not https://: your password and codes would cross the network "
            "unencrypted, readable by anyone between you and the server. Use the server's https:// address "
            "if it has one. To sign in anyway, tick “Send my password and codes unencrypted anyway” and "
            "sign in again.")


def server_problem(exc: E.ZouError) -> str:
    if isinstance(exc, E.TLSError):
        return (f"{exc} The server's certificate is not trusted by this computer. If your studio uses its own "
                "certificate authority, choose its CA file; Slate never skips the check.")
    if isinstance(exc, E.NotAZouServer):
        return f"Not a Zou server: {exc}"
    if isinstance(exc, E.RequestTimeout):
        return f"Cannot reach the server: it did not answer in time. {exc}"
    if isinstance(exc, E.NetworkError):
        return str(exc) if str(exc).startswith("Cannot reach") else f"Cannot reach the server: {exc}"
    return str(exc)
