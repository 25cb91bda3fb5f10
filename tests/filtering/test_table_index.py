"""The columnar index over positional rows (`TableColumns` / `TableIndex`) gives the dict `Index`'s results.

Three references: the Kitsu vectors (the dataset turned positional, every shot and asset case must give
the expected ids), and a dict `Index` built from the same positional rows by `reference_index` (the
adapter semantics: a row's fields, its task ids, `validations` with the last task of a type winning, a
task map; task rows too short for their id and type left out) over big synthetic tables with the odd
rows Kitsu's semantics hinge on (duplicate task types, short rows, missing vs null, non-string
metadata). The incremental paths (building in slices, rows streamed in between, views of a prefix,
rows edited in place after columns were cached) must give what a from-scratch index gives. No timings.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from desktop.filtering import (
    FilterContext,
    Index,
    TableColumns,
    TableIndex,
    compile_query,
    context_from_dataset,
)
from desktop.filtering.context import EntityKind

VECTORS = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))
DATASET: dict[str, Any] = VECTORS["dataset"]


# ---------------------------------------------------------------------------------------- helpers
def positional(rows: Sequence[dict[str, Any]], tasks: dict[str, dict[str, Any]]
               ) -> tuple[tuple[str, ...], tuple[str, ...], list[list[Any]]]:
    """Vectors-shaped rows (task ids in `tasks`) as Zou's compact rows: (entity fields, task fields, rows)."""
    efields: dict[str, None] = {}
    for row in rows:
        efields.update(dict.fromkeys(k for k in row if k not in ("tasks", "validations")))
    tfields: dict[str, None] = {}
    for task in tasks.values():
        tfields.update(dict.fromkeys(task))
    ef, tf = (*efields, "tasks"), tuple(tfields)
    out = []
    for row in rows:
        task_rows = [[tasks[t].get(k) for k in tf] for t in row.get("tasks") or () if t in tasks]
        out.append([*(row.get(k) for k in ef[:-1]), task_rows])
    return ef, tf, out


def reference_index(entity: EntityKind, entity_fields: Sequence[str], task_fields: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> Index:
    """The dict `Index` of positional rows, adapted the plain way (what the pane's filter did before)."""
    tid, ttype = task_fields.index("id"), task_fields.index("task_type_id")
    width = max(tid, ttype)
    dict_rows, task_map = [], {}
    for row in rows:
        entity_row = dict(zip(entity_fields, row, strict=False))  # a short row lacks its last fields
        raw = entity_row.pop("tasks", None)
        ids, validations = [], {}
        for task_row in raw if isinstance(raw, list) else ():
            if len(task_row) <= width:
                continue
            task = dict(zip(task_fields, task_row, strict=False))
            task_map[task["id"]] = task
            ids.append(task["id"])
            validations[task["task_type_id"]] = task["id"]
        entity_row["tasks"], entity_row["validations"] = ids, validations
        dict_rows.append(entity_row)
    return Index(entity, dict_rows, task_map)


def table_index(entity: EntityKind, entity_fields: Sequence[str], task_fields: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> TableIndex:
    columns = TableColumns(entity, entity_fields, task_fields, rows)
    columns.build()
    return TableIndex(columns)


# ------------------------------------------------------------------------------ the Kitsu vectors
VECTOR_CASES = [c for c in VECTORS["cases"] if c["entity"] in ("shot", "asset")]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{n}-{c['entity']}-{c['query']}")
                                  for n, c in enumerate(VECTOR_CASES)])
def test_vectors_on_positional_rows(case: dict[str, Any]) -> None:
    entity = case["entity"]
    tasks = {t["id"]: t for t in DATASET["tasks"]}
    ef, tf, rows = positional(DATASET["shots" if entity == "shot" else "assets"], tasks)
    index = table_index(entity, ef, tf, rows)
    compiled = compile_query(case["query"], context_from_dataset(DATASET, entity))
    assert compiled.ids(index) == case["expected_ids"], case["note"]


def test_every_vector_case_is_checked_positionally() -> None:
    assert len(VECTOR_CASES) == sum(1 for c in VECTORS["cases"] if c["entity"] != "person") > 100


# --------------------------------------------------------------------------- a big synthetic table
TASK_TYPES = ["Storyboard", "Layout", "Animation", "Lighting", "FX", "Compositing"]
STATUSES = ["todo", "wip", "wfa", "retake", "done"]
PEOPLE = [(f"p{i}", f"First{i}", f"Last{i}") for i in range(12)]
ENTITY_FIELDS = ("id", "name", "sequence_name", "episode_name", "preview_file_id", "nb_entities_out", "data",
                 "ready_for", "tasks")
TASK_FIELDS = ("id", "task_type_id", "task_status_id", "priority", "nb_assets_ready", "assignees")
DIFFICULTY = ["easy", "medium", "hard", "HARD", "", None, 3, 0, 2.5, True, False, ["hard"], {"hard": 1}]


def big_context() -> FilterContext:
    return FilterContext.for_page(
        "shot",
        task_types=[{"id": f"tt{i}", "name": n, "for_entity": "Shot"} for i, n in enumerate(TASK_TYPES)],
        task_statuses=[{"id": f"st-{s}", "short_name": s} for s in STATUSES],
        persons=[{"id": i, "first_name": f, "last_name": la} for i, f, la in PEOPLE],
        descriptors=[
            {"id": "d1", "name": "Difficulty", "field_name": "difficulty", "data_type": "string",
             "entity_type": "Shot"},
            {"id": "d2", "name": "Budget", "field_name": "budget", "data_type": "number", "entity_type": "Shot"},
            {"id": "d3", "name": "Checks", "field_name": "checks", "data_type": "checklist", "entity_type": "Shot"},
        ],
    )


def big_rows(n: int, seed: int = 3, odd: bool = True) -> list[list[Any]]:
    """`n` shots over ENTITY_FIELDS/TASK_FIELDS; with `odd`, a share of them carry the edge cases."""
    rnd = random.Random(seed)
    rows: list[list[Any]] = []
    for i in range(n):
        tasks = []
        for t in range(len(TASK_TYPES)):
            if odd and rnd.random() < 0.1:
                continue  # no task of that type
            assignees = [rnd.choice(PEOPLE)[0] for _ in range(rnd.choice((0, 0, 1, 2)))]
            tasks.append([f"task-{i}-{t}", f"tt{t}", f"st-{rnd.choice(STATUSES)}", rnd.randrange(4),
                          rnd.randrange(3), assignees])
        data: dict[str, Any] = {"difficulty": rnd.choice(DIFFICULTY) if odd else rnd.choice(DIFFICULTY[:3]),
                                "budget": rnd.choice([1, 2, 2.0, "2", "3 days", None])}
        if rnd.random() < 0.3:
            data["checks"] = json.dumps({"layout ok": rnd.choice([True, False]), "sound": rnd.random() < 0.5})
        row = [f"shot-{i}", f"SH{i:04d}", f"SQ{i // 50:03d}", None, rnd.choice([None, "", f"pf-{i}"]),
               rnd.choice([0, 1, 2]), data, rnd.choice([None, "tt1", "tt2"]), tasks]
        if odd:
            roll = rnd.random()
            if roll < 0.03:
                # Two tasks of one type: the last one wins.
                tasks.append([f"task-{i}-dup", "tt1", f"st-{rnd.choice(STATUSES)}", 3, 1, [PEOPLE[0][0]]])
            elif roll < 0.05:
                tasks.insert(0, [f"task-{i}-dup0", "tt2", "st-done", 1, 0, []])
            elif roll < 0.07 and tasks:
                tasks[-1] = tasks[-1][:4]  # a task row without its last fields (assignees: none)
            elif roll < 0.08:
                tasks.append([f"task-{i}-short"])  # too short for its type: left out
            elif roll < 0.10:
                row[-1] = None  # null tasks
            elif roll < 0.11:
                row[-1] = []
            elif roll < 0.13:
                del row[-3:]  # a short row: no data, ready_for or tasks
            elif roll < 0.15:
                row[6] = None  # null metadata
            elif roll < 0.16:
                row[3] = "Épisode Σ"  # an episode word on some rows only
            elif roll < 0.17:
                row[1] = 1234  # a non-string name
            elif roll < 0.18:
                row[5] = None  # null nb_entities_out
        rows.append(row)
    return rows


QUERIES = [
    "layout=wip", "layout=-wip", "Layout=WIP,done", "animation=wip layout=-done sq00",
    "+(animation=retake layout=wfa storyboard=done)", "+(layout=wip -sq001 animation=done)",
    "layout=[wip,wfa] animation=-todo -sq002", "status=wip", "status=-done,todo",
    "assignedto[Layout]=[First1 Last1]", "assignedto[Layout]=[-First1 Last1]", "assignedto[]=[First2 Last2]",
    "assignedto[]=[-First3 Last3]", "+(assignedto[FX]=[First4 Last4] fx=retake)", "layout=assigned",
    "fx=unassigned", "difficulty=hard", "difficulty=-hard", "difficulty=har,med", "difficulty=3",
    "difficulty=", "budget=2", "budget=-2", "checks=[layout ok:true]", "checks=[sound:false]",
    "priority-layout=2", "priority-[Animation]=0", "withthumbnail", "-withthumbnail", "readyfor=Layout",
    "assetsready=Layout", "assetsready=-Animation", "sh001", "SQ001 -SH0060", "épisode", "σ", "1234",
    "+(difficulty=easy priority-fx=1 -sq003)", "sq00 layout=-done difficulty=-easy assignedto[]=[First5 Last5]",
    "", "-", "nothing-matches",
]


def assert_same(index: Any, reference: Index, context: FilterContext, queries: Sequence[str] = QUERIES) -> None:
    assert len(index) == len(reference)
    assert list(index.ids) == list(reference.ids)
    for query in queries:
        compiled = compile_query(query, context)
        assert compiled.select(index) == compiled.select(reference), query
        subset = list(range(0, len(reference), 3))  # restricted candidates too
        assert compiled.select(index, subset) == compiled.select(reference, subset), query


def test_big_table_matches_the_dict_index() -> None:
    rows = big_rows(3000)
    reference = reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    index = table_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    context = big_context()
    for query in QUERIES:  # the queries mean something on this table
        assert not compile_query(query, context).unknown, query
    assert_same(index, reference, context)
    assert list(index.words) == list(reference.words)
    assert list(index.haystacks()) == list(reference.haystacks())


def test_plain_big_table_matches_the_dict_index() -> None:
    """Rows without odd values take the whole-column fast paths (haystacks, task lists)."""
    rows = big_rows(2000, seed=5, odd=False)
    reference = reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    assert_same(table_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows), reference, big_context())


def test_fields_in_another_order_and_missing_fields() -> None:
    """Positions come from the header; a field the table lacks reads as missing on every row."""
    rows = big_rows(600, seed=8)
    order = [8, 6, 0, 2, 1, 5, 4]  # no episode_name, no ready_for; tasks first
    efields = tuple(ENTITY_FIELDS[p] for p in order)
    # The task id after its type (a short task row may hold its type but not its id), no priority.
    torder = [1, 2, 5, 0, 4]
    tfields = tuple(TASK_FIELDS[p] for p in torder)
    moved = []
    for row in rows:
        new = [row[p] if p < len(row) else None for p in order]
        if isinstance(new[0], list):
            new[0] = [[t[p] if p < len(t) else None for p in torder][: len(t)] for t in new[0]]
        moved.append(new)
    moved[5][0] = [["tt1", "st-wip"], ["tt2", "st-wip", [], "with-id"]]  # the first has no id: left out
    reference = reference_index("shot", efields, tfields, moved)
    index = table_index("shot", efields, tfields, moved)
    assert_same(index, reference, big_context())
    wip = compile_query("layout=wip animation=wip", big_context())
    assert 5 not in wip.select(index) and 5 in compile_query("animation=wip", big_context()).select(index)


def test_assets_and_other_kinds_index_their_words() -> None:
    assets = [{"id": f"a{i}", "name": n, "asset_type_name": t, "asset_type_id": t.lower(), "tasks": []}
              for i, (n, t) in enumerate([("Jean-Luc_Pic", "Characters"), ("TreeBig", "Props"), ("x", "FX")])]
    ef, tf, rows = positional(assets, {"t": {"id": "t", "task_type_id": "tt"}})
    index = table_index("asset", ef, tf, rows)
    reference = reference_index("asset", ef, tf, rows)
    assert list(index.words) == list(reference.words) and list(index.haystacks()) == list(reference.haystacks())
    assert index.search("luc") == [0] and index.search("big") == [1]
    seq = table_index("sequence", ("id", "name", "episode_name"), ("id", "task_type_id"), [["s", "SQ1", "E2"]])
    assert seq.words[0] == ("sq1", "e2")
    with pytest.raises(ValueError, match="unknown entity kind"):
        TableColumns("task", ef, tf, rows)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ incremental
def test_built_in_slices_with_rows_streaming_in() -> None:
    """One chunk per `build` call (a past deadline), rows appended between calls: each view is the
    from-scratch index of the rows indexed so far; earlier views keep their length."""
    every = big_rows(1400, seed=11)
    rows: list[list[Any]] = every[:300]
    columns = TableColumns("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    context = big_context()
    views = []
    calls = 0
    while columns.build(deadline=0.0) or len(rows) < len(every):
        calls += 1
        assert columns.count % columns.CHUNK == 0 or columns.count == len(rows)
        view = TableIndex(columns)
        if calls % 2:
            # Columns get cached on partial rows, then extended by later views.
            assert_same(view, reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows[: len(view)]), context,
                        QUERIES[::4])
        views.append(view)
        rows.extend(every[len(rows): len(rows) + 170])
    assert calls > 5 and columns.count == len(every) and columns.pending == 0
    assert_same(TableIndex(columns), reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, every), context)
    first = views[0]
    assert_same(first, reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, every[: len(first)]), context,
                QUERIES[::3])
    assert len(TableIndex(columns, 10)) == 10


def test_edited_rows_are_refreshed_in_every_cached_column() -> None:
    rows = big_rows(900, seed=21)
    columns = TableColumns("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    columns.build()
    index = TableIndex(columns)
    context = big_context()
    assert_same(index, reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows), context)  # caches filled
    rnd = random.Random(4)
    edited = sorted(rnd.sample(range(len(rows)), 40))
    for r in edited:
        row = rows[r]
        if len(row) < len(ENTITY_FIELDS):
            row.extend([None] * (len(ENTITY_FIELDS) - len(row)))
        row[1] = f"Renamed{r}"
        row[6] = {"difficulty": rnd.choice(["hard", "easy", 7]), "checks": '{"layout ok": true}'}
        row[4] = rnd.choice(["", "pf-new", None])
        row[5] = 1
        tasks = copy.deepcopy(row[8]) if isinstance(row[8], list) else []
        # A status change replaces the task row; a task added; assignees changed.
        tasks = [[*t[:2], "st-retake", *t[3:]] if len(t) > 2 else t for t in tasks]
        tasks.append([f"new-{r}", "tt3", "st-wip", 2, 1, [PEOPLE[7][0]]])
        row[8] = tasks
    for first, last in [(edited[0], edited[0]), *((r, r) for r in edited[1:-1]), (edited[-1], len(rows) + 5)]:
        columns.refresh(first, last)
    assert_same(index, reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows), context)
    assert compile_query("renamed", context).select(index) == edited
    columns.refresh(len(rows) + 1, len(rows) + 3)  # past the end: nothing
    columns.refresh(-5, -1)


def test_rows_list_that_shrank_is_stale() -> None:
    rows = big_rows(50)
    columns = TableColumns("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    assert columns.pending == 50 and not columns.build()
    del rows[10:]
    assert columns.stale


def test_factorized_descriptor_codes_group_equal_values() -> None:
    rows = [["s1", "A", {"d": "x"}], ["s2", "B", {"d": "x"}], ["s3", "C", {"d": 1}], ["s4", "D", {"d": 1.0}],
            ["s5", "E", {"d": None}], ["s6", "F", {}], ["s7", "G", None], ["s8", "H", {"d": False}],
            ["s9", "I", {"d": True}], ["s10", "J", {"d": ["x"]}]]
    index = table_index("shot", ("id", "name", "data"), ("id", "task_type_id"), rows)
    codes, values = index.descriptor_codes("d", True)
    assert codes[0] == codes[1] and codes[2] == codes[3]
    assert codes[4] == codes[5] == codes[6] == codes[7] == 0
    assert len({codes[0], codes[2], codes[8], codes[9], 0}) == 5
    assert values[codes[9]] == ["x"]
    reference = reference_index("shot", ("id", "name", "data"), ("id", "task_type_id"), rows)
    assert list(codes) == list(reference.descriptor_codes("d", True)[0])


def test_a_query_indexes_only_what_it_reads() -> None:
    """Keywords need the haystacks, task filters the tasks: each part is indexed on first need, and an
    edit before the other part was indexed is read when it is."""
    rows = big_rows(700, seed=31)
    columns = TableColumns("shot", ENTITY_FIELDS, TASK_FIELDS, rows)
    index = TableIndex(columns)
    context = big_context()
    assert len(index) == 700 and columns.count == 0 and columns.pending == 700
    assert compile_query("sq001", context).select(index) == list(range(50, 100))
    assert len(columns.haystacks) == 700 and not columns.by_type and columns.count == 0
    rows[60][1] = "SH-EDITED"
    rows[60][-1] = [["t-new", "tt1", "st-hold", 0, 0, []]] if len(rows[60]) == len(ENTITY_FIELDS) else None
    columns.refresh(60, 60)
    assert_same(index, reference_index("shot", ENTITY_FIELDS, TASK_FIELDS, rows), context)
    assert columns.count == 700 and not columns.build()
