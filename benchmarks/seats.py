"""A studio of seats: N simulated Slate seats (the API layer only, no Qt) against one Zou with its event
server, in one asyncio process, and what they cost the server.

    python -m benchmarks.seats < config.json     # the harness runs this (benchmarks/figures.py)

Every seat is what a signed-in Slate is without its window: a `ZouSession`, a `ZouClient` and an
`EventStream` (desktop/api), listening on the event server. The phases, measured one after the other:

* **connect** (not a figure): N sign-ins and N event-stream handshakes.
* **open**: every seat reads what the window reads when it opens a project (user context, my tasks, the
  shots and the assets with their tasks), all seats at once.
* **idle**: `idle_s` seconds with every seat open and listening (what Slate does all day).
* **fan-out**: one status change written by another client; every seat receives the events, and reads
  what `desktop/ui/live_updates.py` would read for them (`reads_for`: a task:status-changed or a comment
  carries what the rows show: no read).
* **naive**: the same seats without live updates, re-fetching the project on F5 once a minute (each
  seat's open again, spread evenly over `idle_s`).

Per phase: the requests the seats sent and the bytes they received (counted on the seats' own transport),
and the CPU the server's processes used (Zou's API workers, its event server, PostgreSQL, Redis: utime +
stime from /proc, children included), each divided by N; the wall time; for the fan-out, how long until
the last seat had the event. The config comes as JSON on stdin; the result is one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CONNECT_CONCURRENCY = 25  # sign-ins in flight at once (each is a bcrypt check on the server)
# Seats opening the project at the same moment (0: all of them). 500 at once exceed the API's read timeout on
# the bench server's 2 workers; SLATE_SEATS_OPEN_AT_ONCE=50 opens them in waves, as a studio arriving does.
OPEN_AT_ONCE = int(os.environ.get("SLATE_SEATS_OPEN_AT_ONCE", "0"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------- counting
@dataclass
class Counter:
    requests: int = 0
    bytes: int = 0
    paths: dict[str, int] = field(default_factory=dict)

    def snapshot(self) -> tuple[int, int]:
        return self.requests, self.bytes


class _CountedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, counter: Counter) -> None:
        self.inner, self.counter = inner, counter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.counter.bytes += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class CountingTransport(httpx.AsyncBaseTransport):
    """Every request the seats send, and every body byte they receive, as the server sees them."""

    def __init__(self, counter: Counter) -> None:
        # Kept-alive connections expire on the seats' side before gunicorn's keepalive (2 s) closes them: with
        # hundreds of seats in one pool, a reused connection the server had just dropped was reset (ReadError).
        self.inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=400, max_keepalive_connections=400,
                                                                  keepalive_expiry=1.0))
        self.counter = counter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counter.requests += 1
        key = f"{request.method} {request.url.path}"
        self.counter.paths[key] = self.counter.paths.get(key, 0) + 1
        response = await self.inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_CountedStream(response.stream, self.counter), extensions=response.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def server_cpu(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) of each server part: its root process and all its descendants."""
    kids = _children()
    out: dict[str, float] = {}
    for name, root in roots.items():
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            todo.extend(kids.get(pid, []))
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        out[name] = total
    return out


# ---------------------------------------------------------------------------------------------- seats
def reads_for(event: Any) -> list[str]:
    """The reads the window's live updates make for an event (desktop/ui/live_updates.py, changes_of) with
    no detail open: an assignment or a task created reads that task; a shot or asset updated reads it; a
    status change, a comment, a task updated, a casting change or a deletion carries what the rows show."""
    from desktop.api.events import EntityEvent, TaskAssignment, TaskEvent

    if isinstance(event, TaskAssignment) or (isinstance(event, TaskEvent) and event.action == "new"):
        return [f"/data/tasks/{event.task_id}"]
    if isinstance(event, EntityEvent) and event.kind in ("shot", "asset") and event.action not in ("new", "delete",
                                                                                                    "casting-update"):
        return [f"/data/{event.kind}s/{event.entity_id}"]
    return []


class Seat:
    def __init__(self, n: int, cfg: dict[str, Any], http: httpx.AsyncClient) -> None:
        from desktop.api import ZouClient, ZouSession

        self.n = n
        self.session = ZouSession(cfg["url"], client=http)
        self.client = ZouClient(self.session)
        self.stream: Any = None
        self.project_id = cfg["project_id"]
        self.seen: dict[str, float] = {}  # event name -> when this seat first received it (perf_counter)
        self.pending: list[asyncio.Task[Any]] = []

    async def connect(self, cfg: dict[str, Any]) -> None:
        from desktop.api import SignedIn
        from desktop.api.events import EventStream, StreamState

        outcome = await self.session.sign_in(cfg["email"], cfg["password"])
        if not isinstance(outcome, SignedIn):
            raise AssertionError(f"seat {self.n}: sign-in: {outcome!r}")
        self.stream = EventStream(self.session, cfg["events_url"])
        self.stream.add_listener(self.on_event)
        await self.stream.start()
        if not await self.stream.wait_for(StreamState.LIVE, timeout=60):
            raise AssertionError(f"seat {self.n}: the stream is {self.stream.state}")

    def on_event(self, event: Any) -> None:
        self.seen.setdefault(f"{event.name} {event.data.get('task_id', '')}", time.perf_counter())
        if event.project_id not in (None, self.project_id):
            return
        for path in reads_for(event):
            self.pending.append(asyncio.ensure_future(self.session.get(path)))

    async def open(self) -> int:
        """What the window reads to open the project; returns the rows read (checked by the caller)."""
        context, tasks, shots, assets = await asyncio.gather(
            self.client.context(), self.client.my_tasks(), self.client.shots_with_tasks(self.project_id),
            self.client.assets_with_tasks(self.project_id))
        del context, tasks
        return len(shots.rows) + len(assets.rows)

    async def close(self) -> None:
        if self.stream is not None:
            await self.stream.stop()


@dataclass
class Phase:
    name: str
    counter: Counter
    roots: dict[str, int]
    n: int
    t0: float = 0.0
    r0: tuple[int, int] = (0, 0)
    cpu0: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Phase:
        self.t0, self.r0, self.cpu0 = time.perf_counter(), self.counter.snapshot(), server_cpu(self.roots)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        cpu1 = server_cpu(self.roots)
        requests, nbytes = self.counter.snapshot()
        self.cpu = {k: cpu1[k] - self.cpu0.get(k, 0.0) for k in cpu1}
        self.requests, self.bytes = requests - self.r0[0], nbytes - self.r0[1]

    def result(self) -> dict[str, Any]:
        cpu_total = sum(self.cpu.values())
        return {"wall_s": round(self.wall, 3), "requests": self.requests, "bytes": self.bytes,
                "requests_per_seat": self.requests / self.n, "bytes_per_seat": self.bytes / self.n,
                "server_cpu_s": {k: round(v, 3) for k, v in self.cpu.items()},
                "server_cpu_ms_per_seat": cpu_total * 1000 / self.n,
                "server_cores_busy": round(cpu_total / self.wall, 2) if self.wall else None}


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    from desktop.api.session import USER_AGENT

    n = int(cfg["seats"])
    idle_s = float(cfg["idle_s"])
    roots = {k: int(v) for k, v in cfg["server_pids"].items()}
    counter = Counter()
    http = httpx.AsyncClient(transport=CountingTransport(counter), headers={"User-Agent": USER_AGENT},
                             timeout=httpx.Timeout(120.0), follow_redirects=False)
    seats = [Seat(i, cfg, http) for i in range(n)]
    out: dict[str, Any] = {"seats": n, "idle_s": idle_s}
    try:
        with Phase("connect", counter, roots, n) as connect:
            limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

            async def connect_one(seat: Seat) -> None:
                async with limit:
                    await seat.connect(cfg)

            await asyncio.gather(*(connect_one(s) for s in seats))
        out["connect"] = connect.result()

        opening_limit = asyncio.Semaphore(OPEN_AT_ONCE or n)

        async def open_one(seat: Seat) -> int:
            async with opening_limit:
                return await seat.open()

        out["open_at_once"] = OPEN_AT_ONCE or n
        with Phase("open", counter, roots, n) as opening:
            rows = await asyncio.gather(*(open_one(s) for s in seats))
        if any(r != cfg["expect_rows"] for r in rows):
            raise AssertionError(f"a seat read {min(rows)}..{max(rows)} rows, expected {cfg['expect_rows']}")
        out["open"] = opening.result()

        with Phase("idle", counter, roots, n) as idle:
            await asyncio.sleep(idle_s)
        out["idle"] = idle.result()
        out["idle"]["requests_per_seat_minute"] = idle.requests / n * 60 / idle_s
        out["idle"]["server_cpu_ms_per_seat_minute"] = sum(idle.cpu.values()) * 1000 / n * 60 / idle_s

        # One status change by another client: every seat gets it (Zou broadcasts to every socket).
        writer = httpx.AsyncClient(base_url=cfg["url"], timeout=30)
        r = await writer.post("/auth/login", json={"email": cfg["email"], "password": cfg["password"]})
        r.raise_for_status()
        writer.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        key = f"task:status-changed {cfg['task_id']}"
        with Phase("fanout", counter, roots, n) as fanout:
            t_write = time.perf_counter()
            answer = await writer.post(f"/actions/tasks/{cfg['task_id']}/comment",
                                       json={"task_status_id": cfg["status_id"], "comment": "studio of seats"})
            answer.raise_for_status()
            for _ in range(12_000):  # polled, not awaited on an Event: 500 seats add no callback per event
                if sum(key in s.seen for s in seats) >= n:
                    break
                await asyncio.sleep(0.01)
            got = sum(key in s.seen for s in seats)
            await asyncio.sleep(1.0)  # the other events of the write (comment:new ...) and the reads they ask
            for seat in seats:
                if seat.pending:
                    await asyncio.gather(*seat.pending)
                    seat.pending.clear()
        await writer.aclose()
        if got < n:
            raise AssertionError(f"{n - got} of {n} seats never received the status change")
        out["fanout"] = fanout.result()
        arrivals = sorted(s.seen[key] - t_write for s in seats)
        out["fanout"]["first_seat_ms"] = arrivals[0] * 1000
        out["fanout"]["median_seat_ms"] = arrivals[len(arrivals) // 2] * 1000
        out["fanout"]["last_seat_ms"] = arrivals[-1] * 1000

        # The naive path: no live updates, every seat presses F5 once a minute (spread over the minute).
        with Phase("naive", counter, roots, n) as naive:
            step = idle_s / n
            t0 = time.perf_counter()

            async def refresh(i: int, seat: Seat) -> int:
                await asyncio.sleep(max(0.0, t0 + i * step - time.perf_counter()))
                return await seat.open()

            rows = await asyncio.gather(*(refresh(i, s) for i, s in enumerate(seats)))
            await asyncio.sleep(max(0.0, t0 + idle_s - time.perf_counter()))
        out["naive"] = naive.result()
        minutes = naive.wall / 60
        out["naive"]["requests_per_seat_minute"] = naive.requests / n / minutes
        out["naive"]["server_cpu_ms_per_seat_minute"] = sum(naive.cpu.values()) * 1000 / n / minutes
        out["naive"]["bytes_per_seat_minute"] = naive.bytes / n / minutes
        out["paths"] = counter.paths
    finally:
        await asyncio.gather(*(s.close() for s in seats), return_exceptions=True)
        await http.aclose()
    return out


def main() -> int:
    cfg = json.loads(sys.stdin.read())
    result: dict[str, Any] = {}
    try:
        result.update(asyncio.run(run(cfg)))
        result["ok"] = True
    except Exception as exc:  # reported to the harness, which marks the figures as errors
        import traceback

        result.update(ok=False, error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc()[-3000:])
    print(json.dumps(result), flush=True)
    return 0 if result.get("ok") else 1


def run_seats(cfg: dict[str, Any], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "benchmarks.seats"], input=json.dumps(cfg), capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=str(Path(__file__).resolve().parents[1]))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"seats exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if not result.get("ok"):
        print(f"seats ({cfg['seats']}): {result.get('trace', '')}", file=sys.stderr)  # the table keeps one line
        raise RuntimeError(f"seats: {result.get('error')}\n{result.get('trace', '')}")
    return result


if __name__ == "__main__":
    sys.exit(main())
