"""The app-facing API: contexts from Zou JSON, a reusable Index, compiled filters."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop.filtering import (
    FilterContext,
    Index,
    compile_query,
    context_from_dataset,
    evaluate,
    index_from_dataset,
    split_embedded_tasks,
)
from desktop.filtering.context import person_display_name

DATASET: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))[
    "dataset"
]
REPO = Path(__file__).resolve().parents[2]


def test_page_scoping() -> None:
    full = dict(
        task_types=DATASET["task_types"],
        task_statuses=DATASET["task_statuses"],
        asset_types=DATASET["asset_types"],
        descriptors=DATASET["descriptors"],
        departments=DATASET["departments"],
        persons=DATASET["persons"],
    )
    shot = FilterContext.for_page("shot", **full)
    assert [t.name for t in shot.task_types] == ["Layout", "Animation", "FX", "Light Comp"]
    assert shot.asset_types == () and shot.departments == () and len(shot.descriptors) == 7
    asset = FilterContext.for_page("asset", **full)
    assert [t.name for t in asset.task_types] == ["Modeling", "Mode Facial", "CFX"]
    assert len(asset.asset_types) == 4
    people = FilterContext.for_page("person", **full)
    assert people.task_types == () and people.task_statuses == () and people.descriptors == ()
    assert len(people.departments) == 5 and len(people.persons) == 7


def test_from_user_context() -> None:
    user_context = {
        "task_types": DATASET["task_types"],
        "task_status": DATASET["task_statuses"],  # Zou's key is singular
        "asset_types": DATASET["asset_types"],
        "departments": DATASET["departments"],
        "persons": [{k: v for k, v in p.items() if k != "name"} for p in DATASET["persons"]],
        "projects": [
            {"id": "other", "descriptors": []},
            {
                "id": "prj",
                "task_types": ["tt-layout", "tt-fx", "tt-model"],
                "task_statuses": ["st-wip", "st-done"],
                "asset_types": [],  # empty: all asset types
                "descriptors": DATASET["descriptors"][:2],
            },
        ],
    }
    context = FilterContext.from_user_context(user_context, "shot", "prj")
    assert [t.name for t in context.task_types] == ["Layout", "FX"]
    assert sorted(context.status_by_name) == ["done", "wip"]
    assert [d.name for d in context.descriptors] == ["Difficulty", "Budget Days"]
    # Names are rebuilt from first/last name as Kitsu does.
    assert [p.name for p in context.persons][3] == "Anne Marie Martin"
    assert [p.name for p in context.persons][6] == "Zoé"
    compiled = compile_query("layout=wip animation=done", context)
    assert [d.name for d in compiled.unknown] == ["animation"]
    assert FilterContext.from_user_context(user_context, "asset", "prj").asset_types != ()


def test_person_display_name() -> None:
    assert person_display_name({"first_name": "A", "last_name": "B"}) == "A B"
    assert person_display_name({"first_name": "", "last_name": "B"}) == "B"
    assert person_display_name({"first_name": None, "last_name": None, "email": "x@y"}) == "x@y"


def test_one_index_serves_many_queries_and_sees_task_updates() -> None:
    data = copy.deepcopy(DATASET)
    context = context_from_dataset(data, "shot")
    tasks = {t["id"]: t for t in data["tasks"]}
    index = Index("shot", data["shots"], tasks)
    wip = compile_query("layout=wip", context)
    before = wip.ids(index)
    assert before == evaluate(data, "shot", "layout=wip")
    assert compile_query("SQ01", context).ids(index) == evaluate(data, "shot", "SQ01")
    # Replacing a task dict (as an event handler would) needs no new Index.
    layout_of_sh010 = data["shots"][0]["validations"]["tt-layout"]
    tasks[layout_of_sh010] = {**tasks[layout_of_sh010], "task_status_id": "st-wip"}
    assert wip.ids(index) == ["shot-01", *before]


def test_select_positions_restricts_and_keeps_order() -> None:
    index = index_from_dataset(DATASET, "shot")
    compiled = compile_query("layout=wip,done", context_from_dataset(DATASET, "shot"))
    everything = compiled.select(index)
    assert everything == sorted(everything)
    subset = list(range(0, len(index), 2))
    assert compiled.select(index, subset) == [i for i in everything if i % 2 == 0]


def test_union_keeps_dataset_order() -> None:
    index = index_from_dataset(DATASET, "shot")
    compiled = compile_query("+(animation=done layout=wip -SH010)", context_from_dataset(DATASET, "shot"))
    positions = compiled.select(index)
    assert positions == sorted(positions)


def test_matches_everything() -> None:
    context = context_from_dataset(DATASET, "shot")
    assert compile_query("", context).matches_everything
    assert compile_query("anmi=wip +()", context).matches_everything
    assert not compile_query("SQ01", context).matches_everything
    assert not compile_query("-zzz", context).matches_everything


def test_split_embedded_tasks() -> None:
    tasks = {t["id"]: t for t in DATASET["tasks"]}
    embedded = [
        {k: v for k, v in s.items() if k != "validations"} | {"tasks": [tasks[t] for t in s["tasks"]]}
        for s in DATASET["shots"]
    ]
    rows, task_map = split_embedded_tasks(embedded)
    index = Index("shot", rows, task_map)
    context = context_from_dataset(DATASET, "shot")
    for query in ["layout=wip", "status=-done", "assignedto[]=[Jean Dupont]", "fx=unassigned", "SQ01 -SH010"]:
        assert compile_query(query, context).ids(index) == evaluate(DATASET, "shot", query)


def test_index_words() -> None:
    assets = index_from_dataset(DATASET, "asset")
    words = dict(zip(assets.ids, assets.words, strict=True))
    assert {"jean-luc", "jean", "luc", "characters"} <= set(words["asset-04"])
    people = index_from_dataset(DATASET, "person")
    assert people.words[0] == ("jean", "dupont", "jean", "dupont", "studio")
    assert Index("sequence", DATASET["sequences"]).words[2] == ("forêt noire", "e02")
    assert Index("episode", [{"id": "e", "name": "E01"}]).search("e0") == [0]
    assert Index("shot", [{"id": "s", "name": "a\x00b"}]).search("A\x00B") == [0]  # separator fallback


def test_unknown_entity_kind() -> None:
    with pytest.raises(ValueError, match="unknown entity kind"):
        evaluate(DATASET, "task", "")


def test_package_does_not_import_qt() -> None:
    code = (
        "import sys, desktop.filtering as f; f.evaluate({}, 'shot', 'x'); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'qasync'}); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_bench_smoke() -> None:
    # Not timed: only proves the micro-check script still runs (see bench_filtering.py).
    from tests.filtering.bench_filtering import QUERIES, run

    out = io.StringIO()
    medians = run(n_shots=40, repeats=1, out=out)
    assert set(medians) == set(QUERIES)
    assert "40 shots" in out.getvalue()


@pytest.mark.parametrize(
    ("entity", "positive", "negative"),
    [
        ("shot", "layout=wip,done", "layout=-wip,done"),
        ("shot", "status=wip", "status=-wip"),
        ("shot", "assignedto[Layout]=[Jean Dupont]", "assignedto[Layout]=[-Jean Dupont]"),
        ("shot", "assignedto[]=[Li Wei]", "assignedto[]=[-Li Wei]"),
        ("asset", "assignedto[Modeling]=[John Doe]", "assignedto[Modeling]=[-John Doe]"),  # two people
        ("asset", "assignedto[]=[John Doe]", "assignedto[]=[-John Doe]"),
        ("shot", "difficulty=hard", "difficulty=-hard"),
        ("shot", "[Budget Days]=2", "[Budget Days]=-2"),
        ("shot", "checks=[sound:true]", "checks=[-sound:true]"),
        ("shot", "assetsready=layout", "assetsready=-layout"),
        ("shot", "withthumbnail", "-withthumbnail"),
        ("asset", "type=Props", "type=-Props"),
        ("asset", "type=Unknown", "type=-Unknown"),
    ],
)
def test_negation_is_the_complement(entity: str, positive: str, negative: str) -> None:
    everything = evaluate(DATASET, entity, "")
    kept = set(evaluate(DATASET, entity, positive))
    # A meaningful split (some kept, some not), except for the unknown type that keeps none.
    assert (kept and kept != set(everything)) or positive == "type=Unknown"
    assert evaluate(DATASET, entity, negative) == [i for i in everything if i not in kept]
