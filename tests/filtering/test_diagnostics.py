"""Diagnostics: what Kitsu silently ignores is reported, and never changes the result."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from desktop.filtering import compile_query, context_from_dataset, evaluate, index_from_dataset

DATASET: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))[
    "dataset"
]


def diagnose(query: str, entity: str = "shot") -> list[tuple[str, str, str]]:
    compiled = compile_query(query, context_from_dataset(DATASET, entity))
    return [(d.kind, d.name, d.effect) for d in compiled.diagnostics]


def test_unknown_task_type_is_reported_with_a_suggestion() -> None:
    compiled = compile_query("anmi=wip", context_from_dataset(DATASET, "shot"))
    (hint,) = compiled.unknown
    assert (hint.kind, hint.name, hint.effect) == ("task_type_or_descriptor", "anmi", "ignored")
    assert hint.suggestions[0] == "Animation"
    assert hint.message.startswith("unknown task type or descriptor 'anmi' (did you mean 'Animation'")
    # Kitsu's result is unchanged: the filter vanishes, every shot is shown.
    assert compiled.ids(index_from_dataset(DATASET, "shot")) == [s["id"] for s in DATASET["shots"]]


@pytest.mark.parametrize(
    ("query", "entity", "expected"),
    [
        ("layout=wip,zzz", "shot", [("status", "zzz", "dropped_from_list")]),
        ("layout=zzz", "shot", [("status", "zzz", "ignored")]),
        ("status=zzz", "shot", [("status", "zzz", "ignored")]),
        ("fx=smoke", "shot", [("status", "smoke", "ignored")]),  # FX is a task type here
        ("modeling=wip", "shot", [("task_type_or_descriptor", "modeling", "ignored")]),
        ("type=props", "asset", [("asset_type", "props", "matches_nothing")]),
        ("type=-props", "asset", [("asset_type", "props", "ignored")]),
        ("type=Props", "shot", [("not_on_page", "Props", "matches_nothing")]),
        ("assignedto[Anim]=[Jean Dupont]", "shot", [("task_type", "Anim", "any_task_type")]),
        ("assignedto[]=[Emilie Durand]", "shot", [("person", "Emilie Durand", "ignored")]),
        ("department=fx,zzz", "person", [("department", "zzz", "dropped_from_list")]),
        ("department=FX", "shot", [("not_on_page", "department=FX", "ignored")]),
        ("priority-anim=1", "shot", [("task_type", "anim", "ignored")]),
        ("readyfor=layout", "asset", [("task_type", "layout", "ignored")]),
        ("assetsready=zzz", "shot", [("task_type", "zzz", "ignored")]),
        ("layout=-unassigned", "shot", [("negation_ignored", "unassigned", "ignored")]),
        (
            "+(layout=wip) fx=done -SQ01",
            "shot",
            [("outside_union", "fx=done", "ignored"), ("outside_union", "-SQ01", "ignored")],
        ),
    ],
)
def test_diagnostics(query: str, entity: str, expected: list[tuple[str, str, str]]) -> None:
    assert diagnose(query, entity) == expected


def test_unknown_lists_only_unknown_names() -> None:
    compiled = compile_query("+(anmi=wip) fx=done", context_from_dataset(DATASET, "shot"))
    assert [d.kind for d in compiled.diagnostics] == ["task_type_or_descriptor", "outside_union"]
    assert [d.name for d in compiled.unknown] == ["anmi"]


def test_asset_type_suggestion_is_case_insensitive() -> None:
    compiled = compile_query("type=props", context_from_dataset(DATASET, "asset"))
    assert compiled.unknown[0].suggestions == ("Props",)


@pytest.mark.parametrize(
    ("query", "entity"),
    [
        # Each of these also matches the generic `name=value` form somewhere inside; that
        # must not be reported as an unknown name or status.
        ("assignedto[Light Comp]=[Anne Marie Martin]", "shot"),
        ("assignedto[Layout]=[Jean Dupont]", "shot"),
        ("priority-[Light Comp]=1", "shot"),
        ("priority-layout=2", "shot"),
        ("assetsready=[Light Comp]", "shot"),
        ("type=[Set Dressing]", "asset"),
        ("readyfor=modeling", "asset"),
        ("department=[Lighting Comp]", "person"),
        ("status=wip layout=assigned [Budget Days]=2 checks=[Sound:true]", "shot"),
        ("SQ01 -SH010 withthumbnail", "shot"),
        ("+(layout=wip animation=done) SQ01", "shot"),
    ],
)
def test_valid_queries_have_no_diagnostics(query: str, entity: str) -> None:
    assert diagnose(query, entity) == []


def test_diagnostics_do_not_change_results() -> None:
    # Same rows as the plain adapter, for queries full of unknown names.
    index = index_from_dataset(DATASET, "shot")
    for query in ["anmi=wip SQ01", "layout=wip,zzz", "assignedto[Anim]=[Jean Dupont]", "+(x=y layout=wip) z=1"]:
        compiled = compile_query(query, context_from_dataset(DATASET, "shot"))
        assert compiled.diagnostics
        assert compiled.ids(index) == evaluate(DATASET, "shot", query)


def test_compiled_filter_is_immutable_and_comparable() -> None:
    context = context_from_dataset(DATASET, "shot")
    compiled = compile_query("layout=wip,done -SH010", context)
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.union = True  # type: ignore[misc]
    assert compiled == compile_query("layout=wip,done -SH010", context)
    hash(compiled.filters)
