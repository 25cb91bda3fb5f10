"""Where the time of the shots fetch goes: server SQL, server Python, serialisation, transfer, parsing.

    python -m benchmarks.breakdown [--tiny] [--runs 3] [--kind shot|asset]

Server side: `zou_side/profile_shots.py` runs the same request in-process in Zou's venv with timers on
the database driver and on the JSON serialiser (no network). Client side: the same route over loopback
with httpx (plain / compact / stream variants, first and last byte), curl, and the JSON parse alone
(json vs orjson) on the received bytes. Transfer = HTTP total - in-process total for the same variant.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.seed import FULL, TINY, USER_AGENT, ZOU_SIDE, ensure_production, login, start_bench_server

RESULTS = Path(__file__).with_name("results")


def median_of(runs: int, fn: Callable[[], dict[str, float]]) -> dict[str, float]:
    fn()  # warm-up
    samples = [fn() for _ in range(runs)]
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def client_side(url: str, token: str, project_id: str, kind: str, runs: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    path = f"/data/{kind}s/with-tasks"
    out: dict[str, Any] = {}
    bodies: dict[str, bytes] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
        for name, extra in (("plain", {}), ("compact", {"compact": "true"}), ("stream", {"stream": "true"}),
                            ("compact+stream", {"compact": "true", "stream": "true"})):
            def once(extra: dict[str, str] = extra, name: str = name) -> dict[str, float]:
                t0 = time.perf_counter()
                first = None
                chunks = []
                with http.stream("GET", path, params={"project_id": project_id, **extra}) as r:
                    r.raise_for_status()
                    for chunk in r.iter_raw(1 << 20):
                        if first is None:
                            first = time.perf_counter() - t0
                        chunks.append(chunk)
                body = b"".join(chunks)
                total = time.perf_counter() - t0
                bodies[name] = body
                return {"first_byte": first or total, "total": total, "bytes": len(body)}

            out[name] = median_of(runs, once)

    def parse(name: str, loads: Callable[[bytes], Any]) -> dict[str, float]:
        body = bodies[name]
        t0 = time.perf_counter()
        if "stream" in name:
            for line in body.splitlines():
                if line:
                    loads(line)
        else:
            loads(body)
        return {"seconds": time.perf_counter() - t0}

    loaders: tuple[tuple[str, Callable[[bytes], Any]], ...] = (("json", json.loads), ("orjson", orjson.loads))
    out["parse"] = {}
    for name in bodies:
        for lib, loads in loaders:
            out["parse"][f"{name} {lib}"] = median_of(runs, functools.partial(parse, name, loads))["seconds"]
    cmd = ["curl", "-sS", "-o", "/dev/null", "-w", "%{time_starttransfer} %{time_total} %{size_download}",
           "-H", f"Authorization: Bearer {token}", "-H", f"User-Agent: {USER_AGENT}",
           f"{url}{path}?project_id={project_id}"]

    def curl_once() -> dict[str, float]:
        first, total, size = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
        return {"first_byte": float(first), "total": float(total), "bytes": float(size)}

    out["curl plain"] = median_of(runs, curl_once)
    return out


def server_side(server: Any, project_id: str, kind: str, runs: int) -> dict[str, Any]:
    cfg = {"admin_email": server.admin_email, "admin_password": server.admin_password,
           "project_id": project_id, "kind": kind, "runs": runs}
    proc = subprocess.run([str(server.zou_python), str(ZOU_SIDE / "profile_shots.py")], input=json.dumps(cfg),
                          capture_output=True, text=True, env=server.zou_env(), cwd=str(server.root / "wsgi"))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def render(kind: str, srv: dict[str, Any], cli: dict[str, Any]) -> str:
    lines = [f"Where the time goes: GET /data/{kind}s/with-tasks (median, seconds)", ""]
    lines.append(f"{'variant':16} {'MB':>6} {'SQL':>6} {'py':>6} {'dumps':>6} {'in-proc':>7} {'cpu':>6} "
                 f"{'1st B':>6} {'HTTP':>6} {'xfer':>6} {'json':>6} {'orjson':>6} {'stmts':>5}")
    for name, s in srv["variants"].items():
        c = cli[name]
        # Unstreamed answers are built whole before the first byte: transfer = last byte - first byte.
        # Streamed ones overlap building and sending: no separate transfer figure.
        xfer = f"{c['total'] - c['first_byte']:6.3f}" if "stream" not in name else f"{'(ovl)':>6}"
        lines.append(
            f"{name:16} {c['bytes'] / 1e6:6.1f} {s['sql']:6.3f} {s['python']:6.3f} {s['dumps']:6.3f} "
            f"{s['total']:7.3f} {s['cpu']:6.3f} {c['first_byte']:6.3f} {c['total']:6.3f} {xfer} "
            f"{cli['parse'][f'{name} json']:6.3f} {cli['parse'][f'{name} orjson']:6.3f} {s['statements']:5.0f}")
    cp = cli["curl plain"]
    lines.append(f"{'curl plain':16} {cp['bytes'] / 1e6:6.1f} {'':6} {'':6} {'':6} {'':7} {'':6} "
                 f"{cp['first_byte']:6.3f} {cp['total']:6.3f} {cp['total'] - cp['first_byte']:6.3f}")
    lines += ["", "CPU time of the in-process request (robust to a busy machine; PostgreSQL's own work excluded):"]
    for name, s in srv["variants"].items():
        lines.append(f"  {name:16} total {s['cpu']:6.3f}  driver execute {s['sql_cpu']:6.3f}  "
                     f"orjson {s['dumps']:6.3f}  rest (row conversion, SQLAlchemy, Zou dicts) {s['python_cpu']:6.3f}")
    slow = srv.get("slowest_statement")
    if slow:
        lines += ["", f"slowest SQL statement ({slow['rows']} rows): {slow['seconds_in_driver']:.3f} s in the "
                  "driver's execute; EXPLAIN ANALYZE: " + " | ".join(slow["explain_tail"][-2:]),
                  f"the same statement straight through psycopg, execute + fetchall: {slow['raw_fetch_wall']:.3f} s "
                  f"wall, {slow['raw_fetch_cpu']:.3f} s CPU in Python"]
    lines += ["", "SQL = inside the DB driver's execute (PostgreSQL + result transfer); py = Zou's Python "
              "(SQLAlchemy rows, building dicts); dumps = orjson; in-proc = Flask test client, no network, and its "
              "CPU time; 1st B / HTTP = first / last byte over loopback (httpx); xfer = last - first byte "
              "(unstreamed answers are built whole first); json/orjson = parsing the received body alone "
              "(per line when streamed)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kind", choices=("shot", "asset"), default="shot")
    args = ap.parse_args(argv)
    dataset = TINY if args.tiny else FULL
    server = start_bench_server()
    try:
        prod = ensure_production(server, dataset)
        token = login(server.url, server.admin_email, server.admin_password)
        print("bench: server side (in-process in Zou's venv)...", file=sys.stderr, flush=True)
        srv = server_side(server, prod.project_id, args.kind, args.runs)
        print("bench: client side (loopback)...", file=sys.stderr, flush=True)
        cli = client_side(server.url, token, prod.project_id, args.kind, args.runs)
    finally:
        server.stop()
    report = render(args.kind, srv, cli)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    name = f"breakdown-{args.kind}s{'-tiny' if args.tiny else ''}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"server": srv, "client": cli}, indent=1) + "\n")
    (RESULTS / f"{name}.txt").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
