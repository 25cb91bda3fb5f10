"""The fault matrix: every fault Slate is built to survive, run against the real Zou, as one table.

    python -m tests.faults.matrix                 # starts a throwaway Zou, runs all, prints the table
    python -m tests.faults.matrix --only stall    # the rows whose fault contains "stall"
    python -m tests.faults.matrix --out FILE.md   # where the Markdown table goes (default: matrix-latest.md)

Each row drives Slate's own code (desktop.api: session, probe, downloads, editing; desktop.csvio;
desktop.filtering) through the loopback fault proxy in front of a real Zou 1.0.97, and says what the user
saw (the sentence Slate shows: `str(exc)` of its typed error), whether data was lost (must be "none"), and
whether Slate recovered by itself. A row also checks Slate's behaviour; a broken expectation marks it FAIL
and the command exits 1. `tests/faults/test_matrix.py` runs the same rows inside pytest.

The disk rows mount a small tmpfs (a disk that really fills up; a read-only mount, which refuses root too,
where permission bits would not): they need root, as CI runs the matrix, and say "skipped" otherwise. The
event-stream row kills and restarts the real event server. Not covered here: "back to sign-in with typed
values kept" beyond the API layer (the UI part is issue 20 item 5, tests/ui).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = Path(__file__).with_name("matrix-latest.md")


@dataclass
class Outcome:
    saw: str  # what the user saw: Slate's sentence, or what happened when nothing was shown
    lost: str = "none"
    recovered: str = "no"


@dataclass
class Row:
    group: str
    fault: str
    outcome: Outcome | None = None
    error: str = ""  # a broken expectation or an unexpected exception
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and self.outcome is not None and self.outcome.lost == "none"


@dataclass
class Ctx:
    """What a scenario gets: the real Zou, an admin on it, a fresh fault proxy in front of it, a temp dir."""

    server: Any  # LocalZou
    admin: Any  # tests.helpers.zou.ZouAdmin
    proxy: Any  # FaultProxy
    tmp: Path
    sessions: list[Any] = field(default_factory=list)

    def user(self, role: str = "user") -> Any:
        return self.admin.create_user(role)

    def session(self, url: str | None = None, **kw: Any) -> Any:
        import httpx

        from desktop.api import ZouSession
        from desktop.api.session import make_http_client

        kw.setdefault("client", make_http_client(timeout=httpx.Timeout(2.0)))
        session = ZouSession(url or self.proxy.url, **kw)
        self.sessions.append(session)
        return session

    async def signed_in(self, user: Any, url: str | None = None, **kw: Any) -> Any:
        from desktop.api import SignedIn

        session = self.session(url, **kw)
        outcome = await session.sign_in(user.email, user.password)
        check(isinstance(outcome, SignedIn), f"sign-in: {outcome}")
        return session

    async def aclose(self) -> None:
        for s in self.sessions:
            await s.http.aclose()


Scenario = Callable[[Ctx], Awaitable[Outcome]]
SCENARIOS: list[tuple[str, str, Scenario]] = []


def scenario(group: str, fault: str) -> Callable[[Scenario], Scenario]:
    def register(fn: Scenario) -> Scenario:
        SCENARIOS.append((group, fault, fn))
        return fn
    return register


class Broken(AssertionError):
    """Slate did not behave as the row expects."""


def check(condition: object, what: str) -> None:
    if not condition:
        raise Broken(what)


async def raises(kind: type[BaseException], call: Awaitable[Any]) -> BaseException:
    try:
        result = await call
    except kind as exc:
        return exc
    raise Broken(f"expected {kind.__name__}, got {result!r}")


def said(exc: BaseException) -> str:
    """The sentence the window shows for this error (desktop.ui.widgets.error_text)."""
    from desktop.api import errors as E

    return str(exc) if isinstance(exc, E.ZouError) else f"Something went wrong ({type(exc).__name__})"


# ====================================================================== network and server
@scenario("network", "server down at start (nothing listens)")
async def server_down(ctx: Ctx) -> Outcome:
    import socket

    from desktop.api import errors as E
    from desktop.api import probe_server
    from desktop.api.session import make_http_client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with make_http_client() as http:
        exc = await raises(E.NetworkError, probe_server(f"http://127.0.0.1:{port}", client=http))
        check(str(exc).startswith("Cannot reach the server"), str(exc))
        info = await probe_server(ctx.proxy.url, client=http)  # the same field, once a server answers
    check(info.version, "probe of the real server")
    return Outcome(said(exc), recovered="yes: the address is probed again as soon as it is edited or submitted")


@scenario("network", "Zou killed mid-load (shots list cut halfway, connection closed)")
async def killed_mid_load(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    user = ctx.user("manager")
    project = ctx.admin.create_project(team=[user])
    seq = ctx.admin.post(f"/data/projects/{project['id']}/sequences", {"name": "SQ01"})
    for i in range(30):
        ctx.admin.post(f"/data/projects/{project['id']}/shots", {"name": f"SH{i:03d}", "sequence_id": seq["id"],
                                                                  "description": "x" * 200})
    session = await ctx.signed_in(user)
    ctx.proxy.set_mode("truncate", keep=0.5, path="/data/shots/with-tasks")
    exc = await raises(E.NetworkError, ZouClient(session).shots_with_tasks(project["id"]))
    ctx.proxy.set_mode("pass")
    table = await ZouClient(session).shots_with_tasks(project["id"])
    check(len(table.rows) == 30, f"{len(table.rows)} rows after the reload")
    return Outcome(said(exc), recovered="no: the pane says so; Reload loads all 30 rows")


@scenario("network", "connection reset mid-download")
async def reset_mid_download(ctx: Ctx) -> Outcome:
    from desktop.api.downloads import DownloadManager, Status
    from desktop.api.downloads import sources as ds
    from tests.helpers.editing import seed_edit_project

    seeded = seed_edit_project(ctx.admin, n_shots=1, n_assets=0)
    data = os.urandom(3 << 20)
    task_id = next(iter(seeded.tasks.values()))
    r = ctx.admin.http.post(f"/actions/tasks/{task_id}/comment",
                            data={"task_status_id": seeded.wip_id, "comment": "file"},
                            files={"file": ("cut.bin", data, "application/octet-stream")})
    check(r.status_code < 300, r.text[:200])
    source = ds.attachment_source(dict(r.json()["attachment_files"][0]))
    ctx.proxy.set_mode("truncate", keep=0.5, times=1, path=source.path)
    session = await ctx.signed_in(seeded.manager)
    manager = DownloadManager(session, state_file=ctx.tmp / "queue.json", retry_delay=0.05,
                              fast_path_min_bytes=None)
    manager.start()
    try:
        (item,) = manager.enqueue([source], ctx.tmp / "out")
        await manager.wait()
    finally:
        await manager.shutdown()
    check(item.status is Status.DONE, f"status {item.status}: {item.error}")
    same_hash = hashlib.sha256((ctx.tmp / "out" / "cut.bin").read_bytes()).hexdigest() == \
        hashlib.sha256(data).hexdigest()
    check(same_hash and item.resumes == 1, f"hash ok {same_hash}, resumes {item.resumes}")
    return Outcome(f"nothing: resumed from byte {len(data) // 2} (Range + If-Range), same sha256",
                   recovered="yes")


@scenario("gateway", "502 HTML page from a gateway, persisting")
async def html_502(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("html_502")
    exc = await raises(E.ProtocolError, ZouClient(session).task_statuses())
    check(ctx.proxy.count("/data/task-status") == 3, "3 attempts")
    return Outcome(said(exc) + " (after 3 attempts)", recovered="no: the next action tries again")


@scenario("gateway", "502/503 twice, then fine")
async def transient_503(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("status_503", times=1)
    ctx.proxy.add_rule("html_502", times=1)
    statuses = await ZouClient(session).task_statuses()
    check(statuses and ctx.proxy.count("/data/task-status") == 3, "third attempt answered")
    return Outcome("nothing: the read was retried with backoff (0.25 s, 0.75 s)", recovered="yes")


@scenario("gateway", "500 with Zou's JSON error body")
async def json_500(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("status_500")
    exc = await raises(E.ServerError, ZouClient(session).task_statuses())
    return Outcome(said(exc), recovered="no: the next action tries again")


@scenario("gateway", "a write answered 502 after Zou applied it")
async def write_after_apply(ctx: Ctx) -> Outcome:
    from desktop.api import errors as E

    user = ctx.user()
    project = ctx.admin.create_project(team=[user])
    session = await ctx.signed_in(user)
    name = f"matrix-{uuid.uuid4().hex[:6]}"
    ctx.proxy.set_mode("html_502", path="/data/user/filters", method="POST", forward=True)
    exc = await raises(E.ProtocolError, session.post("/data/user/filters", {
        "list_type": "shot", "name": name, "query": "SH", "project_id": project["id"]}))
    ctx.proxy.set_mode("pass")
    filters = await session.get("/data/user/filters")
    mine = [f for f in filters.get("shot", {}).get(project["id"], []) if f["name"] == name]
    check(len(mine) == 1 and ctx.proxy.count("/data/user/filters", method="POST") == 1, "applied exactly once")
    return Outcome(said(exc) + " (the write is never sent twice: saved once, no duplicate)",
                   recovered="no: a reload shows it saved")


@scenario("network", "30 s stall (no answer at all)")
async def stall(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("stall")
    t0 = time.monotonic()
    exc = await raises(E.RequestTimeout, ZouClient(session).task_statuses())
    check(time.monotonic() - t0 < 5, "one read timeout")
    return Outcome(said(exc) + " (read timeout: 2 s in this run, 60 s in the app)",
                   recovered="no: the next action tries again")


@scenario("body", "truncated JSON (connection closed before Content-Length)")
async def truncated_abort(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("truncate", keep=0.5, path="/data/task-status")
    exc = await raises(E.NetworkError, ZouClient(session).task_statuses())
    return Outcome(said(exc), recovered="no: the next action tries again")


@scenario("body", "truncated JSON in a complete frame (re-framed by a proxy)")
async def truncated_clean(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("truncate", keep=0.5, ending="clean", path="/data/task-status")
    exc = await raises(E.ProtocolError, ZouClient(session).task_statuses())
    return Outcome(said(exc), recovered="no: the next action tries again")


@scenario("body", "non-JSON body (an SSO page answered with 200)")
async def non_json(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user())
    ctx.proxy.set_mode("html_200", path="/data/task-status")
    exc = await raises(E.ProtocolError, ZouClient(session).task_statuses())
    return Outcome(said(exc), recovered="no")


@scenario("body", "endless body (a server streaming GBs)")
async def endless(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user(), max_body=8 << 20)
    ctx.proxy.set_mode("endless", path="/data/task-status")
    exc = await raises(E.ResponseTooLarge, ZouClient(session).task_statuses())
    return Outcome(said(exc) + " (cap: 8 MiB in this run; 256 MiB for data, 1 MiB for sign-in and the probe)",
                   recovered="no")


@scenario("body", "a body dripping a byte at a time, forever")
async def drip(ctx: Ctx) -> Outcome:
    from desktop.api import ZouClient
    from desktop.api import errors as E

    session = await ctx.signed_in(ctx.user(), deadline=3.0)
    ctx.proxy.set_mode("drip", interval=0.3, path="/data/task-status")
    exc = await raises(E.RequestTimeout, ZouClient(session).task_statuses())
    return Outcome(said(exc) + " (deadline: 3 s in this run, 300 s in the app)", recovered="no")


@scenario("server", "a non-Zou server at the URL")
async def not_zou(ctx: Ctx) -> Outcome:
    from desktop.api import errors as E
    from desktop.api import probe_server
    from desktop.api.session import make_http_client

    ctx.proxy.set_mode("html_200")
    async with make_http_client() as http:
        exc = await raises(E.NotAZouServer, probe_server(ctx.proxy.url, client=http))
    return Outcome(said(exc), recovered="no: fix the address")


@scenario("server", "a redirect to an SSO page (3xx) on resume")
async def redirect(ctx: Ctx) -> Outcome:
    from desktop.api import errors as E

    first = await ctx.signed_in(ctx.user())
    tokens = first.tokens
    ctx.proxy.set_mode("redirect", path="/auth/authenticated", location="https://sso.example/login")
    resuming = ctx.session()
    exc = await raises(E.UnexpectedRedirect, resuming.resume(tokens))
    check(resuming.tokens == tokens, "stored tokens kept")
    return Outcome(said(exc), recovered="yes: the stored session is kept and resumes once the gateway is fixed")


@scenario("server", "wrong certificate (self-signed, not trusted)")
async def wrong_certificate(ctx: Ctx) -> Outcome:
    from desktop.api import errors as E
    from desktop.api import probe_server
    from desktop.api.session import make_http_client

    with tls_server(ctx.tmp) as url:
        async with make_http_client() as http:
            exc = await raises(E.TLSError, probe_server(url, client=http))
    return Outcome(said(exc), recovered="no: choose the studio CA file (verification is never turned off)")


@contextlib.contextmanager
def tmpfs(folder: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted at `folder` (root only, as CI runs the matrix): a disk that really fills up,
    or a read-only mount, which refuses root too (root bypasses permission bits, not a read-only mount)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "slate-matrix", str(folder)], check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def needs_root() -> Outcome | None:
    if os.geteuid() != 0:
        return Outcome("(skipped: mounting a tmpfs needs root, as CI runs the matrix)", recovered="-")
    return None


async def _attachment(ctx: Ctx, size: int) -> tuple[Any, Any, bytes]:
    """A comment attachment of `size` random bytes on a fresh project: (the manager, its source, the bytes)."""
    from desktop.api.downloads import sources as ds
    from tests.helpers.editing import seed_edit_project

    seeded = seed_edit_project(ctx.admin, n_shots=1, n_assets=0)
    data = os.urandom(size)
    task_id = next(iter(seeded.tasks.values()))
    r = ctx.admin.http.post(f"/actions/tasks/{task_id}/comment",
                            data={"task_status_id": seeded.wip_id, "comment": "file"},
                            files={"file": ("big.bin", data, "application/octet-stream")})
    check(r.status_code < 300, r.text[:200])
    return seeded.manager, ds.attachment_source(dict(r.json()["attachment_files"][0])), data


@scenario("disk", "disk full during a download (a small tmpfs fills up while the file arrives)")
async def disk_full(ctx: Ctx) -> Outcome:
    from desktop.api.downloads import DownloadManager, Status

    skipped = needs_root()
    if skipped:
        return skipped
    manager_user, source, data = await _attachment(ctx, 3 << 20)
    with tmpfs(ctx.tmp / "small-disk", "8m") as disk:
        filler = disk / "someone-elses-render.bin"

        def fill_up(item: Any, event: str) -> None:
            # The free-space check before the transfer passed; a megabyte in, another program fills the disk.
            if event == "progress" and item.received >= 1 << 20 and not filler.exists():
                with contextlib.suppress(OSError), filler.open("wb") as out:
                    while True:
                        out.write(b"\0" * (256 << 10))
                        out.flush()

        session = await ctx.signed_in(manager_user)
        manager = DownloadManager(session, state_file=ctx.tmp / "queue.json", retry_delay=0.05,
                                  fast_path_min_bytes=None, progress_interval=0, flush_bytes=128 << 10)
        remove = manager.subscribe(fill_up)
        manager.start()
        try:
            (item,) = manager.enqueue([source], disk / "out")
            await manager.wait()
            check(item.status is Status.FAILED and item.error_type == "DiskFull", f"{item.status}: {item.error}")
            message = item.error or ""
            part = item.part
            kept = part.stat().st_size if part is not None and part.exists() else None
            check(kept is not None and 0 < kept < len(data),
                  f"the .part is kept with what arrived ({part}: {kept} bytes; in the folder: "
                  f"{sorted(p.name for p in (disk / 'out').iterdir()) if (disk / 'out').exists() else None})")
            check(not (disk / "out" / "big.bin").exists(), "no incomplete file under the real name")
            remove()
            filler.unlink()  # the user frees some space and presses Retry: it resumes from the .part
            manager.retry(item.id)
            await manager.wait()
        finally:
            await manager.shutdown()
        done = disk / "out" / "big.bin"
        check(item.status is Status.DONE and done.read_bytes() == data, f"after retry: {item.status}: {item.error}")
        check(item.resumes >= 1, f"resumed, not restarted ({item.resumes})")
    return Outcome(f"{message} (kept {kept >> 10} KiB; Retry after freeing space resumed from there: same bytes)",
                   recovered="no: free some space and press Retry; the .part is resumed")


@scenario("disk", "unwritable target folder (a read-only mount: refuses root too)")
async def unwritable_folder(ctx: Ctx) -> Outcome:
    from desktop.api.downloads import DownloadManager, Status

    skipped = needs_root()
    if skipped:
        return skipped
    manager_user, source, data = await _attachment(ctx, 64 << 10)
    session = await ctx.signed_in(manager_user)
    manager = DownloadManager(session, state_file=ctx.tmp / "queue.json", retry_delay=0.05)
    manager.start()
    with tmpfs(ctx.tmp / "read-only", "1m", read_only=True) as folder:
        try:
            (item,) = manager.enqueue([source], folder)
            (other,) = manager.enqueue([source], ctx.tmp / "writable")  # the other transfers go on
            await manager.wait()
        finally:
            await manager.shutdown()
        check(item.status is Status.FAILED and item.error_type == "FolderNotWritable", f"{item.status}: {item.error}")
        check(not any(folder.iterdir()), "nothing written")
    check(other.status is Status.DONE and (ctx.tmp / "writable" / "big.bin").read_bytes() == data,
          f"the other download: {other.status}: {other.error}")
    return Outcome(f"{item.error} (the item fails alone; a download to another folder completed)",
                   recovered="no: choose another folder")


@scenario("events", "event stream dropped (the event server killed, restarted)")
async def event_stream_dropped(ctx: Ctx) -> Outcome:
    from desktop.api.events import Backoff, EventStream, StreamState, TaskStatusChanged, catch_up
    from desktop.ui.main.status_bar import STATE_TEXT
    from tests.helpers.editing import seed_edit_project

    if not getattr(ctx.server, "events_port", 0):
        return Outcome("(skipped: this Zou runs without its event server)", recovered="-")
    seeded = seed_edit_project(ctx.admin, n_shots=1, n_assets=0)
    task_id = next(iter(seeded.tasks.values()))
    session = await ctx.signed_in(seeded.manager, ctx.server.url)
    # A short back-off ceiling (the app's is 30 s, with jitter): the row waits for the restart, not the back-off.
    stream = EventStream(session, ctx.server.events_url, backoff=Backoff(initial=0.2, maximum=1.0))
    seen: list[str] = []
    stream.add_status_listener(lambda status: seen.append(str(status.state)))
    await stream.start()
    try:
        check(await stream.wait_for(StreamState.LIVE, timeout=15), f"live: {stream.status}")
        await asyncio.to_thread(ctx.server.stop_event_stream, kill=True)
        try:
            check(await stream.wait_for(StreamState.RECONNECTING, timeout=15), f"reconnecting: {stream.status}")
            missed = await asyncio.to_thread(ctx.admin.post, f"/actions/tasks/{task_id}/comment",
                                             {"task_status_id": seeded.wip_id, "comment": "written in the gap"})
        finally:
            await asyncio.to_thread(ctx.server.start_event_stream)
        check(await stream.wait_for(StreamState.LIVE, timeout=45), f"live again: {stream.status}")
        resumed = stream.status
        check(resumed.resumed and resumed.catch_up_after is not None, f"resumed: {resumed}")
        assert resumed.catch_up_after is not None
        caught = await catch_up(session, resumed.catch_up_after, project_id=seeded.id)
        check(caught.complete and any(isinstance(e, TaskStatusChanged) and e.task_id == task_id
                                      and e.new_task_status_id == seeded.wip_id for e in caught.events),
              "the status change written in the gap is caught up")
        check(missed is not None, "written")
    finally:
        await stream.stop()
    seen = seen[:len(seen) - seen[::-1].index("live")]  # up to live again (stopping the stream after is ours)
    shown = " → ".join(STATE_TEXT.get(s, s) for i, s in enumerate(seen) if i == 0 or s != seen[i - 1])
    return Outcome(f"the status bar: {shown}; the change written in the gap was caught up from Zou's event log "
                   "(managers; others re-read what is on screen)", recovered="yes")


# ====================================================================== session and sign-in
@scenario("session", "expired access token")
async def expired_access(ctx: Ctx) -> Outcome:
    from desktop.api import Tokens, ZouClient
    from desktop.api.tokens import jwt_claims
    from tests.helpers.zou import forge_token

    user = ctx.user()
    tokens = (await ctx.signed_in(user)).tokens
    stale = forge_token(ctx.server.secret_key, user.id, extra={"refresh_jti": jwt_claims(tokens.refresh)["jti"]})
    session = ctx.session(tokens=Tokens(stale, tokens.refresh), proactive_refresh=False)
    check(await ZouClient(session).task_statuses(), "call answered")
    check(session.refresh_count == 1, "one refresh")
    return Outcome("nothing: refreshed once, transparently, and the call answered", recovered="yes")


@scenario("session", "revoked refresh token")
async def revoked_refresh(ctx: Ctx) -> Outcome:
    from desktop.api import Tokens
    from desktop.api import errors as E
    from desktop.api.tokens import jwt_claims
    from tests.helpers.zou import forge_token

    user = ctx.user()
    first = await ctx.signed_in(user)
    tokens = first.tokens
    await first.sign_out()
    stale = forge_token(ctx.server.secret_key, user.id, extra={"refresh_jti": jwt_claims(tokens.refresh)["jti"]})
    seen: list[Any] = []
    session = ctx.session(tokens=Tokens(stale, tokens.refresh), on_tokens=seen.append)
    exc = await raises(E.SessionExpired, session.get("/data/user/context"))
    check(seen and seen[-1] is None, "tokens forgotten")
    return Outcome(said(exc) + " (the window shows the sign-in sheet over the main window)",
                   recovered="no: sign in again; nothing was being written")


@scenario("session", "lockout after 5 failed sign-ins")
async def lockout(ctx: Ctx) -> Outcome:
    from desktop.api import TooManyAttempts, WrongCredentials

    user = ctx.user()
    session = ctx.session()
    for _ in range(5):
        check(isinstance(await session.sign_in(user.email, "wrong"), WrongCredentials), "wrong password")
    locked = await session.sign_in(user.email, user.password)
    check(isinstance(locked, TooManyAttempts), f"{locked}")
    from desktop.ui.signin import messages

    return Outcome(messages.locked(locked.seconds_left(), locked.retry_at),
                   recovered="yes: the sign-in button comes back after the minute")


@scenario("session", "an email-code request answered 502 after Zou mailed it")
async def email_code_once(ctx: Ctx) -> Outcome:
    from desktop.api import AccountSecurity
    from desktop.api import errors as E

    user = ctx.user()
    session = await ctx.signed_in(user)
    security = AccountSecurity(session)
    before = ctx.server.mail.count()
    await security.email_otp_begin()
    await security.email_otp_confirm(ctx.server.mail.wait_for_code(user.email, after=before))
    await session.sign_out()

    def mails() -> int:
        return sum(1 for m in ctx.server.mail.messages() if user.email.lower() in m.to.lower())

    before = mails()
    ctx.proxy.set_mode("html_502", path="/auth/email-otp", forward=True)
    exc = await raises(E.ProtocolError, ctx.session().request_email_code(user.email))
    for _ in range(50):
        if mails() != before:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    check(mails() - before == 1, f"{mails() - before} mails")
    return Outcome(said(exc) + " (sent once: exactly one mail)", recovered="no: the code mailed still works")


@scenario("session", "plain http:// to another computer")
async def plain_http(ctx: Ctx) -> Outcome:
    import socket

    from desktop.api import errors as E
    from tests.faults.proxy import FaultProxy

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        address = s.getsockname()[0]
    if address.startswith("127."):
        return Outcome("(skipped: no network address on this machine)", recovered="-")
    user = ctx.user()
    with FaultProxy(ctx.server.url, host=address) as lan:
        exc = await raises(E.PlaintextNotAllowed, ctx.session(lan.url).sign_in(user.email, user.password))
        check(lan.count("/auth/login") == 0, "nothing sent")
    return Outcome(said(exc) + " (the window asks with a checkbox, the CLI with --allow-http)",
                   recovered="no: the user decides")


# ====================================================================== editing
@scenario("editing", "concurrent edit of the same field (before our check)")
async def concurrent_same_field(ctx: Ctx) -> Outcome:
    from desktop.api.editing import EditConflict
    from tests.helpers.editing import editor_for, seed_edit_project

    seeded = seed_edit_project(ctx.admin, n_shots=1, n_assets=0, shot_tasks=False)
    mine = await editor_for(ctx.proxy.url, seeded.manager)
    ctx.sessions.append(mine.session)
    shot = await mine.load(seeded.shots[0]["id"])
    ctx.admin.put(f"/data/entities/{shot['id']}", {"description": "theirs"})
    exc = await raises(EditConflict, mine.save_entity(shot["id"], {"description": "mine"}, base=shot))
    on_server = ctx.admin.get(f"/data/entities/{shot['id']}")
    check(on_server["description"] == "theirs", "nothing written")
    return Outcome(said(exc) + " (dialog: merge / overwrite / cancel; yours and theirs both shown)",
                   recovered="no: the user chooses")


@scenario("editing", "someone else writes between our check and our write")
async def concurrent_window(ctx: Ctx) -> Outcome:
    from tests.helpers.editing import editor_for, seed_edit_project

    seeded = seed_edit_project(ctx.admin, n_shots=1, n_assets=0, shot_tasks=False)
    mine = await editor_for(ctx.proxy.url, seeded.manager)
    ctx.sessions.append(mine.session)
    shot = await mine.load(seeded.shots[0]["id"])
    ctx.proxy.set_mode("hook", path=f"/data/entities/{shot['id']}", method="PUT", times=1,
                       before=lambda _r: ctx.admin.put(f"/data/entities/{shot['id']}", {"data": {"lens": "85mm"}}))
    await mine.save_entity(shot["id"], {"data.camera": "A"}, base=shot)
    data = ctx.admin.get(f"/data/entities/{shot['id']}")["data"]
    check(data["lens"] == "85mm" and data["camera"] == "A", "both kept")
    check(len(mine.concurrent_changes) == 1, "reported")
    return Outcome(mine.concurrent_changes[0].message, recovered="yes")


# ====================================================================== bad inputs
@scenario("input", "invalid server addresses")
async def invalid_urls(ctx: Ctx) -> Outcome:
    from desktop.api import errors as E
    from desktop.api.probe import candidate_roots

    texts = ["", "ftp://kitsu.example", "http://", "://nothing"]
    messages = []
    for text in texts:
        try:
            candidate_roots(text)
        except E.ValidationError as exc:
            messages.append(str(exc))
            continue
        raise Broken(f"{text!r} accepted")
    return Outcome(" / ".join(messages), recovered="-")


@scenario("input", "path-traversal and Windows-reserved file names")
async def bad_file_names(ctx: Ctx) -> Outcome:
    from desktop.api.downloads.filenames import sanitize_filename

    names = ["../../etc/passwd", "..\\..\\boot.ini", "CON", "nul.txt", "a:b*c?.png", " trailing. ", "\x00x"]
    safe = [sanitize_filename(n) for n in names]
    for s in safe:
        check("/" not in s and "\\" not in s and s not in ("", ".", "..") and "\x00" not in s, f"unsafe {s!r}")
        check(s.split(".")[0].upper() not in ("CON", "NUL", "PRN", "AUX"), f"reserved {s!r}")
    return Outcome("saved as " + ", ".join(f"“{s}”" for s in safe), recovered="-")


@scenario("input", "formula and leading-zero CSV cells")
async def csv_cells(ctx: Ctx) -> Outcome:
    from desktop.csvio import cell_text, neutralise, read_csv_bytes

    formula = neutralise("=HYPERLINK(\"http://evil\")")
    check(not formula.startswith("="), formula)
    table = read_csv_bytes(b"Name;Frames\n007;0010\n")
    check(table.rows == [["007", "0010"]], f"{table.rows}")
    return Outcome(f"exported as {formula!r}; imported “007”, “0010” unchanged (cell_text(7) = "
                   f"{cell_text(7)!r})", recovered="-")


@scenario("input", "CSV with a BOM, a wrong delimiter, Windows-1252, ragged rows")
async def csv_files(ctx: Ctx) -> Outcome:
    from desktop.csvio import CsvFormatError, read_csv_bytes

    bom = read_csv_bytes(b"\xef\xbb\xbfName,Description\nSH010,d\n")
    check(bom.headers == ["Name", "Description"] and bom.had_bom, "BOM removed")
    tab = read_csv_bytes(b"Name\tDescription\nSH010\td\n")
    check(tab.delimiter == "\t", tab.delimiter)
    cp = read_csv_bytes("Name;Description\nSH010;caf\xe9 cr\xe8me\n".encode("cp1252"))
    check(cp.rows[0][1] == "café crème", cp.rows[0][1])
    short = read_csv_bytes(b"Name;Description;Frames\nSH010;d\n")
    check(short.rows == [["SH010", "d"]] or short.rows == [["SH010", "d", ""]], f"{short.rows}")
    try:
        read_csv_bytes(b"Name;Description;Frames\nSH010;d;12;extra\n")
    except CsvFormatError as exc:
        too_many = str(exc)
    else:
        raise Broken("a row with more values than headers was accepted")
    return Outcome(f"{bom.encoding_label}; {tab.delimiter_label} detected; {cp.encoding_label} decoded; a short "
                   f"row is padded; a long one is refused: “{too_many}”", recovered="-")


@scenario("input", "unicode names")
async def unicode_names(ctx: Ctx) -> Outcome:
    from tests.helpers.editing import editor_for, seed_edit_project

    seeded = seed_edit_project(ctx.admin, n_shots=0, n_assets=0, shot_tasks=False)
    ed = await editor_for(ctx.proxy.url, seeded.manager)
    ctx.sessions.append(ed.session)
    name = "Ünïcødé 字幕 🎬"
    asset = await ed.create_asset(seeded.id, seeded.asset_type_id, name, description="ça marche")
    check(ctx.admin.get(f"/data/entities/{asset['id']}")["name"] == name, "stored as typed")
    return Outcome(f"created and read back as “{name}”", recovered="-")


@scenario("input", "wrong OTP formats")
async def wrong_otp(ctx: Ctx) -> Outcome:
    import pyotp

    from desktop.api import AccountSecurity, TwoFactorRequired, WrongCode

    user = ctx.user()
    session = await ctx.signed_in(user)
    security = AccountSecurity(session)
    enrollment = await security.totp_begin()
    await security.totp_confirm(pyotp.TOTP(enrollment.secret).now())
    await session.sign_out()
    fresh = ctx.session()
    check(isinstance(await fresh.sign_in(user.email, user.password), TwoFactorRequired), "2FA asked")
    for code in ("12345", "abcdef", "1234567", "12 34 5"):
        outcome = await fresh.sign_in(user.email, user.password, totp=code)
        check(isinstance(outcome, WrongCode), f"{code!r}: {outcome}")
    from desktop.ui.signin import messages

    return Outcome(messages.WRONG_CODE + " (for “12345”, “abcdef”, “1234567”, “12 34 5”)", recovered="-")


@scenario("input", "malformed filter queries")
async def bad_queries(ctx: Ctx) -> Outcome:
    from desktop.filtering import FilterContext, compile_query

    context = FilterContext.for_page("shot", task_types=[{"id": "t1", "name": "Layout"}],
                                     task_statuses=[{"id": "s1", "name": "Todo", "short_name": "todo"}])
    hints = []
    for query in ("[[[", "layout=", "=wip", "-", "\"unclosed", "layout=nope [x=y"):
        compiled = compile_query(query, context)
        hints += [d.name for d in compiled.unknown]
    return Outcome(f"no crash; {len(hints)} hint(s) shown under the filter box", recovered="-")


# ====================================================================== running
@contextlib.contextmanager
def tls_server(folder: Path) -> Iterator[str]:
    """An https server on loopback with a self-signed certificate no trust store knows."""
    cert, key = folder / "self-signed.pem", folder / "self-signed.key"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                        str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def run_one(group: str, fault: str, fn: Scenario, server: Any, admin: Any, tmp: Path) -> Row:
    from tests.faults.proxy import FaultProxy

    row = Row(group, fault)
    t0 = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="matrix-", dir=tmp))
    with FaultProxy(server.url) as proxy:
        ctx = Ctx(server, admin, proxy, folder)
        try:
            row.outcome = await asyncio.wait_for(fn(ctx), 60)
        except Broken as exc:
            row.error = f"expectation broken: {exc}"
        except Exception as exc:  # any other exception is a finding too: it goes in the table
            row.error = f"{type(exc).__name__}: {exc}"
        finally:
            await ctx.aclose()
    row.seconds = time.monotonic() - t0
    return row


def table(rows: list[Row]) -> str:
    lines = ["| fault | what the user saw | data lost | recovered by itself | check |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        o = r.outcome or Outcome("")
        saw = (o.saw if not r.error else r.error).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r.fault} | {saw} | {o.lost if not r.error else '?'} | {o.recovered} | "
                     f"{'pass' if r.ok else '**FAIL**'} |")
    return "\n".join(lines)


def header(rows: list[Row]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    failed = sum(not r.ok for r in rows)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"# Fault matrix\n\n`python -m tests.faults.matrix` · {when} · commit {commit} · Zou 1.0.97 on loopback "
            f"behind the fault proxy · {len(rows)} rows, {failed} failed · {sum(r.seconds for r in rows):.0f} s\n\n"
            "What the user saw is Slate's own sentence for the error (what the window shows). Data lost must be "
            "\"none\" on every row. See `tests/faults/matrix.py` for what each row does and checks.\n")


@contextlib.asynccontextmanager
async def real_zou() -> AsyncIterator[tuple[Any, Any]]:
    from desktop.localzou import LocalZou
    from tests.helpers.zou import ZouAdmin

    server = await asyncio.to_thread(lambda: LocalZou(log=False).start())
    admin = ZouAdmin(server)
    try:
        yield server, admin
    finally:
        admin.close()
        await asyncio.to_thread(server.stop)


async def amain(only: str) -> tuple[list[Row], str]:
    picked = [s for s in SCENARIOS if only.lower() in s[1].lower() or only.lower() == s[0]]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="slate-matrix-") as tmp:
        async with real_zou() as (server, admin):
            for group, fault, fn in picked:
                row = await run_one(group, fault, fn, server, admin, Path(tmp))
                rows.append(row)
                print(f"{'ok  ' if row.ok else 'FAIL'} {row.seconds:5.1f} s  {fault}", file=sys.stderr, flush=True)
    return rows, header(rows) + "\n" + table(rows) + "\n"


def isolate_environment() -> None:
    """As tests/conftest.py: never the user's keyring, settings or data; Zou's venv is reused."""
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.helpers.keyrings.MemoryKeyring"
    from desktop.localzou.install import zou_venv_dir

    os.environ.setdefault("SLATE_ZOU_VENV", str(zou_venv_dir()))
    home = tempfile.mkdtemp(prefix="slate-matrix-home-")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        os.environ[var] = os.path.join(home, var.lower())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the rows whose fault contains this text (or a group name)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"Markdown table (default {DEFAULT_OUT.name})")
    args = parser.parse_args(argv)
    isolate_environment()
    rows, text = asyncio.run(amain(args.only))
    print(text)
    if not args.only:  # a partial run never overwrites the last full table
        args.out.write_text(text, encoding="utf-8")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
