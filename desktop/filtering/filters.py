"""Resolved, immutable filters and their row predicates (spec §5-§6).

Each filter narrows a list of row positions of an `Index`. Filters are evaluated a whole
column at a time (one tight loop per filter, locals only) rather than row by row through a
generic predicate call, which keeps 10,000-row lists well inside a keystroke's budget.
Every filter is pure, so chaining them (AND) or OR-ing their selections gives exactly
Kitsu's `applyFilters` results.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from desktop.filtering.context import Descriptor
from desktop.filtering.index import Index
from desktop.filtering.jscompat import (
    MISSING,
    JSONParseError,
    is_number,
    is_truthy,
    json_parse,
    parse_float,
    strict_equal,
    to_js_string,
    to_number,
)

# Checklist values: ":true" anywhere or ":false" at the very end (JS "$" without the m flag
# is the end of the string; Python's "$" would also accept a trailing newline, hence \Z).
CHECKLIST_RE: Final = re.compile(r"(:true)|(:false)\Z")
# Own-property lookups on a parsed JSON object also see these inherited JS properties.
_INHERITED_KEYS: Final = frozenset({"constructor", "__proto__"})
_INHERITED: Final = object()


class Filter(ABC):
    """One resolved filter. `select` keeps, in order, the positions whose rows pass."""

    __slots__ = ()
    kind: ClassVar[str]

    @abstractmethod
    def select(self, index: Index, positions: Sequence[int]) -> list[int]: ...


def _task_of_type(row: Mapping[str, Any], tasks: Mapping[str, Mapping[str, Any]], task_type_id: str) -> Any:
    validations = row.get("validations")
    return tasks.get(validations.get(task_type_id)) if validations else None


@dataclass(frozen=True, slots=True)
class AssetTypeFilter(Filter):
    """`type=Name`. An unknown type (None) still filters: it rejects every row."""

    kind: ClassVar[str] = "assettype"
    asset_type_id: str | None
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        if self.asset_type_id is None:
            return list(positions) if self.excluding else []
        rows, wanted, excluding = index.rows, self.asset_type_id, self.excluding
        return [i for i in positions if (rows[i].get("asset_type_id") == wanted) is not excluding]


@dataclass(frozen=True, slots=True)
class StatusFilter(Filter):
    """`TaskType=s1,s2`: the row's task of that type has one of the statuses."""

    kind: ClassVar[str] = "status"
    task_type_id: str
    status_ids: frozenset[str]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, type_id, ids, excluding = (
            index.rows, index.tasks, self.task_type_id, self.status_ids, self.excluding,
        )
        out = []
        for i in positions:
            validations = rows[i].get("validations")
            task = tasks.get(validations.get(type_id)) if validations else None
            if (task is not None and task.get("task_status_id") in ids) is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class StatusAnyFilter(Filter):
    """`status=s1,s2`: any of the row's tasks (one per type) has one of the statuses."""

    kind: ClassVar[str] = "statusAny"
    status_ids: frozenset[str]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, ids, excluding = index.rows, index.tasks, self.status_ids, self.excluding
        out = []
        for i in positions:
            validations = rows[i].get("validations") or {}
            found = False
            for task_id in validations.values():
                task = tasks.get(task_id)
                if task is not None and task.get("task_status_id") in ids:
                    found = True
                    break
            if found is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class AssignationFilter(Filter):
    """`TaskType=assigned` / `TaskType=unassigned`; a missing task counts as unassigned."""

    kind: ClassVar[str] = "assignation"
    task_type_id: str
    assigned: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, type_id, assigned = index.rows, index.tasks, self.task_type_id, self.assigned
        out = []
        for i in positions:
            task = _task_of_type(rows[i], tasks, type_id)
            has_assignee = task is not None and bool(task.get("assignees"))
            if has_assignee is assigned:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class AssignedToFilter(Filter):
    """`assignedto[TaskType]=[Person]`; without a (known) task type, any of the row's tasks."""

    kind: ClassVar[str] = "assignedto"
    task_type_id: str | None
    person_ids: frozenset[str]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, type_id, people, excluding = (
            index.rows, index.tasks, self.task_type_id, self.person_ids, self.excluding,
        )
        out = []
        for i in positions:
            row = rows[i]
            if type_id is not None:
                candidates = [_task_of_type(row, tasks, type_id)]
            else:
                candidates = [tasks.get(task_id) for task_id in row.get("tasks") or ()]
            ok = any(
                task is not None and not people.isdisjoint(task.get("assignees") or ()) for task in candidates
            )
            if ok is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class DescriptorFilter(Filter):
    """`Descriptor=v1,v2` on metadata; checklist, number or substring mode (spec §6.6)."""

    kind: ClassVar[str] = "descriptor"
    descriptor: Descriptor
    values: tuple[str, ...]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, test, excluding = index.rows, self._tester(), self.excluding
        field, fallback = self.descriptor.field_name, self.descriptor.entity_type != "Task"
        out = []
        for i in positions:
            row = rows[i]
            data = row.get("data")
            value = data.get(field, MISSING) if isinstance(data, Mapping) else MISSING
            if fallback and (value is None or value is MISSING):
                # Only task rows carry entity_data; a no-op for shots and assets.
                entity_data = row.get("entity_data")
                value = entity_data.get(field, MISSING) if isinstance(entity_data, Mapping) else MISSING
            if not is_truthy(value) and not (is_number(value) and value == 0):
                ok = False  # missing, null, "", false (and NaN) never match; 0 does
            else:
                ok = test(value.lower() if isinstance(value, str) else value)
            if ok is not excluding:
                out.append(i)
        return out

    def _tester(self) -> Callable[[object], bool]:
        # The mode depends only on the query, so it is chosen once per select, not per row.
        values = self.values
        if len(values) == 1 and CHECKLIST_RE.search(values[0]):
            is_true = values[0].endswith(":true")
            key = CHECKLIST_RE.sub("", values[0], count=1).lower()
            return lambda value: _checklist_matches(value, key, is_true)
        if self.descriptor.data_type == "number":
            numbers = [parse_float(v) for v in values]  # NaN never equals anything

            def number_matches(value: object) -> bool:
                number = parse_float(value)
                return any(number == n for n in numbers)

            return number_matches
        needles = [v.lower() for v in values]
        return lambda value: any(needle in to_js_string(value) for needle in needles)


def _checklist_matches(value: object, key: str, is_true: bool) -> bool:
    # The (lower-cased) stored JSON string is parsed on every test, like Kitsu; checklists
    # are short and this only runs for rows that have the field.
    try:
        parsed = json_parse(value)
    except JSONParseError:
        return False
    if parsed is None:
        return False  # reading a key of null throws in JS: no match
    found: object = MISSING
    if isinstance(parsed, dict):
        found = parsed.get(key, _INHERITED if key in _INHERITED_KEYS else MISSING)
    elif isinstance(parsed, list):
        if key == "length":
            found = len(parsed)
        elif key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")):
            found = parsed[int(key)] if int(key) < len(parsed) else MISSING
    # Any other JSON value has no such key.
    if found is MISSING:
        return not is_true  # a missing checklist item counts as unchecked
    return strict_equal(found, is_true)


@dataclass(frozen=True, slots=True)
class DepartmentFilter(Filter):
    """`department=a,b` (people page). Rows without `departments` never pass, even negated."""

    kind: ClassVar[str] = "department"
    department_ids: frozenset[str]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, ids, excluding = index.rows, self.department_ids, self.excluding
        out = []
        for i in positions:
            departments = rows[i].get("departments")
            if departments is None:
                continue
            if (not ids.isdisjoint(departments)) is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class ThumbnailFilter(Filter):
    """`withthumbnail` / `-withthumbnail`: has a preview file ("" and null count as none)."""

    kind: ClassVar[str] = "thumbnail"
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, excluding = index.rows, self.excluding
        return [i for i in positions if (rows[i].get("preview_file_id") not in ("", None)) is not excluding]


@dataclass(frozen=True, slots=True)
class PriorityFilter(Filter):
    """`priority-TaskType=D`: the task of that type exists and its priority === D."""

    kind: ClassVar[str] = "priority"
    task_type_id: str
    value: float

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, type_id, wanted = index.rows, index.tasks, self.task_type_id, self.value
        out = []
        for i in positions:
            task = _task_of_type(rows[i], tasks, type_id)
            if task is not None and strict_equal(task.get("priority", MISSING), wanted):
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class ReadyForFilter(Filter):
    """`readyfor=TaskType`: the row's `ready_for` is that task type."""

    kind: ClassVar[str] = "readyfor"
    task_type_id: str

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, wanted = index.rows, self.task_type_id
        return [i for i in positions if strict_equal(rows[i].get("ready_for", MISSING), wanted)]


@dataclass(frozen=True, slots=True)
class AssetsReadyFilter(Filter):
    """`assetsready=TaskType`: a task of that type has nb_assets_ready === nb_entities_out."""

    kind: ClassVar[str] = "assetsready"
    task_type_id: str
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, tasks, type_id, excluding = index.rows, index.tasks, self.task_type_id, self.excluding
        out = []
        for i in positions:
            row = rows[i]
            wanted = row.get("nb_entities_out", MISSING)
            # JS `x <= 0`: null counts as 0 (no cast: only the negated form passes), while a
            # missing value compares false and falls through to the === test below.
            if to_number(wanted) <= 0:
                if excluding:
                    out.append(i)
                continue
            ok = False
            for task_id in row.get("tasks") or ():
                task = tasks.get(task_id)
                if (
                    task is not None
                    and task.get("task_type_id") == type_id
                    and strict_equal(task.get("nb_assets_ready", MISSING), wanted)
                ):
                    ok = True
                    break
            if ok is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class ExclusionFilter(Filter):
    """`-word`: drops rows whose index words contain `keyword` (an empty one drops none)."""

    kind: ClassVar[str] = "exclusion"
    keyword: str

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        if not self.keyword or "=" in self.keyword:
            return list(positions)
        excluded = set(index.search(self.keyword, positions))
        return [i for i in positions if i not in excluded]
