"""Catch up after a gap with `GET /data/events/last` (Zou's stored event log), for managers and admins.

Zou (`zou/app/blueprints/events/resources.py`) answers managers only, scoped to their productions, and
refuses everyone else with 403: that refusal is `CatchUpRefused`, and such a user catches up by re-reading
what is on screen instead. The log's answer is newest first with one-second precision (`after` is strict),
so the read starts `overlap` seconds before the last moment covered and pages back with `cursor_event_id`;
duplicates of events already applied are harmless since payloads are ids to refetch.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from desktop.api import errors as E
from desktop.api.events.types import EventError, ZouEvent, parse_event
from desktop.api.session import ZouSession

log = logging.getLogger(__name__)

PAGE_LIMIT = 1000  # Zou's cap for one answer


class CatchUpRefused(E.PermissionDenied):
    """Only managers and admins may read Zou's event log: re-read what is on screen instead."""


@dataclass(frozen=True)
class CatchUp:
    """Events since `after`, oldest first. `newest` is the server time of the newest one (the next
    `after`); `complete` is False when `max_events` was reached: reload rather than apply."""

    events: tuple[ZouEvent, ...]
    newest: dt.datetime | None
    complete: bool
    skipped: int = 0  # stored events of families Slate does not follow, or malformed


def zou_time(moment: dt.datetime) -> str:
    """Zou's date parameter: naive UTC, seconds (`YYYY-MM-DDTHH:MM:SS`)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def parse_zou_time(value: Any) -> dt.datetime | None:
    """Zou's naive UTC ISO strings as aware datetimes; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def event_from_log(row: dict[str, Any]) -> ZouEvent:
    """One row of `/data/events/last` (`{id, created_at, name, user_id, project_id, data}`) as a typed event."""
    created = parse_zou_time(row.get("created_at"))
    project_id = row.get("project_id")
    return parse_event(row.get("name"), row.get("data") or {}, event_id=str(row.get("id") or "") or None,
                       created_at=created, received_at=created, live=False,
                       project_id=project_id if isinstance(project_id, str) else None)


async def catch_up(session: ZouSession, after: dt.datetime, *, project_id: str | None = None,
                   overlap: float = 2.0, max_events: int = 5000, page_limit: int = PAGE_LIMIT) -> CatchUp:
    """The events stored since `after` (minus `overlap` seconds), oldest first, optionally for one
    production. Raises `CatchUpRefused` for a user who is not a manager (of that production)."""
    params: dict[str, Any] = {"after": zou_time(after - dt.timedelta(seconds=overlap)),
                              "limit": min(page_limit, PAGE_LIMIT)}
    if project_id:
        params["project_id"] = project_id
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    complete = True
    while True:
        try:
            page = await session.get("/data/events/last", params=params)
        except E.PermissionDenied as exc:
            raise CatchUpRefused(
                "Only managers can read the server's event log; the view is refreshed instead.",
                status=exc.status, body=exc.body, method=exc.method, url=exc.url) from exc
        if not isinstance(page, list):
            raise E.ProtocolError("Unexpected answer for the event log.")
        fresh = [r for r in page if isinstance(r, dict) and str(r.get("id")) not in seen]
        for r in fresh:
            seen.add(str(r.get("id")))
        rows.extend(fresh)
        if len(rows) >= max_events:
            complete = False
            break
        if len(page) < params["limit"] or not fresh:
            break
        params["cursor_event_id"] = str(fresh[-1].get("id"))  # older than the oldest of this page
    events: list[ZouEvent] = []
    skipped = 0
    for row in rows:
        try:
            events.append(event_from_log(row))
        except EventError:
            skipped += 1
    events.sort(key=lambda e: (e.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)))
    newest = max((e.created_at for e in events if e.created_at is not None), default=None)
    if skipped:
        log.debug("catch-up skipped %d stored events Slate does not follow", skipped)
    return CatchUp(events=tuple(events), newest=newest, complete=complete, skipped=skipped)
