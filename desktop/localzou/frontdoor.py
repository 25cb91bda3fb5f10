"""The local Zou's front door: one host that serves the API under `/api` and the event stream at
`/socket.io`, as a studio's nginx serves Kitsu (`location /api { proxy_pass zou; }`,
`location /socket.io { proxy_pass events; proxy_set_header Upgrade ...; }`).

Stdlib only: it runs as a script under Zou's interpreter (`python frontdoor.py --listen H:P --api H:P
--events H:P`), started and stopped by `desktop.localzou.server`, and outlives the app with --keep-server.

Each client connection carries one request: the request head is read, its target rewritten (`/api` is
stripped, as nginx's `proxy_pass http://zou/;` does), `Connection: close` forced unless it is a websocket
upgrade, and the bytes are then piped both ways until either side closes. That is all a websocket (or
Engine.IO long-polling) needs, and the client sees the close announced in the answer's own headers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

MAX_HEAD = 64 * 1024


def _page(status: bytes, title: bytes) -> bytes:
    body = b"<html><body><h1>" + title + b"</h1></body></html>\r\n"
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n" + body)


NOT_FOUND = _page(b"404 Not Found", b"404 Not Found")
BAD_GATEWAY = _page(b"502 Bad Gateway", b"502 Bad Gateway")
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer"})


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def route(target: bytes, api: tuple[str, int], events: tuple[str, int]) -> tuple[tuple[str, int], bytes] | None:
    """The upstream and the path to send it, or None when nothing is served there."""
    if target == b"/api" or target.startswith((b"/api/", b"/api?")):
        rest = target[len(b"/api"):]
        return api, rest if rest.startswith(b"/") else b"/" + rest
    if target == b"/socket.io" or target.startswith((b"/socket.io/", b"/socket.io?")):
        return events, target
    return None


def rewrite_head(head: bytes, path: bytes, peer: str) -> bytes:
    lines = head.split(b"\r\n")
    method, _target, version = lines[0].split(b" ", 2)
    headers = [ln for ln in lines[1:] if ln]
    upgrade = any(ln.lower().startswith(b"upgrade:") for ln in headers)
    out = [b" ".join((method, path, version))]
    for line in headers:
        name = line.split(b":", 1)[0].strip().lower()
        if name in HOP_BY_HOP and not (upgrade and name == b"connection"):
            continue
        out.append(line)
    if not upgrade:
        out.append(b"Connection: close")
    out.append(b"X-Forwarded-For: " + peer.encode())
    out.append(b"X-Forwarded-Proto: http")
    return b"\r\n".join(out) + b"\r\n\r\n"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


class FrontDoor:
    def __init__(self, api: tuple[str, int], events: tuple[str, int]) -> None:
        self.api = api
        self.events = events

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            request_line = head.split(b"\r\n", 1)[0].split(b" ")
            if len(request_line) != 3:
                return
            found = route(request_line[1], self.api, self.events)
            if found is None:
                writer.write(NOT_FOUND)
                await writer.drain()
                return
            (host, port), path = found
            peer = writer.get_extra_info("peername")
            try:
                up_reader, upstream_writer = await asyncio.open_connection(host, port)
            except OSError:
                writer.write(BAD_GATEWAY)
                await writer.drain()
                return
            upstream_writer.write(rewrite_head(head, path, str(peer[0]) if peer else "127.0.0.1"))
            await upstream_writer.drain()
            to_client = asyncio.ensure_future(_pipe(up_reader, writer))
            to_server = asyncio.ensure_future(_pipe(reader, upstream_writer))
            # The answer's end (the upstream closing) ends the exchange; a client that goes away ends it too.
            await asyncio.wait({to_client, to_server}, return_when=asyncio.FIRST_COMPLETED)
            if not to_client.done():
                await asyncio.wait({to_client}, timeout=1.0)
            for task in (to_client, to_server):
                task.cancel()
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (upstream_writer, writer):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.close()


async def serve(listen: tuple[str, int], api: tuple[str, int], events: tuple[str, int]) -> None:
    door = FrontDoor(api, events)
    server = await asyncio.start_server(door.handle, listen[0], listen[1], limit=MAX_HEAD, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one-host front door for a local Zou")
    parser.add_argument("--listen", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--events", required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(_hostport(args.listen), _hostport(args.api), _hostport(args.events)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
