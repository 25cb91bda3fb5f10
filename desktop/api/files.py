"""Where an artist saves: the paths a project's file tree gives, and a task's working and output files.

Qt-free. Zou computes every path itself from the project's file tree (`file_tree` on the project, a
JSON template per mode: working, output, preview): Slate never evaluates the templates, it asks Zou
(routes checked against Zou 1.0.97, `zou/app/blueprints/files`):

* working file: `POST /data/tasks/{id}/working-file-path` (name, mode, software_id, revision, sep) ->
  `{"path": folder, "name": file name}`; revision 0 means "the next one" (Zou counts the task's
  working files of that name);
* output file: `POST /data/entities/{id}/output-file-path`, and for an asset instance in a shot
  `POST /data/asset-instances/{id}/entities/{shot id}/output-file-path` (output_type_id, task_type_id,
  name, mode, representation, revision, extension, separator) -> `{"folder_path", "file_name"}`;
* a new working file: `POST /data/tasks/{id}/working-files/new` (the revision registered, its path from the
  tree; Zou assigns the task to the caller), then its bytes: `POST /data/working-files/{id}/file` (multipart);
* lists: `GET /data/tasks/{id}/working-files`, `GET /data/entities/{id}/output-files?task_type_id=`, and the
  asset instances cast in a shot, `GET /data/shots/{id}/asset-instances`.

A project without a file tree makes Zou answer 400 "No tree can be found for given project." (its
`MalformedFileTreeException`): that becomes `NoFileTree`, a sentence for the user rather than an error.
Downloads of a working file go through the download manager (`downloads.sources.working_file_source`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import ProgressFn
from desktop.api.editing.tasks import Attachment, stream_multipart
from desktop.api.reads import Routes
from desktop.api.records import UserTask, json_rows

NO_TEMPLATE_MESSAGE = "The project's file tree has no template for this kind of entity."
NO_TREE_MESSAGE = ("This project has no file tree yet, so Zou cannot say where files go. "
                   "Ask a production manager to set one in the project's settings.")


@dataclass(frozen=True)
class FileTask:
    """The task a "Where do I save?" answer is for: the ids Zou is asked with and the names shown beside them
    (from a row of My tasks, or a task picked in the detail pane)."""

    id: str
    project_id: str
    project_name: str
    entity_id: str
    entity_name: str
    task_type_id: str
    task_type_name: str
    is_shot: bool = False  # a shot's task: its cast asset instances have output paths of their own

    @classmethod
    def of(cls, task: UserTask) -> FileTask:
        return cls(task.id, task.project_id, task.project_name, task.entity_id, task.entity_name,
                   task.task_type_id, task.task_type_name, is_shot=task.entity_type_name == "Shot")


class NoFileTree(E.ZouError):
    """The project has no file tree (or none for this mode): nothing to compute a path from."""


@dataclass(frozen=True)
class SavePath:
    """A folder and a file name, as Zou's file tree gives them (no extension: Zou adds none)."""

    folder: str
    name: str
    separator: str = "/"

    @property
    def full(self) -> str:
        folder = self.folder.rstrip(self.separator)
        return f"{folder}{self.separator}{self.name}" if folder else self.name


@dataclass(frozen=True)
class Software:
    id: str
    name: str
    short_name: str
    file_extension: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Software:
        return cls(id=_s(d, "id"), name=_s(d, "name"), short_name=_s(d, "short_name"),
                   file_extension=_s(d, "file_extension"))


@dataclass(frozen=True)
class ShotInstance:
    """An asset instance cast in a shot (`sword_0001`: Zou names it after its asset and number)."""

    id: str
    asset_id: str
    name: str
    number: int

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ShotInstance:
        return cls(id=_s(d, "id"), asset_id=_s(d, "asset_id"), name=_s(d, "name"), number=_i(d, "number"))


@dataclass(frozen=True)
class OutputType:
    id: str
    name: str
    short_name: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OutputType:
        return cls(id=_s(d, "id"), name=_s(d, "name"), short_name=_s(d, "short_name"))


@dataclass(frozen=True)
class WorkingFile:
    id: str
    name: str
    revision: int
    path: str
    comment: str
    software_id: str
    person_id: str
    size: int
    updated_at: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> WorkingFile:
        return cls(id=_s(d, "id"), name=_s(d, "name"), revision=_i(d, "revision"), path=_s(d, "path"),
                   comment=_s(d, "comment"), software_id=_s(d, "software_id"), person_id=_s(d, "person_id"),
                   size=_i(d, "size"), updated_at=_s(d, "updated_at"), raw=dict(d))


@dataclass(frozen=True)
class OutputFile:
    id: str
    name: str
    revision: int
    path: str
    representation: str
    output_type_id: str
    task_type_id: str
    updated_at: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OutputFile:
        return cls(id=_s(d, "id"), name=_s(d, "name"), revision=_i(d, "revision"), path=_s(d, "path"),
                   representation=_s(d, "representation"), output_type_id=_s(d, "output_type_id"),
                   task_type_id=_s(d, "task_type_id"), updated_at=_s(d, "updated_at"), raw=dict(d))


@dataclass(frozen=True)
class OutputRequest:
    """The fields Zou's output-file-path route takes (revision 0: the next revision)."""

    output_type_id: str
    task_type_id: str
    name: str = "main"
    representation: str = ""
    revision: int = 0
    extension: str = ""
    mode: str = "output"
    separator: str = "/"

    def body(self) -> dict[str, Any]:
        return {"output_type_id": self.output_type_id, "task_type_id": self.task_type_id, "name": self.name,
                "representation": self.representation, "revision": self.revision, "extension": self.extension,
                "mode": self.mode, "separator": self.separator}


def has_file_tree(project: Mapping[str, Any], mode: str = "working") -> bool:
    """Whether a project record (`GET /data/projects/{id}`) carries a tree for this mode."""
    tree = project.get("file_tree")
    return isinstance(tree, dict) and isinstance(tree.get(mode), dict)


class TaskFiles(Routes):
    """The file-tree answers and file lists of one session. The lists and lookups are reads (the disk cache's
    when given); the paths are POSTs Zou computes, asked each time."""

    async def project_has_tree(self, project_id: str) -> bool:
        """Whether the project has a working or an output file tree (else: `NO_TREE_MESSAGE`)."""
        project = await self.reads.get(f"/data/projects/{project_id}")
        return isinstance(project, dict) and (has_file_tree(project, "working") or has_file_tree(project, "output"))

    async def softwares(self) -> list[Software]:
        return sorted((Software.from_json(d) for d in json_rows(await self.reads.get("/data/softwares"))),
                      key=lambda s: s.name.lower())

    async def output_types(self) -> list[OutputType]:
        return sorted((OutputType.from_json(d) for d in json_rows(await self.reads.get("/data/output-types"))),
                      key=lambda o: o.name.lower())

    async def working_file_path(self, task_id: str, *, software_id: str | None = None, name: str = "main",
                                revision: int = 0, mode: str = "working", separator: str = "/") -> SavePath:
        body: dict[str, Any] = {"name": name, "mode": mode, "revision": revision, "sep": separator}
        if software_id:
            body["software_id"] = software_id
        data = await self._path_call(f"/data/tasks/{task_id}/working-file-path", body)
        return SavePath(folder=_s(data, "path"), name=_s(data, "name"), separator=separator)

    async def output_file_path(self, entity_id: str, request: OutputRequest) -> SavePath:
        data = await self._path_call(f"/data/entities/{entity_id}/output-file-path", request.body())
        return SavePath(folder=_s(data, "folder_path"), name=_s(data, "file_name"), separator=request.separator)

    async def instance_output_file_path(self, asset_instance_id: str, temporal_entity_id: str,
                                        request: OutputRequest) -> SavePath:
        """The output path of an asset instance as used in a shot (`temporal_entity_id`)."""
        path = f"/data/asset-instances/{asset_instance_id}/entities/{temporal_entity_id}/output-file-path"
        data = await self._path_call(path, request.body())
        return SavePath(folder=_s(data, "folder_path"), name=_s(data, "file_name"), separator=request.separator)

    async def shot_instances(self, shot_id: str) -> list[ShotInstance]:
        """The asset instances cast in a shot (`GET /data/shots/{id}/asset-instances`: grouped by asset)."""
        data = await self.reads.get(f"/data/shots/{shot_id}/asset-instances")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for a shot's asset instances.")
        found = [ShotInstance.from_json(d) for group in data.values() if isinstance(group, list)
                 for d in group if isinstance(d, dict)]
        return sorted(found, key=lambda i: (i.name.lower(), i.number))

    async def working_files(self, task_id: str) -> list[WorkingFile]:
        """Every working file of a task, newest revision first within each name."""
        data = await self.reads.get(f"/data/tasks/{task_id}/working-files")
        rows = [WorkingFile.from_json(d) for d in json_rows(data)]
        return sorted(rows, key=lambda w: (w.name.lower(), -w.revision))

    async def output_files(self, entity_id: str, task_type_id: str | None = None) -> list[OutputFile]:
        params = {"task_type_id": task_type_id} if task_type_id else None
        rows = [OutputFile.from_json(d)
                for d in json_rows(await self.reads.get(f"/data/entities/{entity_id}/output-files", params=params))]
        return sorted(rows, key=lambda o: (o.name.lower(), o.representation, -o.revision))

    async def new_working_file(self, task_id: str, *, software_id: str | None = None, name: str = "main",
                               revision: int = 0, comment: str = "", separator: str = "/") -> WorkingFile:
        """Register a working-file revision of a task; Zou computes its path from the tree (revision 0: the next
        one of that name) and also assigns the task to whoever registers it. Nothing is uploaded yet."""
        body: dict[str, Any] = {"name": name, "mode": "working", "revision": revision, "comment": comment,
                                "sep": separator}
        if software_id:
            body["software_id"] = software_id
        return WorkingFile.from_json(await self._path_call(f"/data/tasks/{task_id}/working-files/new", body))

    async def upload_working_file(self, working_file_id: str, source: Path,
                                  on_progress: ProgressFn | None = None) -> WorkingFile:
        """Send the file's bytes to a registered revision (streamed from disk; never re-sent by itself: a retry
        is the caller's, onto the same revision)."""
        data = await stream_multipart(self.session, f"/data/working-files/{working_file_id}/file", {},
                                      [Attachment.from_path(source)], on_progress)
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer to a working file upload.")
        return WorkingFile.from_json(data)

    async def _path_call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            data = await self.session.post(path, body)
        except E.ValidationError as exc:
            # Zou's MalformedFileTreeException: no tree, or no entry for this mode ("... tree"), or no template
            # for this kind of entity (raised bare: a 400 whose message is empty).
            said = exc.body.get("message") if isinstance(exc.body, dict) else None
            if "tree" in str(exc).lower():
                raise NoFileTree(NO_TREE_MESSAGE, status=exc.status, body=exc.body) from exc
            if said == "":
                raise NoFileTree(NO_TEMPLATE_MESSAGE, status=exc.status, body=exc.body) from exc
            raise
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for a file path.")
        return data


def _s(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ""


def _i(d: Mapping[str, Any], key: str) -> int:
    v = d.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else 0

