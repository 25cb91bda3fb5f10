"""Compile a query against a page context into an immutable, reusable `CompiledFilter`.

Compiling resolves names (task types, statuses, descriptors, ...) once; the result can be
evaluated against any `Index` of that page, as often as needed. Alongside Kitsu's exact
behaviour it records `diagnostics`: the names Kitsu silently ignores (an unknown task type
makes a filter vanish and *widens* the list), so the UI can explain surprising results.
Diagnostics never change which rows match.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from desktop.filtering.context import FilterContext, hash_name
from desktop.filtering.filters import (
    AssetsReadyFilter,
    AssetTypeFilter,
    AssignationFilter,
    AssignedToFilter,
    DepartmentFilter,
    DescriptorFilter,
    ExclusionFilter,
    Filter,
    PriorityFilter,
    ReadyForFilter,
    StatusAnyFilter,
    StatusFilter,
    ThumbnailFilter,
)
from desktop.filtering.index import BaseIndex
from desktop.filtering.query import ParsedQuery, Span, parse_query

DiagnosticKind = Literal[
    # An unknown name (these are what `CompiledFilter.unknown` lists):
    "task_type",
    "status",
    "asset_type",
    "task_type_or_descriptor",  # `x=y` where x is neither (both share that syntax)
    "department",
    "person",
    # Something Kitsu accepts but silently ignores:
    "not_on_page",  # e.g. department= outside the people page
    "outside_union",  # a filter or exclusion outside the +( ... ) group
    "negation_ignored",  # layout=-unassigned
]
UNKNOWN_KINDS: frozenset[str] = frozenset(
    {"task_type", "status", "asset_type", "task_type_or_descriptor", "department", "person"}
)

Effect = Literal[
    "ignored",  # the expression has no effect (the list gets wider than intended)
    "dropped_from_list",  # one item of a comma list is ignored, the rest applies
    "matches_nothing",  # Kitsu empties the list (unknown `type=`)
    "any_task_type",  # assignedto[Unknown]=[P] falls back to any task type
]

_KIND_LABELS: dict[str, str] = {
    "task_type": "task type",
    "status": "status",
    "asset_type": "asset type",
    "task_type_or_descriptor": "task type or descriptor",
    "department": "department",
    "person": "person",
}
_EFFECT_LABELS: dict[str, str] = {
    "ignored": "ignored",
    "dropped_from_list": "left out of the list",
    "matches_nothing": "nothing matches",
    "any_task_type": "any task type is used",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A hint about part of the query that Kitsu ignores or treats surprisingly."""

    kind: DiagnosticKind
    name: str  # the offending name as typed (or the dropped expression)
    expression: str  # the expression it came from
    effect: Effect
    suggestions: tuple[str, ...] = ()  # close known names, best first

    @property
    def message(self) -> str:
        """A short English sentence for a tooltip or status line."""
        if self.kind == "not_on_page":
            text = f"'{self.expression}' does not apply on this page"
        elif self.kind == "outside_union":
            text = f"'{self.expression}' is outside the +( ) group"
        elif self.kind == "negation_ignored":
            text = f"the '-' in '{self.expression}' has no effect"
        else:
            text = f"unknown {_KIND_LABELS[self.kind]} '{self.name}'"
        if self.suggestions:
            text += " (did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?)"
        return f"{text}: {_EFFECT_LABELS[self.effect]}"


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    """A parsed and resolved query; evaluate it with `select` or `ids` against an index (`BaseIndex`)."""

    query: str
    keywords: tuple[str, ...]
    union: bool
    filters: tuple[Filter, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def unknown(self) -> tuple[Diagnostic, ...]:
        """Unknown names: task types, statuses, asset types, task-type-or-descriptor names
        (`x=y`), departments and people. The other diagnostics are in `diagnostics`."""
        return tuple(d for d in self.diagnostics if d.kind in UNKNOWN_KINDS)

    @property
    def matches_everything(self) -> bool:
        """True when no keyword or filter applies (an empty or fully-ignored query)."""
        return not self.filters and not any(k and "=" not in k for k in self.keywords)

    def select(self, index: BaseIndex, positions: Sequence[int] | None = None) -> list[int]:
        """Positions of the matching rows, ascending (the index's row order).

        `positions` restricts the candidates (e.g. rows already hidden by another control).
        """
        candidates: list[int] = list(range(len(index))) if positions is None else list(positions)
        # Keywords first (Kitsu's indexSearch), ANDed; no usable keyword means all rows.
        for keyword in self.keywords:
            if keyword and "=" not in keyword:
                candidates = index.search(keyword, candidates)
        if not self.filters or not candidates:
            return candidates
        if not self.union:
            # Cheapest first (stable, so Kitsu's order among equals): the expensive filters
            # then only see the rows the cheap ones kept.
            for flt in sorted(self.filters, key=_cost):
                candidates = flt.select(index, candidates)
                if not candidates:
                    break
            return candidates
        # Union: a row is kept if any filter passes; each filter only tests rows no earlier
        # filter has accepted yet.
        accepted: set[int] = set()
        remaining = candidates
        for flt in self.filters:
            passed = flt.select(index, remaining)
            if passed:
                accepted.update(passed)
                remaining = [i for i in remaining if i not in accepted]
                if not remaining:
                    break
        return [i for i in candidates if i in accepted]

    def ids(self, index: BaseIndex, positions: Sequence[int] | None = None) -> list[str]:
        """Ids of the matching rows, in the index's row order."""
        row_ids = index.ids
        return [row_ids[i] for i in self.select(index, positions)]


def _cost(flt: Filter) -> int:
    return flt.evaluation_cost()


def _similarity(typed: str, known: str) -> float:
    if typed and typed in known:
        return 1.0  # a partial name such as "anim" (Kitsu wants the whole name)
    # SequenceMatcher is asymmetric; take the better direction ("anmi" vs "animation").
    return max(
        difflib.SequenceMatcher(None, typed, known).ratio(),
        difflib.SequenceMatcher(None, known, typed).ratio(),
    )


def _suggest(name: str, known: Iterable[str], limit: int = 2, cutoff: float = 0.6) -> tuple[str, ...]:
    """Known names close to `name` (case-insensitively), best first."""
    typed = name.lower()
    if not typed:
        return ()
    by_lower: dict[str, str] = {}
    for candidate in known:
        by_lower.setdefault(candidate.lower(), candidate)
    # Stable sort: ties keep the context's order.
    scored = sorted(
        ((_similarity(typed, low), low) for low, shown in by_lower.items() if shown != name),
        key=lambda pair: -pair[0],
    )
    return tuple(by_lower[low] for score, low in scored[:limit] if score >= cutoff)


def _overlaps(span: Span, others: Sequence[Span]) -> bool:
    return any(span.start < other.end and other.start < span.end for other in others)


class _Compiler:
    """Builds Kitsu's filter list in Kitsu's order (spec §4), collecting diagnostics."""

    def __init__(self, parsed: ParsedQuery, context: FilterContext) -> None:
        self.parsed = parsed
        self.ctx = context
        self.filters: list[Filter] = []
        self.diagnostics: list[Diagnostic] = []
        # Spans of the dedicated constructs. Their text also matches the generic `x=y`
        # pattern (e.g. "priority-[Light Comp]=1" contains "[Light Comp]=1"); Kitsu still
        # reads those as status/descriptor expressions (and so do we), but reporting their
        # names as unknown would be noise.
        self.claimed: list[Span] = []
        for group in (
            parsed.asset_types,
            parsed.assigned_to,
            parsed.departments,
            parsed.priorities,
            parsed.ready_for,
            parsed.assets_ready,
        ):
            self.claimed.extend(e.span for e in group)

    def note(self, kind: DiagnosticKind, name: str, expression: str, effect: Effect, known: Iterable[str] = ()) -> None:
        self.diagnostics.append(Diagnostic(kind, name, expression, effect, _suggest(name, known)))

    def task_type_names(self) -> list[str]:
        return [t.name for t in self.ctx.task_types]

    def run(self) -> CompiledFilter:
        p = self.parsed
        for diagnose in (
            self.asset_types,
            self.task_type_filters,
            self.descriptors,
            self.assigned_to,
            self.departments,
            self.thumbnail,
            self.priorities,
            self.ready_for,
            self.assets_ready,
            self.exclusions,
        ):
            diagnose()
        for text in p.outside_union:
            self.note("outside_union", text, text, "ignored")
        return CompiledFilter(p.query, p.keywords, p.union, tuple(self.filters), tuple(self.diagnostics))

    def asset_types(self) -> None:
        for expr in self.parsed.asset_types:
            found = self.ctx.asset_type_by_name.get(expr.value)
            # Kitsu always adds this filter: an unknown type rejects every row (or, negated,
            # none), it is not ignored like other unknown names.
            self.filters.append(AssetTypeFilter(found.id if found else None, expr.excluding))
            if found is not None:
                continue
            effect: Effect = "ignored" if expr.excluding else "matches_nothing"
            if not self.ctx.asset_types:
                self.note("not_on_page", expr.value, expr.text, effect)
            else:
                self.note("asset_type", expr.value, expr.text, effect, (a.name for a in self.ctx.asset_types))

    def task_type_filters(self) -> None:
        statuses = self.ctx.status_by_name
        for expr in self.parsed.equals:
            is_any = expr.name.lower() == "status"  # shadows a task type named "Status"
            task_type = None if is_any else self.ctx.task_type_by_name.get(expr.name.lower())
            if (task_type is None and not is_any) or not expr.value:
                continue  # unknown names are diagnosed with descriptors
            if task_type is not None and expr.value in ("assigned", "unassigned"):
                if expr.excluding:
                    self.note("negation_ignored", expr.value, expr.text, "ignored")
                self.filters.append(AssignationFilter(task_type.id, expr.value == "assigned"))
                continue
            ids: list[str] = []
            names = expr.value.split(",")
            quiet = _overlaps(expr.span, self.claimed)
            for name in names:
                status = statuses.get(name.lower())
                if status is not None:
                    ids.append(status.id)
                elif not quiet:
                    effect: Effect = "dropped_from_list" if len(names) > 1 else "ignored"
                    self.note("status", name, expr.text, effect, (s.name for s in self.ctx.task_statuses))
            if not ids:
                continue
            if task_type is None:
                self.filters.append(StatusAnyFilter(frozenset(ids), expr.excluding))
            else:
                self.filters.append(StatusFilter(task_type.id, frozenset(ids), expr.excluding))

    def descriptors(self) -> None:
        p = self.parsed
        for expr in p.equals:
            lowered = expr.name.lower()
            if expr.name in ("type", "department") or lowered in self.ctx.task_type_by_name:
                continue
            descriptor = self.ctx.descriptor_by_name.get(lowered)
            if descriptor is None:
                if expr.name and lowered != "status" and not _overlaps(expr.span, self.claimed):
                    known = [*self.task_type_names(), *(d.name for d in self.ctx.descriptors)]
                    self.note("task_type_or_descriptor", expr.name, expr.text, "ignored", known)
                continue
            # Commas always split; an empty value gives [""], which matches any set value.
            self.filters.append(DescriptorFilter(descriptor, tuple(expr.value.split(",")), expr.excluding))

    def assigned_to(self) -> None:
        for expr in self.parsed.assigned_to:
            task_type = self.ctx.task_type_by_name.get(expr.task_type.lower()) if expr.task_type else None
            people = self.ctx.persons_by_hash.get(hash_name(expr.person), ())
            if not people:
                self.note("person", expr.person, expr.text, "ignored", (p.name for p in self.ctx.persons))
                continue
            if expr.task_type and task_type is None:
                self.note("task_type", expr.task_type, expr.text, "any_task_type", self.task_type_names())
            self.filters.append(
                AssignedToFilter(task_type.id if task_type else None, frozenset(people), expr.excluding)
            )

    def departments(self) -> None:
        for expr in self.parsed.departments:
            if not self.ctx.departments:
                self.note("not_on_page", expr.text, expr.text, "ignored")
                continue
            ids: list[str] = []
            for name in expr.names:
                department = self.ctx.department_by_name.get(name.lower())
                if department is not None:
                    ids.append(department.id)
                else:
                    effect: Effect = "dropped_from_list" if len(expr.names) > 1 else "ignored"
                    self.note("department", name, expr.text, effect, (d.name for d in self.ctx.departments))
            if ids:
                self.filters.append(DepartmentFilter(frozenset(ids), expr.excluding))

    def thumbnail(self) -> None:
        if self.parsed.thumbnail is not None:
            self.filters.append(ThumbnailFilter(self.parsed.thumbnail))

    def priorities(self) -> None:
        for expr in self.parsed.priorities:
            task_type = self.ctx.task_type_by_name.get(expr.task_type.lower())
            if task_type is None:
                self.note("task_type", expr.task_type, expr.text, "ignored", self.task_type_names())
            else:
                self.filters.append(PriorityFilter(task_type.id, expr.value))

    def ready_for(self) -> None:
        for expr in self.parsed.ready_for:
            task_type = self.ctx.task_type_by_name.get(expr.task_type.lower())
            if task_type is None:
                self.note("task_type", expr.task_type, expr.text, "ignored", self.task_type_names())
            else:
                self.filters.append(ReadyForFilter(task_type.id))

    def assets_ready(self) -> None:
        for expr in self.parsed.assets_ready:
            task_type = self.ctx.task_type_by_name.get(expr.task_type.lower())
            if task_type is None:
                self.note("task_type", expr.task_type, expr.text, "ignored", self.task_type_names())
            else:
                self.filters.append(AssetsReadyFilter(task_type.id, expr.excluding))

    def exclusions(self) -> None:
        self.filters.extend(ExclusionFilter(keyword) for keyword in self.parsed.exclusions)


def compile_query(query: str | None, context: FilterContext) -> CompiledFilter:
    """Parse `query` and resolve it against `context` (one page's names)."""
    return compile_parsed(parse_query(query), context)


def compile_parsed(parsed: ParsedQuery, context: FilterContext) -> CompiledFilter:
    """Resolve an already parsed query (parsing is context-free and can be reused)."""
    return _Compiler(parsed, context).run()
