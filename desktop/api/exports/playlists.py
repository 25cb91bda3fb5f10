"""Playlists (reads): a project's or an episode's playlists, one playlist's entries with their names,
and the columns of Zou's playlist CSV built from the API when Zou's own export fails.

The list comes in Zou's order (most recently updated first, through Zou's 20-per-page pagination); a
playlist's entries in their stored order with entity names, task type, revision and preview id.

Routes (checked against Zou 1.0.97, `zou/app/blueprints/playlists`): `/data/projects/{pid}/playlists`,
`/data/projects/{pid}/episodes/{eid|main|all}/playlists`, `/data/projects/{pid}/playlists/{id}`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.exports.json_lists import dicts
from desktop.api.session import ZouSession

PLAYLIST_PAGE_SIZE = 20  # Zou's PLAYLISTS_PAGE_SIZE


@dataclass(frozen=True)
class Playlist:
    id: str
    name: str
    project_id: str
    episode_id: str | None
    task_type_id: str | None
    for_client: bool
    for_entity: str  # shot, asset, sequence, edit, episode
    is_for_all: bool
    created_at: str
    updated_at: str
    first_preview_file_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Playlist:
        def s(key: str) -> str:
            v = d.get(key)
            return v if isinstance(v, str) else ""

        return cls(id=s("id"), name=s("name"), project_id=s("project_id"), episode_id=s("episode_id") or None,
                   task_type_id=s("task_type_id") or None, for_client=bool(d.get("for_client")),
                   for_entity=s("for_entity") or "shot", is_for_all=bool(d.get("is_for_all")),
                   created_at=s("created_at"), updated_at=s("updated_at"),
                   first_preview_file_id=s("first_preview_file_id") or None, raw=dict(d))


@dataclass(frozen=True)
class PlaylistEntry:
    entity_id: str
    entity_name: str  # as Zou names it in exports: "SQ01 / SH010", "Character / Hero"
    entity_type: str  # Shot, Asset, Sequence, Episode, Edit
    nb_frames: int
    preview_file_id: str | None
    revision: int | None
    extension: str
    task_id: str | None
    task_type_id: str | None
    task_type_name: str
    preview_status: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PlaylistDetail:
    playlist: Playlist
    entries: tuple[PlaylistEntry, ...]

    def preview_ids(self) -> list[str]:
        """Preview ids of the entries, in playlist order, without duplicates."""
        seen: dict[str, None] = {}
        for e in self.entries:
            if e.preview_file_id:
                seen.setdefault(e.preview_file_id, None)
        return list(seen)


class Playlists:
    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def playlists(self, project_id: str, episode_id: str | None = None) -> list[Playlist]:
        """All playlists of the project (or of an episode id, `main` or `all`), most recently updated first."""
        path = (f"/data/projects/{project_id}/episodes/{episode_id}/playlists" if episode_id
                else f"/data/projects/{project_id}/playlists")
        out: dict[str, Playlist] = {}
        page = 1
        while True:
            data = await self.session.get(path, params={"page": page})
            items = dicts(data)
            for item in items:
                p = Playlist.from_json(item)
                out.setdefault(p.id, p)
            if len(items) < PLAYLIST_PAGE_SIZE or page >= 500:
                break
            page += 1
        return list(out.values())

    async def find(self, project_id: str, name_or_id: str) -> Playlist:
        """A playlist by id or (case-insensitive) name; NotFound, or ValidationError when ambiguous."""
        items = await self.playlists(project_id)
        for p in items:
            if p.id == name_or_id:
                return p
        matches = [p for p in items if p.name.casefold() == name_or_id.strip().casefold()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise E.NotFound(f"No playlist named \"{name_or_id}\" in this project.")
        raise E.ValidationError(f"{len(matches)} playlists are named \"{name_or_id}\" (in different episodes): "
                                "give its id instead.")

    async def playlist(self, project_id: str, playlist_id: str) -> PlaylistDetail:
        data = await self.session.get(f"/data/projects/{project_id}/playlists/{playlist_id}")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for the playlist.")
        playlist = Playlist.from_json(data)
        shots = dicts(data.get("shots"))
        entity_ids = [str(s.get("entity_id") or s.get("id") or "") for s in shots]
        names, task_types = await asyncio.gather(self.full_names([i for i in entity_ids if i]),
                                                 self.session.get("/data/task-types"))
        tt_names = {str(t.get("id")): str(t.get("name") or "") for t in dicts(task_types)}
        entries: list[PlaylistEntry] = []
        for shot, entity_id in zip(shots, entity_ids, strict=True):
            preview_id = shot.get("preview_file_id") if isinstance(shot.get("preview_file_id"), str) else None
            tt_id = _task_type_of_preview(shot.get("preview_files"), preview_id) or playlist.task_type_id
            name, etype, frames = names.get(entity_id, ("", "", 0))
            revision = shot.get("preview_file_revision")
            entries.append(PlaylistEntry(
                entity_id=entity_id, entity_name=name or entity_id[:8], entity_type=etype, nb_frames=frames,
                preview_file_id=preview_id, revision=revision if isinstance(revision, int) else None,
                extension=str(shot.get("preview_file_extension") or ""),
                task_id=shot.get("preview_file_task_id") if isinstance(shot.get("preview_file_task_id"), str)
                else None, task_type_id=tt_id, task_type_name=tt_names.get(tt_id or "", ""),
                preview_status=str(shot.get("preview_file_status") or ""), raw=dict(shot)))
        return PlaylistDetail(playlist=playlist, entries=tuple(entries))

    async def full_names(self, entity_ids: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """entity id -> (full name as Zou writes it, type, nb_frames), in a few batched requests."""
        ids = list(dict.fromkeys(entity_ids))
        entities = await self._entities(ids)
        parents = await self._entities({str(e["parent_id"]) for e in entities.values() if e.get("parent_id")}
                                       - set(entities))
        every = {**parents, **entities}
        grand = await self._entities({str(p["parent_id"]) for p in parents.values() if p.get("parent_id")}
                                     - set(every))
        every.update(grand)
        types: dict[str, str] = {}
        if any(e.get("type") not in ("Shot", "Sequence", "Episode", "Edit") for e in entities.values()):
            types = {str(t.get("id")): str(t.get("name") or "") for t in
                     dicts(await self.session.get("/data/asset-types"))}
        out: dict[str, tuple[str, str, int]] = {}
        for eid, e in entities.items():
            etype = str(e.get("type") or "")
            name = str(e.get("name") or "")
            chain = [name]
            parent = every.get(str(e.get("parent_id") or ""))
            if etype in ("Shot", "Sequence", "Edit"):
                while parent is not None and len(chain) < 3:
                    chain.insert(0, str(parent.get("name") or ""))
                    parent = every.get(str(parent.get("parent_id") or ""))
            elif etype != "Episode":
                chain.insert(0, types.get(str(e.get("entity_type_id")), "") or etype)
            nb = e.get("nb_frames")
            out[eid] = (" / ".join(c for c in chain if c), etype or "Asset", nb if isinstance(nb, int) else 0)
        return out

    async def _entities(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        todo = [i for i in ids if i]
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(todo), 80):
            batch = todo[start:start + 80]
            data = await self.session.get("/data/entities", params={
                "id": json.dumps(batch), "fields": "id,name,parent_id,entity_type_id,nb_frames,type"})
            for d in dicts(data):
                out[str(d.get("id"))] = d
        return out

    async def thumbnail(self, preview_file_id: str) -> bytes | None:
        """The preview's thumbnail PNG, or None when Zou has none (still processing, not an image)."""
        try:
            response = await self.session.request("GET", f"/pictures/thumbnails/preview-files/{preview_file_id}.png")
        except E.NotFound:
            return None
        return response.content or None


def _task_type_of_preview(previews: Any, preview_id: str | None) -> str | None:
    """Zou groups an entry's previews by task type id: find the group holding the entry's preview."""
    if not preview_id or not isinstance(previews, dict):
        return None
    for tt_id, items in previews.items():
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            if item.get("id") == preview_id:
                return str(tt_id)
            for sub in item.get("previews") or []:
                if isinstance(sub, dict) and sub.get("id") == preview_id:
                    return str(tt_id)
    return None


class PlaylistCsvBuilder:
    """The columns of Zou's playlist CSV, built from the API (used when Zou's own export fails)."""

    HEADER = ("Entity name", "Nb Frames", "Task Type", "Retake count", "Revision", "Task Status",
              "Last comment author", "Last comment date", "Last comment")

    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def rows(self, detail: PlaylistDetail) -> list[list[object]]:
        p = detail.playlist
        project, statuses, persons = await asyncio.gather(
            self.session.get(f"/data/projects/{p.project_id}"), self.session.get("/data/task-status"),
            self.session.get("/data/persons"))
        context = str(project.get("name") if isinstance(project, dict) else "")
        if p.episode_id:
            episode = await self.session.get(f"/data/episodes/{p.episode_id}")
            if isinstance(episode, dict) and episode.get("name"):
                context += f" - {episode['name']}"
        context += " | for shots" if p.for_entity == "shot" else " | for assets"
        status_names = {str(s.get("id")): str(s.get("name") or "") for s in dicts(statuses)}
        person_names = {str(x.get("id")): str(x.get("full_name") or "") for x in dicts(persons)}
        task_ids = list(dict.fromkeys(e.task_id for e in detail.entries if e.task_id))
        gate = asyncio.Semaphore(8)

        async def one(task_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
            async with gate:
                task, comments = await asyncio.gather(self.session.get(f"/data/tasks/{task_id}"),
                                                      self.session.get(f"/data/tasks/{task_id}/comments"))
            last = max(dicts(comments), key=lambda c: str(c.get("created_at") or ""), default={})
            return task_id, task if isinstance(task, dict) else {}, last

        infos = {tid: (task, last) for tid, task, last in await asyncio.gather(*(one(t) for t in task_ids))}
        rows: list[list[object]] = [["Playlist", context, p.name, p.created_at, "", "", ""],
                                    ["", "", "", "", "", "", ""], list(self.HEADER)]
        for e in detail.entries:
            task, last = infos.get(e.task_id or "", ({}, {}))
            rows.append([e.entity_name, e.nb_frames, e.task_type_name, task.get("retake_count", ""),
                         e.revision if e.revision is not None else "",
                         status_names.get(str(task.get("task_status_id")), ""),
                         person_names.get(str(last.get("person_id")), ""),
                         str(last.get("created_at") or ""), str(last.get("text") or "")])
        return rows
