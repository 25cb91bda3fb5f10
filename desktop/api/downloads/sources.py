"""What to download, built from Zou records: attachments, working files, previews, and batches.

Routes (checked against Zou 1.0.97):

* attachment: `/data/attachment-files/{id}/file/{name}` (the name segment is ignored by Zou; the
  record's `name` is the file name, untrusted);
* working file: `/data/working-files/{id}/file` (no name sent: the record's `path` basename, plus the
  software's `file_extension` when the basename has none);
* preview, original: `/pictures/originals/preview-files/{id}/download`, for every extension (png, mp4,
  pdf...), named by Zou in Content-Disposition (`<project>_<entity>_<task type>_v<rev>.<ext>`);
* preview, low-definition movie: `/movies/low/preview-files/{id}.mp4` (movies only);
* preview, picture: `/pictures/previews/preview-files/{id}.png`; thumbnail:
  `/pictures/thumbnails/preview-files/{id}.png`.

Output files have no binary route in Zou (they are paths in the studio's file tree), so there is nothing
to download for them.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from desktop.api import errors as E
from desktop.api.downloads.filenames import sanitize_filename, split_extension
from desktop.api.downloads.items import DownloadSource
from desktop.api.records import json_rows
from desktop.api.session import ZouSession

FETCH_CONCURRENCY = 8


class PreviewVariant(StrEnum):
    ORIGINAL = "original"
    MOVIE = "movie"  # low-definition mp4 (falls back to the original for a picture or a document)
    PICTURE = "picture"  # the medium-size png every preview has
    THUMBNAIL = "thumbnail"


# ---------------------------------------------------------------------------- single records
def attachment_source(record: Mapping[str, Any], *, label: str = "", project_id: str = "") -> DownloadSource:
    attachment_id = str(record["id"])
    raw = str(record.get("name") or "")
    fallback = f"attachment-{attachment_id[:8]}" + (f".{record['extension']}" if record.get("extension") else "")
    safe = sanitize_filename(raw, fallback=fallback)
    size = record.get("size")
    return DownloadSource(
        path=f"/data/attachment-files/{attachment_id}/file/{urllib.parse.quote(safe)}",
        name=raw or None, fallback_name=fallback, label=label or safe, kind="attachment",
        project_id=project_id, expected_size=size if isinstance(size, int) and size > 0 else None)


def working_file_name(record: Mapping[str, Any], extension: str | None = None) -> str:
    """A name for a working file (Zou sends none): the basename of its path, else name + revision."""
    path = str(record.get("path") or "").replace("\\", "/").rstrip("/")
    base = path.rsplit("/", 1)[-1] if path else ""
    if not base:
        revision = record.get("revision")
        base = f"{record.get('name') or 'working-file'}" + (f"_v{int(revision):03d}" if revision else "")
    if extension and not split_extension(base)[1]:
        base += extension if extension.startswith(".") else f".{extension}"
    return base


def working_file_source(record: Mapping[str, Any], *, extension: str | None = None, label: str = "",
                        project_id: str = "") -> DownloadSource:
    working_file_id = str(record["id"])
    name = working_file_name(record, extension)
    size = record.get("size")
    return DownloadSource(
        path=f"/data/working-files/{working_file_id}/file", name=name,
        fallback_name=f"working-file-{working_file_id[:8]}", label=label or name, kind="working-file",
        project_id=project_id, expected_size=size if isinstance(size, int) and size > 0 else None)


def preview_source(record: Mapping[str, Any], variant: PreviewVariant | str = PreviewVariant.ORIGINAL, *,
                   base_name: str | None = None, label: str = "", project_id: str = "") -> DownloadSource:
    """A preview file in one variant. `base_name` (e.g. "SH010_Animation") names the non-original ones."""
    variant = PreviewVariant(variant)
    preview_id = str(record["id"])
    extension = str(record.get("extension") or "png").lower()
    revision = record.get("revision")
    position = record.get("position") or 0
    stem = base_name or f"preview-{preview_id[:8]}"
    if revision:
        stem += f"_v{int(revision)}"
    if isinstance(position, int) and position > 1:
        stem += f"-{position}"
    text = label or stem
    if variant is PreviewVariant.MOVIE and extension != "mp4":
        variant = PreviewVariant.ORIGINAL
    if variant is PreviewVariant.ORIGINAL:
        # Zou names it (project, entity, task type, revision): take its Content-Disposition.
        return DownloadSource(path=f"/pictures/originals/preview-files/{preview_id}/download", name=None,
                              fallback_name=f"{stem}.{extension}", label=text, kind="preview",
                              project_id=project_id)
    if variant is PreviewVariant.MOVIE:
        return DownloadSource(path=f"/movies/low/preview-files/{preview_id}.mp4", name=f"{stem}_low.mp4",
                              fallback_name=f"{stem}_low.mp4", label=text, kind="preview-movie",
                              project_id=project_id)
    route, suffix = (("previews", "preview") if variant is PreviewVariant.PICTURE else ("thumbnails", "thumb"))
    return DownloadSource(path=f"/pictures/{route}/preview-files/{preview_id}.png", name=f"{stem}_{suffix}.png",
                          fallback_name=f"{stem}_{suffix}.png", label=text, kind=f"preview-{variant.value}",
                          project_id=project_id)


# ---------------------------------------------------------------------------- batches
class _Lookups:
    """Names for labels and file names, fetched once per batch."""

    def __init__(self, session: ZouSession) -> None:
        self.session = session
        self._gate = asyncio.Semaphore(FETCH_CONCURRENCY)
        self._task_types: dict[str, str] | None = None
        self._entities: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, dict[str, Any]] = {}

    async def get(self, path: str) -> Any:
        async with self._gate:
            return await self.session.get(path)

    async def task_type_name(self, task_type_id: str) -> str:
        if self._task_types is None:
            data = await self.get("/data/task-types")
            self._task_types = {str(t["id"]): str(t.get("name") or "") for t in json_rows(data)}
        return self._task_types.get(task_type_id, "")

    async def entity(self, entity_id: str) -> dict[str, Any]:
        if entity_id not in self._entities:
            self._entities[entity_id] = _dict(await self.get(f"/data/entities/{entity_id}"))
        return self._entities[entity_id]

    async def task(self, task_id: str) -> dict[str, Any]:
        if task_id not in self._tasks:
            self._tasks[task_id] = _dict(await self.get(f"/data/tasks/{task_id}"))
        return self._tasks[task_id]

    async def preview_context(self, preview: Mapping[str, Any], entity_name: str | None = None) -> list[str]:
        """[entity name, task type name] of a preview (from its task), the empty ones left out."""
        task_id = str(preview.get("task_id") or "")
        parts = [entity_name or ""]
        if task_id:
            task = await self.task(task_id)
            if entity_name is None and task.get("entity_id"):
                parts[0] = str((await self.entity(str(task["entity_id"]))).get("name") or "")
            parts.append(await self.task_type_name(str(task.get("task_type_id") or "")))
        return [p for p in parts if p]


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise E.ProtocolError(f"Expected a record from the server, got {type(data).__name__}.")
    return data



async def _gather[T](coros: Iterable[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*coros))


def _latest(previews: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the newest revision of each task (every position of it)."""
    best: dict[str, int] = {}
    for p in previews:
        key = str(p.get("task_id") or "")
        best[key] = max(best.get(key, 0), int(p.get("revision") or 0))
    return [p for p in previews if int(p.get("revision") or 0) == best[str(p.get("task_id") or "")]]


async def _preview_sources(lookups: _Lookups, previews: Sequence[dict[str, Any]], variant: PreviewVariant,
                           project_id: str, entity_name: str | None = None) -> list[DownloadSource]:
    async def one(preview: dict[str, Any]) -> DownloadSource:
        parts = await lookups.preview_context(preview, entity_name)
        label = " / ".join(parts) or f"preview {str(preview['id'])[:8]}"
        if preview.get("revision"):
            label += f" v{preview['revision']}"
        return preview_source(preview, variant, base_name="_".join(parts) or None, label=label,
                              project_id=project_id)

    return await _gather(one(p) for p in previews if p.get("id"))


async def entity_preview_sources(session: ZouSession, entity_ids: Iterable[str], *,
                                 variant: PreviewVariant | str = PreviewVariant.ORIGINAL,
                                 latest_only: bool = False) -> list[DownloadSource]:
    """Every preview of these shots/assets/entities (or only each task's newest revision)."""
    lookups = _Lookups(session)
    variant = PreviewVariant(variant)

    async def of_entity(entity_id: str) -> list[DownloadSource]:
        entity, previews = await asyncio.gather(
            lookups.entity(entity_id), lookups.get(f"/data/entities/{entity_id}/preview-files"))
        rows = json_rows(previews)
        if latest_only:
            rows = _latest(rows)
        return await _preview_sources(lookups, rows, variant, str(entity.get("project_id") or ""),
                                      str(entity.get("name") or "") or None)

    batches = await _gather(of_entity(eid) for eid in dict.fromkeys(entity_ids))
    return [s for batch in batches for s in batch]


async def playlist_preview_sources(session: ZouSession, playlist_id: str, *,
                                   variant: PreviewVariant | str = PreviewVariant.ORIGINAL) -> list[DownloadSource]:
    """The preview chosen for each entry of a playlist, in playlist order."""
    lookups = _Lookups(session)
    playlist = _dict(await session.get(f"/data/playlists/{playlist_id}"))
    project_id = str(playlist.get("project_id") or "")
    entries = [e for e in playlist.get("shots") or [] if isinstance(e, dict) and e.get("preview_file_id")]

    async def one(entry: dict[str, Any]) -> list[DownloadSource]:
        preview = _dict(await lookups.get(f"/data/preview-files/{entry['preview_file_id']}"))
        name = None
        if entry.get("entity_id"):
            name = str((await lookups.entity(str(entry["entity_id"]))).get("name") or "") or None
        return await _preview_sources(lookups, [preview], PreviewVariant(variant), project_id, name)

    batches = await _gather(one(e) for e in entries)
    return [s for batch in batches for s in batch]


async def task_comment_sources(session: ZouSession, task_id: str, *, previews: bool = True,
                               attachments: bool = True,
                               variant: PreviewVariant | str = PreviewVariant.ORIGINAL) -> list[DownloadSource]:
    """The previews and/or attachments of every comment of a task, oldest comment first."""
    lookups = _Lookups(session)
    task, comments = await asyncio.gather(lookups.task(task_id), lookups.get(f"/data/tasks/{task_id}/comments"))
    project_id = str(task.get("project_id") or "")
    entity_name = None
    if task.get("entity_id"):
        entity_name = str((await lookups.entity(str(task["entity_id"]))).get("name") or "") or None
    rows = sorted(json_rows(comments), key=lambda c: str(c.get("created_at") or ""))
    sources: list[DownloadSource] = []
    if previews:
        preview_rows = [dict(p, task_id=p.get("task_id") or task_id) for c in rows
                        for p in c.get("previews") or [] if isinstance(p, dict)]
        sources += await _preview_sources(lookups, preview_rows, PreviewVariant(variant), project_id, entity_name)
    if attachments:
        task_type = await lookups.task_type_name(str(task.get("task_type_id") or ""))
        where = " / ".join(p for p in (entity_name, task_type) if p)
        for comment in rows:
            for attachment in comment.get("attachment_files") or []:
                if isinstance(attachment, dict) and attachment.get("id"):
                    label = f"{where}: {attachment.get('name')}" if where else ""
                    sources.append(attachment_source(attachment, label=label, project_id=project_id))
    return sources


async def working_file_sources(session: ZouSession, working_file_ids: Iterable[str]) -> list[DownloadSource]:
    """Working files by id, named from their records (and their software's extension)."""
    lookups = _Lookups(session)
    extensions: dict[str, str | None] = {}

    async def one(working_file_id: str) -> DownloadSource:
        record = _dict(await lookups.get(f"/data/working-files/{working_file_id}"))
        software_id = str(record.get("software_id") or "")
        if software_id and software_id not in extensions:
            try:
                software = _dict(await lookups.get(f"/data/softwares/{software_id}"))
                extensions[software_id] = str(software.get("file_extension") or "") or None
            except E.ZouError:
                extensions[software_id] = None
        project_id = ""
        if record.get("task_id"):
            project_id = str((await lookups.task(str(record["task_id"]))).get("project_id") or "")
        return working_file_source(record, extension=extensions.get(software_id), project_id=project_id)

    return await _gather(one(i) for i in dict.fromkeys(working_file_ids))
