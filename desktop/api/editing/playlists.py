"""Playlist writes: create, rename, delete, add and remove entries, choose an entry's revision.

Routes (Zou 1.0.97): `POST /data/playlists`, `PUT /data/playlists/{id}` (`name`; `shots`: the whole entry
list, `[{entity_id, preview_file_id}]`), `POST /actions/playlists/{id}/add-entities` (atomic under Zou's
playlist lock; an entry without a preview gets the entity's latest one, of the playlist's task type
when it has one). Removing an entry or changing its revision rewrites the entry list: it is read again
right before the write so an entry someone else added meanwhile is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, as_dict
from desktop.api.editing.undo import UndoEntry
from desktop.api.exports.json_lists import dicts

FOR_ENTITIES = ("shot", "asset", "sequence", "episode", "edit")


def _entries(playlist: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored entries, in the form `PUT /data/playlists/{id}` takes back."""
    return [{"entity_id": str(s.get("entity_id") or s.get("id")), "preview_file_id": s.get("preview_file_id")}
            for s in dicts(playlist.get("shots")) if s.get("entity_id") or s.get("id")]


class PlaylistOps(EditorBase):
    async def create_playlist(self, project_id: str, name: str, *, for_entity: str = "shot",
                              episode_id: str | None = None, task_type_id: str | None = None) -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise E.ValidationError("A playlist needs a name.")
        if for_entity not in FOR_ENTITIES:
            raise E.ValidationError(f"A playlist is for one of: {', '.join(FOR_ENTITIES)}.")
        body: dict[str, Any] = {"name": name, "project_id": project_id, "for_entity": for_entity}
        if episode_id:
            body["episode_id"] = episode_id
        if task_type_id:
            body["task_type_id"] = task_type_id
        playlist = as_dict(await self.session.post("/data/playlists", body), "the new playlist")
        playlist_id = str(playlist.get("id") or "")

        async def undo() -> None:
            await self.session.delete(f"/data/playlists/{playlist_id}")

        self.undo.push(UndoEntry(f"New playlist {name}", undo))
        return playlist

    async def rename_playlist(self, playlist_id: str, name: str) -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise E.ValidationError("A playlist needs a name.")
        before = as_dict(await self.session.get(f"/data/playlists/{playlist_id}"), "the playlist")
        playlist = as_dict(await self.session.put(f"/data/playlists/{playlist_id}", {"name": name}), "the playlist")
        old = str(before.get("name") or "")

        async def undo() -> None:
            await self.session.put(f"/data/playlists/{playlist_id}", {"name": old})

        self.undo.push(UndoEntry(f"Rename playlist {old}", undo))
        return playlist

    async def delete_playlist(self, playlist_id: str) -> None:
        await self.session.delete(f"/data/playlists/{playlist_id}")

    async def add_to_playlist(self, playlist_id: str, entity_ids: Iterable[str]) -> dict[str, Any]:
        """Append entities (their latest preview) in the given order; an entity already there is skipped."""
        current = as_dict(await self.session.get(f"/data/playlists/{playlist_id}"), "the playlist")
        present = {e["entity_id"] for e in _entries(current)}
        wanted = [i for i in dict.fromkeys(entity_ids) if i and i not in present]
        if not wanted:
            return current
        playlist = as_dict(await self.session.post(f"/actions/playlists/{playlist_id}/add-entities",
                                                   {"entities": [{"entity_id": i} for i in wanted]}), "the playlist")

        async def undo() -> None:
            await self.remove_from_playlist(playlist_id, wanted, undoable=False)

        self.undo.push(UndoEntry("Add to playlist", undo))
        return playlist

    async def remove_from_playlist(self, playlist_id: str, entity_ids: Sequence[str], *,
                                   undoable: bool = True) -> dict[str, Any]:
        current = as_dict(await self.session.get(f"/data/playlists/{playlist_id}"), "the playlist")
        before = _entries(current)
        drop = set(entity_ids)
        kept = [e for e in before if e["entity_id"] not in drop]
        if len(kept) == len(before):
            return current
        playlist = as_dict(await self.session.put(f"/data/playlists/{playlist_id}", {"shots": kept}), "the playlist")
        if undoable:
            async def undo() -> None:
                await self.session.put(f"/data/playlists/{playlist_id}", {"shots": before})

            self.undo.push(UndoEntry("Remove from playlist", undo))
        return playlist

    async def set_entry_preview(self, playlist_id: str, entity_id: str, preview_file_id: str) -> dict[str, Any]:
        """Play this revision (a preview of the entity) for the entity's entry."""
        current = as_dict(await self.session.get(f"/data/playlists/{playlist_id}"), "the playlist")
        before = _entries(current)
        if not any(e["entity_id"] == entity_id for e in before):
            raise E.NotFound("That entry is no longer in the playlist.")
        after = [{**e, "preview_file_id": preview_file_id} if e["entity_id"] == entity_id else e for e in before]
        playlist = as_dict(await self.session.put(f"/data/playlists/{playlist_id}", {"shots": after}), "the playlist")
        chosen = next((s for s in dicts(playlist.get("shots")) if s.get("entity_id") == entity_id), {})
        if chosen.get("preview_file_id") != preview_file_id:
            # Zou unpins a preview that is not the entity's own (`unpin_foreign_preview_files`).
            raise E.ValidationError("That revision is not a preview of this entry; the playlist was not changed.")

        async def undo() -> None:
            await self.session.put(f"/data/playlists/{playlist_id}", {"shots": before})

        self.undo.push(UndoEntry("Revision of a playlist entry", undo))
        return playlist
