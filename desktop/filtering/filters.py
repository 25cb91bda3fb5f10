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
from typing import ClassVar, Final

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
    # Rough per-row cost, used to run cheap filters first in AND mode (results do not
    # depend on the order: every filter is a pure predicate). 1: one row field; 2: one task
    # lookup; 3: metadata decoding; 4: a scan of all the row's tasks.
    cost: ClassVar[int] = 2

    def evaluation_cost(self) -> int:
        return self.cost

    @abstractmethod
    def select(self, index: Index, positions: Sequence[int]) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class AssetTypeFilter(Filter):
    """`type=Name`. An unknown type (None) still filters: it rejects every row."""

    kind: ClassVar[str] = "assettype"
    cost: ClassVar[int] = 1
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
        column, get_task, ids = index.task_ids_of_type(self.task_type_id), index.tasks.get, self.status_ids
        # Two specialised comprehensions: this is the hottest loop of typical queries.
        if self.excluding:
            return [
                i for i in positions if (task := get_task(column[i])) is None or task.get("task_status_id") not in ids
            ]
        return [i for i in positions if (task := get_task(column[i])) is not None and task.get("task_status_id") in ids]


@dataclass(frozen=True, slots=True)
class StatusAnyFilter(Filter):
    """`status=s1,s2`: any of the row's tasks (one per type) has one of the statuses."""

    kind: ClassVar[str] = "statusAny"
    cost: ClassVar[int] = 4
    status_ids: frozenset[str]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        per_row, get_task, ids, excluding = (
            index.validation_task_ids(),
            index.tasks.get,
            self.status_ids,
            self.excluding,
        )
        out = []
        for i in positions:
            # A plain loop with an early exit measured faster than any()/isdisjoint pipelines.
            found = False
            for task_id in per_row[i]:
                task = get_task(task_id)
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
        column, get_task = index.task_ids_of_type(self.task_type_id), index.tasks.get
        if self.assigned:
            return [i for i in positions if (task := get_task(column[i])) is not None and task.get("assignees")]
        return [i for i in positions if (task := get_task(column[i])) is None or not task.get("assignees")]


@dataclass(frozen=True, slots=True)
class AssignedToFilter(Filter):
    """`assignedto[TaskType]=[Person]`; without a (known) task type, any of the row's tasks."""

    kind: ClassVar[str] = "assignedto"
    cost: ClassVar[int] = 2
    task_type_id: str | None
    person_ids: frozenset[str]
    excluding: bool

    def evaluation_cost(self) -> int:
        return 2 if self.task_type_id is not None else 4  # without a type: all the row's tasks

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        get_task, people, excluding = index.tasks.get, self.person_ids, self.excluding
        if self.task_type_id is not None:
            column = index.task_ids_of_type(self.task_type_id)
            if len(people) == 1:
                # The common case; `in` on the short assignee list beats isdisjoint().
                (person,) = people
                return [
                    i
                    for i in positions
                    if ((task := get_task(column[i])) is not None and person in (task.get("assignees") or ()))
                    is not excluding
                ]
            return [
                i
                for i in positions
                # bool(): the `and` chain may yield the empty tuple, and `is not` needs a bool.
                if bool(
                    (task := get_task(column[i])) is not None
                    and (assignees := task.get("assignees") or ())  # most lists are empty: skip the call
                    and not people.isdisjoint(assignees)
                )
                is not excluding
            ]
        per_row = index.row_task_ids()
        out = []
        for i in positions:
            found = False
            for task_id in per_row[i]:
                task = get_task(task_id)
                if task is not None and (assignees := task.get("assignees") or ()) and not people.isdisjoint(assignees):
                    found = True
                    break
            if found is not excluding:
                out.append(i)
        return out


@dataclass(frozen=True, slots=True)
class DescriptorFilter(Filter):
    """`Descriptor=v1,v2` on metadata; checklist, number or substring mode (spec §6.6)."""

    kind: ClassVar[str] = "descriptor"
    cost: ClassVar[int] = 3
    descriptor: Descriptor
    values: tuple[str, ...]
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, test, excluding = index.rows, self._tester(), self.excluding
        field, fallback = self.descriptor.field_name, self.descriptor.entity_type != "Task"
        # Metadata values repeat a lot (list choices, checklists): test each distinct
        # string once per select. Checklists otherwise parse JSON on every row.
        memo: dict[str, bool] = {}
        number_memo: dict[float, bool] = {}
        out = []
        for i in positions:
            row = rows[i]
            data = row.get("data")
            # `type(...) is dict` first: isinstance() against the Mapping ABC is slow.
            value = data.get(field, MISSING) if type(data) is dict or isinstance(data, Mapping) else MISSING
            if fallback and (value is None or value is MISSING):
                # Only task rows carry entity_data; a no-op for shots and assets.
                extra = row.get("entity_data")
                value = extra.get(field, MISSING) if type(extra) is dict or isinstance(extra, Mapping) else MISSING
            if isinstance(value, str) and value:
                ok = memo.get(value)
                if ok is None:
                    ok = memo[value] = test(value.lower())
            elif is_number(value):
                # 1 and 1.0 share a memo slot, correctly: they are the same JS number. NaN
                # is falsy (never matches); 0 is accepted explicitly.
                ok = number_memo.get(value)
                if ok is None:
                    ok = number_memo[value] = (value == 0 or is_truthy(value)) and test(value)
            elif not is_truthy(value):
                ok = False  # missing, null, "", false never match
            else:
                ok = test(value)
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
    # `value` is the lower-cased stored JSON string (or a non-string JSON value, which
    # JSON.parse stringifies first). DescriptorFilter memoises the result per distinct value.
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
        if key in _INHERITED_KEYS:
            found = _INHERITED
        elif key == "length":
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
    cost: ClassVar[int] = 1
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
    cost: ClassVar[int] = 1
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
        column, get_task = index.task_ids_of_type(self.task_type_id), index.tasks.get
        # An int compares faster with the (int) priorities than a float does.
        wanted = int(self.value) if self.value.is_integer() else self.value
        # JSON priorities are int/float/bool/str/None...: `==` plus "not a bool" is JS ===.
        return [
            i
            for i in positions
            if (task := get_task(column[i])) is not None
            and (priority := task.get("priority")) == wanted
            and priority is not True
            and priority is not False
        ]


@dataclass(frozen=True, slots=True)
class ReadyForFilter(Filter):
    """`readyfor=TaskType`: the row's `ready_for` is that task type."""

    kind: ClassVar[str] = "readyfor"
    cost: ClassVar[int] = 1
    task_type_id: str

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, wanted = index.rows, self.task_type_id
        # `wanted` is a str, and == with a str only holds for an equal str: that is ===.
        return [i for i in positions if rows[i].get("ready_for") == wanted]


@dataclass(frozen=True, slots=True)
class AssetsReadyFilter(Filter):
    """`assetsready=TaskType`: a task of that type has nb_assets_ready === nb_entities_out."""

    kind: ClassVar[str] = "assetsready"
    cost: ClassVar[int] = 4
    task_type_id: str
    excluding: bool

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        rows, per_row, get_task = index.rows, index.row_task_ids(), index.tasks.get
        type_id, excluding = self.task_type_id, self.excluding
        out = []
        for i in positions:
            wanted = rows[i].get("nb_entities_out", MISSING)
            # JS `x <= 0`: null counts as 0 (no cast: only the negated form passes), while a
            # missing value compares false and falls through to the === test below.
            if to_number(wanted) <= 0:
                if excluding:
                    out.append(i)
                continue
            ok = False
            for task_id in per_row[i]:
                task = get_task(task_id)
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
    cost: ClassVar[int] = 1
    keyword: str

    def select(self, index: Index, positions: Sequence[int]) -> list[int]:
        if not self.keyword or "=" in self.keyword:
            return list(positions)
        excluded = set(index.search(self.keyword, positions))
        return [i for i in positions if i not in excluded]
