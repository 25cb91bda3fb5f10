"""What a write changed, so that each pane repaints only that (after Anki's `OpChanges`).

Every write in the app ends in one `Changes` value, built from the server's answer by the helpers below;
the browse session emits it once (`BrowseSession.changes_applied`) and each pane decides what to repaint:
the shots pane patches the rows it holds, the detail pane re-reads the one entity it shows, My tasks
re-reads its short list. Nothing here does I/O; live events (Zou's event stream) map to the same value.

A change the panes cannot patch in place (a new or deleted row) names the list to re-read in `lists`;
`everything` is for a write whose extent is unknown (an undo, a CSV import): re-read what is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Task fields a comment answer carries that the lists show (Zou's comment JSON names them so too).
_COMMENT_TASK_FIELDS = ("task_status_id",)


@dataclass(frozen=True)
class EntityUpdate:
    """A shot or asset whose fields changed: `fields` is the entity as the server returned it."""

    kind: str  # "shot" | "asset"
    entity_id: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class TaskUpdate:
    """A task whose fields changed (status, assignees, last comment date...)."""

    task_id: str
    entity_id: str  # "" when unknown
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Changes:
    entities: tuple[EntityUpdate, ...] = ()
    tasks: tuple[TaskUpdate, ...] = ()
    threads: frozenset[str] = frozenset()  # task ids whose comment threads changed
    casting: frozenset[str] = frozenset()  # entity ids (shots and assets) whose casting changed
    # Tasks created (`fields`: the task as Zou reads it) and deleted (`fields` empty): a row's task cell
    # appears or vanishes in place, the list is not re-read.
    tasks_added: tuple[TaskUpdate, ...] = ()
    tasks_removed: tuple[TaskUpdate, ...] = ()
    lists: frozenset[str] = frozenset()  # "shot" / "asset": rows added or removed, re-read that list
    everything: bool = False  # extent unknown: re-read what is shown
    origin: str = ""  # what made the change: "edit", "status", "casting", "import", "undo", "event"...
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------ reading
    @property
    def is_empty(self) -> bool:
        return not (self.entities or self.tasks or self.threads or self.casting or self.lists or self.everything
                    or self.tasks_added or self.tasks_removed)

    def entity_ids(self) -> set[str]:
        """Every entity this change names (its fields, its tasks, its casting)."""
        ids = {u.entity_id for u in self.entities} | {t.entity_id for t in self._all_tasks() if t.entity_id}
        return ids | set(self.casting)

    def _all_tasks(self) -> tuple[TaskUpdate, ...]:
        return self.tasks + self.tasks_added + self.tasks_removed

    def task_ids(self) -> set[str]:
        return {t.task_id for t in self._all_tasks()} | set(self.threads)

    def touches(self, entity_id: str, task_ids: Iterable[str] = ()) -> bool:
        """Does this change concern the entity (or one of the given tasks of it)?"""
        if self.everything or entity_id in self.entity_ids():
            return True
        mine = self.task_ids()
        return any(t in mine for t in task_ids)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            entities=self.entities + other.entities, tasks=self.tasks + other.tasks,
            threads=self.threads | other.threads, casting=self.casting | other.casting,
            tasks_added=self.tasks_added + other.tasks_added, tasks_removed=self.tasks_removed + other.tasks_removed,
            lists=self.lists | other.lists, everything=self.everything or other.everything,
            origin=self.origin if self.origin == other.origin or not other.origin else
            (other.origin if not self.origin else f"{self.origin}+{other.origin}"),
            extra={**self.extra, **other.extra})


# ---------------------------------------------------------------- from the server's answers
def entity_saved(kind: str, entity: Mapping[str, Any], *, origin: str = "edit") -> Changes:
    """An entity updated (dialog, inline cell, bulk edit): its row is patched in place."""
    return Changes(entities=(EntityUpdate(kind, str(entity.get("id") or ""), dict(entity)),), origin=origin)


def entities_saved(kind: str, entities: Iterable[Mapping[str, Any]], *, origin: str = "edit") -> Changes:
    return Changes(entities=tuple(EntityUpdate(kind, str(e.get("id") or ""), dict(e)) for e in entities
                                  if e.get("id")), origin=origin)


def entity_created(kind: str, entity: Mapping[str, Any]) -> Changes:
    """A new row: the list is re-read (Zou's list rows carry joined names and tasks a create answer lacks)."""
    eid = str(entity.get("id") or "")
    return Changes(entities=(EntityUpdate(kind, eid, dict(entity)),), lists=frozenset({kind}), origin="create")


def entity_deleted(kind: str, entity_id: str) -> Changes:
    return Changes(entities=(EntityUpdate(kind, entity_id, {"id": entity_id}),), lists=frozenset({kind}),
                   origin="delete")


def comment_posted(task: Mapping[str, Any], comment: Mapping[str, Any]) -> Changes:
    """A comment (with or without a status change) on a task: the task's status and thread changed."""
    task_id = str(comment.get("object_id") or task.get("id") or "")
    fields: dict[str, Any] = {k: comment[k] for k in _COMMENT_TASK_FIELDS if comment.get(k)}
    if comment.get("created_at"):
        fields["last_comment_date"] = comment["created_at"]
    entity_id = str(task.get("entity_id") or "")
    return Changes(tasks=(TaskUpdate(task_id, entity_id, fields),), threads=frozenset({task_id}), origin="status")


def assignments_saved(assignees: Mapping[str, tuple[str, Sequence[str]]]) -> Changes:
    """People assigned or unassigned: {task id: (entity id, the task's assignees after)}."""
    return Changes(tasks=tuple(TaskUpdate(task_id, entity_id, {"assignees": list(people)})
                               for task_id, (entity_id, people) in assignees.items()), origin="assign")


def casting_saved(entity_id: str, asset_ids: Iterable[str] = ()) -> Changes:
    """A shot's casting was replaced: that shot and the assets added to or removed from it."""
    return Changes(casting=frozenset({entity_id, *asset_ids}), origin="casting")


def unknown(origin: str) -> Changes:
    """A write whose extent is not known here (an undo): what is shown is re-read."""
    return Changes(everything=True, origin=origin)
