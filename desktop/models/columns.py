"""Which columns the shots and assets lists show, derived from the project (metadata, task types).

Every column has a stable `key` ("name", "meta:difficulty", "task:Animation") under which its visibility,
order and width are saved, so a layout survives project switches and task-type changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from desktop.api.records import Project, TaskType
from desktop.models.lookups import Lookups


class ColumnKind(StrEnum):
    THUMBNAIL = "thumbnail"
    FIELD = "field"  # an entity field of the with-tasks row
    METADATA = "metadata"  # a key of the row's `data` (project metadata descriptor)
    TASK = "task"  # the status of the row's task of one task type


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    title: str
    kind: ColumnKind
    field: str = ""  # entity field (FIELD), data key (METADATA)
    task_type_id: str = ""
    numeric: bool = False
    color: str = ""  # task type colour for TASK columns


THUMBNAIL = ColumnSpec("thumbnail", "Preview", ColumnKind.THUMBNAIL, field="preview_file_id")

SHOT_FIELDS_BEFORE = (
    ColumnSpec("sequence", "Sequence", ColumnKind.FIELD, "sequence_name"),
    ColumnSpec("name", "Name", ColumnKind.FIELD, "name"),
)
SHOT_EPISODE = ColumnSpec("episode", "Episode", ColumnKind.FIELD, "episode_name")
SHOT_FIELDS_AFTER = (
    ColumnSpec("frames", "Frames", ColumnKind.FIELD, "nb_frames", numeric=True),
    ColumnSpec("frame_in", "In", ColumnKind.FIELD, "frame_in", numeric=True),
    ColumnSpec("frame_out", "Out", ColumnKind.FIELD, "frame_out", numeric=True),
    ColumnSpec("fps", "FPS", ColumnKind.FIELD, "fps", numeric=True),
    ColumnSpec("description", "Description", ColumnKind.FIELD, "description"),
)
ASSET_FIELDS = (
    ColumnSpec("asset_type", "Type", ColumnKind.FIELD, "asset_type_name"),
    ColumnSpec("name", "Name", ColumnKind.FIELD, "name"),
    ColumnSpec("description", "Description", ColumnKind.FIELD, "description"),
)


def entity_type_name(kind: str) -> str:
    return "Shot" if kind == "shot" else "Asset"


def task_type_column(tt: TaskType) -> ColumnSpec:
    return ColumnSpec(f"task:{tt.name}", tt.name, ColumnKind.TASK, task_type_id=tt.id, color=tt.color)


def project_task_types(kind: str, project: Project | None, lookups: Lookups) -> list[TaskType]:
    """The project's task types for shots or assets, in Kitsu's order (priority, then name)."""
    wanted = entity_type_name(kind)
    ids: Iterable[str] = project.task_types if project is not None else ()
    types = [lookups.task_types[i] for i in ids if i in lookups.task_types]
    types = [t for t in types if t.for_entity == wanted and not t.archived]
    return sorted(types, key=lambda t: (t.priority, t.name.lower()))


def build_columns(kind: str, project: Project | None, lookups: Lookups) -> list[ColumnSpec]:
    """Kitsu's order: what names the row, then the task statuses (what a tracker is opened for), then
    the frame fields, the description and the metadata."""
    cols: list[ColumnSpec] = [THUMBNAIL]
    if kind == "shot":
        if project is not None and project.is_tv_show:
            cols.append(SHOT_EPISODE)
        cols.extend(SHOT_FIELDS_BEFORE)
    else:
        cols.extend(ASSET_FIELDS[:2])
    cols.extend(task_type_column(tt) for tt in project_task_types(kind, project, lookups))
    cols.extend(SHOT_FIELDS_AFTER if kind == "shot" else ASSET_FIELDS[2:])
    wanted = entity_type_name(kind)
    if project is not None:
        for d in project.descriptors:
            if d.entity_type == wanted and d.field_name:
                cols.append(ColumnSpec(f"meta:{d.field_name}", d.name or d.field_name, ColumnKind.METADATA,
                                       field=d.field_name, numeric=d.data_type == "number"))
    return cols
