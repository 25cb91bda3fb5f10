"""A publish whose comment POST lost its answer, against the real Zou through the fault proxy.

The connection closes with no answer to `POST /actions/tasks/{task}/comment`: after Zou stored the
comment (`forward=True`) or before it saw it. Publishing again with the same state re-reads the task's
comments first and adopts the one we sent, so exactly one comment exists afterwards either way.
"""

from __future__ import annotations

import pytest

from desktop.api import errors
from desktop.api.publish import Publisher, PublishRequest, PublishState
from desktop.localzou import LocalZou
from tests.faults.proxy import FaultProxy
from tests.helpers.editing import EditProject, editors, seed_edit_project
from tests.helpers.seed import png_bytes
from tests.helpers.zou import ZouAdmin


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> EditProject:
    return seed_edit_project(zou_admin, n_shots=2, n_assets=0, descriptors=())


@pytest.mark.parametrize("stored", [True, False], ids=["stored-answer-lost", "never-reached"])
async def test_a_lost_comment_answer_is_adopted_not_posted_twice(
        stored: bool, seeded: EditProject, zou_server: LocalZou, zou_admin: ZouAdmin,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    shot = seeded.shots[0 if stored else 1]
    task = {"id": seeded.tasks[shot["id"]], "entity_id": shot["id"], "entity_kind": "shot"}
    picture = tmp_path_factory.mktemp("lost") / "still.png"
    picture.write_bytes(png_bytes(32, 18, (90, 90, 200)))
    comment_path = f"/actions/tasks/{task['id']}/comment"
    with FaultProxy(zou_server.url) as proxy:
        async with editors(proxy.url) as make:
            publisher = Publisher(await make(seeded.manager))
            request = PublishRequest(task=task, text="Sent once", status_id=seeded.wip_id, previews=(picture,))
            proxy.set_mode("cut", path=comment_path, method="POST", times=1, forward=stored)
            state = PublishState()
            with pytest.raises(errors.NetworkError):
                await publisher.publish(request, state)
            assert not state.started and state.comment_unsure is not None
            result = await publisher.publish(request, state)
            posts = proxy.count(comment_path, method="POST")

    comments = zou_admin.get(f"/data/tasks/{task['id']}/comments")
    assert [c["id"] for c in comments] == [result.comment["id"]]  # exactly one comment
    assert comments[0]["text"] == "Sent once" and comments[0]["person_id"] == seeded.manager.id
    assert posts == (1 if stored else 2)  # adopted: no second POST; never reached: posted on the retry
    previews = zou_admin.get(f"/data/tasks/{task['id']}/previews")
    assert [p["id"] for p in previews] == [result.previews[0]["id"]]
