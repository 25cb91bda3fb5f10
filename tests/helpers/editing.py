"""Set-up for the editing tests: a production with a manager, an artist, metadata, shots, assets, tasks.

Everything is made through Zou's real HTTP API as an admin (tests/helpers/zou.py), each test with its own
users and a uniquely named project.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.api import SignedIn, ZouClient, ZouSession
from desktop.api.editing import Editor
from tests.helpers.zou import TestUser, ZouAdmin, unique


@dataclass
class EditProject:
    project: dict[str, Any]
    manager: TestUser
    artist: TestUser
    asset_type_id: str
    other_asset_type_id: str
    sequence_id: str
    shots: list[dict[str, Any]]
    assets: list[dict[str, Any]]
    shot_task_type_id: str
    todo_id: str
    wip_id: str
    tasks: dict[str, str] = field(default_factory=dict)  # entity id -> task id

    @property
    def id(self) -> str:
        return str(self.project["id"])


def seed_edit_project(admin: ZouAdmin, *, n_shots: int = 3, n_assets: int = 3,
                      descriptors: tuple[tuple[str, str, str], ...] = (("Shot", "Camera", "string"),
                                                                         ("Asset", "Look", "string")),
                      shot_tasks: bool = True) -> EditProject:
    manager = admin.create_user("manager")
    artist = admin.create_user("user")
    project = admin.create_project(unique("Edit"), team=[manager, artist])
    pid = project["id"]
    for entity_type, name, data_type in descriptors:
        admin.post(f"/data/projects/{pid}/metadata-descriptors",
                   {"entity_type": entity_type, "name": name, "data_type": data_type})
    task_types = admin.get("/data/task-types")
    layout = next(t for t in task_types if t["for_entity"] == "Shot" and t["name"] == "Layout")
    admin.post(f"/data/projects/{pid}/settings/task-types", {"task_type_id": layout["id"]})
    statuses = admin.get("/data/task-status")
    todo = next(s for s in statuses if s["short_name"] == "todo")
    wip = next(s for s in statuses if s["short_name"] == "wip")
    asset_types = sorted(admin.get("/data/asset-types"), key=lambda t: t["name"])
    seq = admin.post(f"/data/projects/{pid}/sequences", {"name": "SQ01"})
    shots = [admin.post(f"/data/projects/{pid}/shots", {
        "name": f"SH{i:03d}", "sequence_id": seq["id"], "nb_frames": 10,
        "data": {"frame_in": 1, "frame_out": 10, "keep": f"k{i}"}}) for i in range(1, n_shots + 1)]
    assets = [admin.post(f"/data/projects/{pid}/asset-types/{asset_types[0]['id']}/assets/new",
                         {"name": f"asset{i}", "data": {"keep": "yes"}}) for i in range(n_assets)]
    seeded = EditProject(project=project, manager=manager, artist=artist, asset_type_id=asset_types[0]["id"],
                         other_asset_type_id=asset_types[1]["id"], sequence_id=seq["id"], shots=shots,
                         assets=assets, shot_task_type_id=layout["id"], todo_id=todo["id"], wip_id=wip["id"])
    if shot_tasks:
        for shot in shots:
            task = admin.post("/data/tasks", {"project_id": pid, "task_type_id": layout["id"],
                                              "entity_id": shot["id"], "task_status_id": todo["id"]})
            seeded.tasks[shot["id"]] = task["id"]
    return seeded


async def sign_in(url: str, user: TestUser) -> ZouClient:
    session = ZouSession(url)
    outcome = await session.sign_in(user.email, user.password)
    assert isinstance(outcome, SignedIn), outcome
    return ZouClient(session)


async def editor_for(url: str, user: TestUser) -> Editor:
    client = await sign_in(url, user)
    return Editor(client, context=await client.context())


MakeEditor = Callable[[TestUser], Awaitable[Editor]]


@contextlib.asynccontextmanager
async def editors(url: str) -> AsyncIterator[MakeEditor]:
    """Signed-in editors at `url` (the server, or a fault proxy in front of it), closed on exit."""
    made: list[Editor] = []

    async def factory(user: TestUser) -> Editor:
        editor = await editor_for(url, user)
        made.append(editor)
        return editor

    try:
        yield factory
    finally:
        for e in made:
            await e.session.aclose()
