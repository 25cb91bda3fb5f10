"""Parser unit tests: keywords, the four equality forms, unions, and Kitsu's lexical quirks."""

from __future__ import annotations

import math

import pytest

from desktop.filtering.query import clean_parenthesis, get_keywords, parse_query


@pytest.mark.parametrize(
    ("query", "keywords"),
    [
        ('chars "bunny fat" modeling=wip -bunnyfat [multiple]', ("chars", "bunny fat")),  # spec §3.1
        ('"forêt noire', ("forêt", "noire")),  # an unbalanced quote only loses its quote
        ("priority-animation=15", ("5",)),  # one digit is read, the rest is a keyword
        ("withthumbnail WithThumbnail", ("WithThumbnail",)),  # the literal is case-sensitive
        ('"a = b" x', ("x",)),  # quotes do not protect "="
        ("+(layout=wip SH010) SQ01", ("SQ01",)),  # words inside a union are not keywords
        ("\ufeff SH010 \u3000", ("SH010",)),  # JS trim() strips U+FEFF and U+3000
        ("SQ01\tSH010", ("SQ01\tSH010",)),  # only U+0020 separates tokens
        ("SQ01\u00a0SH010", ("SQ01 SH010",)),  # a typed NBSP becomes a space inside the token
        ('" SH010 "', ("SH010",)),  # quoted, then trimmed
        ('"-x" "y"', ("y",)),  # quote removal happens before the leading-dash test
        ("a[b]c", ("ac",)),  # removing a bracket group glues its neighbours
        ("[SH010,SH020]", ()),  # a bracket group without "=" is dropped
        ("", ()),
    ],
)
def test_keywords(query: str, keywords: tuple[str, ...]) -> None:
    assert get_keywords(query) == keywords


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [("[Layout]", "Layout"), ("[wip", "wi"), ("wip", "wip"), ("", ""), ("[]", ""), ("-[x]", "-[x]")],
)
def test_clean_parenthesis(text: str, cleaned: str) -> None:
    assert clean_parenthesis(text) == cleaned


@pytest.mark.parametrize(
    ("query", "name", "value", "excluding"),
    [
        ("[Light Comp]=[wfa]", "Light Comp", "wfa", False),  # (A)
        ("layout=[-wip,done]", "layout", "wip,done", True),  # (B)
        ("layout=-wip,done", "layout", "wip,done", True),  # (C): the dash negates the list
        ("[Light Comp]=wfa", "Light Comp", "wfa", False),  # (D)
        ("=wip", "", "wip", False),  # the name may be empty
        ("layout==wip", "layout", "", False),  # text after a second "=" is lost
        ("[Layout]=[wip", "Layout", "wi", False),  # (C) then cleanParenthesis drops "p"
    ],
)
def test_equality_forms(query: str, name: str, value: str, excluding: bool) -> None:
    (expr,) = parse_query(query).equals
    assert (expr.name, expr.value, expr.excluding) == (name, value, excluding)


def test_equality_form_order_matters() -> None:
    # (C) is tried before (D) at position 0 and matches "[a=b"; "c]=x" is a second match.
    parsed = parse_query("[a=b c]=x")
    assert [(e.name, e.value) for e in parsed.equals] == [("", "b"), ("c]", "x")]


def test_equality_breaks_at_a_space_without_brackets() -> None:
    parsed = parse_query("Light Comp=wfa")
    assert [e.name for e in parsed.equals] == ["Comp"]
    assert parsed.keywords == ("Light",)


def test_union_is_greedy_and_single() -> None:
    parsed = parse_query("+(fx=done) +(layout=retake)")
    assert parsed.union
    assert parsed.filter_text == "fx=done) +(layout=retake"
    assert [(e.name, e.value) for e in parsed.equals] == [("fx", "done)"), ("+(layout", "retake")]


def test_unbalanced_or_multiline_group_is_not_a_union() -> None:
    assert not parse_query("+(layout=wip").union
    # JS "." does not cross line terminators, Python's only stops at "\n".
    assert not parse_query("+(layout=wip\r)").union
    assert not parse_query("+(layout=wip\u2028)").union


def test_empty_union() -> None:
    parsed = parse_query("+()")
    assert parsed.union and parsed.filter_text == "" and parsed.keywords == ()


def test_only_the_group_is_parsed_for_filters() -> None:
    parsed = parse_query("SQ01 +(fx=done -SH010) layout=wip -SQ02 withthumbnail")
    assert [e.name for e in parsed.equals] == ["fx"]
    assert parsed.exclusions == ("SH010",)
    assert parsed.thumbnail is None
    assert parsed.keywords == ("SQ01",)
    assert parsed.outside_union == ("layout=wip", "-SQ02", "withthumbnail")


def test_asset_type_has_no_word_boundary_and_no_list() -> None:
    assert [(e.value, e.excluding) for e in parse_query("subtype=x").asset_types] == [("x", False)]
    assert [e.value for e in parse_query("type=Props,Characters").asset_types] == ["Props,Characters"]
    assert [(e.value, e.excluding) for e in parse_query("type=[-Set Dressing]").asset_types] == [("Set Dressing", True)]


def test_priority() -> None:
    (expr,) = parse_query("priority-[Light Comp]=1").priorities
    assert (expr.task_type, expr.value) == ("Light Comp", 1)
    assert parse_query("priority-layout=-1").priorities == ()  # no digit: no match
    assert parse_query("Priority-layout=1").priorities == ()  # case-sensitive keyword
    (odd,) = parse_query("priority-a=b=1").priorities  # part 1 of the "=" split is read
    assert odd.task_type == "a" and math.isnan(odd.value)


def test_assigned_to_needs_both_brackets() -> None:
    (expr,) = parse_query("assignedto[]=[-Jean Dupont]").assigned_to
    assert (expr.task_type, expr.person, expr.excluding) == ("", "Jean Dupont", True)
    assert parse_query("assignedto[Layout]=Jean").assigned_to == ()
    assert parse_query("assignedto=[Jean]").assigned_to == ()


def test_department_ready_for_assets_ready() -> None:
    parsed = parse_query("department=-[fx,cfx] readyfor=-layout assetsready=[-Light Comp]")
    assert [(d.names, d.excluding) for d in parsed.departments] == [(("[fx", "cfx]"), True)]
    assert [r.task_type for r in parsed.ready_for] == ["-layout"]  # no negation for readyfor
    assert [(a.task_type, a.excluding) for a in parsed.assets_ready] == [("Light Comp", True)]


@pytest.mark.parametrize(
    ("query", "thumbnail"),
    [
        ("withthumbnail", False),
        ("-withthumbnail", True),
        ("withthumbnail -withthumbnail", True),
        ("nowiththumbnails", False),
        ("WithThumbnail", None),
        ("", None),
    ],
)
def test_thumbnail(query: str, thumbnail: bool | None) -> None:
    assert parse_query(query).thumbnail is thumbnail


def test_exclusions() -> None:
    parsed = parse_query('-SQ01 - -withthumbnail -withthumbnails -"Forêt Noire" -a=b')
    assert parsed.exclusions == ("SQ01", "", "withthumbnails", '"Forêt')


def test_parse_is_total() -> None:
    # Malformed input never raises; it degrades the way Kitsu's regexes do.
    for query in ["[", "]", "=", "+(", ")", "[[[]]]", "a=[b", "[=]", "priority-=1", '"', None]:
        parse_query(query)
