"""The per-dataset row index the filters read (spec §3.2-§3.3, §5).

Filters never touch rows directly: they read *columns* from an index — per row, one value
(`row_field`, `task_field`, `descriptor_codes`) or one tuple of values (`row_task_field`) —
and scan them with set-membership tests. `BaseIndex` defines that interface and the keyword
search; two indexes implement it:

* `Index` (here): rows as Zou-shaped dicts plus a task map, as in the Kitsu test vectors.
  It snapshots the row structure (the rows, their lower-cased name words, which task id
  each row has per task type), while values are read live when a filter asks for a
  column: task status/assignee/priority changes, even by replacing a task dict in the
  mapping, and metadata edits need nothing; adding/removing rows, renames and changes to
  a row's `validations`/`tasks` need a new `Index`.
* `TableIndex` (`desktop.filtering.table`): Zou's compact positional rows, indexed
  incrementally and with its columns cached (what the app's panes use).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from desktop.filtering.context import ENTITY_KINDS, EntityKind, person_display_name
from desktop.filtering.jscompat import MISSING, is_number, to_js_string

Row = Mapping[str, Any]
# Keyed by task id; `Any` keys so a missing id (None) can be looked up without a guard.
TaskMap = Mapping[Any, Mapping[str, Any]]

# Joins a row's words into one haystack so a keyword is one C-level `in` per row. A keyword
# containing the separator (never typed in practice) falls back to a per-word test.
WORD_SEPARATOR = "\x00"
_SEP = WORD_SEPARATOR
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


# The fields each kind's words are made of (`_WORDS` reads only these), for indexes over
# positional rows (desktop.filtering.table).
WORD_FIELDS: dict[EntityKind, tuple[str, ...]] = {
    "shot": ("name", "sequence_name", "episode_name"),
    "asset": ("name", "asset_type_name"),
    "person": ("name", "first_name", "last_name", "email"),
    "sequence": ("name", "episode_name"),
    "episode": ("name",),
    "edit": ("name", "episode_name"),
}


def words_function(entity: EntityKind) -> Callable[[Row], list[str]]:
    """The function giving a row's lower-cased index words on `entity`'s page."""
    return _WORDS[entity]


# Descriptor values are factorised: equal values share a code, so a filter tests each distinct
# value once (the test depends only on the value). Code 0 stands for null, undefined and false,
# which never match; strings share a code by equality, numbers by JS-number equality (1 and
# 1.0 are the same JS number); any other value gets a code of its own.
FALSY_CODE = 0


class Factorizer:
    """Incremental factorisation of a column of JSON values into `codes` and `values`."""

    __slots__ = ("_numbers", "_strings", "codes", "values")

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.values: list[object] = [MISSING]
        self._strings: dict[object, int] = {}
        self._numbers: dict[object, int] = {}

    def extend(self, column: Iterable[object]) -> None:
        self.codes.extend(self.encode(column))

    def encode(self, column: Iterable[object]) -> list[int]:
        """The codes of `column`'s values (new values get new codes)."""
        codes: list[int] = []
        values, strings, numbers = self.values, self._strings, self._numbers
        append = codes.append
        for value in column:
            kind = type(value)
            if kind is str:
                code = strings.get(value)
                if code is None:
                    code = strings[value] = len(values)
                    values.append(value)
            elif value is None or value is MISSING or value is False:
                code = FALSY_CODE
            elif is_number(value):
                code = numbers.get(value)
                if code is None:
                    code = numbers[value] = len(values)
                    values.append(value)
            else:
                code = len(values)
                values.append(value)
            append(code)
        return codes


def descriptor_values(
    data: Sequence[object], entity_data: Sequence[object] | None, field: str
) -> list[object]:
    """Per row, `data[field]` (MISSING when absent); where that is null or missing and
    `entity_data` is given, `entity_data[field]` instead (Kitsu reads both for non-task
    descriptors; only task rows carry entity_data)."""
    values = [d.get(field, MISSING) if type(d) is dict or isinstance(d, Mapping) else MISSING for d in data]
    if entity_data is not None:
        for i, value in enumerate(values):
            if value is None or value is MISSING:
                extra = entity_data[i]
                values[i] = (
                    extra.get(field, MISSING) if type(extra) is dict or isinstance(extra, Mapping) else MISSING
                )
    return values


def flatten_items(per_row: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Per row, the items of its truthy values chained into one tuple (see `row_task_items`)."""
    return [tuple(chain.from_iterable(value for value in values if value)) for values in per_row]


class BaseIndex(ABC):
    """What filters read from the rows of one list: per-row columns and the name words.

    Every column has one entry per row, indexed by row position. Task columns follow
    Kitsu's stores: a row's task of a type is the *last* task of that type it lists, and
    "no task" reads like a task whose field is null.
    """

    __slots__ = ()
    entity: EntityKind

    @abstractmethod
    def __len__(self) -> int: ...

    @property
    @abstractmethod
    def ids(self) -> Sequence[str]:
        """Per row, its id as a JS string."""

    @property
    @abstractmethod
    def words(self) -> Sequence[tuple[str, ...]]:
        """Per row, its lower-cased index words."""

    @abstractmethod
    def haystacks(self) -> Sequence[str]:
        """Per row, its words joined by the separator (what keywords are searched in)."""

    @abstractmethod
    def row_field(self, name: str, default: object = None) -> Sequence[Any]:
        """Per row, the value of field `name` (`default` where the row has none)."""

    @abstractmethod
    def task_field(self, task_type_id: str, field: str) -> Sequence[Any]:
        """Per row, `field` of its task of that type; None where it has no such task or the
        task no such field."""

    @abstractmethod
    def row_task_field(
        self, field: str, default: object = None, *, every_task: bool = False
    ) -> Sequence[tuple[Any, ...]]:
        """Per row, `field` of each of its tasks (`default` where a task has none): its task
        of each type (`validations`), or with `every_task` every task it lists. For a given
        `every_task` the tuples of two fields list the same tasks in the same order."""

    def row_task_items(self, field: str, *, every_task: bool = False) -> Sequence[tuple[Any, ...]]:
        """Per row, the items of `field` (a list, such as `assignees`) of each of its tasks, in one
        tuple; tasks whose field is empty or null add none. Tasks as in `row_task_field`."""
        return flatten_items(self.row_task_field(field, every_task=every_task))

    def descriptor_codes(self, field: str, fallback: bool) -> tuple[Sequence[int], Sequence[object]]:
        """A metadata field factorised (see `Factorizer`): per row a code, and per code its
        value. With `fallback`, a null or missing value is read from `entity_data`."""
        factorizer = Factorizer()
        entity_data = self.row_field("entity_data") if fallback else None
        factorizer.extend(descriptor_values(self.row_field("data"), entity_data, field))
        return factorizer.codes, factorizer.values

    def search(self, keyword: str, positions: Iterable[int] | None = None) -> list[int]:
        """Positions (ascending, within `positions`) whose words contain `keyword`, any case."""
        needle = keyword.lower()
        candidates = range(len(self)) if positions is None else positions
        if _SEP in needle:
            words = self.words
            return [i for i in candidates if any(needle in word for word in words[i])]
        haystacks = self.haystacks()
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


class Index(BaseIndex):
    """Rows of one list as Zou-shaped dicts, their ids, and their lower-cased index words.

    `rows` are dicts (`id`, `name`, `validations` {task_type_id: task_id}, `tasks` [task ids],
    `data`, ...); `tasks` maps task id to a task dict. Columns are read live on each call
    (see the module docstring); the row structure is a snapshot.
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
        # Lazily built structure (see task_ids_of_type & co). Building one twice from two
        # threads is harmless: the result is the same.
        self._type_columns: dict[str, tuple[object, ...]] = {}
        self._validation_ids: tuple[tuple[object, ...], ...] | None = None
        self._row_task_ids: tuple[tuple[object, ...], ...] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def haystacks(self) -> Sequence[str]:
        return self._haystacks

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

    def row_field(self, name: str, default: object = None) -> list[Any]:
        return [row.get(name, default) for row in self.rows]

    def task_field(self, task_type_id: str, field: str) -> list[Any]:
        get_task = self.tasks.get
        return [
            None if (task := get_task(task_id)) is None else task.get(field)
            for task_id in self.task_ids_of_type(task_type_id)
        ]

    def row_task_field(
        self, field: str, default: object = None, *, every_task: bool = False
    ) -> list[tuple[Any, ...]]:
        get_task = self.tasks.get
        per_row = self.row_task_ids() if every_task else self.validation_task_ids()
        out: list[tuple[Any, ...]] = []
        for task_ids in per_row:
            values = []
            for task_id in task_ids:
                task = get_task(task_id)
                if task is not None:
                    values.append(task.get(field, default))
            out.append(tuple(values))
        return out

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
