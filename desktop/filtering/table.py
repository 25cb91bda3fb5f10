"""An incremental, columnar index over Zou's compact with-tasks rows (what the panes filter).

The rows are positional, as `desktop.api.records.WithTasksTable` keeps them:
`rows[i][entity_fields.index(name)]` is a value and the row's `tasks` holds task rows
positional by `task_fields`. `TableColumns` keeps, for one such list, what the filters read:

* indexed row by row, incrementally (`build`: in bounded slices while rows stream in or in idle
  time; or, for what a query reads, when it first reads it): each row's search haystack, and
  its task of each type (the *last* task of a type wins, as in Kitsu's stores; task rows too
  short to hold their id and type are left out, they could not be looked up);
* built on first use, then cached and extended as rows are added: the columns the filters
  ask for (the status of each row's Layout task, the codes of a metadata field, ...), each
  one list comprehension over the rows.

Values are a snapshot of the rows: after rows are edited in place, `refresh(first, last)`
re-reads them (and patches every cached column at those positions). `TableIndex` is the
`BaseIndex` of the first `n` rows of a `TableColumns`; it shares the columns' caches, so a
new one after a streamed batch costs nothing.

Results are those of `Index` over the same rows adapted to dicts (`tasks` ids and
`validations` {task_type_id: task_id}, last of a type wins) with their task map.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from operator import itemgetter, methodcaller
from typing import Any

from desktop.filtering.context import ENTITY_KINDS, EntityKind
from desktop.filtering.index import (
    WORD_FIELDS,
    WORD_SEPARATOR,
    BaseIndex,
    Factorizer,
    descriptor_values,
    flatten_items,
    words_function,
)
from desktop.filtering.jscompat import to_js_string

PositionalRow = Sequence[Any]
_NO_TASKS: Mapping[Any, PositionalRow] = {}  # shared by rows without tasks; never mutated
_Compute = Callable[[int, int], list[Any]]


def _positions(fields: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, name in enumerate(fields):
        out.setdefault(name, i)  # the first of a repeated name, as tuple.index finds it
    return out


def _lower(value: object) -> str:
    return to_js_string(value).lower()


class TableColumns:
    """The filter data of one list of positional rows, built incrementally (module docstring).

    `rows` is the table's own list, kept by reference: rows appended to it are indexed by the
    next `build`. A list that shrank (`stale`) needs a new `TableColumns`.
    """

    CHUNK = 250  # rows per step of `build`: a fraction of a millisecond

    def __init__(
        self,
        entity: EntityKind,
        entity_fields: Sequence[str],
        task_fields: Sequence[str],
        rows: Sequence[PositionalRow],
    ) -> None:
        if entity not in ENTITY_KINDS:
            raise ValueError(f"unknown entity kind {entity!r}")
        self.entity: EntityKind = entity
        self.rows = rows
        self.entity_fields = tuple(entity_fields)
        self.task_fields = tuple(task_fields)
        self._epos = _positions(self.entity_fields)
        self._tpos = _positions(self.task_fields)
        self._tasks_at = self._epos.get("tasks", -1)
        task_id_at = self._tpos.get("id", -1)
        self._type_at = self._tpos.get("task_type_id", -1)
        self._key_width = max(task_id_at, self._type_at)
        self._with_tasks = self._tasks_at >= 0 and task_id_at >= 0
        self._null_task: PositionalRow = (None,) * len(self.task_fields)  # "no task": every field null
        self._words_of = words_function(entity)
        word_fields = [(name, self._epos[name]) for name in WORD_FIELDS[entity] if name in self._epos]
        self._word_names = tuple(name for name, _ in word_fields)
        self._word_pos = tuple(pos for _, pos in word_fields)
        # Two parts, each indexed on first need (or by `build`): the haystacks (keywords) and the
        # tasks (task filters), so a query without keywords does not wait for the haystacks.
        self.haystacks: list[str] = []
        self.by_type: list[Mapping[Any, PositionalRow]] = []  # per row: task type id -> its task row
        self.tasks: list[Sequence[PositionalRow]] = []  # per row: its task rows
        self._columns: dict[tuple[Any, ...], tuple[list[Any], _Compute]] = {}
        self._factorized: dict[tuple[str, bool], Factorizer] = {}

    # ------------------------------------------------------------------------------ building
    @property
    def count(self) -> int:
        """Rows fully indexed: `rows[:count]`."""
        return min(len(self.haystacks), len(self.by_type))

    @property
    def pending(self) -> int:
        """Rows of `rows` not fully indexed yet."""
        return max(0, len(self.rows) - self.count)

    @property
    def stale(self) -> bool:
        """The row list shrank: these columns no longer describe it."""
        return len(self.rows) < max(len(self.haystacks), len(self.by_type))

    def build(self, deadline: float | None = None) -> bool:
        """Index the rows not indexed yet, `CHUNK` rows at a time, until all are or `deadline`
        (a `time.perf_counter()` value) has passed; at least one chunk. True while rows remain."""
        rows = self.rows
        while self.count < len(rows):
            stop = min(len(rows), self.count + self.CHUNK)
            self.index_haystacks(stop)
            self.index_tasks(stop)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return self.count < len(rows)

    # Both index `CHUNK` rows at a time even when asked for many: the several whole-chunk passes then
    # find the chunk's rows still in the CPU caches (much faster than passes over 10,000 rows).
    def index_haystacks(self, upto: int) -> list[str]:
        """The haystacks, indexed up to row `upto` at least."""
        haystacks, rows = self.haystacks, self.rows
        for start in range(len(haystacks), upto, self.CHUNK):
            haystacks.extend(self._haystacks_of(rows[start:min(upto, start + self.CHUNK)]))
        return haystacks

    def index_tasks(self, upto: int) -> None:
        """Index the rows' tasks up to row `upto` at least."""
        rows = self.rows
        for start in range(len(self.by_type), upto, self.CHUNK):
            by_type, tasks = self._tasks_of(rows[start:min(upto, start + self.CHUNK)])
            self.by_type.extend(by_type)
            self.tasks.extend(tasks)

    def refresh(self, first: int, last: int) -> None:
        """Rows `first..last` were edited in place: re-read them, and patch the cached columns."""
        first = max(0, first)
        end = min(last + 1, len(self.haystacks))  # rows not indexed yet are read when they are
        if first < end:
            self.haystacks[first:end] = self._haystacks_of(self.rows[first:end])
        end = min(last + 1, len(self.by_type))
        if first < end:
            self.by_type[first:end], self.tasks[first:end] = self._tasks_of(self.rows[first:end])
        stop = last + 1
        for column, compute in self._columns.values():
            if len(column) > first:
                end = min(stop, len(column))
                column[first:end] = compute(first, end)
        for (field, fallback), factorizer in self._factorized.items():
            if len(factorizer.codes) > first:
                end = min(stop, len(factorizer.codes))
                factorizer.codes[first:end] = factorizer.encode(self._descriptor_values(field, fallback, first, end))

    def _word_values(self, chunk: Sequence[PositionalRow]) -> list[tuple[Any, ...]]:
        """Per row, the values of the fields its words are made of (None where it has none)."""
        pos = self._word_pos
        if not pos:
            return [()] * len(chunk)
        if chunk and min(map(len, chunk)) > max(pos):
            if len(pos) == 1:
                return [(value,) for value in map(itemgetter(pos[0]), chunk)]
            return list(map(itemgetter(*pos), chunk))
        return [tuple(row[p] if p < len(row) else None for p in pos) for row in chunk]

    def _haystacks_of(self, chunk: Sequence[PositionalRow]) -> list[str]:
        if self.entity == "shot":
            # shot_words inlined: each non-empty field is one lower-cased word. Lower-casing
            # the joined string is the same as lower-casing each word: the separator is not
            # a cased or case-ignorable character, so it even ends a final sigma like the
            # end of a word does.
            fast = self._shot_haystacks(chunk)
            if fast is not None:
                return fast
        values = self._word_values(chunk)
        if self.entity == "shot":
            out: list[str] = []
            for vals in values:
                try:
                    out.append(WORD_SEPARATOR.join([v for v in vals if v]).lower())
                except TypeError:  # a non-string value: JS String() it
                    out.append(WORD_SEPARATOR.join([_lower(v) for v in vals if v]))
            return out
        names, words_of = self._word_names, self._words_of
        return [WORD_SEPARATOR.join(words_of(dict(zip(names, vals, strict=True)))) for vals in values]

    def _shot_haystacks(self, chunk: Sequence[PositionalRow]) -> list[str] | None:
        """The shot haystacks in whole-column C-level passes, when each word field is either a
        non-empty string on every row or empty on every row (the usual case); else None."""
        pos = self._word_pos
        if not chunk or not pos or min(map(len, chunk)) <= max(pos):
            return None
        words: list[list[Any]] = []
        for p in pos:
            column = list(map(itemgetter(p), chunk))
            kinds = set(map(type, column))
            if kinds == {str} and "" not in column:
                words.append(column)
            elif kinds <= {str, type(None)} and not any(column):
                continue  # empty everywhere: no word
            else:
                return None
        if not words:
            return [""] * len(chunk)
        if len(words) == 1:
            return list(map(str.lower, words[0]))
        return list(map(str.lower, map(WORD_SEPARATOR.join, zip(*words, strict=True))))

    def _tasks_of(
        self, chunk: Sequence[PositionalRow]
    ) -> tuple[list[Mapping[Any, PositionalRow]], list[Sequence[PositionalRow]]]:
        # The bulk of the indexing (80,000 tasks for 10,000 shots): whole-chunk passes, no per-task
        # length check unless a task row turns out too short (IndexError) or could be (see below).
        if not self._with_tasks:
            return [_NO_TASKS] * len(chunk), [()] * len(chunk)
        at = self._tasks_at
        lists: list[Any]
        if chunk and min(map(len, chunk)) > at:
            lists = list(map(itemgetter(at), chunk))
        else:
            lists = [row[at] if len(row) > at else None for row in chunk]
        if set(map(type, lists)) != {list}:
            lists = [tasks if isinstance(tasks, list) else () for tasks in lists]  # null: no tasks
        type_at, key_width = self._type_at, self._key_width
        if type_at < key_width:
            # A task row could hold its type but not its id (an id placed after the type): check.
            lists = self._without_short_tasks(lists)
        if type_at < 0:
            return [_NO_TASKS] * len(chunk), lists
        # The comprehension keeps the last task of a type, as Kitsu's stores do.
        try:
            by_type = [{task[type_at]: task for task in tasks} if tasks else _NO_TASKS for tasks in lists]
        except IndexError:  # a task row without its type
            lists = self._without_short_tasks(lists)
            by_type = [{task[type_at]: task for task in tasks} if tasks else _NO_TASKS for tasks in lists]
        return by_type, lists

    def _without_short_tasks(self, lists: list[Any]) -> list[Any]:
        """The task lists without the task rows too short to hold their id and type."""
        width = self._key_width
        if min(map(len, chain.from_iterable(lists)), default=width + 1) > width:
            return lists
        return [[task for task in tasks if len(task) > width] for tasks in lists]

    # ------------------------------------------------------------------------------ columns
    def _column(self, key: tuple[Any, ...], upto: int, compute: _Compute) -> list[Any]:
        """The cached column `key`, extended to at least `upto` rows by `compute(start, stop)`."""
        entry = self._columns.get(key)
        if entry is None:
            # Stored once computed: columns computed from other columns come after them, the order
            # `refresh` patches them in.
            column = compute(0, upto)
            self._columns[key] = (column, compute)
            return column
        column = entry[0]
        if len(column) < upto:
            column.extend(entry[1](len(column), upto))
        return column

    def row_field(self, name: str, default: object, upto: int) -> list[Any]:
        at = self._epos.get(name)

        def compute(start: int, stop: int) -> list[Any]:
            if at is None:
                return [default] * (stop - start)
            rows = self.rows[start:stop]
            if rows and min(map(len, rows)) > at:
                return list(map(itemgetter(at), rows))
            return [row[at] if len(row) > at else default for row in rows]

        return self._column(("row", name, default), upto, compute)

    def tasks_of_type(self, task_type_id: str, upto: int) -> list[PositionalRow]:
        """Per row, its task row of that type, or a row of nulls (`task_fields` long) without one."""
        lookup = methodcaller("get", task_type_id, self._null_task)

        def compute(start: int, stop: int) -> list[Any]:
            self.index_tasks(stop)
            return list(map(lookup, self.by_type[start:stop]))

        return self._column(("type", task_type_id), upto, compute)

    def task_field(self, task_type_id: str, field: str, upto: int) -> list[Any]:
        at = self._tpos.get(field)

        def compute(start: int, stop: int) -> list[Any]:
            if at is None:
                return [None] * (stop - start)
            tasks = self.tasks_of_type(task_type_id, stop)[start:stop]
            try:
                return list(map(itemgetter(at), tasks))
            except IndexError:  # some task row lacks trailing fields
                return [task[at] if len(task) > at else None for task in tasks]

        return self._column(("task", task_type_id, field), upto, compute)

    def row_task_field(self, field: str, default: object, every_task: bool, upto: int) -> list[tuple[Any, ...]]:
        at = self._tpos.get(field)

        def compute(start: int, stop: int) -> list[Any]:
            self.index_tasks(stop)
            per_row: Sequence[Iterable[PositionalRow]] = (
                self.tasks[start:stop] if every_task else [tasks.values() for tasks in self.by_type[start:stop]]
            )
            if at is None:
                return [tuple(default for _ in tasks) for tasks in per_row]
            get = itemgetter(at)
            try:
                return [tuple(map(get, tasks)) for tasks in per_row]
            except IndexError:  # some task row lacks trailing fields
                return [tuple(t[at] if len(t) > at else default for t in tasks) for tasks in per_row]

        return self._column(("tasks", field, default, every_task), upto, compute)

    def row_task_items(self, field: str, every_task: bool, upto: int) -> list[tuple[Any, ...]]:
        at = self._tpos.get(field)

        def compute(start: int, stop: int) -> list[Any]:
            if at is None:
                return [()] * (stop - start)
            self.index_tasks(stop)
            per_row: Sequence[Iterable[PositionalRow]] = (
                self.tasks[start:stop] if every_task else [tasks.values() for tasks in self.by_type[start:stop]]
            )
            get = itemgetter(at)
            try:
                return [tuple(chain.from_iterable(filter(None, map(get, tasks)))) for tasks in per_row]
            except IndexError:  # some task row lacks trailing fields
                return flatten_items(self.row_task_field(field, None, every_task, stop)[start:stop])

        return self._column(("items", field, every_task), upto, compute)

    def ids(self, upto: int) -> list[str]:
        at = self._epos.get("id")

        def compute(start: int, stop: int) -> list[Any]:
            if at is None:
                return [to_js_string(None)] * (stop - start)
            values = [row[at] if len(row) > at else None for row in self.rows[start:stop]]
            return [value if type(value) is str else to_js_string(value) for value in values]

        return self._column(("ids",), upto, compute)

    def words(self, upto: int) -> list[tuple[str, ...]]:
        names, words_of = self._word_names, self._words_of

        def compute(start: int, stop: int) -> list[Any]:
            values = self._word_values(self.rows[start:stop])
            return [tuple(words_of(dict(zip(names, vals, strict=True)))) for vals in values]

        return self._column(("words",), upto, compute)

    def _descriptor_values(self, field: str, fallback: bool, start: int, stop: int) -> list[object]:
        data = self.row_field("data", None, stop)[start:stop]
        # Without an entity_data field every row reads as missing: nothing to fall back to.
        extra = None
        if fallback and "entity_data" in self._epos:
            extra = self.row_field("entity_data", None, stop)[start:stop]
        return descriptor_values(data, extra, field)

    def descriptor_codes(self, field: str, fallback: bool, upto: int) -> Factorizer:
        factorizer = self._factorized.get((field, fallback))
        if factorizer is None:
            factorizer = self._factorized[(field, fallback)] = Factorizer()
        have = len(factorizer.codes)
        if have < upto:
            factorizer.extend(self._descriptor_values(field, fallback, have, upto))
        return factorizer


class TableIndex(BaseIndex):
    """The index (`BaseIndex`) of the first `n` rows of a `TableColumns` (all the rows of its list
    by default). What a query reads is indexed, or computed, on first use (rows a `build` has
    not reached yet too) and shared with every other view."""

    __slots__ = ("_n", "columns", "entity")

    def __init__(self, columns: TableColumns, n: int | None = None) -> None:
        self.columns = columns
        self.entity: EntityKind = columns.entity
        total = len(columns.rows)
        self._n = total if n is None else max(0, min(n, total))

    def __len__(self) -> int:
        return self._n

    def _upto(self, column: list[Any]) -> list[Any]:
        return column if len(column) == self._n else column[: self._n]

    @property
    def ids(self) -> Sequence[str]:
        return self._upto(self.columns.ids(self._n))

    @property
    def words(self) -> Sequence[tuple[str, ...]]:
        return self._upto(self.columns.words(self._n))

    def haystacks(self) -> Sequence[str]:
        return self._upto(self.columns.index_haystacks(self._n))

    def row_field(self, name: str, default: object = None) -> Sequence[Any]:
        return self._upto(self.columns.row_field(name, default, self._n))

    def task_field(self, task_type_id: str, field: str) -> Sequence[Any]:
        return self._upto(self.columns.task_field(task_type_id, field, self._n))

    def row_task_field(
        self, field: str, default: object = None, *, every_task: bool = False
    ) -> Sequence[tuple[Any, ...]]:
        return self._upto(self.columns.row_task_field(field, default, every_task, self._n))

    def row_task_items(self, field: str, *, every_task: bool = False) -> Sequence[tuple[Any, ...]]:
        return self._upto(self.columns.row_task_items(field, every_task, self._n))

    def descriptor_codes(self, field: str, fallback: bool) -> tuple[Sequence[int], Sequence[object]]:
        factorizer = self.columns.descriptor_codes(field, fallback, self._n)
        return self._upto(factorizer.codes), factorizer.values
