"""The records of the queue: what to download (`DownloadSource`), one queued file (`DownloadItem`) with
its status and progress, and the totals of a batch. No I/O here but `DownloadItem`'s JSON round trip,
which re-checks every name it reads back (the saved queue is a file anyone can edit).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop.api.downloads.filenames import safe_target, sanitize_filename

SPEED_WINDOW = 3.0  # seconds of history for the speed estimate


class Status(StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"
    CONFLICT = "conflict"  # the target exists and the policy is "ask"

    @property
    def finished(self) -> bool:
        return self in (Status.DONE, Status.CANCELED)


class ConflictPolicy(StrEnum):
    RENAME = "rename"  # keep both: `name (1).ext`
    ASK = "ask"  # the item waits in CONFLICT until `resolve_conflict`


class ConflictChoice(StrEnum):
    KEEP_BOTH = "keep_both"
    OVERWRITE = "overwrite"
    SKIP = "skip"


@dataclass(frozen=True)
class DownloadSource:
    """What to download: an API path and how to name the file.

    `name` comes from the record (untrusted, sanitised here); when it is None the name comes from the
    answer's Content-Disposition, else `fallback_name`. `expected_size` is the record's size when it is
    exact (attachments), a second check besides Content-Length.
    """

    path: str
    name: str | None = None
    fallback_name: str = "download"
    label: str = ""
    kind: str = "file"
    project_id: str = ""
    expected_size: int | None = None

    def __post_init__(self) -> None:
        # Only a path on the session's server: an absolute URL would carry the token to another host.
        if not self.path.startswith("/") or self.path.startswith("//") or "://" in self.path.split("?")[0]:
            raise ValueError(f"A download source is a path on the Zou server, not {self.path!r}.")


@dataclass
class DownloadItem:
    id: str
    source: DownloadSource
    folder: str
    api_url: str = ""
    file_name: str | None = None  # the final name, chosen (sanitised, free) once known
    part_name: str | None = None  # the .part in `folder`, named after the first chosen name
    status: Status = Status.QUEUED
    received: int = 0
    total: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str = ""
    error_type: str = ""
    overwrite: bool = False  # the user chose to replace an existing file
    restarts: int = 0  # the file changed on the server and the download started over
    resumes: int = 0  # ranged requests answered 206 Partial Content
    # Paused because the session ended (not by the user): resumed once signed in again.
    waiting_for_sign_in: bool = False
    created: float = field(default_factory=time.time)
    finished: float | None = None
    # runtime only (not saved)
    speed: float = 0.0
    fast_failures: int = 0  # fast-path attempts that broke; at FAST_MAX_FAILURES the session streams it all
    _samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64), repr=False)

    # ---------------------------------------------------------------- paths
    @property
    def name(self) -> str:
        """What the UI shows as the file name."""
        if self.file_name:
            return self.file_name
        if self.source.name:
            return sanitize_filename(self.source.name, fallback=self.source.fallback_name)
        return sanitize_filename(self.source.fallback_name)

    @property
    def target(self) -> Path | None:
        return safe_target(self.folder, self.file_name) if self.file_name else None

    @property
    def part(self) -> Path | None:
        return safe_target(self.folder, self.part_name) if self.part_name else None

    @property
    def validator(self) -> str | None:
        """What to send in If-Range: a strong ETag, else Last-Modified; None: a resume is not safe."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified or None

    @property
    def fraction(self) -> float | None:
        if self.status is Status.DONE:
            return 1.0
        if not self.total:
            return None
        return min(self.received / self.total, 1.0)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current speed (None when unknown)."""
        if self.status is not Status.ACTIVE or not self.total or self.speed <= 0:
            return None
        return max(self.total - self.received, 0) / self.speed

    @property
    def can_pause(self) -> bool:
        return self.status in (Status.QUEUED, Status.ACTIVE)

    @property
    def can_resume(self) -> bool:
        return self.status is Status.PAUSED

    @property
    def can_retry(self) -> bool:
        return self.status in (Status.FAILED, Status.CANCELED)

    @property
    def can_cancel(self) -> bool:
        return self.status in (Status.QUEUED, Status.ACTIVE, Status.PAUSED, Status.FAILED, Status.CONFLICT)

    def _sample(self, now: float) -> None:
        self._samples.append((now, self.received))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW:
            self._samples.popleft()
        t0, r0 = self._samples[0]
        if now - t0 > 0.05:
            self.speed = (self.received - r0) / (now - t0)

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "source": {f.name: getattr(self.source, f.name) for f in fields(DownloadSource)},
            "folder": self.folder, "api_url": self.api_url, "file_name": self.file_name,
            "part_name": self.part_name, "status": self.status.value, "total": self.total, "etag": self.etag,
            "last_modified": self.last_modified, "error": self.error, "error_type": self.error_type,
            "overwrite": self.overwrite, "restarts": self.restarts, "resumes": self.resumes,
            "waiting_for_sign_in": self.waiting_for_sign_in,
            "created": self.created, "finished": self.finished,
            "received": self.received if self.status is Status.DONE else None,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DownloadItem:
        src = d.get("source") or {}
        known = {f.name for f in fields(DownloadSource)}
        source = DownloadSource(**{k: v for k, v in src.items() if k in known})
        item = cls(id=str(d["id"]), source=source, folder=str(d["folder"]), api_url=str(d.get("api_url") or ""))
        item.file_name = _clean_component(d.get("file_name"))
        item.part_name = _clean_component(d.get("part_name"))
        try:
            item.status = Status(str(d.get("status")))
        except ValueError:
            item.status = Status.QUEUED
        item.total = opt_int(d.get("total"))
        item.etag = d.get("etag") or None
        item.last_modified = d.get("last_modified") or None
        item.error = str(d.get("error") or "")
        item.error_type = str(d.get("error_type") or "")
        item.overwrite = bool(d.get("overwrite"))
        item.restarts = int(d.get("restarts") or 0)
        item.resumes = int(d.get("resumes") or 0)
        item.waiting_for_sign_in = item.status is Status.PAUSED and bool(d.get("waiting_for_sign_in"))
        item.created = float(d.get("created") or time.time())
        item.finished = float(d["finished"]) if d.get("finished") else None
        item.received = opt_int(d.get("received")) or 0
        return item


def opt_int(value: Any) -> int | None:
    """An int from a header or the saved queue; None when absent or not a number."""
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _clean_component(value: Any) -> str | None:
    """A name read back from the saved queue: it must still be one safe component (the file is editable)."""
    if not value:
        return None
    name = str(value)
    return name if sanitize_filename(name) == name else None


@dataclass
class Totals:
    received: int = 0
    total: int = 0  # of the items whose size is known
    speed: float = 0.0  # bytes per second, all active transfers
    left: int = 0  # bytes still to come for the active transfers
    unknown: int = 0  # unfinished items whose size is not known yet (queued, not started)

    @property
    def fraction(self) -> float | None:
        return min(self.received / self.total, 1.0) if self.total else None

    @property
    def eta(self) -> float | None:
        """Seconds until the active transfers end, at the current speed."""
        return self.left / self.speed if self.speed > 0 and self.left else None


Listener = Callable[[DownloadItem, str], None]
"""Called on the loop thread with (item, event); events: added, changed, progress, retry, removed."""


def format_size(n: float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover

