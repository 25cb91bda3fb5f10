"""The pane filter's speed machinery (issue 6): `KitsuFilter` indexes a table incrementally and warms up
ahead of the first query (`prepare`, one bounded slice per call), yet finds exactly the rows the plain
adapter (`table_to_engine_rows` + the dict `Index`) finds, however the work was sliced, whether rows
streamed in meanwhile and after rows were edited in place. Correctness only: no timings here (the
figures are `benchmarks/window_probe.py`'s).
"""

from __future__ import annotations

import copy
from collections.abc import Collection

import pytest

from desktop.api.records import WithTasksTable
from desktop.filtering import Index, compile_query
from desktop.models.filtering import FilterScope, KitsuFilter, table_to_engine_rows
from tests.helpers.seed import TASK_FIELDS, BigLookups, big_lookups, big_records, big_table

QUERIES = (
    "animation=wip layout=-done sq00",
    "+(animation=retake layout=wfa storyboard=done)",
    "layout=[wip,wfa] animation=-todo -sq002",
    "difficulty=hard", "difficulty=-easy,medium",
    "status=retake", "status=-done",
    "assignedto[Layout]=[First1 Last1]", "assignedto[Animation]=[-First2 Last2]", "assignedto[]=[First3 Last3]",
    "+(assignedto[FX]=[First4 Last4] fx=wfa)", "lighting=assigned", "fx=unassigned",
    "priority-layout=2", "priority-[Animation]=0", "-withthumbnail", "withthumbnail layout=done", "sh0010 -sq001",
    "SQ002",
)


def table_of(n: int, lk: BigLookups, seed: int = 11) -> WithTasksTable:
    """`big_table` with a preview on every 7th shot (for `withthumbnail`)."""
    table = big_table(n, lk, seed=seed)
    for r in range(0, n, 7):
        table.rows[r][table.col("preview_file_id")] = f"preview-{r}"
    return table


def scope(lk: BigLookups) -> FilterScope:
    lookups, project = big_records(lk)
    return FilterScope("shot", project, lookups)


def reference(flt: KitsuFilter, table: WithTasksTable, query: str) -> list[int]:
    rows, tasks = table_to_engine_rows(table)
    return compile_query(query, flt.context).select(Index("shot", rows, tasks))


def shown(rows: Collection[int] | None) -> list[int]:
    assert rows is not None
    return sorted(set(rows))


def assert_same(flt: KitsuFilter, table: WithTasksTable) -> None:
    for query in QUERIES:
        assert not compile_query(query, flt.context).diagnostics, query  # the names resolve here
        expected = reference(flt, table, query)
        assert 0 < len(expected) < len(table.rows), query  # and the query means something
        assert shown(flt(table, query).rows) == expected, query


def test_prepare_in_slices_then_queries_match_the_plain_adapter() -> None:
    lk = big_lookups()
    table = table_of(2000, lk)
    flt = KitsuFilter(scope(lk))
    slices = 0
    while flt.prepare(table, 0.0):  # one step per call: rows in chunks, then each warm-up column
        slices += 1
        assert slices < 10_000
    assert slices >= 2000 // 250 + len(lk.task_types)
    assert flt.prepare(table, 0.0) is False  # nothing left
    index = flt.index(table)
    assert len(index) == 2000 and flt.index(table) is index
    assert_same(flt, table)
    assert flt.index(table) is index  # queries reuse it


def test_prepare_while_rows_stream_in() -> None:
    lk = big_lookups(n_task_types=5)
    full = table_of(1500, lk)
    table = WithTasksTable(kind="shot", entity_fields=full.entity_fields, task_fields=full.task_fields,
                           rows=full.rows[:100])
    flt = KitsuFilter(scope(lk))
    calls = 0
    while flt.prepare(table, 0.0) or len(table.rows) < len(full.rows):
        calls += 1
        if calls % 3 == 0:
            table.rows.extend(full.rows[len(table.rows):len(table.rows) + 130])  # a streamed batch
        if calls == 20:
            assert_same(flt, table)  # a query half-way: pending rows are indexed at once
    assert flt.prepare(table, 1.0) is False
    assert_same(flt, table)
    table.rows.extend(copy.deepcopy(full.rows[:40]))  # more rows after the warm-up: work again
    assert flt.prepare(table, 0.0) is True
    assert_same(flt, table)


def test_edited_rows_are_refiltered_after_the_warm_up() -> None:
    lk = big_lookups()
    table = table_of(600, lk)
    flt = KitsuFilter(scope(lk))
    while flt.prepare(table, 1.0):
        pass
    assert_same(flt, table)  # every column the queries read is cached now
    layout = next(tt for tt, name in lk.task_types if name == "Layout")
    wip = next(st for st, short, _ in lk.statuses if short == "wip")
    ttype, tstatus, tassignees = (TASK_FIELDS.index(f) for f in ("task_type_id", "task_status_id", "assignees"))
    edited = [3, 4, 5, 250, 599]
    for r in edited:
        row = table.rows[r]
        row[table.col("name")] = f"EDITED{r}"
        row[table.col("data")] = {**(row[table.col("data")] or {}), "difficulty": "hard"}
        tasks = [list(t) for t in row[table.col("tasks")]]
        for task in tasks:
            if task[ttype] == layout:
                task[tstatus] = wip  # a status change: a new task row
                task[tassignees] = [lk.persons[1][0]]
        row[table.col("tasks")] = tasks
    flt.rows_edited(table, 3, 5)
    flt.rows_edited(table, 250, 250)
    flt.rows_edited(table, 599, 599)
    assert shown(flt(table, "edited").rows) == edited
    assert set(edited) <= set(shown(flt(table, "layout=wip assignedto[Layout]=[First1 Last1] difficulty=hard").rows))
    assert_same(flt, table)
    flt.rows_edited(big_table(3, lk), 0, 2)  # another table: ignored


def test_a_new_table_starts_over() -> None:
    lk = big_lookups(n_task_types=5)
    first, second = table_of(300, lk, seed=1), table_of(500, lk, seed=2)
    flt = KitsuFilter(scope(lk))
    while flt.prepare(first, 1.0):
        pass
    assert flt.prepare(second, 0.0) is True
    assert_same(flt, second)
    assert len(flt.index(second)) == 500
    second.rows = second.rows[:200]  # the table's list replaced
    assert len(flt.index(second)) == 200
    assert_same(flt, second)
    del second.rows[100:]  # the list shrank
    assert len(flt.index(second)) == 100


@pytest.mark.parametrize("broken", ["task", "tasks"])
def test_prepare_never_raises(broken: str) -> None:
    lk = big_lookups(n_task_types=3)
    table = big_table(50, lk)
    if broken == "task":
        table.rows[7][table.col("tasks")].append(None)  # not a task row
    else:
        table.rows[7][table.col("tasks")][0] = 12  # not a list either
    flt = KitsuFilter(scope(lk))
    assert flt.prepare(table, 1.0) is False
    result = flt(table, "layout=wip")
    assert any("Filter error" in hint for hint in result.hints)  # the pane still shows something
