"""Assets, shots, sequences and episodes: create, edit (no lost update), delete, bulk edit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, as_dict, as_list, reword_denied
from desktop.api.editing.bulk import BulkProgress, BulkReport, run_bulk
from desktop.api.editing.fields import (
    CellEdit,
    ConcurrentChange,
    EditConflict,
    ThreeWay,
    concurrent_fields,
    field_label,
    flatten,
    is_data_key,
    put_body,
    same,
    validate_changes,
    validate_name,
    wiped_data_keys,
)
from desktop.api.editing.undo import UndoEntry
from desktop.api.records import Descriptor

ROUTES = {"Asset": "assets", "Shot": "shots", "Sequence": "sequences", "Episode": "episodes"}
POLICIES = ("ask", "merge", "overwrite")


@dataclass(frozen=True)
class DeletePreview:
    """What deleting an entity will do, to show before the user confirms."""

    entity_id: str
    name: str
    kind: str  # "Asset", "Shot", "Sequence", "Episode"
    outcome: str  # "delete", "cancel", "already-canceled", "blocked"
    message: str
    task_count: int = 0
    link_count: int = 0  # shots an asset is cast in, assets cast in a shot
    children_count: int = 0  # shots of a sequence, sequences of an episode
    can_force: bool = False
    force_message: str = ""

    @property
    def confirm_text(self) -> str:
        return {"cancel": f"Cancel {self.kind.lower()}", "delete": "Delete"}.get(self.outcome, "Delete permanently")


@dataclass(frozen=True)
class BulkRow:
    """A row of a bulk edit: the entity and what the table showed for it (the conflict-check base)."""

    entity_id: str
    label: str = ""
    shown: Mapping[str, Any] | None = None  # entity dict or with-tasks row dict


@dataclass
class _Saved:
    entity: dict[str, Any]
    undo: UndoEntry | None = None
    merged: bool = False
    sent: dict[str, Any] = field(default_factory=dict)
    concurrent: ConcurrentChange | None = None


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


class EntityOps(EditorBase):
    # Zou's PUT /data/entities merges `data` on the server (in every version seen): send only the changed
    # keys. Set to False as soon as a server is seen replacing it (then the full merged dict is sent).
    server_merges_data = True

    # ------------------------------------------------------------------ reads
    async def load(self, entity_id: str) -> dict[str, Any]:
        """The entity as PUT /data/entities sees it (with `updated_at` and `data`)."""
        return as_dict(await self.session.get(f"/data/entities/{entity_id}"), "an entity")

    def _labels(self, project_id: str, kind: str, keys: Sequence[str]) -> dict[str, str]:
        descs = self.descriptors(project_id, kind)
        return {k: field_label(k, descs) for k in keys}

    # ------------------------------------------------------------------ create
    async def _check_unique(self, existing: list[dict[str, Any]], name: str, what: str, where: str) -> set[str]:
        wanted = _norm_name(name)
        for e in existing:
            if _norm_name(str(e.get("name") or "")) == wanted:
                state = " (canceled)" if e.get("canceled") else ""
                raise E.ValidationError(
                    f"{what} “{e.get('name')}”{state} already exists {where}.",
                    field_errors={"name": f"{what} “{e.get('name')}”{state} already exists {where}."})
        return {str(e.get("id")) for e in existing}

    def _check_created(self, created: dict[str, Any], existing_ids: set[str], what: str, name: str) -> None:
        """Zou's shot/sequence/episode creation is get-or-create: it answers 201 with an existing record."""
        me = self.user.id if self.user is not None else None
        if str(created.get("id")) in existing_ids or (me and created.get("created_by") not in (None, me)):
            raise E.Conflict(f"{what} “{name}” was just created by someone else; nothing was changed. "
                             "Reload to see it.", status=409, body=created)

    def _push_created(self, created: dict[str, Any], kind: str) -> None:
        eid, name = str(created.get("id")), str(created.get("name"))

        async def undo() -> None:
            await self.delete_entity({"id": eid, "type": kind, "name": name})

        self.undo.push(UndoEntry(f"Create {name}", undo))

    async def create_asset(self, project_id: str, asset_type_id: str, name: str, *, description: str = "",
                           data: Mapping[str, Any] | None = None, episode_id: str | None = None,
                           is_shared: bool = False) -> dict[str, Any]:
        """POST /data/projects/{pid}/asset-types/{atid}/assets/new, after checking the name is free.

        Zou itself accepts a duplicate asset name (the unique key includes a null parent), so the check
        happens here: a duplicate in the same asset type is refused with a field error.
        """
        checked = validate_changes({"name": name, **{f"data.{k}": v for k, v in (data or {}).items()}},
                                   descriptors=self.descriptors(project_id, "Asset"))
        name = checked.pop("name")
        existing = as_list(await self.session.get(
            f"/data/projects/{project_id}/asset-types/{asset_type_id}/assets"), "assets")
        await self._check_unique(existing, name, "An asset", "in this asset type")
        body: dict[str, Any] = {"name": name, "description": description or "", "is_shared": bool(is_shared),
                                "data": {k[len("data."):]: v for k, v in checked.items()}}
        if episode_id:
            body["episode_id"] = episode_id
        try:
            created = as_dict(await self.session.post(
                f"/data/projects/{project_id}/asset-types/{asset_type_id}/assets/new", body), "a new asset")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only production managers can create assets in this production.") from exc
        self._push_created(created, "Asset")
        return created

    async def create_shot(self, project_id: str, sequence_id: str | None, name: str, *,
                          nb_frames: int | str | None = None, frame_in: int | str | None = None,
                          frame_out: int | str | None = None, fps: str | float | None = None,
                          description: str = "", data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST /data/projects/{pid}/shots in a sequence; frame range and fps go into `data`."""
        raw: dict[str, Any] = {"name": name, **{f"data.{k}": v for k, v in (data or {}).items()}}
        for key, value in (("nb_frames", nb_frames), ("data.frame_in", frame_in), ("data.frame_out", frame_out),
                           ("data.fps", fps)):
            if value is not None and value != "":
                raw[key] = value
        checked = validate_changes(raw, descriptors=self.descriptors(project_id, "Shot"))
        name = checked.pop("name")
        if sequence_id:
            existing = as_list(await self.session.get(f"/data/sequences/{sequence_id}/shots"), "shots")
        else:
            existing = [s for s in as_list(await self.session.get(f"/data/projects/{project_id}/shots"), "shots")
                        if not s.get("parent_id")]
        ids = await self._check_unique(existing, name, "A shot", "in this sequence")
        body: dict[str, Any] = {"name": name, "description": description or ""}
        if sequence_id:
            body["sequence_id"] = sequence_id
        if checked.get("nb_frames") is not None:
            body["nb_frames"] = checked.pop("nb_frames")
        checked.pop("nb_frames", None)
        body["data"] = {k[len("data."):]: v for k, v in checked.items() if v is not None}
        try:
            created = as_dict(await self.session.post(f"/data/projects/{project_id}/shots", body), "a new shot")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only production managers can create shots in this production.") from exc
        self._check_created(created, ids, "A shot", name)
        self._push_created(created, "Shot")
        return created

    async def create_sequence(self, project_id: str, name: str, *, episode_id: str | None = None,
                              description: str = "") -> dict[str, Any]:
        name = validate_name(name)
        existing = [s for s in as_list(await self.session.get(f"/data/projects/{project_id}/sequences"),
                                       "sequences") if (s.get("parent_id") or None) == (episode_id or None)]
        ids = await self._check_unique(existing, name, "A sequence", "here")
        body: dict[str, Any] = {"name": name, "description": description or ""}
        if episode_id:
            body["episode_id"] = episode_id
        try:
            created = as_dict(await self.session.post(f"/data/projects/{project_id}/sequences", body),
                              "a new sequence")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only production managers can create sequences.") from exc
        self._check_created(created, ids, "A sequence", name)
        self._push_created(created, "Sequence")
        return created

    async def create_episode(self, project_id: str, name: str, *, description: str = "") -> dict[str, Any]:
        name = validate_name(name)
        existing = as_list(await self.session.get(f"/data/projects/{project_id}/episodes"), "episodes")
        ids = await self._check_unique(existing, name, "An episode", "in this production")
        try:
            created = as_dict(await self.session.post(f"/data/projects/{project_id}/episodes",
                                                      {"name": name, "description": description or ""}),
                              "a new episode")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, "Only production managers can create episodes.") from exc
        self._check_created(created, ids, "An episode", name)
        self._push_created(created, "Episode")
        return created

    # ------------------------------------------------------------------ edit
    async def save_entity(self, entity_id: str, changes: Mapping[str, Any], *,
                          base: Mapping[str, Any] | None = None, loaded_updated_at: str | None = None,
                          policy: str = "ask") -> dict[str, Any]:
        """Save the user's changed fields (flat keys, see `fields`) without ever losing someone's update.

        The entity is re-read first. When `base` (what the user loaded, flat or as an entity dict) shows a
        field changed on the server since, or, without a base, when `updated_at` differs from
        `loaded_updated_at`:

        * policy "ask" raises `EditConflict` (nothing written) for the UI to offer overwrite/merge/cancel;
        * policy "merge" writes when no field was changed by both sides, else raises `EditConflict`;
        * policy "overwrite" writes your changed fields over theirs.

        Only fields whose value differs from the server's are sent, and `data` is sent as the server's
        full dict with your keys merged in. Returns the saved entity.
        """
        saved = await self._save(entity_id, changes, base=base, loaded_updated_at=loaded_updated_at, policy=policy)
        if saved.undo is not None:
            self.undo.push(saved.undo)
        return saved.entity

    async def resolve_conflict(self, conflict: EditConflict, choice: str,
                               picks: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Save after the user chose "overwrite" or "merge" (see `ThreeWay.resolve`); checked again
        against `theirs`, so yet another concurrent change raises a new conflict."""
        changes = conflict.resolution(choice, picks)
        return await self.save_entity(conflict.entity_id, changes, base=conflict.theirs, policy="ask")

    async def save_cell_edit(self, edit: CellEdit, *, policy: str = "ask") -> dict[str, Any]:
        """Save one table cell from `apply_cell_edit` (conflict-checked against what the cell showed)."""
        return await self.save_entity(edit.entity_id, edit.changes, base=edit.base, policy=policy)

    async def _save(self, entity_id: str, changes: Mapping[str, Any], *, base: Mapping[str, Any] | None,
                    loaded_updated_at: str | None, policy: str) -> _Saved:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}")
        current = await self.load(entity_id)
        kind = str(current.get("type") or "")
        project_id = str(current.get("project_id") or "")
        descriptors: tuple[Descriptor, ...] = self.descriptors(project_id, kind)
        theirs = flatten(current)
        wanted = validate_changes(changes, current=theirs, descriptors=descriptors)
        whole = base is not None and "id" in base and "data" in base  # an entity or row, not one cell
        flat_base = None if base is None else (flatten(base) if "id" in base else dict(base))
        three_way: ThreeWay | None = None
        if flat_base is not None:
            for key in wanted:
                if key not in flat_base and not (whole and is_data_key(key)):
                    # Not shown to the user (a column the row lacks): nothing to compare it with.
                    flat_base[key] = theirs.get(key)
            their_additions = [k for k in theirs if is_data_key(k)] if whole else []
            three_way = ThreeWay.compute(flat_base, wanted, theirs, extra_keys=their_additions)
            if three_way.only_same_values:
                three_way = None
        elif loaded_updated_at and current.get("updated_at") and current.get("updated_at") != loaded_updated_at:
            three_way = ThreeWay.compute(None, wanted, theirs)
        merged = False
        if three_way is not None:
            if policy == "ask" or (policy == "merge" and not three_way.can_auto_merge):
                keys = list(three_way.yours) + sorted(three_way.their_changes)
                name = current.get("name") or kind.lower()
                both = ", ".join(field_label(k, descriptors) for k in sorted(three_way.overlapping))
                detail = f" You both changed: {both}." if both else ""
                raise EditConflict(
                    f"“{name}” was changed by someone else since you opened it.{detail}",
                    entity_id=entity_id, three_way=three_way, theirs_entity=current,
                    base_updated_at=loaded_updated_at, theirs_updated_at=str(current.get("updated_at") or ""),
                    labels=self._labels(project_id, kind, keys))
            wanted = three_way.resolve("merge" if policy == "merge" else "overwrite")
            merged = True
        to_send = {k: v for k, v in wanted.items() if not same(theirs.get(k), v)}
        if not to_send:
            return _Saved(entity=current, merged=merged)
        body = put_body(current, to_send, full_data=not self.server_merges_data)
        try:
            new = as_dict(await self.session.put(f"/data/entities/{entity_id}", body), "a saved entity")
            wiped = wiped_data_keys(current, new, to_send) if self.server_merges_data else set()
            if wiped:
                # This server replaced `data` instead of merging it: send the whole dict from now on, and
                # put back what it wiped. Read again first: a key someone wrote since our first read keeps
                # their value (the copy read before the write would revert it); only keys the server no
                # longer has come back from that copy.
                self.server_merges_data = False
                latest = await self.load(entity_id)
                latest_data = dict(latest.get("data") or {})
                old_data = dict(current.get("data") or {})
                restored = {k: old_data[k] for k in wiped if k not in latest_data}
                rebuilt = {**latest, "data": {**latest_data, **restored}}
                new = as_dict(await self.session.put(f"/data/entities/{entity_id}",
                                                     put_body(rebuilt, to_send, full_data=True)), "a saved entity")
        except E.PermissionDenied as exc:
            raise reword_denied(exc, f"You cannot change this {kind.lower() or 'entity'}: only production "
                                     "managers and its creator can (supervisors: metadata of their "
                                     "departments only).") from exc
        except E.ValidationError as exc:
            if "already exists" in str(exc) and "name" in to_send:
                msg = f"Another {kind.lower() or 'entity'} here is already named “{to_send['name']}”."
                raise E.ValidationError(msg, field_errors={"name": msg}, status=exc.status, body=exc.body,
                                        method=exc.method, url=exc.url) from exc
            raise
        new.setdefault("type", kind)
        before = {k: theirs.get(k) for k in to_send}
        after = flatten(new)
        after_base = {k: after.get(k) for k in to_send}
        concurrent: ConcurrentChange | None = None
        # The answer should be what we read plus what we sent: anything else is someone else's write.
        others = concurrent_fields(flatten(current), to_send, after)
        if others:
            name = str(new.get("name") or current.get("name") or kind.lower())
            concurrent = ConcurrentChange(entity_id, name, others, self._labels(project_id, kind, list(others)))
            self._report_concurrent(concurrent)

        async def undo() -> None:
            await self.save_entity(entity_id, before, base=after_base, policy="ask")

        label = f"Edit {new.get('name') or current.get('name') or ''}".strip()
        return _Saved(entity=new, undo=UndoEntry(label, undo), merged=merged, sent=to_send, concurrent=concurrent)

    # ------------------------------------------------------------------ delete
    async def preview_delete(self, entity: Mapping[str, Any] | str) -> DeletePreview:
        """Say what DELETE will do: Zou cancels an asset or shot with tasks instead of deleting it, and
        refuses to delete a sequence or episode that still has children unless forced."""
        ent = await self.load(entity) if isinstance(entity, str) else dict(entity)
        if "type" not in ent or "created_by" not in ent:
            ent = {**await self.load(str(ent["id"])), **ent}
        eid, name, kind = str(ent["id"]), str(ent.get("name") or ""), str(ent.get("type") or "")
        canceled = bool(ent.get("canceled"))
        if kind in ("Asset", "Shot"):
            tasks = as_list(await self.session.get(f"/data/{ROUTES[kind]}/{eid}/tasks"), "tasks")
            if kind == "Asset":
                links = len(as_list(await self.session.get(f"/data/assets/{eid}/cast-in"), "cast-in"))
                link_text = f" It is cast in {links} shot{'s' if links != 1 else ''}." if links else ""
            else:
                links = len(as_list(await self.session.get(
                    f"/data/projects/{ent.get('project_id')}/entities/{eid}/casting"), "casting"))
                link_text = f" {links} asset{'s are' if links != 1 else ' is'} cast in it." if links else ""
            n = len(tasks)
            force_msg = (f"Delete “{name}” permanently with its {n} task{'s' if n != 1 else ''}, their comments "
                         "and previews. This cannot be undone.")
            if n and canceled:
                return DeletePreview(eid, name, kind, "already-canceled",
                                     f"“{name}” is already canceled. Deleting it again removes it for good "
                                     f"with its {n} task{'s' if n != 1 else ''}.{link_text}",
                                     task_count=n, link_count=links, can_force=True, force_message=force_msg)
            if n:
                return DeletePreview(eid, name, kind, "cancel",
                                     f"“{name}” has {n} task{'s' if n != 1 else ''}: Zou will mark it as "
                                     f"canceled instead of deleting it. Its tasks and history are kept and it "
                                     f"can be restored.{link_text}",
                                     task_count=n, link_count=links, can_force=True, force_message=force_msg)
            return DeletePreview(eid, name, kind, "delete",
                                 f"“{name}” has no task: it will be deleted permanently.{link_text}",
                                 link_count=links)
        if kind in ("Sequence", "Episode"):
            child = "shot" if kind == "Sequence" else "sequence"
            path = f"/data/sequences/{eid}/shots" if kind == "Sequence" else f"/data/episodes/{eid}/sequences"
            n = len(as_list(await self.session.get(path), f"{child}s"))
            if n:
                return DeletePreview(
                    eid, name, kind, "blocked",
                    f"“{name}” still has {n} {child}{'s' if n != 1 else ''}: Zou refuses to delete it.",
                    children_count=n, can_force=True,
                    force_message=f"Delete “{name}” with its {n} {child}{'s' if n != 1 else ''} and all their "
                                  "tasks, comments and previews. This cannot be undone.")
            return DeletePreview(eid, name, kind, "delete", f"“{name}” is empty: it will be deleted permanently.")
        raise E.ValidationError(f"Deleting a {kind or 'record'} is not supported here.")

    async def delete_entity(self, entity: Mapping[str, Any] | str, *, force: bool = False) -> str:
        """DELETE the entity; returns "deleted" or "canceled" (what Zou actually did)."""
        ent = await self.load(entity) if isinstance(entity, str) else dict(entity)
        if "type" not in ent:
            ent = {**await self.load(str(ent["id"])), **ent}
        eid, name, kind = str(ent["id"]), str(ent.get("name") or ""), str(ent.get("type") or "")
        route = ROUTES.get(kind)
        if route is None:
            raise E.ValidationError(f"Deleting a {kind or 'record'} is not supported here.")
        try:
            await self.session.delete(f"/data/{route}/{eid}", params={"force": "true"} if force else None)
        except E.PermissionDenied as exc:
            raise reword_denied(exc, f"You cannot delete “{name}”: only production managers and its "
                                     "creator can.") from exc
        except E.ValidationError as exc:
            raise E.ValidationError(f"Zou refused to delete “{name}”: {exc}", status=exc.status,
                                    body=exc.body) from exc
        outcome = "deleted"
        if kind in ("Asset", "Shot") and not force:
            try:
                after = await self.load(eid)
                outcome = "canceled" if after.get("canceled") else "deleted"
            except E.NotFound:
                outcome = "deleted"
        if outcome == "canceled":
            async def undo() -> None:
                await self.save_entity(eid, {"canceled": False}, base={"canceled": True}, policy="ask")

            self.undo.push(UndoEntry(f"Cancel {name}", undo))
        else:
            self.undo.push(UndoEntry(f"Delete {name}", None,
                                     reason=f"“{name}” was deleted permanently: Zou cannot restore it."))
        return outcome

    # ------------------------------------------------------------------ bulk
    async def bulk_update(self, rows: Sequence[BulkRow], changes: Mapping[str, Any], *,
                          on_progress: BulkProgress | None = None, concurrency: int = 4,
                          policy: str = "merge") -> BulkReport:
        """Apply the same field/metadata changes to many entities; a failing row never stops the others.

        Each row is saved like `save_entity` with what the table showed as its base, under `policy`
        ("merge" by default: a row whose same field was changed on the server meanwhile fails with a
        conflict instead of being overwritten). Values are validated once before anything is sent.
        The whole bulk edit is one undo step.
        """
        validate_changes(changes)  # a bad value fails before any row is touched
        undos: list[UndoEntry] = []

        def job(row: BulkRow) -> Callable[[], Awaitable[Any]]:
            async def run() -> dict[str, Any]:
                saved = await self._save(row.entity_id, changes, base=row.shown, loaded_updated_at=None,
                                         policy=policy)
                if saved.undo is not None:
                    undos.append(saved.undo)
                return saved.entity
            return run

        report = await run_bulk([(r.entity_id, r.label or r.entity_id, job(r)) for r in rows],
                                on_progress=on_progress, concurrency=concurrency)
        self._push_composite(f"Bulk edit of {len(undos)} rows", undos)
        return report

    def _push_composite(self, label: str, undos: list[UndoEntry]) -> None:
        if not undos:
            return
        entries = list(undos)

        async def undo() -> None:
            report = await run_bulk([(str(i), e.label, e.undo) for i, e in enumerate(entries) if e.undo])
            if report.failed:
                raise E.ZouError(f"Undo restored {len(report.succeeded)} rows; {len(report.failed)} could not be "
                                 f"restored: {report.failed[0].message}")

        self.undo.push(UndoEntry(label, undo))
