"""Casting: the assets of a shot (or asset, or episode) with their number of occurrences and a label.

Zou saves casting by replacing the whole list (`PUT /data/projects/{pid}/entities/{eid}/casting`, a bare
JSON array). So a save re-reads the server's list right before writing, compares it with what the user
loaded, applies the user's own changes (added, removed, recounted assets) on top of the server's list,
and raises a `CastingConflict` when someone else changed the casting meanwhile, like entity edits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, as_dict, as_list, reword_denied
from desktop.api.editing.fields import ConcurrentChange, EditConflict, ThreeWay
from desktop.api.editing.undo import UndoEntry

CastValue = tuple[int, str]  # (nb_occurences, label)


@dataclass(frozen=True)
class CastEntry:
    asset_id: str
    nb_occurences: int = 1
    label: str = ""
    asset_name: str = ""
    asset_type_name: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CastEntry:
        n = d.get("nb_occurences")
        return cls(asset_id=str(d.get("asset_id") or ""), nb_occurences=n if isinstance(n, int) else 1,
                   label=str(d.get("label") or ""), asset_name=str(d.get("asset_name") or ""),
                   asset_type_name=str(d.get("asset_type_name") or ""), raw=dict(d))

    @property
    def value(self) -> CastValue:
        return (self.nb_occurences, self.label)

    def as_body(self) -> dict[str, Any]:
        return {"asset_id": self.asset_id, "nb_occurences": self.nb_occurences, "label": self.label}


@dataclass(frozen=True)
class Casting:
    project_id: str
    entity_id: str
    entries: tuple[CastEntry, ...] = ()

    def as_map(self) -> dict[str, CastValue]:
        return {e.asset_id: e.value for e in self.entries}

    def get(self, asset_id: str) -> CastEntry | None:
        return next((e for e in self.entries if e.asset_id == asset_id), None)

    @property
    def total(self) -> int:
        return sum(e.nb_occurences for e in self.entries)

    def _replace(self, asset_id: str, entry: CastEntry | None) -> Casting:
        entries = [e for e in self.entries if e.asset_id != asset_id]
        if entry is not None:
            old = self.get(asset_id)
            pos = self.entries.index(old) if old is not None else len(entries)
            entries.insert(pos, entry)
        return replace(self, entries=tuple(entries))

    def with_added(self, asset_id: str, count: int = 1, label: str = "", *, asset_name: str = "",
                   asset_type_name: str = "") -> Casting:
        """Cast an asset (or add `count` occurrences if it is already cast)."""
        old = self.get(asset_id)
        if old is not None:
            return self._replace(asset_id, replace(old, nb_occurences=old.nb_occurences + count))
        return self._replace(asset_id, CastEntry(asset_id, count, label, asset_name, asset_type_name))

    def without(self, asset_id: str) -> Casting:
        return self._replace(asset_id, None)

    def with_count(self, asset_id: str, count: int) -> Casting:
        old = self.get(asset_id)
        if count <= 0:
            return self.without(asset_id)
        if old is None:
            return self.with_added(asset_id, count)
        return self._replace(asset_id, replace(old, nb_occurences=count))

    def with_label(self, asset_id: str, label: str) -> Casting:
        old = self.get(asset_id)
        return self if old is None else self._replace(asset_id, replace(old, label=label))


@dataclass(frozen=True)
class CastIn:
    """One entity an asset is cast in (the reverse view)."""

    entity_id: str
    name: str
    kind: str  # "Shot" or the asset type name for asset-in-asset casting
    sequence_name: str
    episode_name: str
    nb_occurences: int
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return " / ".join(p for p in (self.episode_name, self.sequence_name, self.name) if p)


class CastingConflict(EditConflict):
    """The casting changed on the server since it was loaded. Keys are asset ids, values
    `(nb_occurences, label)` or None (not cast). `theirs_entity` is the server's `Casting`."""


def format_cast_value(value: Any) -> str:
    if value is None:
        return "not cast"
    if isinstance(value, tuple) and len(value) == 2:
        n, label = value
        return f"×{n}" + (f" ({label})" if label else "")
    return str(value)


class CastingOps(EditorBase):
    async def load_casting(self, project_id: str, entity_id: str) -> Casting:
        rows = await self.client.casting(project_id, entity_id)
        return Casting(project_id, entity_id, tuple(CastEntry.from_json(r) for r in rows if r.get("asset_id")))

    async def cast_in(self, asset_id: str) -> list[CastIn]:
        out = []
        for r in await self.client.cast_in(asset_id):
            n = r.get("nb_occurences")
            if r.get("shot_id"):
                out.append(CastIn(str(r["shot_id"]), str(r.get("shot_name") or ""), "Shot",
                                  str(r.get("sequence_name") or ""), str(r.get("episode_name") or ""),
                                  n if isinstance(n, int) else 1, dict(r)))
            elif r.get("asset_id"):
                out.append(CastIn(str(r["asset_id"]), str(r.get("asset_name") or ""),
                                  str(r.get("asset_type_name") or "Asset"), "", "", n if isinstance(n, int) else 1,
                                  dict(r)))
        return out

    async def save_casting(self, loaded: Casting, desired: Casting | Sequence[CastEntry], *,
                           policy: str = "ask") -> Casting:
        """Replace the casting with `desired`, applying only the user's changes (from `loaded`) on top of
        the server's current list. Raises `CastingConflict` (policy "ask", or "merge" with the same asset
        changed by both sides) when the server's casting differs from `loaded`. Returns the new casting."""
        if isinstance(desired, Casting):
            desired_entries = desired.entries
        else:
            desired_entries = tuple(desired)
        for e in desired_entries:
            if e.nb_occurences < 1:
                raise E.ValidationError(f"“{e.asset_name or e.asset_id}” must appear at least once "
                                        "(remove it to uncast it).", field_errors={e.asset_id: "count < 1"})
        base = loaded.as_map()
        want: dict[str, CastValue] = {e.asset_id: e.value for e in desired_entries}
        yours: dict[str, CastValue | None] = {a: want.get(a) for a in set(base) | set(want)
                                              if base.get(a) != want.get(a)}
        server = await self.load_casting(loaded.project_id, loaded.entity_id)
        theirs = server.as_map()
        names = {e.asset_id: e.asset_name for e in (*loaded.entries, *desired_entries, *server.entries)}
        if theirs != base:
            three_way = ThreeWay.compute(dict(base), yours, dict(theirs), extra_keys=theirs)
            if three_way.only_same_values:
                pass  # the server already holds exactly your changes (e.g. a save that timed out)
            elif policy == "ask" or (policy == "merge" and not three_way.can_auto_merge):
                raise CastingConflict("The casting was changed by someone else since you opened it.",
                                      entity_id=loaded.entity_id, three_way=three_way, theirs_entity=server,
                                      labels={k: names.get(k) or k for k in set(yours) | set(theirs) | set(base)},
                                      kind="casting")
            yours = three_way.resolve("merge" if policy == "merge" else "overwrite")
        final: dict[str, CastValue] = dict(theirs)
        for asset_id, value in yours.items():
            if value is None:
                final.pop(asset_id, None)
            else:
                final[asset_id] = value
        if final == theirs:
            return server
        body = [{"asset_id": a, "nb_occurences": n, "label": label} for a, (n, label) in final.items()]
        body += await self._hidden_links(loaded, set(theirs))
        try:
            await self.session.put(f"/data/projects/{loaded.project_id}/entities/{loaded.entity_id}/casting", body)
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only production managers can change the casting.") from exc
        new = await self.load_casting(loaded.project_id, loaded.entity_id)
        # Read back right after the write: it should hold exactly what we wrote. Anything else was written
        # by someone else just after us (kept); a change written between our read and our write is lost
        # (Zou replaces the whole list), see docs/editing.md.
        now = new.as_map()
        others = {a: (theirs.get(a), now.get(a)) for a in set(final) | set(now) if final.get(a) != now.get(a)}
        if others:
            labels = {a: names.get(a) or next((e.asset_name for e in new.entries if e.asset_id == a), "") or a
                      for a in others}
            entity = as_dict(await self.session.get(f"/data/entities/{loaded.entity_id}"), "an entity")
            self._report_concurrent(ConcurrentChange(loaded.entity_id, str(entity.get("name") or ""), others,
                                                     labels, kind="casting"))
        before = server

        async def undo() -> None:
            await self.save_casting(new, before, policy="ask")

        self.undo.push(UndoEntry("Casting change", undo))
        return new

    async def _hidden_links(self, loaded: Casting, visible: set[str]) -> list[dict[str, Any]]:
        """Links to canceled assets: Zou's GET leaves them out but its PUT would delete them. Keep them
        (Zou gives their count through the asset's cast-in, not their label)."""
        entity = as_dict(await self.session.get(f"/data/entities/{loaded.entity_id}"), "an entity")
        if entity.get("type") == "Episode":
            return []
        hidden = [a for a in entity.get("entities_out") or [] if isinstance(a, str) and a not in visible]
        out = []
        for asset_id in hidden:
            count = 1
            try:
                for r in as_list(await self.session.get(f"/data/assets/{asset_id}/cast-in"), "cast-in"):
                    if loaded.entity_id in (r.get("shot_id"), r.get("asset_id")):
                        n = r.get("nb_occurences")
                        count = n if isinstance(n, int) and n > 0 else 1
            except E.NotFound:
                continue
            out.append({"asset_id": asset_id, "nb_occurences": count})
        return out

    async def resolve_casting_conflict(self, conflict: CastingConflict, choice: str,
                                       picks: Mapping[str, str] | None = None) -> Casting:
        server = conflict.theirs_entity
        if not isinstance(server, Casting):
            raise TypeError("not a casting conflict")
        desired = server
        for asset_id, value in conflict.resolution(choice, picks).items():
            if value is None:
                desired = desired.without(asset_id)
            else:
                n, label = value
                desired = desired.with_count(asset_id, n).with_label(asset_id, label)
        return await self.save_casting(server, desired, policy="ask")

    # ------------------------------------------------------------------ conveniences
    async def add_to_casting(self, loaded: Casting, asset_id: str, count: int = 1, label: str = "",
                             *, policy: str = "ask") -> Casting:
        return await self.save_casting(loaded, loaded.with_added(asset_id, count, label), policy=policy)

    async def remove_from_casting(self, loaded: Casting, asset_id: str, *, policy: str = "ask") -> Casting:
        return await self.save_casting(loaded, loaded.without(asset_id), policy=policy)

    async def set_cast_count(self, loaded: Casting, asset_id: str, count: int, *, policy: str = "ask") -> Casting:
        return await self.save_casting(loaded, loaded.with_count(asset_id, count), policy=policy)
