"""The filter builder's query writer (`desktop.filtering.builder`): Kitsu's text, Kitsu's rows.

Three kinds of evidence that a built query is the one Kitsu's builder writes and means the same:

* the exact text of every form, as the spec (§9) and Kitsu's `BuildFilterModal.buildFilter` write it;
* the builder forms pinned by Kitsu vectors (`type=[Props]`, `priority-[layout]=0`, `assetsready=[-Layout]`,
  `+([Layout]=[wip] [Animation]=[done])`): the writer produces that very text, and it gives Kitsu's rows;
* on the vectors dataset (computed by Kitsu), each built query, run through `desktop.filtering.evaluate`,
  selects exactly the rows a direct reading of the data says it should; and a random spec survives
  query -> pre-fill -> query unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.filtering import context_from_dataset, evaluate
from desktop.filtering.builder import (
    AssetsReadyCondition,
    AssignationCondition,
    BuilderChoices,
    ChecklistCondition,
    DescriptorChoice,
    DescriptorCondition,
    FilterSpec,
    PriorityCondition,
    StatusCondition,
    build_query,
    inexpressible,
    left_out_of_builder,
    spec_from_query,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))
DATASET: dict[str, Any] = VECTORS["dataset"]
CASES = {(c["entity"], c["query"]): c for c in VECTORS["cases"]}

TASKS = {t["id"]: t for t in DATASET["tasks"]}
TASK_TYPE = {t["name"]: t["id"] for t in DATASET["task_types"]}
STATUS = {s["short_name"]: s["id"] for s in DATASET["task_statuses"]}
PERSON = {p["name"]: p["id"] for p in DATASET["persons"]}


# --------------------------------------------------------------------------------- exact text
@pytest.mark.parametrize(("spec", "text"), [
    (FilterSpec(), ""),
    (FilterSpec(union=True), ""),
    (FilterSpec(asset_type="Props"), "type=[Props]"),
    (FilterSpec(asset_type="Set Dressing", asset_type_excluding=True), "type=[-Set Dressing]"),
    (FilterSpec(statuses=(StatusCondition("Layout", ("wip",)),)), "[Layout]=[wip]"),
    (FilterSpec(statuses=(StatusCondition("Light Comp", ("wfa",), excluding=True),)), "[Light Comp]=[-wfa]"),
    (FilterSpec(statuses=(StatusCondition("Layout", ("wip", "done")),)), "[Layout]=[wip,done]"),
    (FilterSpec(statuses=(StatusCondition("", ("retake", "hold")),)), "status=[retake,hold]"),
    (FilterSpec(statuses=(StatusCondition("", ("done",), excluding=True),)), "status=[-done]"),
    (FilterSpec(statuses=(StatusCondition("Layout", ()),)), ""),  # no status picked: nothing written
    (FilterSpec(descriptors=(DescriptorCondition("Difficulty", ("very hard",)),)), "[Difficulty]=[very hard]"),
    (FilterSpec(descriptors=(DescriptorCondition("Size", ("big", "small")),)), "[Size]=[big,small]"),
    (FilterSpec(descriptors=(DescriptorCondition("Size", ("big",), excluding=True),)), "[Size]=[-big]"),
    (FilterSpec(descriptors=(DescriptorCondition("Approved", ("true",), excluding=True),)), "[Approved]=[-true]"),
    (FilterSpec(descriptors=(ChecklistCondition("Checks", "Layout OK"),)), "[Checks]=[Layout OK:true]"),
    (FilterSpec(descriptors=(ChecklistCondition("Checks", "Sound", checked=False),)), "[Checks]=[Sound:false]"),
    (FilterSpec(assignation=AssignationCondition("assigned_to", "Layout", "Jean Dupont")),
     "assignedto[Layout]=[Jean Dupont]"),
    (FilterSpec(assignation=AssignationCondition("assigned_to", "", "Jean Dupont")), "assignedto[]=[Jean Dupont]"),
    (FilterSpec(assignation=AssignationCondition("not_assigned_to", "Animation", "Li Wei")),
     "assignedto[Animation]=[-Li Wei]"),
    (FilterSpec(assignation=AssignationCondition("assigned_to", "Layout", "")), ""),  # no person: nothing
    (FilterSpec(assignation=AssignationCondition("assigned", "Light Comp")), "[Light Comp]=assigned"),
    (FilterSpec(assignation=AssignationCondition("unassigned", "FX")), "[FX]=unassigned"),
    (FilterSpec(thumbnail=True), "withthumbnail"),
    (FilterSpec(thumbnail=False), "-withthumbnail"),
    (FilterSpec(priority=PriorityCondition("Light Comp", 1)), "priority-[light comp]=1"),
    (FilterSpec(ready_for="Layout"), "readyfor=[layout]"),
    (FilterSpec(assets_ready=AssetsReadyCondition("Light Comp")), "assetsready=[Light Comp]"),
    (FilterSpec(assets_ready=AssetsReadyCondition("Layout", ready=False)), "assetsready=[-Layout]"),
    # Every part, in Kitsu's order, then the OR wrap around all of it.
    (FilterSpec(union=True, asset_type="Props", statuses=(StatusCondition("Modeling", ("wip",)),),
                descriptors=(DescriptorCondition("Size", ("big",)),),
                assignation=AssignationCondition("assigned_to", "", "John Doe"), thumbnail=True,
                priority=PriorityCondition("Modeling", 3), ready_for="Animation",
                assets_ready=AssetsReadyCondition("Modeling")),
     "+(type=[Props] [Modeling]=[wip] [Size]=[big] assignedto[]=[John Doe] withthumbnail priority-[modeling]=3"
     " readyfor=[animation] assetsready=[Modeling])"),
])
def test_written_text(spec: FilterSpec, text: str) -> None:
    assert build_query(spec) == text
    assert spec.is_empty is (text == "")


@pytest.mark.parametrize(("entity", "spec", "query"), [
    ("asset", FilterSpec(asset_type="Props"), "type=[Props]"),
    ("shot", FilterSpec(priority=PriorityCondition("Layout", 0)), "priority-[layout]=0"),
    ("shot", FilterSpec(assets_ready=AssetsReadyCondition("Layout", ready=False)), "assetsready=[-Layout]"),
    ("shot", FilterSpec(union=True, statuses=(StatusCondition("Layout", ("wip",)),
                                              StatusCondition("Animation", ("done",)))),
     "+([Layout]=[wip] [Animation]=[done])"),
    ("shot", FilterSpec(statuses=(StatusCondition("", ("retake", "hold")),)), "status=[retake,hold]"),
])
def test_builder_forms_pinned_by_kitsu_vectors(entity: str, spec: FilterSpec, query: str) -> None:
    """The vectors were computed by running Kitsu on these very strings, which its builder writes."""
    assert build_query(spec) == query
    assert evaluate(DATASET, entity, query) == CASES[(entity, query)]["expected_ids"]


@pytest.mark.parametrize(("entity", "spec", "typed"), [
    ("shot", FilterSpec(statuses=(StatusCondition("Layout", ("wip", "done"), excluding=True),)),
     "layout=[-wip,done]"),
    ("shot", FilterSpec(assignation=AssignationCondition("assigned_to", "Layout", "Jean Dupont")),
     "assignedto[layout]=[jean dupont]"),
    ("shot", FilterSpec(descriptors=(DescriptorCondition("Budget Days", ("2", "3")),)), "[budget days]=[2,3]"),
    ("shot", FilterSpec(descriptors=(ChecklistCondition("Checks", "Sound", checked=False),)),
     "[Checks]=[Sound:false]"),
    ("asset", FilterSpec(descriptors=(DescriptorCondition("Size", ("big", "small")),)), "size=[big,small]"),
    ("asset", FilterSpec(assignation=AssignationCondition("assigned_to", "Modeling", "John Doe")),
     "assignedto[Modeling]=[John Doe]"),
])
def test_builder_text_means_what_the_typed_vector_means(entity: str, spec: FilterSpec, typed: str) -> None:
    """The builder spells names its own way (brackets, the page's case); Kitsu's rows stay the same."""
    assert evaluate(DATASET, entity, build_query(spec)) == CASES[(entity, typed)]["expected_ids"]


# --------------------------------------------------------------------------------- rows
def _rows(entity: str) -> list[dict[str, Any]]:
    return list(DATASET[f"{entity}s"])


def _task(row: Mapping[str, Any], task_type: str) -> dict[str, Any] | None:
    task_id = row["validations"].get(TASK_TYPE[task_type])
    return TASKS.get(task_id) if task_id else None


def _status_in(task_type: str, *shorts: str) -> Callable[[Mapping[str, Any]], bool]:
    wanted = {STATUS[s] for s in shorts}

    def check(row: Mapping[str, Any]) -> bool:
        task = _task(row, task_type)
        return task is not None and task["task_status_id"] in wanted
    return check


def _assigned(task_type: str, person: str) -> Callable[[Mapping[str, Any]], bool]:
    def check(row: Mapping[str, Any]) -> bool:
        task = _task(row, task_type)
        return task is not None and PERSON[person] in task["assignees"]
    return check


def _data(field: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda row: (row.get("data") or {}).get(field)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # "n/a": not a number, equal to nothing


def _checklist(field: str, item: str, checked: bool) -> Callable[[Mapping[str, Any]], bool]:
    def check(row: Mapping[str, Any]) -> bool:
        raw = _data(field)(row)
        if not raw:
            return False  # no checklist value at all never matches (spec §6.6)
        return bool(json.loads(raw.lower()).get(item.lower(), False)) is checked
    return check


EXPECTATIONS: list[tuple[str, FilterSpec, Callable[[Mapping[str, Any]], bool]]] = [
    ("shot", FilterSpec(statuses=(StatusCondition("Layout", ("todo", "WIP")),)), _status_in("Layout", "todo", "WIP")),
    ("shot", FilterSpec(statuses=(StatusCondition("FX", ("done",), excluding=True),)),
     lambda r: not _status_in("FX", "done")(r)),
    ("shot", FilterSpec(statuses=(StatusCondition("", ("retake",)),)),
     lambda r: any(TASKS[t]["task_status_id"] == STATUS["retake"] for t in r["validations"].values())),
    ("shot", FilterSpec(statuses=(StatusCondition("Layout", ("WIP",)), StatusCondition("Animation", ("WIP", "wfa")))),
     lambda r: _status_in("Layout", "WIP")(r) and _status_in("Animation", "WIP", "wfa")(r)),
    ("shot", FilterSpec(union=True, statuses=(StatusCondition("Layout", ("done",)),
                                              StatusCondition("Animation", ("WIP",)))),
     lambda r: _status_in("Layout", "done")(r) or _status_in("Animation", "WIP")(r)),
    ("shot", FilterSpec(assignation=AssignationCondition("assigned_to", "Animation", "Jean Dupont")),
     _assigned("Animation", "Jean Dupont")),
    ("shot", FilterSpec(assignation=AssignationCondition("assigned_to", "", "Anne Marie Martin")),
     lambda r: any(PERSON["Anne Marie Martin"] in TASKS[t]["assignees"] for t in r["tasks"])),
    ("shot", FilterSpec(assignation=AssignationCondition("not_assigned_to", "Light Comp", "Anne Marie Martin")),
     lambda r: not _assigned("Light Comp", "Anne Marie Martin")(r)),
    ("shot", FilterSpec(assignation=AssignationCondition("assigned", "Layout")),
     lambda r: bool((_task(r, "Layout") or {}).get("assignees"))),
    ("shot", FilterSpec(assignation=AssignationCondition("unassigned", "FX")),
     lambda r: not (_task(r, "FX") or {}).get("assignees")),
    ("shot", FilterSpec(descriptors=(DescriptorCondition("Difficulty", ("hard",)),)),
     lambda r: "hard" in str(_data("difficulty")(r) or "").lower()),
    ("shot", FilterSpec(descriptors=(DescriptorCondition("Difficulty", ("easy", "medium"), excluding=True),)),
     lambda r: not any(v in str(_data("difficulty")(r) or "").lower() for v in ("easy", "medium"))),
    ("shot", FilterSpec(descriptors=(DescriptorCondition("Budget Days", ("2", "3")),)),
     lambda r: _number(_data("budget_days")(r)) in (2.0, 3.0)),
    ("shot", FilterSpec(descriptors=(ChecklistCondition("Checks", "Layout OK"),)),
     _checklist("checks", "Layout OK", True)),
    ("shot", FilterSpec(descriptors=(ChecklistCondition("Checks", "Sound", checked=False),)),
     _checklist("checks", "Sound", False)),
    ("shot", FilterSpec(thumbnail=True), lambda r: r.get("preview_file_id") not in (None, "")),
    ("shot", FilterSpec(thumbnail=False), lambda r: r.get("preview_file_id") in (None, "")),
    ("shot", FilterSpec(priority=PriorityCondition("Light Comp", 1)),
     lambda r: (_task(r, "Light Comp") or {}).get("priority") == 1),
    ("asset", FilterSpec(asset_type="Props"),
     lambda r: r["asset_type_id"] == next(a["id"] for a in DATASET["asset_types"] if a["name"] == "Props")),
    ("asset", FilterSpec(asset_type="Props", asset_type_excluding=True),
     lambda r: r["asset_type_id"] != next(a["id"] for a in DATASET["asset_types"] if a["name"] == "Props")),
    ("asset", FilterSpec(asset_type="Characters", statuses=(StatusCondition("Modeling", ("WIP", "done")),),
                         thumbnail=True),
     lambda r: (r["asset_type_name"] == "Characters" and _status_in("Modeling", "WIP", "done")(r)
                and r.get("preview_file_id") not in (None, ""))),
    ("asset", FilterSpec(descriptors=(DescriptorCondition("Size", ("big",)),)),
     lambda r: "big" in str(_data("size")(r) or "").lower()),
    ("asset", FilterSpec(assignation=AssignationCondition("assigned_to", "Modeling", "Émilie Durand")),
     _assigned("Modeling", "Émilie Durand")),
]


@pytest.mark.parametrize(("entity", "spec", "predicate"), EXPECTATIONS,
                         ids=[f"{e}-{build_query(s)}" for e, s, _ in EXPECTATIONS])
def test_built_query_selects_the_rows_the_data_says(
        entity: str, spec: FilterSpec, predicate: Callable[[Mapping[str, Any]], bool]) -> None:
    query = build_query(spec)
    expected = [row["id"] for row in _rows(entity) if predicate(row)]
    assert evaluate(DATASET, entity, query) == expected
    assert 0 < len(expected) < len(_rows(entity)), "a case that filters nothing proves nothing"


def test_readyfor_is_written_lowercase_and_dead_on_the_asset_page_as_in_kitsu() -> None:
    query = build_query(FilterSpec(ready_for="Layout"))
    assert query == "readyfor=[layout]"
    # Kitsu's asset page knows only asset task types: the shot task type it offers is ignored (spec §6.10).
    assert evaluate(DATASET, "asset", query) == [a["id"] for a in DATASET["assets"]]


# --------------------------------------------------------------------------------- pre-fill
def test_prefill_reads_back_what_the_builder_wrote() -> None:
    context = context_from_dataset(DATASET, "shot")
    spec = FilterSpec(union=True, statuses=(StatusCondition("Light Comp", ("wfa", "done")),
                                            StatusCondition("", ("hold",), excluding=True)),
                      descriptors=(DescriptorCondition("Difficulty", ("very hard",)),
                                   ChecklistCondition("Checks", "Sound", checked=False)),
                      assignation=AssignationCondition("not_assigned_to", "", "Li Wei"), thumbnail=False,
                      priority=PriorityCondition("Layout", 2), assets_ready=AssetsReadyCondition("FX"))
    assert spec_from_query(build_query(spec), context) == spec


def test_prefill_from_typed_text_and_what_the_builder_drops() -> None:
    context = context_from_dataset(DATASET, "shot")
    typed = "sq01 layout=wip,DONE animation=assigned -SH010 anmation=wip"
    spec = spec_from_query(typed, context)
    assert spec == FilterSpec(statuses=(StatusCondition("Layout", ("WIP", "done")),),
                              assignation=AssignationCondition("assigned", "Animation"))
    assert build_query(spec) == "[Layout]=[WIP,done] [Animation]=assigned"
    assert left_out_of_builder(typed, context) == ("sq01", "-SH010")
    asset_context = context_from_dataset(DATASET, "asset")
    assert spec_from_query("type=-Props", asset_context) == FilterSpec(asset_type="Props",
                                                                       asset_type_excluding=True)
    assert spec_from_query("type=Nope", asset_context) == FilterSpec()  # unknown: nothing to show


def test_choices_and_inexpressible_names() -> None:
    checks = DescriptorChoice("Checks", "checklist", ("[ ] Layout OK", "[x] Sound"))
    assert checks.checklist_items == ("Layout OK", "Sound") and checks.is_checklist
    assert not DescriptorChoice("Difficulty", "list", ("easy", "[x] odd")).is_checklist
    assert DescriptorChoice("Ok", "boolean").is_boolean
    choices = BuilderChoices("shot", descriptors=(checks,))
    assert choices.descriptor("checks") is checks and choices.descriptor("nope") is None
    spec = FilterSpec(statuses=(StatusCondition("A=B", ("wip",)),),
                      descriptors=(DescriptorCondition("Size", ("big,huge", "ok")),))
    assert inexpressible(spec) == ("A=B", "big,huge")
    assert inexpressible(FilterSpec(asset_type="Props")) == ()


# --------------------------------------------------------------------------------- round trip
def _page_names(entity: str) -> dict[str, Any]:
    kind = "Shot" if entity == "shot" else "Asset"
    return {
        "task_types": [t["name"] for t in DATASET["task_types"] if t["for_entity"] == kind],
        "statuses": [s["short_name"] for s in DATASET["task_statuses"]],
        # "Johnd Oe" collides with "John Doe" once spaces are dropped: Kitsu reads both back as the first.
        "people": [p["name"] for p in DATASET["persons"] if p["name"] != "Johnd Oe"],
        "descriptors": [d for d in DATASET["descriptors"] if d["entity_type"] == kind],
        "asset_types": [a["name"] for a in DATASET["asset_types"]] if entity == "asset" else [],
    }


_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789 _.", min_size=1, max_size=8).filter(
    lambda v: not v.endswith((":true", ":false")))


@st.composite
def specs(draw: st.DrawFn, entity: str) -> FilterSpec:
    names = _page_names(entity)
    task_types, statuses = names["task_types"], names["statuses"]

    def ordered_subset(items: list[str]) -> tuple[str, ...]:
        picked = draw(st.sets(st.sampled_from(items), min_size=1, max_size=3))
        return tuple(i for i in items if i in picked)  # pre-fill lists statuses in the project's order

    conditions = tuple(
        StatusCondition(draw(st.sampled_from(["", *task_types])), ordered_subset(statuses), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 2))))
    descriptors: list[DescriptorCondition | ChecklistCondition] = []
    for desc in draw(st.lists(st.sampled_from(names["descriptors"]), max_size=2)):
        if desc["data_type"] == "checklist":
            item = draw(st.sampled_from([c[4:] for c in desc["choices"]]))
            descriptors.append(ChecklistCondition(desc["name"], item, draw(st.booleans())))
        else:
            values = tuple(draw(st.lists(_VALUE, min_size=1, max_size=2)))
            descriptors.append(DescriptorCondition(desc["name"], values, draw(st.booleans())))
    mode = draw(st.sampled_from([None, "assigned_to", "not_assigned_to", "assigned", "unassigned"]))
    assignation = None
    if mode in ("assigned_to", "not_assigned_to"):
        assignation = AssignationCondition(mode, draw(st.sampled_from(["", *task_types])),
                                           draw(st.sampled_from(names["people"])))
    elif mode in ("assigned", "unassigned"):
        assignation = AssignationCondition(mode, draw(st.sampled_from(task_types)))
    priority = None
    if draw(st.booleans()):
        priority = PriorityCondition(draw(st.sampled_from(task_types)), draw(st.integers(0, 3)))
    assets_ready = None
    if entity == "shot" and draw(st.booleans()):
        assets_ready = AssetsReadyCondition(draw(st.sampled_from(task_types)), draw(st.booleans()))
    asset_type = draw(st.sampled_from(["", *names["asset_types"]]))
    return FilterSpec(union=draw(st.booleans()), asset_type=asset_type,
                      asset_type_excluding=bool(asset_type) and draw(st.booleans()), statuses=conditions,
                      descriptors=tuple(descriptors), assignation=assignation,
                      thumbnail=draw(st.sampled_from([None, True, False])), priority=priority,
                      assets_ready=assets_ready)


def _canonical(spec: FilterSpec) -> FilterSpec:
    """Pre-fill gives case as the page spells names, and no OR flag when nothing was written."""
    return spec if not spec.is_empty else FilterSpec()


@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data(), entity=st.sampled_from(["shot", "asset"]))
def test_any_spec_survives_query_prefill_query(data: st.DataObject, entity: str) -> None:
    spec = data.draw(specs(entity))
    query = build_query(spec)
    context = context_from_dataset(DATASET, entity)
    back = spec_from_query(query, context)
    assert back == _canonical(spec), query
    assert build_query(back) == query
    assert left_out_of_builder(query, context) == ()
    # And the engine runs it: a subset of the rows, in the list's order.
    ids = [row["id"] for row in _rows(entity)]
    result = evaluate(DATASET, entity, query)
    assert result == [i for i in ids if i in set(result)]
