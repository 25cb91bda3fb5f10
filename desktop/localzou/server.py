"""Start and stop a real Zou on loopback: PostgreSQL + Redis + SMTP sink + Zou under gunicorn, plus Zou's
event stream (a second gunicorn, gevent-websocket worker) and a front door that serves both on one host.

One code path serves the tests (a session fixture), the benchmarks and the app's demo mode. Every
process started is tracked by PID and stopped in `stop()`, which is idempotent and also registered
with atexit so an interrupted run leaves nothing behind.

Two layouts, both served at once:

- separate ports, as a bare Zou runs: the API at `url` (no `/api` prefix), the stream at `events_url`
  (Socket.IO path `/socket.io`, namespace `/events`);
- one host, as a studio's nginx serves Kitsu: `site_url` answers `/api/...` with the API (prefix
  stripped) and `/socket.io/...` with the event stream (websocket upgrades included): `site_api_url`.

Run as root, PostgreSQL's cluster cannot live under /root (the `postgres` user cannot traverse it): it
goes in a folder created under /var/tmp with an unpredictable name (mkdtemp: 0700, O_EXCL), recorded in
the root-owned state file, and checked without following links before each reuse.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.localzou.install import ZOU_VERSION, MissingDependency, ensure_system_packages, ensure_zou_venv
from desktop.localzou.mail import MailSink

ZOU_SIDE = Path(__file__).with_name("zou_side")
DB_NAME = "zoudb"
TEMPLATE_DB = "zoudb_tpl"
DB_USER = "zou"
FRONT_DOOR = Path(__file__).with_name("frontdoor.py")
EVENT_WORKER = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
# Where the cluster goes when run as root (see the module docstring).
ROOT_PG_PARENT = Path("/var/tmp")


class ServerStartError(RuntimeError):
    """The local Zou could not start; the message says which part failed and why, on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class ServerState:
    """What must survive between runs of a persistent (demo) server: ports are chosen fresh each start."""

    secret_key: str
    db_password: str
    admin_email: str
    admin_password: str
    initialised: bool = False
    # Run as root: the private folder made for the cluster under /var/tmp (unpredictable name).
    pg_base: str | None = None

    @classmethod
    def load_or_create(cls, path: Path) -> ServerState:
        if path.exists():
            data = json.loads(path.read_text())
            return cls(**data)
        state = cls(
            secret_key=secrets.token_hex(32),
            db_password=secrets.token_urlsafe(18),
            admin_email="admin@example.com",
            admin_password=secrets.token_urlsafe(12),
        )
        state.save(path)
        return state

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        write_private(tmp, json.dumps(self.__dict__, indent=1))
        tmp.replace(path)


def write_private(path: Path, text: str, *, owner: str | None = None) -> None:
    """Create `path` as a new file readable by its owner only, then write it: the mode is set at creation
    (never a window where the secret is readable), an existing file or a symlink there is refused
    (O_EXCL | O_NOFOLLOW), and `owner` (a user name) gets it before anything is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if owner is not None:
            os.fchown(fd, *_owner_ids(owner))
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _owner_ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def is_private_dir(path: Path, owner_uid: int) -> bool:
    """A real directory (not a symlink), owned by `owner_uid` or root, that nobody else can write or read."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid in (0, owner_uid) and not st.st_mode & 0o077


def make_private_dir(parent: Path, prefix: str, owner: str | None = None) -> Path:
    """A new folder under `parent` with an unpredictable name, mode 0700 from creation (mkdtemp), then
    handed to `owner`."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if owner is not None:
        uid, gid = _owner_ids(owner)
        os.chown(path, uid, gid, follow_symlinks=False)
    return path


@dataclass
class LocalZou:
    """A real Zou on loopback.

    `root` holds everything (cluster, previews, mail). With `persistent=False` (tests) it is a temp dir
    removed at stop. `fast_hash` serves Zou through a wrapper that lowers bcrypt's cost (Zou hard-codes
    cost 12: ~250 ms per login, ~4 s per TOTP enable); tests use it, the demo does not need to.
    """

    root: Path | None = None
    persistent: bool = False
    fast_hash: bool = True
    workers: int = 2
    env_overrides: dict[str, str] = field(default_factory=dict)
    log: bool = True
    # PostgreSQL's max_connections (None: its default, 100). The bench server raises it so that many seats at
    # once do not exhaust the database (benchmarks/seed.py says how it is sized); tests keep the default.
    pg_max_connections: int | None = None

    url: str = ""
    port: int = 0
    pg_port: int = 0
    redis_port: int = 0
    smtp_port: int = 0
    events: bool = True  # also serve Zou's event stream and the one-host front door
    events_port: int = 0
    front_port: int = 0
    state: ServerState | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _pidfiles: list[Path] = field(default_factory=list)
    _proc_pidfiles: list[Path] = field(default_factory=list)  # pids of _procs, for a later `--stop-demo`
    _extra: list[tuple[Path, str]] = field(default_factory=list)
    _pg_started: bool = False
    _tmp_root: bool = False
    fresh_init: bool = False  # this start initialised a new database (the demo seeds it again)

    # ---------------------------------------------------------------- paths
    @property
    def pg_data(self) -> Path:
        return self._pg_base() / "pgdata"

    def _pg_base(self) -> Path:
        assert self.root is not None
        if _is_root():
            # PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user, which cannot
            # traverse /root. Its folder is made under /var/tmp by `_ensure_pg_base` and recorded in the
            # state; before that, the root folder's own "pg" (which a root run never creates) stands in.
            if self.state is not None and self.state.pg_base:
                return Path(self.state.pg_base)
        return self.root / "pg"

    def _ensure_pg_base(self) -> Path:
        """The cluster's folder, private to its owner; a recorded one that is not (a symlink, another
        owner, open permissions) is abandoned for a new one, never followed or reused."""
        assert self.root is not None and self.state is not None
        if not _is_root():
            base = self.root / "pg"
            base.mkdir(mode=0o700, exist_ok=True)
            if not is_private_dir(base, os.getuid()):
                raise ServerStartError(f"{base} is not a private folder (a symlink, or open permissions)")
            return base
        uid, _gid = _owner_ids("postgres")
        if not self.state.pg_base:
            legacy = self._legacy_pg_base(uid)
            if legacy is not None:  # a cluster made by an earlier version, still private: keep its data
                self.state.pg_base = str(legacy)
                self.state.save(self.root / "state.json")
                return legacy
        if self.state.pg_base:
            recorded = Path(self.state.pg_base)
            if recorded.parent == ROOT_PG_PARENT and is_private_dir(recorded, uid):
                return recorded
            self._say(f"not reusing {recorded}: not a private folder of the postgres user; making a new one")
            self.state.initialised = False
        base = make_private_dir(ROOT_PG_PARENT, "slate-pg-", owner="postgres")
        self.state.pg_base = str(base)
        self.state.save(self.root / "state.json")
        return base

    def _legacy_pg_base(self, uid: int) -> Path | None:
        """Earlier versions kept the cluster in /var/tmp/slate-pg/<hash of root>: reuse it only when that
        parent is a real root-owned folder nobody else can write and the cluster folder is private."""
        assert self.root is not None
        parent = ROOT_PG_PARENT / "slate-pg"
        path = parent / hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:16]
        try:
            st = os.lstat(parent)
        except OSError:
            return None
        parent_safe = stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022
        if parent_safe and is_private_dir(path, uid) and (path / "pgdata" / "PG_VERSION").exists():
            return path
        return None

    @property
    def events_url(self) -> str:
        """The event stream on its own port (Socket.IO at `/socket.io`, namespace `/events`)."""
        return f"http://127.0.0.1:{self.events_port}" if self.events_port else ""

    @property
    def site_url(self) -> str:
        """The one-host layout: `/api` is Zou's API, `/socket.io` the event stream (as nginx serves Kitsu)."""
        return f"http://127.0.0.1:{self.front_port}" if self.front_port else ""

    @property
    def site_api_url(self) -> str:
        return f"{self.site_url}/api" if self.front_port else ""

    @property
    def maildir(self) -> Path:
        assert self.root is not None
        return self.root / "mail"

    @property
    def mail(self) -> MailSink:
        return MailSink(self.maildir)

    @property
    def admin_email(self) -> str:
        assert self.state is not None
        return self.state.admin_email

    @property
    def admin_password(self) -> str:
        assert self.state is not None
        return self.state.admin_password

    @property
    def secret_key(self) -> str:
        assert self.state is not None
        return self.state.secret_key

    # ---------------------------------------------------------------- helpers
    def _say(self, msg: str) -> None:
        if self.log:
            print(f"localzou: {msg}", file=sys.stderr, flush=True)

    def _as_pg(self, cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        if _is_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, **kw)

    def zou_env(self) -> dict[str, str]:
        assert self.root is not None and self.state is not None
        env = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("VIRTUAL_ENV", "PYTHON", "QT_")) and k != "PYTHONPATH"
        }
        env.update(
            DB_HOST="127.0.0.1",
            DB_PORT=str(self.pg_port),
            DB_USERNAME=DB_USER,
            DB_PASSWORD=self.state.db_password,
            DB_DATABASE=DB_NAME,
            KV_HOST="127.0.0.1",
            KV_PORT=str(self.redis_port),
            SECRET_KEY=self.state.secret_key,
            PREVIEW_FOLDER=str(self.root / "previews"),
            TMP_DIR=str(self.root / "tmp"),
            EVENT_HANDLERS_FOLDER=str(self.root / "no-event-handlers"),
            PLUGIN_FOLDER=str(self.root / "no-plugins"),
            MAIL_ENABLED="true",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(self.smtp_port),
            MAIL_USE_TLS="false",
            MAIL_USE_SSL="false",
            MAIL_DEFAULT_SENDER="slate-local-zou@example.com",
            MAIL_CHECK_DELIVERABILITY="false",
            DOMAIN_NAME=f"127.0.0.1:{self.port}",
            DOMAIN_PROTOCOL="http",
            ENABLE_JOB_QUEUE="false",
            INDEXER_KEY="",
            # Tests create their own users (lockout is per account): Zou's default cap of 100 active
            # people would stop a full run midway.
            USER_LIMIT="100000",
            PYTHONUNBUFFERED="1",
        )
        if self.fast_hash:
            env["SLATE_BCRYPT_ROUNDS"] = "4"
        env.update(self.env_overrides)
        return env

    # ---------------------------------------------------------------- start
    def start(self) -> LocalZou:
        t0 = time.monotonic()
        try:
            pg_bin = ensure_system_packages()
            self.zou_python = ensure_zou_venv()
        except MissingDependency as exc:
            raise ServerStartError(str(exc)) from exc
        self.pg_bin = pg_bin
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="slate-zou-"))
            self._tmp_root = True
        self.root.mkdir(parents=True, exist_ok=True)
        for sub in ("previews", "tmp", "run", "mail", "wsgi"):
            (self.root / sub).mkdir(exist_ok=True)
        self.state = ServerState.load_or_create(self.root / "state.json")
        self.pg_port, self.redis_port, self.smtp_port, self.port = (free_port() for _ in range(4))
        if self.events:
            self.events_port, self.front_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        atexit.register(self.stop)
        try:
            self._start_postgres()
            self._start_redis()
            self._start_smtp()
            if not self.state.initialised or not self._db_exists(TEMPLATE_DB):
                self._init_zou()
            else:
                self._restore_template_if_missing()
            self._start_gunicorn(self.port, self.workers, self.zou_env(), "zou")
            if self.events:
                self.start_event_stream()
                self._start_front_door()
        except BaseException:
            self.stop()
            raise
        self._say(f"Zou {ZOU_VERSION} ready at {self.url} in {time.monotonic() - t0:.1f} s")
        return self

    def _start_postgres(self) -> None:
        assert self.state is not None
        base = self._ensure_pg_base()
        data = self.pg_data
        if not (data / "PG_VERSION").exists():
            if data.is_symlink():
                data.unlink()
            elif data.exists():
                shutil.rmtree(data)
            pwfile = base / "pw"
            pwfile.unlink(missing_ok=True)
            write_private(pwfile, self.state.db_password + "\n", owner="postgres" if _is_root() else None)
            try:
                proc = self._as_pg([str(self.pg_bin / "initdb"), "-D", str(data), "-U", DB_USER,
                                    "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"])
            finally:
                pwfile.unlink(missing_ok=True)
            if proc.returncode != 0:
                raise ServerStartError(f"PostgreSQL initdb failed: {proc.stderr.strip()[-300:]}")
        proc = self._as_pg([
            str(self.pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(base / "pg.log"), "-o",
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            + (f" -c max_connections={self.pg_max_connections}" if self.pg_max_connections else ""), "start",
        ])
        if proc.returncode != 0:
            log = (base / "pg.log").read_text(errors="replace")[-400:] if (base / "pg.log").exists() else ""
            raise ServerStartError(f"PostgreSQL did not start on port {self.pg_port}: {log.strip()}")
        self._pg_started = True

    def psql(self, sql: str, db: str = "postgres") -> str:
        assert self.state is not None
        env = dict(os.environ, PGPASSWORD=self.state.db_password)
        proc = subprocess.run(
            [str(self.pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", DB_USER, "-d", db,
             "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            raise ServerStartError(f"psql failed: {proc.stderr.strip()[-300:]}")
        return proc.stdout.strip()

    def _db_exists(self, name: str) -> bool:
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'") == "1"

    def _start_redis(self) -> None:
        assert self.root is not None
        pidfile = self.root / "run" / "redis.pid"
        proc = subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--daemonize", "yes",
             "--save", "", "--appendonly", "no", "--pidfile", str(pidfile),
             "--logfile", str(self.root / "run" / "redis.log")],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise ServerStartError(f"Redis did not start: {proc.stderr.strip() or proc.stdout.strip()}")
        self._pidfiles.append(pidfile)
        self._wait_port(self.redis_port, "Redis", 10)

    def _start_smtp(self) -> None:
        assert self.root is not None
        for sub in ("tmp", "new", "cur"):  # aiosmtpd's Mailbox handler expects a complete Maildir
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        with open(self.root / "run" / "smtp.log", "wb") as log:  # the child keeps its own copy of the fd
            proc = subprocess.Popen(
                [str(self.zou_python), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
                 "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self._track(proc, "smtp")
        self._wait_port(self.smtp_port, "the SMTP sink", 15)

    def _track(self, proc: subprocess.Popen[bytes], name: str) -> None:
        """Keep a child we started; its pid also goes in a file so a later process can stop it."""
        assert self.root is not None
        self._procs.append(proc)
        pidfile = self.root / "run" / f"{name}.pid"
        pidfile.write_text(f"{proc.pid}\n")
        self._proc_pidfiles.append(pidfile)

    def pid_files(self) -> list[Path]:
        """Every process this server started, by pid file (what `slate --stop-demo` needs to stop)."""
        return [*self._pidfiles, *self._proc_pidfiles]

    def _init_zou(self) -> None:
        assert self.state is not None
        if self._db_exists(DB_NAME):
            self.psql(f"DROP DATABASE {DB_NAME}")
        if self._db_exists(TEMPLATE_DB):
            self.psql(f"DROP DATABASE {TEMPLATE_DB}")
        self.psql(f"CREATE DATABASE {DB_NAME}")
        proc = subprocess.run(
            [str(self.zou_python), str(ZOU_SIDE / "init_db.py"), self.state.admin_email, self.state.admin_password],
            capture_output=True, text=True, env=self.zou_env(), cwd=str(self.root / "wsgi") if self.root else None,
        )
        if proc.returncode != 0:
            raise ServerStartError(f"Zou init failed: {proc.stderr.strip()[-600:]}")
        self.psql(f"CREATE DATABASE {TEMPLATE_DB} TEMPLATE {DB_NAME}")
        self.fresh_init = True
        self.state.initialised = True
        assert self.root is not None
        self.state.save(self.root / "state.json")

    def _restore_template_if_missing(self) -> None:
        if not self._db_exists(DB_NAME):
            self.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")

    def _start_gunicorn(self, port: int, workers: int, env: dict[str, str], name: str, *,
                        app: str = "slate_zou_app:app", worker: str = "gevent") -> None:
        assert self.root is not None
        wsgi_dir = self.root / "wsgi"
        shutil.copy(ZOU_SIDE / "slate_zou_app.py", wsgi_dir / "slate_zou_app.py")
        pidfile = self.root / "run" / f"gunicorn-{name}.pid"
        pidfile.unlink(missing_ok=True)
        gunicorn = Path(self.zou_python).parent / "gunicorn"
        log = self.root / "run" / f"gunicorn-{name}.log"
        proc = subprocess.run(
            [str(gunicorn), app, "-k", worker, "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--chdir", str(wsgi_dir), "--no-control-socket", "--pid", str(pidfile), "--daemon",
             "--timeout", "120", "--graceful-timeout", "3", "--error-logfile", str(log),
             "--access-logfile", "/dev/null"],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            raise ServerStartError(f"gunicorn failed to start: {proc.stderr.strip()[-400:]}")
        if pidfile not in self._pidfiles:
            self._pidfiles.append(pidfile)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    answer = json.loads(resp.read())
                    # Zou answers {"api": "Zou"}; its event stream {"name": "Zou Event stream"}.
                    if answer.get("api") == "Zou" or "event stream" in str(answer.get("name", "")).lower():
                        return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if not pidfile.exists() and time.monotonic() > deadline - 50:
                break
            time.sleep(0.2)
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        raise ServerStartError(f"Zou did not answer on {url}: {tail.strip()}")

    # ---------------------------------------------------------------- event stream
    def start_event_stream(self) -> None:
        """Zou's Socket.IO event stream (`zou.event_stream:app`), one gevent-websocket worker as Zou
        requires (room state lives in its memory), on `events_port`. Also used to restart it in tests."""
        if not self.events_port:
            self.events_port = free_port()
        self._start_gunicorn(self.events_port, 1, self.zou_env(), "events", app="zou.event_stream:app",
                             worker=EVENT_WORKER)

    def stop_event_stream(self, *, kill: bool = False) -> None:
        """Stop the event stream (SIGKILL to its whole process group with `kill`: a crash, connections cut
        without a goodbye). `start_event_stream()` brings it back on the same port."""
        assert self.root is not None
        pidfile = self.root / "run" / "gunicorn-events.pid"
        if kill:
            try:
                pid = int(pidfile.read_text().strip())
                group = os.getpgid(pid)
                # gunicorn --daemon runs in a session of its own: its group is the master and its workers.
                if group != os.getpgrp():
                    os.killpg(group, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
            self._wait_port_closed(self.events_port, 10)
        else:
            self._kill_pidfile(pidfile)
        pidfile.unlink(missing_ok=True)

    def publish_events(self, events: list[tuple[str, Any]]) -> None:
        """Put raw events on Zou's message queue as its API does (`zou_side/publish_events.py`): the real
        event server then sends them to every socket. For floods and garbage Zou itself never sends."""
        proc = subprocess.run([str(self.zou_python), str(ZOU_SIDE / "publish_events.py")],
                              input=json.dumps(events), capture_output=True, text=True, env=self.zou_env(),
                              cwd=str(self.root / "wsgi") if self.root else None, timeout=120)
        if proc.returncode != 0:
            raise ServerStartError(f"publishing events failed: {proc.stderr.strip()[-400:]}")

    def _start_front_door(self) -> None:
        """The one-host layout (nginx's role at a studio): `/api` -> Zou, `/socket.io` -> the event stream.
        A stdlib-only script run by Zou's interpreter, so it also outlives the app with --keep-server."""
        assert self.root is not None
        with open(self.root / "run" / "frontdoor.log", "wb") as log:
            proc = subprocess.Popen(
                [str(self.zou_python), str(FRONT_DOOR), "--listen", f"127.0.0.1:{self.front_port}",
                 "--api", f"127.0.0.1:{self.port}", "--events", f"127.0.0.1:{self.events_port}"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=self.zou_env(),
            )
        self._track(proc, "frontdoor")
        self._wait_port(self.front_port, "the front door (one-host proxy)", 15)

    @staticmethod
    def _wait_port_closed(port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    pass
            except OSError:
                return
            time.sleep(0.05)

    def start_extra_app(self, env_overrides: dict[str, str], workers: int = 1) -> str:
        """Serve the same database with different settings (e.g. ENFORCE_2FA=true); returns its URL."""
        port = free_port()
        env = self.zou_env()
        env.update(env_overrides)
        name = f"extra{len(self._extra)}"
        self._start_gunicorn(port, workers, env, name)
        url = f"http://127.0.0.1:{port}"
        assert self.root is not None
        self._extra.append((self.root / "run" / f"gunicorn-{name}.pid", url))
        return url

    @staticmethod
    def _wait_port(port: int, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.05)
        raise ServerStartError(f"{what} did not listen on port {port} within {timeout:.0f} s")

    # ---------------------------------------------------------------- reset / stop
    def reset(self) -> None:
        """Back to "just initialised" (~0.5 s): recreate the DB from the template and flush Redis."""
        self.psql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='{DB_NAME}' "
            "AND pid <> pg_backend_pid()"
        )
        self.psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        self.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")
        self.redis_cli("FLUSHALL")

    def redis_cli(self, *args: str) -> str:
        proc = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), *args],
                              capture_output=True, text=True)
        return proc.stdout.strip()

    @staticmethod
    def _kill_pidfile(pidfile: Path, wait: float = 5.0) -> None:
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        for pidfile in reversed(self._pidfiles):
            self._kill_pidfile(pidfile)
        self._pidfiles.clear()
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self._procs.clear()
        for pidfile in self._proc_pidfiles:
            pidfile.unlink(missing_ok=True)
        self._proc_pidfiles.clear()
        if self._pg_started:
            self._as_pg([str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop"])
            self._pg_started = False
        if not self.persistent and self.root is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self._pg_base(), ignore_errors=True)
            if self._tmp_root:
                shutil.rmtree(self.root, ignore_errors=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
