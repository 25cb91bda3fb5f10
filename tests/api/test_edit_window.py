"""The read-compare-write window of an edit (issue 20, item 4), against the real Zou.

The editor re-reads an entity right before writing it (the conflict check), then writes. Someone else's
write can still land between that read and the write, or during it. The fault proxy runs that other
person's write at exactly that moment (`hook` mode), so each case is deterministic."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from desktop.api.editing import Casting, ConcurrentChange
from desktop.localzou import LocalZou
from tests.faults.proxy import FaultProxy, Request
from tests.helpers.editing import EditProject, MakeEditor, editors, seed_edit_project
from tests.helpers.zou import ZouAdmin

pytestmark = pytest.mark.timeout(60, func_only=True)

@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as p:
        yield p


@pytest.fixture
async def make_editor(proxy: FaultProxy) -> AsyncIterator[MakeEditor]:
    async with editors(proxy.url) as factory:
        yield factory


@pytest.fixture
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin)


async def test_someone_elses_write_between_our_read_and_our_write_is_reported_and_kept(
        seeded: EditProject, make_editor: MakeEditor, proxy: FaultProxy, zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    heard: list[ConcurrentChange] = []
    ed.on_concurrent_change = heard.append
    shot = await ed.load(seeded.shots[0]["id"])

    def their_write(_req: Request) -> None:  # after our conflict check, before our PUT reaches Zou
        zou_admin.put(f"/data/entities/{shot['id']}", {"description": "theirs", "data": {"lens": "85mm"}})

    proxy.set_mode("hook", path=f"/data/entities/{shot['id']}", method="PUT", times=1, before=their_write)
    saved = await ed.save_entity(shot["id"], {"data.camera": "A"}, base=shot)
    assert proxy.count(f"/data/entities/{shot['id']}", method="PUT") == 1

    assert saved["data"]["camera"] == "A" and saved["data"]["lens"] == "85mm" and saved["description"] == "theirs"
    assert len(heard) == 1 and ed.concurrent_changes == heard
    change = heard[0]
    assert change.entity_id == shot["id"] and change.name == "SH001" and change.kind == "entity"
    assert set(change.fields) == {"description", "data.lens"}
    assert change.fields["data.lens"] == (None, "85mm") and change.fields["description"][1] == "theirs"
    assert "Someone else changed “SH001”" in change.message and "Description" in change.message
    on_server = zou_admin.get(f"/data/entities/{shot['id']}")
    assert on_server["data"]["lens"] == "85mm" and on_server["description"] == "theirs"  # nothing of theirs lost


async def test_a_plain_save_reports_nothing(seeded: EditProject, make_editor: MakeEditor) -> None:
    ed = await make_editor(seeded.manager)
    heard: list[ConcurrentChange] = []
    ed.on_concurrent_change = heard.append
    shot = await ed.load(seeded.shots[1]["id"])
    await ed.save_entity(shot["id"], {"data.camera": "B", "nb_frames": "12", "description": "d"}, base=shot)
    asset = await ed.load(seeded.assets[0]["id"])
    await ed.save_entity(asset["id"], {"name": "asset0-renamed", "data.look": "toon"}, base=asset)
    casting = await ed.load_casting(seeded.id, shot["id"])
    await ed.save_casting(casting, casting.with_added(seeded.assets[1]["id"], 2))
    assert heard == [] and ed.concurrent_changes == []


def drop_data_except(keys: set[str]) -> Callable[[bytes], bytes]:
    """The answer of a server that replaces `data` with what it was sent (wiping the other keys)."""
    def rewrite(body: bytes) -> bytes:
        entity: dict[str, Any] = json.loads(body)
        entity["data"] = {k: v for k, v in (entity.get("data") or {}).items() if k in keys}
        return json.dumps(entity).encode()
    return rewrite


async def test_full_data_fallback_reads_again_and_never_reverts_a_later_write(
        seeded: EditProject, make_editor: MakeEditor, proxy: FaultProxy, zou_admin: ZouAdmin) -> None:
    """The first answer looks wiped (a data-replacing server): the editor sends the whole `data` from then on.
    That dict must come from a fresh read, not from the copy read before someone else's write."""
    ed = await make_editor(seeded.manager)
    heard: list[ConcurrentChange] = []
    ed.on_concurrent_change = heard.append
    shot = await ed.load(seeded.shots[2]["id"])
    assert shot["data"]["keep"] == "k3"

    def their_write(_req: Request) -> None:  # after our first PUT, before the fallback PUT
        zou_admin.put(f"/data/entities/{shot['id']}", {"data": {"keep": "theirs, later"}})

    proxy.set_mode("hook", path=f"/data/entities/{shot['id']}", method="PUT", times=1, after=their_write,
                   rewrite=drop_data_except({"camera"}))
    saved = await ed.save_entity(shot["id"], {"data.camera": "C"}, base=shot)
    assert not ed.server_merges_data  # the fallback ran
    assert proxy.count(f"/data/entities/{shot['id']}", method="PUT") == 2
    on_server = zou_admin.get(f"/data/entities/{shot['id']}")["data"]
    assert on_server == {"frame_in": 1, "frame_out": 10, "keep": "theirs, later", "camera": "C"}
    assert saved["data"] == on_server
    assert [set(c.fields) for c in heard] == [{"data.keep"}]  # and the user is told


async def test_a_casting_change_right_after_ours_is_reported(
        seeded: EditProject, make_editor: MakeEditor, proxy: FaultProxy, zou_admin: ZouAdmin) -> None:
    ed = await make_editor(seeded.manager)
    heard: list[ConcurrentChange] = []
    ed.on_concurrent_change = heard.append
    shot_id = seeded.shots[0]["id"]
    a0, a1 = seeded.assets[0]["id"], seeded.assets[1]["id"]
    path = f"/data/projects/{seeded.id}/entities/{shot_id}/casting"

    def their_write(_req: Request) -> None:  # lands after our PUT, before our read-back
        zou_admin.put(path, [{"asset_id": a0, "nb_occurences": 1}, {"asset_id": a1, "nb_occurences": 3}])

    proxy.set_mode("hook", path=path, method="PUT", times=1, after=their_write)
    new = await ed.save_casting(Casting(seeded.id, shot_id), Casting(seeded.id, shot_id).with_added(a0, 1))
    assert {e.asset_id: e.nb_occurences for e in new.entries} == {a0: 1, a1: 3}
    assert len(heard) == 1 and heard[0].kind == "casting" and set(heard[0].fields) == {a1}
    assert heard[0].label(a1) == "asset1" and "the casting of “SH001”" in heard[0].message
