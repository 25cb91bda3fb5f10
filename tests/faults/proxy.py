"""A fault-injecting HTTP/1.1 proxy on loopback, in front of the real Zou.

We never mock Zou's HTTP API: failure tests talk to the real server through this proxy, which passes
bytes through or injects one fault (a gateway's HTML 502, a bare 503, a truncated body, a stall, a
connection cut, a delay). It runs its own asyncio loop in its own thread, so it serves async tests on
pytest-asyncio's loop and synchronous Qt tests alike.

    with FaultProxy(zou_server.url) as proxy:
        session = ZouSession(proxy.url, ...)
        proxy.set_mode("status_503", times=2)          # the next 2 requests get a 503, then pass
        proxy.set_mode("html_502", path="/auth/login")  # only sign-in requests, until changed
        proxy.set_mode("truncate", keep=0.5, at_line=True, ending="clean")
        proxy.count("/data/task-status")                # requests the proxy received for that path
        proxy.count("/data/task-status", reached=True)  # ... and how many reached the server

Modes (`set_mode` replaces the rules, `add_rule` stacks one; the first matching rule applies; a rule with
`times` expires after that many requests; no matching rule = pass-through):

- `pass`: forward the request and relay the answer as it arrives (keep-alive with the client is kept
  whenever the answer's framing allows it).
- `delay` (seconds=): wait, then as `pass`.
- `html_502`: answer a 502 with nginx's HTML error page; `forward=True` sends the request to the server
  first (the write is applied, the gateway still says 502).
- `html_200`: answer 200 with an HTML sign-in page (an SSO gateway or captive portal); `forward=` as above.
- `status_503`: a bare 503 with an empty body; `forward=` as above.
- `status_500`: a 500 with Zou's JSON error body (what a crashing route answers); `forward=` as above.
- `truncate` (keep=0.5 | bytes, at_line=False, ending="abort"): forward, then send the real answer's
  head and only the first part of its body. `keep` < 1 is a fraction of the body, otherwise a byte
  count; `at_line` moves the cut back to just after a newline. `ending`:
    - "abort": the head keeps the original framing (Content-Length or chunked), the connection closes
      before the body is complete;
    - "clean": the framing says the short body is complete (Content-Length rewritten, or the final
      chunk sent), as an intermediary that re-frames a broken upstream answer would;
    - "close_delimited": Content-Length and Transfer-Encoding removed, the end of the body is the close
      (HTTP/1.0 style): a client cannot tell a cut from the end.
- `stall`: read the request, never answer (until the client goes away); `forward=` as above.
- `cut` (reset=False): close the connection right after reading the request, with no answer; `forward=` as
  above. What a server that drops an idle kept-alive connection just as the client reuses it looks like:
  a plain close (FIN, the client reads EOF), or with `reset=True` a reset (RST, the client's read fails),
  which is what a kernel sends when a request arrives on a socket its server has just closed.
- `endless` (status=200, content_type="application/json", chunk=65536): a chunked body that never ends,
  sent as fast as the client reads it (a broken upstream streaming GBs); `forward=` as above.
- `drip` (interval=0.5, content_type="application/json"): a chunked body of one byte every `interval`
  seconds, forever: each read is quick, the answer never completes; `forward=` as above.
- `redirect` (status=302, location="/sso/login"): a redirect with a small HTML body (an SSO gateway);
  `forward=` as above.
- `hook` (before=, after=, rewrite=): forward the request, running `before(request)` first (in a worker
  thread: another client may write to Zou there), then `after(request)` once Zou answered and before the
  client gets the answer, whose body `rewrite(body) -> body` may change (Content-Length fixed up).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MODES = frozenset({"pass", "delay", "html_502", "html_200", "status_503", "status_500", "truncate", "stall",
                   "cut", "endless", "drip", "redirect", "hook"})
_PARAMS: dict[str, frozenset[str]] = {
    "pass": frozenset(),
    "delay": frozenset({"seconds"}),
    "html_502": frozenset({"forward"}),
    "html_200": frozenset({"forward"}),
    "status_503": frozenset({"forward"}),
    "status_500": frozenset({"forward"}),
    "truncate": frozenset({"keep", "at_line", "ending"}),
    "stall": frozenset({"forward"}),
    "cut": frozenset({"forward", "reset"}),
    "endless": frozenset({"forward", "status", "content_type", "chunk"}),
    "drip": frozenset({"forward", "interval", "content_type"}),
    "redirect": frozenset({"forward", "status", "location"}),
    "hook": frozenset({"before", "after", "rewrite"}),
}
STATUS_TEXT = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
               308: "Permanent Redirect", 500: "INTERNAL SERVER ERROR", 502: "Bad Gateway"}
ENDINGS = frozenset({"abort", "clean", "close_delimited"})
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})
MAX_HEAD = 1 << 20

NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
             b"</body>\r\n</html>\r\n")
SSO_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in - Studio SSO</title>"
            b"</head>\n<body><form method=\"post\" action=\"/sso/login\"><input name=\"username\">"
            b"<input name=\"password\" type=\"password\"><button>Sign in</button></form></body></html>\n")


@dataclass
class Rule:
    mode: str
    params: dict[str, Any] = field(default_factory=dict)
    times: int | None = None  # None: until replaced
    path: str | None = None  # a path prefix (query string excluded)
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return ((self.path is None or path.startswith(self.path))
                and (self.method is None or self.method == method))


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def wants_close(self) -> bool:
        value = (self.header("connection") or "").lower()
        return "close" in value or (self.version == "HTTP/1.0" and "keep-alive" not in value)


@dataclass
class Logged:
    method: str
    path: str
    mode: str
    reached_server: bool
    body_bytes: int = 0  # of the answer's body relayed to the client (pass-through modes)
    status: str = ""  # the answer's status line, as relayed (pass-through modes)


class _Closed(Exception):
    """The client connection ended (EOF or reset) between or inside requests."""


class FaultProxy:
    def __init__(self, upstream: str, *, host: str = "127.0.0.1") -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the proxy forwards plain http to loopback, not {upstream!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.host = host
        self.port = 0
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._log: list[Logged] = []
        self.connections = 0  # client connections accepted (keep-alive check)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------ lifecycle (any thread)
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy->{self.upstream_port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")
        if self._startup_error is not None:
            raise RuntimeError("the fault proxy did not start") from self._startup_error
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ control (any thread)
    def set_mode(self, mode: str, *, times: int | None = None, path: str | None = None,
                 method: str | None = None, **params: Any) -> None:
        """Replace every rule with this one (`pass` with no filter = plain pass-through)."""
        rule = self._rule(mode, times, path, method, params)
        with self._lock:
            self._rules = [] if (mode == "pass" and times is None and path is None and method is None) else [rule]

    def add_rule(self, mode: str, *, times: int | None = None, path: str | None = None,
                 method: str | None = None, **params: Any) -> None:
        rule = self._rule(mode, times, path, method, params)
        with self._lock:
            self._rules.append(rule)

    def reset(self) -> None:
        """Pass-through again, counters cleared."""
        with self._lock:
            self._rules = []
            self._log = []
            self.connections = 0

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    @property
    def log(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None, *, method: str | None = None, reached: bool = False,
              prefix: bool = False) -> int:
        """Requests the proxy received for `path` (exact, or a prefix), or only those that reached Zou."""
        return sum(1 for e in self.log
                   if (path is None or (e.path.startswith(path) if prefix else e.path == path))
                   and (method is None or e.method == method) and (e.reached_server or not reached))

    def body_bytes(self, path: str | None = None, *, prefix: bool = False) -> int:
        """Bytes of answer bodies relayed to the client (pass-through modes), for `path` or all."""
        return sum(e.body_bytes for e in self.log
                   if path is None or (e.path.startswith(path) if prefix else e.path == path))

    def seen(self) -> Counter[str]:
        return Counter(e.path for e in self.log)

    def reached(self) -> Counter[str]:
        return Counter(e.path for e in self.log if e.reached_server)

    @staticmethod
    def _rule(mode: str, times: int | None, path: str | None, method: str | None,
              params: dict[str, Any]) -> Rule:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r} (one of {sorted(MODES)})")
        unknown = set(params) - _PARAMS[mode]
        if unknown:
            raise ValueError(f"mode {mode!r} takes no {sorted(unknown)}")
        if mode == "truncate" and params.get("ending", "abort") not in ENDINGS:
            raise ValueError(f"truncate ending must be one of {sorted(ENDINGS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        return Rule(mode, dict(params), times, path, method.upper() if method else None)

    def _take_rule(self, method: str, path: str) -> Rule:
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times == 0:
                            del self._rules[i]
                    return rule
        return Rule("pass")

    def _record(self, req: Request, mode: str, reached: bool) -> Logged:
        entry = Logged(req.method, req.path, mode, reached)
        with self._lock:
            self._log.append(entry)
        return entry

    # ------------------------------------------------------------ the loop thread
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._client, self.host, 0, limit=MAX_HEAD))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.connections += 1
        try:
            while True:
                req = await _read_request(reader)
                if req is None:
                    break
                if not await self._serve(req, reader, writer):
                    break
        except (_Closed, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # shutdown; ending normally keeps asyncio's stream callback from logging the cancel
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, req: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the client connection must close afterwards."""
        rule = self._take_rule(req.method, req.path)
        mode, p = rule.mode, rule.params
        forward_first = bool(p.get("forward")) or mode in ("pass", "delay", "truncate", "hook")
        logged = self._record(req, mode, reached=forward_first)  # on receipt: a client may give up in a delay
        if mode == "delay":
            await asyncio.sleep(float(p.get("seconds", 1.0)))
        if mode in ("pass", "delay"):
            return await self._relay(req, writer, logged)
        if mode == "truncate":
            return await self._truncate(req, writer, p)
        if mode == "hook":
            return await self._hook(req, writer, p)
        if forward_first:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                await self._exchange(req)  # the server applies it; its answer is dropped
        if mode == "cut":
            if p.get("reset"):
                # Linger on with a zero timeout: close() then sends RST instead of FIN.
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode in ("endless", "drip"):
            await self._endless(req, writer, p, drip=mode == "drip")
            return False
        if mode == "redirect":
            status = int(p.get("status", 302))
            page = b"<html><body>Redirecting to the sign-in page...</body></html>\n"
            head = _head(f"HTTP/1.1 {status} {STATUS_TEXT.get(status, 'Redirect')}",
                         [("Location", str(p.get("location", "/sso/login"))), ("Content-Type", "text/html"),
                          ("Content-Length", str(len(page)))], req.wants_close)
            await _write(writer, head + page)
            return not req.wants_close
        if mode == "stall":
            while await reader.read(65536):
                pass  # hold the connection until the client gives up
            return False
        if mode == "html_502":
            head = _head("HTTP/1.1 502 Bad Gateway", [("Server", "nginx/1.24.0"), ("Content-Type", "text/html"),
                                                      ("Content-Length", str(len(NGINX_502)))], req.wants_close)
            await _write(writer, head + NGINX_502)
        elif mode == "html_200":
            head = _head("HTTP/1.1 200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                             ("Content-Length", str(len(SSO_PAGE)))], req.wants_close)
            await _write(writer, head + SSO_PAGE)
        elif mode == "status_503":
            await _write(writer, _head("HTTP/1.1 503 Service Unavailable", [("Content-Length", "0")],
                                       req.wants_close))
        elif mode == "status_500":
            body = b'{"message": "Internal Server Error", "error": true}\n'
            head = _head("HTTP/1.1 500 INTERNAL SERVER ERROR", [("Content-Type", "application/json"),
                                                                ("Content-Length", str(len(body)))], req.wants_close)
            await _write(writer, head + body)
        return not req.wants_close

    async def _endless(self, req: Request, writer: asyncio.StreamWriter, p: dict[str, Any], *, drip: bool) -> None:
        status = int(p.get("status", 200))
        ctype = str(p.get("content_type", "application/json"))
        await _write(writer, _head(f"HTTP/1.1 {status} {STATUS_TEXT.get(status, 'OK')}",
                                   [("Content-Type", ctype), ("Transfer-Encoding", "chunked")], close=True))
        first = b"<html><body>" if "html" in ctype else b"["
        await _write(writer, f"{len(first):x}\r\n".encode() + first + b"\r\n")
        if drip:
            interval = float(p.get("interval", 0.5))
            while True:  # until the client goes away (the write fails)
                await asyncio.sleep(interval)
                await _write(writer, b"1\r\n0\r\n")
        piece = (b"0," * (int(p.get("chunk", 65536)) // 2))
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while True:
            await _write(writer, frame)

    async def _hook(self, req: Request, writer: asyncio.StreamWriter, p: dict[str, Any]) -> bool:
        before, after, rewrite = p.get("before"), p.get("after"), p.get("rewrite")
        if before is not None:
            await asyncio.to_thread(before, req)
        status, headers, body = await self._exchange(req)
        if after is not None:
            await asyncio.to_thread(after, req)
        if rewrite is not None:
            body = rewrite(body)
        kept = [(k, v) for k, v in headers
                if k.lower() not in HOP_BY_HOP and k.lower() not in ("content-length", "transfer-encoding")]
        kept.append(("Content-Length", str(len(body))))
        await _write(writer, _head(status, kept, req.wants_close) + body)
        return not req.wants_close

    # ------------------------------------------------------------ upstream
    async def _open_upstream(self, req: Request) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port, limit=MAX_HEAD)
        headers = [(k, v) for k, v in req.headers
                   if k.lower() not in HOP_BY_HOP and k.lower() not in ("content-length", "transfer-encoding")]
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(req.body))))
        headers.append(("Connection", "close"))
        lines = [f"{req.method} {req.target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers)]
        up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + req.body)
        await up_writer.drain()
        return up_reader, up_writer

    async def _exchange(self, req: Request) -> tuple[str, list[tuple[str, str]], bytes]:
        """Send to the server and read its whole answer (body de-chunked)."""
        up_reader, up_writer = await self._open_upstream(req)
        try:
            status, headers = await _read_head(up_reader)
            framing = _framing(req.method, status, headers)
            body = b"".join([chunk async for chunk in _body_chunks(up_reader, framing, raw=False)])
            return status, headers, body
        finally:
            up_writer.close()

    async def _relay(self, req: Request, writer: asyncio.StreamWriter, logged: Logged | None = None) -> bool:
        """Pass-through: the head, then the body as it arrives (chunk framing relayed raw)."""
        up_reader, up_writer = await self._open_upstream(req)
        try:
            status, headers = await _read_head(up_reader)
            framing = _framing(req.method, status, headers)
            close = req.wants_close or framing == "close"
            if logged is not None:
                logged.status = status
            await _write(writer, _head(status, [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP], close))
            async for chunk in _body_chunks(up_reader, framing, raw=True):
                if logged is not None:
                    with self._lock:
                        logged.body_bytes += len(chunk)
                await _write(writer, chunk)
            return not close
        finally:
            up_writer.close()

    async def _truncate(self, req: Request, writer: asyncio.StreamWriter, p: dict[str, Any]) -> bool:
        status, headers, body = await self._exchange(req)
        keep = p.get("keep", 0.5)
        n = int(len(body) * keep) if isinstance(keep, float) and keep < 1 else min(int(keep), len(body))
        if p.get("at_line"):
            n = body.rfind(b"\n", 0, n) + 1
        part = body[:n]
        ending = p.get("ending", "abort")
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers)
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        if ending == "close_delimited":
            kept = [(k, v) for k, v in kept if k.lower() not in ("content-length", "transfer-encoding")]
            await _write(writer, _head(status, kept, close=True) + part)
            return False
        if chunked:
            framed = (f"{len(part):x}\r\n".encode() + part + b"\r\n") if part else b""
            if ending == "clean":
                await _write(writer, _head(status, kept, close=True) + framed + b"0\r\n\r\n")
            else:
                await _write(writer, _head(status, kept, close=True) + framed)
            return False
        if ending == "clean":
            kept = [(k, v) for k, v in kept if k.lower() != "content-length"] + [("Content-Length", str(len(part)))]
        elif not any(k.lower() == "content-length" for k, _ in kept):
            kept.append(("Content-Length", str(len(body))))
        await _write(writer, _head(status, kept, close=True) + part)
        return False


# ---------------------------------------------------------------- HTTP/1.1 framing helpers
async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _Closed from exc
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = _parse_headers(lines[1:])
    req = Request(method.upper(), target, version, headers, b"")
    te = (req.header("transfer-encoding") or "").lower()
    if "chunked" in te:
        req.body = b"".join([c async for c in _body_chunks(reader, "chunked", raw=False)])
    else:
        length = int(req.header("content-length") or 0)
        req.body = await reader.readexactly(length) if length else b""
    return req


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, list[tuple[str, str]]]:
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    return lines[0], _parse_headers(lines[1:])


def _parse_headers(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            out.append((name.strip(), value.strip()))
    return out


def _framing(method: str, status_line: str, headers: list[tuple[str, str]]) -> str:
    code = int(status_line.split(" ", 2)[1])
    if method == "HEAD" or code < 200 or code in (204, 304):
        return "none"
    for k, v in headers:
        if k.lower() == "transfer-encoding" and "chunked" in v.lower():
            return "chunked"
    for k, v in headers:
        if k.lower() == "content-length":
            return f"length:{int(v)}"
    return "close"


async def _body_chunks(reader: asyncio.StreamReader, framing: str, *, raw: bool) -> AsyncIterator[bytes]:
    """The body's pieces as they arrive; `raw` keeps the chunked framing bytes (for relaying)."""
    if framing == "none":
        return
    if framing.startswith("length:"):
        left = int(framing.split(":", 1)[1])
        while left > 0:
            data = await reader.read(min(left, 65536))
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(data)
            yield data
        return
    if framing == "close":
        while data := await reader.read(65536):
            yield data
        return
    while True:  # chunked
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            trailer = b""
            while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                trailer += line
            if raw:
                yield size_line + trailer + b"\r\n"
            return
        data = await reader.readexactly(size + 2)
        yield size_line + data if raw else data[:-2]


def _head(status_line: str, headers: list[tuple[str, str]], close: bool) -> bytes:
    lines = [status_line, *(f"{k}: {v}" for k, v in headers)]
    lines.append("Connection: close" if close else "Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


@contextlib.contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream) as proxy:
        yield proxy
