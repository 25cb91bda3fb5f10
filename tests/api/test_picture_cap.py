"""The pictures folder (PictureStore) is held under the cache cap: least recently used pictures go first."""

from __future__ import annotations

import os
import time
from pathlib import Path

from desktop.api.pictures import PictureStore
from tests.api.conftest import SessionFactory


def _png(n: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + os.urandom(n)


def _age(store: PictureStore, path: str, seconds_ago: float) -> None:
    file = store.file(path)
    when = time.time() - seconds_ago
    os.utime(file, (when, when))


def _folder_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


async def test_the_pictures_folder_stays_under_the_cap_lru_by_access(make_session: SessionFactory,
                                                                    tmp_path: Path) -> None:
    session = make_session()
    store = PictureStore(session, tmp_path / "thumbnails", max_bytes=10_000)
    paths = [f"/pictures/thumbnails/preview-files/p{i}.png" for i in range(4)]
    assert store.save(paths[0], _png(3000), '"etag-0"')  # the folder's size is unknown: a trim is asked for
    assert store.trim() == 0  # ~3 kB: under the cap, and the size is known from now on
    assert not any(store.save(p, _png(3000), f'"etag-{i}"') for i, p in enumerate(paths[1:3], 1))
    assert _folder_bytes(tmp_path) <= 10_000
    for i, p in enumerate(paths[:3]):
        _age(store, p, 300 - i * 100)  # p0 the oldest, p2 the newest
    store.used(paths[0])  # shown from the disk again: now the most recently used
    assert store.save(paths[3], _png(3000), '"etag-3"')  # over the cap now: a trim is due
    assert store.trim() == 1
    assert not store.file(paths[1]).exists() and not store.file(paths[1]).with_suffix(".etag").exists()
    assert all(store.file(p).exists() for p in (paths[0], paths[2], paths[3]))
    assert _folder_bytes(tmp_path) <= 10_000 and store.evicted == 1
    assert not store.save(paths[1], _png(100), None)  # known size, under the cap: no trim needed

    # A lower cap (the setting changed): trimmed down to it, the most recently used kept.
    store.max_bytes = 3_500
    store.used(paths[3])
    assert store.trim() >= 2 and store.file(paths[3]).exists() and _folder_bytes(tmp_path) <= 3_500

    unbounded = PictureStore(session, tmp_path / "other")
    assert not unbounded.save(paths[0], _png(50_000), None) and unbounded.trim() == 0
