"""Thin adapter from the test-vector dataset shape to the engine (`evaluate`).

The vectors file (tests/filtering/data/kitsu-filter-vectors.json) holds one production as
plain JSON lists. This builds the page context and the index the way Kitsu's list pages
do (spec §1 table) and runs one query. The app itself should keep a `FilterContext` and an
`Index` per pane and only compile on keystrokes; see the package docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.filtering.compiler import compile_query
from desktop.filtering.context import ENTITY_KINDS, EntityKind, FilterContext
from desktop.filtering.index import Index

# Dataset key holding the rows of each entity kind.
_ROWS_KEY: dict[EntityKind, str] = {
    "shot": "shots",
    "asset": "assets",
    "person": "persons",
    "sequence": "sequences",
    "episode": "episodes",
    "edit": "edits",
}


def _entity(entity: str) -> EntityKind:
    for kind in ENTITY_KINDS:
        if kind == entity:
            return kind
    raise ValueError(f"unknown entity kind {entity!r}")


def context_from_dataset(dataset: Mapping[str, Any], entity: str) -> FilterContext:
    """The page context Kitsu would pass for `entity`, built from a vectors-shaped dataset."""
    kind = _entity(entity)
    asset_types = dataset.get("asset_types") or []
    if kind == "asset":
        # Kitsu's asset page passes the asset types present in the list.
        present = {row.get("asset_type_id") for row in dataset.get("assets") or ()}
        asset_types = [a for a in asset_types if a.get("id") in present]
    return FilterContext.for_page(
        kind,
        task_types=dataset.get("task_types") or (),
        task_statuses=dataset.get("task_statuses") or (),
        asset_types=asset_types,
        descriptors=dataset.get("descriptors") or (),
        departments=dataset.get("departments") or (),
        persons=dataset.get("persons") or (),
    )


def index_from_dataset(dataset: Mapping[str, Any], entity: str) -> Index:
    """The rows of `entity` with the dataset's task map (the people page has none)."""
    kind = _entity(entity)
    tasks = {} if kind == "person" else {task["id"]: task for task in dataset.get("tasks") or ()}
    return Index(kind, dataset.get(_ROWS_KEY[kind]) or (), tasks)


def evaluate(dataset: dict[str, Any], entity: str, query: str) -> list[str]:
    """Ids of the `entity` rows of `dataset` that Kitsu's list page shows for `query`.

    Ids come in dataset order (Kitsu sorts its result afterwards; the set is what counts).
    """
    compiled = compile_query(query, context_from_dataset(dataset, entity))
    return compiled.ids(index_from_dataset(dataset, entity))
