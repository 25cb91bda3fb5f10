"""The studio's reference data and admin routes (`desktop.api.studio`) round-trip against the real Zou:
created, read back, edited, deleted; and an artist's refusal on an admin route is a PermissionDenied.

One module-scoped production (a manager, an artist, shots with tasks, assets) serves every test; each
test makes uniquely named records of its own, so the order of the tests does not matter.
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.api import SignedIn, ZouSession
from desktop.api import errors as E
from desktop.api.cache import Offline, ReadCache
from desktop.api.studio import FAMILIES, EventQuery, StudioData
from desktop.api.studio import families as F
from desktop.localzou import LocalZou
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, seed_edit_project
from tests.helpers.zou import ZouAdmin, unique

StudioFor = Callable[[str], Awaitable[StudioData]]


def hdr_bytes(width: int = 4, height: int = 2) -> bytes:
    """A tiny Radiance RGBE image (flat, unencoded scanlines): what Zou's HDR thumbnailer reads."""
    header = f"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {height} +X {width}\n".encode()
    return header + struct.pack("4B", 128, 64, 32, 129) * (width * height)


@pytest.fixture(scope="module")
def seed(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin, n_shots=2, n_assets=2)


@pytest.fixture
async def studio_for(zou_server: LocalZou, seed: EditProject) -> AsyncIterator[StudioFor]:
    """`await studio_for("admin" | "manager" | "artist")`: a signed-in StudioData."""
    sessions: list[ZouSession] = []
    users: dict[str, tuple[str, str]] = {
        "admin": (zou_server.admin_email, zou_server.admin_password),
        "manager": (seed.manager.email, seed.manager.password),
        "artist": (seed.artist.email, seed.artist.password)}

    async def factory(who: str) -> StudioData:
        session = ZouSession(zou_server.url)
        sessions.append(session)
        email, password = users[who]
        assert isinstance(await session.sign_in(email, password), SignedIn)
        return StudioData(session)

    yield factory
    for s in sessions:
        await s.aclose()


# A new record and an edit of it, per simple family: created, read back, edited, deleted.
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "project_statuses": ({"name": "", "color": "#112233"}, {"color": "#445566"}),
    "task_statuses": ({"name": "", "short_name": "", "color": "#aa0000", "is_done": True, "is_retake": False,
                       "is_client_allowed": True}, {"is_retake": True, "is_done": False, "color": "#00aa00"}),
    "departments": ({"name": "", "color": "#123456"}, {"color": "#654321"}),
    "softwares": ({"name": "", "short_name": "", "file_extension": "blend"}, {"file_extension": "ma"}),
    "studios": ({"name": "", "color": "#0f0f0f"}, {"color": "#f0f0f0"}),
}


@pytest.mark.parametrize("key", sorted(SAMPLES))
async def test_simple_family_round_trip(studio_for: StudioFor, key: str) -> None:
    studio = await studio_for("admin")
    collection = studio.collection(key)
    values, edit = (dict(v) for v in SAMPLES[key])
    name = unique("S")[:18]
    values["name"] = name
    if "short_name" in values:
        values["short_name"] = name[-6:]
    created = await collection.create(values)
    assert created["name"] == name
    listed = {r["id"]: r for r in await collection.list()}
    assert listed[created["id"]]["name"] == name
    for field, value in values.items():
        assert listed[created["id"]][field] == value, field
    await collection.update(created["id"], edit)
    again = await collection.get(created["id"])
    for field, value in edit.items():
        assert again[field] == value, field
    await collection.delete(created["id"])
    assert created["id"] not in {r["id"] for r in await collection.list()}
    with pytest.raises(E.NotFound):
        await collection.get(created["id"])


@pytest.mark.parametrize("key", sorted(SAMPLES))
async def test_an_artist_is_refused_the_admin_writes(studio_for: StudioFor, key: str) -> None:
    artist = await studio_for("artist")
    values = dict(SAMPLES[key][0], name=unique("No")[:18])
    if "short_name" in values:
        values["short_name"] = values["name"][-6:]
    with pytest.raises(E.PermissionDenied) as info:
        await artist.collection(key).create(values)
    assert info.value.status == 403 and "permission" in str(info.value)
    assert values["name"] not in {r["name"] for r in await artist.collection(key).list()}  # reads are open


async def test_bad_values_are_refused_before_anything_is_sent(studio_for: StudioFor) -> None:
    studio = await studio_for("admin")
    with pytest.raises(E.ValidationError, match="Colour must be a colour") as info:
        await studio.departments.create({"name": unique("D"), "color": "red"})
    assert info.value.status is None  # said by Slate: Zou was never asked
    with pytest.raises(E.ValidationError, match="Short name is required"):
        await studio.softwares.create({"name": unique("Sw"), "file_extension": "ma"})
    with pytest.raises(E.ValidationError, match="shoe_size cannot be set"):
        await studio.studios.create({"name": unique("St"), "color": "#000000", "shoe_size": 3})
    with pytest.raises(E.ValidationError, match="does not create"):
        await studio.salary_scales.create({"salary": 1})


async def test_milestones_of_a_project_by_its_manager(studio_for: StudioFor, seed: EditProject) -> None:
    manager = await studio_for("manager")
    with pytest.raises(E.ValidationError, match="Choose a project"):
        await manager.milestones.list()
    created = await manager.milestones.create({"project_id": seed.id, "name": "Animatic lock",
                                               "date": "2027-03-01"})
    assert [m["name"] for m in await manager.milestones.list(seed.id)].count("Animatic lock") == 1
    await manager.milestones.update(created["id"], {"date": dt.date(2027, 4, 2)})
    assert (await manager.milestones.get(created["id"]))["date"].startswith("2027-04-02")
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.milestones.create({"project_id": seed.id, "name": "Nope", "date": "2027-03-01"})
    with pytest.raises(E.PermissionDenied):
        await artist.milestones.delete(created["id"])
    await manager.milestones.delete(created["id"])
    assert created["id"] not in {m["id"] for m in await manager.milestones.list(seed.id)}


async def test_salary_scales_by_department_position_and_seniority(studio_for: StudioFor) -> None:
    admin = await studio_for("admin")
    department = await admin.departments.create({"name": unique("Dept"), "color": "#336699"})
    scales = [s for s in await admin.salary_scales.list() if s["department_id"] == department["id"]]
    assert {(s["position"], s["seniority"]) for s in scales} == {
        (p, s) for p in F.POSITIONS for s in F.SENIORITIES}  # Zou makes one per combination
    scale = scales[0]
    await admin.salary_scales.update(scale["id"], {"salary": 4200})
    assert (await admin.salary_scales.get(scale["id"]))["salary"] == 4200
    with pytest.raises(E.ValidationError, match="cannot be set"):
        await admin.salary_scales.update(scale["id"], {"department_id": department["id"]})
    await admin.salary_scales.update(scale["id"], {"salary": 0})
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.salary_scales.list()
    with pytest.raises(E.PermissionDenied):
        await artist.salary_scales.update(scale["id"], {"salary": 1})
    await admin.departments.delete(department["id"])


async def test_task_subscriptions(studio_for: StudioFor, seed: EditProject) -> None:
    task_id = next(iter(seed.tasks.values()))
    artist = await studio_for("artist")
    assert not await artist.task_subscriptions.is_subscribed(task_id)
    await artist.task_subscriptions.subscribe(task_id)
    assert await artist.task_subscriptions.is_subscribed(task_id)
    with pytest.raises(E.PermissionDenied):
        await artist.subscriptions.list()  # Zou lists subscriptions to admins only
    await artist.task_subscriptions.unsubscribe(task_id)
    assert not await artist.task_subscriptions.is_subscribed(task_id)

    admin = await studio_for("admin")
    created = await admin.subscriptions.create({"task_id": task_id})  # the signed-in admin's own
    mine = await admin.subscriptions.list()
    assert created["id"] in {s["id"] for s in mine}
    assert {s["person_id"] for s in mine} == {admin.session.user.id if admin.session.user else ""}
    assert await admin.task_subscriptions.is_subscribed(task_id)
    await admin.subscriptions.delete(created["id"])
    assert not await admin.task_subscriptions.is_subscribed(task_id)


async def test_preview_background_upload_default_and_delete(studio_for: StudioFor, tmp_path: Path) -> None:
    admin = await studio_for("admin")
    first, second = tmp_path / "studio-sky.hdr", tmp_path / "night.hdr"
    first.write_bytes(hdr_bytes())
    second.write_bytes(hdr_bytes(2, 2))
    a = await admin.backgrounds.upload(unique("Sky")[:30], first, is_default=True)
    b = await admin.backgrounds.upload(unique("Night")[:30], second)
    assert (a["extension"], a["original_name"]) == ("hdr", "studio-sky") and a["file_size"] == first.stat().st_size
    await admin.backgrounds.set_default(b["id"])
    listed = {r["id"]: r for r in await admin.backgrounds.collection.list()}
    assert listed[b["id"]]["is_default"] and not listed[a["id"]]["is_default"]  # one default at a time
    with pytest.raises(E.ValidationError, match=r"not an \.hdr"):
        await admin.backgrounds.upload("png", tmp_path / "x.png")
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.backgrounds.upload(unique("No")[:30], first)
    names = {r["name"] for r in await admin.backgrounds.collection.list()}
    assert not any(n.startswith("No-") for n in names)  # the refused upload left no record
    for record in (a, b):
        await admin.backgrounds.collection.delete(record["id"])
    assert not {a["id"], b["id"]} & {r["id"] for r in await admin.backgrounds.collection.list()}


async def test_output_files_of_an_entity(studio_for: StudioFor, seed: EditProject, zou_admin: ZouAdmin) -> None:
    shot = seed.shots[0]
    output_types = zou_admin.get("/data/output-types")
    output_type = output_types[0] if output_types else zou_admin.post(
        "/data/output-types", {"name": unique("Cache"), "short_name": "cache"})
    file_statuses = zou_admin.get("/data/file-status") or [
        zou_admin.post("/data/file-status", {"name": unique("created"), "color": "#999999"})]
    made = zou_admin.post("/data/output-files", {
        "file_status_id": file_statuses[0]["id"], "name": "main",
        "revision": 3, "representation": "abc", "extension": "abc", "entity_id": shot["id"],
        "output_type_id": output_type["id"], "task_type_id": seed.shot_task_type_id, "path": "/prod/sh001/main"})
    manager = await studio_for("manager")
    listed = await manager.output_files.list(shot["id"])
    assert [(o["id"], o["revision"], o["path"]) for o in listed] == [(made["id"], 3, "/prod/sh001/main")]
    assert await manager.output_files.list(seed.shots[1]["id"]) == []
    await manager.output_files.update(made["id"], {"comment": "cache for lighting"})
    assert (await manager.output_files.get(made["id"]))["comment"] == "cache for lighting"
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.output_files.delete(made["id"])
    admin = await studio_for("admin")
    await admin.output_files.delete(made["id"])
    assert await manager.output_files.list(shot["id"]) == []


async def test_attachment_files_list_and_rename(studio_for: StudioFor, seed: EditProject,
                                                zou_admin: ZouAdmin) -> None:
    task_id = next(iter(seed.tasks.values()))
    r = zou_admin.http.post(f"/actions/tasks/{task_id}/comment",
                            data={"task_status_id": seed.todo_id, "comment": "see notes"},
                            files={"file": ("notes.txt", b"notes\n", "text/plain")})
    assert r.status_code < 400, r.text
    comment_id = r.json()["id"]
    admin = await studio_for("admin")
    [attachment] = await admin.attachment_files.list(comment_id)
    assert (attachment["name"], attachment["extension"]) == ("notes.txt", "txt")
    await admin.attachment_files.update(attachment["id"], {"name": "arc-notes.txt"})
    assert (await admin.attachment_files.get(attachment["id"]))["name"] == "arc-notes.txt"
    with pytest.raises(E.ValidationError, match="cannot be set"):
        await admin.attachment_files.update(attachment["id"], {"size": 3})
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.attachment_files.list(comment_id)
    with pytest.raises(E.PermissionDenied):
        await artist.attachment_files.update(attachment["id"], {"name": "mine.txt"})
    await admin.attachment_files.delete(attachment["id"])
    assert await admin.attachment_files.list(comment_id) == []


async def test_events_log_filters_and_admin_delete(studio_for: StudioFor, seed: EditProject,
                                                   zou_admin: ZouAdmin) -> None:
    asset = seed.assets[0]
    zou_admin.put(f"/data/entities/{asset['id']}", {"description": f"changed {uuid.uuid4().hex[:6]}"})
    manager = await studio_for("manager")
    assert "asset:update" in await manager.events.names()
    today = dt.datetime.now(dt.UTC).date()
    found = await manager.events.last(EventQuery(name="asset:update", project_id=seed.id,
                                                 after=today - dt.timedelta(days=1)))
    assert found and all(e["name"] == "asset:update" for e in found)
    event = next(e for e in found if e["data"].get("asset_id") == asset["id"])
    assert event["project_id"] == seed.id and event["user_id"]
    assert await manager.events.last(EventQuery(name="asset:update", project_id=seed.id,
                                                before=today - dt.timedelta(days=1))) == []
    with pytest.raises(E.PermissionDenied):
        await manager.events.delete(event["id"])  # deleting from the log is the admin's
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.events.last()
    admin = await studio_for("admin")
    await admin.events.delete(event["id"])
    again = await manager.events.last(EventQuery(name="asset:update", project_id=seed.id))
    assert event["id"] not in {e["id"] for e in again}


async def test_asset_instances_and_where_they_are_used(studio_for: StudioFor, seed: EditProject,
                                                       zou_admin: ZouAdmin) -> None:
    environment, prop = seed.assets
    instance = zou_admin.post(f"/data/assets/{environment['id']}/asset-asset-instances",
                              {"asset_to_instantiate_id": prop["id"], "description": "on the table"})
    shot = seed.shots[0]
    zou_admin.post(f"/data/shots/{shot['id']}/asset-instances", {"asset_instance_id": instance["id"]})
    for who in ("admin", "manager"):  # admins list the collection; managers read it through the shots
        studio = await studio_for(who)
        [use] = await studio.asset_instances.of_asset(prop["id"])
        assert use.instance["id"] == instance["id"], who
        assert use.shot_ids == (shot["id"],) and use.target_asset_id == environment["id"], who
        assert (await studio.asset_instances.instance(instance["id"]))["asset_id"] == prop["id"]
    assert await (await studio_for("manager")).asset_instances.of_asset(environment["id"]) == []


async def test_shotgun_import_errors(studio_for: StudioFor, zou_admin: ZouAdmin) -> None:
    marker = unique("sg")
    made = zou_admin.post("/import/shotgun/errors", {"type": "Shot", "id": 77, "code": marker})
    admin = await studio_for("admin")
    errors = {e["id"]: e for e in await admin.shotgun.errors()}
    assert errors[made["id"]]["event_data"]["code"] == marker and errors[made["id"]]["source"] == "shotgun"
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.shotgun.errors()
    with pytest.raises(E.PermissionDenied):
        await artist.shotgun.delete_error(made["id"])
    await admin.shotgun.delete_error(made["id"])
    assert made["id"] not in {e["id"] for e in await admin.shotgun.errors()}


async def test_shotgun_removals_name_what_they_remove(studio_for: StudioFor, zou_admin: ZouAdmin) -> None:
    sg_project, sg_person, sg_link = (int(uuid.uuid4().int % 10**8) for _ in range(3))
    name = unique("FromShotGrid")
    statuses = zou_admin.get("/data/project-status")
    project = zou_admin.post("/data/projects", {"name": name, "shotgun_id": sg_project,
                                                "project_status_id": statuses[0]["id"]})
    person = zou_admin.create_user("user")
    zou_admin.put(f"/data/persons/{person.id}", {"shotgun_id": sg_person})
    zou_admin.post("/import/shotgun/projectconnections", [
        {"id": sg_link, "project": {"id": sg_project}, "user": {"id": sg_person}}])
    assert person.id in zou_admin.get(f"/data/projects/{project['id']}")["team"]

    admin = await studio_for("admin")
    artist = await studio_for("artist")
    with pytest.raises(E.PermissionDenied):
        await artist.shotgun.remove("projectconnection", sg_link)
    link = await admin.shotgun.describe_removal("projectconnection", sg_link)
    assert str(sg_link) in link.description
    await admin.shotgun.remove("projectconnection", sg_link)
    assert person.id not in zou_admin.get(f"/data/projects/{project['id']}")["team"]


    # A project just imported (nothing else points at it yet) is removed whole.
    sg_fresh = sg_project + 1
    fresh = zou_admin.post("/data/projects", {"name": name + "-2", "shotgun_id": sg_fresh,
                                              "project_status_id": statuses[0]["id"]})
    removal = await admin.shotgun.describe_removal("project", sg_fresh)
    assert removal.found and name + "-2" in removal.description
    assert await admin.shotgun.remove("project", sg_fresh) == fresh["id"]
    assert not (await admin.shotgun.describe_removal("project", sg_fresh)).found
    assert await admin.shotgun.remove("project", sg_fresh) is None  # nothing left to remove


async def test_studio_reads_go_through_the_disk_cache_and_stay_readable_offline(
        zou_server: LocalZou, seed: EditProject, zou_admin: ZouAdmin, tmp_path: Path) -> None:
    """The studio's lists take the app's read path (`desktop.api.reads`): the server first while it answers
    (a change made elsewhere shows at once), the stored answer when it cannot be reached; writes then fail
    with a network error, never against the stored copy."""
    name = unique("Lighting")
    with FaultProxy(zou_server.url) as proxy:
        session = ZouSession(proxy.url, retries=1)
        try:
            assert isinstance(await session.sign_in(zou_server.admin_email, zou_server.admin_password), SignedIn)
            cache = ReadCache.open(session, zou_server.admin_email, max_bytes=16 << 20, root=tmp_path)
            studio = StudioData(session, cache)
            before = {d["id"] for d in await studio.departments.list()}
            made = zou_admin.post("/data/departments", {"name": name, "color": "#335577"})
            online = {d["id"]: d for d in await studio.departments.list()}
            assert set(online) == before | {made["id"]} and cache.disk_hits == 0  # the server's answer
            statuses = await studio.task_statuses.list()
            milestones = await studio.milestones.list(seed.id)
            errors = await studio.shotgun.errors()
            await cache.flush()
            proxy.set_mode("cut")  # the server is gone
            assert {d["id"]: d for d in await studio.departments.list()} == online
            assert await studio.task_statuses.list() == statuses
            assert await studio.milestones.list(seed.id) == milestones
            assert await studio.shotgun.errors() == errors
            assert cache.disk_hits == 4 and not cache.reach.online
            with pytest.raises(E.NetworkError):
                await studio.departments.update(made["id"], {"color": "#000000"})
            with pytest.raises(Offline):  # never listed on this computer: nothing to show, said so
                await studio.softwares.list()
            cache.close()
        finally:
            await session.aclose()
            zou_admin.http.delete(f"/data/departments/{made['id']}")


def test_every_family_is_declared_once() -> None:
    assert len({f.collection for f in FAMILIES}) == len(FAMILIES)
    for family in FAMILIES:
        assert family.fields and all(f.label for f in family.fields), family.key
        assert not (family.scope_required and family.scope is None), family.key


