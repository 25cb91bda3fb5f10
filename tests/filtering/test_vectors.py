"""Every Kitsu test vector (expected results computed by running Kitsu's own JS)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from desktop.filtering import compile_query, context_from_dataset, evaluate, index_from_dataset
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
from desktop.filtering.index import Index

VECTORS = json.loads((Path(__file__).parent / "data" / "kitsu-filter-vectors.json").read_text("utf-8"))
DATASET: dict[str, Any] = VECTORS["dataset"]
CASES: list[dict[str, Any]] = VECTORS["cases"]


def _case_id(number: int, case: dict[str, Any]) -> str:
    query = re.sub(r"[^0-9A-Za-z=+()\[\],:-]+", "_", case["query"]) or "empty"
    return f"{number:03d}-{case['entity']}-{query[:40]}"


PARAMS = [pytest.param(case, id=_case_id(n, case)) for n, case in enumerate(CASES)]


def test_vector_file_is_complete() -> None:
    assert len(CASES) == VECTORS["meta"]["cases"]
    assert all(case["expected_source"] == "kitsu-js" for case in CASES)


@pytest.mark.parametrize("case", PARAMS)
def test_vector(case: dict[str, Any]) -> None:
    # Exact list equality: ids come back in dataset order, as the vectors list them.
    assert evaluate(DATASET, case["entity"], case["query"]) == case["expected_ids"], case["note"]


def _summary(flt: Filter, index: Index) -> dict[str, Any]:
    """The vector harness's description of one Kitsu filter (id lists compared as sets)."""
    match flt:
        case AssetTypeFilter():
            return {"type": "assettype", "asset_type_id": flt.asset_type_id, "excluding": flt.excluding}
        case StatusFilter():
            return {
                "type": "status",
                "task_type_id": flt.task_type_id,
                "task_status_ids": sorted(flt.status_ids),
                "excluding": flt.excluding,
            }
        case StatusAnyFilter():
            return {"type": "statusAny", "task_status_ids": sorted(flt.status_ids), "excluding": flt.excluding}
        case AssignationFilter():
            return {"type": "assignation", "task_type_id": flt.task_type_id, "assigned": flt.assigned}
        case AssignedToFilter():
            return {
                "type": "assignedto",
                "task_type_id": flt.task_type_id,
                "person_ids": sorted(flt.person_ids),
                "excluding": flt.excluding,
            }
        case DescriptorFilter():
            return {
                "type": "descriptor",
                "descriptor_id": flt.descriptor.id,
                "values": list(flt.values),
                "excluding": flt.excluding,
            }
        case DepartmentFilter():
            return {"type": "department", "values": sorted(flt.department_ids), "excluding": flt.excluding}
        case ThumbnailFilter():
            return {"type": "thumbnail", "excluding": flt.excluding}
        case PriorityFilter():
            return {"type": "priority", "task_type_id": flt.task_type_id, "value": flt.value}
        case ReadyForFilter():
            return {"type": "readyfor", "value": flt.task_type_id}
        case AssetsReadyFilter():
            return {"type": "assetsready", "value": flt.task_type_id, "excluding": flt.excluding}
        case ExclusionFilter():
            excluded = index.search_all([flt.keyword]) or []
            return {"type": "exclusion", "excluded_ids": sorted(index.ids[i] for i in excluded)}
    raise AssertionError(f"unexpected filter {flt!r}")


def _normalised(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("task_status_ids", "person_ids", "excluded_ids")
    out = {key: sorted(value) if key in keys else value for key, value in summary.items()}
    if out["type"] == "department":
        out["values"] = sorted(out["values"])
    return out


@pytest.mark.parametrize("case", PARAMS)
def test_vector_structure(case: dict[str, Any]) -> None:
    """Keywords, union flag and the filter list (kind, order, resolved ids) match Kitsu's."""
    compiled = compile_query(case["query"], context_from_dataset(DATASET, case["entity"]))
    index = index_from_dataset(DATASET, case["entity"])
    assert list(compiled.keywords) == case["keywords"]
    assert compiled.union is case["union"]
    assert [_summary(f, index) for f in compiled.filters] == [_normalised(f) for f in case["filters"]]
