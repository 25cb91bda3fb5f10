"""Start and stop a real Zou on loopback: PostgreSQL + Redis + SMTP sink + Zou under gunicorn.

One code path serves the tests (a session fixture), the benchmarks and the app's demo mode. Every
process started is tracked by PID and stopped in `stop()`, which is idempotent and also registered
with atexit so an interrupted run leaves nothing behind.
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
        tmp.write_text(json.dumps(self.__dict__, indent=1))
        tmp.chmod(0o600)
        tmp.replace(path)


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

    url: str = ""
    port: int = 0
    pg_port: int = 0
    redis_port: int = 0
    smtp_port: int = 0
    state: ServerState | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _pidfiles: list[Path] = field(default_factory=list)
    _extra: list[tuple[Path, str]] = field(default_factory=list)
    _pg_started: bool = False
    _tmp_root: bool = False

    # ---------------------------------------------------------------- paths
    @property
    def pg_data(self) -> Path:
        return self._pg_base() / "pgdata"

    def _pg_base(self) -> Path:
        assert self.root is not None
        if _is_root():
            # PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user, which cannot
            # traverse /root; keep it in a folder that user owns, named after our root folder.
            tag = hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:16]
            return Path("/var/tmp/slate-pg") / tag
        return self.root / "pg"

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
        except BaseException:
            self.stop()
            raise
        self._say(f"Zou {ZOU_VERSION} ready at {self.url} in {time.monotonic() - t0:.1f} s")
        return self

    def _start_postgres(self) -> None:
        data = self.pg_data
        base = data.parent
        assert self.state is not None
        if not (data / "PG_VERSION").exists():
            base.mkdir(parents=True, exist_ok=True)
            if data.exists():
                shutil.rmtree(data)
            pwfile = base / "pw"
            pwfile.write_text(self.state.db_password + "\n")
            if _is_root():
                shutil.chown(base, "postgres", "postgres")
                shutil.chown(pwfile, "postgres", "postgres")
            base.chmod(0o700)
            proc = self._as_pg([str(self.pg_bin / "initdb"), "-D", str(data), "-U", DB_USER,
                                "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"])
            pwfile.unlink(missing_ok=True)
            if proc.returncode != 0:
                raise ServerStartError(f"PostgreSQL initdb failed: {proc.stderr.strip()[-300:]}")
        proc = self._as_pg([
            str(self.pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(base / "pg.log"), "-o",
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start",
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
        self._procs.append(proc)
        self._wait_port(self.smtp_port, "the SMTP sink", 15)

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
        self.state.initialised = True
        assert self.root is not None
        self.state.save(self.root / "state.json")

    def _restore_template_if_missing(self) -> None:
        if not self._db_exists(DB_NAME):
            self.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")

    def _start_gunicorn(self, port: int, workers: int, env: dict[str, str], name: str) -> None:
        assert self.root is not None
        wsgi_dir = self.root / "wsgi"
        shutil.copy(ZOU_SIDE / "slate_zou_app.py", wsgi_dir / "slate_zou_app.py")
        pidfile = self.root / "run" / f"gunicorn-{name}.pid"
        pidfile.unlink(missing_ok=True)
        gunicorn = Path(self.zou_python).parent / "gunicorn"
        log = self.root / "run" / f"gunicorn-{name}.log"
        proc = subprocess.run(
            [str(gunicorn), "slate_zou_app:app", "-k", "gevent", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--chdir", str(wsgi_dir), "--no-control-socket", "--pid", str(pidfile), "--daemon",
             "--timeout", "120", "--graceful-timeout", "3", "--error-logfile", str(log),
             "--access-logfile", "/dev/null"],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            raise ServerStartError(f"gunicorn failed to start: {proc.stderr.strip()[-400:]}")
        self._pidfiles.append(pidfile)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if json.loads(resp.read()).get("api") == "Zou":
                        return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if not pidfile.exists() and time.monotonic() > deadline - 50:
                break
            time.sleep(0.2)
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        raise ServerStartError(f"Zou did not answer on {url}: {tail.strip()}")

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
        self._procs.clear()
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
