"""The disk cache (`desktop.api.cache`) against the real Zou: 304 revalidation counted at the fault proxy, a
change between two reads, a corrupted or truncated file, two processes at once, the size cap, no secrets."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from desktop.api import SignedIn, ZouClient
from desktop.api.cache import CacheStore, Offline, ReadCache, database_path
from desktop.api.cache.chunks import CODEC, decode_rows
from desktop.api.cache.store import CacheCorrupt, decode
from desktop.localzou import LocalZou
from tests.api.conftest import SessionFactory
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique

SHOTS = "/data/shots/with-tasks"
ASSETS = "/data/assets/with-tasks"


@pytest.fixture(scope="module")
def project(zou_admin: ZouAdmin) -> SeededProject:
    artist = zou_admin.create_user("user", first_name="Cache")
    return seed_small_project(zou_admin, artist=artist, name=unique("Cached"), with_preview=False)


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as p:
        yield p


async def _signed_in(make_session: SessionFactory, user: TestUser, url: str) -> ZouClient:
    session = make_session(url, retries=1)
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    return ZouClient(session)


def _cache(client: ZouClient, root: Path, user: TestUser, max_bytes: int = 64 << 20) -> ReadCache:
    cache = ReadCache.open(client.session, user.email, max_bytes=max_bytes, root=root)
    client.cache = cache
    return cache


async def _list(cache: ReadCache, client: ZouClient, kind: str, project_id: str) -> list[tuple[int, int]]:
    """(rows in the table, rows added) of each table the cache yields; a new table object is a new entry."""
    seen: list[tuple[int, int]] = []
    last = None
    async for table, _added in cache.iter_with_tasks(client, kind, project_id):
        if table is not last:
            seen.append((id(table), 0))
            last = table
        seen[-1] = (id(table), len(table.rows))
    return seen


def _damage(path: Path, *, truncate: bool) -> None:
    """Cut the database file in half (WAL dropped), or replace it with random bytes."""
    data = path.read_bytes()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(data[: len(data) // 2] if truncate else os.urandom(8192))


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_second_read_is_shown_from_disk_and_revalidated_with_a_304(
        make_session: SessionFactory, project: SeededProject, proxy: FaultProxy, tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, proxy.url)
    cache = _cache(client, tmp_path, project.artist)
    first = await _list(cache, client, "shot", project.id)
    assert [n for _, n in first] == [len(project.shots)] and cache.sources["shot"].source == "server"
    await _list(cache, client, "asset", project.id)
    await cache.flush()
    first_bytes = proxy.body_bytes(SHOTS)
    assert first_bytes > 0

    proxy.reset()
    again = await _list(cache, client, "shot", project.id)
    assert [n for _, n in again] == [len(project.shots)]  # one table: the disk's, confirmed
    assert cache.sources["shot"].source == "revalidated" and cache.not_modified == 1
    assert proxy.count(SHOTS) == 1 and proxy.body_bytes(SHOTS) == 0
    assert proxy.log[0].status.startswith("HTTP/1.1 304")
    # Zou gives shots and assets one ETag: the assets list is keyed by its own URL and comes back as assets.
    assets = await _list(cache, client, "asset", project.id)
    assert [n for _, n in assets] == [len(project.assets)] and proxy.body_bytes(ASSETS) == 0


async def test_a_change_on_the_server_between_two_reads_replaces_the_cached_rows(
        make_session: SessionFactory, zou_admin: ZouAdmin, project: SeededProject, proxy: FaultProxy,
        tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, proxy.url)
    cache = _cache(client, tmp_path, project.artist)
    await _list(cache, client, "shot", project.id)
    await cache.flush()
    shot_id = next(iter(project.shots.values()))
    text = unique("changed between opens")
    zou_admin.put(f"/data/entities/{shot_id}", {"description": text})
    proxy.reset()
    tables = []
    async for table, _added in cache.iter_with_tasks(client, "shot", project.id):
        if not tables or tables[-1] is not table:
            tables.append(table)
    assert len(tables) == 2  # the disk's rows, then the server's new list replacing them
    assert cache.sources["shot"].source == "server" and proxy.body_bytes(SHOTS) > 0
    rows = {r["id"]: r for r in tables[-1].row_dicts()}
    assert rows[shot_id]["description"] == text
    old = {r["id"]: r for r in tables[0].row_dicts()}
    assert old[shot_id]["description"] != text
    await cache.flush()
    entry = cache.store.table(cache.key(SHOTS, {"project_id": project.id, "compact": "true", "stream": "true"}),
                              "shot")
    assert entry is not None and entry.etag == tables[-1].etag  # the new copy replaced the old


async def test_unreachable_server_serves_the_disk_and_says_so(
        make_session: SessionFactory, project: SeededProject, proxy: FaultProxy, tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, proxy.url)
    cache = _cache(client, tmp_path, project.artist)
    await client.context()
    await _list(cache, client, "shot", project.id)
    await cache.flush()
    proxy.set_mode("cut")  # the server is gone: every connection closes without an answer
    assert [n for _, n in await _list(cache, client, "shot", project.id)] == [len(project.shots)]
    assert not cache.reach.online and cache.reach.since is not None
    context = await client.context()  # from the disk, without trying the network again
    assert any(p.id == project.id for p in context.projects)
    with pytest.raises(Offline):
        await client.task_comments(next(iter(project.tasks.values())))  # never read: not cached
    with pytest.raises(Offline):
        await _list(cache, client, "shot", "00000000-0000-0000-0000-000000000000")


async def test_corrupted_and_truncated_cache_files_are_rebuilt_never_a_crash(
        make_session: SessionFactory, project: SeededProject, zou_server: LocalZou, tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, zou_server.url)
    cache = _cache(client, tmp_path, project.artist)
    await _list(cache, client, "shot", project.id)
    await client.context()
    await cache.flush()
    path = cache.store.path
    cache.close()

    # Truncated: half of the file is gone (a full disk, a killed copy).
    _damage(path, truncate=True)
    cache = _cache(client, tmp_path, project.artist)
    assert [n for _, n in await _list(cache, client, "shot", project.id)][-1] == len(project.shots)
    await cache.flush()
    assert (await client.context()).projects

    # Overwritten with garbage: not a database at all.
    cache.close()
    _damage(path, truncate=False)
    cache = _cache(client, tmp_path, project.artist)
    assert [n for _, n in await _list(cache, client, "shot", project.id)] == [len(project.shots)]
    assert cache.store.rebuilt == 1
    await cache.flush()
    assert cache.store.table(cache.key(SHOTS, {"project_id": project.id, "compact": "true", "stream": "true"}),
                             "shot") is not None  # stored again in the rebuilt database

    # A damaged chunk inside a sound database: that entry is dropped, the rows come from the server.
    cache.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE chunks SET data = ? WHERE seq = 0", (b"not a stored blob",))
    db.commit()
    db.close()
    cache = _cache(client, tmp_path, project.artist)
    tables = await _list(cache, client, "shot", project.id)
    assert tables[-1][1] == len(project.shots) and cache.sources["shot"].source == "server"


def test_the_cap_evicts_the_least_recently_used(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=20_000)
    blob = [os.urandom(4000).hex()]  # random hex (LZ4 barely shrinks it): ~8 kB stored
    store.put_json("https://zou/a", blob)
    store.put_json("https://zou/b", blob)
    assert store.get_json("https://zou/a") is not None  # a used again: b is now the oldest
    store.put_json("https://zou/c", blob)
    assert store.keys() == ["https://zou/a", "https://zou/c"] and store.size() <= 20_000
    rows = [[os.urandom(200).hex()] for _ in range(1200)]
    store.put_table("https://zou/big", "shot", "e", ("id",), (), rows)  # larger than the cap: not kept
    assert store.table("https://zou/big", "shot") is None and store.size() <= 20_000
    store.put_table("https://zou/t", "shot", "e", ("id",), (), rows[:30])
    assert "https://zou/t" in store.keys() and store.size() <= 20_000
    assert store.table("https://zou/t", "asset") is None  # the kind is checked: same URL never other rows
    entry = store.table("https://zou/t", "shot")
    assert entry is not None and sum(len(c) for c in store.iter_rows(entry)) == 30


def test_a_partial_table_is_never_shown_as_complete(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=1 << 30)
    store.put_table("u", "shot", None, ("id",), (), [[str(i)] for i in range(1200)])  # 3 chunks
    db = sqlite3.connect(store.path)
    db.execute("DELETE FROM chunks WHERE seq = 1")
    db.commit()
    db.close()
    entry = store.table("u", "shot")
    assert entry is not None
    with pytest.raises(CacheCorrupt):
        list(store.iter_rows(entry))
    assert store.table("u", "shot") is None  # dropped


def test_a_flipped_byte_in_a_chunk_is_caught(tmp_path: Path) -> None:
    """LZ4 blocks carry no checksum of their own: the stored CRC-32 catches what they would decode wrongly."""
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=1 << 30)
    store.put_table("u", "shot", None, ("id",), (), [[f"shot {i}"] for i in range(1200)])
    db = sqlite3.connect(store.path)
    data = bytearray(db.execute("SELECT data FROM chunks WHERE seq = 2").fetchone()[0])
    data[len(data) // 2] ^= 0x01
    db.execute("UPDATE chunks SET data = ? WHERE seq = 2", (bytes(data),))
    db.commit()
    db.close()
    with pytest.raises(CacheCorrupt):
        decode(bytes(data))
    entry = store.table("u", "shot")
    assert entry is not None
    with pytest.raises(CacheCorrupt):
        list(store.iter_rows(entry))
    assert store.table("u", "shot") is None  # dropped, read again from the server next time


TWO_PROCESSES = textwrap.dedent("""
    import asyncio, os, sys
    from pathlib import Path
    from desktop.api import SignedIn, ZouClient, ZouSession
    from desktop.api.cache import ReadCache

    async def main() -> None:
        session = ZouSession(os.environ["ZOU_URL"])
        assert isinstance(await session.sign_in(os.environ["EMAIL"], os.environ["PASSWORD"]), SignedIn)
        client = ZouClient(session)
        cache = ReadCache.open(session, os.environ["EMAIL"], max_bytes=64 << 20, root=Path(os.environ["ROOT"]))
        client.cache = cache
        for i in range(int(os.environ["ROUNDS"])):
            for kind in ("shot", "asset"):
                table = None
                async for table, _ in cache.iter_with_tasks(client, kind, os.environ["PROJECT"]):
                    pass
                assert table is not None and len(table.rows) == int(os.environ[kind.upper() + "S"]), kind
            # a write every round: both processes rewrite the same entries while the other reads them
            cache.store.drop(cache.key("/data/shots/with-tasks", {"project_id": os.environ["PROJECT"],
                                                                   "compact": "true", "stream": "true"}))
            await client.context()
            await cache.flush()
        cache.close()
        await session.aclose()
        print("ok", cache.disk_hits, cache.not_modified, cache.fetched)

    asyncio.run(main())
""")


def test_two_app_processes_share_one_cache(project: SeededProject, zou_server: LocalZou, tmp_path: Path) -> None:
    env = {**os.environ, "ZOU_URL": zou_server.url, "EMAIL": project.artist.email,
           "PASSWORD": project.artist.password, "ROOT": str(tmp_path), "PROJECT": project.id, "ROUNDS": "6",
           "SHOTS": str(len(project.shots)), "ASSETS": str(len(project.assets)),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [subprocess.Popen([sys.executable, "-c", TWO_PROCESSES], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=90) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert out.startswith("ok"), (out, err[-2000:])
    path = database_path(tmp_path, zou_server.url, project.artist.email)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    store = CacheStore(path, max_bytes=64 << 20)
    assert store.rebuilt == 0
    assert any("/data/assets/with-tasks" in k for k in store.keys())


async def test_nothing_secret_in_the_cache_files(make_session: SessionFactory, project: SeededProject,
                                                 zou_server: LocalZou, tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, zou_server.url)
    cache = _cache(client, tmp_path, project.artist)
    await client.context()
    await client.my_tasks()
    await _list(cache, client, "shot", project.id)
    task_id = next(iter(project.tasks.values()))
    await client.task_comments(task_id)
    await client.task(task_id)
    cache.store.put_meta("session", {"user": client.session.user.raw if client.session.user else {}})
    await cache.flush()
    tokens = client.session.tokens
    assert tokens is not None and tokens.refresh
    secrets = [tokens.access.encode(), tokens.refresh.encode(), project.artist.password.encode()]
    cache.close()
    files = _files(tmp_path)
    assert files
    for file, raw in files.items():  # the raw bytes (the WAL included)
        assert not any(s in raw for s in secrets), file
    # and every stored value decompressed (the raw bytes are LZ4: a grep alone would prove nothing)
    db = sqlite3.connect(cache.store.path)
    blobs = [r[0] for r in db.execute("SELECT body FROM entries UNION ALL SELECT value FROM meta")]
    chunks = [r[0] for r in db.execute("SELECT data FROM chunks")]
    keys = [r[0] for r in db.execute("SELECT key FROM entries")]
    db.close()
    assert len(blobs) >= 5 and chunks
    for blob in blobs + chunks:
        text = decode(blob)
        if blob in chunks:  # rows: marshal, whose strings are their UTF-8 bytes (so the grep below holds)
            assert decode_rows(text, CODEC)
        else:
            orjson.loads(text)
        assert not any(s in text for s in secrets)
        assert b"Bearer" not in text and b"authorization" not in text.lower()
    assert not any(s.decode() in k for s in secrets for k in keys)


async def test_reads_keep_working_while_the_disk_cache_is_unwritable(
        make_session: SessionFactory, project: SeededProject, zou_server: LocalZou, tmp_path: Path) -> None:
    client = await _signed_in(make_session, project.artist, zou_server.url)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    cache = _cache(client, blocked, project.artist)
    assert [n for _, n in await _list(cache, client, "shot", project.id)] == [len(project.shots)]
    assert (await client.context()).projects
    await cache.flush()
    await asyncio.sleep(0)


async def test_disk_writes_wait_while_a_list_streams_from_the_server(
        make_session: SessionFactory, project: SeededProject, zou_server: LocalZou, tmp_path: Path) -> None:
    """Encoding a list for the disk is kept off the interpreter while another list is still streaming."""
    client = await _signed_in(make_session, project.artist, zou_server.url)
    cache = _cache(client, tmp_path, project.artist)
    context_key = cache.key("/data/user/context")
    read = cache.read_list(client, "shot", project.id)
    try:
        async for table, _added in read.rows():
            assert table.rows
        assert read.streamed and cache.sources["shot"].source == "server"
        await client.context()  # answered while the shots' load is not closed: its write is held
        await asyncio.sleep(0.2)
        assert cache.store.get_json(context_key) is None
        assert cache.store.table(read.key, "shot") is None  # the list itself: stored once shown (`close`)
        await cache.flush()  # someone waits for the writes (sign-out, Clear cache): the held ones go now
        assert cache.store.get_json(context_key) is not None
    finally:
        read.close()
    await cache.flush()
    entry = cache.store.table(read.key, "shot")
    assert entry is not None and entry.rows == len(project.shots)


async def test_a_read_on_its_way_when_the_cache_is_cleared_writes_nothing_back(
        make_session: SessionFactory, project: SeededProject, zou_server: LocalZou, tmp_path: Path) -> None:
    """"Clear cache" or "Sign out and forget this computer" while a list is loading: nothing comes back."""
    client = await _signed_in(make_session, project.artist, zou_server.url)
    cache = _cache(client, tmp_path, project.artist)
    await client.context()
    await cache.flush()
    read = cache.read_list(client, "shot", project.id)
    async for _table, _added in read.rows():
        pass
    await cache.flush()
    cache.store.clear()
    read.close()  # the load ends after the clear: its list is not stored
    await cache.flush()
    assert not cache.store.path.exists()
    await _list(cache, client, "shot", project.id)  # a load started after the clear is stored
    await cache.flush()
    assert cache.store.table(read.key, "shot") is not None
