"""How the disk cache stores list rows (`desktop.api.cache.chunks`): marshal with shared strings, read back
exactly; lists stored as JSON by an older Slate still read; another Python's lists, or a chunk that is not
rows, dropped and never shown. No server needed: these are the store's own files."""

from __future__ import annotations

import marshal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desktop.api.cache import CacheStore
from desktop.api.cache.chunks import CODEC, JSON_CODEC, decode_rows, encode_rows
from desktop.api.cache.store import CacheCorrupt, _framed, _pack

FIELDS = ("id", "name", "flag", "count", "ratio", "data", "tasks")
TASK_FIELDS = ("id", "task_status_id", "duration", "assignees", "data")


def rows(n: int) -> list[list[Any]]:
    status = "6e3f47e2-ac3c-49ed-a2fb-0edd87ac52db"
    return [[f"id-{i}", f"SH{i:04d}", i % 2 == 0, i, 1.0 if i % 3 else 0.0, {"fps": "24", "frame_in": 1001 + i},
             [[f"task-{i}-{j}", "".join(status), float(j), [f"person-{j}"] if j else [], None if j else {"k": [1]}]
              for j in range(3)]]
            for i in range(n)]


def test_rows_read_back_exactly_with_equal_strings_shared(tmp_path: Path) -> None:
    stored = rows(1200)  # 3 chunks
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=1 << 30)
    store.put_table("u", "shot", "etag", FIELDS, TASK_FIELDS, stored)
    entry = store.table("u", "shot")
    assert entry is not None and entry.codec == CODEC and entry.chunks == 3
    back = [r for chunk in store.iter_rows(entry) for r in chunk]
    assert back == stored
    # Types are kept, not only equal values: bools stay bools, floats stay floats (1 == 1.0 == True).
    assert [type(v) for v in back[1][:5]] == [str, str, bool, int, float]
    assert type(back[0][4]) is float and back[0][2] is True
    # One status string per chunk, whatever the number of tasks carrying it.
    statuses = {id(t[1]) for r in back[:500] for t in r[6]}
    assert len(statuses) == 1
    # The copies read back are independent lists: editing one task's assignees touches no other.
    back[0][6][1][3].append("someone")
    assert back[1][6][1][3] == ["person-1"]


def test_the_encoding_copies_and_never_edits_the_rows_on_screen() -> None:
    shown = rows(10)
    before = [list(r) for r in shown]
    encoded = encode_rows(shown)
    assert all(x is y for row, copy in zip(shown, before, strict=True) for x, y in zip(row, copy, strict=True))
    assert decode_rows(encoded, CODEC) == shown


def _put_raw(store: CacheStore, key: str, header: dict[str, Any], chunks: list[bytes], n_rows: int) -> None:
    """An entry written the way another version of Slate (or of Python) would have."""
    store.put_json("https://zou/other", {"x": 1})  # the database and its schema exist
    db = sqlite3.connect(store.path)
    body = _pack(header)
    db.execute("INSERT INTO entries (key, kind, etag, body, rows, chunks, size, stored_at, used_at) "
               "VALUES (?, 'table:shot', 'e', ?, ?, ?, 1, 0, 0)", (key, body, n_rows, len(chunks)))
    db.executemany("INSERT INTO chunks (key, seq, data) VALUES (?, ?, ?)",
                   [(key, i, c) for i, c in enumerate(chunks)])
    db.commit()
    db.close()


def test_a_list_stored_as_json_by_an_older_slate_is_still_read(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=1 << 30)
    stored = rows(700)
    _put_raw(store, "u", {"entity_fields": list(FIELDS), "task_fields": list(TASK_FIELDS)},
             [_pack(stored[:500]), _pack(stored[500:])], len(stored))
    entry = store.table("u", "shot")
    assert entry is not None and entry.codec == JSON_CODEC
    assert [r for chunk in store.iter_rows(entry) for r in chunk] == stored


def test_a_list_of_another_python_or_a_chunk_that_is_not_rows_is_dropped(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c.sqlite3", max_bytes=1 << 30)
    header = {"entity_fields": list(FIELDS), "task_fields": list(TASK_FIELDS)}
    _put_raw(store, "other-python", {**header, "codec": "marshal9-py4.0"}, [_framed(b"\xff\x00")], 1)
    assert store.table("other-python", "shot") is None and "other-python" not in store.keys()

    # Checksums right (so written as such), contents not rows: never shown, dropped.
    _put_raw(store, "not-rows", {**header, "codec": CODEC}, [_framed(marshal.dumps({"a": 1}))], 1)
    entry = store.table("not-rows", "shot")
    assert entry is not None
    with pytest.raises(CacheCorrupt):
        list(store.iter_rows(entry))
    assert "not-rows" not in store.keys()
    _put_raw(store, "cut", {**header, "codec": CODEC}, [_framed(marshal.dumps(rows(3))[:-7])], 3)
    entry = store.table("cut", "shot")
    assert entry is not None
    with pytest.raises(CacheCorrupt):
        list(store.iter_rows(entry))
    assert "cut" not in store.keys()
