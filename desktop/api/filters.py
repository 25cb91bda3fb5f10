"""The user's saved filters and filter groups on the Zou server, shared with Kitsu. Qt-free.

Zou stores them per user (`/data/user/filters`, `/data/user/filter-groups`; also `search_filters` and
`search_filter_groups` in `/data/user/context`), both answered grouped as
`{list_type: {project_id | "all": [item, ...]}}`. Kitsu's shot list uses the list type "shot", its asset
list "asset". A filter is `{id, name, search_query, list_type, project_id, search_filter_group_id,
is_shared, department_id, entity_type, ...}`; a group is `{id, name, color, list_type, project_id,
is_shared, department_id, ...}`.

Server rules worth knowing (zou 1.0.97, `search_filters_service`):

* creating takes `query`, updating takes `search_query` (the stored column);
* a filter put in a group must have the group's `is_shared`, or Zou answers 400;
* only its owner (or an admin) may update or delete a filter or group; deleting a group deletes its
  filters;
* the listing is cached per user on the server and cleared by every change made through these routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

FILTERS_PATH = "/data/user/filters"
GROUPS_PATH = "/data/user/filter-groups"
DEFAULT_GROUP_COLOR = "#999999"


class FilterSession(Protocol):
    """What these calls need from a session (`ZouSession` has it)."""

    async def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any: ...

    async def post(self, path: str, json: Any = None, **kw: Any) -> Any: ...

    async def put(self, path: str, json: Any = None, **kw: Any) -> Any: ...

    async def delete(self, path: str, json: Any = None, **kw: Any) -> Any: ...


def _str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else "" if value is None else str(value)


@dataclass(frozen=True)
class SavedFilter:
    """One saved filter of a list page."""

    id: str
    name: str
    query: str
    group_id: str = ""  # `search_filter_group_id`, "" when in no group
    list_type: str = ""
    project_id: str = ""
    is_shared: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> SavedFilter:
        query = item.get("search_query")
        if query is None:
            query = item.get("query")
        return cls(id=_str(item, "id"), name=_str(item, "name"), query="" if query is None else str(query),
                   group_id=_str(item, "search_filter_group_id"), list_type=_str(item, "list_type"),
                   project_id=_str(item, "project_id"), is_shared=bool(item.get("is_shared")), raw=dict(item))


@dataclass(frozen=True)
class FilterGroup:
    """A filter group (Kitsu shows it as one coloured button whose menu lists its filters)."""

    id: str
    name: str
    color: str = ""
    list_type: str = ""
    project_id: str = ""
    is_shared: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> FilterGroup:
        return cls(id=_str(item, "id"), name=_str(item, "name"), color=_str(item, "color"),
                   list_type=_str(item, "list_type"), project_id=_str(item, "project_id"),
                   is_shared=bool(item.get("is_shared")), raw=dict(item))


def _items(grouped: Mapping[str, Any] | None, list_types: Iterable[str], project_id: str | None
           ) -> list[Mapping[str, Any]]:
    """The items of `{list_type: {project_id: [...]}}` for one project, first list type first, no duplicates."""
    out: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    if not isinstance(grouped, Mapping) or not project_id:
        return out
    for list_type in list_types:
        per_project = grouped.get(list_type)
        items = per_project.get(project_id) if isinstance(per_project, Mapping) else None
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, Mapping):
                continue
            item_id = _str(item, "id")
            if item_id and item_id not in seen:
                seen.add(item_id)
                out.append(item)
    return out


def filters_for(search_filters: Mapping[str, Any] | None, list_types: Iterable[str],
                project_id: str | None) -> list[SavedFilter]:
    """The saved filters of one list page of one project, in the server's order."""
    return [SavedFilter.from_json(item) for item in _items(search_filters, list_types, project_id)]


def groups_for(search_filter_groups: Mapping[str, Any] | None, list_types: Iterable[str],
               project_id: str | None) -> list[FilterGroup]:
    """The filter groups of one list page of one project, oldest first (Zou answers newest first)."""
    groups = [FilterGroup.from_json(item) for item in _items(search_filter_groups, list_types, project_id)]
    return sorted(groups, key=lambda g: (_str(g.raw, "created_at"), g.name.lower()))


def _grouped(data: Any) -> dict[str, Any]:
    return dict(data) if isinstance(data, Mapping) else {}


async def list_filters(session: FilterSession) -> dict[str, Any]:
    """`GET /data/user/filters`: `{list_type: {project_id: [filter]}}`."""
    return _grouped(await session.get(FILTERS_PATH))


async def list_filter_groups(session: FilterSession) -> dict[str, Any]:
    """`GET /data/user/filter-groups`: `{list_type: {project_id: [group]}}`."""
    return _grouped(await session.get(GROUPS_PATH))


async def create_filter(session: FilterSession, *, list_type: str, name: str, query: str,
                        project_id: str | None, group: FilterGroup | None = None) -> SavedFilter:
    """`POST /data/user/filters`. In a group, the filter takes the group's `is_shared` (Zou requires it)."""
    body: dict[str, Any] = {"name": name, "query": query, "list_type": list_type, "project_id": project_id}
    if group is not None:
        body["search_filter_group_id"] = group.id
        body["is_shared"] = group.is_shared
    return SavedFilter.from_json(_grouped(await session.post(FILTERS_PATH, body)))


async def update_filter(session: FilterSession, filter_id: str, *, name: str | None = None,
                        query: str | None = None) -> SavedFilter:
    """`PUT /data/user/filters/{id}` with the new name and/or query (the rest stays)."""
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if query is not None:
        body["search_query"] = query
    return SavedFilter.from_json(_grouped(await session.put(f"{FILTERS_PATH}/{filter_id}", body)))


async def rename_filter(session: FilterSession, filter_id: str, name: str) -> SavedFilter:
    """`PUT /data/user/filters/{id}` `{"name": name}`."""
    return await update_filter(session, filter_id, name=name)


async def move_filter(session: FilterSession, saved: SavedFilter, group: FilterGroup | None) -> SavedFilter:
    """Put a filter in a group (None: out of any group). It takes the group's `is_shared`, as Zou requires."""
    body: dict[str, Any] = {"search_filter_group_id": group.id if group is not None else None}
    if group is not None and group.is_shared != saved.is_shared:
        body["is_shared"] = group.is_shared
    return SavedFilter.from_json(_grouped(await session.put(f"{FILTERS_PATH}/{saved.id}", body)))


async def delete_filter(session: FilterSession, filter_id: str) -> None:
    """`DELETE /data/user/filters/{id}`."""
    await session.delete(f"{FILTERS_PATH}/{filter_id}")


async def create_filter_group(session: FilterSession, *, list_type: str, name: str, project_id: str | None,
                              color: str = DEFAULT_GROUP_COLOR) -> FilterGroup:
    """`POST /data/user/filter-groups`."""
    body = {"name": name, "color": color, "list_type": list_type, "project_id": project_id}
    return FilterGroup.from_json(_grouped(await session.post(GROUPS_PATH, body)))


async def update_filter_group(session: FilterSession, group_id: str, *, name: str | None = None,
                              color: str | None = None) -> FilterGroup:
    """`PUT /data/user/filter-groups/{id}` with the new name and/or colour."""
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if color is not None:
        body["color"] = color
    return FilterGroup.from_json(_grouped(await session.put(f"{GROUPS_PATH}/{group_id}", body)))


async def delete_filter_group(session: FilterSession, group_id: str) -> None:
    """`DELETE /data/user/filter-groups/{id}` (Zou deletes the group's filters with it)."""
    await session.delete(f"{GROUPS_PATH}/{group_id}")
