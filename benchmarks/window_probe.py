"""The main-window figures, measured in a fresh process on the real `MainWindow`, offscreen.

    python -m benchmarks.window_probe < config.json     # the harness runs this (benchmarks/figures.py)
    python -m benchmarks.window_probe --profile [--tiny] [--runs N] [--json out.json]
                                                        # what ran during the longest stalls

A fresh interpreter (imports and RSS are clean) creates the application and its qasync loop the way
`desktop.app` does, signs in with `desktop.api`, builds `desktop.ui.main_window.MainWindow` with
throwaway settings whose last project is the benchmark production, shows it (1600x1000) and lets it
open that project as it does at start. Then, in order:

* **open**: t0 = the window's `loaded("context")`, emitted just before it asks for the last project
  (the RSS is read there too); first rows = the end of the first paint of the shots table after its
  model has rows; full load = `loaded("shot")`.
* **load stall**: a 5 ms `QTimer` heartbeat runs all along; a stall is a heartbeat's lateness (the
  gap between two ticks minus 5 ms). The load stall is the longest between t0 and the full load.
* **RSS**: /proc/self/statm after shots, assets and my tasks are loaded, minus the RSS at t0.
* **sort**: a header click on a task-status column (`setSortIndicator`, which makes the view sort the
  model) and the repaint of the table's viewport; the first click on a column computes its keys.
* **scroll**: the vertical scroll bar stepped a page at a time from top to bottom (a step every 16 ms,
  the event loop painting in between); the longest stall while it runs.
* **typing**: a query typed into the filter box one key at a time (`QTest.keyClicks`, 80 ms between
  keys, 300 ms after a space); the filter applies itself when its debounce fires; the longest stall
  from the first key to the last result painted.
* **filter keystroke**: the filter box set to each query, then `apply_filter()` (what the debounce runs)
  and the repaint; cleared the same way between queries.
* **query evaluation**: the pane's filter engine (`desktop.models.filtering.KitsuFilter`, the default
  row filter) on the loaded table: its index built once, then each query compiled and evaluated
  (`compile_query` + `select`) `QUERY_REPEATS` times; the figure is the slowest query's median.

Every phase checks what it measured (10,000 shots with their 80,000 tasks and a column per task type, a
sort that really ordered the rows, a scroll that reached the bottom and painted, a filter that shows
the evaluated rows, queries whose names all resolved, one query cross-checked by a plain loop) and
fails loudly otherwise. With `"sample_stalls": true` a thread samples the UI thread's Python stack every
millisecond and the output names the functions that ran during the longest stalls (costs some speed:
not for the figures). The config comes as JSON on stdin; the result is one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import itertools
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import httpx

from benchmarks.probe_process import run_probe_process, serve_probe

HEARTBEAT_MS = 5
WINDOW_SIZE = (1600, 1000)
SCROLL_STEP_S = 0.016
KEY_PAUSE_S = 0.08
WORD_PAUSE_S = 0.3
QUERY_REPEATS = 7
LOAD_TIMEOUT_S = 600.0
# Typical queries, with the seeded production's names (benchmarks/zou_side/seed_big.py; the tiny dataset
# has the first 3 shot task types, Storyboard, Layout and Animation, and the same statuses and metadata).
QUERIES = (
    "animation=wip layout=-done sq00",  # issue 6's example shape: statuses per task type + a keyword
    "+(animation=retake layout=wfa storyboard=done)",  # a union
    "Complexity=hard [Camera rig]=-static",  # metadata descriptors (a list; a string, negated)
    "layout=[wip,wfa] animation=-todo -sq002",  # several statuses, a negation, a name exclusion
)
TYPED_QUERY = QUERIES[0]
SORT_TASK_TYPE = "Animation"


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssPeak:
    """How much this process's RSS grew while the `with` block ran: sampled every 5 ms by a thread, the
    peak during the block minus the RSS just before it (what a streamed upload or download must keep small)."""

    def __enter__(self) -> RssPeak:
        self.before = self.peak = rss_bytes()
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._sampler.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 1e6


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


# ---------------------------------------------------------------------------------------------- stalls
class Heartbeat:
    """A 5 ms precise QTimer; every tick's time is kept, stalls are read from the gaps between ticks.

    Each tick also reads the UI thread's CPU clock, so a stall says how much of it the UI thread spent
    working: the rest is time it waited (for the CPU on a busy machine, or for the GIL)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.cpu: list[float] = []
        self.gc_pauses: list[tuple[float, float, int]] = []  # (start, end, generation) of each collection
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_pauses.append((self._gc_start, time.perf_counter(), info["generation"]))

    def gc_ms(self, start: float, end: float) -> float:
        """Time the cyclic GC ran within [start, end]."""
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in self.gc_pauses) * 1000

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self.cpu.append(time.thread_time())

    def start(self) -> None:
        self._tick()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def gaps(self, start: float, end: float) -> list[tuple[float, float, float]]:
        """(from, to, UI-thread CPU s) of the gaps between ticks, clipped to [start, end]: a stall that
        began before the phase counts from the phase's start only."""
        t, c = self.ticks, self.cpu
        out = []
        for i in range(max(1, bisect.bisect_right(t, start)), len(t)):
            a, b = t[i - 1], t[i]
            if a >= end:
                break
            out.append((max(a, start), min(b, end), c[i] - c[i - 1]))
        return out

    def stalls(self, start: float, end: float, top: int = 5) -> list[dict[str, float]]:
        """The longest lateness windows in [start, end], longest first: `ms` the lateness, `cpu_ms` the UI
        thread's CPU time over the whole gap (the lateness plus the 5 ms interval), `gc_ms` the cyclic GC's
        time in it, offsets from start."""
        gaps = sorted(self.gaps(start, end), key=lambda g: g[0] - g[1])[:top]
        return [{"ms": round(max(0.0, (b - a) * 1000 - HEARTBEAT_MS), 2), "cpu_ms": round(cpu * 1000, 2),
                 "gc_ms": round(self.gc_ms(a, b), 2), "from_ms": round((a - start) * 1000, 1),
                 "to_ms": round((b - start) * 1000, 1), "t_start": a, "t_end": b} for a, b, cpu in gaps]

    def max_stall_ms(self, start: float, end: float) -> float:
        gaps = self.gaps(start, end)
        _check(len(gaps) > 1, "the heartbeat never ticked during the phase")
        return max(0.0, max((b - a) * 1000 - HEARTBEAT_MS for a, b, _ in gaps))

    def count_over(self, start: float, end: float, ms: float) -> int:
        return sum(1 for a, b, _ in self.gaps(start, end) if (b - a) * 1000 - HEARTBEAT_MS > ms)

    def max_cpu_stall_ms(self, start: float, end: float) -> float:
        """The most UI-thread CPU time spent between two ticks: the stall minus what other processes
        took (a noise-robust companion of `max_stall_ms`)."""
        return max(0.0, max(cpu * 1000 - HEARTBEAT_MS for _, _, cpu in self.gaps(start, end)))


class StackSampler(threading.Thread):
    """Samples the UI thread's Python stack every `interval` s (for naming what runs in a stall).

    A sample is taken when this thread gets the GIL: a long C call on the UI thread (a big sort, a
    parse) shows as a gap then a sample right after it, and the gap's time is given to that sample.
    A stack whose innermost frame is the loop's entry point means "in Qt (C++), no Python running".
    """

    def __init__(self, interval: float = 0.001) -> None:
        super().__init__(daemon=True, name="stall-sampler")
        self.interval = interval
        self.main_id = threading.main_thread().ident
        self.samples: list[tuple[float, float, tuple[tuple[CodeType, int], ...]]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        frames = sys._current_frames
        assert self.main_id is not None
        clock = time.pthread_getcpuclockid(self.main_id)
        while not self._halt.is_set():
            frame: FrameType | None = frames().get(self.main_id)  # type: ignore[arg-type]
            stack = []
            while frame is not None and len(stack) < 80:
                stack.append((frame.f_code, frame.f_lineno))
                frame = frame.f_back
            self.samples.append((time.perf_counter(), time.clock_gettime(clock), tuple(stack)))
            time.sleep(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(2)

    def profile(self, start: float, end: float, top: int = 15) -> dict[str, Any]:
        """Where the UI thread's CPU time went in [start, end]: innermost functions, functions anywhere on
        the stack (cumulative), and the commonest stacks (innermost 6 frames). Each sample weighs the UI
        thread's CPU time since the previous one, so time it waited (idle, or for a busy CPU) weighs
        nothing."""
        leaf: Counter[str] = Counter()
        cumulative: Counter[str] = Counter()
        stacks: Counter[str] = Counter()
        n = 0
        prev_cpu: float | None = None
        for t, cpu, stack in self.samples:
            if t < start:
                prev_cpu = cpu
                continue
            if t > end + self.interval * 5:
                break
            weight = (cpu - prev_cpu) * 1000 if prev_cpu is not None else 0.0
            prev_cpu = cpu
            if weight <= 0 or not stack:
                continue
            n += 1
            names = [_frame_name(code, line) for code, line in stack]
            funcs = [n.rsplit(":", 1)[0] for n in names]
            if funcs[0].endswith(("_QEventLoop.run_forever", "QEventLoop.exec")):
                names[0] = funcs[0] = IN_QT  # the loop's entry point is innermost: Qt's own C++ code
            leaf[names[0]] += weight
            for f in dict.fromkeys(funcs):
                cumulative[f] += weight
            stacks[" <- ".join(funcs[:6])] += weight
        rnd = lambda c: [[k, round(v, 1)] for k, v in c.most_common(top)]  # noqa: E731
        ui_cpu = round(sum(leaf.values()), 1)
        return {"samples": n, "ms": round((end - start) * 1000, 1), "ui_cpu_ms": ui_cpu, "innermost": rnd(leaf),
                "cumulative": rnd(cumulative), "stacks": rnd(Counter(dict(stacks.most_common(8))))}


_ROOT = str(Path(__file__).resolve().parents[1]) + os.sep
IN_QT = "[Qt C++: no Python frame running]"
# Frames every stack shares (the loop, asyncio, this probe): left out of the printed report.
_PLUMBING = ("qasync/", "runners.py:", "events.py:", "benchmarks/window_probe.py:main", "<frozen runpy>")


def _frame_name(code: CodeType, line: int) -> str:
    path = code.co_filename
    if "site-packages" + os.sep in path:
        path = path.split("site-packages" + os.sep, 1)[1]
    elif path.startswith(_ROOT):
        path = path[len(_ROOT):]
    else:
        path = os.path.basename(path)
    return f"{path}:{getattr(code, 'co_qualname', code.co_name)}:{line}"


# ---------------------------------------------------------------------------------------------- paints
def paint_watch(widget: Any, on_paint: Callable[[], None] | None = None) -> Any:
    """An event filter counting the paint events of `widget` (the table's viewport)."""
    from PySide6.QtCore import QEvent, QObject

    class PaintWatch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.times: list[float] = []

        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                self.count += 1
                self.times.append(time.perf_counter())
                if on_paint is not None:
                    on_paint()
            return False

    watch = PaintWatch()
    widget.installEventFilter(watch)
    return watch


# ---------------------------------------------------------------------------------------------- the run
async def wait_for(fut: asyncio.Future[Any], what: str, timeout: float = LOAD_TIMEOUT_S) -> Any:
    try:
        return await asyncio.wait_for(asyncio.shield(fut), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}") from None


class CountingTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, counting the body bytes of every answer as they arrive (compressed, if so)."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        inner = response.stream
        counter = self

        class Counted(httpx.AsyncByteStream):
            async def __aiter__(self) -> Any:
                assert isinstance(inner, httpx.AsyncByteStream)
                async for chunk in inner:
                    counter.bytes += len(chunk)
                    yield chunk

            async def aclose(self) -> None:
                assert isinstance(inner, httpx.AsyncByteStream)
                await inner.aclose()

        response.stream = Counted()
        return response


async def probe(cfg: dict[str, Any]) -> dict[str, Any]:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.api import SignedIn, ZouClient, ZouSession, make_http_client, probe_server
    from desktop.api import errors as E
    from desktop.filtering import compile_query
    from desktop.models.columns import ColumnKind
    from desktop.models.filtering import FilterScope, KitsuFilter
    from desktop.settings import Settings
    from desktop.ui.main_window import MainWindow

    app = QApplication.instance()
    assert app is not None
    loop = asyncio.get_running_loop()
    expect = cfg["expect"]
    out: dict[str, Any] = {"queries": list(QUERIES), "typed_query": TYPED_QUERY}

    server = await probe_server(cfg["url"])
    counter = CountingTransport()  # the bytes of every answer's body, as received (benchmarks/reopen.py)
    session = ZouSession(server.api_url, client=make_http_client(transport=counter))
    outcome = await session.sign_in(cfg["email"], cfg["password"])
    _check(isinstance(outcome, SignedIn), f"sign-in: {outcome!r}")
    assert isinstance(outcome, SignedIn)
    settings = Settings(QSettings(str(Path(cfg["workdir"]) / "slate-bench.ini"), QSettings.Format.IniFormat))
    settings.last_project_id = cfg["project_id"]

    heartbeat = Heartbeat()
    sampler = StackSampler() if cfg.get("sample_stalls") else None
    if sampler is not None:
        sys.setswitchinterval(0.0005)  # lets the sampler in often enough to see millisecond stalls
        sampler.start()
    heartbeat.start()

    marks: dict[str, float] = {}
    failures: list[tuple[str, str]] = []
    waiters: dict[str, asyncio.Future[float]] = {k: loop.create_future() for k in
                                                 ("context", "shot", "asset", "my_tasks")}

    window = MainWindow(session, ZouClient(session), settings, outcome.user, server)
    if cfg.get("offline"):
        # As the controller's offline start does (server unreachable at start): reads come from the disk
        # cache only, the network is not tried for them (benchmarks/reopen.py).
        window.offline.go_offline(E.NetworkError("benchmark: offline start"))
    counter.bytes = 0  # the window's own traffic from here on (the sign-in is not the window's)
    pane = window.shots_pane
    viewport = pane.table.viewport()

    def on_loaded(key: str) -> None:
        now = time.perf_counter()
        if key == "context" and "t0" not in marks:
            # Emitted right before the window asks for the last project (MainWindow._load_context).
            marks["t0"] = now
            marks["rss0"] = rss_bytes()
        fut = waiters.get(key)
        if fut is not None and not fut.done():
            fut.set_result(now)

    def on_failed(key: str, message: str) -> None:
        failures.append((key, message))
        for fut in waiters.values():
            if not fut.done():
                fut.set_exception(AssertionError(f"the window failed to load {key}: {message}"))

    def first_paint_done() -> None:
        marks.setdefault("rows_painted", time.perf_counter())

    def on_rows(*args: Any) -> None:
        del args
        if "rows_model" not in marks and pane.model.rowCount() > 0:
            marks["rows_model"] = time.perf_counter()

    def on_paint() -> None:
        # The first paint of the table once its model has rows; it ends before the next loop turn.
        if "rows_model" in marks and "rows_paint" not in marks:
            marks["rows_paint"] = time.perf_counter()
            QTimer.singleShot(0, first_paint_done)

    paints = paint_watch(viewport, on_paint)
    window.loaded.connect(on_loaded)
    window.load_failed.connect(on_failed)
    pane.model.rowsInserted.connect(on_rows)
    pane.model.modelReset.connect(on_rows)
    window.resize(*WINDOW_SIZE)
    window.show()

    # ---------------------------------------------------------------- open, first rows, load stall
    await wait_for(waiters["context"], "the user context")
    t_full = await wait_for(waiters["shot"], "the shots")
    await wait_for(waiters["asset"], "the assets")
    await wait_for(waiters["my_tasks"], "my tasks")
    for _ in range(200):
        if "rows_painted" in marks:
            break
        await asyncio.sleep(0.01)
    _check(not failures, f"load failures: {failures}")
    _check("rows_painted" in marks, "the shots table was never painted with rows")
    t0 = marks["t0"]
    load_stalls = heartbeat.stalls(t0, t_full)
    out["open_s"] = t_full - t0
    out["first_rows_s"] = marks["rows_painted"] - t0
    out["first_rows_model_s"] = marks["rows_model"] - t0
    out["load_stall_ms"] = heartbeat.max_stall_ms(t0, t_full)
    out["load_max_cpu_stall_ms"] = heartbeat.max_cpu_stall_ms(t0, t_full)
    out["load_stalls"] = [{k: v for k, v in s.items() if not k.startswith("t_")} for s in load_stalls]
    out["load_stalls_over_50ms"] = heartbeat.count_over(t0, t_full, 50)
    if sampler is not None:
        out["load_stall_profiles"] = [{"stall_ms": s["ms"], "from_ms": s["from_ms"],
                                       **sampler.profile(s["t_start"], s["t_end"])} for s in load_stalls[:3]]
        out["load_profile"] = sampler.profile(t0, t_full, top=40)

    # What the pane holds: every shot, every task, a column per task type.
    source = pane.source
    table = source.table
    _check(table is not None, "the shots pane has no table")
    assert table is not None
    task_cols = [i for i, s in enumerate(source.specs) if s.kind is ColumnKind.TASK]
    tasks_at = table.col("tasks")
    n_tasks = sum(len(r[tasks_at] or ()) for r in table.rows)
    out["rows"] = source.rowCount()
    out["view_rows"] = pane.model.rowCount()
    out["groups"] = len(pane.model.group_rows())
    out["task_columns"] = len(task_cols)
    out["tasks"] = n_tasks
    out["asset_rows"] = window.assets_pane.source.rowCount()
    _check(out["rows"] == expect["shots"] and len(table.rows) == expect["shots"],
           f"the shots pane has {out['rows']} rows, expected {expect['shots']}")
    _check(n_tasks == expect["shot_tasks"], f"the shots carry {n_tasks} tasks, expected {expect['shot_tasks']}")
    _check(out["task_columns"] == expect["shot_task_types"],
           f"{out['task_columns']} task-status columns, expected {expect['shot_task_types']}")
    _check(out["view_rows"] == expect["shots"] + out["groups"] and out["groups"] == expect["sequences"],
           f"the view shows {out['view_rows']} rows in {out['groups']} groups")
    _check(out["asset_rows"] == expect["assets"], f"the assets pane has {out['asset_rows']} rows")

    await asyncio.sleep(0.5)  # settle: what the load left queued runs before the memory is read
    out["rss_added_mb"] = (rss_bytes() - marks["rss0"]) / 1e6
    out["rss_mb"] = rss_bytes() / 1e6
    out["bytes_received"] = counter.bytes
    out["list_sources"] = {k: v.source for k, v in window.offline.cache.sources.items()}
    if cfg.get("open_only"):  # benchmarks/reopen.py: the open figures only; the cache written before exit
        await window.offline.cache.flush()
        out["bytes_received"] = counter.bytes
        window.close()
        return out

    # ---------------------------------------------------------------- sort by a task-status column
    header = pane.table.horizontalHeader()
    col = next((i for i in task_cols if source.specs[i].title == SORT_TASK_TYPE), task_cols[0])
    out["sort_column"] = source.specs[col].title

    def timed_sort(column: int, order: Qt.SortOrder) -> tuple[float, float]:
        before = paints.count
        t = time.perf_counter()
        header.setSortIndicator(column, order)  # a header click: the view sorts the model
        t_sorted = time.perf_counter()
        viewport.repaint()
        t_painted = time.perf_counter()
        _check(paints.count > before, "the sorted table was not repainted")
        return (t_sorted - t) * 1000, (t_painted - t) * 1000

    model_ms, sort_ms = timed_sort(col, Qt.SortOrder.AscendingOrder)
    _check(pane.model.sort_column == col, "the header click did not sort the model")
    keys = source.sort_keys(col)
    order = pane.model.entity_rows()
    _check(len(order) == expect["shots"], f"{len(order)} rows after the sort")
    items = [pane.model.source_row(r) for r in range(pane.model.rowCount())]
    runs = 0
    for a, b in itertools.pairwise(items):
        if a is not None and b is not None:  # consecutive rows of one group
            _check(keys[a] <= keys[b], "the rows are not in status order within their sequence")
            runs += 1
    _check(runs >= expect["shots"] - expect["sequences"], "too few rows compared for the sort order")
    out["sort_ms"] = sort_ms
    out["sort_model_ms"] = model_ms
    out["sort_desc_ms"] = timed_sort(col, Qt.SortOrder.DescendingOrder)[1]  # keys cached now
    out["unsort_ms"] = timed_sort(-1, Qt.SortOrder.AscendingOrder)[1]
    await asyncio.sleep(0.3)

    # ---------------------------------------------------------------- scroll top to bottom
    bar = pane.table.verticalScrollBar()
    bar.setValue(0)
    await asyncio.sleep(0.3)
    steps, before = 0, paints.count
    step_starts: list[float] = []
    t_scroll = time.perf_counter()
    while bar.value() < bar.maximum():
        step_starts.append(time.perf_counter())
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        steps += 1
        await asyncio.sleep(SCROLL_STEP_S)
    await asyncio.sleep(0.1)
    t_scrolled = time.perf_counter()
    # Each step's cost: the longest lateness between its start and the next step's (its repaint).
    step_ms = sorted(max((0.0, *((b - a) * 1000 - HEARTBEAT_MS for a, b, _ in heartbeat.gaps(s0, s1))))
                     for s0, s1 in itertools.pairwise([*step_starts, t_scrolled]))
    out["scroll_step_median_ms"] = statistics.median(step_ms)
    out["scroll_step_p90_ms"] = step_ms[int(len(step_ms) * 0.9)]
    scroll_paints = paints.count - before
    _check(steps > 0 and bar.value() == bar.maximum(), "the scroll did not reach the bottom")
    _check(scroll_paints >= steps * 0.9, f"{scroll_paints} paints for {steps} scroll steps")
    last_visible = pane.table.rowAt(viewport.height() - 2)
    _check(last_visible >= pane.model.rowCount() - 2, f"the bottom row shown is {last_visible}")
    out["scroll_stall_ms"] = heartbeat.max_stall_ms(t_scroll, t_scrolled)
    out["scroll_max_cpu_stall_ms"] = heartbeat.max_cpu_stall_ms(t_scroll, t_scrolled)
    out["scroll_gc_ms"] = heartbeat.gc_ms(t_scroll, t_scrolled)  # the cyclic GC's share of the whole scroll
    out["scroll_stalls_over_50ms"] = heartbeat.count_over(t_scroll, t_scrolled, 50)
    out["scroll_stalls"] = [{k: v for k, v in s.items() if not k.startswith("t_")}
                            for s in heartbeat.stalls(t_scroll, t_scrolled, top=3)]
    out["scroll_steps"] = steps
    out["scroll_paints"] = scroll_paints
    out["scroll_s"] = t_scrolled - t_scroll
    out["scroll_rows_per_page"] = bar.pageStep()
    if sampler is not None:
        s = heartbeat.stalls(t_scroll, t_scrolled, top=1)[0]
        out["scroll_stall_profile"] = {"stall_ms": s["ms"], **sampler.profile(s["t_start"], s["t_end"])}
    bar.setValue(0)
    await asyncio.sleep(0.3)

    # ---------------------------------------------------------------- query evaluation (the engine)
    scope = FilterScope("shot", window.project, window.lookups)
    engine = KitsuFilter(scope)
    t = time.perf_counter()
    index = engine.index(table)
    out["index_build_ms"] = (time.perf_counter() - t) * 1000
    evals: dict[str, dict[str, Any]] = {}
    all_ms: list[float] = []
    for query in QUERIES:
        times = []
        rows: Any = None
        for _ in range(QUERY_REPEATS):
            t = time.perf_counter()
            compiled = compile_query(query, engine.context)
            rows = compiled.select(index)
            times.append((time.perf_counter() - t) * 1000)
        diagnostics = [d.message for d in compiled.diagnostics]
        _check(not diagnostics, f"{query!r}: {diagnostics}")
        _check(not compiled.matches_everything, f"{query!r} matches everything")
        matched = sorted(set(rows))
        _check(0 < len(matched) < expect["shots"], f"{query!r} matched {len(matched)} of {expect['shots']}")
        through_pane = engine(table, query).rows
        _check(through_pane is not None and sorted(set(through_pane)) == matched, f"{query!r}: row filter differs")
        evals[query] = {"median_ms": statistics.median(times), "max_ms": max(times), "matches": len(matched)}
        all_ms.extend(times)
    # The figure is the slowest query's median (each typical query must meet the target), not the median
    # of all: a cheap query would hide an expensive one.
    out["query_eval_ms"] = max(e["median_ms"] for e in evals.values())
    out["query_eval_all_median_ms"] = statistics.median(all_ms)
    out["query_eval_max_ms"] = max(all_ms)  # a query's first run builds the task dicts it reads
    out["query_evals"] = evals
    expected_typed = _plain_count(table, window.lookups, TYPED_QUERY)
    _check(evals[TYPED_QUERY]["matches"] == expected_typed,
           f"{TYPED_QUERY!r}: the engine matched {evals[TYPED_QUERY]['matches']}, a plain loop {expected_typed}")
    del engine, index
    await asyncio.sleep(0.3)  # the heartbeat ticks again before the next phase starts

    # ---------------------------------------------------------------- typing in the filter box
    applied: list[tuple[float, int]] = []
    pane.model.counts_changed.connect(lambda matching, total: applied.append((time.perf_counter(), matching)))
    pane.focus_filter()
    before = paints.count
    t_typing = time.perf_counter()
    for ch in TYPED_QUERY:
        QTest.keyClicks(pane.filter, ch)
        await asyncio.sleep(WORD_PAUSE_S if ch == " " else KEY_PAUSE_S)
    for _ in range(300):  # the debounce fires, the rows change, the table repaints
        if pane.model.query == TYPED_QUERY and applied and paints.times[-1] > applied[-1][0]:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    t_typed = time.perf_counter()
    _check(pane.filter.text() == TYPED_QUERY, f"the filter box says {pane.filter.text()!r}")
    _check(pane.model.query == TYPED_QUERY, "the typed query was never applied")
    _check(pane.model.matching_count() == evals[TYPED_QUERY]["matches"],
           f"the pane shows {pane.model.matching_count()} shots, the engine matched {evals[TYPED_QUERY]['matches']}")
    _check(paints.count > before, "the filtered table was not repainted")
    out["typing_stall_ms"] = heartbeat.max_stall_ms(t_typing, t_typed)
    out["typing_max_cpu_stall_ms"] = heartbeat.max_cpu_stall_ms(t_typing, t_typed)
    out["typing_stalls_over_50ms"] = heartbeat.count_over(t_typing, t_typed, 50)
    out["typing_stalls"] = [{k: v for k, v in s.items() if not k.startswith("t_")}
                            for s in heartbeat.stalls(t_typing, t_typed, top=3)]
    out["typing_keys"] = len(TYPED_QUERY)
    out["typing_filter_runs"] = len(applied)
    out["typing_s"] = t_typed - t_typing
    if sampler is not None:
        s = heartbeat.stalls(t_typing, t_typed, top=1)[0]
        out["typing_stall_profile"] = {"stall_ms": s["ms"], **sampler.profile(s["t_start"], s["t_end"])}

    # ---------------------------------------------------------------- one filter application each
    applications: list[float] = []
    keystrokes: dict[str, float] = {}
    for text in [t for query in QUERIES for t in (query, "")]:
        pane.filter.setText(text)
        before = paints.count
        t = time.perf_counter()
        pane.apply_filter()  # what the debounce timer runs
        viewport.repaint()
        ms = (time.perf_counter() - t) * 1000
        _check(pane.model.query == text and paints.count > before, f"{text!r} was not applied and painted")
        shown = pane.model.matching_count()
        _check(shown == (evals[text]["matches"] if text else expect["shots"]), f"{text!r}: the pane shows {shown}")
        applications.append(ms)
        keystrokes[text or f"(cleared after {len(keystrokes)})"] = round(ms, 2)
        await asyncio.sleep(0.05)
    out["filter_keystroke_ms"] = statistics.median(applications)
    out["filter_keystroke_max_ms"] = max(applications)
    out["filter_keystrokes"] = keystrokes

    heartbeat.stop()
    if sampler is not None:
        sampler.stop()
    window.close()
    await session.aclose()
    out["heartbeat_ticks"] = len(heartbeat.ticks)
    return out


def _plain_count(table: Any, lookups: Any, query: str) -> int:
    """`animation=wip layout=-done sq00` by a plain loop over the table (the engine's cross-check)."""
    _check(query == "animation=wip layout=-done sq00", "the cross-check knows one query")
    types = {t.name.lower(): t.id for t in lookups.task_types.values() if t.for_entity == "Shot"}
    wip = {s.id for s in lookups.statuses.values() if s.short_name.lower() == "wip"}
    done = {s.id for s in lookups.statuses.values() if s.short_name.lower() == "done"}
    tasks_at = table.col("tasks")
    tt_at, st_at = table.task_col("task_type_id"), table.task_col("task_status_id")
    names = [table.col(f) for f in ("name", "sequence_name", "episode_name") if table.has(f)]
    n = 0
    for row in table.rows:
        status = {t[tt_at]: t[st_at] for t in row[tasks_at] or ()}
        words = [str(row[p]).lower() for p in names if row[p]]
        if (status.get(types["animation"]) in wip and status.get(types["layout"]) not in done
                and any("sq00" in w for w in words)):
            n += 1
    return n


def _print_profile(title: str, prof: dict[str, Any], top: int = 8) -> None:
    print(f"  {title}: {prof['ms']:.0f} ms wall, UI thread CPU {prof.get('ui_cpu_ms')} ms, {prof['samples']} samples")
    print("    innermost (ms of UI-thread CPU):")
    for name, ms in prof["innermost"][:top]:
        print(f"      {ms:7.1f} ms  {name}")
    print("    commonest stacks (innermost first):")
    for stack, ms in prof["stacks"][:4]:
        frames = [f for f in stack.split(" <- ") if not f.startswith(_PLUMBING)]
        print(f"      {ms:7.1f} ms  {' <- '.join(frames) or stack}")


def print_stall_report(result: dict[str, Any]) -> None:
    """The stall profiles of a `sample_stalls` run, readable."""
    print(f"open {result['open_s']:.2f} s, first rows {result['first_rows_s']:.2f} s, load stall "
          f"{result['load_stall_ms']:.1f} ms (UI CPU {result['load_stalls'][0]['cpu_ms']} ms), "
          f"{result['load_stalls_over_50ms']} stalls > 50 ms")
    for i, prof in enumerate(result.get("load_stall_profiles", []), 1):
        _print_profile(f"load stall #{i} ({prof['stall_ms']:.1f} ms at +{prof['from_ms']:.0f} ms)", prof)
    if "load_profile" in result:
        whole = result["load_profile"]
        print(f"  the whole load ({whole['ms']:.0f} ms, UI thread CPU {whole.get('ui_cpu_ms')} ms):")
        print("    innermost:")
        for name, ms in whole["innermost"][:12]:
            print(f"      {ms:7.1f} ms  {name}")
        print("    Slate's functions, cumulative:")
        for name, ms in whole["cumulative"]:
            if name.startswith("desktop/"):
                print(f"      {ms:7.1f} ms  {name}")
    for key, label in (("scroll_stall_profile", "scroll"), ("typing_stall_profile", "typing")):
        if key in result:
            _print_profile(f"longest {label} stall ({result[key]['stall_ms']:.1f} ms)", result[key])


def profile_main(argv: list[str]) -> int:
    """`--profile`: the probe with the stack sampler on the bench server's production; prints what ran
    during the longest stalls (and writes the whole result as JSON with `--json`)."""
    import argparse
    import tempfile

    from benchmarks.seed import FULL, TINY, ensure_production, start_bench_server

    ap = argparse.ArgumentParser(prog="python -m benchmarks.window_probe --profile")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--tiny", action="store_true", help="the small dataset")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="write the runs' results here")
    args = ap.parse_args(argv)
    dataset = TINY if args.tiny else FULL
    server = start_bench_server()
    results = []
    try:
        prod = ensure_production(server, dataset)
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="slate-window-probe-") as home:
                env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                           PYTHON_KEYRING_BACKEND="tests.helpers.keyrings.MemoryKeyring",
                           **{v: str(Path(home) / v.lower()) for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                                                       "XDG_DATA_HOME", "XDG_STATE_HOME")})
                cfg = {"url": server.url, "email": server.admin_email, "password": server.admin_password,
                       "project_id": prod.project_id, "workdir": home, "sample_stalls": True,
                       "expect": {"shots": dataset.n_shots, "shot_tasks": dataset.n_shot_tasks,
                                  "shot_task_types": dataset.n_shot_task_types, "sequences": dataset.n_sequences,
                                  "assets": dataset.n_assets}}
                result = run_probe(cfg, env=env)
            print(f"run {run + 1}/{args.runs}, load average {os.getloadavg()[0]:.1f}:")
            print_stall_report(result)
            results.append(result)
    finally:
        server.stop()
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


def main() -> int:
    if "--profile" in sys.argv[1:]:
        return profile_main(sys.argv[1:])
    return serve_probe(probe)


def run_probe(cfg: dict[str, Any], timeout: float = 900, python: str | None = None,
              env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the probe in a fresh process; returns its JSON (raises with its error if it failed)."""
    return run_probe_process("benchmarks.window_probe", cfg, timeout=timeout, python=python, env=env)


if __name__ == "__main__":
    sys.exit(main())
