"""Reopen from the disk cache and offline open, on the 10,000-shot production (issue 16's targets).

    flock /tmp/slate-bench.lock .venv/bin/python -m benchmarks.reopen --runs 3

Each round, in one fresh folder of XDG caches and settings, runs the real main window (`window_probe`, in a
fresh process each time, `open_only`) three times, then the bare httpx reference:

1. **first open**: an empty disk cache; the lists stream from the server and are stored;
2. **reopen**: the same cache; the rows come from the disk at once (the clock stops when the shots pane
   holds all of them, sortable), then two 304s (`If-None-Match`) in the background: checked to have
   come (`list_sources` "revalidated"), their bytes counted;
3. **offline open**: the same cache, the window put offline as the controller's offline start does when the
   server cannot be reached (reads come from the disk only; the network is not tried for them). The bench
   server is shared by every helper's benchmarks, so it is not stopped: what is measured is the cached path;
4. **httpx + json**: one kept-alive GET of the plain shots with-tasks route and `json.loads` (the reference of
   `benchmarks.figures`).

Figures: open to a populated sortable shots pane (`loaded("context")` to `loaded("shot")`), first rows painted,
bytes of answer bodies the window received (counted in its httpx transport), RSS added by the open project,
and the size of the cache on disk after the first open. Ratios are of medians, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.seed import FULL, TINY, ensure_production, login, start_bench_server
from benchmarks.window_probe import run_probe

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ("first", "reopen", "offline")


def cache_bytes(home: Path) -> int:
    root = home / "xdg_cache_home"
    return sum(p.stat().st_size for p in root.rglob("*.sqlite3*") if p.is_file())


def probe_once(cfg: dict[str, Any], home: Path, mode: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.MemoryKeyring",
               **{var: str(home / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                           "XDG_STATE_HOME")})
    return run_probe({**cfg, "workdir": str(home), "open_only": True, "offline": mode == "offline"}, env=env)


def httpx_get(url: str, token: str, project_id: str) -> tuple[float, int]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600) as http:
        http.get("/data/user/context")  # the connection is kept alive, as the reference's
        t0 = time.perf_counter()
        r = http.get("/data/shots/with-tasks", params={"project_id": project_id})
        rows = json.loads(r.content)
        seconds = time.perf_counter() - t0
    assert isinstance(rows, list) and rows, "the plain route gave no rows"
    return seconds, len(r.content)


def med(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.reopen", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tiny", action="store_true")
    args = ap.parse_args(argv)
    dataset = TINY if args.tiny else FULL
    server = start_bench_server()
    runs: list[dict[str, Any]] = []
    try:
        prod = ensure_production(server, dataset)
        cfg = {"url": server.url, "email": server.admin_email, "password": server.admin_password,
               "project_id": prod.project_id,
               "expect": {"shots": dataset.n_shots, "shot_tasks": dataset.n_shot_tasks,
                          "shot_task_types": dataset.n_shot_task_types, "sequences": dataset.n_sequences,
                          "assets": dataset.n_assets}}
        token = login(server.url, server.admin_email, server.admin_password)
        wanted = {"reopen": "revalidated", "offline": "cache", "first": "server"}
        for i in range(args.runs):
            home = Path(tempfile.mkdtemp(prefix="slate-reopen-"))
            try:
                row: dict[str, Any] = {}
                for mode in MODES:
                    result = probe_once(cfg, home, mode)
                    row[mode] = {k: result.get(k) for k in ("open_s", "first_rows_s", "bytes_received",
                                                            "rss_added_mb", "load_stall_ms", "list_sources",
                                                            "rows", "asset_rows")}
                    if mode == "first":
                        row["cache_bytes"] = cache_bytes(home)
                    sources = row[mode]["list_sources"] or {}
                    if set(sources.values()) != {wanted[mode]} or set(sources) != {"shot", "asset"}:
                        raise RuntimeError(f"{mode}: the lists came from {sources}, expected {wanted[mode]}")
                row["httpx_s"], row["httpx_bytes"] = httpx_get(server.url, token, prod.project_id)
            finally:
                shutil.rmtree(home, ignore_errors=True)
            runs.append(row)
            print(f"run {i + 1}: " + json.dumps(row), flush=True)
    finally:
        server.stop()

    def m(mode: str, key: str) -> float:
        return med([float(r[mode][key]) for r in runs])

    httpx_s = med([r["httpx_s"] for r in runs])
    summary = {
        "first_open_s": m("first", "open_s"), "reopen_s": m("reopen", "open_s"),
        "offline_open_s": m("offline", "open_s"),
        "first_rows_first_s": m("first", "first_rows_s"), "first_rows_reopen_s": m("reopen", "first_rows_s"),
        "first_rows_offline_s": m("offline", "first_rows_s"), "httpx_s": httpx_s,
        "first_bytes": m("first", "bytes_received"), "reopen_bytes": m("reopen", "bytes_received"),
        "rss_first_mb": m("first", "rss_added_mb"), "rss_reopen_mb": m("reopen", "rss_added_mb"),
        "rss_offline_mb": m("offline", "rss_added_mb"),
        "cache_mb": med([r["cache_bytes"] for r in runs]) / 1e6,
    }
    summary["reopen_ratio"] = summary["reopen_s"] / summary["first_open_s"]
    summary["reopen_ratio_worst_run"] = max(r["reopen"]["open_s"] / r["first"]["open_s"] for r in runs)
    summary["offline_full_ratio"] = summary["offline_open_s"] / summary["first_open_s"]
    summary["reopen_bytes_ratio"] = summary["reopen_bytes"] / summary["first_bytes"]
    summary["first_rows_reopen_vs_httpx"] = summary["first_rows_reopen_s"] / httpx_s
    summary["offline_ratio"] = summary["first_rows_offline_s"] / summary["first_open_s"]
    summary["rss_reopen_vs_first"] = summary["rss_reopen_mb"] / summary["rss_first_mb"]
    targets = {"reopen_ratio": 0.1, "reopen_ratio_worst_run": 0.1, "reopen_bytes_ratio": 0.05,
               "first_rows_reopen_vs_httpx": 0.05, "offline_ratio": 0.1}
    print()
    for key, value in summary.items():
        verdict = ""
        if key in targets:
            verdict = f"  target <= {targets[key]}: {'PASS' if value <= targets[key] else 'FAIL'}"
        print(f"{key:28} {value:12.4f}{verdict}")
    out = RESULTS / ("reopen-latest-tiny.json" if args.tiny else "reopen-latest.json")
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs, "summary": summary,
                               "targets": targets, "load_average": os.getloadavg()}, indent=1))
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
