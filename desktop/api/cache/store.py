"""The disk cache of what one user has loaded from one server: one SQLite database per server and user.

Why SQLite (the standard library's `sqlite3`) in WAL mode, and not files or an HTTP cache library:

* **Two app instances at once** are safe: WAL lets one process read while the other writes, and every
  write is one transaction, so a reader sees the old entry or the new one, never half of each. A file per
  entry would need its own locking and could be read while another process rewrites it.
* **Streaming**: a production's shots with tasks (10,000 rows) are stored as chunks of rows, so a reopen
  shows the first rows after reading one chunk, and the loop never decodes 25 MB in one piece. An HTTP
  cache (hishel) stores response bodies: the client would re-parse the whole NDJSON body at each reopen.
* **Bounded**: each entry knows its size and when it was last used, so least-recently-used eviction under
  the size cap is one query; `auto_vacuum` gives the freed pages back to the disk.
* **Corruption** is detected by SQLite (a truncated or overwritten file raises `DatabaseError`) and by
  each blob's CRC-32: the database is then deleted and rebuilt, and the app reads from the server.
* **Compression**: LZ4 (the `lz4` package's block format), not zlib: a reopen decodes every chunk of a
  10,000-shot list on the UI thread, and LZ4 gives it back in ~10 ms where zlib took ~80 ms. LZ4 blocks
  carry no checksum, so each blob is prefixed with the CRC-32 of what follows (a flipped byte is caught,
  never decoded into wrong rows). The rows themselves are `marshal`ed with equal strings shared
  (`chunks.py` says why: half the decoding time of JSON); every other value is JSON (orjson).

Nothing secret goes in: the keys are request URLs (no tokens in them), the values Zou's JSON answers;
headers are never stored. `meta` holds the signed-in user and server (for an offline start).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import lz4.block  # type: ignore[import-untyped]
import orjson

from desktop.api.cache.chunks import CODEC, JSON_CODEC, ChunkError, decode_rows, encode_rows

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: LZ4 blobs with a CRC-32 (1: zlib); another version is rebuilt
CHUNK_ROWS = 500  # rows per stored chunk: one chunk decodes in a few ms
BUSY_TIMEOUT_MS = 5000  # another instance writing: wait this long for its transaction
DB_SUFFIX = ".sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,       -- the request's full URL, query included (Zou reuses ETags across URLs)
    kind TEXT NOT NULL,         -- 'json', or 'table:shot' / 'table:asset' for a with-tasks list
    etag TEXT,
    body BLOB NOT NULL,         -- crc32 + lz4(orjson): the JSON answer, or a table's header (its codec)
    rows INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    stored_at REAL NOT NULL,
    used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,         -- crc32 + lz4(rows in the header's codec: chunks.py)
    PRIMARY KEY (key, seq)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


class CacheCorrupt(Exception):
    """An entry or the database could not be read back: it is dropped, never shown."""



@contextlib.contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (BEGIN IMMEDIATE: two app instances never deadlock on an upgrade
    from a read lock); rolled back on any error, so the connection is never left inside it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")

@dataclass(frozen=True)
class TableEntry:
    """A stored with-tasks list: its header and how to read its rows (`CacheStore.iter_rows`)."""

    key: str
    kind: str  # "shot" or "asset"
    etag: str | None
    entity_fields: tuple[str, ...]
    task_fields: tuple[str, ...]
    rows: int
    chunks: int
    stored_at: float
    codec: str = JSON_CODEC  # how its chunks are encoded (`chunks.CODEC`)


@dataclass(frozen=True)
class JsonEntry:
    value: Any
    etag: str | None
    stored_at: float


def _pack(value: Any) -> bytes:
    return _framed(orjson.dumps(value))


def _framed(data: bytes) -> bytes:
    block = cast(bytes, lz4.block.compress(data))
    return struct.pack(">I", zlib.crc32(block)) + block


def decode(blob: bytes) -> bytes:
    """The JSON text of a stored blob; `CacheCorrupt` when its checksum or its compression is wrong."""
    if not isinstance(blob, bytes) or len(blob) < 4:
        raise CacheCorrupt("a stored value is too short")
    (crc,) = struct.unpack_from(">I", blob)
    view = memoryview(blob)[4:]
    if zlib.crc32(view) != crc:
        raise CacheCorrupt("a stored value fails its checksum")
    try:
        return cast(bytes, lz4.block.decompress(view))
    except lz4.block.LZ4BlockError as exc:
        raise CacheCorrupt(str(exc)) from exc


def _unpack(blob: bytes) -> Any:
    try:
        return orjson.loads(decode(blob))
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise CacheCorrupt(str(exc)) from exc


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def database_path(root: Path, api_url: str, email: str) -> Path:
    """One folder per server, one database per user (by a digest: no address or e-mail in file names)."""
    return root / digest(api_url.rstrip("/")) / f"{digest(email.strip().lower())}{DB_SUFFIX}"


class CacheStore:
    """One user's cache for one server. Thread-safe: writes usually run in a worker thread.

    `max_bytes` caps the stored size (compressed entries); past it the least recently used entries go.
    Every failure of the disk or the file is logged and costs only the cache, never a crash."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self.rebuilt = 0  # observable: how often a corrupt database was thrown away
        self.generation = 0  # +1 at each `clear()`: what was read before it is not written back after

    # ------------------------------------------------------------ the connection
    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                             isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new database
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last write, never corrupt
            db.executescript(_SCHEMA)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"cache schema {version}, expected {SCHEMA_VERSION}")
            if version == 0:
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error:
            db.close()
            raise
        self._db = db
        return db

    def _rebuild(self, why: BaseException) -> None:
        """The file is not a readable database (truncated, overwritten, another schema): start again."""
        log.warning("disk cache %s unreadable (%s): rebuilding it", self.path.name, why)
        self.rebuilt += 1
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink()

    def _open(self) -> sqlite3.Connection | None:
        """The connection; a file that is not a readable database is rebuilt once. None: not usable now."""
        for attempt in (1, 2):
            try:
                return self._connect()
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    log.info("disk cache busy: %s", exc)
                    return None
                if attempt == 2:
                    log.warning("disk cache not used: %s", exc)
                    return None
                self._rebuild(exc)
            except (sqlite3.Error, OSError) as exc:
                log.warning("disk cache not used: %s", exc)
                return None
        return None

    @contextlib.contextmanager
    def _use(self) -> Iterator[sqlite3.Connection | None]:
        """The connection, or None when the cache cannot be used now; a corrupt file is rebuilt."""
        with self._lock:
            db = self._open()
            try:
                yield db
            except CacheCorrupt:
                raise
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    log.info("disk cache busy: %s", exc)  # the other instance held it past the timeout
                    return
                self._rebuild(exc)
            except (sqlite3.Error, OSError) as exc:
                log.warning("disk cache not used: %s", exc)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    # ------------------------------------------------------------ JSON answers
    def get_json(self, key: str) -> JsonEntry | None:
        with self._use() as db:
            if db is None:
                return None
            row = db.execute("SELECT body, etag, stored_at FROM entries WHERE key=? AND kind='json'",
                             (key,)).fetchone()
            if row is None:
                return None
            try:
                value = _unpack(row[0])
            except CacheCorrupt as exc:
                log.warning("cached answer unreadable, dropped: %s", exc)
                self._delete(db, key)
                return None
            self._touch(db, key)
            return JsonEntry(value, row[1], row[2])
        return None

    def put_json(self, key: str, value: Any, etag: str | None = None) -> None:
        body = _pack(value)
        now = time.time()
        with self._use() as db:
            if db is None:
                return
            with _immediate(db):
                db.execute("DELETE FROM chunks WHERE key=?", (key,))
                db.execute("INSERT OR REPLACE INTO entries (key, kind, etag, body, rows, chunks, size, stored_at,"
                           " used_at) VALUES (?, 'json', ?, ?, 0, 0, ?, ?, ?)",
                           (key, etag, body, len(body), now, now))
            self._evict(db, keep=key)

    # ------------------------------------------------------------ with-tasks tables
    def table(self, key: str, kind: str) -> TableEntry | None:
        """The stored list at `key` if it holds `kind` rows (Zou gives shots and assets one ETag)."""
        with self._use() as db:
            if db is None:
                return None
            row = db.execute("SELECT kind, etag, body, rows, chunks, stored_at FROM entries WHERE key=?",
                             (key,)).fetchone()
            if row is None:
                return None
            if row[0] != f"table:{kind}":
                return None
            try:
                header = _unpack(row[2])
                efields = tuple(map(str, header["entity_fields"]))
                tfields = tuple(map(str, header["task_fields"]))
                codec = str(header.get("codec", JSON_CODEC))
            except (CacheCorrupt, KeyError, TypeError, AttributeError) as exc:
                log.warning("cached list header unreadable, dropped: %s", exc)
                self._delete(db, key)
                return None
            if codec not in (CODEC, JSON_CODEC):
                log.info("cached list stored by another Python (%s), dropped", codec)
                self._delete(db, key)
                return None
            return TableEntry(key, kind, row[1], efields, tfields, row[3], row[4], row[5], codec)
        return None

    def iter_rows(self, entry: TableEntry) -> Iterator[list[list[Any]]]:
        """The stored rows, one chunk at a time. Raises `CacheCorrupt` (and drops the entry) when a chunk
        is missing or unreadable, or the rows do not add up: a partial list is never shown as complete."""
        # One query for every chunk (a few MB of compressed blobs), decoded one at a time as they are asked
        # for: one round through SQLite instead of one per chunk, and the lock is not held while decoding.
        with self._use() as db:
            blobs = [] if db is None else db.execute(
                "SELECT seq, data FROM chunks WHERE key=? ORDER BY seq", (entry.key,)).fetchall()
        count = 0
        for seq in range(entry.chunks):
            try:
                if seq >= len(blobs) or blobs[seq][0] != seq:
                    raise CacheCorrupt(f"chunk {seq} of {entry.chunks} missing")
                rows = decode_rows(decode(blobs[seq][1]), entry.codec)
            except ChunkError as exc:
                self.drop(entry.key)
                raise CacheCorrupt(str(exc)) from exc
            except CacheCorrupt:
                self.drop(entry.key)
                raise
            blobs[seq] = (seq, b"")  # the compressed copy is not kept beside its rows
            count += len(rows)
            yield rows
        if count != entry.rows:
            self.drop(entry.key)
            raise CacheCorrupt(f"{count} rows stored, {entry.rows} expected")
        with self._use() as db:
            if db is not None:
                self._touch(db, entry.key)

    def put_table(self, key: str, kind: str, etag: str | None, entity_fields: tuple[str, ...],
                  task_fields: tuple[str, ...], rows: list[list[Any]]) -> None:
        """Store a complete list (in a worker thread: encoding 10,000 rows takes a few hundred ms)."""
        header = _pack({"entity_fields": list(entity_fields), "task_fields": list(task_fields), "codec": CODEC})
        # Encode before the transaction: another instance's readers are not held up while we compress.
        chunks = [_framed(encode_rows(rows[i:i + CHUNK_ROWS])) for i in range(0, len(rows), CHUNK_ROWS)]
        size = len(header) + sum(map(len, chunks))
        if size > self.max_bytes:
            log.info("list %s (%d bytes) is larger than the cache cap: not stored", key, size)
            self.drop(key)
            return
        now = time.time()
        with self._use() as db:
            if db is None:
                return
            with _immediate(db):
                db.execute("DELETE FROM chunks WHERE key=?", (key,))
                db.executemany("INSERT INTO chunks (key, seq, data) VALUES (?, ?, ?)",
                               ((key, i, c) for i, c in enumerate(chunks)))
                db.execute("INSERT OR REPLACE INTO entries (key, kind, etag, body, rows, chunks, size, stored_at,"
                           " used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (key, f"table:{kind}", etag, header, len(rows), len(chunks), size, now, now))
            self._evict(db, keep=key)

    def touch(self, key: str) -> None:
        """A 304 confirmed the entry: it counts as used (and as current) now."""
        with self._use() as db:
            if db is not None:
                db.execute("UPDATE entries SET used_at=?, stored_at=? WHERE key=?", (time.time(), time.time(), key))

    # ------------------------------------------------------------ meta: the session, for an offline start
    def put_meta(self, name: str, value: Any) -> None:
        with self._use() as db:
            if db is not None:
                db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, _pack(value)))

    def get_meta(self, name: str) -> Any:
        with self._use() as db:
            if db is None:
                return None
            row = db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
            if row is None:
                return None
            try:
                return _unpack(row[0])
            except CacheCorrupt:
                return None
        return None

    # ------------------------------------------------------------ size, eviction, removal
    def size(self) -> int:
        with self._use() as db:
            if db is None:
                return 0
            return int(db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])
        return 0

    def keys(self) -> list[str]:
        with self._use() as db:
            return [] if db is None else [r[0] for r in db.execute("SELECT key FROM entries ORDER BY used_at")]
        return []

    def drop(self, key: str) -> None:
        with self._use() as db:
            if db is not None:
                self._delete(db, key)

    def drop_matching(self, fragments: list[str]) -> None:
        """Drop every entry whose URL contains one of `fragments` (ids a change named)."""
        with self._use() as db:
            if db is not None:
                for fragment in fragments:
                    for (key,) in db.execute("SELECT key FROM entries WHERE instr(key, ?) > 0",
                                             (fragment,)).fetchall():
                        self._delete(db, key)

    def clear(self) -> None:
        """Everything stored for this user and server, gone (the file too)."""
        with self._lock:
            self.generation += 1
            self._rebuild_quietly()

    def _rebuild_quietly(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink()

    @staticmethod
    def _delete(db: sqlite3.Connection, key: str) -> None:
        with _immediate(db):
            db.execute("DELETE FROM chunks WHERE key=?", (key,))
            db.execute("DELETE FROM entries WHERE key=?", (key,))

    @staticmethod
    def _touch(db: sqlite3.Connection, key: str) -> None:
        db.execute("UPDATE entries SET used_at=? WHERE key=?", (time.time(), key))

    def _evict(self, db: sqlite3.Connection, *, keep: str) -> None:
        """Least recently used first, until the cache is under its cap (never the entry just written)."""
        total = int(db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])
        if total <= self.max_bytes:
            return
        evicted = 0
        for key, size in db.execute("SELECT key, size FROM entries WHERE key != ? ORDER BY used_at",
                                    (keep,)).fetchall():
            if total <= self.max_bytes:
                break
            self._delete(db, key)
            total -= size
            evicted += 1
        db.execute("PRAGMA incremental_vacuum")
        log.info("disk cache over its cap: %d entries evicted", evicted)
