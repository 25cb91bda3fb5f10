"""How a stored chunk of list rows is encoded: `marshal`, with equal strings shared.

A reopen decodes every chunk of a 10,000-shot list (2 million values) on the UI thread before the pane is
whole, and that decoding is mostly making Python objects: orjson makes a new string for each of the
80,000 tasks' status id, task type id, entity id... (~140 ms for the list). Encoded with each equal
string made one object first, `marshal` stores a string once per chunk and refers to it after, and reads
it back as references to one object: about half the time (and the rows take less memory). The sharing
is done when a list is stored, on the cache's writer thread, never on the loop.

Why `marshal` is safe here: it only builds data (it can load a code object, never runs one, and the rows
are checked to be lists); a damaged chunk never reaches it, because each stored blob carries the CRC-32
of its bytes (`store.decode`); and what wrote the file is this user's own app. Its format belongs to one
Python version, so each stored list names its codec (`CODEC`); a list stored by another version, or as
JSON by an older Slate (`JSON_CODEC`, still read), is decoded with what it names or dropped.
"""

from __future__ import annotations

import marshal
import sys
from typing import Any

import orjson

MARSHAL_VERSION = 4  # supported by every Python 3 Slate runs on; references to shared objects since 3
CODEC = f"marshal{MARSHAL_VERSION}-py{sys.version_info[0]}.{sys.version_info[1]}"
JSON_CODEC = "json"  # lists stored before the codec was recorded


class ChunkError(ValueError):
    """A chunk that does not decode to rows."""


def shared_strings(rows: list[list[Any]]) -> list[list[Any]]:
    """Copies of `rows` in which equal strings are one object (lists and dicts copied, other values kept).

    Copies, not edits in place: the rows are the ones on screen, read by the UI thread meanwhile."""
    memo: dict[str, str] = {}
    share = memo.setdefault

    def copy(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        add = out.append
        for v in values:
            cls = v.__class__
            if cls is str:
                add(share(v, v))
            elif cls is list:
                add(copy(v))
            elif cls is dict:
                add({(share(k, k) if k.__class__ is str else k): x
                     for k, x in zip(v, copy(list(v.values())), strict=True)})
            else:
                add(v)
        return out

    return [copy(row) for row in rows]


def encode_rows(rows: list[list[Any]]) -> bytes:
    return marshal.dumps(shared_strings(rows), MARSHAL_VERSION)


def decode_rows(data: bytes, codec: str) -> list[list[Any]]:
    """The rows of a chunk encoded with `codec`; `ChunkError` when they are not rows."""
    try:
        rows = marshal.loads(data) if codec == CODEC else orjson.loads(data) if codec == JSON_CODEC else None
    except (ValueError, EOFError, TypeError, orjson.JSONDecodeError) as exc:
        raise ChunkError(f"a chunk does not decode: {exc}") from exc
    if rows is None:
        raise ChunkError(f"a chunk in an unknown encoding ({codec})")
    if rows.__class__ is not list or not all(r.__class__ is list for r in rows):
        raise ChunkError("a chunk is not a list of rows")
    return rows
