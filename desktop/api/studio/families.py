"""What differs between the studio's reference-data families, declared as data.

Each `Family` names its Zou collection (`/data/<collection>`), the fields a user edits (with their kind,
which the UI maps to an editor), which of create / edit / delete Zou allows, and how a list is scoped
(a project's milestones, an entity's output files, the signed-in user's subscriptions). The one CRUD
helper (`desktop.api.studio.crud.Collection`) and the one table + form editor (`desktop/ui/studio`) read
these declarations; there is no per-family code path for list / create / edit / delete.

Checked against Zou 1.0.97 (`zou/app/blueprints/crud/*.py`): reads of statuses, departments, softwares,
studios and preview backgrounds are open to everyone; everything else, and every write, is the admin's
unless noted on the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["text", "color", "bool", "int", "date", "choice", "ref"]
# What a "ref" field points at: the UI offers the names it knows for these.
RefKind = Literal["project", "department", "task_type", "person", "task", "entity"]

POSITIONS = ("artist", "supervisor", "lead")  # zou/app/models/person.py POSITION_TYPES
SENIORITIES = ("junior", "mid", "senior")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: RefKind | None = None
    editable: bool = True  # False: shown in the table, set once at creation (or never)
    creatable: bool = True  # False: shown, never sent (Zou computes or protects it)


@dataclass(frozen=True)
class Family:
    key: str
    title: str  # plural, for the window's list
    noun: str  # singular, for buttons and messages
    collection: str  # /data/<collection>
    fields: tuple[FieldSpec, ...]
    can_create: bool = True
    can_update: bool = True
    can_delete: bool = True
    # The list is read for one scope (`project_id`, `entity_id`, ...): the key and what it is.
    scope: str | None = None
    scope_ref: RefKind | None = None
    scope_required: bool = False
    # A scoped list read from another route than `/data/<collection>?<scope>=<id>` (`{id}` is the scope's).
    scoped_list_route: str | None = None
    # The scope is the signed-in user (their own subscriptions), filled in by the API, never asked.
    scope_is_me: bool = False
    note: str = ""  # one line the window shows under the list (what Zou allows here)

    @property
    def columns(self) -> tuple[FieldSpec, ...]:
        return self.fields

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def writable(self, *, creating: bool) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if (f.creatable if creating else f.editable))


_NAME = FieldSpec("name", "Name", required=True)
_COLOR = FieldSpec("color", "Colour", "color", required=True)
_ARCHIVED = FieldSpec("archived", "Archived", "bool")

PROJECT_STATUSES = Family(
    "project_statuses", "Project statuses", "project status", "project-status", (_NAME, _COLOR))
TASK_STATUSES = Family(
    "task_statuses", "Task statuses", "task status", "task-status", (
        _NAME, FieldSpec("short_name", "Short name", required=True), _COLOR,
        FieldSpec("is_done", "Is done", "bool"), FieldSpec("is_retake", "Is retake", "bool"),
        FieldSpec("is_client_allowed", "For client", "bool"),
        FieldSpec("is_artist_allowed", "For artist", "bool"),
        FieldSpec("priority", "Priority", "int"), _ARCHIVED))
DEPARTMENTS = Family("departments", "Departments", "department", "departments", (_NAME, _COLOR, _ARCHIVED))
SOFTWARES = Family(
    "softwares", "Softwares", "software", "softwares", (
        _NAME, FieldSpec("short_name", "Short name", required=True),
        FieldSpec("file_extension", "File extension", required=True), FieldSpec("version", "Version"),
        _ARCHIVED))
STUDIOS = Family("studios", "Studios", "studio", "studios", (_NAME, _COLOR, _ARCHIVED))
MILESTONES = Family(
    "milestones", "Milestones", "milestone", "milestones", (
        FieldSpec("project_id", "Project", "ref", required=True, ref="project", editable=False),
        _NAME, FieldSpec("date", "Date", "date", required=True),
        FieldSpec("task_type_id", "Task type", "ref", ref="task_type")),
    scope="project_id", scope_ref="project", scope_required=True,
    scoped_list_route="/data/projects/{id}/milestones",
    note="A project's milestones: the project's managers create, edit and delete them.")
SALARY_SCALES = Family(
    "salary_scales", "Salary scales", "salary scale", "salary-scales", (
        FieldSpec("department_id", "Department", "ref", ref="department", editable=False, creatable=False),
        FieldSpec("position", "Position", "choice", choices=POSITIONS, editable=False, creatable=False),
        FieldSpec("seniority", "Seniority", "choice", choices=SENIORITIES, editable=False, creatable=False),
        FieldSpec("salary", "Salary", "int", required=True)),
    can_create=False, can_delete=False,
    note="One scale per department, position and seniority: Zou makes them; set the salary of each.")
SUBSCRIPTIONS = Family(
    "subscriptions", "Subscriptions", "subscription", "subscriptions", (
        FieldSpec("task_id", "Task", "ref", required=True, ref="task", editable=False),
        FieldSpec("entity_id", "Entity", "ref", ref="entity", editable=False, creatable=False),
        FieldSpec("task_type_id", "Task type", "ref", ref="task_type", editable=False, creatable=False)),
    can_update=False, scope="person_id", scope_ref="person", scope_is_me=True,
    note="Your task subscriptions (Zou lists them to admins only): subscribe or unsubscribe from a task.")
PREVIEW_BACKGROUNDS = Family(
    "preview_backgrounds", "Preview backgrounds", "preview background", "preview-background-files", (
        _NAME, FieldSpec("is_default", "Default", "bool"), _ARCHIVED,
        FieldSpec("original_name", "File", editable=False, creatable=False),
        FieldSpec("extension", "Extension", editable=False, creatable=False),
        FieldSpec("file_size", "Size", "int", editable=False, creatable=False)),
    note="HDR backgrounds for the 3D preview player: upload an .hdr file, choose the default.")
OUTPUT_FILES = Family(
    "output_files", "Output files", "output file", "output-files", (
        FieldSpec("name", "Name", required=True, editable=False), FieldSpec("revision", "Revision", "int",
                                                                            editable=False),
        FieldSpec("representation", "Representation", editable=False),
        FieldSpec("extension", "Extension", editable=False), FieldSpec("path", "Path", editable=False),
        FieldSpec("comment", "Comment")),
    can_create=False, scope="entity_id", scope_ref="entity", scope_required=True,
    note="The output files of one shot or asset (published from the artists' tools).")
ATTACHMENT_FILES = Family(
    "attachment_files", "Attachment files", "attachment file", "attachment-files", (
        FieldSpec("name", "Name", required=True), FieldSpec("extension", "Extension", editable=False),
        FieldSpec("mimetype", "Type", editable=False), FieldSpec("size", "Size", "int", editable=False),
        FieldSpec("comment_id", "Comment", "ref", ref="entity", editable=False)),
    can_create=False, scope="comment_id", scope_ref="entity",
    note="Files attached to comments (rename only; attach files from a comment).")
EVENTS = Family(
    "events", "Events", "event", "events", (
        FieldSpec("created_at", "When", editable=False, creatable=False),
        FieldSpec("name", "Type", editable=False, creatable=False),
        FieldSpec("user_id", "Who", "ref", ref="person", editable=False, creatable=False),
        FieldSpec("project_id", "Project", "ref", ref="project", editable=False, creatable=False)),
    can_create=False, can_update=False)

FAMILIES: tuple[Family, ...] = (PROJECT_STATUSES, TASK_STATUSES, DEPARTMENTS, SOFTWARES, STUDIOS, MILESTONES,
                                SALARY_SCALES, SUBSCRIPTIONS, PREVIEW_BACKGROUNDS, OUTPUT_FILES, ATTACHMENT_FILES)
BY_KEY = {f.key: f for f in (*FAMILIES, EVENTS)}
