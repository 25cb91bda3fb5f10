"""The hook between a list's filter box and whatever decides which rows match.

The list models never filter themselves: they ask a `RowFilter` for the matching row positions of the
loaded `WithTasksTable` and show those. Today's filter is a plain case-insensitive substring match
(`SubstringFilter`); the Kitsu filter language (`desktop.filtering`, issue 6) plugs in by providing
another `RowFilterFactory`:

    def kitsu_factory(scope: FilterScope) -> RowFilter: ...   # build the page context once per project
    window.set_row_filter_factory(kitsu_factory)                # every entity pane now uses it

`kitsu_filter_factory` (the default, `default_filter_factory`) plugs the Kitsu filter language
(`desktop.filtering`) in: it builds the page context once per scope, indexes the columnar table's rows
incrementally (`desktop.filtering.TableColumns`: as they stream in, ahead of time in slices through
`KitsuFilter.prepare`, or at the first query), compiles each query text once, and falls back to
`SubstringFilter` only if the engine itself raises.

A `RowFilter` is called with the whole table on every query change and after every streamed batch;
it may cache per-table work (an index) keyed on the table object and its length. It must be fast
(it runs on the UI thread) and must never raise on any text: return `hints` to explain odd queries.
"""

from __future__ import annotations

import operator
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, cast

from desktop.api.records import Project, WithTasksTable
from desktop.filtering import CompiledFilter, FilterContext, TableColumns, TableIndex, compile_query
from desktop.models.lookups import Lookups


@dataclass(frozen=True)
class FilterResult:
    rows: Collection[int] | None  # positions in table.rows that match; None means every row
    hints: tuple[str, ...] = ()  # shown under the filter box ("unknown task type: anmi")


@dataclass(frozen=True)
class FilterScope:
    """What a filter may need to understand a query on one page: the kind, the project, the names."""

    kind: str  # "shot" or "asset"
    project: Project | None
    lookups: Lookups
    extra: dict[str, Any] = field(default_factory=dict)


class RowFilter(Protocol):
    def __call__(self, table: WithTasksTable, query: str) -> FilterResult: ...


def forget_rows(row_filter: RowFilter, table: WithTasksTable, first: int, last: int) -> None:
    """Tell a filter that rows `first..last` of `table` were edited in place (its per-row cache is stale).
    Filters without a cache need not implement `rows_edited`."""
    hook = getattr(row_filter, "rows_edited", None)
    if hook is not None:
        hook(table, first, last)


RowFilterFactory = Callable[[FilterScope], RowFilter]

SEARCH_FIELDS = ("name", "sequence_name", "episode_name", "asset_type_name", "description")


class SubstringFilter:
    """Case-insensitive substring over each row's names and description (all query words must match).

    The lower-cased haystack of each row is built once and extended as streamed rows arrive, so a
    keystroke on 10,000 rows is one `in` test per row and word.
    """

    def __init__(self, fields: tuple[str, ...] = SEARCH_FIELDS) -> None:
        self.fields = fields
        self._table: WithTasksTable | None = None
        self._hay: list[str] = []

    def _haystacks(self, table: WithTasksTable) -> list[str]:
        if table is not self._table:
            self._table, self._hay = table, []
        rows = table.rows
        if len(self._hay) < len(rows):
            positions = [table.col(f) for f in self.fields if table.has(f)]
            self._hay.extend(
                "\x00".join(str(row[p]) for p in positions if p < len(row) and row[p]).lower()
                for row in rows[len(self._hay):]
            )
        elif len(self._hay) > len(rows):
            del self._hay[len(rows):]
        return self._hay

    def rows_edited(self, table: WithTasksTable, first: int, last: int) -> None:
        if table is self._table:
            del self._hay[first:]  # rebuilt from `first` on the next query (edits are rare)

    def __call__(self, table: WithTasksTable, query: str) -> FilterResult:
        words = query.lower().split()
        if not words:
            return FilterResult(None)
        hay = self._haystacks(table)
        if len(words) == 1:
            word = words[0]
            return FilterResult([i for i, h in enumerate(hay) if word in h])
        return FilterResult([i for i, h in enumerate(hay) if all(w in h for w in words)])


def substring_filter_factory(scope: FilterScope) -> RowFilter:
    del scope
    return SubstringFilter()


# ---------------------------------------------------------------------------- Kitsu filter language
def context_for_scope(scope: FilterScope) -> FilterContext:
    """The engine's page context from what a pane knows: its lookups narrowed to the project."""
    lk, project = scope.lookups, scope.project

    def scoped(items: Mapping[str, Any], allowed: tuple[str, ...] | None) -> list[Any]:
        values = list(items.values())
        if not allowed:
            return values
        wanted = set(allowed)
        return [item for item in values if item.id in wanted]

    task_types = [{"id": t.id, "name": t.name, "for_entity": t.for_entity}
                  for t in scoped(lk.task_types, project.task_types if project else None)]
    statuses = [{"id": s.id, "short_name": s.short_name}
                for s in scoped(lk.statuses, project.task_statuses if project else None)]
    asset_types = [{"id": a.id, "name": a.name}
                   for a in scoped(lk.asset_types, project.asset_types if project else None)]
    persons = [{"id": p.id, "first_name": p.first_name, "last_name": p.last_name, "email": p.email}
               for p in lk.persons.values()]
    descriptors = [{"id": d.id, "name": d.name, "field_name": d.field_name, "data_type": d.data_type,
                    "entity_type": d.entity_type} for d in (project.descriptors if project else ())]
    return FilterContext.for_page("shot" if scope.kind == "shot" else "asset", task_types=task_types,
                                  task_statuses=statuses, asset_types=asset_types, descriptors=descriptors,
                                  persons=persons)


# The dict-row adapter: a columnar table as the row dicts and task map of `desktop.filtering.Index`.
# The pane's filter does not use it (it reads the positional rows through `TableColumns`); it is the
# reference the columnar index is checked against (tests/filtering/test_table_index.py).
# The row and task fields the engine reads (desktop/filtering/filters.py).
ENGINE_ROW_FIELDS = ("id", "name", "sequence_name", "episode_name", "asset_type_name", "asset_type_id", "data",
                     "preview_file_id", "ready_for", "departments", "email", "first_name", "last_name",
                     "nb_entities_out")
ENGINE_TASK_FIELDS = ("id", "task_type_id", "task_status_id", "assignees", "priority", "nb_assets_ready")


class LazyTaskMap(Mapping[Any, Mapping[str, Any]]):
    """Task id -> task dict, built from the table's positional task rows on first use.

    Adapting 80,000 tasks up front costs a quarter of a second; most queries touch one or two task
    types, so the engine's `tasks.get` builds (and caches) only the dicts it reads.
    """

    def __init__(self, task_fields: tuple[str, ...]) -> None:
        pos = [(name, task_fields.index(name)) for name in ENGINE_TASK_FIELDS if name in task_fields]
        self._names = tuple(name for name, _ in pos)
        self._positions = tuple(p for _, p in pos)
        self._width = max(self._positions, default=-1)
        self._getter = operator.itemgetter(*self._positions) if len(pos) > 1 else None
        self.raw: dict[Any, Sequence[Any]] = {}
        self._built: dict[Any, Mapping[str, Any]] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        task = self._built.get(key)
        if task is not None:
            return task
        row = self.raw.get(key)
        if row is None:
            return default
        if self._getter is not None and len(row) > self._width:
            task = dict(zip(self._names, self._getter(row), strict=True))
        else:
            task = {name: row[p] for name, p in zip(self._names, self._positions, strict=True) if p < len(row)}
        self._built[key] = task
        return task

    def forget(self, key: Any) -> None:
        self.raw.pop(key, None)
        self._built.pop(key, None)

    def __getitem__(self, key: Any) -> Mapping[str, Any]:
        task = self.get(key)
        if task is None:
            raise KeyError(key)
        return cast(Mapping[str, Any], task)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def table_to_engine_rows(table: WithTasksTable, start: int = 0, tasks: LazyTaskMap | None = None
                         ) -> tuple[list[dict[str, Any]], LazyTaskMap]:
    """Rows `start:` of a columnar table as the engine's row dicts (`tasks` ids + `validations`), and
    the task map (`tasks` extended, or a new one). The last task of a type wins, as in Kitsu's stores.
    Only the fields the engine reads are copied (`ENGINE_ROW_FIELDS`, `ENGINE_TASK_FIELDS`)."""
    efields, tfields = table.entity_fields, table.task_fields
    task_map = LazyTaskMap(tfields) if tasks is None else tasks
    raw = task_map.raw
    epos = [(name, efields.index(name)) for name in ENGINE_ROW_FIELDS if name in efields]
    enames = tuple(name for name, _ in epos)
    eget = operator.itemgetter(*(p for _, p in epos)) if len(epos) > 1 else None
    ewidth = max([p for _, p in epos], default=-1)
    tasks_pos = efields.index("tasks") if "tasks" in efields else -1
    tid_pos = tfields.index("id") if "id" in tfields else -1
    ttype_pos = tfields.index("task_type_id") if "task_type_id" in tfields else -1
    key_width = max(tid_pos, ttype_pos)
    out: list[dict[str, Any]] = []
    for row in table.rows[start:]:
        n = len(row)
        if eget is not None and n > ewidth:
            entity = dict(zip(enames, eget(row), strict=True))
        else:
            entity = {name: row[p] for name, p in epos if p < n}
        ids: list[Any] = []
        validations: dict[Any, Any] = {}
        raw_tasks = row[tasks_pos] if 0 <= tasks_pos < n else None
        if isinstance(raw_tasks, list) and tid_pos >= 0:
            for task_row in raw_tasks:
                if len(task_row) <= key_width:
                    continue
                task_id = task_row[tid_pos]
                raw[task_id] = task_row
                ids.append(task_id)
                if ttype_pos >= 0:
                    validations[task_row[ttype_pos]] = task_id
        entity["tasks"] = ids
        entity["validations"] = validations
        out.append(entity)
    return out, task_map


class KitsuFilter:
    """The Kitsu filter language over a pane's table (see `desktop.filtering`).

    Per table it keeps a `TableColumns` (the rows' haystacks, tasks by type and the columns filters
    read, built incrementally) and a `TableIndex` over its rows; rows not indexed yet (all of them
    after a load, or a streamed batch) are indexed ahead of the first query by `prepare`, else by the
    query, for what it reads. Compiled queries are cached by text, so a keystroke is one
    `compile_query` (first time only) and one `select`. Diagnostics become the hints. The indexed
    values are a snapshot, re-read for the rows the model reports edited (`rows_edited`).
    """

    CACHE_SIZE = 64
    WARM_ROWS = 1000  # rows per warm-up step of one column (under a millisecond for a status column)

    def __init__(self, scope: FilterScope) -> None:
        self.scope = scope
        self.context = context_for_scope(scope)
        self._table: WithTasksTable | None = None
        self._columns: TableColumns | None = None
        self._index: TableIndex | None = None
        self._warm: list[Callable[[int], int]] = []
        self._warmed = 0  # rows the warm-up list was made for
        self._compiled: OrderedDict[str, CompiledFilter] = OrderedDict()
        self._fallback = SubstringFilter()

    def columns(self, table: WithTasksTable) -> TableColumns:
        """This filter's columns for `table` (new ones when the table, or its row list, changed or
        shrank); rows not indexed yet stay pending."""
        columns = self._columns
        if columns is None or table is not self._table or columns.rows is not table.rows or columns.stale:
            self._table, self._index, self._warm, self._warmed = table, None, [], 0
            columns = self._columns = TableColumns(self.context.entity, table.entity_fields, table.task_fields,
                                                   table.rows)
        return columns

    def index(self, table: WithTasksTable) -> TableIndex:
        """The index of every row of `table`: what a query reads of rows not indexed yet is indexed when
        it reads it (the haystacks for keywords, the tasks for task filters)."""
        columns = self.columns(table)
        if self._index is None or len(self._index) != len(table.rows):
            self._index = TableIndex(columns)
        return self._index

    def prepare(self, table: WithTasksTable, budget_s: float = 0.004) -> bool:
        """Build this filter's data for `table` ahead of the first query, one bounded slice at a time.

        Indexes the rows not indexed yet (rows streamed in since the last call too), then builds the
        columns typical queries read (each task type's statuses, `status=`, the page's metadata
        fields), until about `budget_s` seconds have passed; one step at least (a step is a chunk of
        250 rows or a column over 1,000 rows: 1-2 ms here). Returns True while work remains (call it
        again on a later event-loop turn), False once a query would find everything built. Meant for a
        0 ms QTimer that runs it until it returns False, (re)started when rows arrive or the table is
        replaced; cheap when nothing remains; never raises. 10,000 shots x 8 tasks: ~30 slices.
        """
        try:
            deadline = time.perf_counter() + budget_s
            columns = self.columns(table)
            worked = columns.pending > 0
            if columns.build(deadline):
                return True
            if self._warmed != columns.count:
                self._warm, self._warmed = self._warm_steps(columns), columns.count
            while self._warm:
                if worked and time.perf_counter() >= deadline:
                    return True
                step = self._warm[-1]
                if step(min(columns.count, step(0) + self.WARM_ROWS)) >= columns.count:
                    self._warm.pop()
                worked = True
            return False
        except Exception:  # a warm-up must never take the list down; the query will say what is wrong
            return False

    def _warm_steps(self, columns: TableColumns) -> list[Callable[[int], int]]:
        """Steps building the columns typical queries read: `step(upto)` extends its column to `upto`
        rows and returns its length (`step(0)` only reads it)."""
        steps: list[Callable[[int], int]] = []
        entity = self.context.entity
        for descriptor in reversed(self.context.descriptors):
            if descriptor.entity_type.lower() == entity:
                fallback = descriptor.entity_type != "Task"
                steps.append(partial(_warm_descriptor, columns, descriptor.field_name, fallback))
        steps.append(partial(_warm_any_status, columns))
        for task_type in reversed(self.context.task_types):
            steps.append(partial(_warm_statuses, columns, task_type.id))
        return steps  # popped from the end: statuses first, in the page's task type order

    def rows_edited(self, table: WithTasksTable, first: int, last: int) -> None:
        columns = self._columns
        if table is self._table and columns is not None and columns.rows is table.rows and not columns.stale:
            columns.refresh(first, last)  # rows not indexed yet are read when they are

    def compiled(self, query: str) -> CompiledFilter:
        hit = self._compiled.get(query)
        if hit is None:
            hit = self._compiled[query] = compile_query(query, self.context)
            if len(self._compiled) > self.CACHE_SIZE:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(query)
        return hit

    def __call__(self, table: WithTasksTable, query: str) -> FilterResult:
        if not query.strip():
            return FilterResult(None)
        try:
            compiled = self.compiled(query)
            hints = tuple(d.message for d in compiled.diagnostics)
            if compiled.matches_everything:
                return FilterResult(None, hints)
            return FilterResult(compiled.select(self.index(table)), hints)
        except Exception as exc:  # the engine must never take the list down: plain substring instead
            result = self._fallback(table, query)
            return FilterResult(result.rows, (*result.hints, f"Filter error ({exc}); matching plain text instead"))


def _warm_statuses(columns: TableColumns, task_type_id: str, upto: int) -> int:
    return len(columns.task_field(task_type_id, "task_status_id", upto))


def _warm_any_status(columns: TableColumns, upto: int) -> int:
    return len(columns.row_task_field("task_status_id", None, False, upto))  # what `status=` reads


def _warm_descriptor(columns: TableColumns, field: str, fallback: bool, upto: int) -> int:
    return len(columns.descriptor_codes(field, fallback, upto).codes)


def kitsu_filter_factory(scope: FilterScope) -> RowFilter:
    return KitsuFilter(scope)


default_filter_factory: RowFilterFactory = kitsu_filter_factory
