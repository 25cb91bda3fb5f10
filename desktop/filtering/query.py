"""Context-free parsing of a Kitsu search query (spec: docs kitsu-filters.md §2-§5).

`parse_query` turns the raw search text into a `ParsedQuery`: free-text keywords, name
exclusions, the union flag and the raw (still unresolved) filter expressions. Nothing here
knows task types or statuses; `compiler.compile_query` resolves names against a context.

The patterns below are written from the spec's prose, not copied from Kitsu. They keep
Kitsu's observable quirks on purpose (see the comments), because Slate must return exactly
the rows Kitsu would return for the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from desktop.filtering.jscompat import js_trim, parse_int

# A bracket group: "[" ... "]" where the inside never contains "[" (but may contain "]",
# spaces, commas or "="; the regex engine backtracks to the last "]" before the next "[").
_BRACKET: Final = r"\[[^\[]*\]"
# Outside brackets a name or value runs to the next U+0020; TAB and NBSP do not separate.
_RUN: Final = r"[^ ]*"

# From the first "+(" to the last ")" on the same line. JS "." stops at \n, \r, U+2028 and
# U+2029, Python's only at \n, hence the explicit class.
UNION_RE: Final = re.compile(r"\+\(([^\n\r\u2028\u2029]*)\)")
# The four equality forms, tried in this order at each position: (A) [n]=[v], (B) n=[v],
# (C) n=v, (D) [n]=v. Order matters: e.g. "[a=b c]=x" is matched by (C) as "[a=b".
EQUAL_RE: Final = re.compile(rf"{_BRACKET}={_BRACKET}|{_RUN}={_BRACKET}|{_RUN}={_RUN}|{_BRACKET}={_RUN}")
# No word boundaries: "subtype=x" contains "type=x", and that is what Kitsu does.
ASSET_TYPE_RE: Final = re.compile(rf"type={_BRACKET}|type={_RUN}")
DEPARTMENT_RE: Final = re.compile(rf"department={_BRACKET}|department={_RUN}")
READY_FOR_RE: Final = re.compile(rf"readyfor={_BRACKET}|readyfor={_RUN}")
# Exactly one ASCII digit (Python's \d would also take non-ASCII digits).
PRIORITY_RE: Final = re.compile(rf"priority-{_BRACKET}=[0-9]|priority-{_RUN}=[0-9]")
ASSETS_READY_RE: Final = re.compile(rf"assetsready={_BRACKET}|assetsready={_RUN}")
MULTIPLE_RE: Final = re.compile(_BRACKET)
ASSIGNATION_RE: Final = re.compile(rf"assignedto{_BRACKET}={_BRACKET}")
QUOTED_RE: Final = re.compile(r'"([^"]*)"')

NBSP: Final = "\u00a0"
THUMBNAIL: Final = "withthumbnail"


def clean_parenthesis(text: str) -> str:
    """Kitsu's bracket stripping: if it starts with "[", drop the first and last character.

    The last character is dropped even when it is not "]" ("[wip" -> "wi").
    """
    return text[1:-1] if text.startswith("[") else text


def split_negation(value: str) -> tuple[str, bool]:
    """A leading "-" on the value (after bracket removal) negates the whole value."""
    if value.startswith("-"):
        return value[1:], True
    return value, False


def _equal_parts(match_text: str) -> tuple[str, str]:
    # Kitsu splits the matched text on "=" and keeps parts 0 and 1: anything after a second
    # "=" is lost ("layout==wip" has the empty value).
    parts = match_text.split("=")
    return parts[0], parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Span:
    """Where an expression sits in the filter text (offsets into `ParsedQuery.filter_text`)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class EqualExpr:
    """`name=value` in any of the four forms; may be a task status or a descriptor filter."""

    name: str  # brackets removed, case kept
    value: str  # brackets and the negation dash removed
    excluding: bool
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class AssetTypeExpr:
    value: str
    excluding: bool
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class AssignedToExpr:
    task_type: str  # "" for `assignedto[]`
    person: str
    excluding: bool
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class DepartmentExpr:
    names: tuple[str, ...]
    excluding: bool
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class PriorityExpr:
    task_type: str
    value: float  # a JS number: parseInt of the digit part, NaN if it is not one
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class ReadyForExpr:
    task_type: str  # no negation: "readyfor=-x" names the task type "-x"
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class AssetsReadyExpr:
    task_type: str
    excluding: bool
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Everything the query text says, before names are resolved against a context."""

    query: str
    keywords: tuple[str, ...]  # free-text keywords, ANDed, matched case-insensitively
    union: bool  # a `+( ... )` group was found: filters are ORed
    filter_text: str  # the text the filter parsers saw (the group's inside for a union)
    asset_types: tuple[AssetTypeExpr, ...]
    equals: tuple[EqualExpr, ...]
    assigned_to: tuple[AssignedToExpr, ...]
    departments: tuple[DepartmentExpr, ...]
    thumbnail: bool | None  # None: no thumbnail filter; True: excluding (-withthumbnail)
    priorities: tuple[PriorityExpr, ...]
    ready_for: tuple[ReadyForExpr, ...]
    assets_ready: tuple[AssetsReadyExpr, ...]
    exclusions: tuple[str, ...]  # name exclusions, dash removed (may be "")
    outside_union: tuple[str, ...]  # tokens outside the group that Kitsu silently drops


def get_keywords(query: str) -> tuple[str, ...]:
    """Free-text keywords (spec §3.1)."""
    if not query:
        return ()
    text = js_trim(query)
    # Spaces inside "..." become NBSP so the phrase survives the split; quotes stay.
    text = QUOTED_RE.sub(lambda m: '"' + m.group(1).replace(" ", NBSP) + '"', text)
    # Remove expressions in Kitsu's order. Removal glues the neighbours together, and the
    # order matters: priority first so "priority-x=15" leaves the keyword "5".
    text = UNION_RE.sub("", text, count=1)
    for pattern in (PRIORITY_RE, ASSIGNATION_RE, EQUAL_RE, MULTIPLE_RE):
        text = pattern.sub("", text)
    keywords: list[str] = []
    for raw in text.split(" "):
        # A typed NBSP becomes a space too: it is indistinguishable from a quoted one.
        token = raw.replace(NBSP, " ")
        token = token.removeprefix('"').removesuffix('"')
        token = js_trim(token)
        if token and not token.startswith("-") and token != THUMBNAIL:
            keywords.append(token)
    return tuple(keywords)


def get_union(query: str) -> tuple[str, bool]:
    """The text the filter parsers see, and whether a union group was found (spec §4)."""
    match = UNION_RE.search(query)
    if match is None:
        return query, False
    return match.group(1), True


def get_exclusions(text: str) -> tuple[str, ...]:
    """Name exclusions (spec §5). Quotes are not handled: `-"a b"` excludes `"a`."""
    text = UNION_RE.sub("", text, count=1)
    text = EQUAL_RE.sub("", text)
    return tuple(token[1:] for token in text.split(" ") if token.startswith("-") and token != "-" + THUMBNAIL)


def _outside_union(query: str) -> tuple[str, ...]:
    # Only for diagnostics: filters, exclusions and withthumbnail outside the group are
    # dropped by Kitsu without a word; plain keywords outside it still apply.
    match = UNION_RE.search(query)
    if match is None:
        return ()
    outside = query[: match.start()] + " " + query[match.end() :]
    dropped: list[str] = []
    for pattern in (PRIORITY_RE, ASSIGNATION_RE, EQUAL_RE):
        dropped.extend(m.group() for m in pattern.finditer(outside))
        outside = pattern.sub(" ", outside)
    dropped.extend(t for t in outside.split(" ") if (t.startswith("-") and t != "-") or THUMBNAIL in t)
    return tuple(dropped)


def parse_query(query: str | None) -> ParsedQuery:
    """Parse raw search text. Never raises: malformed input degrades like Kitsu's does."""
    query = query or ""
    text, union = get_union(query)

    asset_types = []
    for m in ASSET_TYPE_RE.finditer(text):
        value, excluding = split_negation(clean_parenthesis(_equal_parts(m.group())[1]))
        asset_types.append(AssetTypeExpr(value, excluding, m.group(), Span(*m.span())))

    equals = []
    for m in EQUAL_RE.finditer(text):
        name, raw_value = _equal_parts(m.group())
        value, excluding = split_negation(clean_parenthesis(raw_value))
        equals.append(EqualExpr(clean_parenthesis(name), value, excluding, m.group(), Span(*m.span())))

    assigned = []
    for m in ASSIGNATION_RE.finditer(text):
        name, raw_value = _equal_parts(m.group())
        person, excluding = split_negation(clean_parenthesis(raw_value))
        task_type = clean_parenthesis(name[len("assignedto") :])
        assigned.append(AssignedToExpr(task_type, person, excluding, m.group(), Span(*m.span())))

    departments = []
    for m in DEPARTMENT_RE.finditer(text):
        value, excluding = split_negation(clean_parenthesis(_equal_parts(m.group())[1]))
        departments.append(DepartmentExpr(tuple(value.split(",")), excluding, m.group(), Span(*m.span())))

    # A raw substring test: "nowiththumbnails" also turns it on; the negated form wins.
    thumbnail: bool | None = None
    if "-" + THUMBNAIL in text:
        thumbnail = True
    elif THUMBNAIL in text:
        thumbnail = False

    priorities = []
    for m in PRIORITY_RE.finditer(text):
        name, raw_value = _equal_parts(m.group())
        task_type = clean_parenthesis(name[len("priority-") :])
        # The digit is part 1 of the "=" split, read like parseInt; "priority-a=b=1" reads "b".
        priorities.append(PriorityExpr(task_type, parse_int(raw_value), m.group(), Span(*m.span())))

    ready_for = [
        ReadyForExpr(clean_parenthesis(_equal_parts(m.group())[1]), m.group(), Span(*m.span()))
        for m in READY_FOR_RE.finditer(text)
    ]

    assets_ready = []
    for m in ASSETS_READY_RE.finditer(text):
        value, excluding = split_negation(clean_parenthesis(_equal_parts(m.group())[1]))
        assets_ready.append(AssetsReadyExpr(value, excluding, m.group(), Span(*m.span())))

    return ParsedQuery(
        query=query,
        keywords=get_keywords(query),
        union=union,
        filter_text=text,
        asset_types=tuple(asset_types),
        equals=tuple(equals),
        assigned_to=tuple(assigned),
        departments=tuple(departments),
        thumbnail=thumbnail,
        priorities=tuple(priorities),
        ready_for=tuple(ready_for),
        assets_ready=tuple(assets_ready),
        exclusions=get_exclusions(text),
        outside_union=_outside_union(query),
    )
