"""Spec behaviours that the public vectors do not pin, on small hand-made datasets."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from desktop.filtering import evaluate

BASE: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))[
    "dataset"
]


def dataset(
    shots: list[dict[str, Any]] | None = None, tasks: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The vectors' production with other shots and tasks (and optionally other lists)."""
    data = copy.deepcopy(BASE)
    data["shots"], data["tasks"] = shots or [], tasks or []
    data.update(extra)
    return data


def shot(sid: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "name": sid.upper(),
        "sequence_name": "SQ",
        "episode_name": "E",
        "tasks": [],
        "validations": {},
        **fields,
    }


def checks(value: Any) -> dict[str, Any]:
    return {"data": {"checks": value}}


CHECK_SHOTS = [
    shot("a", **checks('{"Layout OK": true}')),
    shot("b", **checks('{"Layout OK": false}')),
    shot("c", **checks("{}")),
    shot("d", **checks("not json")),
    shot("e", **checks("null")),
    shot("f", **checks("[true]")),
    shot("g", **checks('{"ax": true}')),
    shot("h", **checks('{"constructor": true}')),
    shot("i"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("checks=[layout ok:true]", ["a"]),
        ("checks=[layout ok:false]", ["b", "c", "f", "g", "h"]),  # missing key = unchecked
        ("checks=[Layout OK:TRUE]", []),  # the suffix is case-sensitive: substring mode
        # ":true" anywhere -> checklist mode with key "ax" and is_true False (the value does not
        # end with ":true"): a missing key counts as unchecked, so most rows match.
        ("checks=a:truex", ["a", "b", "c", "f", "h"]),
        ("checks=[ax:true]", ["g"]),
        ("checks=[0:true]", ["f"]),  # arrays are objects: index keys work
        ("checks=[constructor:false]", []),  # inherited JS property: present, and not false
        ("checks=[constructor:true]", ["h"]),
        # "-[" is no bracket: the value is "-[layout" and "ok:true]" becomes a keyword.
        ("checks=-[layout ok:true]", []),
        ("checks=[-layout ok:true]", ["b", "c", "d", "e", "f", "g", "h", "i"]),
    ],
)
def test_checklists(query: str, expected: list[str]) -> None:
    assert evaluate(dataset(CHECK_SHOTS), "shot", query) == expected


DIFF_SHOTS = [
    shot("a", data={"difficulty": "Hard"}),
    shot("b", data={"difficulty": ""}),
    shot("c", data={"difficulty": None}),
    shot("d", data={"difficulty": 2.0}),
    shot("e", data={"difficulty": True}),
    shot("f", data={"difficulty": 0}),
    shot("g", data={"budget_days": "2.5 days"}),
    shot("h"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("difficulty=", ["a", "d", "e", "f"]),  # "" matches any set value, 0 included
        ("difficulty=2", ["d"]),  # String(2.0) is "2"
        ("difficulty=2.0", []),
        ("difficulty=true", ["e"]),
        ("difficulty=0", ["f"]),
        ("difficulty=-hard", ["b", "c", "d", "e", "f", "g", "h"]),
        ("[budget days]=2.5", ["g"]),  # parseFloat reads the numeric prefix
        ("[budget days]=2.50abc", ["g"]),
        # Checklist mode on a list descriptor: "hard" is no JSON (false), while 2, true and 0
        # parse to non-objects, which have no such key, so "unchecked" holds.
        ("difficulty=hard:false", ["d", "e", "f"]),
    ],
)
def test_descriptor_values(query: str, expected: list[str]) -> None:
    assert evaluate(dataset(DIFF_SHOTS), "shot", query) == expected


def test_assets_ready_null_versus_missing() -> None:
    tasks = [
        {"id": "t1", "task_type_id": "tt-layout", "task_status_id": "st-wip", "assignees": [], "priority": 0},
        {
            "id": "t2",
            "task_type_id": "tt-layout",
            "task_status_id": "st-wip",
            "assignees": [],
            "priority": 0,
            "nb_assets_ready": 2,
        },
    ]
    shots = [
        shot("null", nb_entities_out=None, tasks=["t1"]),  # null <= 0: only the negated form passes
        shot("missing", tasks=["t1"]),  # undefined === undefined (t1 lacks the field): passes
        shot("two", nb_entities_out=2, tasks=["t2"]),
        shot("str", nb_entities_out="2", tasks=["t2"]),  # "2" <= 0 is false, "2" !== 2
    ]
    data = dataset(shots, tasks)
    assert evaluate(data, "shot", "assetsready=layout") == ["missing", "two"]
    assert evaluate(data, "shot", "assetsready=-layout") == ["null", "str"]


def test_priority_is_strict() -> None:
    tasks: list[dict[str, Any]] = [
        {"id": "t1", "task_type_id": "tt-layout", "task_status_id": "st-wip", "assignees": [], "priority": 1},
        {"id": "t2", "task_type_id": "tt-layout", "task_status_id": "st-wip", "assignees": [], "priority": True},
        {"id": "t3", "task_type_id": "tt-layout", "task_status_id": "st-wip", "assignees": [], "priority": "1"},
    ]
    shots = [shot(s, validations={"tt-layout": t}, tasks=[t]) for s, t in (("a", "t1"), ("b", "t2"), ("c", "t3"))]
    assert evaluate(dataset(shots, tasks), "shot", "priority-layout=1") == ["a"]


def test_name_lookup_precedence() -> None:
    data = dataset(
        [shot("a", validations={"tt-1": "t1"}, tasks=["t1"]), shot("b", validations={"tt-2": "t2"}, tasks=["t2"])],
        [
            {"id": "t1", "task_type_id": "tt-1", "task_status_id": "st-x1", "assignees": []},
            {"id": "t2", "task_type_id": "tt-2", "task_status_id": "st-x2", "assignees": []},
        ],
        # Two task types named alike: the first wins. Two statuses alike: the last wins.
        task_types=[
            {"id": "tt-1", "name": "Comp", "for_entity": "Shot"},
            {"id": "tt-2", "name": "COMP", "for_entity": "Shot"},
        ],
        task_statuses=[{"id": "st-x1", "short_name": "x"}, {"id": "st-x2", "short_name": "X"}],
    )
    assert evaluate(data, "shot", "comp=x") == []  # tt-1 with st-x2
    assert evaluate(data, "shot", "comp=-x") == ["a", "b"]


def test_status_literal_shadows_a_task_type_named_status() -> None:
    data = dataset(
        [shot("a", validations={"tt-s": "t1", "tt-l": "t2"}, tasks=["t1", "t2"]), shot("b")],
        [
            {"id": "t1", "task_type_id": "tt-s", "task_status_id": "st-todo", "assignees": []},
            {"id": "t2", "task_type_id": "tt-l", "task_status_id": "st-wip", "assignees": []},
        ],
        task_types=[
            {"id": "tt-s", "name": "Status", "for_entity": "Shot"},
            {"id": "tt-l", "name": "Layout", "for_entity": "Shot"},
        ],
    )
    assert evaluate(data, "shot", "status=wip") == ["a"]  # any task, not the "Status" type
    assert evaluate(data, "shot", "[Status]=-todo") == ["b"]  # no task in todo, even none


def test_subtype_triggers_the_asset_type_filter() -> None:
    assert evaluate(BASE, "asset", "subtype=Props") == evaluate(BASE, "asset", "type=Props")


def test_unicode_case_folding_is_tolower_only() -> None:
    shots = [shot("x", name="ÉTÉ"), shot("y", name="e\u0301te\u0301")]  # decomposed accents
    data = dataset(shots)
    assert evaluate(data, "shot", "été") == ["x"]
    assert evaluate(data, "shot", "ete") == []


def test_people_page_ignores_task_filters() -> None:
    everyone = [p["id"] for p in BASE["persons"]]
    assert evaluate(BASE, "person", "layout=wip status=wip") == everyone
    assert evaluate(BASE, "person", "studio") == [p["id"] for p in BASE["persons"] if "@studio." in p["email"]]
    assert evaluate(BASE, "person", "type=Props") == []  # no asset types on the page: emptied
