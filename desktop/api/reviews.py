"""Previews for review, Qt-free: a task's revisions, an entity's previews per task type, annotations as
Kitsu draws them, and the movie file of a preview in a local cache.

* A task's revisions come from its comment thread (`/data/tasks/{id}/comments` lists each comment's
  previews): the thread the detail pane already loaded, so the history costs no request.
* An entity's previews (to pick the revision of a playlist entry):
  `/data/playlists/entities/{id}/preview-files`, by task type, newest revision first.
* Annotations are Kitsu's: a list of `{"time", "frame", "drawing": {"objects": [fabric.js objects]}}`,
  `time` on Kitsu's frame grid (`desktop.media.frame_time`). Slate draws free-hand strokes as fabric
  `path` objects with `M`/`L` commands in canvas pixels, with `canvasWidth`/`canvasHeight` so Kitsu
  scales them, and shows Kitsu's paths (`M`, `L`, `Q`) back. Other object types are kept untouched.
* A movie is played from a file: `PreviewMovies.movie` fetches Zou's normalised movie through the
  download manager (`/pictures/originals/preview-files/{id}/download`, resumable and verified) into a
  folder per preview, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.api import errors as E
from desktop.api.downloads import DownloadManager, Status
from desktop.api.downloads.sources import PreviewVariant, preview_source
from desktop.api.exports.json_lists import dicts
from desktop.api.session import ZouSession
from desktop.media.timing import time_frame

MOVIE_EXTENSIONS = frozenset({"mp4", "mov", "avi", "mkv", "webm", "wmv", "m4v"})
PICTURE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "tif", "tiff", "exr", "bmp", "webp"})


def _s(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ""


def _i(d: Mapping[str, Any], key: str) -> int:
    v = d.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


@dataclass(frozen=True)
class PreviewRevision:
    """One preview file of a task, with the comment that published it."""

    id: str
    task_id: str
    revision: int
    position: int  # 1: the revision's main file; 2+: its extra files
    extension: str
    status: str  # processing, ready, broken
    width: int
    height: int
    duration: float
    comment_id: str
    comment_text: str
    author: str
    created_at: str
    task_status: str
    annotations: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_movie(self) -> bool:
        return self.extension.lower() in MOVIE_EXTENSIONS

    @property
    def is_picture(self) -> bool:
        return self.extension.lower() in PICTURE_EXTENSIONS

    @property
    def ready(self) -> bool:
        return self.status in ("", "ready")

    @property
    def label(self) -> str:
        extra = f" ({self.position})" if self.position > 1 else ""
        return f"v{self.revision}{extra}"


def revisions_from_comments(comments: Iterable[Mapping[str, Any]], task_id: str = "") -> list[PreviewRevision]:
    """Every preview published in a thread, newest revision first (a revision's extra files after it)."""
    out: list[PreviewRevision] = []
    for comment in comments:
        person = comment.get("person") if isinstance(comment.get("person"), dict) else {}
        status = comment.get("task_status") if isinstance(comment.get("task_status"), dict) else {}
        assert isinstance(person, dict) and isinstance(status, dict)
        for preview in dicts(comment.get("previews")):
            duration = preview.get("duration")
            annotations = preview.get("annotations")
            out.append(PreviewRevision(
                id=_s(preview, "id"), task_id=_s(preview, "task_id") or task_id or _s(comment, "object_id"),
                revision=_i(preview, "revision"), position=_i(preview, "position") or 1,
                extension=_s(preview, "extension").lower(), status=_s(preview, "status"),
                width=_i(preview, "width"), height=_i(preview, "height"),
                duration=float(duration) if isinstance(duration, int | float) else 0.0,
                comment_id=_s(comment, "id"), comment_text=_s(comment, "text"),
                author=_s(person, "full_name") or " ".join(p for p in (_s(person, "first_name"),
                                                                       _s(person, "last_name")) if p),
                created_at=_s(comment, "created_at"), task_status=_s(status, "name"),
                annotations=tuple(dicts(annotations)), raw=dict(preview)))
    out.sort(key=lambda r: (-r.revision, r.position, r.created_at))
    return out


@dataclass(frozen=True)
class EntityPreview:
    """A preview of an entity, offered as a playlist entry's revision."""

    id: str
    task_id: str
    task_type_id: str
    revision: int
    position: int
    extension: str
    status: str
    created_at: str


# ---------------------------------------------------------------------------- annotations
@dataclass(frozen=True)
class Stroke:
    """A free-hand line: points in canvas pixels of a `canvas_width` x `canvas_height` canvas."""

    points: tuple[tuple[float, float], ...]
    color: str = "#ff3d00"
    width: float = 4.0
    canvas_width: int = 1920
    canvas_height: int = 1080
    id: str = ""


def stroke_object(stroke: Stroke) -> dict[str, Any]:
    """A fabric.js `path` object as Kitsu stores it."""
    xs = [p[0] for p in stroke.points] or [0.0]
    ys = [p[1] for p in stroke.points] or [0.0]
    path: list[list[Any]] = [["M", *stroke.points[0]]] if stroke.points else []
    path.extend(["L", x, y] for x, y in stroke.points[1:])
    half = stroke.width / 2
    return {
        "type": "path", "id": stroke.id or str(uuid.uuid4()), "originX": "left", "originY": "top",
        "left": min(xs) - half, "top": min(ys) - half, "width": max(xs) - min(xs), "height": max(ys) - min(ys),
        "fill": None, "stroke": stroke.color, "strokeWidth": stroke.width, "strokeLineCap": "round",
        "strokeLineJoin": "round", "path": path, "canvasWidth": stroke.canvas_width,
        "canvasHeight": stroke.canvas_height,
    }


def strokes_of(objects: Iterable[Mapping[str, Any]]) -> list[Stroke]:
    """The strokes of Kitsu drawing objects that are paths (quadratic segments by their end points)."""
    out: list[Stroke] = []
    for obj in objects:
        if obj.get("type") != "path" or not isinstance(obj.get("path"), list):
            continue
        points: list[tuple[float, float]] = []
        for command in obj["path"]:
            if not isinstance(command, list | tuple) or len(command) < 3:
                continue
            numbers = [c for c in command[1:] if isinstance(c, int | float)]
            if len(numbers) >= 2:
                points.append((float(numbers[-2]), float(numbers[-1])))
        width = obj.get("strokeWidth")
        out.append(Stroke(points=tuple(points), color=str(obj.get("stroke") or "#ff3d00"),
                          width=float(width) if isinstance(width, int | float) else 4.0,
                          canvas_width=int(obj.get("canvasWidth") or 1920),
                          canvas_height=int(obj.get("canvasHeight") or 1080), id=str(obj.get("id") or "")))
    return out


def annotation_frames(annotations: Sequence[Mapping[str, Any]], fps: float) -> dict[int, list[dict[str, Any]]]:
    """Drawing objects by movie frame (0-based). Kitsu writes `frame` in recent versions; `time` always."""
    out: dict[int, list[dict[str, Any]]] = {}
    for annotation in annotations:
        try:
            frame = time_frame(float(annotation.get("time") or 0), fps)
        except (TypeError, ValueError):
            continue
        drawing = annotation.get("drawing")
        objects = dicts(drawing.get("objects")) if isinstance(drawing, dict) else []
        out.setdefault(frame, []).extend(objects)
    return out


# ---------------------------------------------------------------------------- reads
class Reviews:
    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def preview_file(self, preview_id: str) -> dict[str, Any]:
        data = await self.session.get(f"/data/preview-files/{preview_id}")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for the preview file.")
        return data

    async def annotations(self, preview_id: str) -> list[dict[str, Any]]:
        return dicts((await self.preview_file(preview_id)).get("annotations"))

    async def entity_previews(self, entity_id: str) -> list[EntityPreview]:
        """The entity's previews (every task type), newest revision first."""
        data = await self.session.get(f"/data/playlists/entities/{entity_id}/preview-files")
        out: list[EntityPreview] = []
        if isinstance(data, dict):
            for task_type_id, items in data.items():
                for item in dicts(items):
                    out.append(EntityPreview(
                        id=_s(item, "id"), task_id=_s(item, "task_id"), task_type_id=str(task_type_id),
                        revision=_i(item, "revision"), position=_i(item, "position") or 1,
                        extension=_s(item, "extension"), status=_s(item, "status"),
                        created_at=_s(item, "created_at")))
        out.sort(key=lambda p: (-p.revision, p.position))
        return out


    async def first_frames(self, entity_ids: Iterable[str]) -> dict[str, int]:
        """entity id -> its first frame (`frame_in`, in Zou's `data`), for the shots that have one."""
        ids = [i for i in dict.fromkeys(entity_ids) if i]
        out: dict[str, int] = {}
        for start in range(0, len(ids), 80):
            data = await self.session.get("/data/entities", params={"id": json.dumps(ids[start:start + 80]),
                                                                    "fields": "id,data,frame_in"})
            for d in dicts(data):
                extra = d.get("data") if isinstance(d.get("data"), dict) else {}
                assert isinstance(extra, dict)
                value = d.get("frame_in") if d.get("frame_in") is not None else extra.get("frame_in")
                if isinstance(value, int | float | str) and str(value).strip().lstrip("-").isdigit():
                    out[str(d.get("id"))] = int(value)
        return out


MOVIE_CACHE_BYTES = 4 << 30  # the least recently fetched movies go beyond this


class PreviewMovies:
    """Preview movies on disk for the player: one folder per preview under `cache_dir`, fetched once;
    beyond `max_bytes` the least recently used folders are deleted (a movie can always be fetched again)."""

    def __init__(self, manager: DownloadManager, cache_dir: Path, *, max_bytes: int = MOVIE_CACHE_BYTES) -> None:
        self.manager = manager
        self.cache_dir = cache_dir
        self.max_bytes = max_bytes
        self._pending: dict[str, asyncio.Future[Path]] = {}

    def cached(self, preview_id: str) -> Path | None:
        folder = self.cache_dir / preview_id
        if not folder.is_dir():
            return None
        done = [p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part")]
        if done:
            with contextlib.suppress(OSError):
                os.utime(folder)  # used now: the last to be pruned
        return done[0] if done else None

    def prune(self, keep: str = "") -> None:
        """Delete the least recently used movies until the cache fits in `max_bytes` (never `keep`)."""
        try:
            folders = [f for f in self.cache_dir.iterdir() if f.is_dir() and f.name != keep]
        except OSError:
            return
        sizes = {f: sum(p.stat().st_size for p in f.iterdir() if p.is_file()) for f in folders}
        total = sum(sizes.values()) + sum(p.stat().st_size for p in (self.cache_dir / keep).glob("*")
                                          if keep and p.is_file())
        for folder in sorted(folders, key=lambda f: f.stat().st_mtime):
            if total <= self.max_bytes:
                break
            if folder.name in self._pending:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            total -= sizes[folder]

    async def movie(self, preview: Mapping[str, Any]) -> Path:
        """The preview's normalised movie (or the original file of a picture), downloading it if needed."""
        preview_id = str(preview["id"])
        found = self.cached(preview_id)
        if found is not None:
            return found
        pending = self._pending.get(preview_id)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(preview))
            self._pending[preview_id] = pending
            pending.add_done_callback(lambda _f: self._pending.pop(preview_id, None))
        return await asyncio.shield(pending)

    async def _fetch(self, preview: Mapping[str, Any]) -> Path:
        source = preview_source(preview, PreviewVariant.ORIGINAL)
        [item] = self.manager.enqueue([source], self.cache_dir / str(preview["id"]))
        await self.manager.wait([item.id])
        item = self.manager.get(item.id)
        target = item.target
        if item.status is not Status.DONE or target is None:
            raise E.ZouError(item.error or f"The preview could not be downloaded ({item.status}).")
        self.manager.remove(item.id)  # the queue keeps user downloads; the player's file is in its cache
        self.prune(keep=str(preview["id"]))
        return target
