"""My tasks' lists and the time log against the real Zou: done tasks, tasks to check, hours per task per day.

Round trips through Zou's routes as the people who use them: the artist logs and reads back their own
hours, is refused on a task they are not assigned to, and sees their day off; a supervisor sees the
tasks waiting for feedback, an artist none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from desktop.api import SignedIn, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.api.timelog import TimeLog, TimeLogRefused
from desktop.localzou import LocalZou
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import TestUser, ZouAdmin, unique

DAY = dt.date(2025, 3, 12)  # a past day no other test logs time on


@dataclass
class Seeded:
    project: SeededProject
    supervisor: TestUser
    no_log_type: dict[str, str]  # a task type with allow_timelog false
    due: str


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin) -> Seeded:
    project = seed_small_project(zou_admin, with_preview=False)
    supervisor = zou_admin.create_user("supervisor", first_name="Sue")
    zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": supervisor.id})
    # The artist's done task (Layout SQ01/SH010 was approved by the seed) and an estimated, late to-do.
    zou_admin.put(f"/actions/tasks/{project.tasks[('SQ01/SH010', 'Layout')]}/assign", {"person_id": project.artist.id})
    due = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    zou_admin.put(f"/data/tasks/{project.tasks[('SQ01/SH010', 'Animation')]}",
                  {"estimation": 270, "due_date": f"{due}T00:00:00"})
    no_log = zou_admin.post("/data/task-types", {"name": unique("Review"), "for_entity": "Shot",
                                                 "allow_timelog": False})
    zou_admin.post("/data/day-offs", {"person_id": project.artist.id, "date": "2025-03-14",
                                      "end_date": "2025-03-17", "description": "Ski week"})
    return Seeded(project, supervisor, no_log, due)


async def signed_in(server: LocalZou, user: TestUser) -> ZouSession:
    session = ZouSession(server.url)
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    return session


@pytest.fixture
async def artist(zou_server: LocalZou, seeded: Seeded) -> AsyncIterator[ZouSession]:
    session = await signed_in(zou_server, seeded.project.artist)
    yield session
    await session.aclose()


async def test_done_and_to_check_lists(artist: ZouSession, zou_server: LocalZou, seeded: Seeded) -> None:
    p = seeded.project
    client = ZouClient(artist)
    todo = {t.id: t for t in await client.my_tasks()}
    anim = todo[p.tasks[("SQ01/SH010", "Animation")]]
    assert anim.estimation == 270 and anim.due_date[:10] == seeded.due
    done = {t.id for t in await client.done_tasks()}
    assert p.tasks[("SQ01/SH010", "Layout")] in done and anim.id not in done
    assert await client.tasks_to_check() == []  # an artist checks no one's work

    supervisor = await signed_in(zou_server, seeded.supervisor)
    try:
        to_check = {t.id: t for t in await ZouClient(supervisor).tasks_to_check()}
    finally:
        await supervisor.aclose()
    hero = to_check[p.tasks[("Hero", "Modeling")]]  # "wfa": waiting for approval
    assert hero.task_status_short_name == "wfa" and hero.entity_name == "Hero"
    assert p.tasks[("SQ01/SH010", "Animation")] not in to_check  # wip: nothing to check


async def test_hours_round_trip(artist: ZouSession, seeded: Seeded) -> None:
    p = seeded.project
    task_id, me = p.tasks[("SQ01/SH010", "Animation")], p.artist.id
    log = TimeLog(artist)
    stored = await log.set_hours(task_id, me, DAY, 2.5)
    assert stored is not None and stored.minutes == 150 and stored.date == DAY.isoformat()
    assert [(e.task_id, e.hours) for e in await log.day(me, DAY)] == [(task_id, 2.5)]
    await log.set_hours(task_id, me, DAY.isoformat(), 1.25)  # set, not added
    assert [(e.task_id, e.hours) for e in await log.day(me, DAY)] == [(task_id, 1.25)]
    assert await log.set_hours(task_id, me, DAY, 0) is None  # 0 h: the entry is removed
    assert await log.day(me, DAY) == []
    assert await log.set_hours(task_id, me, DAY, 0) is None  # removing nothing is not an error


async def test_refusals(artist: ZouSession, seeded: Seeded) -> None:
    p = seeded.project
    log = TimeLog(artist)
    with pytest.raises(E.PermissionDenied):  # Zou: only on a task you are assigned to
        await log.set_hours(p.tasks[("SQ01/SH020", "Animation")], p.artist.id, DAY, 1)
    with pytest.raises(TimeLogRefused):
        await log.set_hours(p.tasks[("SQ01/SH010", "Animation")], p.artist.id, DAY, 25)
    with pytest.raises(TimeLogRefused):
        await log.set_hours(p.tasks[("SQ01/SH010", "Animation")], p.artist.id, "12/03/2025", 1)
    assert await log.day(p.artist.id, DAY) == []


async def test_day_off_and_task_types_allowing(artist: ZouSession, seeded: Seeded) -> None:
    p = seeded.project
    log = TimeLog(artist)
    day_off = await log.day_off(p.artist.id, dt.date(2025, 3, 15))
    assert day_off is not None and (day_off.date, day_off.end_date) == ("2025-03-14", "2025-03-17")
    assert day_off.text().startswith("Day off (2025-03-14 to 2025-03-17)")
    assert await log.day_off(p.artist.id, DAY) is None
    allowing = await log.task_types_allowing()
    assert allowing[seeded.no_log_type["id"]] is False
    assert allowing[p.task_types["Animation"]] is True
