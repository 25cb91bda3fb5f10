"""Slate's async client for the Zou API. Pure Python: no Qt import anywhere in this package."""

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

__all__ = [
    "AccountSecurity", "DefaultPassword", "InactiveAccount", "LoginOutcome", "Person", "Project",
    "ServerInfo", "SignedIn", "TokenStore", "Tokens", "TooManyAttempts", "TotpEnrollment", "TwoFactorProof",
    "TwoFactorRequired", "UserContext", "WithTasksTable", "WrongCode", "WrongCredentials", "WrongProof",
    "ZouClient", "ZouSession", "errors", "make_http_client", "probe_server",
]
