"""The local front door's routing (one host: /api -> Zou with the prefix stripped, /socket.io -> the
event stream), as a studio's nginx routes Kitsu. End to end it is exercised by tests/api/test_events.py."""

from __future__ import annotations

from desktop.localzou.frontdoor import rewrite_head, route

API, EVENTS = ("127.0.0.1", 1), ("127.0.0.1", 2)


def test_routes() -> None:
    assert route(b"/api/auth/login", API, EVENTS) == (API, b"/auth/login")
    assert route(b"/api", API, EVENTS) == (API, b"/")
    assert route(b"/api?x=1", API, EVENTS) == (API, b"/?x=1")
    polling = b"/socket.io/?EIO=4&transport=polling"
    assert route(polling, API, EVENTS) == (EVENTS, polling)
    assert route(b"/apiary", API, EVENTS) is None and route(b"/", API, EVENTS) is None


def test_head_rewrite_keeps_upgrades_and_closes_the_rest() -> None:
    plain = rewrite_head(b"GET /api/data HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", b"/data", "1.2.3.4")
    assert plain.startswith(b"GET /data HTTP/1.1\r\n") and b"Connection: close" in plain
    assert b"keep-alive" not in plain and b"X-Forwarded-For: 1.2.3.4" in plain and plain.endswith(b"\r\n\r\n")
    ws = rewrite_head(b"GET /socket.io/?EIO=4 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
                      b"/socket.io/?EIO=4", "1.2.3.4")
    assert b"Connection: Upgrade" in ws and b"Upgrade: websocket" in ws and b"Connection: close" not in ws
