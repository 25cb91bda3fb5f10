"""Asset instances of a shot (distinct from casting: instances track per-shot outputs of an asset).

Zou creates asset instances in a layout scene (`POST /data/scenes/{id}/asset-instances`) or inside an
asset (`POST /data/assets/{id}/asset-asset-instances`); a shot then links existing instances
(`POST /data/shots/{id}/asset-instances` with `{"asset_instance_id"}`) and unlinks them
(`DELETE /data/shots/{sid}/asset-instances/{iid}`). Zou answers 500 when adding an instance the shot
already has or removing one it does not have, so both are checked against the server's list first and
are idempotent here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, as_dict
from desktop.api.editing.undo import UndoEntry


@dataclass(frozen=True)
class AssetInstance:
    id: str
    asset_id: str
    name: str
    number: int
    description: str
    scene_id: str | None
    target_asset_id: str | None
    active: bool
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AssetInstance:
        n = d.get("number")
        return cls(id=str(d.get("id") or ""), asset_id=str(d.get("asset_id") or ""), name=str(d.get("name") or ""),
                   number=n if isinstance(n, int) else 0, description=str(d.get("description") or ""),
                   scene_id=d.get("scene_id") or None, target_asset_id=d.get("target_asset_id") or None,
                   active=bool(d.get("active", True)), raw=dict(d))


def _flatten_grouped(data: Any) -> list[AssetInstance]:
    """Zou groups instances in a dict keyed by asset (or scene/shot) id."""
    out: dict[str, AssetInstance] = {}
    if isinstance(data, dict):
        for items in data.values():
            for d in items if isinstance(items, list) else []:
                if isinstance(d, dict) and d.get("id"):
                    out[str(d["id"])] = AssetInstance.from_json(d)
    return sorted(out.values(), key=lambda i: (i.asset_id, i.number, i.name))


class InstanceOps(EditorBase):
    async def shot_asset_instances(self, shot_id: str) -> list[AssetInstance]:
        return _flatten_grouped(await self.session.get(f"/data/shots/{shot_id}/asset-instances"))

    async def instances_of_asset(self, asset_id: str) -> list[AssetInstance]:
        """Every instance of an asset (in scenes or inside other assets): what can be added to a shot."""
        return _flatten_grouped(await self.session.get(f"/data/assets/{asset_id}/scene-asset-instances"))

    async def add_asset_instance(self, shot_id: str, instance_id: str) -> list[AssetInstance]:
        """Link an existing asset instance to the shot; returns the shot's instances afterwards."""
        current = await self.shot_asset_instances(shot_id)
        if any(i.id == instance_id for i in current):
            return current
        try:
            as_dict(await self.session.post(f"/data/shots/{shot_id}/asset-instances",
                                             {"asset_instance_id": instance_id}), "a shot")
        except E.PermissionDenied as exc:
            raise E.PermissionDenied("You are not in this production's team: you cannot change its shots.",
                                     status=exc.status, body=exc.body) from exc

        async def undo() -> None:
            await self.remove_asset_instance(shot_id, instance_id)

        self.undo.push(UndoEntry("Add asset instance", undo))
        return await self.shot_asset_instances(shot_id)

    async def remove_asset_instance(self, shot_id: str, instance_id: str) -> list[AssetInstance]:
        current = await self.shot_asset_instances(shot_id)
        if not any(i.id == instance_id for i in current):
            return current
        try:
            await self.session.delete(f"/data/shots/{shot_id}/asset-instances/{instance_id}")
        except E.PermissionDenied as exc:
            raise E.PermissionDenied("You are not in this production's team: you cannot change its shots.",
                                     status=exc.status, body=exc.body) from exc

        async def undo() -> None:
            await self.add_asset_instance(shot_id, instance_id)

        self.undo.push(UndoEntry("Remove asset instance", undo))
        return [i for i in current if i.id != instance_id]
