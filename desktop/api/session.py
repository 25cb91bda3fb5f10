"""The HTTP session with a Zou server: transport, error mapping, tokens, refresh and sign-in.

Everything goes through `ZouSession.request` / `ZouSession.stream`, so every call gets a timeout, the
same error types, one shared refresh when the access token expires, and bounded retries of idempotent
reads. Writes are never retried blindly: a POST that timed out may have been applied.

Bounds: httpx's timeouts apply to each read, so a server that keeps sending (an endless body, or a byte
every few seconds) would never time out. Every call therefore also has an overall deadline (`deadline`,
seconds, the whole call including retries and the body) and a cap on the body it reads into memory
(`max_body`): JSON answers, sign-in and refresh answers, error pages. A streamed answer keeps the cap and
the deadline while its body is read when it is data (JSON, NDJSON, HTML); file bodies (downloads,
exports) are not capped. Past a bound the call fails with `RequestTimeout` or `ResponseTooLarge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import re
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import orjson
import truststore

from desktop import __version__
from desktop.api import errors as E
from desktop.api.auth import LoginOutcome, SignedIn, outcome_from_failure
from desktop.api.records import Person
from desktop.api.tokens import Tokens

log = logging.getLogger(__name__)

USER_AGENT = f"Slate/{__version__} (desktop; httpx)"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=15.0)
RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
# Refresh a little before expiry so a long request does not start with a token about to die.
REFRESH_MARGIN_S = 60.0
EXPIRED_MESSAGE = "Signature has expired"
MAX_ERROR_BODY = 256 * 1024
# The biggest JSON answer Slate expects is a production's shots with tasks: ~55 MB for 10,000 shots with
# 8 task types each. Past this cap an answer is refused, not read into memory.
DEFAULT_MAX_BODY = 256 * 1024 * 1024
# Sign-in, refresh and the server probe answer a few kB.
SMALL_MAX_BODY = 1024 * 1024
# The whole call, retries and body included (each read also has its own timeout, DEFAULT_TIMEOUT).
DEFAULT_DEADLINE_S = 300.0
AUTH_DEADLINE_S = 60.0
DATA_TYPES = ("json", "html")  # content types whose streamed bodies keep the cap (ndjson included)

TokensListener = Callable[[Tokens | None], None]
_DEFAULT: Any = object()  # "the session's own bound" for max_body= and deadline=


def make_ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Verification always on, against the OS trust store, plus an optional studio CA file."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def make_http_client(*, timeout: httpx.Timeout = DEFAULT_TIMEOUT, ca_file: str | None = None,
                     transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    # The cookie jar stays on: Zou keeps the FIDO challenge in a session cookie between two requests.
    return httpx.AsyncClient(
        timeout=timeout, verify=make_ssl_context(ca_file), headers={"User-Agent": USER_AGENT},
        follow_redirects=False, transport=transport,
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
    )


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sends_in_clear(url: str) -> bool:
    """True for plain http:// to another computer: what is sent can be read on the network."""
    parts = httpx.URL(url)
    return parts.scheme == "http" and not is_loopback_host(parts.host)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def too_large(method: str, url: str, limit: int) -> E.ResponseTooLarge:
    return E.ResponseTooLarge(
        f"The server's answer to {method} {_short(url)} is larger than {_mib(limit)}: Slate stopped reading it. "
        "The server (or something in front of it) is not answering like Zou.", limit=limit, method=method, url=url)


def past_deadline(method: str, url: str, deadline: float) -> E.RequestTimeout:
    return E.RequestTimeout(
        f"The server did not finish answering {method} {_short(url)} within {deadline:g} s: Slate stopped "
        "waiting.", method=method, url=url)


def redirect_error(response: httpx.Response) -> E.UnexpectedRedirect:
    method, url = response.request.method, str(response.request.url)
    location = response.headers.get("location", "")
    where = f" to {_short(location)}" if location else ""
    return E.UnexpectedRedirect(
        f"The server answered {method} {_short(response.request.url.path)} with a redirect (HTTP "
        f"{response.status_code}){where}. Slate does not follow redirects: a gateway or single sign-on page in "
        "front of Zou may want a browser sign-in, or the server has moved (then use its new address).",
        status=response.status_code, location=location, method=method, url=url)


def _is_redirect(status: int) -> bool:
    return 300 <= status < 400 and status != 304  # 304 answers a conditional request: a cache hit


class _BoundedStream(httpx.AsyncByteStream):
    """A streamed body that stops at `limit` bytes (as received) or past the loop time `deadline_at`."""

    def __init__(self, inner: httpx.AsyncByteStream, *, limit: int | None, deadline_at: float | None,
                 deadline: float, method: str, url: str) -> None:
        self.inner, self.limit, self.deadline_at, self.deadline = inner, limit, deadline_at, deadline
        self.method, self.url, self.received = method, url, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        async for chunk in self.inner:
            self.received += len(chunk)
            if self.limit is not None and self.received > self.limit:
                raise too_large(self.method, self.url, self.limit)
            if self.deadline_at is not None and loop.time() > self.deadline_at:
                raise past_deadline(self.method, self.url, self.deadline)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


async def read_capped(response: httpx.Response, limit: int | None) -> bytes:
    """Read a streamed response's (decoded) body into `response.content`, refusing more than `limit` bytes.

    Transport errors are httpx's; the caller maps them."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if limit is not None and size > limit:
                raise too_large(response.request.method, str(response.request.url), limit)
            chunks.append(chunk)
    finally:
        await response.aclose()
    body = b"".join(chunks)
    response._content = body  # what Response.aread() sets; from here on `.content` works as usual
    return body


async def fetch(http: httpx.AsyncClient, method: str, url: str, *, max_body: int | None = SMALL_MAX_BODY,
                deadline: float | None = AUTH_DEADLINE_S, **kw: Any) -> httpx.Response:
    """One request outside a session's retries (sign-in, refresh, the probe), with its body read under the
    cap and the whole exchange under the deadline. Raises Slate's errors only.

    A read that went out on a kept-alive connection the server had just closed is sent again once, as in
    `ZouSession` (a proactive refresh is often the first request after a pause); a POST never is."""
    try:
        async with asyncio.timeout(deadline):
            resent = False
            while True:
                watch = _ConnectionWatch()
                try:
                    response = await http.send(http.build_request(method, url, extensions={"trace": watch}, **kw),
                                               stream=True)
                except httpx.TransportError as exc:
                    if not resent and method in IDEMPOTENT and _stale_connection(exc, watch):
                        resent = True
                        continue
                    raise network_error(exc, method, url) from exc
                try:
                    await read_capped(response, max_body)
                except httpx.TransportError as exc:
                    raise network_error(exc, method, url) from exc
                return response
    except TimeoutError as exc:
        raise past_deadline(method, url, deadline or 0) from exc


def network_error(exc: Exception, method: str, url: str) -> E.NetworkError:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, httpx.TimeoutException):
        return E.RequestTimeout(f"The server did not answer in time ({method} {_short(url)}).",
                                method=method, url=url)
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__context__, ssl.SSLCertVerificationError):
        reason = text.split("certificate verify failed:")[-1] if "verify failed" in text else text
        reason = re.sub(r"\s*\(_ssl\.c:\d+\)", "", reason).strip(" )")
        return E.TLSError(f"Certificate problem: {reason}", method=method, url=url)
    if isinstance(exc, httpx.RemoteProtocolError):
        return E.NetworkError(f"The connection to the server broke: {text}", method=method, url=url)
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        # An established connection failed (anyio gives no text for a reset): the server was reached.
        reason = str(exc) or "it was closed or reset while Slate was waiting for the answer"
        return E.NetworkError(f"The connection to the server broke: {reason}", method=method, url=url)
    return E.NetworkError(f"Cannot reach the server: {text}", method=method, url=url)


class _ConnectionWatch:
    """httpcore's `trace` extension for one attempt: was it sent on a kept-alive connection from the pool?

    httpcore opens a connection (`connection.connect_tcp`) only when none is idle in the pool; an attempt
    that sent its request without one went out on a reused connection. A transport that does not trace
    (not httpcore) reports nothing, which reads as "not reused": no stale-connection retry then."""

    __slots__ = ("connected", "sent")

    def __init__(self) -> None:
        self.connected = False
        self.sent = False

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        if name.endswith((".connect_tcp.started", ".connect_unix_socket.started")):
            self.connected = True
        elif name.endswith(".send_request_headers.started"):
            self.sent = True

    @property
    def reused(self) -> bool:
        return self.sent and not self.connected


def _stale_connection(exc: httpx.TransportError, watch: _ConnectionWatch) -> bool:
    """A kept-alive connection the server (or a proxy) closed just as it was reused, before any answer.

    The close reads as EOF (httpcore: "Server disconnected without sending a response") or, when the
    server's kernel answered our request with a reset, as a ReadError; which one depends on timing. On a
    fresh connection either is a real failure, and a body cut halfway is one too (the head had arrived,
    so `send` had returned and the error came from reading the body, not from here)."""
    if not watch.reused:
        return False
    if isinstance(exc, httpx.RemoteProtocolError):
        return "without sending a response" in str(exc)
    return isinstance(exc, httpx.ReadError)


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def decode_json(response: httpx.Response) -> Any:
    """The JSON body, or a ProtocolError saying what came instead (HTML page, truncated, not JSON)."""
    content = response.content
    if not content:
        return None
    ctype = response.headers.get("content-type", "")
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    head = content[:200].lstrip().lower()
    if "html" in ctype or head.startswith((b"<!doctype", b"<html")):
        raise E.ProtocolError(
            f"The server answered with an HTML page instead of data (HTTP {response.status_code}): "
            "a proxy or gateway in front of Zou may be failing.",
            status=response.status_code, method=response.request.method, url=str(response.request.url))
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) != len(content):
        detail = f"truncated: {len(content)} of {declared} bytes"
    elif content.lstrip()[:1] in (b"{", b"["):
        detail = f"truncated or malformed JSON ({len(content)} bytes)"
    else:
        detail = f"not JSON ({ctype or 'no content type'})"
    raise E.ProtocolError(f"The server's answer could not be read: {detail}.", status=response.status_code,
                          method=response.request.method, url=str(response.request.url))


def error_for(response: httpx.Response, body: Any, *, had_token: bool) -> E.ZouError:
    """Map a non-2xx response to the exception type the UI reacts to."""
    status = response.status_code
    method, url = response.request.method, str(response.request.url)
    text = E.message_from_body(body)
    kw: dict[str, Any] = {"status": status, "body": body, "method": method, "url": url}
    if status == 400:
        if "same unique values" in text:
            return E.Conflict(text or "This record already exists.", **kw)
        return E.ValidationError(text or "The server refused the request (400).",
                                 field_errors=E.field_errors_from_body(body), **kw)
    if status in (401, 422):
        if had_token:
            return E.SessionExpired(f"Your session has ended ({text or status}). Please sign in again.", **kw)
        return E.AuthenticationError(text or "Authentication required.", **kw)
    if status == 403:
        if isinstance(body, dict) and body.get("two_factor_authentication_required"):
            return E.TwoFactorSetupRequired(text or "Two-factor authentication must be set up first.", **kw)
        return E.PermissionDenied("You don't have permission to do this"
                                  + (f" ({method} {_short(response.request.url.path)})." if url else "."), **kw)
    if status == 404:
        return E.NotFound(text or "Not found.", **kw)
    if status == 409:
        return E.Conflict(text or "Conflict.", **kw)
    if status >= 500:
        return E.ServerError(f"The server failed ({status}): {text or response.reason_phrase}", **kw)
    return E.ZouError(f"Unexpected answer {status}: {text or response.reason_phrase}", **kw)


class ZouSession:
    """One signed-in (or signing-in) connection to one Zou API root.

    `api_url` is the API root found by the probe (`https://host/api` or `http://host:port`).
    `on_tokens` is called whenever tokens change (sign-in, refresh, enrollment, sign-out) so the caller
    can persist them (keyring); it is never given the password.
    """

    def __init__(self, api_url: str, *, client: httpx.AsyncClient | None = None,
                 tokens: Tokens | None = None, on_tokens: TokensListener | None = None,
                 retries: int = 3, backoff: float = 0.25, proactive_refresh: bool = True,
                 max_body: int | None = DEFAULT_MAX_BODY, deadline: float | None = DEFAULT_DEADLINE_S,
                 allow_plaintext: bool = False) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = client or make_http_client()
        self._owns_client = client is None
        self._tokens = tokens
        self.on_tokens = on_tokens
        self.retries = retries
        self.backoff = backoff
        self.proactive_refresh = proactive_refresh
        self._refresh_lock = asyncio.Lock()
        self.refresh_count = 0  # observable in tests: concurrent 401s must share one refresh
        self.user: Person | None = None
        self.max_body = max_body  # per call: `max_body=` (None: no cap)
        self.deadline = deadline  # seconds per call, retries and body included: `deadline=` (None: none)
        # Plain http:// to another computer: a password or code is only sent once the user agreed.
        self.allow_plaintext = allow_plaintext

    @property
    def sends_in_clear(self) -> bool:
        return sends_in_clear(self.api_url)

    def check_plaintext(self, what: str = "your password") -> None:
        """Refuse to send `what` unencrypted unless the user agreed (`allow_plaintext`)."""
        if self.sends_in_clear and not self.allow_plaintext:
            host = httpx.URL(self.api_url).host
            raise E.PlaintextNotAllowed(
                f"{self.api_url} is plain http:// to another computer ({host}): {what} would cross the network "
                "unencrypted. Use the server's https:// address, or confirm that you want to send it anyway.",
                url=self.api_url)

    # ------------------------------------------------------------ tokens
    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    def set_tokens(self, tokens: Tokens | None) -> None:
        self._tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    @property
    def signed_in(self) -> bool:
        return self._tokens is not None

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.api_url}/{path.lstrip('/')}"

    async def aclose(self) -> None:
        if self._owns_client:
            await self.http.aclose()

    # ------------------------------------------------------------ core
    async def _send(self, method: str, path: str, *, auth: bool, stream: bool, timeout: Any,
                    max_body: Any = _DEFAULT, deadline: Any = _DEFAULT, retry: bool = True,
                    **kw: Any) -> httpx.Response:
        url = self.url(path)
        limit: int | None = self.max_body if max_body is _DEFAULT else max_body
        seconds: float | None = self.deadline if deadline is _DEFAULT else deadline
        deadline_at = asyncio.get_running_loop().time() + seconds if seconds is not None else None
        try:
            async with asyncio.timeout_at(deadline_at):
                response = await self._attempts(method, url, auth=auth, stream=stream, timeout=timeout,
                                                limit=limit, retry=retry, **kw)
        except TimeoutError as exc:
            raise past_deadline(method, url, seconds or 0) from exc
        if stream and any(t in response.headers.get("content-type", "").lower() for t in DATA_TYPES):
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _BoundedStream(response.stream, limit=limit, deadline_at=deadline_at,
                                             deadline=seconds or 0, method=method, url=url)
        return response

    async def _attempts(self, method: str, url: str, *, auth: bool, stream: bool, timeout: Any,
                        limit: int | None, retry: bool, **kw: Any) -> httpx.Response:
        # A connection that could not be made sent nothing: trying again is safe even when `retry` is off.
        connect_retryable = method in IDEMPOTENT and "files" not in kw
        retryable = retry and connect_retryable
        refreshed = False
        stale_retried = False
        attempt = 0
        base_headers = dict(kw.pop("headers", None) or {})
        while True:
            attempt += 1
            headers = dict(base_headers)
            token: str | None = None
            if auth:
                if self._tokens is None:
                    raise E.SessionExpired("You are not signed in.", method=method, url=url)
                await self._maybe_refresh_early()
                assert self._tokens is not None
                token = self._tokens.access
                headers["Authorization"] = f"Bearer {token}"
            watch = _ConnectionWatch()
            try:
                req = self.http.build_request(method, url, headers=headers, timeout=timeout,
                                              extensions={"trace": watch}, **kw)
                # Always streamed: the body is read here under the cap (httpx would read it all).
                response = await self.http.send(req, stream=True)
            except httpx.TransportError as exc:
                if connect_retryable and isinstance(exc, httpx.ConnectError) and attempt < self.retries:
                    await self._sleep_backoff(attempt)
                    continue
                if retryable and not stale_retried and _stale_connection(exc, watch):
                    # The server closed a kept-alive connection just as we reused it (gunicorn drops idle
                    # ones after a few seconds): nothing was answered, so a read is sent again at once,
                    # once, as browsers do; the pool then hands out a fresh connection or another idle
                    # one. A second break is a real one and is reported.
                    stale_retried = True
                    log.info("%s %s: kept-alive connection closed under it (%s), sent again", method,
                             _short(url), exc.__class__.__name__)
                    continue
                raise network_error(exc, method, url) from exc
            if response.status_code < 300 or response.status_code == 304:
                if not stream:
                    try:
                        await read_capped(response, limit)
                    except httpx.TransportError as exc:  # a body cut halfway: never sent again
                        raise network_error(exc, method, url) from exc
                return response
            if _is_redirect(response.status_code):
                await self._error_body(response)
                raise redirect_error(response)
            if retryable and response.status_code in RETRY_STATUSES and attempt < self.retries:
                await response.aclose()
                await self._sleep_backoff(attempt)
                continue
            body = await self._error_body(response)
            if (auth and token is not None and not refreshed and response.status_code == 401
                    and E.message_from_body(body) == EXPIRED_MESSAGE):
                await self._refresh(stale_access=token)
                refreshed = True
                continue
            if response.status_code >= 500 and body is None:
                # An HTML page or garbage from a gateway: say so, keep the status.
                raise E.ProtocolError(
                    f"The server answered HTTP {response.status_code} with a page that is not Zou's "
                    "(a proxy or gateway error): Zou may be down or restarting.",
                    status=response.status_code, method=method, url=url)
            raise error_for(response, body, had_token=token is not None)

    async def _error_body(self, response: httpx.Response) -> Any:
        try:
            raw = b""
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) > MAX_ERROR_BODY:
                    break
        except httpx.HTTPError:
            raw = b""
        finally:
            await response.aclose()
        try:
            return orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            return None

    async def _sleep_backoff(self, attempt: int) -> None:
        delay = self.backoff * (3 ** (attempt - 1))
        await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))

    async def _maybe_refresh_early(self) -> None:
        tokens = self._tokens
        if tokens is None or not tokens.refresh or not self.proactive_refresh:
            return
        left = tokens.access_expires_in()
        if left is not None and left < REFRESH_MARGIN_S:
            await self._refresh(stale_access=tokens.access)

    async def _refresh(self, stale_access: str) -> None:
        """Single-flight: concurrent callers with the same stale token wait for one refresh."""
        async with self._refresh_lock:
            tokens = self._tokens
            if tokens is None:
                raise E.SessionExpired("You are not signed in.")
            if tokens.access != stale_access:
                return  # another request refreshed while we waited
            if not tokens.refresh:
                self._expire()
                raise E.SessionExpired("Your session has expired. Please sign in again.")
            url = self.url("/auth/refresh-token")
            response = await fetch(self.http, "GET", url, headers={"Authorization": f"Bearer {tokens.refresh}"})
            if _is_redirect(response.status_code):
                raise redirect_error(response)  # not a refusal: the stored session is kept
            body: Any
            try:
                body = decode_json(response)
            except E.ProtocolError:
                body = None
            if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
                if response.status_code >= 500 or body is None:
                    raise E.ServerError(f"The server could not renew the session ({response.status_code}).",
                                        status=response.status_code, url=url)
                self._expire()
                raise E.SessionExpired("Your session has expired. Please sign in again.",
                                       status=response.status_code, body=body, url=url)
            self.refresh_count += 1
            # Zou does not rotate the refresh token: keep it (gazu drops it and can refresh only once).
            self.set_tokens(Tokens(access=str(body["access_token"]), refresh=tokens.refresh))
            log.info("access token refreshed")

    def _expire(self) -> None:
        self.set_tokens(None)

    # ------------------------------------------------------------ public calls
    async def request(self, method: str, path: str, *, auth: bool = True, timeout: Any = httpx.USE_CLIENT_DEFAULT,
                      max_body: Any = _DEFAULT, deadline: Any = _DEFAULT,
                      retry: bool = True, **kw: Any) -> httpx.Response:
        """One call. `max_body` caps the body (bytes; None: no cap), `deadline` bounds the whole call
        (seconds; None: none), both defaulting to the session's; `retry=False` never sends it twice
        (a read with a side effect, such as asking for an email code)."""
        response = await self._send(method.upper(), path, auth=auth, stream=False, timeout=timeout,
                                    max_body=max_body, deadline=deadline, retry=retry, **kw)
        return response

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        """Request and decode the JSON answer (None for an empty body such as 204)."""
        response = await self.request(method, path, **kw)
        try:
            return decode_json(response)
        except httpx.HTTPError as exc:  # pragma: no cover - body already read
            raise network_error(exc, method, self.url(path)) from exc

    async def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return await self.call("GET", path, params=params, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.call("POST", path, json=json, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.call("PUT", path, json=json, **kw)

    async def delete(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.call("DELETE", path, json=json, **kw)

    @contextlib.asynccontextmanager
    async def stream(self, method: str, path: str, *, auth: bool = True, timeout: Any = httpx.USE_CLIENT_DEFAULT,
                     max_body: Any = _DEFAULT, deadline: Any = _DEFAULT,
                     **kw: Any) -> AsyncIterator[httpx.Response]:
        """A checked streaming response (errors already raised); the body is read by the caller.

        The deadline covers the answer's head; when the body is data (JSON, NDJSON, HTML) its reading keeps
        the cap and the deadline too. A file body (a download) is never capped."""
        response = await self._send(method.upper(), path, auth=auth, stream=True, timeout=timeout,
                                    max_body=max_body, deadline=deadline, **kw)
        try:
            yield response
        except httpx.TransportError as exc:
            raise network_error(exc, method, self.url(path)) from exc
        finally:
            await response.aclose()

    # ------------------------------------------------------------ sign-in
    async def sign_in(self, email: str, password: str, *, totp: str | None = None,
                      email_otp: str | None = None, recovery_code: str | None = None,
                      fido_response: dict[str, Any] | None = None) -> LoginOutcome:
        """POST /auth/login and return exactly what happened. Only unexpected failures raise."""
        body: dict[str, Any] = {"email": email.strip(), "password": password}
        # Send only the proof the user gave: Zou counts a totp sent to an account without TOTP as missing.
        for key, value in (("totp", totp), ("email_otp", email_otp), ("recovery_code", recovery_code)):
            if value:
                body[key] = value.strip().replace(" ", "")
        if fido_response is not None:
            body["fido_authentication_response"] = fido_response
        self.check_plaintext("your password" + (" and code" if len(body) > 2 else ""))
        url = self.url("/auth/login")
        response = await fetch(self.http, "POST", url, json=body)
        if _is_redirect(response.status_code):
            raise redirect_error(response)
        data = decode_json(response)
        if not isinstance(data, dict):
            raise E.ProtocolError(f"Unexpected sign-in answer (HTTP {response.status_code}).",
                                  status=response.status_code, url=url)
        if response.status_code == 200 and data.get("access_token"):
            tokens = Tokens(access=str(data["access_token"]), refresh=data.get("refresh_token"))
            self.user = Person.from_json(data.get("user") or {})
            self.set_tokens(tokens)
            organisation = data.get("organisation")
            return SignedIn(user=self.user, tokens=tokens,
                            organisation=organisation if isinstance(organisation, dict) else {},
                            enrollment_required=bool(data.get("two_factor_authentication_required"))
                            or tokens.requires_2fa_setup)
        outcome = outcome_from_failure(response.status_code, data)
        if outcome is not None:
            return outcome
        if response.status_code >= 500:
            raise E.ServerError(E.message_from_body(data) or "The server failed during sign-in.",
                                status=response.status_code, body=data, url=url)
        raise error_for(response, data, had_token=False)

    async def request_email_code(self, email: str) -> None:
        """Ask Zou to mail a one-time code (it always answers success, to hide which accounts exist)."""
        self.check_plaintext("the code you will type")
        # Never sent twice: each request that reaches Zou mails another code.
        await self.get("/auth/email-otp", params={"email": email.strip()}, auth=False, retry=False)

    async def fido_challenge(self, email: str) -> dict[str, Any]:
        """WebAuthn request options for a FIDO sign-in; the challenge state stays in our cookie jar."""
        data = await self.get("/auth/fido", params={"email": email.strip()}, auth=False)
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected FIDO challenge answer.")
        return data

    async def authenticated(self) -> Person:
        """Check the current tokens (refreshing if needed) and return the signed-in user."""
        data = await self.get("/auth/authenticated")
        if not isinstance(data, dict) or not data.get("authenticated"):
            raise E.SessionExpired("The stored session is no longer valid.")
        self.user = Person.from_json(data.get("user") or {})
        return self.user

    async def resume(self, tokens: Tokens) -> Person | None:
        """Resume a stored session; None when it cannot be resumed (expired or revoked)."""
        self.set_tokens(tokens)
        try:
            return await self.authenticated()
        except (E.SessionExpired, E.AuthenticationError):
            self.set_tokens(None)
            return None

    async def sign_out(self) -> bool:
        """Revoke both tokens on the server, then forget them locally whatever happened.

        Returns True when the server confirmed the revocation."""
        confirmed = False
        if self._tokens is not None:
            try:
                data = await self.get("/auth/logout")
                confirmed = isinstance(data, dict) and bool(data.get("logout"))
            except E.ZouError as exc:
                log.warning("sign-out could not reach the server: %s", exc.__class__.__name__)
        self.user = None
        self.set_tokens(None)
        return confirmed
