"""The query text Kitsu's filter builder writes, from a structured choice (spec §9). Qt-free.

A `FilterSpec` holds what a user picks in the builder dialog (by name, as Kitsu writes names);
`build_query` turns it into exactly the text Kitsu's `BuildFilterModal.buildFilter` writes for the
same picks, so a query built in Slate reads, saves and filters the same in Kitsu:

| pick | text |
|---|---|
| asset type (assets page) | `type=[Props]`, `type=[-Props]` |
| task type + statuses | `[Layout]=[wip]`, `[Layout]=[-wip]`, `[Layout]=[wip,done]` (status short names) |
| any task type + statuses | `status=[wip,done]`, `status=[-done]` |
| descriptor | `[Difficulty]=[hard]`, `[Difficulty]=[-hard]`, `[Size]=[big,small]` |
| boolean descriptor | `[Ok]=[true]` (checked), `[Ok]=[-true]` (not checked) |
| checklist item | `[Checks]=[Layout OK:true]`, `[Checks]=[Layout OK:false]` |
| assigned to | `assignedto[Layout]=[Jean Dupont]`, `assignedto[]=[Jean Dupont]` (any task type), `[-Jean Dupont]` |
| assignment exists | `[Layout]=assigned`, `[Layout]=unassigned` |
| thumbnail | `withthumbnail`, `-withthumbnail` |
| priority | `priority-[layout]=2` (task type lower-cased, 0 normal … 3 emergency) |
| ready for (assets page) | `readyfor=[layout]` (lower-cased) |
| assets ready (shots page) | `assetsready=[Layout]`, `assetsready=[-Layout]` |
| "any condition" | the whole text wrapped: `+([Layout]=[wip] [Animation]=[done])` |

Fragments come in that order, each after one space, and the result is trimmed. The one departure:
no condition at all gives "" (Kitsu's OR mode would write `+()`, which both read as "everything").

`spec_from_query` goes the other way, like the builder's pre-fill from the search box: it keeps what
the builder can show and leaves the rest (keywords, name exclusions) out, as Kitsu does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from desktop.filtering.compiler import compile_parsed, compile_query
from desktop.filtering.context import FilterContext
from desktop.filtering.filters import (
    AssetsReadyFilter,
    AssetTypeFilter,
    AssignationFilter,
    AssignedToFilter,
    DescriptorFilter,
    ExclusionFilter,
    PriorityFilter,
    ReadyForFilter,
    StatusAnyFilter,
    StatusFilter,
    ThumbnailFilter,
)
from desktop.filtering.query import ParsedQuery, parse_query

PRIORITY_LABELS: tuple[str, ...] = ("Normal", "High", "Very high", "Emergency")  # Kitsu's values 0-3
CHECKED_PREFIX, UNCHECKED_PREFIX = "[x] ", "[ ] "

AssignationMode = Literal["assigned_to", "not_assigned_to", "assigned", "unassigned"]


@dataclass(frozen=True)
class StatusCondition:
    """Task status per task type; `task_type` "" means any task type (`status=`)."""

    task_type: str
    statuses: tuple[str, ...]  # status short names
    excluding: bool = False


@dataclass(frozen=True)
class DescriptorCondition:
    """A metadata value (or several: any of them)."""

    descriptor: str
    values: tuple[str, ...]
    excluding: bool = False


@dataclass(frozen=True)
class ChecklistCondition:
    """One item of a checklist descriptor, checked or not."""

    descriptor: str
    item: str
    checked: bool = True


@dataclass(frozen=True)
class AssignationCondition:
    """Who is assigned: `assigned_to` / `not_assigned_to` a person (on `task_type`, "" = any task type),
    or whether the task of `task_type` has an assignee at all (`assigned` / `unassigned`)."""

    mode: AssignationMode
    task_type: str = ""
    person: str = ""  # Kitsu's person name, "First Last"


@dataclass(frozen=True)
class PriorityCondition:
    task_type: str
    priority: int  # 0 normal, 1 high, 2 very high, 3 emergency


@dataclass(frozen=True)
class AssetsReadyCondition:
    task_type: str
    ready: bool = True


@dataclass(frozen=True)
class FilterSpec:
    """Everything Kitsu's builder can express; empty means "no filter"."""

    union: bool = False  # "any condition" (OR) instead of "all conditions"
    asset_type: str = ""
    asset_type_excluding: bool = False
    statuses: tuple[StatusCondition, ...] = ()
    descriptors: tuple[DescriptorCondition | ChecklistCondition, ...] = ()
    assignation: AssignationCondition | None = None
    thumbnail: bool | None = None  # True: with a thumbnail, False: without
    priority: PriorityCondition | None = None
    ready_for: str = ""  # a shot task type name (assets page)
    assets_ready: AssetsReadyCondition | None = None

    @property
    def is_empty(self) -> bool:
        return not build_query(self)


def _bracket(value: str, excluding: bool = False) -> str:
    return f"[{'-' if excluding else ''}{value}]"


def _asset_type(spec: FilterSpec) -> Iterable[str]:
    if spec.asset_type:
        yield f"type={_bracket(spec.asset_type, spec.asset_type_excluding)}"


def _statuses(spec: FilterSpec) -> Iterable[str]:
    for cond in spec.statuses:
        if not cond.statuses:
            continue
        name = f"[{cond.task_type}]" if cond.task_type else "status"
        yield f"{name}={_bracket(','.join(cond.statuses), cond.excluding)}"


def _descriptors(spec: FilterSpec) -> Iterable[str]:
    for cond in spec.descriptors:
        if isinstance(cond, ChecklistCondition):
            yield f"[{cond.descriptor}]=[{cond.item}:{'true' if cond.checked else 'false'}]"
        else:
            yield f"[{cond.descriptor}]={_bracket(','.join(cond.values), cond.excluding)}"


def _assignation(spec: FilterSpec) -> Iterable[str]:
    cond = spec.assignation
    if cond is None:
        return
    if cond.mode in ("assigned_to", "not_assigned_to"):
        if cond.person:
            yield f"assignedto[{cond.task_type}]={_bracket(cond.person, cond.mode == 'not_assigned_to')}"
    elif cond.task_type:
        yield f"[{cond.task_type}]={cond.mode}"


def _thumbnail(spec: FilterSpec) -> Iterable[str]:
    if spec.thumbnail is not None:
        yield "withthumbnail" if spec.thumbnail else "-withthumbnail"


def _priority(spec: FilterSpec) -> Iterable[str]:
    cond = spec.priority
    if cond is not None and cond.task_type and 0 <= cond.priority <= 9:
        yield f"priority-[{cond.task_type.lower()}]={cond.priority}"


def _ready_for(spec: FilterSpec) -> Iterable[str]:
    if spec.ready_for:
        yield f"readyfor=[{spec.ready_for.lower()}]"


def _assets_ready(spec: FilterSpec) -> Iterable[str]:
    cond = spec.assets_ready
    if cond is not None and cond.task_type:
        yield f"assetsready={_bracket(cond.task_type, not cond.ready)}"


_WRITERS = (_asset_type, _statuses, _descriptors, _assignation, _thumbnail, _priority, _ready_for, _assets_ready)


def build_query(spec: FilterSpec) -> str:
    """The query text Kitsu's builder writes for these choices (see the module docstring)."""
    query = " ".join(fragment for writer in _WRITERS for fragment in writer(spec)).strip()
    if spec.union and query:
        return f"+({query})"
    return query


# ------------------------------------------------------------------------------------------ pre-fill
def spec_from_query(query: str, context: FilterContext) -> FilterSpec:
    """What the builder shows for an existing query (names as the page knows them).

    Like Kitsu's pre-fill it keeps the last assignment and priority, skips what the builder cannot
    show (keywords, name exclusions, departments) and names unknown to the page (they make no filter).
    """
    parsed = parse_query(query)
    compiled = compile_parsed(parsed, context)
    task_types = {t.id: t.name for t in context.task_types}
    status_order = {s.id: i for i, s in enumerate(context.task_statuses)}
    status_names = {s.id: s.name for s in context.task_statuses}
    asset_types = {a.id: a.name for a in context.asset_types}
    persons = context.persons
    typed = iter(_typed_status_lists(parsed, context))

    def statuses(ids: frozenset[str]) -> tuple[str, ...]:
        # As typed (Kitsu's builder keeps the order of the text), else in the project's order.
        order = next(typed, None)
        if order is not None and frozenset(order) == ids:
            return tuple(status_names[i] for i in order)
        return tuple(status_names[i] for i in sorted(ids, key=lambda i: status_order.get(i, 0)))

    asset_type, asset_excluding = "", False
    conditions: list[StatusCondition] = []
    descriptors: list[DescriptorCondition | ChecklistCondition] = []
    assignation: AssignationCondition | None = None
    thumbnail: bool | None = None
    priority: PriorityCondition | None = None
    ready_for = ""
    assets_ready: AssetsReadyCondition | None = None
    for flt in compiled.filters:
        match flt:
            case AssetTypeFilter(asset_type_id=type_id, excluding=excluding) if type_id in asset_types:
                asset_type, asset_excluding = asset_types[type_id or ""], excluding
            case StatusFilter(task_type_id=tt, status_ids=ids, excluding=excluding):
                conditions.append(StatusCondition(task_types.get(tt, ""), statuses(ids), excluding))
            case StatusAnyFilter(status_ids=ids, excluding=excluding):
                conditions.append(StatusCondition("", statuses(ids), excluding))
            case DescriptorFilter(descriptor=desc, values=values, excluding=excluding):
                descriptors.append(_descriptor_condition(desc.name, values, excluding))
            case AssignationFilter(task_type_id=tt, assigned=assigned):
                assignation = AssignationCondition("assigned" if assigned else "unassigned", task_types.get(tt, ""))
            case AssignedToFilter(task_type_id=tt, person_ids=ids, excluding=excluding):
                person = next((p.name for p in persons if p.id in ids), "")
                mode: AssignationMode = "not_assigned_to" if excluding else "assigned_to"
                assignation = AssignationCondition(mode, task_types.get(tt or "", ""), person)
            case ThumbnailFilter(excluding=excluding):
                thumbnail = not excluding
            case PriorityFilter(task_type_id=tt, value=value):
                priority = PriorityCondition(task_types.get(tt, ""), int(value))
            case ReadyForFilter(task_type_id=tt):
                ready_for = task_types.get(tt, "")
            case AssetsReadyFilter(task_type_id=tt, excluding=excluding):
                assets_ready = AssetsReadyCondition(task_types.get(tt, ""), not excluding)
            case _:
                pass
    return FilterSpec(union=compiled.union, asset_type=asset_type, asset_type_excluding=asset_excluding,
                      statuses=tuple(conditions), descriptors=tuple(descriptors), assignation=assignation,
                      thumbnail=thumbnail, priority=priority, ready_for=ready_for, assets_ready=assets_ready)


def _typed_status_lists(parsed: ParsedQuery, context: FilterContext) -> list[tuple[str, ...]]:
    """The status ids of each task-status expression, in the typed order, in the order the compiler
    makes their filters (one entry per `StatusFilter` / `StatusAnyFilter`)."""
    out: list[tuple[str, ...]] = []
    for expr in parsed.equals:
        is_any = expr.name.lower() == "status"
        task_type = None if is_any else context.task_type_by_name.get(expr.name.lower())
        if (task_type is None and not is_any) or not expr.value:
            continue
        if task_type is not None and expr.value in ("assigned", "unassigned"):
            continue
        found = (context.status_by_name.get(name.lower()) for name in expr.value.split(","))
        ids = tuple(dict.fromkeys(status.id for status in found if status is not None))
        if ids:
            out.append(ids)
    return out


def _descriptor_condition(name: str, values: Sequence[str], excluding: bool
                          ) -> DescriptorCondition | ChecklistCondition:
    if len(values) == 1 and not excluding:
        value = values[0]
        for suffix, checked in ((":true", True), (":false", False)):
            if value.endswith(suffix):
                return ChecklistCondition(name, value[: -len(suffix)], checked)
    return DescriptorCondition(name, tuple(values), excluding)


def left_out_of_builder(query: str, context: FilterContext) -> tuple[str, ...]:
    """Parts of `query` the builder cannot show and would drop on OK: keywords and name exclusions."""
    compiled = compile_query(query, context)
    words = [k for k in compiled.keywords if k and "=" not in k]
    words += [f"-{f.keyword}" for f in compiled.filters if isinstance(f, ExclusionFilter) and f.keyword]
    return tuple(words)


# ------------------------------------------------------------------------------------------ choices
@dataclass(frozen=True)
class StatusChoice:
    short_name: str
    name: str = ""
    color: str = ""


@dataclass(frozen=True)
class DescriptorChoice:
    name: str
    data_type: str = "string"
    choices: tuple[str, ...] = ()

    @property
    def checklist_items(self) -> tuple[str, ...]:
        """Item names when every choice is a checklist item (`[x] Name` / `[ ] Name`), as Kitsu reads them."""
        items = [c[4:] for c in self.choices if c.startswith((CHECKED_PREFIX, UNCHECKED_PREFIX))]
        return tuple(items) if items and len(items) == len(self.choices) else ()

    @property
    def is_checklist(self) -> bool:
        return bool(self.checklist_items)

    @property
    def is_boolean(self) -> bool:
        return self.data_type == "boolean"


@dataclass(frozen=True)
class BuilderChoices:
    """What the builder offers on one list page of one project (Kitsu offers the same lists)."""

    entity: Literal["shot", "asset"]
    task_types: tuple[str, ...] = ()  # the page's task types (the list's columns)
    statuses: tuple[StatusChoice, ...] = ()  # the project's task statuses
    asset_types: tuple[str, ...] = ()  # assets page
    descriptors: tuple[DescriptorChoice, ...] = ()  # the page entity's metadata descriptors
    people: tuple[str, ...] = ()  # the project team, by name
    shot_task_types: tuple[str, ...] = ()  # what "ready for" offers (assets page)

    def descriptor(self, name: str) -> DescriptorChoice | None:
        lowered = name.lower()
        return next((d for d in self.descriptors if d.name.lower() == lowered), None)


def inexpressible(spec: FilterSpec) -> tuple[str, ...]:
    """Names or values the filter language cannot carry (spec §9): `=`, `[` or `]` anywhere, a comma in a
    descriptor value (it always splits). Kitsu writes them anyway; the dialog warns."""
    names: list[str] = [spec.asset_type, spec.ready_for]
    names += [c.task_type for c in spec.statuses] + [s for c in spec.statuses for s in c.statuses]
    for cond in spec.descriptors:
        names.append(cond.descriptor)
        names += [cond.item] if isinstance(cond, ChecklistCondition) else list(cond.values)
    if spec.assignation is not None:
        names += [spec.assignation.task_type, spec.assignation.person]
    if spec.priority is not None:
        names.append(spec.priority.task_type)
    if spec.assets_ready is not None:
        names.append(spec.assets_ready.task_type)
    bad = [n for n in names if n and any(c in n for c in "=[]")]
    bad += [v for c in spec.descriptors if isinstance(c, DescriptorCondition) for v in c.values if "," in v]
    return tuple(dict.fromkeys(bad))
