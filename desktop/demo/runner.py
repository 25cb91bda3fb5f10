"""The demo: a real local Zou in the user's data folder, seeded once, reused on later runs.

First run: install what is missing, start PostgreSQL + Redis + Zou, seed the sample production (about
a minute). Later runs restart the same cluster in seconds. With `keep_running`, the server outlives the
app and the next run adopts it instead of starting another one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
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
    url: str
    info: DemoInfo
    server: LocalZou | None  # None when an already running demo server was adopted

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
            return DemoServer(url=live["url"], info=DemoInfo.load(info_path), server=None)
        live_path.unlink(missing_ok=True)
    progress("starting the local demo Zou (PostgreSQL, Redis, Zou)")
    # The demo server hashes passwords at a low bcrypt cost (see zou_side/slate_zou_app.py): its accounts
    # are throwaway, printed in the terminal, and only reachable on loopback.
    server = LocalZou(root=root, persistent=True, fast_hash=True, workers=2, log=False).start()
    try:
        if info_path.exists():
            info = DemoInfo.load(info_path)
        else:
            server.reset()  # a half-seeded database from an interrupted first run starts over
            progress("seeding the sample production (once, about a minute)")
            info = seed_demo(server.url, server.admin_email, server.admin_password, progress=progress)
            info.save(info_path)
    except BaseException:
        server.stop()
        raise
    live_path.write_text(json.dumps({"url": server.url, "pids": _pids(server), "pg_data": str(server.pg_data)}))
    return DemoServer(url=server.url, info=info, server=server)


def _pids(server: LocalZou) -> list[int]:
    pids: list[int] = []
    for pidfile in server._pidfiles:
        try:
            pids.append(int(pidfile.read_text().strip()))
        except (OSError, ValueError):
            pass
    return pids


def stop_detached() -> bool:
    """Stop a demo server left running by `--keep-server` (used by `slate --stop-demo`)."""
    live_path = demo_root() / "live.json"
    if not live_path.exists():
        return False
    live = json.loads(live_path.read_text())
    for pid in live.get("pids", []):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
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
