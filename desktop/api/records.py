"""Typed records for what the panes read from Zou.

Studios run older and newer Zou versions, so every record is built leniently: unknown keys are kept in
`raw`, missing keys get a neutral default, and a wrongly typed value never crashes parsing.
Big lists (shots and assets with their tasks) are kept columnar in `WithTasksTable` rather than as one
object per row: 10,000 rows x 8 tasks would otherwise cost tens of megabytes of small objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

from desktop.api import errors as E

T = TypeVar("T")


def json_rows(data: Any) -> list[dict[str, Any]]:
    """The dicts of a JSON list answer (a paginated answer's `data` too); anything else is a protocol error."""
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise E.ProtocolError(f"Expected a list from the server, got {type(data).__name__}.")
    return [d for d in data if isinstance(d, dict)]


def _s(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) else default


def _opt_s(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    return v if isinstance(v, str) and v else None


def _i(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(float(v))
        except ValueError:
            return default
    return default


def _b(d: Mapping[str, Any], key: str) -> bool:
    return bool(d.get(key))


def _ids(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = d.get(key)
    if isinstance(v, list):
        return tuple(x if isinstance(x, str) else str(x.get("id")) if isinstance(x, dict) else str(x) for x in v)
    return ()


def _dict(d: Mapping[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return dict(v) if isinstance(v, dict) else {}


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    first_name: str
    last_name: str
    full_name: str
    role: str
    active: bool
    totp_enabled: bool = False
    email_otp_enabled: bool = False
    fido_enabled: bool = False
    preferred_two_factor: str | None = None
    fido_devices: tuple[str, ...] = ()
    has_avatar: bool = False
    departments: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Person:
        first, last = _s(d, "first_name"), _s(d, "last_name")
        return cls(
            id=_s(d, "id"), email=_s(d, "email"), first_name=first, last_name=last,
            full_name=_s(d, "full_name") or f"{first} {last}".strip(), role=_s(d, "role", "user"),
            active=bool(d.get("active", True)), totp_enabled=_b(d, "totp_enabled"),
            email_otp_enabled=_b(d, "email_otp_enabled"), fido_enabled=_b(d, "fido_enabled"),
            preferred_two_factor=_opt_s(d, "preferred_two_factor_authentication"),
            fido_devices=tuple(str(x) for x in d.get("fido_devices") or [] if isinstance(x, str)),
            has_avatar=_b(d, "has_avatar"), departments=_ids(d, "departments"), raw=dict(d),
        )

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or (self.full_name[:2].upper() if self.full_name else "?")

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled or self.email_otp_enabled or self.fido_enabled


@dataclass(frozen=True)
class Descriptor:
    """A metadata column of a project (values live in an entity's `data`)."""

    id: str
    name: str
    field_name: str
    entity_type: str  # "Shot", "Asset", ...
    data_type: str  # "string", "number", "list", "taglist", "boolean", "checklist", ...
    choices: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Descriptor:
        choices = d.get("choices")
        return cls(
            id=_s(d, "id"), name=_s(d, "name"), field_name=_s(d, "field_name"),
            entity_type=_s(d, "entity_type", "Asset"), data_type=_s(d, "data_type", "string"),
            choices=tuple(str(c) for c in choices) if isinstance(choices, list) else (),
            departments=_ids(d, "departments"),
        )


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    code: str
    production_type: str
    fps: str
    color: str
    has_avatar: bool
    team: tuple[str, ...]
    task_types: tuple[str, ...]
    task_statuses: tuple[str, ...]
    asset_types: tuple[str, ...]
    descriptors: tuple[Descriptor, ...]
    first_episode_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Project:
        descs = d.get("descriptors")
        return cls(
            id=_s(d, "id"), name=_s(d, "name"), code=_s(d, "code"),
            production_type=_s(d, "production_type", "short"), fps=str(d.get("fps") or ""),
            color=_s(d, "color"), has_avatar=_b(d, "has_avatar"), team=_ids(d, "team"),
            task_types=_ids(d, "task_types"), task_statuses=_ids(d, "task_statuses"),
            asset_types=_ids(d, "asset_types"),
            descriptors=tuple(Descriptor.from_json(x) for x in descs if isinstance(x, dict))
            if isinstance(descs, list) else (),
            first_episode_id=_opt_s(d, "first_episode_id"), raw=dict(d),
        )

    @property
    def is_tv_show(self) -> bool:
        return self.production_type == "tvshow"


@dataclass(frozen=True)
class TaskType:
    id: str
    name: str
    short_name: str
    color: str
    priority: int
    for_entity: str
    department_id: str | None
    archived: bool = False

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TaskType:
        return cls(
            id=_s(d, "id"), name=_s(d, "name"), short_name=_s(d, "short_name"), color=_s(d, "color", "#999999"),
            priority=_i(d, "priority", 1), for_entity=_s(d, "for_entity", "Asset"),
            department_id=_opt_s(d, "department_id"), archived=_b(d, "archived"),
        )


@dataclass(frozen=True)
class TaskStatus:
    id: str
    name: str
    short_name: str
    color: str
    priority: int
    is_done: bool
    is_artist_allowed: bool
    is_retake: bool
    is_default: bool
    is_wip: bool
    is_feedback_request: bool
    archived: bool = False

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TaskStatus:
        return cls(
            id=_s(d, "id"), name=_s(d, "name"), short_name=_s(d, "short_name"), color=_s(d, "color", "#f5f5f5"),
            priority=_i(d, "priority", 1), is_done=_b(d, "is_done"),
            is_artist_allowed=bool(d.get("is_artist_allowed", True)), is_retake=_b(d, "is_retake"),
            is_default=_b(d, "is_default"), is_wip=_b(d, "is_wip"),
            is_feedback_request=_b(d, "is_feedback_request"), archived=_b(d, "archived"),
        )


@dataclass(frozen=True)
class AssetType:
    id: str
    name: str
    short_name: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AssetType:
        return cls(id=_s(d, "id"), name=_s(d, "name"), short_name=_s(d, "short_name"))


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    color: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Department:
        return cls(id=_s(d, "id"), name=_s(d, "name"), color=_s(d, "color"))


@dataclass(frozen=True)
class Entity:
    """An episode, sequence, shot or asset as the generic routes return it."""

    id: str
    name: str
    type: str
    project_id: str
    parent_id: str | None
    entity_type_id: str
    description: str
    data: dict[str, Any]
    nb_frames: int
    canceled: bool
    preview_file_id: str | None
    updated_at: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Entity:
        return cls(
            id=_s(d, "id"), name=_s(d, "name"), type=_s(d, "type"), project_id=_s(d, "project_id"),
            parent_id=_opt_s(d, "parent_id"), entity_type_id=_s(d, "entity_type_id"),
            description=_s(d, "description"), data=_dict(d, "data"), nb_frames=_i(d, "nb_frames"),
            canceled=_b(d, "canceled"), preview_file_id=_opt_s(d, "preview_file_id"),
            updated_at=_s(d, "updated_at"), raw=dict(d),
        )


@dataclass(frozen=True)
class UserTask:
    """A row of the signed-in user's to-do list (`/data/user/tasks`)."""

    id: str
    project_id: str
    project_name: str
    entity_id: str
    entity_name: str
    entity_type_name: str
    sequence_name: str
    episode_name: str
    task_type_id: str
    task_type_name: str
    task_status_id: str
    task_status_short_name: str
    task_status_color: str
    due_date: str
    priority: int
    last_comment: str
    assignees: tuple[str, ...]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    estimation: int = 0  # minutes, as Zou stores it (0: not estimated)
    duration: int = 0  # minutes logged so far

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UserTask:
        last = d.get("last_comment")
        text = _s(last, "text") if isinstance(last, dict) else ""
        return cls(
            id=_s(d, "id"), project_id=_s(d, "project_id"), project_name=_s(d, "project_name"),
            entity_id=_s(d, "entity_id"), entity_name=_s(d, "entity_name"),
            entity_type_name=_s(d, "entity_type_name"), sequence_name=_s(d, "sequence_name"),
            episode_name=_s(d, "episode_name"), task_type_id=_s(d, "task_type_id"),
            task_type_name=_s(d, "task_type_name"), task_status_id=_s(d, "task_status_id"),
            task_status_short_name=_s(d, "task_status_short_name"), task_status_color=_s(d, "task_status_color"),
            due_date=_s(d, "due_date") or _s(d, "task_due_date"), priority=_i(d, "priority"),
            last_comment=text, assignees=_ids(d, "assignees"), raw=dict(d),
            estimation=_i(d, "task_estimation") or _i(d, "estimation"),
            duration=_i(d, "task_duration") or _i(d, "duration"),
        )


@dataclass(frozen=True)
class UserContext:
    """What `/data/user/context` gives at start-up: the lookup tables every pane needs."""

    projects: tuple[Project, ...]
    task_types: tuple[TaskType, ...]
    task_statuses: tuple[TaskStatus, ...]
    asset_types: tuple[AssetType, ...]
    persons: tuple[Person, ...]
    departments: tuple[Department, ...]
    project_roles: dict[str, str]
    search_filters: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UserContext:
        def many(key: str, build: Any) -> tuple[Any, ...]:
            v = d.get(key)
            return tuple(build(x) for x in v if isinstance(x, dict)) if isinstance(v, list) else ()

        return cls(
            projects=many("projects", Project.from_json), task_types=many("task_types", TaskType.from_json),
            task_statuses=many("task_status", TaskStatus.from_json),
            asset_types=many("asset_types", AssetType.from_json), persons=many("persons", Person.from_json),
            departments=many("departments", Department.from_json),
            project_roles={str(k): str(v) for k, v in _dict(d, "project_roles").items()},
            search_filters=_dict(d, "search_filters"), raw=dict(d),
        )


@dataclass
class WithTasksTable:
    """Shots or assets with their tasks, columnar as Zou's `compact=true` gives them.

    `rows[i][entity_fields.index(name)]` is a value; the row's `tasks` column holds a list of task rows
    positional by `task_fields`. Positions are read from the server's header, never hard-coded.
    """

    kind: str  # "shot" or "asset"
    entity_fields: tuple[str, ...]
    task_fields: tuple[str, ...]
    rows: list[list[Any]] = field(default_factory=list)
    etag: str | None = None

    def __post_init__(self) -> None:
        self._epos = {name: i for i, name in enumerate(self.entity_fields)}
        self._tpos = {name: i for i, name in enumerate(self.task_fields)}

    def col(self, name: str) -> int:
        """Position of an entity field; KeyError if this server does not send it."""
        return self._epos[name]

    def has(self, name: str) -> bool:
        return name in self._epos

    def task_col(self, name: str) -> int:
        return self._tpos[name]

    def value(self, row: Sequence[Any], name: str, default: Any = None) -> Any:
        pos = self._epos.get(name)
        return row[pos] if pos is not None and pos < len(row) else default

    def tasks(self, row: Sequence[Any]) -> list[Sequence[Any]]:
        pos = self._epos.get("tasks")
        tasks = row[pos] if pos is not None and pos < len(row) else None
        return tasks if isinstance(tasks, list) else []

    def row_dicts(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts with task dicts (for tests and exports; the models use positions)."""
        for row in self.rows:
            out = dict(zip(self.entity_fields, row, strict=False))
            out["tasks"] = [dict(zip(self.task_fields, t, strict=False)) for t in self.tasks(row)]
            yield out

    def __len__(self) -> int:
        return len(self.rows)


def from_dict_rows(kind: str, rows: list[dict[str, Any]]) -> WithTasksTable:
    """Turn an older server's dict rows into the columnar form, keeping every key seen."""
    efields: dict[str, None] = {}
    tfields: dict[str, None] = {}
    for r in rows:
        efields.update(dict.fromkeys(r))
        for t in r.get("tasks") or []:
            if isinstance(t, dict):
                tfields.update(dict.fromkeys(t))
    efields.setdefault("tasks", None)
    ef, tf = tuple(efields), tuple(tfields)
    out: list[list[Any]] = []
    for r in rows:
        row = [r.get(k) for k in ef]
        row[ef.index("tasks")] = [[t.get(k) for k in tf] for t in r.get("tasks") or [] if isinstance(t, dict)]
        out.append(row)
    return WithTasksTable(kind=kind, entity_fields=ef, task_fields=tf, rows=out)


# ---------------------------------------------------------------- detail reads, as Zou sends them
# Typed views of Zou's JSON for the reads the panes and dialogs use key by key. `total=False`: Zou leaves
# keys out by version and route, so every read is `.get()`; the types say what a present key holds.
class TaskRecord(TypedDict, total=False):
    """A task of a shot or an asset (`GET /data/shots/{id}` -> "tasks")."""

    id: str
    entity_id: str
    project_id: str
    task_type_id: str
    task_status_id: str
    assignees: list[str]
    last_comment_date: str | None
    due_date: str | None
    estimation: int | None
    priority: int | None


class EntityRecord(TypedDict, total=False):
    """A shot or an asset with its tasks (`GET /data/shots/{id}`, `GET /data/assets/{id}`)."""

    id: str
    type: str  # "Shot" | "Asset"
    name: str
    project_id: str
    description: str | None
    data: dict[str, Any] | None
    tasks: list[TaskRecord]
    preview_file_id: str | None
    nb_frames: int | None
    frame_in: int | None
    frame_out: int | None
    fps: str | float | None
    parent_id: str | None
    sequence_name: str
    episode_name: str
    entity_type_id: str
    asset_type_name: str
    ready_for: str | None
    canceled: bool
    created_by: str | None
    updated_at: str


class CommentRecord(TypedDict, total=False):
    """A comment of a task's thread (`GET /data/tasks/{id}/comments`), newest first."""

    id: str
    object_id: str  # the task
    text: str
    created_at: str
    updated_at: str
    task_status_id: str
    task_status: dict[str, Any]
    person_id: str
    person: dict[str, Any]
    attachment_files: list[dict[str, Any]]
    previews: list[dict[str, Any]]
    checklist: list[dict[str, Any]]


class CastLinkRecord(TypedDict, total=False):
    """One link of a casting: an asset in a shot (`.../entities/{id}/casting`) or a shot an asset is cast
    in (`/data/assets/{id}/cast-in`)."""

    asset_id: str
    asset_name: str
    asset_type_name: str
    shot_id: str
    shot_name: str
    sequence_name: str
    episode_name: str
    nb_occurences: int
    label: str
    preview_file_id: str | None
