"""Kitsu-compatible search/filter engine, Qt-free (spec: docs kitsu-filters.md).

Typical use in a pane::

    context = FilterContext.for_page("shot", task_types=..., task_statuses=...,
                                     descriptors=..., persons=...)   # once per project
    index = Index("shot", rows, task_map)                           # once per loaded list
    # or, over Zou's compact positional rows, incrementally (what the panes use):
    columns = TableColumns("shot", entity_fields, task_fields, rows)  # once per loaded list
    columns.build(deadline)                                          # in slices, or all at once
    index = TableIndex(columns)                                      # after rows were added
    compiled = compile_query(text, context)                         # once per keystroke
    visible = compiled.select(index)                                # row positions
    hints = [d.message for d in compiled.unknown]                   # "unknown task type ..."

`evaluate(dataset, entity, query)` is the one-shot adapter used by the Kitsu test vectors.
Modules: `query` (context-free parsing), `context` (names known on a page), `index` (the
columns filters read and the name words, over dict rows), `table` (the same over positional
rows, built incrementally), `filters` (row predicates), `compiler` (resolution, diagnostics,
evaluation), `jscompat` (the JS coercions Kitsu's results depend on).
"""

from desktop.filtering.compiler import CompiledFilter, Diagnostic, compile_parsed, compile_query
from desktop.filtering.context import EntityKind, FilterContext, hash_name
from desktop.filtering.evaluate import context_from_dataset, evaluate, index_from_dataset
from desktop.filtering.filters import Filter
from desktop.filtering.index import BaseIndex, Index, split_embedded_tasks
from desktop.filtering.query import ParsedQuery, get_keywords, parse_query
from desktop.filtering.table import TableColumns, TableIndex

__all__ = [
    "BaseIndex",
    "CompiledFilter",
    "Diagnostic",
    "EntityKind",
    "Filter",
    "FilterContext",
    "Index",
    "ParsedQuery",
    "TableColumns",
    "TableIndex",
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
