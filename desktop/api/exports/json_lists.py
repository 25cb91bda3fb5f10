"""Zou's list answers read defensively: a list of records, or `{"data": [...]}` (paginated routes)."""

from __future__ import annotations

from typing import Any


def dicts(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
