"""The time log: hours per task per day, and days off. Qt-free.

Routes and rules, checked against Zou 1.0.97 (`zou/app/blueprints/tasks`, `persons`):

* read one person's day: `GET /data/persons/{id}/time-spents/{YYYY-MM-DD}` (yourself; managers and
  supervisors read their projects' people);
* write: `POST /actions/tasks/{task}/time-spents/{date}/persons/{person}` with `{"duration": minutes}`
  sets the day's time (`.../add` adds to it); `DELETE` on the same route removes it. Zou stores minutes
  and refuses a duration of 0 (`gt=0`), so "0 hours" is a delete. Who may write
  (`permissions_service.check_time_spent_access`): the person must be assigned to the task, and the
  writer must be that person, an admin, or a manager on the project;
* a day off: `GET /data/persons/{id}/day-offs/{date}` answers the day off covering that date (`{}` if
  none; its description only for those allowed to read it);
* which task types take time: `allow_timelog` on the task type (`GET /data/task-types`, default true).
  Zou itself does not enforce it on the write route, so the client does: `TimeLog.allows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop.api import errors as E
from desktop.api.session import ZouSession

MINUTES_PER_HOUR = 60
MAX_HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class TimeSpent:
    id: str
    task_id: str
    person_id: str
    date: str  # YYYY-MM-DD
    minutes: float

    @property
    def hours(self) -> float:
        return self.minutes / MINUTES_PER_HOUR

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TimeSpent:
        duration = d.get("duration")
        minutes = float(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else 0.0
        return cls(id=str(d.get("id") or ""), task_id=str(d.get("task_id") or ""),
                   person_id=str(d.get("person_id") or ""), date=str(d.get("date") or "")[:10], minutes=minutes)


@dataclass(frozen=True)
class DayOff:
    id: str
    date: str
    end_date: str
    description: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DayOff:
        start = str(d.get("date") or "")[:10]
        return cls(id=str(d.get("id") or ""), date=start, end_date=str(d.get("end_date") or start)[:10],
                   description=str(d.get("description") or ""))

    def text(self) -> str:
        span = self.date if self.end_date in ("", self.date) else f"{self.date} to {self.end_date}"
        return f"Day off ({span})" + (f": {self.description}" if self.description else "")


class TimeLogRefused(E.ZouError):
    """A time entry Slate will not send: bad hours, or a task type that takes no time log."""


def iso_day(day: dt.date | str) -> str:
    text = day.isoformat() if isinstance(day, dt.date) else str(day)
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError as exc:
        raise TimeLogRefused(f"{text!r} is not a date (YYYY-MM-DD).") from exc


def check_hours(hours: float) -> float:
    if not 0 <= hours <= MAX_HOURS_PER_DAY:
        raise TimeLogRefused(f"Hours for one day must be between 0 and {MAX_HOURS_PER_DAY:g}, not {hours:g}.")
    return hours


class TimeLog:
    def __init__(self, session: ZouSession) -> None:
        self.session = session
        self._allowing: dict[str, bool] | None = None

    @staticmethod
    def allows(task_type: Mapping[str, Any] | None) -> bool:
        """Whether time may be logged on tasks of this type (Zou's `allow_timelog`, true when absent)."""
        if task_type is None:
            return True
        value = task_type.get("allow_timelog")
        return True if value is None else bool(value)

    async def task_types_allowing(self) -> dict[str, bool]:
        """task type id -> allow_timelog, for every task type (read once per `TimeLog`)."""
        if self._allowing is None:
            data = await self.session.get("/data/task-types")
            if not isinstance(data, list):
                raise E.ProtocolError("Unexpected answer for the task types.")
            self._allowing = {str(t.get("id")): self.allows(t) for t in data if isinstance(t, dict)}
        return dict(self._allowing)

    async def day(self, person_id: str, day: dt.date | str) -> list[TimeSpent]:
        data = await self.session.get(f"/data/persons/{person_id}/time-spents/{iso_day(day)}")
        if not isinstance(data, list):
            raise E.ProtocolError("Unexpected answer for the time spent on a day.")
        return [TimeSpent.from_json(d) for d in data if isinstance(d, dict)]

    async def day_off(self, person_id: str, day: dt.date | str) -> DayOff | None:
        data = await self.session.get(f"/data/persons/{person_id}/day-offs/{iso_day(day)}")
        return DayOff.from_json(data) if isinstance(data, dict) and data.get("id") else None

    async def set_hours(self, task_id: str, person_id: str, day: dt.date | str, hours: float) -> TimeSpent | None:
        """Set the hours of one task on one day (0 removes the entry). Returns what Zou stored."""
        hours = check_hours(hours)
        path = f"/actions/tasks/{task_id}/time-spents/{iso_day(day)}/persons/{person_id}"
        if hours == 0:
            try:
                await self.session.delete(path)
            except E.NotFound:
                pass  # nothing was logged that day: already the wanted state
            return None
        data = await self.session.post(path, {"duration": round(hours * MINUTES_PER_HOUR, 2)})
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for a time entry.")
        return TimeSpent.from_json(data)
