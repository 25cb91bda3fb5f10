"""'Where do I save?' against the real Zou: file-tree paths, a task's working and output files.

A file tree is seeded on a project through Zou's own `PUT /data/projects/{id}` (`file_tree`). Every path
Slate shows is checked against Zou's own answer to the same request made by an admin: the test never
evaluates the templates itself. A project without a tree gives `NoFileTree`, not an error page.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop.api import SignedIn, ZouSession
from desktop.api import errors as E
from desktop.api.downloads import DownloadManager, Status
from desktop.api.downloads import sources as ds
from desktop.api.files import NO_TREE_MESSAGE, NoFileTree, OutputRequest, TaskFiles, has_file_tree
from desktop.localzou import LocalZou
from tests.helpers.seed import SeededProject, by_name, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique

# A studio tree in Zou's documented format (the shape of Zou's bundled "simple" tree): data, not logic.
FILE_TREE = {
    "working": {
        "mountpoint": "/mnt/studio", "root": "productions",
        "folder_path": {"shot": "<Project>/shots/<Sequence>/<Shot>/<TaskType>/<Software>",
                        "asset": "<Project>/assets/<AssetType>/<Asset>/<TaskType>/<Software>",
                        "style": "lowercase"},
        "file_name": {"shot": "<Project>_<Sequence>_<Shot>_<TaskType>_<Name>_v<Version>",
                      "asset": "<Project>_<AssetType>_<Asset>_<TaskType>_<Name>_v<Version>",
                      "style": "lowercase"},
    },
    "output": {
        "mountpoint": "/mnt/studio", "root": "productions/export",
        "folder_path": {
            "shot": "<Project>/shots/<Sequence>/<Shot>/<TaskType>/<OutputType>/<Representation>",
            "asset": "<Project>/assets/<AssetType>/<Asset>/<TaskType>/<OutputType>/<Representation>",
            "instance": "<Project>/<TemporalEntityType>/<Sequence>/<TemporalEntity>/<TaskType>/<OutputType>"
                        "/<AssetType>/<Asset>/instance_<Instance.number>/<Representation>",
            "style": "lowercase"},
        "file_name": {
            "shot": "<Project>_<Sequence>_<Shot>_<TaskType>_<OutputType>_<Name>_v<Version>",
            "asset": "<Project>_<AssetType>_<Asset>_<TaskType>_<OutputType>_<Name>_v<Version>",
            "instance": "<Project>_<Sequence>_<TemporalEntity>_<TaskType>_<OutputType>_<Name>_<Instance.name>"
                        "_v<Version>",
            "style": "lowercase"},
    },
}


@dataclass
class Seeded:
    project: SeededProject
    bare_project: dict[str, Any]  # no file tree
    bare_task_id: str
    blender: dict[str, Any]
    cache: dict[str, Any]  # an output type


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> Seeded:
    project = seed_small_project(zou_admin, with_preview=False)
    zou_admin.put(f"/data/projects/{project.id}", {"file_tree": FILE_TREE})
    softwares = zou_admin.get("/data/softwares")
    blender = next((s for s in softwares if s["short_name"] == "blender"), None) or zou_admin.post(
        "/data/softwares", {"name": unique("Blender"), "short_name": "blender", "file_extension": ".blend"})
    cache = zou_admin.post("/data/output-types", {"name": unique("Cache"), "short_name": "cache"})

    bare = zou_admin.create_project(unique("NoTree"), team=[project.artist])
    layout = by_name(zou_admin.get("/data/task-types"), "Layout", "Shot")["id"]
    zou_admin.post(f"/data/projects/{bare['id']}/settings/task-types", {"task_type_id": layout})
    seq = zou_admin.post(f"/data/projects/{bare['id']}/sequences", {"name": "SQ01"})
    zou_admin.post(f"/data/projects/{bare['id']}/shots", {"name": "SH010", "sequence_id": seq["id"]})
    (task,) = zou_admin.post(f"/actions/projects/{bare['id']}/task-types/{layout}/shots/create-tasks", [])
    zou_admin.put(f"/actions/tasks/{task['id']}/assign", {"person_id": project.artist.id})
    return Seeded(project, bare, task["id"], blender, cache)


@pytest.fixture
async def artist(zou_server: LocalZou, seeded: Seeded) -> AsyncIterator[ZouSession]:
    session = ZouSession(zou_server.url)
    outcome = await session.sign_in(seeded.project.artist.email, seeded.project.artist.password)
    assert isinstance(outcome, SignedIn)
    yield session
    await session.aclose()


def zou_says(admin: ZouAdmin, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Zou's own answer to a path request, asked by an admin on a plain HTTP client."""
    return dict(admin.post(path, body))


async def test_working_file_path_is_zous_answer(artist: ZouSession, seeded: Seeded, zou_admin: ZouAdmin) -> None:
    task_id = seeded.project.tasks[("SQ01/SH010", "Animation")]
    files = TaskFiles(artist)
    for revision in (0, 3):  # 0: the next revision, chosen by Zou
        got = await files.working_file_path(task_id, software_id=seeded.blender["id"], name="main",
                                            revision=revision)
        want = zou_says(zou_admin, f"/data/tasks/{task_id}/working-file-path",
                        {"name": "main", "software_id": seeded.blender["id"], "revision": revision, "sep": "/"})
        assert (got.folder, got.name) == (want["path"], want["name"])
        assert got.full == f"{want['path'].rstrip('/')}/{want['name']}"
    # What the seeded tree means, spot-checked: its mountpoint, the shot, the revision asked for.
    assert got.folder.startswith("/mnt/studio/productions/") and "/sh010/" in got.folder
    assert got.name.endswith("_v003")


async def test_output_file_paths_are_zous_answer(artist: ZouSession, seeded: Seeded, zou_admin: ZouAdmin) -> None:
    p = seeded.project
    files = TaskFiles(artist)
    for entity_id, task_type in ((p.shots["SQ01/SH010"], "Animation"), (p.assets["Hero"], "Modeling")):
        request = OutputRequest(output_type_id=seeded.cache["id"], task_type_id=p.task_types[task_type],
                                name="main", representation="abc", revision=2)
        got = await files.output_file_path(entity_id, request)
        want = zou_says(zou_admin, f"/data/entities/{entity_id}/output-file-path", request.body())
        assert (got.folder, got.name) == (want["folder_path"], want["file_name"])
        assert got.folder.startswith("/mnt/studio/productions/export/") and got.folder.endswith("/abc")
    assert "hero" in got.folder and got.name.endswith("_v002")


async def test_asset_instance_output_path_is_zous_answer(artist: ZouSession, seeded: Seeded,
                                                         zou_admin: ZouAdmin) -> None:
    p = seeded.project
    shot_id = p.shots["SQ01/SH010"]
    instance = zou_admin.post("/data/asset-instances", {"asset_id": p.assets["Sword"], "name": "sword_0001",
                                                        "number": 1, "description": ""})
    zou_admin.post(f"/data/shots/{shot_id}/asset-instances", {"asset_instance_id": instance["id"]})
    request = OutputRequest(output_type_id=seeded.cache["id"], task_type_id=p.task_types["Animation"],
                            representation="abc", revision=1)
    got = await TaskFiles(artist).instance_output_file_path(instance["id"], shot_id, request)
    want = zou_says(zou_admin, f"/data/asset-instances/{instance['id']}/entities/{shot_id}/output-file-path",
                    request.body())
    assert (got.folder, got.name) == (want["folder_path"], want["file_name"])
    assert "/sword/instance_0001/" in got.folder  # Zou pads the instance number


async def test_working_files_listed_with_revisions_and_downloaded(artist: ZouSession, seeded: Seeded,
                                                                  zou_admin: ZouAdmin, tmp_path: Path) -> None:
    task_id = seeded.project.tasks[("SQ01/SH010", "Animation")]
    name = f"anim{uuid.uuid4().hex[:4]}"
    versions: dict[int, bytes] = {}
    for comment in ("first pass", "second pass"):
        record = await artist.post(f"/data/tasks/{task_id}/working-files/new",
                                   {"name": name, "comment": comment, "software_id": seeded.blender["id"]})
        versions[record["revision"]] = data = os.urandom(200_000) + comment.encode()
        response = await artist.request("POST", f"/data/working-files/{record['id']}/file",
                                        files={"file": ("scene.blend", data)})
        assert response.status_code == 201, response.text[:300]
    listed = [w for w in await TaskFiles(artist).working_files(task_id) if w.name == name]
    assert [w.revision for w in listed] == [2, 1]  # newest first
    assert [w.comment for w in listed] == ["second pass", "first pass"]
    assert listed[0].path.startswith("/mnt/studio/productions/")

    manager = DownloadManager(artist, state_file=tmp_path / "queue.json")
    manager.start()
    sources = await ds.working_file_sources(artist, [listed[0].id])
    (item,) = manager.enqueue(sources, tmp_path / "out")
    await manager.wait()
    assert item.status is Status.DONE, item.error
    assert item.target is not None
    assert hashlib.sha256(item.target.read_bytes()).hexdigest() == hashlib.sha256(versions[2]).hexdigest()
    await manager.shutdown()


async def test_output_files_listed_for_the_task_type(artist: ZouSession, seeded: Seeded,
                                                     zou_admin: ZouAdmin) -> None:
    p = seeded.project
    asset_id, modeling = p.assets["Villain"], p.task_types["Modeling"]
    for representation in ("abc", "fbx"):
        zou_admin.post(f"/data/entities/{asset_id}/output-files/new",
                       {"output_type_id": seeded.cache["id"], "task_type_id": modeling,
                        "representation": representation, "name": "main"})
    zou_admin.post(f"/data/entities/{asset_id}/output-files/new",
                   {"output_type_id": seeded.cache["id"], "task_type_id": p.task_types["Shading"], "name": "main"})
    listed = await TaskFiles(artist).output_files(asset_id, modeling)
    assert sorted(o.representation for o in listed) == ["abc", "fbx"]
    assert all(o.task_type_id == modeling and o.revision >= 1 for o in listed)
    assert all(o.path.startswith("/mnt/studio/productions/export/") for o in listed)


async def test_project_without_tree_says_so(artist: ZouSession, seeded: Seeded) -> None:
    files = TaskFiles(artist)
    assert not has_file_tree(await artist.get(f"/data/projects/{seeded.bare_project['id']}"))
    assert has_file_tree(await artist.get(f"/data/projects/{seeded.project.id}"))
    assert not await files.project_has_tree(seeded.bare_project["id"])
    assert await files.project_has_tree(seeded.project.id)
    with pytest.raises(NoFileTree) as raised:
        await files.working_file_path(seeded.bare_task_id)
    assert str(raised.value) == NO_TREE_MESSAGE and raised.value.status == 400
    assert await files.working_files(seeded.bare_task_id) == []


async def test_another_projects_task_is_refused(zou_server: LocalZou, seeded: Seeded,
                                                zou_admin: ZouAdmin) -> None:
    outsider: TestUser = zou_admin.create_user("user", first_name="Out")
    session = ZouSession(zou_server.url)
    try:
        assert isinstance(await session.sign_in(outsider.email, outsider.password), SignedIn)
        with pytest.raises(E.PermissionDenied):
            await TaskFiles(session).working_file_path(seeded.project.tasks[("SQ01/SH010", "Animation")])
    finally:
        await session.aclose()
