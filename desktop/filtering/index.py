"""The per-dataset name index used for keywords and name exclusions (spec §3.2-§3.3, §5).

Build one `Index` per loaded list (not per keystroke). It snapshots the row-derived
structure: the rows themselves (a tuple of the row dicts), their lower-cased name words,
and, lazily, which task id each row has per task type. Task dicts are looked up live in the
task mapping (kept by reference), and row fields such as `data` or `preview_file_id` are
read live from the row dicts. So: task status/assignee/priority changes, even by replacing
a task dict in the mapping, and metadata edits need nothing; adding/removing rows, renames
and changes to a row's `validations`/`tasks` need a new `Index` (about 15 ms for 10,000
shots here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from desktop.filtering.context import ENTITY_KINDS, EntityKind, person_display_name
from desktop.filtering.jscompat import to_js_string

Row = Mapping[str, Any]
# Keyed by task id; `Any` keys so a missing id (None) can be looked up without a guard.
TaskMap = Mapping[Any, Mapping[str, Any]]

# Joins a row's words into one haystack so a keyword is one C-level `in` per row. A keyword
# containing the separator (never typed in practice) falls back to a per-word test.
_SEP = "\x00"
_CAMEL_RE = re.compile(r"[A-Z]+[a-z0-9]*")
_EMPTY: Mapping[str, Any] = {}


def _lower(value: object) -> str:
    return to_js_string(value).lower()


def shot_words(row: Row) -> list[str]:
    # Each field is one word (not split): "Forêt Noire" is one sequence word.
    return [_lower(v) for v in (row.get("name"), row.get("sequence_name"), row.get("episode_name")) if v]


def sequence_words(row: Row) -> list[str]:
    return [_lower(v) for v in (row.get("name"), row.get("episode_name")) if v]


def episode_words(row: Row) -> list[str]:
    name = row.get("name")
    return [_lower(name)] if name else []


def asset_words(row: Row) -> list[str]:
    name = to_js_string(row.get("name") or "")
    spaced = name.replace("_", " ").replace("-", " ")
    words = [*to_js_string(row.get("asset_type_name") or "").split(" "), *spaced.split(" "), name]
    words.extend(_CAMEL_RE.findall(spaced))
    return list(dict.fromkeys(word.lower() for word in words))


def person_words(row: Row) -> list[str]:
    words = person_display_name(row).lower().split(" ")
    email = row.get("email")
    if isinstance(email, str) and email:
        local, _, domain = email.partition("@")
        words.extend(local.lower().split("."))
        if domain:
            words.append(domain.split(".")[0].lower())
    return words


_WORDS = {
    "shot": shot_words,
    "asset": asset_words,
    "person": person_words,
    "sequence": sequence_words,
    "episode": episode_words,
    "edit": sequence_words,
}


class Index:
    """Rows of one list, their ids, and their lower-cased index words.

    `rows` are Zou-shaped dicts (`id`, `name`, `validations` {task_type_id: task_id},
    `tasks` [task ids], `data`, ...); `tasks` maps task id to a task dict.
    """

    __slots__ = (
        "_haystacks",
        "_row_task_ids",
        "_type_columns",
        "_validation_ids",
        "entity",
        "ids",
        "rows",
        "tasks",
        "words",
    )

    def __init__(self, entity: EntityKind, rows: Sequence[Row], tasks: TaskMap | None = None) -> None:
        if entity not in ENTITY_KINDS:
            raise ValueError(f"unknown entity kind {entity!r}")
        words_of = _WORDS[entity]
        self.entity: EntityKind = entity
        self.rows: tuple[Row, ...] = tuple(rows)
        self.tasks: TaskMap = tasks if tasks is not None else {}
        self.ids: tuple[str, ...] = tuple(to_js_string(row.get("id")) for row in self.rows)
        self.words: tuple[tuple[str, ...], ...] = tuple(tuple(words_of(row)) for row in self.rows)
        self._haystacks: tuple[str, ...] = tuple(_SEP.join(words) for words in self.words)
        # Lazily built columns (see task_ids_of_type & co). Building one twice from two
        # threads is harmless: the result is the same.
        self._type_columns: dict[str, tuple[object, ...]] = {}
        self._validation_ids: tuple[tuple[object, ...], ...] | None = None
        self._row_task_ids: tuple[tuple[object, ...], ...] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def task_ids_of_type(self, task_type_id: str) -> tuple[object, ...]:
        """Per row, the id of its task of that type (`validations[task_type_id]`), or None."""
        column = self._type_columns.get(task_type_id)
        if column is None:
            column = tuple((row.get("validations") or _EMPTY).get(task_type_id) for row in self.rows)
            self._type_columns[task_type_id] = column
        return column

    def validation_task_ids(self) -> tuple[tuple[object, ...], ...]:
        """Per row, the task ids of `validations` (one task per task type)."""
        if self._validation_ids is None:
            self._validation_ids = tuple(tuple((row.get("validations") or _EMPTY).values()) for row in self.rows)
        return self._validation_ids

    def row_task_ids(self) -> tuple[tuple[object, ...], ...]:
        """Per row, the ids listed in its `tasks`."""
        if self._row_task_ids is None:
            self._row_task_ids = tuple(tuple(row.get("tasks") or ()) for row in self.rows)
        return self._row_task_ids

    def search(self, keyword: str, positions: Iterable[int] | None = None) -> list[int]:
        """Positions (ascending, within `positions`) whose words contain `keyword`, any case."""
        needle = keyword.lower()
        candidates = range(len(self.rows)) if positions is None else positions
        if _SEP in needle:
            words = self.words
            return [i for i in candidates if any(needle in word for word in words[i])]
        haystacks = self._haystacks
        return [i for i in candidates if needle in haystacks[i]]

    def search_all(self, keywords: Iterable[str]) -> list[int] | None:
        """Kitsu's `indexSearch`: rows matching every usable keyword, None if none is usable.

        Empty keywords and keywords containing "=" are skipped.
        """
        result: list[int] | None = None
        for keyword in keywords:
            if not keyword or "=" in keyword:
                continue
            result = self.search(keyword, result)
        return result


def split_embedded_tasks(entities: Iterable[Row]) -> tuple[list[dict[str, Any]], dict[str, Mapping[str, Any]]]:
    """Adapt rows whose `tasks` embed task dicts (Zou's `.../with-tasks` style).

    Returns rows with `tasks` as ids plus `validations` {task_type_id: task_id} (the last
    task of a type wins, as in Kitsu's stores), and the task map.
    """
    rows: list[dict[str, Any]] = []
    task_map: dict[str, Mapping[str, Any]] = {}
    for entity in entities:
        row = dict(entity)
        ids: list[str] = []
        validations: dict[str, str] = dict(entity.get("validations") or {})
        for task in entity.get("tasks") or ():
            if isinstance(task, Mapping):
                task_id = to_js_string(task.get("id"))
                task_map[task_id] = task
                ids.append(task_id)
                if "validations" not in entity:
                    validations[to_js_string(task.get("task_type_id"))] = task_id
            else:
                ids.append(to_js_string(task))
        row["tasks"] = ids
        row["validations"] = validations
        rows.append(row)
    return rows, task_map
