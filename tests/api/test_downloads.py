"""The download manager against the real Zou; faults through a loopback proxy in front of it.

Every file is created through Zou's real API (a comment with an attachment, a preview upload, a working
file) and compared by sha256 with the bytes Zou stores in its PREVIEW_FOLDER.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.api import SignedIn, Tokens, ZouSession
from desktop.api.downloads import (
    ConflictChoice,
    ConflictPolicy,
    DownloadItem,
    DownloadManager,
    DownloadSource,
    Status,
)
from desktop.api.downloads import sources as ds
from desktop.api.tokens import jwt_claims
from desktop.localzou import LocalZou
from tests.faults.proxy import HOP_BY_HOP, FaultProxy, Logged, Request
from tests.faults.proxy import _head as proxy_head
from tests.helpers.seed import SeededProject, png_bytes, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, forge_token

MB = 1 << 20
# Both ways a body is read: streamed through the session (httpx), or, for big files, the fast path
# (downloads.fast_path: http.client on a thread). Test files are small, so the fast path's threshold is
# lowered to exercise it.
PATHS = pytest.mark.parametrize("fast", [False, True], ids=["stream", "fast-path"])


def path_kw(fast: bool) -> dict[str, Any]:
    return {"fast_path_min_bytes": (64 << 10) if fast else None}


def cut_once(proxy: FaultProxy, path: str, fast: bool, keep: float = 0.5) -> None:
    """Cut the body of the next transfer of `path` (with the fast path, its second request)."""
    if fast:
        proxy.add_rule("pass", times=1, path=path)  # the session's request, closed unread
    proxy.add_rule("truncate", keep=keep, times=1, path=path)


# ---------------------------------------------------------------------------- helpers and fixtures
def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str:
    return sha(path.read_bytes())


def stored(server: LocalZou, bucket: str, file_id: str) -> Path:
    """Where Zou's local file store keeps a file (PREVIEW_FOLDER/<bucket>/<id[:3]>/<id[3:6]>/<id>)."""
    assert server.root is not None
    return server.root / "previews" / bucket / file_id[:3] / file_id[3:6] / file_id


class RecordingProxy(FaultProxy):
    """The fault proxy, also noting the Range / If-Range headers of every request it received."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.requests: list[tuple[str, str | None, str | None]] = []

    def _record(self, req: Request, mode: str, reached: bool) -> None:
        super()._record(req, mode, reached)
        self.requests.append((req.path, req.header("range"), req.header("if-range")))

    def ranges(self, path: str) -> list[tuple[str | None, str | None]]:
        return [(r, i) for p, r, i in self.requests if p == path]


@pytest.fixture(scope="module")
def project(zou_admin: ZouAdmin) -> SeededProject:
    return seed_small_project(zou_admin)


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[RecordingProxy]:
    with RecordingProxy(zou_server.url) as p:
        yield p


@dataclass
class Env:
    admin: ZouAdmin
    server: LocalZou
    project: SeededProject
    tmp: Path
    sessions: list[ZouSession] = field(default_factory=list)
    managers: list[DownloadManager] = field(default_factory=list)

    async def session(self, user: TestUser | None = None, url: str | None = None) -> ZouSession:
        user = user or self.project.artist
        session = ZouSession(url or self.server.url, client=httpx.AsyncClient(timeout=10))
        self.sessions.append(session)
        assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
        return session

    def manager(self, session: ZouSession, **kw: Any) -> DownloadManager:
        kw.setdefault("state_file", self.tmp / "queue.json")
        kw.setdefault("retry_delay", 0.05)
        manager = DownloadManager(session, **kw)
        self.managers.append(manager)
        manager.start()
        return manager

    def attachment(self, name: str, data: bytes, task: str = "SQ01/SH020") -> dict[str, Any]:
        """A comment with an attachment on a task of the project; the attachment record."""
        task_id = self.project.tasks[(task, "Animation")]
        r = self.admin.http.post(f"/actions/tasks/{task_id}/comment",
                                 data={"task_status_id": self.project.statuses["wip"]["id"], "comment": "file"},
                                 files={"file": (name, data, "application/octet-stream")})
        assert r.status_code < 300, r.text[:300]
        files = r.json()["attachment_files"]
        assert len(files) == 1
        return dict(files[0])


@pytest.fixture
async def env(zou_admin: ZouAdmin, zou_server: LocalZou, project: SeededProject,
              tmp_path: Path) -> AsyncIterator[Env]:
    e = Env(zou_admin, zou_server, project, tmp_path)
    yield e
    for manager in e.managers:
        with contextlib.suppress(RuntimeError):
            await manager.shutdown()
    for session in e.sessions:
        await session.http.aclose()


def waiter(manager: DownloadManager, event: str, predicate: Callable[[DownloadItem], bool] = lambda i: True
           ) -> asyncio.Future[tuple[DownloadItem, str]]:
    """A future resolved the first time `event` happens to an item matching `predicate`: (item, error type
    at that moment)."""
    future: asyncio.Future[tuple[DownloadItem, str]] = asyncio.get_running_loop().create_future()

    def listener(item: DownloadItem, ev: str) -> None:
        if ev == event and predicate(item) and not future.done():
            future.set_result((item, item.error_type))

    manager.subscribe(listener)
    return future


def only_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------- downloads
@PATHS
async def test_attachment_downloads_identical_with_progress(env: Env, fast: bool) -> None:
    data = os.urandom(3 * MB)
    record = env.attachment("plate notes.bin", data)
    session = await env.session()
    manager = env.manager(session, **path_kw(fast))
    progress: list[tuple[int, int | None, float]] = []
    manager.subscribe(lambda item, ev: progress.append((item.received, item.total, item.speed))
                      if ev == "progress" else None)
    (item,) = manager.enqueue([ds.attachment_source(record)], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    target = env.tmp / "out" / "plate notes.bin"
    assert file_sha(target) == sha(data) == file_sha(stored(env.server, "files/attachments", record["id"]))
    assert only_files(env.tmp / "out") == ["plate notes.bin"]  # no .part left behind
    assert item.total == len(data) and item.received == len(data)
    assert item.etag and item.etag.startswith('"')
    assert progress and progress[-1][:2] == (len(data), len(data))
    assert all(r <= len(data) for r, _, _ in progress)


async def test_previews_of_an_entity_original_and_thumbnail(env: Env) -> None:
    session = await env.session()
    shot = env.project.shots["SQ01/SH010"]
    sources = await ds.entity_preview_sources(session, [shot])
    sources += await ds.entity_preview_sources(session, [shot], variant=ds.PreviewVariant.THUMBNAIL)
    assert len(sources) == 2
    manager = env.manager(session)
    items = manager.enqueue(sources, env.tmp / "previews")
    await manager.wait()
    assert all(i.status is Status.DONE for i in items), [i.error for i in items]
    preview_id = env.project.preview_file_id
    original, thumbnail = items
    # Zou names the original itself (Content-Disposition): <project>_<entity>_<task type>_v<revision>.png
    assert original.file_name is not None and original.file_name.endswith("_sq01_sh010_animation_v1.png")
    assert thumbnail.file_name == "SH010_Animation_v1_thumb.png"
    folder = env.tmp / "previews"
    assert file_sha(folder / original.file_name) == file_sha(stored(env.server, "pictures/original", preview_id))
    assert file_sha(folder / thumbnail.file_name) == file_sha(stored(env.server, "pictures/thumbnails", preview_id))


async def test_playlist_and_task_comment_batches(env: Env) -> None:
    admin, project = env.admin, env.project
    shot = project.shots["SQ01/SH010"]
    playlist = admin.post("/data/playlists", {
        "name": f"dailies-{uuid.uuid4().hex[:6]}", "project_id": project.id,
        "shots": [{"entity_id": shot, "preview_file_id": project.preview_file_id}]})
    session = await env.session()
    from_playlist = await ds.playlist_preview_sources(session, playlist["id"], variant="picture")
    assert [s.name for s in from_playlist] == ["SH010_Animation_v1_preview.png"]
    from_comments = await ds.task_comment_sources(session, project.tasks[("SQ01/SH010", "Animation")])
    kinds = sorted(s.kind for s in from_comments)
    assert kinds == ["attachment", "preview"]
    manager = env.manager(session)
    items = manager.enqueue(from_playlist + from_comments, env.tmp / "batch")
    await manager.wait()
    assert all(i.status is Status.DONE for i in items), [i.error for i in items]
    names = only_files(env.tmp / "batch")
    assert project.attachment_name in names and "SH010_Animation_v1_preview.png" in names
    assert (env.tmp / "batch" / project.attachment_name).read_bytes() == b"arc notes\n"


async def test_working_file_named_from_its_record(env: Env) -> None:
    admin, project = env.admin, env.project
    admin.put(f"/data/projects/{project.id}", {"file_tree": WORKING_TREE})
    task_id = project.tasks[("SQ02/SH010", "Layout")]
    record = admin.post(f"/data/tasks/{task_id}/working-files/new",
                        {"name": f"main{uuid.uuid4().hex[:4]}", "comment": "v1"})
    data = os.urandom(MB + 17)
    r = admin.http.post(f"/data/working-files/{record['id']}/file", files={"file": ("whatever.blend", data)})
    assert r.status_code == 201, r.text[:300]
    session = await env.session(user=None)
    (source,) = await ds.working_file_sources(session, [record["id"]])
    # Zou sends no name: the basename of the record's path plus the software's extension.
    assert source.name == record["path"].rsplit("/", 1)[-1] + ".blend"
    manager = env.manager(session)
    (item,) = manager.enqueue([source], env.tmp / "wf")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert file_sha(env.tmp / "wf" / source.name) == sha(data)


# The working part of Zou's bundled "simple" file tree: a project needs one to create working files.
WORKING_TREE = {"working": {
    "mountpoint": "/simple", "root": "productions",
    "folder_path": {"shot": "<Project>/shots/<Sequence>/<Shot>/<TaskType>/<Software>", "style": "lowercase"},
    "file_name": {"shot": "<Project>_<Sequence>_<Shot>_<TaskType>_<Name>_v<Version>", "style": "lowercase"},
}}


# ---------------------------------------------------------------------------- faults: resume
@PATHS
async def test_cut_mid_body_resumes_with_range_and_if_range(env: Env, proxy: RecordingProxy, fast: bool) -> None:
    data = os.urandom(3 * MB)
    record = env.attachment("cut.bin", data)
    source = ds.attachment_source(record)
    cut_once(proxy, source.path, fast)  # the head says 3 MB, the body stops at half, the connection closes
    session = await env.session(url=proxy.url)
    manager = env.manager(session, **path_kw(fast))
    retried = waiter(manager, "retry")
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert file_sha(env.tmp / "out" / "cut.bin") == sha(data)
    assert (await retried)[1] == "NetworkError"
    ranges = proxy.ranges(source.path)
    assert ranges[0] == (None, None)
    # After the cut, the transfer resumed where it stopped, conditionally on the same file.
    resumed = [r for r in ranges if r[0] == f"bytes={len(data) // 2}-"]
    assert resumed and all(if_range == item.etag for _, if_range in resumed)
    assert item.resumes == 1 and item.restarts == 0


@PATHS
async def test_file_changed_on_server_starts_over(env: Env, proxy: RecordingProxy, fast: bool) -> None:
    old = os.urandom(2 * MB)
    record = env.attachment("changing.bin", old)
    source = ds.attachment_source(record)
    cut_once(proxy, source.path, fast)
    session = await env.session(url=proxy.url)
    manager = env.manager(session, max_retries=0, **path_kw(fast))
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "NetworkError"
    part = env.tmp / "out" / "changing.bin.part"
    assert part.stat().st_size == len(old) // 2 and not (env.tmp / "out" / "changing.bin").exists()
    old_etag = item.etag

    # A new version on the server (same size: Zou checks the stored size), newer mtime: a new ETag.
    new = os.urandom(len(old))
    disk = stored(env.server, "files/attachments", record["id"])
    disk.write_bytes(new)
    st = disk.stat()
    os.utime(disk, (st.st_atime, st.st_mtime + 10))

    manager.retry(item.id)
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert file_sha(env.tmp / "out" / "changing.bin") == sha(new)  # never half old + half new
    # The retry asked for the rest of the old version; Zou answered the whole new one (200).
    assert (f"bytes={len(old) // 2}-", old_etag) in proxy.ranges(source.path)
    assert item.restarts == 1 and item.resumes == 0 and item.etag != old_etag


@PATHS
async def test_queue_survives_a_restart_and_resumes(env: Env, proxy: RecordingProxy, fast: bool) -> None:
    data = os.urandom(2 * MB + 123)
    record = env.attachment("resume-me.bin", data)
    source = ds.attachment_source(record)
    cut_once(proxy, source.path, fast, keep=0.4)
    session = await env.session(url=proxy.url)
    # The retry would wait a minute: the app quits first.
    first = env.manager(session, retry_delay=60, **path_kw(fast))
    retried = waiter(first, "retry")
    (item,) = first.enqueue([source], env.tmp / "out")
    await retried
    await first.shutdown()
    part = env.tmp / "out" / "resume-me.bin.part"
    kept = part.stat().st_size
    assert kept == int(len(data) * 0.4)
    saved = json.loads((env.tmp / "queue.json").read_text())["items"]
    assert [(i["id"], i["status"]) for i in saved] == [(item.id, "queued")]

    second = env.manager(session, **path_kw(fast))  # same state file: a new app run
    restored = second.get(item.id)
    assert restored.status in (Status.QUEUED, Status.ACTIVE) and restored.etag == item.etag
    await second.wait()
    assert restored.status is Status.DONE, restored.error
    assert file_sha(env.tmp / "out" / "resume-me.bin") == sha(data)
    assert proxy.ranges(source.path)[-1] == (f"bytes={kept}-", item.etag)
    assert restored.resumes == 1 and not part.exists()


async def test_pause_resume_and_cancel(env: Env, proxy: RecordingProxy) -> None:
    data = os.urandom(2 * MB)
    a, b = env.attachment("pause.bin", data), env.attachment("cancel.bin", data)
    sa, sb = ds.attachment_source(a), ds.attachment_source(b)
    proxy.set_mode("truncate", keep=0.5, times=1, path=sa.path)
    proxy.add_rule("truncate", keep=0.5, times=1, path=sb.path)
    session = await env.session(url=proxy.url)
    manager = env.manager(session, retry_delay=60)
    both_retrying: set[str] = set()
    ready = asyncio.get_running_loop().create_future()

    def on(item: DownloadItem, ev: str) -> None:
        if ev == "retry":
            both_retrying.add(item.id)
            if len(both_retrying) == 2 and not ready.done():
                ready.set_result(None)

    manager.subscribe(on)
    pause_item, cancel_item = manager.enqueue([sa, sb], env.tmp / "out")
    await ready
    manager.pause(pause_item.id)
    manager.cancel(cancel_item.id)
    await manager.wait()
    out = env.tmp / "out"
    assert pause_item.status is Status.PAUSED and (out / "pause.bin.part").stat().st_size == len(data) // 2
    assert cancel_item.status is Status.CANCELED
    assert only_files(out) == ["pause.bin.part"]  # cancel removed its partial file

    manager.resume(pause_item.id)
    await manager.wait()
    assert pause_item.status is Status.DONE and file_sha(out / "pause.bin") == sha(data)
    assert only_files(out) == ["pause.bin"]


# ---------------------------------------------------------------------------- faults: errors, never a file
async def test_404_is_an_error_and_no_file(env: Env) -> None:
    session = await env.session()
    manager = env.manager(session)
    missing = str(uuid.uuid4())
    (item,) = manager.enqueue([DownloadSource(path=f"/data/attachment-files/{missing}/file/shot010.mov",
                                              name="shot010.mov")], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "NotFound"
    assert only_files(env.tmp / "out") == []
    # Asking again for the same file in the same folder retries that item rather than adding one.
    again = manager.enqueue([item.source], env.tmp / "out")
    assert again == [item] and len(manager.items) == 1
    await manager.wait()
    assert item.status is Status.FAILED and only_files(env.tmp / "out") == []


async def test_403_is_an_error_and_no_file(env: Env) -> None:
    outsider = env.admin.create_user()  # not in the project's team
    record = env.attachment("secret.bin", b"not for you")
    session = await env.session(user=outsider)
    manager = env.manager(session)
    (item,) = manager.enqueue([ds.attachment_source(record)], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "PermissionDenied"
    assert only_files(env.tmp / "out") == []


async def test_expired_access_token_mid_queue_is_refreshed(env: Env, zou_server: LocalZou) -> None:
    records = [env.attachment(f"q{i}.bin", os.urandom(200_000)) for i in range(3)]
    session = await env.session()
    assert session.tokens is not None and session.tokens.refresh
    refresh = session.tokens.refresh
    artist = env.project.artist
    expired = forge_token(zou_server.secret_key, artist.id, extra={"refresh_jti": jwt_claims(refresh)["jti"]})
    manager = env.manager(session, parallel=1)

    def expire_after_first(item: DownloadItem, ev: str) -> None:
        if ev == "changed" and item.status is Status.DONE and item.source.name == "q0.bin":
            session.set_tokens(Tokens(access=expired, refresh=refresh))

    manager.subscribe(expire_after_first)
    items = manager.enqueue([ds.attachment_source(r) for r in records], env.tmp / "out")
    await manager.wait()
    assert [i.status for i in items] == [Status.DONE] * 3, [i.error for i in items]
    assert session.refresh_count == 1
    assert session.tokens is not None and session.tokens.access != expired
    assert only_files(env.tmp / "out") == ["q0.bin", "q1.bin", "q2.bin"]


# ---------------------------------------------------------------------------- names
MALICIOUS = {
    "../../etc/passwd": "etc_passwd",
    "../../evil.sh": "evil.sh",
    "CON.txt": "_CON.txt",
    "a/b\\c": "a_b_c",
    "bad\x01\x1f\x7fname.txt": "badname.txt",
    "x\u202egnp.exe": "xgnp.exe",
    "trailing. . ": "trailing",
}


async def test_malicious_names_stay_inside_the_folder(env: Env) -> None:
    session = await env.session()
    manager = env.manager(session)
    sources: list[DownloadSource] = []
    payloads: dict[str, bytes] = {}
    # Zou refuses some of these names at upload (no extension, longer than 250): the record name is
    # then given as the source's name, which is where a record name goes anyway.
    for raw, expected in MALICIOUS.items():
        data = os.urandom(1000)
        record = env.attachment("payload.bin", data)
        sources.append(DownloadSource(path=ds.attachment_source(record).path, name=raw))
        payloads[expected] = data
    long_record = env.attachment("long.bin", b"long")
    sources.append(DownloadSource(path=ds.attachment_source(long_record).path, name="x" * 300 + ".mov"))
    # Zou keeps an uploaded "../../from-record.sh" as the record's name...
    from_record = env.attachment("../../from-record.sh", b"#!/bin/sh\n")
    assert from_record["name"] == "../../from-record.sh"
    sources.append(ds.attachment_source(from_record))
    # ...and sends it back in Content-Disposition (the name used when the record gives none).
    from_header = env.attachment("../../from-header.sh", b"#!/bin/sh\n")
    sources.append(DownloadSource(path=ds.attachment_source(from_header).path, name=None))
    folder = env.tmp / "inside" / "folder"
    items = manager.enqueue(sources, folder)
    await manager.wait()
    assert all(i.status is Status.DONE for i in items), [i.error for i in items]
    names = only_files(folder)
    for expected, data in payloads.items():
        assert (folder / expected).read_bytes() == data
    long_name = next(n for n in names if n.startswith("xxx"))
    assert long_name.endswith(".mov") and len(long_name.encode()) <= 200
    assert "from-header.sh" in names and "from-record.sh" in names
    # Nothing was written anywhere else: the only things under tmp are the folder and the queue file.
    written = sorted(str(p.relative_to(env.tmp)) for p in env.tmp.rglob("*") if p.is_file())
    assert all(w.startswith("inside/folder/") or w == "queue.json" for w in written), written
    assert all((folder / n).parent == folder for n in names)


async def test_existing_file_is_never_overwritten(env: Env) -> None:
    data = os.urandom(50_000)
    record = env.attachment("notes.txt", data)
    folder = env.tmp / "out"
    folder.mkdir()
    (folder / "notes.txt").write_bytes(b"mine")
    session = await env.session()
    manager = env.manager(session)
    (item,) = manager.enqueue([ds.attachment_source(record)], folder)
    await manager.wait()
    assert item.status is Status.DONE and item.file_name == "notes (1).txt"
    assert (folder / "notes.txt").read_bytes() == b"mine"
    assert (folder / "notes (1).txt").read_bytes() == data


async def test_a_file_appearing_during_the_download_is_kept(env: Env) -> None:
    data = os.urandom(MB)
    record = env.attachment("race.bin", data)
    folder = env.tmp / "out"
    session = await env.session()
    manager = env.manager(session)

    def squat(item: DownloadItem, ev: str) -> None:
        # The moment the answer's head arrived (the name is chosen), another program writes the name.
        if ev == "changed" and item.status is Status.ACTIVE and item.total and not (folder / "race.bin").exists():
            (folder / "race.bin").write_bytes(b"other program")

    manager.subscribe(squat)
    (item,) = manager.enqueue([ds.attachment_source(record)], folder)
    await manager.wait()
    assert item.status is Status.DONE and item.file_name == "race (1).bin"
    assert (folder / "race.bin").read_bytes() == b"other program"
    assert file_sha(folder / "race (1).bin") == sha(data)


async def test_ask_policy_waits_for_a_decision(env: Env) -> None:
    record = env.attachment("ask.txt", b"from zou")
    folder = env.tmp / "out"
    folder.mkdir()
    (folder / "ask.txt").write_bytes(b"mine")
    session = await env.session()
    manager = env.manager(session, conflict_policy=ConflictPolicy.ASK)
    (keep,) = manager.enqueue([ds.attachment_source(record)], folder)
    assert keep.status is Status.CONFLICT and keep.error_type == "Conflict"
    manager.resolve_conflict(keep.id, ConflictChoice.KEEP_BOTH)
    await manager.wait()
    assert keep.status is Status.DONE and keep.file_name == "ask (1).txt"
    assert (folder / "ask.txt").read_bytes() == b"mine"

    (replace,) = manager.enqueue([DownloadSource(path=ds.attachment_source(record).path, name="ask.txt")], folder)
    assert replace.status is Status.CONFLICT
    manager.resolve_conflict(replace.id, ConflictChoice.OVERWRITE)
    await manager.wait()
    assert replace.status is Status.DONE and (folder / "ask.txt").read_bytes() == b"from zou"

    (skip,) = manager.enqueue([DownloadSource(path=ds.attachment_source(record).path, name="ask.txt")], folder)
    manager.resolve_conflict(skip.id, ConflictChoice.SKIP)
    assert skip.status is Status.CANCELED
    assert only_files(folder) == ["ask (1).txt", "ask.txt"]


# ---------------------------------------------------------------------------- disk and folder
async def test_unwritable_folder_fails_clearly_and_others_continue(env: Env) -> None:
    a, b = env.attachment("a.bin", b"a" * 1000), env.attachment("b.bin", b"b" * 1000)
    blocker = env.tmp / "a-file"
    blocker.write_text("not a folder")
    session = await env.session()
    manager = env.manager(session)
    (bad,) = manager.enqueue([ds.attachment_source(a)], blocker / "sub")
    (good,) = manager.enqueue([ds.attachment_source(b)], env.tmp / "ok")
    await manager.wait()
    assert bad.status is Status.FAILED and bad.error_type == "FolderNotWritable"
    assert "a-file" in bad.error
    assert good.status is Status.DONE


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (needs root, as in CI's container); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_disk_full_is_checked_before_starting(env: Env, tiny_fs: Path) -> None:
    record = env.attachment("too-big.bin", os.urandom(3 * MB))
    session = await env.session()
    manager = env.manager(session)
    (item,) = manager.enqueue([ds.attachment_source(record)], tiny_fs)
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "DiskFull"
    assert "Not enough space" in item.error
    assert not (tiny_fs / "too-big.bin").exists()


@PATHS
async def test_disk_filling_up_while_writing_keeps_the_part(env: Env, tiny_fs: Path, fast: bool) -> None:
    data = os.urandom(3 * MB)
    big, small = env.attachment("fills.bin", data), env.attachment("elsewhere.bin", b"fine" * 1000)
    session = await env.session()
    manager = env.manager(session, check_free_space=False, flush_bytes=256 * 1024, **path_kw(fast))
    (item,) = manager.enqueue([ds.attachment_source(big)], tiny_fs)
    (other,) = manager.enqueue([ds.attachment_source(small)], env.tmp / "ok")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "DiskFull", item.error
    assert "disk is full" in item.error
    part = tiny_fs / "fills.bin.part"
    assert 0 < part.stat().st_size < len(data) and part.read_bytes() == data[: part.stat().st_size]
    assert not (tiny_fs / "fills.bin").exists()
    assert other.status is Status.DONE  # the full disk did not stall the other transfer


async def test_png_preview_upload_of_a_new_revision(env: Env) -> None:
    """A second preview revision on the same task is a different file with its own name."""
    admin, project = env.admin, env.project
    task_id = project.tasks[("SQ01/SH030", "Layout")]
    comment = admin.post(f"/actions/tasks/{task_id}/comment",
                         {"task_status_id": project.statuses["wfa"]["id"], "comment": "v1"})
    preview = admin.post(f"/actions/tasks/{task_id}/comments/{comment['id']}/add-preview", {})
    picture = png_bytes(32, 20, (10, 200, 30))
    up = admin.http.post(f"/pictures/preview-files/{preview['id']}", files={"file": ("v1.png", picture, "image/png")})
    assert up.status_code < 300, up.text[:200]
    session = await env.session()
    sources = await ds.task_comment_sources(session, task_id, attachments=False)
    assert len(sources) == 1 and sources[0].kind == "preview"
    manager = env.manager(session)
    (item,) = manager.enqueue(sources, env.tmp / "rev")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert item.file_name is not None and item.file_name.endswith("_sq01_sh030_layout_v1.png")
    assert file_sha(env.tmp / "rev" / item.file_name) == file_sha(
        stored(env.server, "pictures/original", preview["id"]))


async def test_pause_and_cancel_right_after_enqueue(env: Env) -> None:
    """A transfer stopped before its task ran a single line still ends in the right state."""
    data = os.urandom(100_000)
    a, b = env.attachment("early-pause.bin", data), env.attachment("early-cancel.bin", data)
    session = await env.session()
    manager = env.manager(session)
    paused, canceled = manager.enqueue([ds.attachment_source(a), ds.attachment_source(b)], env.tmp / "out")
    assert paused.status is Status.ACTIVE and canceled.status is Status.ACTIVE  # started, not yet run
    manager.pause(paused.id)
    manager.cancel(canceled.id)
    await manager.wait()
    assert paused.status is Status.PAUSED and canceled.status is Status.CANCELED
    assert manager.active_count == 0
    manager.resume(paused.id)
    await manager.wait()
    assert paused.status is Status.DONE and (env.tmp / "out" / "early-pause.bin").read_bytes() == data


async def test_session_ended_pauses_then_resumes_after_sign_in(env: Env) -> None:
    records = [env.attachment(f"s{i}.bin", os.urandom(50_000)) for i in range(3)]
    session = await env.session()
    manager = env.manager(session, parallel=1)

    def sign_out_after_first(item: DownloadItem, ev: str) -> None:
        if ev == "changed" and item.status is Status.DONE and item.source.name == "s0.bin":
            session.set_tokens(None)  # the session ended (refresh token revoked, signed out elsewhere)

    unsubscribe = manager.subscribe(sign_out_after_first)
    items = manager.enqueue([ds.attachment_source(r) for r in records], env.tmp / "out")
    await manager.wait()
    assert [i.status for i in items] == [Status.DONE, Status.PAUSED, Status.PAUSED]
    assert items[1].error_type == "SessionExpired" and not (env.tmp / "out" / "s1.bin").exists()
    unsubscribe()
    artist = env.project.artist
    assert isinstance(await session.sign_in(artist.email, artist.password), SignedIn)
    manager.resume_all()
    await manager.wait()
    assert [i.status for i in items] == [Status.DONE] * 3


async def test_remove_an_active_download(env: Env, proxy: RecordingProxy) -> None:
    record = env.attachment("removed.bin", os.urandom(MB))
    source = ds.attachment_source(record)
    proxy.set_mode("truncate", keep=0.5, times=1, path=source.path)
    session = await env.session(url=proxy.url)
    manager = env.manager(session, retry_delay=60)
    retried = waiter(manager, "retry")
    (item,) = manager.enqueue([source], env.tmp / "out")
    await retried
    removed = waiter(manager, "removed")
    manager.remove(item.id)
    assert (await removed)[0] is item
    assert item.id not in manager and only_files(env.tmp / "out") == []
    saved = json.loads((env.tmp / "queue.json").read_text())["items"]
    assert saved == []


async def test_fast_path_stalled_transfer_can_be_paused(env: Env, proxy: RecordingProxy) -> None:
    """A fast-path thread blocked on a server that never answers stops at once on pause."""
    data = os.urandom(MB)
    record = env.attachment("stalled.bin", data)
    source = ds.attachment_source(record)
    proxy.add_rule("pass", times=1, path=source.path)
    proxy.add_rule("stall", times=1, path=source.path)
    session = await env.session(url=proxy.url)
    manager = env.manager(session, **path_kw(True))
    (item,) = manager.enqueue([source], env.tmp / "out")
    # The session's request passed (the name is chosen); then the fast request hangs.
    for _ in range(500):
        if proxy.count(source.path) == 2 and item.total:
            break
        await asyncio.sleep(0.02)  # polling the proxy thread
    manager.pause(item.id)
    await manager.wait()
    assert item.status is Status.PAUSED
    manager.resume(item.id)
    await manager.wait()
    assert item.status is Status.DONE and file_sha(env.tmp / "out" / "stalled.bin") == sha(data)


# ---------------------------------------------------------------------------- the saved queue (no server)
async def test_a_tampered_or_broken_queue_file_is_never_trusted(tmp_path: Path) -> None:
    session = ZouSession("http://127.0.0.1:9")
    state = tmp_path / "queue.json"
    good = {"id": "a", "source": {"path": "/data/attachment-files/x/file/y"}, "folder": str(tmp_path / "out"),
            "api_url": session.api_url, "file_name": "../../etc/passwd", "part_name": "ok.bin.part",
            "status": "active", "total": 10}
    elsewhere = dict(good, id="b", source={"path": "https://evil.example/steal"})  # would carry the token away
    state.write_text(json.dumps({"version": 1, "items": [good, elsewhere, "junk"]}))
    manager = DownloadManager(session, state_file=state)
    (item,) = manager.items
    assert item.id == "a" and item.status is Status.QUEUED  # it was active when the app stopped
    assert item.file_name is None and item.part_name == "ok.bin.part"  # an unsafe name is dropped
    await manager.shutdown()

    state.write_text("{not json")
    manager = DownloadManager(session, state_file=state)
    assert manager.items == [] and (tmp_path / "queue.json.bad").exists()
    await manager.shutdown()
    with pytest.raises(ValueError):
        DownloadSource(path="https://evil.example/file")
    await session.aclose()


@PATHS
async def test_a_cut_body_reframed_as_complete_is_not_accepted(env: Env, proxy: RecordingProxy, fast: bool) -> None:
    """An intermediary that re-frames a broken answer as a complete short one (Content-Length rewritten)
    must not produce a short file: Zou's ETag and the record still give the real size."""
    data = os.urandom(2 * MB)
    record = env.attachment("reframed.bin", data)
    source = ds.attachment_source(record)
    proxy.add_rule("truncate", keep=0.5, ending="clean", times=1, path=source.path)
    session = await env.session(url=proxy.url)
    manager = env.manager(session, **path_kw(fast))
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert file_sha(env.tmp / "out" / "reframed.bin") == sha(data)


# ---------------------------------------------------------------------------- no size, no validator (issue 20)
class NoValidatorProxy(RecordingProxy):
    """An intermediary that drops the file's validators (ETag, Last-Modified), as nginx's gzip module does
    with strong ETags: the answer's size then rests on its framing alone."""

    http10 = False  # True: no ranges, and every answer ends with the connection (an HTTP/1.0-style server)

    async def _exchange(self, req: Request) -> tuple[str, list[tuple[str, str]], bytes]:
        if self.http10:
            req.headers = [(k, v) for k, v in req.headers if k.lower() not in ("range", "if-range")]
        status, headers, body = await super()._exchange(req)
        return status, [(k, v) for k, v in headers if k.lower() not in ("etag", "last-modified")], body

    async def _relay(self, req: Request, writer: asyncio.StreamWriter, logged: Logged | None = None) -> bool:
        status, headers, body = await self._exchange(req)
        if logged is not None:
            logged.status, logged.body_bytes = status, len(body)
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() != "transfer-encoding"]
        if req.method != "HEAD":
            kept = [(k, v) for k, v in kept if k.lower() != "content-length"]
            if not self.http10:
                kept.append(("Content-Length", str(len(body))))
        writer.write(proxy_head(status, kept, close=True) + body)
        await writer.drain()
        return False


@pytest.fixture
def bare_proxy(zou_server: LocalZou) -> Iterator[NoValidatorProxy]:
    with NoValidatorProxy(zou_server.url) as p:
        yield p


def unsized(source: DownloadSource) -> DownloadSource:
    """The same file without the record's size: only the answer can tell how big it is (as for a preview)."""
    return DownloadSource(path=source.path, name=source.name, fallback_name=source.fallback_name)


async def test_a_cut_close_delimited_body_without_size_or_etag_is_not_complete(
        env: Env, bare_proxy: NoValidatorProxy) -> None:
    """No Content-Length, no ETag, no record size, and the connection closes half way: the end of the body
    looks like the end of the file. It must not be saved as complete; the retry gets the whole file."""
    data = os.urandom(2 * MB)
    source = unsized(ds.attachment_source(env.attachment("unsized.bin", data)))
    bare_proxy.add_rule("truncate", keep=0.5, ending="close_delimited", times=1, path=source.path)
    session = await env.session(url=bare_proxy.url)
    manager = env.manager(session)
    retried = waiter(manager, "retry")
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert file_sha(env.tmp / "out" / "unsized.bin") == sha(data)
    assert (await retried)[1] == "IntegrityError"


async def test_a_close_delimited_body_cut_every_time_fails_and_saves_nothing(
        env: Env, bare_proxy: NoValidatorProxy) -> None:
    data = os.urandom(MB)
    source = unsized(ds.attachment_source(env.attachment("always-cut.bin", data)))
    bare_proxy.set_mode("truncate", keep=0.5, ending="close_delimited", path=source.path)
    session = await env.session(url=bare_proxy.url)
    manager = env.manager(session, max_retries=2)
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "IntegrityError", item.error
    assert "incomplete" in item.error and not (env.tmp / "out" / "always-cut.bin").exists()


async def test_a_whole_close_delimited_body_is_checked_and_accepted(env: Env, bare_proxy: NoValidatorProxy) -> None:
    data = os.urandom(MB)
    source = unsized(ds.attachment_source(env.attachment("whole.bin", data)))
    bare_proxy.add_rule("truncate", keep=len(data), ending="close_delimited", times=1, path=source.path)
    session = await env.session(url=bare_proxy.url)
    manager = env.manager(session)
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.DONE and item.total == len(data), item.error
    assert file_sha(env.tmp / "out" / "whole.bin") == sha(data) and item.restarts == 0


async def test_a_server_that_never_states_a_size_gives_no_silently_complete_file(
        env: Env, bare_proxy: NoValidatorProxy) -> None:
    """No size, no validator, no ranges, every answer framed by the close: a complete body cannot be told
    from a cut one. The download fails with that reason instead of being called complete."""
    source = unsized(ds.attachment_source(env.attachment("http10.bin", os.urandom(300_000))))
    bare_proxy.http10 = True
    session = await env.session(url=bare_proxy.url)
    manager = env.manager(session)
    (item,) = manager.enqueue([source], env.tmp / "out")
    await manager.wait()
    assert item.status is Status.FAILED and item.error_type == "UnverifiableSize", item.error
    assert "cannot be told from a cut one" in item.error and not (env.tmp / "out" / "http10.bin").exists()
    assert bare_proxy.count(source.path) == 2  # the transfer and the question about its size, no retry loop


# ---------------------------------------------------------------------------- no hard links (issue 20)
async def test_rename_without_hard_links_never_replaces_a_file_created_meanwhile(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system without hard links (FAT, some SMB shares) the final rename cannot be `link`: another
    program creating the name between a check and the rename must not lose its file."""
    data = os.urandom(200_000)
    record = env.attachment("nolink.bin", data)
    folder = env.tmp / "out"
    target = folder / "nolink.bin"

    def no_link(src: Any, dst: Any, *a: Any, **kw: Any) -> None:
        raise PermissionError(1, "Operation not permitted")  # what vfat answers

    real_rename, real_replace = os.rename, os.replace
    squatted: list[bool] = []  # the other program tried to create the name, at the last moment
    wrote: list[bool] = []  # ... and could

    def racing(real: Callable[..., None]) -> Callable[..., None]:
        def call(src: Any, dst: Any, *a: Any, **kw: Any) -> None:
            if os.fspath(dst) == os.fspath(target) and not squatted:
                squatted.append(True)
                with contextlib.suppress(FileExistsError):  # a careful program: it never replaces a file
                    with open(target, "xb") as fh:
                        fh.write(b"other program")
                    wrote.append(True)
            real(src, dst, *a, **kw)
        return call

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "rename", racing(real_rename))
    monkeypatch.setattr(os, "replace", racing(real_replace))
    session = await env.session()
    manager = env.manager(session, state_file=None)
    (item,) = manager.enqueue([ds.attachment_source(record)], folder)
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert squatted
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    # Either the other program kept its file and ours got another name, or it backed off: nothing lost.
    assert sha(files[item.file_name or ""]) == sha(data)
    assert not wrote or b"other program" in files.values(), "the other program's file was replaced"
    assert all(v in (data, b"other program") for v in files.values()) and len(files) <= 2
    monkeypatch.undo()


# ---------------------------------------------------------------------------- sign-in again (issue 20)
async def test_resume_after_sign_in_resumes_what_the_session_paused_only(env: Env) -> None:
    records = [env.attachment(f"again{i}.bin", os.urandom(50_000)) for i in range(3)]
    session = await env.session()
    manager = env.manager(session, parallel=1)
    first, by_session, by_user = manager.enqueue([ds.attachment_source(r) for r in records], env.tmp / "out")
    manager.pause(by_user.id)

    def sign_out_after_first(item: DownloadItem, ev: str) -> None:
        if ev == "changed" and item is first and item.status is Status.DONE:
            session.set_tokens(None)  # the session ended (refresh token revoked, signed out elsewhere)

    unsubscribe = manager.subscribe(sign_out_after_first)
    await manager.wait()
    unsubscribe()
    assert (first.status, by_session.status, by_user.status) == (Status.DONE, Status.PAUSED, Status.PAUSED)
    assert by_session.waiting_for_sign_in and not by_user.waiting_for_sign_in
    artist = env.project.artist
    assert isinstance(await session.sign_in(artist.email, artist.password), SignedIn)
    manager.resume_after_sign_in()
    await manager.wait()
    assert by_session.status is Status.DONE and (env.tmp / "out" / "again1.bin").exists()
    assert by_user.status is Status.PAUSED and not by_session.waiting_for_sign_in


async def test_paused_by_the_session_resumes_on_the_next_run(env: Env) -> None:
    record = env.attachment("next-run.bin", os.urandom(50_000))
    session = await env.session()
    session.set_tokens(None)
    first = env.manager(session)
    (item,) = first.enqueue([ds.attachment_source(record)], env.tmp / "out")
    await first.wait()
    assert item.status is Status.PAUSED and item.waiting_for_sign_in
    await first.shutdown()

    again = await env.session()  # the next run, signed in
    second = env.manager(again)
    restored = second.get(item.id)
    await second.wait()
    assert restored.status is Status.DONE, restored.error
