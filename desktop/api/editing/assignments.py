"""Assign and unassign people on many tasks at once (the Edit menu's Assign…, for a selection of rows).

Zou's bulk routes: `PUT /actions/persons/{person_id}/assign {"task_ids"}` answers the tasks it assigned and
`PUT /actions/tasks/clear-assignation {"task_ids", "person_id"?}` the ids it cleared; both skip, silently,
the tasks the user may not change (a supervisor outside their department), so the report names them from
what the server did not answer. One undo entry per command puts back what was there before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.editing.base import EditorBase, as_list
from desktop.api.editing.undo import UndoEntry

REFUSED = ("Zou refused it: managers can, supervisors only within their departments, artists only for "
           "themselves.")


@dataclass
class AssignReport:
    """What a bulk (un)assignment did: the tasks changed (with their assignees after), the ones refused."""

    changed: dict[str, list[str]] = field(default_factory=dict)  # task id -> assignees after
    refused: list[str] = field(default_factory=list)  # task ids Zou skipped

    @property
    def summary(self) -> str:
        text = f"{len(self.changed)} task{'s' if len(self.changed) != 1 else ''} changed"
        if self.refused:
            text += f", {len(self.refused)} refused ({REFUSED})"
        return text


def _ids(people: Any) -> list[str]:
    return [p if isinstance(p, str) else str(p.get("id")) for p in people or [] if p]


class AssignmentOps(EditorBase):
    async def bulk_assign(self, task_ids: Sequence[str], person_id: str, *,
                          before: Mapping[str, Sequence[str]] | None = None) -> AssignReport:
        """Add `person_id` to every task of `task_ids` (others assigned stay). `before` (the assignees the
        user saw, per task) lets undo take the person off only where this command put them."""
        if not task_ids:
            return AssignReport()
        answer = as_list(await self.session.put(f"/actions/persons/{person_id}/assign",
                                                {"task_ids": list(task_ids)}), "an assignment")
        report = AssignReport()
        for task in answer:
            report.changed[str(task.get("id"))] = _ids(task.get("assignees"))
        report.refused = [t for t in task_ids if t not in report.changed]
        added = [t for t in report.changed if before is None or person_id not in (before.get(t) or ())]

        async def undo() -> None:
            if added:
                await self.session.put("/actions/tasks/clear-assignation",
                                       {"task_ids": added, "person_id": person_id})

        if added:
            self.undo.push(UndoEntry(f"Assign on {len(added)} tasks", undo))
        return report

    async def bulk_unassign(self, task_ids: Sequence[str], person_id: str | None = None, *,
                            before: Mapping[str, Sequence[str]]) -> AssignReport:
        """Take `person_id` off every task of `task_ids`, or everyone when None (Kitsu's "Clear assignation").
        `before` (the assignees per task as the user saw them) is what undo assigns again."""
        if not task_ids:
            return AssignReport()
        body: dict[str, Any] = {"task_ids": list(task_ids)}
        if person_id:
            body["person_id"] = person_id
        cleared = await self.session.put("/actions/tasks/clear-assignation", body)
        if not isinstance(cleared, list):
            raise E.ProtocolError("Unexpected answer from the server for an unassignment.")
        done = {str(t) for t in cleared}
        report = AssignReport(refused=[t for t in task_ids if t not in done])
        restore: dict[str, list[str]] = {}
        for task_id in task_ids:
            if task_id not in done:
                continue
            had = list(before.get(task_id) or ())
            gone = [p for p in had if person_id is None or p == person_id]
            report.changed[task_id] = [p for p in had if p not in gone]
            for p in gone:
                restore.setdefault(p, []).append(task_id)

        async def undo() -> None:
            for p, tasks in restore.items():
                await self.session.put(f"/actions/persons/{p}/assign", {"task_ids": tasks})

        if restore:
            self.undo.push(UndoEntry(f"Unassign on {len(report.changed)} tasks", undo))
        return report
