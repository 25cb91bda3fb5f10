"""Property tests of the filter engine on the Kitsu vectors dataset (hypothesis).

Whatever a user types, the parser and the evaluator never raise; an empty or blank query shows every
row; the result is always some of the input rows, once each, in the list's order. Queries are drawn
both from raw text (brackets, quotes, `=`, `-`, `+`, parentheses, NBSP, TAB, any unicode) and from the
language's own pieces (real task type, status, descriptor, people and asset type names), so both the
malformed edges and the deep paths get exercised. Each test runs a few hundred cases in about a second.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.filtering import (
    compile_query,
    context_from_dataset,
    evaluate,
    get_keywords,
    index_from_dataset,
    parse_query,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))
DATASET: dict[str, Any] = VECTORS["dataset"]
ENTITIES = ("shot", "asset", "person")
ROWS_KEY = {"shot": "shots", "asset": "assets", "person": "persons"}
ALL_IDS = {entity: [row["id"] for row in DATASET[ROWS_KEY[entity]]] for entity in ENTITIES}
# Built once: the evaluator's own adapter rebuilds them per call, which hypothesis does not need.
CONTEXTS = {entity: context_from_dataset(DATASET, entity) for entity in ENTITIES}
INDEXES = {entity: index_from_dataset(DATASET, entity) for entity in ENTITIES}

SETTINGS = settings(max_examples=200, deadline=None, database=None,  # no .hypothesis/ left behind
                    suppress_health_check=[HealthCheck.too_slow])

# JS String.prototype.trim() whitespace (spec §3.1) plus line terminators.
JS_WHITESPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                "\u2028\u2029\u202f\u205f\u3000\ufeff"
SPECIAL = '[]"=-+(),: \u00a0\t'


def _names(key: str, field: str = "name") -> list[str]:
    return sorted({str(item[field]) for item in DATASET[key] if item.get(field)})


TASK_TYPES = _names("task_types")
STATUSES = _names("task_statuses", "short_name")
DESCRIPTORS = _names("descriptors")
PEOPLE = _names("persons")
ASSET_TYPES = _names("asset_types")
DEPARTMENTS = _names("departments")
WORDS = sorted({str(row["name"]) for key in ("shots", "assets") for row in DATASET[key]}
               | {str(s["name"]) for s in DATASET["sequences"]})

# Raw text: the characters the language cares about, mixed with anything unicode has.
raw_text = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=40)


def _bracketed(name: str) -> str:
    return f"[{name}]" if " " in name or "," in name else name


name_of = st.one_of(st.sampled_from(TASK_TYPES), st.sampled_from(DESCRIPTORS), st.just("status"),
                    st.text(alphabet="abcdefxyz ", min_size=0, max_size=6))
value_of = st.one_of(
    st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3).map(",".join),
    st.sampled_from(["assigned", "unassigned", "hard", "big", "2", "0", "Sound:true", "Layout OK:false", ""]),
    st.text(alphabet="abcxyz019 ,:", max_size=6),
)


@st.composite
def equal_expr(draw: st.DrawFn) -> str:
    name, value = draw(name_of), draw(value_of)
    negate = "-" if draw(st.booleans()) else ""
    form = draw(st.sampled_from(["[{n}]=[{v}]", "{n}=[{v}]", "{n}={v}", "[{n}]={v}"]))
    if " " in value and form.endswith("={v}"):
        form = form.replace("={v}", "=[{v}]")  # one token: a bare value stops at the space
    return form.format(n=name if form.startswith("[") else _bracketed(name), v=negate + value)


filter_token = st.one_of(
    equal_expr(),
    st.sampled_from([*ASSET_TYPES, "Unknown"]).map(lambda t: f"type=[{t}]"),
    st.sampled_from(ASSET_TYPES).map(lambda t: f"type=[-{t}]" if " " in t else f"type=-{t}"),
    st.tuples(st.sampled_from([*TASK_TYPES, ""]), st.sampled_from([*PEOPLE, "Nobody"]), st.booleans()).map(
        lambda t: f"assignedto[{t[0]}]=[{'-' if t[2] else ''}{t[1]}]"),
    st.sampled_from(DEPARTMENTS).map(lambda d: f"department=[{d}]"),
    st.sampled_from(["withthumbnail", "-withthumbnail"]),
    st.tuples(st.sampled_from(TASK_TYPES), st.integers(0, 9)).map(lambda t: f"priority-[{t[0]}]={t[1]}"),
    st.sampled_from(TASK_TYPES).map(lambda t: f"readyfor=[{t}]"),
    st.tuples(st.sampled_from(TASK_TYPES), st.booleans()).map(
        lambda t: f"assetsready=[{'-' if t[1] else ''}{t[0]}]"),
    st.sampled_from(WORDS).map(lambda w: f"-{w.split(' ')[0]}"),
)
keyword_token = st.one_of(st.sampled_from(WORDS).map(lambda w: f'"{w}"' if " " in w else w),
                          st.text(alphabet="abcdefghsq0123456789", min_size=1, max_size=4))


@st.composite
def grammar_query(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.one_of(filter_token, keyword_token), max_size=5))
    if tokens and draw(st.booleans()):
        cut = draw(st.integers(0, len(tokens)))
        inner = " ".join(tokens[cut:])
        tokens = [*tokens[:cut], f"+({inner})"]
    return " ".join(tokens)


any_query = st.one_of(raw_text, grammar_query())
entity_of = st.sampled_from(ENTITIES)


def _ids(entity: str, query: str) -> list[str]:
    """`evaluate` without rebuilding the page context and index on every call."""
    return compile_query(query, CONTEXTS[entity]).ids(INDEXES[entity])


def _is_ordered_subset(result: list[str], entity: str) -> bool:
    kept = set(result)
    return len(kept) == len(result) and result == [i for i in ALL_IDS[entity] if i in kept]


# ------------------------------------------------------------------------------------------ never raises
@SETTINGS
@given(query=any_query)
def test_parser_never_raises(query: str) -> None:
    parsed = parse_query(query)
    assert parsed.query == query
    assert isinstance(get_keywords(query), tuple)
    for entity in ENTITIES:
        compiled = compile_query(query, CONTEXTS[entity])
        for diagnostic in compiled.diagnostics:
            assert diagnostic.message  # every hint can be shown


@SETTINGS
@given(query=any_query, entity=entity_of)
def test_evaluate_never_raises_and_returns_input_rows_in_order(query: str, entity: str) -> None:
    result = evaluate(DATASET, entity, query)
    assert _is_ordered_subset(result, entity)
    # The pane path (context and index built once) gives the same rows as the one-shot adapter.
    assert compile_query(query, CONTEXTS[entity]).ids(INDEXES[entity]) == result


# ------------------------------------------------------------------------------------------ empty query
@SETTINGS
@given(blank=st.text(alphabet=JS_WHITESPACE, max_size=8), entity=entity_of)
def test_empty_or_blank_query_returns_everything(blank: str, entity: str) -> None:
    assert evaluate(DATASET, entity, blank) == ALL_IDS[entity]
    assert compile_query(blank, CONTEXTS[entity]).matches_everything


def test_empty_query_returns_everything() -> None:
    for entity in ENTITIES:
        assert evaluate(DATASET, entity, "") == ALL_IDS[entity]
        assert compile_query(None, CONTEXTS[entity]).ids(INDEXES[entity]) == ALL_IDS[entity]


# ------------------------------------------------------------------------------------------ algebra
@SETTINGS
@given(query=grammar_query(), word=st.text(alphabet="abcdefghsq0123456789", min_size=1, max_size=4),
       entity=entity_of)
def test_one_more_keyword_never_adds_rows(query: str, word: str, entity: str) -> None:
    """Keywords are ANDed: appending a plain word can only narrow the list."""
    before = set(_ids(entity, query))
    after = set(_ids(entity, f"{query} {word}"))
    assert after <= before


@SETTINGS
@given(token=filter_token, entity=entity_of)
def test_a_union_of_one_filter_is_that_filter(token: str, entity: str) -> None:
    assert _ids(entity, f"+({token})") == _ids(entity, token)


negatable = st.one_of(
    st.tuples(st.sampled_from(TASK_TYPES), st.lists(st.sampled_from(STATUSES), min_size=1, max_size=2)).map(
        lambda t: (f"[{t[0]}]=[{','.join(t[1])}]", f"[{t[0]}]=[-{','.join(t[1])}]")),
    st.lists(st.sampled_from(STATUSES), min_size=1, max_size=2).map(
        lambda s: (f"status=[{','.join(s)}]", f"status=[-{','.join(s)}]")),
    st.tuples(st.sampled_from(DESCRIPTORS), st.sampled_from(["big", "hard", "2", "smoke", "Sound:true"])).map(
        lambda t: (f"[{t[0]}]=[{t[1]}]", f"[{t[0]}]=[-{t[1]}]")),
    st.tuples(st.sampled_from([*TASK_TYPES, ""]), st.sampled_from(PEOPLE)).map(
        lambda t: (f"assignedto[{t[0]}]=[{t[1]}]", f"assignedto[{t[0]}]=[-{t[1]}]")),
    st.sampled_from(ASSET_TYPES).map(lambda t: (f"type=[{t}]", f"type=[-{t}]")),
    st.just(("withthumbnail", "-withthumbnail")),
)


@SETTINGS
@given(pair=negatable, entity=st.sampled_from(["shot", "asset"]))
def test_a_filter_and_its_negation_split_the_list(pair: tuple[str, str], entity: str) -> None:
    """Kitsu negates the whole test, so rows lacking the task or field land on the negated side."""
    positive, negative = pair
    context = CONTEXTS[entity]
    if compile_query(positive, context).matches_everything:
        return  # a name this page does not know: both forms are ignored
    yes, no = _ids(entity, positive), _ids(entity, negative)
    assert not set(yes) & set(no)
    assert sorted(yes + no, key=ALL_IDS[entity].index) == ALL_IDS[entity]
