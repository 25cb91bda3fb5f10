"""The studio routes that are not plain CRUD: task subscriptions, HDR uploads, the events log,
ShotGrid-import errors and removals, an asset's instances.

Routes and permissions checked against Zou 1.0.97 (`zou/app/blueprints`):
* `/actions/user/tasks/{id}/subscribe` (POST, 201), `/unsubscribe` (DELETE, 204) and
  `/data/user/tasks/{id}/subscribed` (GET, a JSON boolean): any member of the task's project.
* `/pictures/preview-background-files/{id}` (POST multipart `file`, `.hdr` only; admin): Zou deletes the
  record itself when the file is refused, so a failed upload leaves nothing behind.
* `/data/events/last` (GET; managers; `after`, `before`, `name`, `project_id`, `limit` <= 1000; a
  manager who is not an admin sees the events of their projects), `/data/events/names`;
  `DELETE /data/events/{id}` (admin).
* `/import/shotgun/errors` (GET; admin), `DELETE /import/shotgun/errors/{id}` (204),
  `POST /import/shotgun/remove/project` and `/remove/projectconnection` with `{"id": <ShotGrid id>}`
  (admin): they answer `{"success": true}` and, when something was removed, `removed_instance_id`.
* `/data/asset-instances?asset_id=` (admin), `/data/asset-instances/{id}` (project members),
  `/data/assets/{id}/shot-asset-instances` (project members: instances grouped by shot).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx

from desktop.api import errors as E
from desktop.api.reads import Reads, Routes
from desktop.api.records import json_rows
from desktop.api.session import ZouSession
from desktop.api.studio.crud import Collection, one
from desktop.api.studio.families import EVENTS, PREVIEW_BACKGROUNDS
from desktop.api.studio.records import (
    AssetInstanceRecord,
    EventRecord,
    ImportErrorRecord,
    PreviewBackgroundFileRecord,
    SubscriptionRecord,
)

UPLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=300.0, pool=15.0)
EVENTS_LIMIT = 1000  # Zou's cap per call


class TaskSubscriptions(Routes):
    """The signed-in user's subscription to one task (notified of its comments)."""

    async def is_subscribed(self, task_id: str) -> bool:
        # The server's answer only (never a stored one): the toggle that follows writes the opposite.
        return bool(await self.session.get(f"/data/user/tasks/{task_id}/subscribed"))

    async def subscribe(self, task_id: str) -> SubscriptionRecord:
        data = await self.session.post(f"/actions/user/tasks/{task_id}/subscribe")
        return cast(SubscriptionRecord, data if isinstance(data, dict) else {"task_id": task_id})

    async def unsubscribe(self, task_id: str) -> None:
        await self.session.delete(f"/actions/user/tasks/{task_id}/unsubscribe")


class PreviewBackgrounds(Routes):
    """Upload an HDR background (a record, then its file) and choose the default one."""

    def __init__(self, session: ZouSession, reads: Reads | None = None) -> None:
        super().__init__(session, reads)
        self.collection: Collection[PreviewBackgroundFileRecord] = Collection(session, PREVIEW_BACKGROUNDS, reads)

    async def upload(self, name: str, path: Path, *, is_default: bool = False) -> PreviewBackgroundFileRecord:
        if path.suffix.lower() != ".hdr":
            raise E.ValidationError(f"{path.name} is not an .hdr file: Zou takes HDR images only.")
        content = await asyncio.to_thread(path.read_bytes)
        record = await self.collection.create({"name": name, "is_default": is_default})
        try:
            data = await self.session.post(f"/pictures/preview-background-files/{record['id']}",
                                           files={"file": (path.name, content, "image/vnd.radiance")},
                                           timeout=UPLOAD_TIMEOUT, retry=False)
        except E.ZouError:
            # Zou removes the record when it refuses the file; a network failure may leave it: remove it.
            try:
                await self.collection.delete(record["id"])
            except E.ZouError:
                pass
            raise
        return cast(PreviewBackgroundFileRecord, one(data, "preview background"))

    async def set_default(self, record_id: str) -> PreviewBackgroundFileRecord:
        # Zou clears the flag on the others itself (files_service.reset_default_preview_background_files).
        return await self.collection.update(record_id, {"is_default": True})


@dataclass(frozen=True)
class EventQuery:
    name: str | None = None  # one event type, e.g. "task:update"
    after: dt.date | None = None
    before: dt.date | None = None  # exclusive
    project_id: str | None = None
    limit: int = 200

    def params(self) -> dict[str, str]:
        p: dict[str, str] = {"limit": str(max(1, min(self.limit, EVENTS_LIMIT)))}
        if self.name:
            p["name"] = self.name
        if self.after:
            p["after"] = self.after.isoformat()
        if self.before:
            p["before"] = self.before.isoformat()
        if self.project_id:
            p["project_id"] = self.project_id
        return p


class EventsLog(Routes):
    """Who changed what, when: the studio's event log (managers read it, admins delete from it)."""

    def __init__(self, session: ZouSession, reads: Reads | None = None) -> None:
        super().__init__(session, reads)
        self.collection: Collection[EventRecord] = Collection(session, EVENTS, reads)

    async def last(self, query: EventQuery | None = None) -> list[EventRecord]:
        """Newest first."""
        data = await self.reads.get("/data/events/last", params=(query or EventQuery()).params())
        return cast(list[EventRecord], json_rows(data))

    async def names(self) -> list[str]:
        data = await self.reads.get("/data/events/names")
        return sorted({str(n) for n in data} if isinstance(data, list) else set())

    async def delete(self, event_id: str) -> None:
        await self.session.delete(f"/data/events/{event_id}")


@dataclass(frozen=True)
class Removal:
    """What a ShotGrid removal will remove, said before it is confirmed."""

    kind: str  # "project" or "projectconnection"
    shotgun_id: int
    description: str  # "project “Forest” (ShotGrid id 42)"
    found: bool  # False: Zou holds nothing with that ShotGrid id (the removal does nothing)


class ShotgunImport(Routes):
    """ShotGrid-import errors and the two removals (admins only)."""

    async def errors(self) -> list[ImportErrorRecord]:
        return cast(list[ImportErrorRecord], json_rows(await self.reads.get("/import/shotgun/errors")))

    async def delete_error(self, error_id: str) -> None:
        await self.session.delete(f"/import/shotgun/errors/{error_id}")

    async def describe_removal(self, kind: str, shotgun_id: int) -> Removal:
        """Name what `remove(kind, shotgun_id)` would remove, read from Zou, for the confirmation."""
        if kind == "project":
            # What Zou holds now, never a stored answer: the confirmation names what will be deleted.
            found = json_rows(await self.session.get("/data/projects", params={"shotgun_id": str(shotgun_id)}))
            if found:
                return Removal(kind, shotgun_id, f"project “{found[0].get('name')}” and everything in it "
                                                 f"(ShotGrid id {shotgun_id})", True)
            return Removal(kind, shotgun_id, f"nothing: no project has ShotGrid id {shotgun_id}", False)
        if kind == "projectconnection":
            # A team membership imported from ShotGrid: Zou gives no route to read it by its ShotGrid id.
            return Removal(kind, shotgun_id, f"the team membership imported from ShotGrid connection {shotgun_id} "
                                             "(the person leaves that project's team)", True)
        raise ValueError(kind)

    async def remove(self, kind: str, shotgun_id: int) -> str | None:
        """Remove what ShotGrid id `shotgun_id` imported; the Zou id removed, None when nothing matched."""
        if kind not in ("project", "projectconnection"):
            raise ValueError(kind)
        data = await self.session.post(f"/import/shotgun/remove/{kind}", {"id": shotgun_id})
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer to the ShotGrid removal.")
        if not data.get("success"):
            raise E.ServerError("Zou could not remove it: other records still point at it (for a project: its "
                                "tasks, events or team).")
        removed = data.get("removed_instance_id")
        return str(removed) if removed else None


@dataclass(frozen=True)
class InstanceUse:
    """One instance of an asset and where it is used."""

    instance: AssetInstanceRecord
    shot_ids: tuple[str, ...]
    scene_id: str | None
    target_asset_id: str | None

    @property
    def label(self) -> str:
        name = self.instance.get("name") or ""
        return name or f"#{self.instance.get('number', 0)}"


class AssetInstances(Routes):
    """An asset's instances (`/data/asset-instances`) and where each one is used."""

    async def instance(self, instance_id: str) -> AssetInstanceRecord:
        return cast(AssetInstanceRecord, one(await self.reads.get(f"/data/asset-instances/{instance_id}"),
                                             "asset instance"))

    async def of_asset(self, asset_id: str) -> list[InstanceUse]:
        try:
            found: list[dict[str, Any]] = json_rows(await self.reads.get(
                "/data/asset-instances", params={"asset_id": asset_id, "relations": "true"}))
        except E.PermissionDenied:
            # Only admins list the collection; a project member reads the asset's instances grouped by the
            # shot they are used in (one request, the same serialized instances without their `shots`).
            by_shot = await self.reads.get(f"/data/assets/{asset_id}/shot-asset-instances")
            merged: dict[str, dict[str, Any]] = {}
            for shot_id, group in (by_shot.items() if isinstance(by_shot, dict) else ()):
                for item in group if isinstance(group, list) else ():
                    if isinstance(item, dict) and item.get("id"):
                        entry = merged.setdefault(str(item["id"]), {**item, "shots": []})
                        entry["shots"].append(str(shot_id))
            found = list(merged.values())
        uses = [InstanceUse(instance=cast(AssetInstanceRecord, d), shot_ids=_ids(d.get("shots")),
                            scene_id=d.get("scene_id") or None, target_asset_id=d.get("target_asset_id") or None)
                for d in found]
        return sorted(uses, key=lambda u: (u.instance.get("number") or 0, u.label))


def _ids(value: Any) -> tuple[str, ...]:
    """Ids from a relation serialized as ids or as dicts."""
    if not isinstance(value, list):
        return ()
    return tuple(str(v.get("id")) if isinstance(v, dict) else str(v) for v in value)
