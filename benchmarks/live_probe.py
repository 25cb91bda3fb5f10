"""The live-update figures, measured in a fresh process on the real `MainWindow`, offscreen, listening to the
real event server of the bench Zou.

    python -m benchmarks.live_probe < config.json     # the harness runs this (benchmarks/figures.py)

The window signs in through a loopback counting proxy (tests/faults/proxy.py, pass-through) in front of
Zou's API, opens the benchmark production (10,000 shots) as at start, and goes live on the event server.
Then, in order:

* **idle**: once the load has settled (3 s), the requests reaching the proxy during `idle_s` seconds of
  an idle open window, per minute (target 0: no polling). The event stream is a websocket to the event
  server: its pings are frames on that one connection, not HTTP requests.
* **event latency and stall**: `events` times, a task of a row on screen changes status by an event
  published on Zou's message queue exactly as Zou's API publishes it (`benchmarks/zou_side/
  publish_timed.py`, which says when: "the moment Zou emits"); the figure is the median from that moment
  to the end of the first paint of the table after the model holds the new status. The stall is the
  longest lateness of a 5 ms heartbeat from the emit to that paint.
* **burst**: 1,000 such events (1,000 tasks) published at once; the longest heartbeat stall from the emit
  until the model holds all 1,000 new statuses, and how many model updates (batches) it took.
* **a second client writes**: `writes` times, another session posts a status comment on a row on screen
  (httpx, from a worker thread): from its request to the repaint (an upper bound of the emit-to-paint
  time: it includes Zou handling the request before it emits).

The config comes as JSON on stdin; the result is one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.probe_process import run_probe_process, serve_probe
from benchmarks.window_probe import Heartbeat, _check, paint_watch, wait_for

SETTLE_S = 3.0
EVENT_PAUSE_S = 0.25
PUBLISHER = Path(__file__).with_name("zou_side") / "publish_timed.py"


class Publisher:
    """publish_timed.py in Zou's venv, kept running: one batch per line, answered with the emit time."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.proc = subprocess.Popen([cfg["python"], str(PUBLISHER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=cfg["env"], cwd=cfg.get("cwd"))
        ready = self._read()
        _check(bool(ready.get("ready")), f"publisher: {ready}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the event publisher exited ({self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def publish(self, batch: list[tuple[str, dict[str, Any]]]) -> float:
        """Publish; returns the wall-clock time of the first emit."""
        assert self.proc.stdin is not None

        def go() -> dict[str, Any]:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(batch) + "\n")
            self.proc.stdin.flush()
            return self._read()

        return float((await asyncio.to_thread(go))["t"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def probe(cfg: dict[str, Any]) -> dict[str, Any]:
    import httpx
    from PySide6.QtCore import QSettings

    from desktop.api import SignedIn, ZouClient, ZouSession, probe_server
    from desktop.api.events import StreamState
    from desktop.models.roles import Role
    from desktop.settings import Settings
    from desktop.ui.main_window import MainWindow
    from tests.faults.proxy import FaultProxy

    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {}
    proxy = FaultProxy(cfg["url"]).start()
    publisher = Publisher(cfg["publisher"])
    try:
        server = await probe_server(proxy.url)
        session = ZouSession(server.api_url)
        outcome = await session.sign_in(cfg["email"], cfg["password"])
        _check(isinstance(outcome, SignedIn), f"sign-in: {outcome!r}")
        assert isinstance(outcome, SignedIn)
        settings = Settings(QSettings(str(Path(cfg["workdir"]) / "slate-bench.ini"), QSettings.Format.IniFormat))
        settings.last_project_id = cfg["project_id"]
        settings.live_updates = False  # started below, on the bench server's event port
        waiters = {k: loop.create_future() for k in ("shot", "asset", "my_tasks")}
        failures: list[tuple[str, str]] = []

        def on_loaded(key: str) -> None:
            fut = waiters.get(key)
            if fut is not None and not fut.done():
                fut.set_result(time.perf_counter())

        def on_failed(key: str, message: str) -> None:
            failures.append((key, message))

        window = MainWindow(session, ZouClient(session), settings, outcome.user, server)
        window.loaded.connect(on_loaded)
        window.load_failed.connect(on_failed)
        window.resize(1600, 1000)
        window.show()
        for key, fut in waiters.items():
            await wait_for(fut, key)
        _check(not failures, f"load failures: {failures}")
        live = window.start_live_updates(cfg["events_url"])
        for _ in range(300):
            if live.stream.state is StreamState.LIVE:
                break
            await asyncio.sleep(0.05)
        _check(live.stream.state is StreamState.LIVE, f"the stream is {live.stream.state}")
        out["transport"] = live.stream.transport

        # ------------------------------------------------------------ idle
        await asyncio.sleep(SETTLE_S)
        before, seen_before = proxy.count(), proxy.seen()
        idle_s = float(cfg["idle_s"])
        await asyncio.sleep(idle_s)
        idle = proxy.count() - before
        out["idle_s"] = idle_s
        out["idle_requests"] = idle
        out["idle_requests_per_min"] = idle * 60.0 / idle_s
        out["idle_paths"] = dict(proxy.seen() - seen_before)
        _check(live.stream.state is StreamState.LIVE, f"the stream went {live.stream.state} while idle")

        # ------------------------------------------------------------ what is on screen
        pane = window.shots_pane
        table = pane.source.table
        assert table is not None
        view = pane.table
        viewport = view.viewport()
        visible: list[str] = []
        y = 1
        while y < viewport.height() and len(visible) < 20:
            row = view.rowAt(y)
            if row < 0:
                break
            entity_id = pane.model.index(row, 0).data(Role.EntityId)
            if entity_id and entity_id not in visible:
                visible.append(str(entity_id))
            y += max(view.rowHeight(row), 1)
        _check(len(visible) >= 5, f"{len(visible)} shot rows on screen")
        tid_pos, st_pos = table.task_col("id"), table.task_col("task_status_id")
        tasks_pos = table.col("tasks")
        source = pane.source

        def tasks_of(entity_id: str) -> list[Any]:
            row = source.row_of_id(entity_id)
            assert row is not None
            return list(table.rows[row][tasks_pos] or [])

        tt_pos = table.task_col("task_type_id")
        shown_types = set()
        for col, spec in enumerate(source.specs):
            x = view.columnViewportPosition(col)
            if spec.task_type_id and not view.isColumnHidden(col) and 0 <= x < viewport.width() - 20:
                shown_types.add(spec.task_type_id)
        on_screen = [(e, t) for e in visible for t in tasks_of(e) if t[tt_pos] in shown_types]
        out["cells_on_screen"] = len(on_screen)
        _check(len(on_screen) >= 10, f"{len(on_screen)} tasks on screen")
        statuses = [s for s in cfg["status_ids"]]
        _check(len(statuses) >= 2, "two statuses to flip between")

        def status_now(task_id: str) -> str | None:
            for t in (t for row in table.rows for t in (row[tasks_pos] or ()) if t[tid_pos] == task_id):
                return str(t[st_pos])
            return None

        heartbeat = Heartbeat()
        heartbeat.start()
        offset = time.time() - time.perf_counter()  # wall clock (the publisher's) -> perf_counter
        batches: list[float] = []
        live.applied.connect(lambda _c: batches.append(time.perf_counter()))
        paints = paint_watch(viewport)

        async def painted_after(t_applied: float) -> float:
            for _ in range(400):
                later = [t for t in paints.times if t >= t_applied]
                if later:
                    return later[0]
                await asyncio.sleep(0.005)
            raise AssertionError(f"the table was not repainted after the event ({paints.count} paints, the last "
                                 f"{t_applied - paints.times[-1] if paints.times else 0:.3f} s before)")

        async def until_status(task_id: str, status: str, what: str) -> float:
            for _ in range(2000):
                if status_now(task_id) == status:
                    return time.perf_counter()
                await asyncio.sleep(0.002)
            raise AssertionError(f"{what}: task {task_id} never showed status {status}")

        def event(task: Any, status: str) -> tuple[str, dict[str, Any]]:
            return ("task:status-changed", {"task_id": task[tid_pos], "new_task_status_id": status,
                                            "previous_task_status_id": str(task[st_pos]), "person_id": None,
                                            "project_id": cfg["project_id"]})

        # ------------------------------------------------------------ one event at a time
        latencies, stalls = [], []
        for i in range(int(cfg["events"])):
            entity_id, task = on_screen[i % len(on_screen)]
            task = next(t for t in tasks_of(entity_id) if t[tid_pos] == task[tid_pos])
            status = next(s for s in statuses if s != str(task[st_pos]))
            n_batches = len(batches)
            t_emit = await publisher.publish([event(task, status)]) - offset
            await until_status(str(task[tid_pos]), status, "event")
            for _ in range(400):
                if len(batches) > n_batches:
                    break
                await asyncio.sleep(0.002)
            t_paint = await painted_after(batches[n_batches])
            await asyncio.sleep(0.02)
            latencies.append((t_paint - t_emit) * 1000)
            stalls.append(heartbeat.max_stall_ms(t_emit, t_paint + 0.02))
            await asyncio.sleep(EVENT_PAUSE_S)
        out["event_latency_ms"] = statistics.median(latencies)
        out["event_latency_max_ms"] = max(latencies)
        out["event_latencies_ms"] = [round(v, 1) for v in latencies]
        out["event_stall_ms"] = statistics.median(stalls)
        out["event_stall_max_ms"] = max(stalls)

        # ------------------------------------------------------------ a burst of 1,000
        all_tasks = [t for row in table.rows for t in (row[tasks_pos] or ())][:int(cfg["burst"])]
        n_burst = len(all_tasks)  # the tiny smoke dataset has fewer tasks than a burst
        wanted = {str(t[tid_pos]): next(s for s in statuses if s != str(t[st_pos])) for t in all_tasks}
        n_batches = len(batches)
        t_emit = await publisher.publish([event(t, wanted[str(t[tid_pos])]) for t in all_tasks]) - offset
        for _ in range(3000):
            held = {str(t[tid_pos]): str(t[st_pos]) for row in table.rows for t in (row[tasks_pos] or ())
                    if str(t[tid_pos]) in wanted}
            if held == wanted:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the burst was not applied in full")
        t_done = time.perf_counter()
        await asyncio.sleep(0.1)
        out["burst_events"] = n_burst
        out["burst_stall_ms"] = heartbeat.max_stall_ms(t_emit, t_done + 0.1)
        out["burst_stalls"] = [{k: v for k, v in s.items() if not k.startswith("t_")}
                               for s in heartbeat.stalls(t_emit, t_done + 0.1)]
        out["burst_applied_s"] = t_done - t_emit
        out["burst_model_updates"] = len(batches) - n_batches

        # ------------------------------------------------------------ a second client writes
        def second_client() -> httpx.Client:
            client = httpx.Client(base_url=cfg["url"], timeout=30)
            r = client.post("/auth/login", json={"email": cfg["email"], "password": cfg["password"]})
            r.raise_for_status()
            client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            return client

        writer = await asyncio.to_thread(second_client)  # its own thread: the UI loop never waits on it
        write_latencies = []
        try:
            for i in range(int(cfg["writes"])):
                entity_id, task = on_screen[(i * 3 + 1) % len(on_screen)]
                task = next(t for t in tasks_of(entity_id) if t[tid_pos] == task[tid_pos])
                status = next(s for s in statuses if s != str(task[st_pos]))
                n_batches = len(batches)
                t_send = time.perf_counter()
                answer = await asyncio.to_thread(writer.post, f"/actions/tasks/{task[tid_pos]}/comment",
                                                 json={"task_status_id": status, "comment": f"bench {i}"})
                _check(answer.status_code < 300, f"comment: {answer.status_code}")
                await until_status(str(task[tid_pos]), status, "write")
                for _ in range(400):
                    if len(batches) > n_batches:
                        break
                    await asyncio.sleep(0.002)
                t_paint = await painted_after(batches[n_batches])
                write_latencies.append((t_paint - t_send) * 1000)
                await asyncio.sleep(EVENT_PAUSE_S)
        finally:
            await asyncio.to_thread(writer.close)
        out["write_latency_ms"] = statistics.median(write_latencies)
        out["write_latencies_ms"] = [round(v, 1) for v in write_latencies]
        heartbeat.stop()
        out["live_state"] = str(live.stream.state)
        await window.shutdown()
        await session.aclose()
    finally:
        publisher.close()
        proxy.stop()
    return out


def main() -> int:
    return serve_probe(probe)


def run_probe(cfg: dict[str, Any], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the probe in a fresh process; returns its JSON (raises with its error if it failed)."""
    return run_probe_process("benchmarks.live_probe", cfg, timeout=timeout, env=env)


if __name__ == "__main__":
    sys.exit(main())
