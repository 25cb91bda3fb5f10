"""Kitsu-compatible search/filter engine, Qt-free (spec: docs kitsu-filters.md).

Typical use in a pane::

    context = FilterContext.for_page("shot", task_types=..., task_statuses=...,
                                     descriptors=..., persons=...)   # once per project
    index = Index("shot", rows, task_map)                           # once per loaded list
    compiled = compile_query(text, context)                         # once per keystroke
    visible = compiled.select(index)                                # row positions
    hints = [d.message for d in compiled.unknown]                   # "unknown task type ..."

`evaluate(dataset, entity, query)` is the one-shot adapter used by the Kitsu test vectors.
Modules: `query` (context-free parsing), `context` (names known on a page), `index` (rows
and their name words), `filters` (row predicates), `compiler` (resolution, diagnostics,
evaluation), `jscompat` (the JS coercions Kitsu's results depend on).
"""

from desktop.filtering.compiler import CompiledFilter, Diagnostic, compile_parsed, compile_query
from desktop.filtering.context import EntityKind, FilterContext, hash_name
from desktop.filtering.evaluate import context_from_dataset, evaluate, index_from_dataset
from desktop.filtering.filters import Filter
from desktop.filtering.index import Index, split_embedded_tasks
from desktop.filtering.query import ParsedQuery, get_keywords, parse_query

__all__ = [
    "CompiledFilter",
    "Diagnostic",
    "EntityKind",
    "Filter",
    "FilterContext",
    "Index",
    "ParsedQuery",
    "compile_parsed",
    "compile_query",
    "context_from_dataset",
    "evaluate",
    "get_keywords",
    "hash_name",
    "index_from_dataset",
    "parse_query",
    "split_embedded_tasks",
]
