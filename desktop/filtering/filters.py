"""Resolved, immutable filters and their row predicates (spec §5-§6).

Each filter narrows a list of row positions of an index (`BaseIndex`). Filters are evaluated
a whole column at a time: the index gives the column (per row, the value the filter reads:
the status of its Layout task, its metadata value's code, ...) and the filter keeps the
positions whose value passes, in one tight loop with a set-membership test, rather than row
by row through a generic predicate call. That keeps 10,000-row lists well inside a
keystroke's budget.
Every filter is pure, so chaining them (AND) or OR-ing their selections gives exactly
Kitsu's `applyFilters` results.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from desktop.filtering.context import Descriptor
from desktop.filtering.index import BaseIndex
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
    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class AssetTypeFilter(Filter):
    """`type=Name`. An unknown type (None) still filters: it rejects every row."""

    kind: ClassVar[str] = "assettype"
    cost: ClassVar[int] = 1
    asset_type_id: str | None
    excluding: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        if self.asset_type_id is None:
            return list(positions) if self.excluding else []
        column, wanted = index.row_field("asset_type_id"), self.asset_type_id
        if self.excluding:
            return [i for i in positions if column[i] != wanted]
        return [i for i in positions if column[i] == wanted]


@dataclass(frozen=True, slots=True)
class StatusFilter(Filter):
    """`TaskType=s1,s2`: the row's task of that type has one of the statuses."""

    kind: ClassVar[str] = "status"
    task_type_id: str
    status_ids: frozenset[str]
    excluding: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        # None where the row has no task of that type: never in `ids`, so a missing task
        # passes only the negated form, as in Kitsu.
        column, ids = index.task_field(self.task_type_id, "task_status_id"), self.status_ids
        # Two specialised comprehensions: this is the hottest loop of typical queries.
        if self.excluding:
            return [i for i in positions if column[i] not in ids]
        return [i for i in positions if column[i] in ids]


@dataclass(frozen=True, slots=True)
class StatusAnyFilter(Filter):
    """`status=s1,s2`: any of the row's tasks (one per type) has one of the statuses."""

    kind: ClassVar[str] = "statusAny"
    cost: ClassVar[int] = 4
    status_ids: frozenset[str]
    excluding: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        per_row, ids = index.row_task_field("task_status_id"), self.status_ids
        if self.excluding:
            return [i for i in positions if ids.isdisjoint(per_row[i])]
        return [i for i in positions if not ids.isdisjoint(per_row[i])]


@dataclass(frozen=True, slots=True)
class AssignationFilter(Filter):
    """`TaskType=assigned` / `TaskType=unassigned`; a missing task counts as unassigned."""

    kind: ClassVar[str] = "assignation"
    task_type_id: str
    assigned: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        column = index.task_field(self.task_type_id, "assignees")  # None without a task
        if self.assigned:
            return [i for i in positions if column[i]]
        return [i for i in positions if not column[i]]


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

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        people, excluding = self.person_ids, self.excluding
        if self.task_type_id is not None:
            column = index.task_field(self.task_type_id, "assignees")  # None without a task
            if len(people) == 1:
                # The common case; `in` on the short assignee list beats isdisjoint().
                (person,) = people
                return [i for i in positions if (person in (column[i] or ())) is not excluding]
            return [
                i
                for i in positions
                # bool(): the `and` chain may yield the empty list, and `is not` needs a bool.
                if bool((assignees := column[i]) and not people.isdisjoint(assignees)) is not excluding
            ]
        # Any of the row's tasks: its tasks' assignees in one tuple per row.
        per_row = index.row_task_items("assignees", every_task=True)
        if excluding:
            return [i for i in positions if people.isdisjoint(per_row[i])]
        return [i for i in positions if not people.isdisjoint(per_row[i])]


@dataclass(frozen=True, slots=True)
class DescriptorFilter(Filter):
    """`Descriptor=v1,v2` on metadata; checklist, number or substring mode (spec §6.6)."""

    kind: ClassVar[str] = "descriptor"
    cost: ClassVar[int] = 3
    descriptor: Descriptor
    values: tuple[str, ...]
    excluding: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        # Metadata values repeat a lot (list choices, checklists): the index gives each row
        # a code per distinct value, and each distinct value is tested once. Checklists
        # would otherwise parse JSON on every row. (Only task rows carry entity_data, the
        # fallback: a no-op for shots and assets.)
        codes, values = index.descriptor_codes(self.descriptor.field_name, self.descriptor.entity_type != "Task")
        test, excluding = self._tester(), self.excluding
        if len(values) <= len(positions):
            keep = [_matches(value, test) is not excluding for value in values]
            return [i for i in positions if keep[codes[i]]]
        memo: dict[int, bool] = {}  # few rows left: test only their values
        out = []
        for i in positions:
            code = codes[i]
            ok = memo.get(code)
            if ok is None:
                ok = memo[code] = _matches(values[code], test) is not excluding
            if ok:
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


def _matches(value: object, test: Callable[[object], bool]) -> bool:
    """Whether a descriptor value passes `test` (strings are tested lower-cased)."""
    if isinstance(value, str) and value:
        return test(value.lower())
    if is_number(value):
        # NaN is falsy (never matches); 0 is accepted explicitly.
        return (value == 0 or is_truthy(value)) and test(value)
    return is_truthy(value) and test(value)  # missing, null, "", false never match


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

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        column, ids, excluding = index.row_field("departments"), self.department_ids, self.excluding
        out = []
        for i in positions:
            departments = column[i]
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

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        column = index.row_field("preview_file_id")
        if self.excluding:
            return [i for i in positions if column[i] in ("", None)]
        return [i for i in positions if column[i] not in ("", None)]


@dataclass(frozen=True, slots=True)
class PriorityFilter(Filter):
    """`priority-TaskType=D`: the task of that type exists and its priority === D."""

    kind: ClassVar[str] = "priority"
    task_type_id: str
    value: float

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        column = index.task_field(self.task_type_id, "priority")  # None without a task
        # An int compares faster with the (int) priorities than a float does.
        wanted = int(self.value) if self.value.is_integer() else self.value
        # JSON priorities are int/float/bool/str/None...: `==` plus "not a bool" is JS ===.
        return [
            i
            for i in positions
            if (priority := column[i]) == wanted and priority is not True and priority is not False
        ]


@dataclass(frozen=True, slots=True)
class ReadyForFilter(Filter):
    """`readyfor=TaskType`: the row's `ready_for` is that task type."""

    kind: ClassVar[str] = "readyfor"
    cost: ClassVar[int] = 1
    task_type_id: str

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        column, wanted = index.row_field("ready_for"), self.task_type_id
        # `wanted` is a str, and == with a str only holds for an equal str: that is ===.
        return [i for i in positions if column[i] == wanted]


@dataclass(frozen=True, slots=True)
class AssetsReadyFilter(Filter):
    """`assetsready=TaskType`: a task of that type has nb_assets_ready === nb_entities_out."""

    kind: ClassVar[str] = "assetsready"
    cost: ClassVar[int] = 4
    task_type_id: str
    excluding: bool

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        outs = index.row_field("nb_entities_out", MISSING)
        types = index.row_task_field("task_type_id", every_task=True)
        ready = index.row_task_field("nb_assets_ready", MISSING, every_task=True)
        type_id, excluding = self.task_type_id, self.excluding
        out = []
        for i in positions:
            wanted = outs[i]
            # JS `x <= 0`: null counts as 0 (no cast: only the negated form passes), while a
            # missing value compares false and falls through to the === test below.
            if to_number(wanted) <= 0:
                if excluding:
                    out.append(i)
                continue
            ok = False
            for task_type, nb_ready in zip(types[i], ready[i], strict=True):
                if task_type == type_id and strict_equal(nb_ready, wanted):
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

    def select(self, index: BaseIndex, positions: Sequence[int]) -> list[int]:
        if not self.keyword or "=" in self.keyword:
            return list(positions)
        excluded = set(index.search(self.keyword, positions))
        return [i for i in positions if i not in excluded]
