"""Slate's async client for the Zou API. Pure Python: no Qt import anywhere in this package.

The names below load on first use (PEP 562), not with the package: the sign-in window imports the light
parts (errors, records, sign-in outcomes) before it is shown, and the HTTP stack (httpx, orjson, truststore)
or the keyring's plug-ins only load once something uses them (cold start, issue 16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from desktop.api import errors
    from desktop.api.auth import (
        DefaultPassword,
        InactiveAccount,
        LoginOutcome,
        SignedIn,
        TooManyAttempts,
        TwoFactorRequired,
        WrongCode,
        WrongCredentials,
    )
    from desktop.api.client import ZouClient
    from desktop.api.probe import ServerInfo, probe_server
    from desktop.api.records import Person, Project, UserContext, WithTasksTable
    from desktop.api.security import AccountSecurity, TotpEnrollment, TwoFactorProof, WrongProof
    from desktop.api.session import ZouSession, make_http_client
    from desktop.api.tokens import Tokens, TokenStore

# Where each exported name lives (the same set as the imports above, which type checkers read).
_HOMES = {
    "errors": "",
    **dict.fromkeys(("DefaultPassword", "InactiveAccount", "LoginOutcome", "SignedIn", "TooManyAttempts",
                     "TwoFactorRequired", "WrongCode", "WrongCredentials"), "auth"),
    "ZouClient": "client",
    "ServerInfo": "probe", "probe_server": "probe",
    **dict.fromkeys(("Person", "Project", "UserContext", "WithTasksTable"), "records"),
    **dict.fromkeys(("AccountSecurity", "TotpEnrollment", "TwoFactorProof", "WrongProof"), "security"),
    "ZouSession": "session", "make_http_client": "session",
    "Tokens": "tokens", "TokenStore": "tokens",
}

__all__ = [
    "AccountSecurity", "DefaultPassword", "InactiveAccount", "LoginOutcome", "Person", "Project",
    "ServerInfo", "SignedIn", "TokenStore", "Tokens", "TooManyAttempts", "TotpEnrollment", "TwoFactorProof",
    "TwoFactorRequired", "UserContext", "WithTasksTable", "WrongCode", "WrongCredentials", "WrongProof",
    "ZouClient", "ZouSession", "errors", "make_http_client", "probe_server",
]
assert sorted(__all__) == sorted(_HOMES)


__getattr__ = lazy_exports(__name__, globals(), _HOMES)
