"""The hook between a list's filter box and whatever decides which rows match.

The list models never filter themselves: they ask a `RowFilter` for the matching row positions of the
loaded `WithTasksTable` and show those. Today's filter is a plain case-insensitive substring match
(`SubstringFilter`); the Kitsu filter language (`desktop.filtering`, issue 6) plugs in by providing
another `RowFilterFactory`:

    def kitsu_factory(scope: FilterScope) -> RowFilter: ...   # build the page context once per project
    window.set_row_filter_factory(kitsu_factory)                # every entity pane now uses it

A `RowFilter` is called with the whole table on every query change and after every streamed batch;
it may cache per-table work (an index) keyed on the table object and its length. It must be fast
(it runs on the UI thread) and must never raise on any text: return `hints` to explain odd queries.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop.api.records import Project, WithTasksTable
from desktop.models.lookups import Lookups


@dataclass(frozen=True)
class FilterResult:
    rows: Collection[int] | None  # positions in table.rows that match; None means every row
    hints: tuple[str, ...] = ()  # shown under the filter box ("unknown task type: anmi")


@dataclass(frozen=True)
class FilterScope:
    """What a filter may need to understand a query on one page: the kind, the project, the names."""

    kind: str  # "shot" or "asset"
    project: Project | None
    lookups: Lookups
    extra: dict[str, Any] = field(default_factory=dict)


class RowFilter(Protocol):
    def __call__(self, table: WithTasksTable, query: str) -> FilterResult: ...


RowFilterFactory = Callable[[FilterScope], RowFilter]

SEARCH_FIELDS = ("name", "sequence_name", "episode_name", "asset_type_name", "description")


class SubstringFilter:
    """Case-insensitive substring over each row's names and description (all query words must match).

    The lower-cased haystack of each row is built once and extended as streamed rows arrive, so a
    keystroke on 10,000 rows is one `in` test per row and word.
    """

    def __init__(self, fields: tuple[str, ...] = SEARCH_FIELDS) -> None:
        self.fields = fields
        self._table: WithTasksTable | None = None
        self._hay: list[str] = []

    def _haystacks(self, table: WithTasksTable) -> list[str]:
        if table is not self._table:
            self._table, self._hay = table, []
        rows = table.rows
        if len(self._hay) < len(rows):
            positions = [table.col(f) for f in self.fields if table.has(f)]
            self._hay.extend(
                "\x00".join(str(row[p]) for p in positions if p < len(row) and row[p]).lower()
                for row in rows[len(self._hay):]
            )
        elif len(self._hay) > len(rows):
            del self._hay[len(rows):]
        return self._hay

    def __call__(self, table: WithTasksTable, query: str) -> FilterResult:
        words = query.lower().split()
        if not words:
            return FilterResult(None)
        hay = self._haystacks(table)
        if len(words) == 1:
            word = words[0]
            return FilterResult([i for i, h in enumerate(hay) if word in h])
        return FilterResult([i for i, h in enumerate(hay) if all(w in h for w in words)])


def substring_filter_factory(scope: FilterScope) -> RowFilter:
    del scope
    return SubstringFilter()
