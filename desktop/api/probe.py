"""Find the Zou API behind what a user typed, and what the server offers (version, 2FA, SSO)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from desktop.api import errors as E
from desktop.api.session import SMALL_MAX_BODY, decode_json, fetch, is_loopback_host, make_http_client, sends_in_clear

# Each request of the probe (the root, /config): a Zou answers in milliseconds with a few hundred bytes.
PROBE_DEADLINE_S = 10.0


@dataclass(frozen=True)
class ServerInfo:
    api_url: str  # the API root: requests go to f"{api_url}/auth/login"
    version: str
    enforce_2fa: bool = False
    saml_enabled: bool = False
    oidc_enabled: bool = False
    default_timezone: str = ""

    @property
    def sends_in_clear(self) -> bool:
        """Plain http:// to another computer: passwords and codes would cross the network unencrypted."""
        return sends_in_clear(self.api_url)

    @property
    def site_url(self) -> str:
        """The site root (where Kitsu's web app and the event stream live)."""
        return self.api_url[: -len("/api")] if self.api_url.endswith("/api") else self.api_url


def _is_local(host: str) -> bool:
    return is_loopback_host(host)


def candidate_roots(text: str) -> list[str]:
    """API roots to try for `kitsu.studio.com`, `https://host`, `https://host/api`, `http://127.0.0.1:5000`."""
    text = text.strip()
    if not text:
        raise E.ValidationError("Enter the address of your Kitsu or Zou server.")
    if "://" not in text:
        host = text.split("/", 1)[0].split(":", 1)[0]
        text = ("http://" if _is_local(host) else "https://") + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise E.ValidationError(f"'{text}' is not a server address (expected e.g. kitsu.studio.com).")
    path = parts.path.rstrip("/")
    base = urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")
    if path.endswith("/api"):
        return [base]
    # A Kitsu install serves the API under /api; a bare Zou serves it at the root.
    return [f"{base}/api", base]


async def probe_server(text: str, client: httpx.AsyncClient | None = None) -> ServerInfo:
    own = client is None
    http = client or make_http_client(timeout=httpx.Timeout(8.0))
    try:
        last_error: E.ZouError | None = None
        for root in candidate_roots(text):
            url = f"{root}/"
            try:
                response = await fetch(http, "GET", url, max_body=SMALL_MAX_BODY, deadline=PROBE_DEADLINE_S)
            except E.TLSError:
                raise
            except E.ResponseTooLarge as exc:
                last_error = E.NotAZouServer(
                    f"{text.strip()} answers, but it is not a Kitsu/Zou server: {exc}", url=url)
                continue
            except E.NetworkError as exc:
                last_error = exc
                continue
            if 300 <= response.status_code < 400 and response.headers.get("location"):
                last_error = E.NotAZouServer(
                    f"{text.strip()} redirects to {response.headers['location'].split('?', 1)[0]}: type that "
                    "address instead (Slate does not follow redirects).", status=response.status_code, url=url)
                continue
            try:
                data = decode_json(response) if response.status_code == 200 else None
            except E.ProtocolError:
                data = None
            if isinstance(data, dict) and data.get("api") == "Zou":
                return await _read_config(http, root, str(data.get("version") or "unknown"))
            if response.status_code >= 500:
                # A gateway error page at the right address: Zou behind it is down, the address is fine.
                last_error = E.ServerError(
                    f"{text.strip()} answered HTTP {response.status_code}: the server (or the Zou service behind "
                    "its gateway) is not working right now.", status=response.status_code, url=url)
                continue
            last_error = E.NotAZouServer(
                f"{text.strip()} answers, but it is not a Kitsu/Zou server.", status=response.status_code, url=url)
        assert last_error is not None
        raise last_error
    finally:
        if own:
            await http.aclose()


async def _read_config(http: httpx.AsyncClient, root: str, version: str) -> ServerInfo:
    config: object = {}
    try:
        response = await fetch(http, "GET", f"{root}/config", max_body=SMALL_MAX_BODY, deadline=PROBE_DEADLINE_S)
        if response.status_code == 200:
            config = decode_json(response)
    except (E.NetworkError, E.ProtocolError) as exc:
        if isinstance(exc, E.TLSError):
            raise
        config = {}  # older servers have no /config; the probe still succeeds
    c = config if isinstance(config, dict) else {}
    return ServerInfo(
        api_url=root, version=version, enforce_2fa=bool(c.get("enforce_2fa")),
        saml_enabled=bool(c.get("saml_enabled")), oidc_enabled=bool(c.get("oidc_enabled")),
        default_timezone=str(c.get("default_timezone") or ""),
    )
