"""The demo: a real local Zou in the user's data folder, seeded once, reused on later runs.

First run: install what is missing, start PostgreSQL + Redis + Zou (+ its event stream and the one-host
front door), seed the sample production (about a minute). Later runs restart the same cluster in seconds.
With `keep_running`, the server outlives the app and the next run adopts it instead of starting another one.

`live.json` records every process the demo server started (pid plus its start time, so a pid reused by
another program is never signalled), for `slate --stop-demo`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.demo.seed import DemoInfo, seed_demo
from desktop.localzou import LocalZou
from desktop.localzou.install import find_pg_bin

Progress = Callable[[str], None]


def demo_root() -> Path:
    override = os.environ.get("SLATE_DEMO_ROOT")
    return Path(override) if override else Path(platformdirs.user_data_dir("slate", "Slate")) / "demo-server"


@dataclass
class DemoServer:
    url: str  # the API (Zou's own port, no /api prefix)
    info: DemoInfo
    server: LocalZou | None  # None when an already running demo server was adopted
    events_url: str = ""  # Zou's event stream on its own port (socket.io at /socket.io)
    site_url: str = ""  # one host as nginx serves Kitsu: API under /api, event stream at /socket.io

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            (demo_root() / "live.json").unlink(missing_ok=True)

    def detach(self) -> None:
        """Leave the server running after the app exits; the next run adopts it."""
        if self.server is not None:
            self.server.persistent = True
            import atexit

            atexit.unregister(self.server.stop)
            self.server = None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as resp:
            return bool(json.loads(resp.read()).get("api") == "Zou")
    except (OSError, ValueError):
        return False


def start_demo(progress: Progress = print) -> DemoServer:
    root = demo_root()
    info_path, live_path = root / "demo.json", root / "live.json"
    if live_path.exists() and info_path.exists():
        live = json.loads(live_path.read_text())
        if _answers(live["url"]):
            progress(f"using the demo server already running at {live['url']}")
            return DemoServer(url=live["url"], info=DemoInfo.load(info_path), server=None,
                              events_url=str(live.get("events_url") or ""), site_url=str(live.get("site_url") or ""))
        live_path.unlink(missing_ok=True)
    progress("starting the local demo Zou (PostgreSQL, Redis, Zou)")
    # The demo server hashes passwords at a low bcrypt cost (see zou_side/slate_zou_app.py): its accounts
    # are throwaway, printed in the terminal, and only reachable on loopback.
    server = LocalZou(root=root, persistent=True, fast_hash=True, workers=2, log=False).start()
    try:
        if info_path.exists() and not server.fresh_init:
            info = DemoInfo.load(info_path)
        else:
            # No sample yet, or a new database (its cluster folder could not be reused): seed it.
            server.reset()  # a half-seeded database from an interrupted first run starts over
            progress("seeding the sample production (once, about a minute)")
            info = seed_demo(server.url, server.admin_email, server.admin_password, progress=progress)
            info.save(info_path)
    except BaseException:
        server.stop()
        raise
    live_path.write_text(json.dumps({
        "url": server.url, "events_url": server.events_url, "site_url": server.site_url,
        "processes": processes_of(server), "pg_data": str(server.pg_data),
    }))
    return DemoServer(url=server.url, info=info, server=server, events_url=server.events_url,
                      site_url=server.site_url)


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of a process (/proc/PID/stat field 22): with the pid, its identity.
    None when it is gone (or where /proc does not exist)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat_line.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def processes_of(server: LocalZou) -> list[dict[str, object]]:
    """Every process the server started (Redis, both gunicorn masters, the SMTP sink, the front door)."""
    out: list[dict[str, object]] = []
    for pidfile in server.pid_files():
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            continue
        out.append({"pid": pid, "started": process_start_time(pid), "name": pidfile.stem})
    return out


def _same_process(pid: int, started: object) -> bool:
    now = process_start_time(pid)
    if now is None:
        return not Path("/proc").is_dir() and _alive(pid)  # no /proc: trust the pid
    return started is None or now == started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pids: list[int], wait: float = 8.0) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def stop_detached() -> bool:
    """Stop a demo server left running by `--keep-server` (used by `slate --stop-demo`): every process
    it started, and its PostgreSQL cluster."""
    live_path = demo_root() / "live.json"
    if not live_path.exists():
        return False
    live = json.loads(live_path.read_text())
    targets: list[int] = []
    for entry in live.get("processes", []):
        if isinstance(entry, dict) and isinstance(entry.get("pid"), int):
            if _same_process(entry["pid"], entry.get("started")):
                targets.append(entry["pid"])
    targets.extend(p for p in live.get("pids", []) if isinstance(p, int))  # written by older versions
    _terminate(targets)
    pg_bin = find_pg_bin()
    if pg_bin is not None and live.get("pg_data"):
        cmd = [str(pg_bin / "pg_ctl"), "-D", live["pg_data"], "-m", "fast", "-w", "stop"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, capture_output=True)
    live_path.unlink(missing_ok=True)
    return True


def credentials_text(demo: DemoServer) -> str:
    lines = [f"Slate demo server: {demo.url}", "Demo accounts (local only):"]
    for a in demo.info.accounts:
        extra = f"  TOTP secret: {a.totp_secret}" if a.totp_secret else ""
        role = "artist" if a.role == "user" else a.role
        lines.append(f"  {role:<10} {a.name:<16} {a.email:<26} password: {a.password}{extra}")
    return "\n".join(lines)
