"""The hook between a list's filter box and whatever decides which rows match.

The list models never filter themselves: they ask a `RowFilter` for the matching row positions of the
loaded `WithTasksTable` and show those. Today's filter is a plain case-insensitive substring match
(`SubstringFilter`); the Kitsu filter language (`desktop.filtering`, issue 6) plugs in by providing
another `RowFilterFactory`:

    def kitsu_factory(scope: FilterScope) -> RowFilter: ...   # build the page context once per project
    window.set_row_filter_factory(kitsu_factory)                # every entity pane now uses it

`kitsu_filter_factory` (the default, `default_filter_factory`) plugs the Kitsu filter language
(`desktop.filtering`) in: it builds the page context once per scope, adapts the columnar table into
the engine's row dicts and `Index` once per table growth, compiles each query text once, and falls
back to `SubstringFilter` only if the engine itself raises.

A `RowFilter` is called with the whole table on every query change and after every streamed batch;
it may cache per-table work (an index) keyed on the table object and its length. It must be fast
(it runs on the UI thread) and must never raise on any text: return `hints` to explain odd queries.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from desktop.api.records import Project, WithTasksTable
from desktop.filtering import CompiledFilter, FilterContext, Index, compile_query
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


# The row and task fields the engine reads (desktop/filtering/index.py and filters.py); adapting only
# these keeps the one-off adaptation of 10,000 shots x 8 tasks cheap.
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

    Per table it keeps the adapted row dicts and the `Index`, rebuilt only when rows are added (a
    streamed batch) or the table is replaced; compiled queries are cached by text, so a keystroke is
    one `compile_query` (first time only) and one `select`. Diagnostics become the hints. Row dicts and the task
    dicts already read are a snapshot, refreshed for the rows the model reports edited (`rows_edited`).
    """

    CACHE_SIZE = 64

    def __init__(self, scope: FilterScope) -> None:
        self.scope = scope
        self.context = context_for_scope(scope)
        self._table: WithTasksTable | None = None
        self._rows: list[dict[str, Any]] = []
        self._tasks: LazyTaskMap | None = None
        self._index: Index | None = None
        self._compiled: OrderedDict[str, CompiledFilter] = OrderedDict()
        self._fallback = SubstringFilter()

    def index(self, table: WithTasksTable) -> Index:
        n = len(table.rows)
        if table is not self._table or n < len(self._rows):
            self._table, self._rows, self._tasks, self._index = table, [], None, None
        if self._index is None or n != len(self._rows):
            if n != len(self._rows) or self._tasks is None:  # else only edited rows were re-adapted
                rows, self._tasks = table_to_engine_rows(table, len(self._rows), self._tasks)
                self._rows.extend(rows)
            self._index = Index(self.context.entity, self._rows, self._tasks)
        return self._index

    def rows_edited(self, table: WithTasksTable, first: int, last: int) -> None:
        if table is not self._table or self._tasks is None:
            return
        last = min(last, len(self._rows) - 1)
        for r in range(first, last + 1):
            # Re-adapt the edited rows (their tasks too: a status change replaces the task row) and
            # rebuild the index on the next query.
            for task_id in self._rows[r].get("tasks", ()):
                self._tasks.forget(task_id)
            fresh = WithTasksTable(table.kind, table.entity_fields, table.task_fields, [table.rows[r]])
            rows, _ = table_to_engine_rows(fresh, 0, self._tasks)
            self._rows[r] = rows[0]
        self._index = None

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


def kitsu_filter_factory(scope: FilterScope) -> RowFilter:
    return KitsuFilter(scope)


default_filter_factory: RowFilterFactory = kitsu_filter_factory
