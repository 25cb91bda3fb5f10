"""The production context a query's names are resolved against (spec §1 table, §4).

A `FilterContext` is built once per page (shot list, asset list, people, ...) from Zou
JSON dicts and holds the lookup tables Kitsu builds, with Kitsu's precedence rules:
task types, descriptors and departments by exact lower-cased name (first wins), statuses
by lower-cased short name (last wins), asset types by exact case-sensitive name, people by
`hash_name`. It holds no row data, so it survives row reloads and is safe to share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

EntityKind = Literal["shot", "asset", "person", "sequence", "episode", "edit"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)

# Which task types each list page passes: `for_entity` of the task type.
_PAGE_TASK_ENTITY: dict[EntityKind, str | None] = {
    "shot": "Shot",
    "asset": "Asset",
    "sequence": "Sequence",
    "episode": "Episode",
    "edit": "Edit",
    "person": None,
}


@dataclass(frozen=True, slots=True)
class Named:
    """A task type, asset type, department or status (`name` is the short name for statuses)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Descriptor:
    id: str
    name: str
    field_name: str
    data_type: str
    entity_type: str


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str


def hash_name(name: str) -> str:
    """Kitsu's person-name key: lower-cased with every U+0020 removed (accents kept)."""
    return name.lower().replace(" ", "")


def person_display_name(person: Mapping[str, Any]) -> str:
    """Kitsu's `person.name`: "first last", else first, else last, else the email."""
    name = person.get("name")
    if isinstance(name, str):
        return name
    first = person.get("first_name") or ""
    last = person.get("last_name") or ""
    if first and last:
        return f"{first} {last}"
    return str(first or last or person.get("email") or "")


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _named(items: Iterable[Mapping[str, Any]], key: str = "name") -> tuple[Named, ...]:
    return tuple(Named(_str(item.get("id")), _str(item.get(key))) for item in items)


def _first_wins(items: Iterable[Named | Descriptor], fold: bool = True) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for item in items:
        table.setdefault(item.name.lower() if fold else item.name, item)
    return table


@dataclass(frozen=True, slots=True, eq=False)
class FilterContext:
    """Names known on one page. Build it with `build`, `for_page` or `from_user_context`."""

    entity: EntityKind
    task_types: tuple[Named, ...] = ()
    task_statuses: tuple[Named, ...] = ()
    asset_types: tuple[Named, ...] = ()
    descriptors: tuple[Descriptor, ...] = ()
    departments: tuple[Named, ...] = ()
    persons: tuple[Person, ...] = ()
    # Lookup tables, derived in __post_init__.
    task_type_by_name: Mapping[str, Named] = field(init=False, repr=False)
    status_by_name: Mapping[str, Named] = field(init=False, repr=False)
    asset_type_by_name: Mapping[str, Named] = field(init=False, repr=False)
    descriptor_by_name: Mapping[str, Descriptor] = field(init=False, repr=False)
    department_by_name: Mapping[str, Named] = field(init=False, repr=False)
    persons_by_hash: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        statuses: dict[str, Named] = {}
        for status in self.task_statuses:
            statuses[status.name.lower()] = status  # last one wins, as in Kitsu
        people: dict[str, list[str]] = {}
        for person in self.persons:
            people.setdefault(hash_name(person.name), []).append(person.id)
        derived = {
            "task_type_by_name": _first_wins(self.task_types),
            "status_by_name": statuses,
            # Array.find on `name ===`: case-sensitive, first wins.
            "asset_type_by_name": _first_wins(self.asset_types, fold=False),
            "descriptor_by_name": _first_wins(self.descriptors),
            "department_by_name": _first_wins(self.departments),
            "persons_by_hash": {key: tuple(ids) for key, ids in people.items()},
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @classmethod
    def build(
        cls,
        entity: EntityKind,
        *,
        task_types: Iterable[Mapping[str, Any]] = (),
        task_statuses: Iterable[Mapping[str, Any]] = (),
        asset_types: Iterable[Mapping[str, Any]] = (),
        descriptors: Iterable[Mapping[str, Any]] = (),
        departments: Iterable[Mapping[str, Any]] = (),
        persons: Iterable[Mapping[str, Any]] = (),
    ) -> FilterContext:
        """A context from Zou JSON dicts, used exactly as given (no page scoping)."""
        if entity not in ENTITY_KINDS:
            raise ValueError(f"unknown entity kind {entity!r}")
        return cls(
            entity=entity,
            task_types=_named(task_types),
            task_statuses=_named(task_statuses, "short_name"),
            asset_types=_named(asset_types),
            descriptors=tuple(
                Descriptor(
                    _str(d.get("id")),
                    _str(d.get("name")),
                    _str(d.get("field_name")),
                    _str(d.get("data_type")),
                    _str(d.get("entity_type")),
                )
                for d in descriptors
            ),
            departments=_named(departments),
            persons=tuple(Person(_str(p.get("id")), person_display_name(p)) for p in persons),
        )

    @classmethod
    def for_page(
        cls,
        entity: EntityKind,
        *,
        task_types: Iterable[Mapping[str, Any]] = (),
        task_statuses: Iterable[Mapping[str, Any]] = (),
        asset_types: Iterable[Mapping[str, Any]] = (),
        descriptors: Iterable[Mapping[str, Any]] = (),
        departments: Iterable[Mapping[str, Any]] = (),
        persons: Iterable[Mapping[str, Any]] = (),
    ) -> FilterContext:
        """A context scoped the way Kitsu's list page for `entity` scopes it (spec §1).

        Give it the production's full lists; this keeps only what the page passes:
        task types of the page's entity type, asset types only on the asset page,
        departments only on the people page, nothing task-related on the people page.
        (Kitsu's asset page passes the asset types present in the list; passing all of
        them gives the same rows, since a type no row has matches no row either way.)
        """
        if entity == "person":
            return cls.build(entity, departments=departments, persons=persons)
        wanted = _PAGE_TASK_ENTITY[entity]
        return cls.build(
            entity,
            task_types=[t for t in task_types if t.get("for_entity") == wanted],
            task_statuses=task_statuses,
            asset_types=asset_types if entity == "asset" else (),
            descriptors=descriptors,
            persons=persons,
        )

    @classmethod
    def from_user_context(
        cls, user_context: Mapping[str, Any], entity: EntityKind, project_id: str | None = None
    ) -> FilterContext:
        """A page context from Zou's `/data/user/context` payload.

        With `project_id`, task types, statuses and asset types are narrowed to the ones
        the project lists (when it lists any) and descriptors come from that project.
        """
        project: Mapping[str, Any] = {}
        if project_id is not None:
            for candidate in user_context.get("projects") or ():
                if candidate.get("id") == project_id:
                    project = candidate
                    break

        def scoped(items: Sequence[Mapping[str, Any]], key: str) -> list[Mapping[str, Any]]:
            allowed = project.get(key)
            if not allowed:
                return list(items)
            allowed_ids = {a if isinstance(a, str) else a.get("id") for a in allowed}
            return [item for item in items if item.get("id") in allowed_ids]

        statuses = user_context.get("task_status") or user_context.get("task_statuses") or ()
        return cls.for_page(
            entity,
            task_types=scoped(user_context.get("task_types") or (), "task_types"),
            task_statuses=scoped(statuses, "task_statuses"),
            asset_types=scoped(user_context.get("asset_types") or (), "asset_types"),
            descriptors=project.get("descriptors") or (),
            departments=user_context.get("departments") or (),
            persons=user_context.get("persons") or (),
        )
