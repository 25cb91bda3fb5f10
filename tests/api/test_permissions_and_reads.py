"""Typed permission errors and the reads the panes need, against the real server."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.api import SignedIn, ZouClient, ZouSession, errors, probe_server
from desktop.localzou import LocalZou
from tests.api.conftest import SessionFactory
from tests.helpers.zou import TestUser, ZouAdmin


async def _client(make_session: SessionFactory, user: TestUser) -> ZouClient:
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    return ZouClient(session)


async def test_artist_gets_permission_denied_on_manager_route(make_session: SessionFactory,
                                                              zou_admin: ZouAdmin) -> None:
    artist = zou_admin.create_user("user")
    client = await _client(make_session, artist)
    with pytest.raises(errors.PermissionDenied) as info:
        await client.session.get("/data/events/last")
    assert info.value.status == 403
    with pytest.raises(errors.PermissionDenied):
        await client.session.post("/data/projects", {"name": "not allowed"})


async def test_not_found_and_validation_errors(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    client = await _client(make_session, zou_admin.create_user("manager"))
    with pytest.raises(errors.NotFound):
        await client.session.get("/data/no-such-route")
    with pytest.raises(errors.ValidationError) as info:
        await client.session.get("/data/tasks/not-a-uuid")
    assert "Malformed ID" in str(info.value) or info.value.status == 400


async def test_probe_finds_the_api(zou_server: LocalZou) -> None:
    info = await probe_server(zou_server.url)
    assert info.api_url == zou_server.url and info.version == "1.0.97"
    host_port = zou_server.url.removeprefix("http://")
    assert (await probe_server(host_port)).api_url == zou_server.url  # no scheme typed, loopback -> http
    assert (await probe_server(zou_server.url + "/")).version == "1.0.97"


async def test_probe_rejects_what_is_not_zou(zou_server: LocalZou) -> None:
    with pytest.raises(errors.NotAZouServer):
        await probe_server(zou_server.url + "/data")  # answers, but not the API root
    with pytest.raises(errors.NetworkError, match="Cannot reach"):
        await probe_server("http://127.0.0.1:9")
    with pytest.raises(errors.ValidationError):
        await probe_server("   ")


def _seed_project(admin: ZouAdmin, team: list[TestUser]) -> dict[str, Any]:
    project = admin.create_project(team=team)
    pid = project["id"]
    task_types = admin.get("/data/task-types")
    shot_types = [t for t in task_types if t["for_entity"] == "Shot"][:3]
    asset_types_tt = [t for t in task_types if t["for_entity"] == "Asset"][:2]
    for t in shot_types + asset_types_tt:
        admin.post(f"/data/projects/{pid}/settings/task-types", {"task_type_id": t["id"]})
    status = next(s for s in admin.get("/data/task-status") if s["is_default"])
    seq = admin.post(f"/data/projects/{pid}/sequences", {"name": "sq010"})
    shots = [admin.post(f"/data/projects/{pid}/shots", {
        "name": f"sh{i:03d}0", "sequence_id": seq["id"], "nb_frames": 10 * i,
        "data": {"frame_in": 1, "frame_out": 10 * i}}) for i in range(1, 6)]
    asset_type = admin.get("/data/asset-types")[0]
    assets = [admin.post(f"/data/projects/{pid}/asset-types/{asset_type['id']}/assets/new",
                         {"name": f"asset{i}", "description": "d"}) for i in range(3)]
    tasks = []
    for shot in shots:
        for t in shot_types:
            tasks.append(admin.post("/data/tasks", {"project_id": pid, "task_type_id": t["id"],
                                                     "entity_id": shot["id"], "task_status_id": status["id"]}))
    for asset in assets:
        for t in asset_types_tt:
            admin.post("/data/tasks", {"project_id": pid, "task_type_id": t["id"], "entity_id": asset["id"],
                                       "task_status_id": status["id"]})
    admin.put(f"/actions/tasks/{tasks[0]['id']}/assign", {"person_id": team[0].id})
    return {"project": project, "shots": shots, "assets": assets, "tasks": tasks}


async def test_reads_for_the_panes(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    artist = zou_admin.create_user("user")
    seeded = _seed_project(zou_admin, [artist])
    pid = seeded["project"]["id"]
    client = await _client(make_session, artist)

    context = await client.context()
    assert any(p.id == pid for p in context.projects) and context.task_types and context.task_statuses
    projects = await client.open_projects()
    assert pid in [p.id for p in projects]

    shots = await client.shots_with_tasks(pid)
    assert len(shots) == 5 and len(shots.task_fields) > 5
    rows = sorted(shots.row_dicts(), key=lambda r: r["name"])
    assert [r["name"] for r in rows] == ["sh0010", "sh0020", "sh0030", "sh0040", "sh0050"]
    assert rows[1]["frame_out"] == 20 and rows[1]["sequence_name"] == "sq010"
    assert all(len(r["tasks"]) == 3 for r in rows)

    assets = await client.assets_with_tasks(pid)
    assert sorted(r["name"] for r in assets.row_dicts()) == ["asset0", "asset1", "asset2"]

    sequences = await client.sequences(pid)
    assert [s.name for s in sequences] == ["sq010"]
    mine = await client.my_tasks()
    assert [t.id for t in mine] == [seeded["tasks"][0]["id"]]
    assert mine[0].project_name == seeded["project"]["name"] and mine[0].task_status_short_name


async def test_streamed_batches_arrive_progressively(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    artist = zou_admin.create_user("user")
    seeded = _seed_project(zou_admin, [artist])
    client = await _client(make_session, artist)
    seen: list[int] = []
    batches = [n async for _table, n in client.iter_with_tasks("shot", seeded["project"]["id"], batch_rows=2)]
    seen.extend(batches)
    assert sum(seen) == 5 and len(seen) >= 3  # delivered in pieces, not one blob


async def test_unsigned_session_refuses_data_calls(zou_server: LocalZou) -> None:
    session = ZouSession(zou_server.url)
    try:
        with pytest.raises(errors.SessionExpired):
            await session.get("/data/user/context")
    finally:
        await session.aclose()
