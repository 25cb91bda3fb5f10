"""Every benchmark figure, registered in the harness. Add a figure = one `register(...)` call.

Contenders verify what they received (row and task counts, bytes) so a figure can never be fast
because it fetched the wrong thing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Any

from benchmarks.harness import REGISTRY, Contender, Context, Figure, Sample, Target, register, slate_na

# ---------------------------------------------------------------------------------------------- helpers


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def count_dict_tasks(rows: list[dict[str, Any]]) -> int:
    return sum(len(r["tasks"]) for r in rows)


def expected(ctx: Context, kind: str) -> tuple[int, int]:
    d = ctx.dataset
    return (d.n_shots, d.n_shot_tasks) if kind == "shot" else (d.n_assets, d.n_asset_tasks)


def httpx_with_tasks(kind: str) -> Callable[[Context], Sample]:
    """The bare reference: one kept-alive httpx GET of the plain with-tasks route + stdlib json.loads."""

    def run(ctx: Context) -> Sample:
        t0 = time.perf_counter()
        r = ctx.http.get(f"/data/{kind}s/with-tasks", params={"project_id": ctx.project_id})
        r.raise_for_status()
        rows = json.loads(r.content)
        seconds = time.perf_counter() - t0
        n_rows, n_tasks = expected(ctx, kind)
        _check(len(rows) == n_rows and count_dict_tasks(rows) == n_tasks,
               f"httpx got {len(rows)} {kind}s / {count_dict_tasks(rows)} tasks, expected {n_rows}/{n_tasks}")
        return Sample(seconds, len(r.content))

    return run


def gazu_natural(kind: str) -> Callable[[Context], Sample]:
    """gazu 1.3.1's natural path, in its own venv: all_<kind>s_for_project + all_tasks_for_project + join."""

    def run(ctx: Context) -> Sample:
        ans = ctx.gazu().call({"cmd": f"{kind}s", "project_id": ctx.project_id})
        n_rows, n_tasks = expected(ctx, kind)
        _check(ans["entities"] == n_rows and ans["tasks"] == n_tasks,
               f"gazu got {ans['entities']} {kind}s / {ans['tasks']} tasks, expected {n_rows}/{n_tasks}")
        return Sample(ans["seconds"])

    return run


def curl(path: str, *, to_file: bool = False, expect_bytes: Callable[[Context], int] | None = None,
         ) -> Callable[[Context], Sample]:
    """curl's own timer (`time_total`, process start excluded); body to /dev/null or a file (`-o`)."""

    def run(ctx: Context) -> Sample:
        out = ctx.workdir / "curl.out" if to_file else None
        cmd = ["curl", "-sS", "-o", str(out) if out else "/dev/null", "-w", "%{http_code} %{size_download} "
               "%{time_total} %{time_starttransfer}", "-H", f"Authorization: Bearer {ctx.token}",
               "-H", "User-Agent: slate-bench", ctx.url + ctx.path(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if out is not None:
            out.unlink(missing_ok=True)
        _check(proc.returncode == 0, f"curl failed: {proc.stderr.strip()[:200]}")
        code, size, total, first = proc.stdout.split()
        _check(code == "200", f"curl got HTTP {code}")
        nbytes = int(float(size))
        if expect_bytes is not None:
            _check(nbytes == expect_bytes(ctx), f"curl got {nbytes} bytes, expected {expect_bytes(ctx)}")
        return Sample(float(total), nbytes, {"first_byte_s": float(first)})

    return run


# ---------------------------------------------------------------------------------------------- Slate
# Slate's API layer (desktop/api): a signed-in ZouClient kept on the harness's event loop between runs.
# If the layer is missing or changes shape, its rows say why ("n/a") instead of breaking the table.

def _slate_client(ctx: Context) -> Any:
    client = ctx.state.get("slate_client")
    if client is None:
        from desktop.api import ZouClient, ZouSession
        from desktop.api.auth import SignedIn

        session = ZouSession(ctx.url)
        outcome = ctx.loop.run_until_complete(session.sign_in(ctx.email, ctx.password))
        _check(isinstance(outcome, SignedIn), f"Slate sign-in: {outcome!r}")
        client = ZouClient(session)
        ctx.state["slate_client"] = client
        ctx.on_close(lambda: ctx.loop.run_until_complete(session.aclose()))
    return client


def slate_with_tasks(kind: str) -> Callable[[Context], Sample]:
    def run(ctx: Context) -> Sample:
        client = _slate_client(ctx)
        fetch = client.shots_with_tasks if kind == "shot" else client.assets_with_tasks
        t0 = time.perf_counter()
        table = ctx.loop.run_until_complete(fetch(ctx.project_id))
        seconds = time.perf_counter() - t0
        n_rows, n_tasks = expected(ctx, kind)
        got_tasks = sum(len(table.tasks(r)) for r in table.rows)
        _check(len(table.rows) == n_rows and got_tasks == n_tasks,
               f"Slate got {len(table.rows)} {kind}s / {got_tasks} tasks, expected {n_rows}/{n_tasks}")
        return Sample(seconds)

    return run


def slate_api_contender(kind: str) -> Contender:
    try:
        from desktop.api import ZouClient

        if not hasattr(ZouClient, f"{kind}s_with_tasks"):
            return slate_na(f"desktop/api ZouClient has no {kind}s_with_tasks yet")
    except ImportError as exc:
        return slate_na(f"desktop/api not importable: {exc}")
    return Contender("Slate (desktop/api)", slate_with_tasks(kind), slate=True)


# ---------------------------------------------------------------------------------------------- downloads
ATTACHMENT = "/data/attachment-files/{attachment_id}/file/{attachment_name}"


def _attachment_size(ctx: Context) -> int:
    return int(ctx.attachment["size"])


def httpx_stream_download(ctx: Context) -> Sample:
    """Bare httpx streaming to a file (sync client, 1 MiB chunks)."""
    out = ctx.workdir / "httpx.out"
    t0 = time.perf_counter()
    n = 0
    with ctx.http.stream("GET", ctx.path(ATTACHMENT)) as r, open(out, "wb") as fh:
        r.raise_for_status()
        for chunk in r.iter_bytes(1 << 20):
            fh.write(chunk)
            n += len(chunk)
    seconds = time.perf_counter() - t0
    out.unlink()
    _check(n == _attachment_size(ctx), f"httpx got {n} bytes")
    return Sample(seconds, n)


def gazu_download(ctx: Context) -> Sample:
    ans = ctx.gazu().call({"cmd": "download", "attachment_id": ctx.attachment["id"],
                           "path": str(ctx.workdir / "gazu.out")})
    _check(ans["bytes"] == _attachment_size(ctx), f"gazu got {ans['bytes']} bytes")
    return Sample(ans["seconds"], ans["bytes"])


def slate_download(ctx: Context) -> Sample:
    """Slate's download manager (desktop/api/downloads/): .part file, verification, atomic rename."""
    from desktop.api.downloads import DownloadManager
    from desktop.api.downloads.sources import attachment_source

    client = _slate_client(ctx)
    folder = ctx.workdir / "slate-dl"
    folder.mkdir(exist_ok=True)

    async def go() -> Any:
        manager = DownloadManager(client.session, state_file=None)
        manager.start()
        t0 = time.perf_counter()
        [item] = manager.enqueue([attachment_source(ctx.attachment)], folder)
        await manager.wait([item.id])
        seconds = time.perf_counter() - t0
        await manager.shutdown()
        return item, seconds

    from benchmarks.window_probe import RssPeak

    # The RSS of this process (the harness, where Slate's download runs) while the download runs.
    with RssPeak() as rss:
        item, seconds = ctx.loop.run_until_complete(go())
    files = [p for p in folder.iterdir() if p.is_file()]
    _check(len(files) == 1 and files[0].stat().st_size == _attachment_size(ctx) and not files[0].name.endswith(".part"),
           f"Slate download ended {item.status}: {item.error} ({[p.name for p in files]})")
    files[0].unlink()
    return Sample(seconds, _attachment_size(ctx), extra={"rss_growth_mb": rss.growth_mb})


def _pick_rss_growth(sample: Sample) -> Sample:
    return Sample(sample.extra["rss_growth_mb"], extra=sample.extra)


def slate_csv_export(ctx: Context) -> Sample:
    """Slate's server export (desktop/api/exports/csv_export.py): streamed, neutralised, written atomically."""
    from desktop.api.exports import Exports

    client = _slate_client(ctx)
    out = ctx.workdir / "slate-shots.csv"
    t0 = time.perf_counter()
    result = ctx.loop.run_until_complete(Exports(client.session).project_csv(ctx.project_id, "shots", out))
    seconds = time.perf_counter() - t0
    n_shots = ctx.dataset.n_sequences * ctx.dataset.shots_per_sequence
    _check(result.rows >= n_shots, f"Slate export wrote {result.rows} rows for {n_shots} shots")
    out.unlink()
    return Sample(seconds, result.bytes)


# ---------------------------------------------------------------------------------------------- cold start
# Both sides in a fresh process, timed to their first window shown *and painted* (benchmarks/cold_start.py).
BARE_QT = "bare QApplication + QWidget painted"


def slate_smoke_test(ctx: Context) -> Sample:
    """`python -m desktop --smoke-test --server URL` (no saved session): the sign-in window painted."""
    from benchmarks.cold_start import slate_cold_start

    run = slate_cold_start(ctx.url, ctx.workdir / "cold-start")
    return Sample(run.seconds, extra={"cpu_s": run.cpu, "process_s": run.total})


def bare_qapplication(ctx: Context) -> Sample:
    """A new Python process: PySide6.QtWidgets, a QApplication offscreen, one QWidget shown and painted."""
    from benchmarks.cold_start import bare_cold_start

    run = bare_cold_start(ctx.workdir / "cold-start")
    return Sample(run.seconds, extra={"cpu_s": run.cpu, "process_s": run.total})


# ---------------------------------------------------------------------------------------------- main window
# The real MainWindow, offscreen, in a fresh process per run (benchmarks/window_probe.py): one run measures
# every main-window figure; each figure picks its number from that run (harness: `shared` + `pick`).
WINDOW = "Slate (main window)"
WINDOW_RUN = "slate-main-window"
WINDOW_CHECKS = ("rows", "view_rows", "groups", "task_columns", "tasks", "asset_rows")


def slate_window_probe(ctx: Context) -> Sample:
    from benchmarks.window_probe import run_probe

    d = ctx.dataset
    home = ctx.workdir / f"window-{time.monotonic_ns()}"  # fresh settings and caches for every run
    home.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.MemoryKeyring",
               **{var: str(home / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                           "XDG_STATE_HOME")})
    cfg = {"url": ctx.url, "email": ctx.email, "password": ctx.password, "project_id": ctx.project_id,
           "workdir": str(home),
           "expect": {"shots": d.n_shots, "shot_tasks": d.n_shot_tasks, "shot_task_types": d.n_shot_task_types,
                      "sequences": d.n_sequences, "assets": d.n_assets}}
    t0 = time.perf_counter()
    try:
        result = run_probe(cfg, env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return Sample(time.perf_counter() - t0, extra=result)


def window_pick(key: str, unit: str, *details: str) -> Callable[[Sample], Sample]:
    """This figure's number from the window run (`key`, in the figure's `unit`), with the pane checks."""

    def pick(sample: Sample) -> Sample:
        probe = sample.extra
        value = float(probe[key])
        extra = {k: probe[k] for k in (key, *details, *WINDOW_CHECKS) if k in probe}
        return Sample(value / 1000 if unit == "ms" else value, extra=extra)

    return pick


def window_contender(key: str, unit: str, *details: str) -> Contender:
    if importlib.util.find_spec("desktop.ui.main_window") is None:
        return slate_na("desktop/ui/main_window.py not built yet (issue 5)")
    return Contender(WINDOW, slate_window_probe, slate=True, shared=WINDOW_RUN, pick=window_pick(key, unit, *details))


# ---------------------------------------------------------------------------------------------- figures
HTTPX = "httpx + json"  # bare GET of the plain route + stdlib json.loads
GAZU = "gazu 1.3.1"  # all_<kind>s_for_project + all_tasks_for_project + join
CURL = "curl"
CURL_O = "curl -o"
GAZU_DL = "gazu 1.3.1 download"  # gazu.files.download_attachment_file

SHOTS = "shots"  # the group of the shots fetch and the main-window figures: one set of rounds for all


def httpx_shots() -> Contender:
    return Contender(HTTPX, httpx_with_tasks("shot"), shared="httpx-shots")


def gazu_shots() -> Contender:
    return Contender(GAZU, gazu_natural("shot"), shared="gazu-shots")


register(Figure(
    "shots_fetch", "fetch + parse all shots with tasks", "s", reference=HTTPX,
    contenders=[slate_api_contender("shot"), httpx_shots(), gazu_shots()],
    targets=[Target(HTTPX, "<=", 1.2), Target(GAZU, "<=", 0.35)],
    note="Targets borrowed from issue 5's project-open figure (the API layer must leave room for the model).",
    group=SHOTS,
))

register(Figure(
    "assets_fetch", "fetch + parse all assets with tasks", "s", reference=HTTPX,
    contenders=[
        slate_api_contender("asset"),
        Contender(HTTPX, httpx_with_tasks("asset")),
        Contender(GAZU, gazu_natural("asset")),
    ],
    targets=[Target(HTTPX, "<=", 1.2), Target(GAZU, "<=", 0.35)],
))

register(Figure(
    "shots_curl", "curl of the plain shots with-tasks route to /dev/null", "s", reference=CURL,
    contenders=[Contender(CURL, curl("/data/shots/with-tasks?project_id={project_id}"))],
    note="Transfer floor for the shots figure: server time + loopback transfer, no client parsing.",
))

register(Figure(
    "project_open", "project open to a populated sortable shots pane", "s", reference=HTTPX,
    contenders=[window_contender("open_s", "s", "first_rows_s"), httpx_shots(), gazu_shots()],
    targets=[Target(HTTPX, "<=", 1.2), Target(GAZU, "<=", 0.35)],
    note="From the window asking for the project to its loaded('shot'); httpx and gazu are the same runs as "
         "in the shots fetch figure (same rounds).",
    group=SHOTS,
))

register(Figure(
    "first_rows", "first shot rows visible", "s", reference=HTTPX,
    contenders=[window_contender("first_rows_s", "s", "first_rows_model_s"), httpx_shots()],
    targets=[Target(HTTPX, "<=", 0.6)],
    note="To the end of the first paint of the shots table with rows in it.",
    group=SHOTS,
))

register(Figure(
    "loop_stall", "longest event-loop stall during the shots load", "ms",
    contenders=[window_contender("load_stall_ms", "ms", "load_max_cpu_stall_ms", "load_stalls",
                                 "load_stalls_over_50ms")],
    targets=[Target(None, "<=", 50)],
    note="Lateness of a 5 ms heartbeat QTimer from the open request to the full load; extra.load_stalls "
         "gives each long stall's UI-thread CPU time (the rest is the machine's other load).",
    group=SHOTS,
))

register(Figure(
    "project_rss", "RSS added by an open project", "MB",
    contenders=[window_contender("rss_added_mb", "MB", "rss_mb")], targets=[Target(None, "<=", 200)],
    note="/proc/self/statm after shots, assets and my tasks loaded, minus before the open request.",
    group=SHOTS,
))

register(Figure(
    "sort_status", "sort 10k shots by a task-status column", "ms",
    contenders=[window_contender("sort_ms", "ms", "sort_column", "sort_model_ms", "sort_desc_ms", "unsort_ms")],
    targets=[Target(None, "<=", 100)],
    note="First click on the column's header (its sort keys computed) to the table repainted.",
    group=SHOTS,
))

register(Figure(
    "scroll_stall", "longest stall scrolling the shots top to bottom", "ms",
    contenders=[window_contender("scroll_stall_ms", "ms", "scroll_max_cpu_stall_ms", "scroll_stalls",
                                 "scroll_stalls_over_50ms", "scroll_step_median_ms", "scroll_step_p90_ms",
                                 "scroll_steps", "scroll_paints", "scroll_s")],
    targets=[Target(None, "<=", 50)],
    note="The scroll bar stepped a page every 16 ms, the loop painting in between.",
    group=SHOTS,
))

register(Figure(
    "filter_keystroke", "filter keystroke on 10k rows (applied + repainted)", "ms",
    contenders=[window_contender("filter_keystroke_ms", "ms", "filter_keystroke_max_ms", "filter_keystrokes")],
    targets=[Target(None, "<=", 50)],
    note="What the filter box's debounce runs (compile, select, regroup) and the repaint, median over the "
         "typical queries and the clears between them. <= 50 ms: a keystroke must not break the stall budget "
         "(the 20 ms of issue 6 is the query evaluation's, its own row).",
    group=SHOTS,
))

register(Figure(
    "filter_typing", "longest stall typing a query in the filter box", "ms",
    contenders=[window_contender("typing_stall_ms", "ms", "typed_query", "typing_max_cpu_stall_ms",
                                 "typing_stalls", "typing_stalls_over_50ms", "typing_filter_runs")],
    targets=[Target(None, "<=", 50)],
    note="Key by key (80 ms apart, 300 ms after a space) right after the load; the debounce applies the "
         "filter; the first application builds the filter's index.",
    group=SHOTS,
))

register(Figure(
    "query_eval", "Kitsu query evaluation on 10k shots (slowest query's median)", "ms",
    contenders=[window_contender("query_eval_ms", "ms", "query_eval_all_median_ms", "query_eval_max_ms",
                                 "query_evals", "index_build_ms")],
    targets=[Target(None, "<=", 20)],
    note="compile_query + select on the pane's engine, 7 times per query (index built once, not counted: "
         "extra.index_build_ms); the figure is the slowest of the 4 queries' medians (extra.query_evals).",
    group=SHOTS,
))

register(Figure(
    "download_1gib", "1 GiB attachment download", "MB/s", reference=CURL_O,
    contenders=[
        Contender("Slate (download manager)", slate_download, slate=True, shared="slate-download"),
        Contender(CURL_O, curl(ATTACHMENT, to_file=True, expect_bytes=_attachment_size)),
        Contender(GAZU_DL, gazu_download),
        Contender("httpx stream 1 MiB", httpx_stream_download),
    ],
    targets=[Target(GAZU_DL, ">=", 1.0)], group="download",
    note="Issue 8 also aims at >= 0.9x curl's throughput.",
))
register(Figure(
    "download_rss", "RSS growth during the 1 GiB download", "MB",
    contenders=[Contender("Slate (download manager)", slate_download, slate=True, shared="slate-download",
                          pick=_pick_rss_growth)],
    targets=[Target(None, "<=", 30)], group="download",
))

register(Figure(
    "csv_export", "CSV export of the shots", "s", reference=CURL,
    contenders=[
        Contender("Slate (desktop/api exports)", slate_csv_export, slate=True),
        Contender(CURL, curl("/export/csv/projects/{project_id}/shots.csv")),
    ],
))

register(Figure(
    "cold_start", "cold start to the sign-in window painted", "s", reference=BARE_QT,
    contenders=[
        Contender("slate --smoke-test", slate_smoke_test, slate=True),
        Contender(BARE_QT, bare_qapplication),
    ],
    targets=[Target(BARE_QT, "<=", 2)],
))


# ---------------------------------------------------------------------------------------------- live updates
# The real MainWindow listening to the bench Zou's event server, in a fresh process per run
# (benchmarks/live_probe.py): one run measures every live figure. `--idle-s` sets the idle run (default 60 s;
# the README's figure comes from a 600 s run).
LIVE = "Slate (live main window)"
LIVE_RUN = "slate-live-window"


def slate_live_probe(ctx: Context) -> Sample:
    from benchmarks.live_probe import run_probe

    server = ctx.state.get("server")
    _check(server is not None and bool(getattr(server, "events_port", 0)), "the bench server has no event stream")
    statuses = {s["short_name"]: s["id"] for s in ctx.http.get("/data/task-status").json()}
    home = ctx.workdir / f"live-{time.monotonic_ns()}"
    home.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.MemoryKeyring",
               **{var: str(home / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                           "XDG_STATE_HOME")})
    idle_s = float(ctx.state.get("idle_s", 60.0))
    cfg = {"url": ctx.url, "events_url": server.events_url, "email": ctx.email, "password": ctx.password,
           "project_id": ctx.project_id, "workdir": str(home), "idle_s": idle_s,
           "events": int(ctx.state.get("live_events", 30)), "burst": 1000,
           "writes": int(ctx.state.get("live_writes", 10)), "status_ids": [statuses["wip"], statuses["done"]],
           "publisher": {"python": str(server.zou_python), "env": server.zou_env(),
                         "cwd": str(server.root / "wsgi")}}
    t0 = time.perf_counter()
    try:
        result = run_probe(cfg, timeout=idle_s + 900, env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return Sample(time.perf_counter() - t0, extra=result)


def live_contender(key: str, unit: str, *details: str) -> Contender:
    def pick(sample: Sample) -> Sample:
        probe = sample.extra
        value = float(probe[key])
        extra = {k: probe[k] for k in (key, *details, "transport") if k in probe}
        return Sample(value / 1000 if unit == "ms" else value, extra=extra)

    return Contender(LIVE, slate_live_probe, slate=True, shared=LIVE_RUN, pick=pick)


register(Figure(
    "idle_requests", "HTTP requests per minute of an idle open window", "req/min",
    contenders=[live_contender("idle_requests_per_min", "req/min", "idle_requests", "idle_s", "idle_paths")],
    targets=[Target(None, "<=", 0)],
    note="Counted at a loopback proxy in front of Zou's API, the window live on the event server (a websocket: "
         "its pings are frames, not requests); --idle-s sets the run (README: 600 s).",
    group="live",
))

register(Figure(
    "event_latency", "event to repainted visible cell (median)", "ms",
    contenders=[live_contender("event_latency_ms", "ms", "event_latency_max_ms", "event_latencies_ms",
                               "write_latency_ms", "write_latencies_ms")],
    targets=[Target(None, "<=", 100)],
    note="From the moment Zou emits (a task:status-changed published on its queue as its API does) to the end of "
         "the table's first paint holding the new status, 30 events on rows on screen; extra.write_latency_ms: a "
         "second client's status comment, from its request (Zou's handling included) to the repaint.",
    group="live",
))

register(Figure(
    "event_stall", "UI stall per event", "ms",
    contenders=[live_contender("event_stall_ms", "ms", "event_stall_max_ms")],
    targets=[Target(None, "<=", 30)],
    note="Median of the longest 5 ms-heartbeat lateness from each event's emit to its repaint.",
    group="live",
))

register(Figure(
    "burst_stall", "UI stall of a burst of 1,000 events", "ms",
    contenders=[live_contender("burst_stall_ms", "ms", "burst_stalls", "burst_applied_s", "burst_model_updates")],
    targets=[Target(None, "<=", 50)],
    note="1,000 task:status-changed on 1,000 tasks published at once; the longest stall until the model holds "
         "all of them (extra.burst_model_updates: batches applied, one per frame).",
    group="live",
))


# ---------------------------------------------------------------------------------------------- a studio of seats
# N simulated seats (desktop/api only, one asyncio process: benchmarks/seats.py) against the bench Zou and its
# event server. One run per N measures every phase; `--seats` picks the N (default 50,200,500) and `--idle-s`
# the idle and naive minutes.
SEAT_COUNTS = (500, 200, 50)  # the largest first: the targets are checked on the first Slate contender


def _server_pids(server: Any) -> dict[str, int]:
    run_dir = server.root / "run"
    pids = {"zou_api": run_dir / "gunicorn-zou.pid", "event_server": run_dir / "gunicorn-events.pid",
            "redis": run_dir / "redis.pid", "postgres": server.pg_data / "postmaster.pid"}
    return {name: int(path.read_text().split()[0]) for name, path in pids.items() if path.exists()}


def slate_seats(n: int) -> Callable[[Context], Sample]:
    def run(ctx: Context) -> Sample:
        from benchmarks.seats import run_seats

        _check(n in ctx.state.get("seats", ()), f"N={n} not selected (--seats)")
        server = ctx.state.get("server")
        _check(server is not None and bool(getattr(server, "events_port", 0)), "the bench server has no event stream")
        page = ctx.http.get("/data/tasks", params={"project_id": ctx.project_id, "page": 1}).json()
        task = (page.get("data") if isinstance(page, dict) else page)[0]
        statuses = [s["id"] for s in ctx.http.get("/data/task-status").json() if s["short_name"] in ("wip", "done")]
        status = next(s for s in statuses if s != task["task_status_id"])
        d = ctx.dataset
        cfg = {"url": ctx.url, "events_url": server.events_url, "email": ctx.email, "password": ctx.password,
               "project_id": ctx.project_id, "seats": n, "idle_s": float(ctx.state.get("idle_s", 60.0)),
               "task_id": task["id"], "status_id": status, "expect_rows": d.n_shots + d.n_assets,
               "server_pids": _server_pids(server)}
        env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.MemoryKeyring")
        t0 = time.perf_counter()
        result = run_seats(cfg, timeout=3 * float(cfg["idle_s"]) + 1200, env=env)
        return Sample(time.perf_counter() - t0, extra=result)

    return run


def _seats_phase(path: str, pick: Callable[[dict[str, Any]], float], unit: str) -> list[Contender]:
    def choose(sample: Sample) -> Sample:
        res = sample.extra
        value = pick(res[path])
        extra = {"seats": res["seats"], "idle_s": res["idle_s"], path: res[path], "connect": res["connect"]}
        return Sample(value / 1000 if unit == "ms" else value, extra=extra)

    return [Contender(f"Slate, {n} seats", slate_seats(n), slate=True, shared=f"seats-{n}", pick=choose)
            for n in SEAT_COUNTS]


def _seats_idle(key: str, unit: str) -> list[Contender]:
    def choose(path: str) -> Callable[[Sample], Sample]:
        def pick(sample: Sample) -> Sample:
            res = sample.extra
            value = float(res[path][key])
            return Sample(value / 1000 if unit == "ms" else value,
                          extra={"seats": res["seats"], "idle_s": res["idle_s"], path: res[path]})
        return pick

    live = [Contender(f"Slate live, {n} seats", slate_seats(n), slate=True, shared=f"seats-{n}", pick=choose("idle"))
            for n in SEAT_COUNTS]
    naive = [Contender(f"naive F5 every minute, {n} seats", slate_seats(n), shared=f"seats-{n}", pick=choose("naive"))
             for n in SEAT_COUNTS]
    return live + naive


register(Figure(
    "seats_open", "a studio of seats: server CPU per seat for a project open", "ms",
    contenders=_seats_phase("open", lambda p: float(p["server_cpu_ms_per_seat"]), "ms"),
    note="Every seat reads what the window reads to open the project (context, my tasks, shots and assets with "
         "tasks), all at once; extra: requests and bytes per seat, wall time, server cores busy.",
    group="seats",
))

register(Figure(
    "seats_idle_requests", "a studio of seats: requests per seat in an idle minute", "req",
    contenders=_seats_idle("requests_per_seat_minute", "req"), targets=[Target(None, "<=", 0)],
    note="Live: every seat open and listening; naive: the same seats re-fetching the project on F5 once a minute.",
    group="seats",
))

register(Figure(
    "seats_idle_cpu", "a studio of seats: server CPU per seat in an idle minute", "ms",
    contenders=_seats_idle("server_cpu_ms_per_seat_minute", "ms"),
    note="Zou's API workers + its event server + PostgreSQL + Redis (utime + stime from /proc).",
    group="seats",
))

register(Figure(
    "seats_fanout", "a studio of seats: server CPU per seat for one status change fanned out", "ms",
    contenders=_seats_phase("fanout", lambda p: float(p["server_cpu_ms_per_seat"]), "ms"),
    note="Another client posts one status comment; every seat receives its events and reads what the window "
         "would (nothing for a status change); extra: requests per seat, last seat's arrival.",
    group="seats",
))


# Figures that need the bench server itself (its event server, its queue, its processes): `ctx.state["server"]`.
LIVE_FIGURES = [k for k, f in REGISTRY.items()
                if any(c.shared == LIVE_RUN or (c.shared or "").startswith("seats-") for c in f.contenders)]


from benchmarks import upload as _upload  # noqa: E402,F401  (registers the upload figure)
