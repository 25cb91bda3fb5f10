"""The app's one HTTP client and the Zou sessions made from it.

One client means one cookie jar (Zou keeps the FIDO challenge in a session cookie between the challenge
and the login) and one place that applies the TLS settings: the OS trust store always, plus the studio's
CA file when the user chose one. The UI never builds an httpx client itself: it asks this object.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from desktop.api.session import ZouSession
    from desktop.api.tokens import Tokens

log = logging.getLogger(__name__)


class CAFileError(ValueError):
    """The chosen CA file cannot be read as certificates; the message says why."""


def _client_with_ca(ca_file: str) -> httpx.AsyncClient:
    from desktop.api.session import make_http_client

    try:
        return make_http_client(ca_file=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise CAFileError(f"The CA file {ca_file} cannot be used: {getattr(exc, 'strerror', None) or exc}") from exc


class Connections:
    """`ca_file`: the saved studio CA ("" for none); `remember_ca_file` persists a new choice.

    The client is made when first used, not here: the HTTP stack loads after the first window is shown."""

    def __init__(self, ca_file: str = "", remember_ca_file: Callable[[str], None] | None = None) -> None:
        self._remember = remember_ca_file
        self._ca_file = ca_file
        self._ca_problem = ""
        self._client_made: httpx.AsyncClient | None = None
        self._retired: list[httpx.AsyncClient] = []

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._client_made is None:
            try:
                self._client_made = _client_with_ca(self._ca_file)
            except CAFileError as exc:
                from desktop.api.session import make_http_client

                # Start anyway, with the OS trust store only: the server field will explain certificate errors.
                log.warning("saved CA file ignored: %s", exc)
                self._ca_problem = str(exc)
                self._client_made = make_http_client()
        return self._client_made

    @property
    def ca_problem(self) -> str:
        """Why the saved CA file could not be loaded (moved, deleted, not a PEM), or ""."""
        _ = self._client
        return self._ca_problem

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    def session(self, api_url: str, tokens: Tokens | None = None) -> ZouSession:
        from desktop.api.session import ZouSession

        return ZouSession(api_url, client=self._client, tokens=tokens)

    def set_ca_file(self, path: str) -> None:
        """Trust an extra CA from now on; sessions made earlier keep the client they had.

        Raises CAFileError (and changes nothing) when the file is not usable."""
        client = _client_with_ca(path)
        if self._remember is not None:
            self._remember(path)
        self._ca_problem = ""
        if self._client_made is not None:
            self._retired.append(self._client_made)
        self._client_made = client
        log.info("custom CA file %s", "set" if path else "cleared")

    async def aclose(self) -> None:
        for client in [*self._retired, *([self._client_made] if self._client_made is not None else [])]:
            await client.aclose()
        self._retired.clear()
