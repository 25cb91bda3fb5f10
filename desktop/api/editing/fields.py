"""The editable fields of an entity as one flat map, and everything pure about editing them.

An entity's editable state is seen as a flat dict: top-level columns by name (`name`, `description`,
`nb_frames`, `parent_id`...) and metadata keys as `data.<key>` (`data.frame_in`, `data.fps`,
`data.<descriptor field_name>`). Diffs, three-way merges, validation and the PUT body are all computed on
that flat view, so a metadata key is a field like any other: changing `data.A` never touches `data.B`.

No I/O and no Qt here: the table model, the dialogs and the tests call these directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.api import errors as E
from desktop.api.records import Descriptor

DATA = "data."
# Columns a user may change through PUT /data/entities/{id}; everything else is read-only or derived.
ENTITY_FIELDS: tuple[str, ...] = (
    "name", "description", "nb_frames", "parent_id", "entity_type_id", "source_id", "canceled", "is_shared",
    "ready_for", "is_casting_standby",
)
# Shot fields Zou keeps inside `data` (the with-tasks rows also repeat them at the top level).
SHOT_DATA_FIELDS: tuple[str, ...] = ("frame_in", "frame_out", "fps")
MAX_NAME = 160  # Entity.name is VARCHAR(160)

LABELS: dict[str, str] = {
    "name": "Name", "description": "Description", "nb_frames": "Frames", "parent_id": "Parent",
    "entity_type_id": "Type", "source_id": "Episode", "canceled": "Canceled", "is_shared": "Shared",
    "ready_for": "Ready for", "is_casting_standby": "Casting stand-by", "data.frame_in": "Frame in",
    "data.frame_out": "Frame out", "data.fps": "FPS",
}


def data_key(name: str) -> str:
    return name if name.startswith(DATA) else DATA + name


def is_data_key(key: str) -> bool:
    return key.startswith(DATA)


def field_label(key: str, descriptors: Iterable[Descriptor] = ()) -> str:
    if key in LABELS:
        return LABELS[key]
    if is_data_key(key):
        bare = key[len(DATA):]
        for d in descriptors:
            if d.field_name == bare:
                return d.name
        return bare.replace("_", " ").capitalize()
    return key.replace("_", " ").capitalize()


_ID_FIELDS = ("parent_id", "entity_type_id", "source_id", "ready_for")
# Names the with-tasks rows use for entity columns.
_ROW_COLUMNS = {"asset_type_id": "entity_type_id", "sequence_id": "parent_id"}


def flatten(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields of an entity (or a with-tasks row) as a flat dict."""
    out = {k: entity[k] for k in ENTITY_FIELDS if k in entity}
    for k in _ID_FIELDS:
        if out.get(k) in ("None", "null", ""):
            out[k] = None  # Zou's with-tasks rows stringify a missing id
    for row_key, key in _ROW_COLUMNS.items():
        if key not in out and entity.get(row_key):
            out[key] = entity[row_key]
    data = entity.get("data")
    if isinstance(data, Mapping):
        for k, v in data.items():
            out[DATA + str(k)] = v
    return out


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def same(a: Any, b: Any) -> bool:
    """Equality as a user sees it: None, "" and missing are all "empty"; 24 and "24" are the same number."""
    if _is_empty(a) and _is_empty(b):
        return True
    if a == b:
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    if (isinstance(a, int | float) and isinstance(b, str)) or (isinstance(b, int | float) and isinstance(a, str)):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return False


def changed_fields(base: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """What the user changed: keys of `edited` whose value differs from `base` (send only these)."""
    return {k: v for k, v in edited.items() if not same(base.get(k), v)}


def put_body(current: Mapping[str, Any], changes: Mapping[str, Any], *, full_data: bool = True
             ) -> dict[str, Any]:
    """The PUT /data/entities/{id} body for `changes` on top of the server's `current` entity.

    With `full_data` the body carries the server's whole `data` (as just read) with the changed keys
    applied, for a server that replaces `data` wholesale. Without it, only the changed keys, for a server
    that merges `data` itself (Zou's PUT /data/entities does): then a key someone else changes between our
    read and our write is not reverted to the value we read.
    """
    body: dict[str, Any] = {k: v for k, v in changes.items() if not is_data_key(k)}
    data_changes = {k[len(DATA):]: v for k, v in changes.items() if is_data_key(k)}
    if data_changes:
        merged = dict(current.get("data") or {}) if full_data else {}
        merged.update(data_changes)
        body["data"] = merged
    return body


def wiped_data_keys(before: Mapping[str, Any], after: Mapping[str, Any], changes: Mapping[str, Any]) -> set[str]:
    """Metadata keys the server had before a write and lost in it (the server replaced `data`)."""
    old, new = before.get("data") or {}, after.get("data") or {}
    return {k for k in old if k not in new and DATA + k not in changes}


# ---------------------------------------------------------------------------------------------- conflicts
@dataclass
class ThreeWay:
    """base (what the user loaded), yours (what the user changed), theirs (the server now)."""

    base: dict[str, Any]
    yours: dict[str, Any]
    theirs: dict[str, Any]
    their_changes: set[str] = field(default_factory=set)
    overlapping: set[str] = field(default_factory=set)

    @classmethod
    def compute(cls, base: Mapping[str, Any] | None, yours: Mapping[str, Any],
                theirs: Mapping[str, Any], *, extra_keys: Iterable[str] = ()) -> ThreeWay:
        """Compare the keys the user saw (base) or changed (yours), plus `extra_keys`: keys only the server
        has that count as their additions when the base is a whole view (metadata keys of an entity, the
        assets of a casting). A field neither shown nor touched cannot be lost: only changed fields are
        sent."""
        b = dict(base or {})
        keys = set(b) | set(yours) | set(extra_keys)
        if base is None:
            # Unknown base: every key the user changed that differs on the server may be theirs.
            theirs_changed = {k for k in yours if not same(yours[k], theirs.get(k))}
        else:
            theirs_changed = {k for k in keys if not same(b.get(k), theirs.get(k))}
        overlapping = {k for k in yours if k in theirs_changed and not same(yours[k], theirs.get(k))}
        return cls(base=b, yours=dict(yours), theirs=dict(theirs), their_changes=theirs_changed,
                   overlapping=overlapping)

    @property
    def can_auto_merge(self) -> bool:
        return not self.overlapping

    @property
    def only_same_values(self) -> bool:
        """Every server-side change is a field you changed to the same value (e.g. your own earlier save
        that timed out but was applied): nothing of theirs can be lost, there is no conflict to show."""
        return all(k in self.yours and same(self.yours[k], self.theirs.get(k)) for k in self.their_changes)

    def resolve(self, choice: str, picks: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The changes to write on top of theirs.

        * "overwrite": every field you changed gets your value, also where they changed it too. Fields only
          they changed keep their value (only your changed fields are sent, so nothing else is reverted).
        * "merge": both sides' changes are kept; a field both changed keeps theirs unless `picks[key]`
          is "yours".
        """
        if choice == "overwrite":
            return dict(self.yours)
        if choice != "merge":
            raise ValueError(f"unknown resolution {choice!r}")
        picks = picks or {}
        return {k: v for k, v in self.yours.items() if k not in self.overlapping or picks.get(k) == "yours"}


class EditConflict(E.Conflict):
    """Someone else changed what you are saving since you loaded it. Nothing was written.

    `base` is what you loaded, `yours` your changed fields, `theirs` the server's current values (all
    flat maps, see module doc). `overlapping` are the fields both of you changed differently.
    Resolve with `resolution("overwrite" | "merge", picks)` and save again with `theirs` as the new base.
    """

    def __init__(self, message: str, *, entity_id: str, three_way: ThreeWay, theirs_entity: Any = None,
                 base_updated_at: str | None = None, theirs_updated_at: str | None = None,
                 labels: Mapping[str, str] | None = None, kind: str = "entity") -> None:
        super().__init__(message, status=409)
        self.entity_id = entity_id
        self.three_way = three_way
        self.theirs_entity = theirs_entity
        self.base_updated_at = base_updated_at
        self.theirs_updated_at = theirs_updated_at
        self.labels = dict(labels or {})
        self.kind = kind

    @property
    def base(self) -> dict[str, Any]:
        return self.three_way.base

    @property
    def yours(self) -> dict[str, Any]:
        return self.three_way.yours

    @property
    def theirs(self) -> dict[str, Any]:
        return self.three_way.theirs

    @property
    def overlapping(self) -> set[str]:
        return self.three_way.overlapping

    @property
    def their_changes(self) -> set[str]:
        return self.three_way.their_changes

    def resolution(self, choice: str, picks: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.three_way.resolve(choice, picks)

    def label(self, key: str) -> str:
        return self.labels.get(key) or field_label(key)

    def rows(self) -> list[tuple[str, Any, Any, Any, bool]]:
        """(key, base, yours, theirs, overlapping) for every field either side changed, yours first."""
        keys = list(self.yours) + sorted(k for k in self.their_changes if k not in self.yours)
        out = []
        for k in keys:
            yours = self.yours[k] if k in self.yours else self.base.get(k)
            out.append((k, self.base.get(k), yours, self.theirs.get(k), k in self.overlapping))
        return out


@dataclass(frozen=True)
class ConcurrentChange:
    """Someone else wrote the same record while Slate was saving it: between Slate's re-read (the conflict
    check) and its write, or right after. Their change is kept (only your changed fields were sent; Zou
    merges `data`); this says which fields the server's answer shows changed by them, so the UI can tell
    the user. `fields` maps a flat key (or an asset id, for casting) to (value read before the write,
    value after it)."""

    entity_id: str
    name: str
    fields: dict[str, tuple[Any, Any]]
    labels: dict[str, str] = field(default_factory=dict)
    kind: str = "entity"  # or "casting"

    def label(self, key: str) -> str:
        return self.labels.get(key) or field_label(key)

    @property
    def message(self) -> str:
        what = ", ".join(self.label(k) for k in sorted(self.fields))
        target = f"the casting of “{self.name}”" if self.kind == "casting" else f"“{self.name}”"
        return (f"Saved. Someone else changed {target} at the same time ({what}): their change is kept, "
                "and the row now shows it.")


def concurrent_fields(read: Mapping[str, Any], sent: Mapping[str, Any], after: Mapping[str, Any]
                      ) -> dict[str, tuple[Any, Any]]:
    """Fields (flat) the server's answer to a write shows changed by someone else: the answer should be
    exactly what was read plus what was sent; anything else changed in between (or just after)."""
    out: dict[str, tuple[Any, Any]] = {}
    for key in set(read) | set(after):
        expected = sent[key] if key in sent else read.get(key)
        if not same(expected, after.get(key)) and key not in sent:
            out[key] = (read.get(key), after.get(key))
    return out


# ---------------------------------------------------------------------------------------------- validation
def _err(field_errors: dict[str, str]) -> E.ValidationError:
    text = "; ".join(field_errors.values())
    return E.ValidationError(text, field_errors=field_errors)


def parse_int(text: Any, key: str, label: str, *, minimum: int | None = 0) -> int | None:
    """An integer from what the user typed ("" -> None); ValidationError with a field error otherwise."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise _err({key: f"{label} must be a whole number."})
    value: int
    if isinstance(text, int):
        value = text
    elif isinstance(text, float):
        if not text.is_integer():
            raise _err({key: f"{label} must be a whole number."})
        value = int(text)
    else:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise _err({key: f"{label} must be a whole number, not “{text}”."}) from None
    if minimum is not None and value < minimum:
        raise _err({key: f"{label} cannot be negative." if minimum == 0 else f"{label} must be ≥ {minimum}."})
    return value


def parse_number(text: Any, key: str, label: str) -> float | int | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise _err({key: f"{label} must be a number."})
    if isinstance(text, int | float):
        value = float(text)
    else:
        try:
            value = float(str(text).strip().replace(",", "."))
        except ValueError:
            raise _err({key: f"{label} must be a number, not “{text}”."}) from None
    if not math.isfinite(value):
        raise _err({key: f"{label} must be a number."})
    return int(value) if value.is_integer() else value


def parse_fps(text: Any) -> str | None:
    """FPS as Zou stores it in `data.fps`: a string such as "24" or "23.976"."""
    value = parse_number(text, "data.fps", "FPS")
    if value is None:
        return None
    if value <= 0:
        raise _err({"data.fps": "FPS must be greater than zero."})
    return str(value)


def parse_descriptor_value(descriptor: Descriptor, value: Any) -> Any:
    """A metadata value the way Kitsu stores it: numbers as numbers, booleans as "true"/"false",
    list choices checked against the descriptor, anything else as text."""
    key = DATA + descriptor.field_name
    kind = descriptor.data_type
    if kind == "number":
        return parse_number(value, key, descriptor.name)
    if kind == "boolean":
        if isinstance(value, bool):
            return "true" if value else "false"
        text = str(value or "").strip().lower()
        if text in ("", "false", "0", "no", "off"):
            return "false"
        if text in ("true", "1", "yes", "on"):
            return "true"
        raise _err({key: f"{descriptor.name} must be true or false."})
    if kind == "list":
        text = "" if value is None else str(value).strip()
        if text and descriptor.choices and text not in descriptor.choices:
            raise _err({key: f"{descriptor.name} must be one of: {', '.join(descriptor.choices)}."})
        return text
    if kind == "checklist":
        if isinstance(value, list | dict):
            return value
        raise _err({key: f"{descriptor.name} is a checklist: edit it in Kitsu."})
    return "" if value is None else str(value)


def validate_name(name: Any, key: str = "name") -> str:
    text = "" if name is None else str(name).strip()
    if not text:
        raise _err({key: "The name cannot be empty."})
    if len(text) > MAX_NAME:
        raise _err({key: f"The name is too long ({len(text)} characters, {MAX_NAME} at most)."})
    return text


def validate_changes(changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None,
                     descriptors: Iterable[Descriptor] = ()) -> dict[str, Any]:
    """Check and normalise a flat change set before anything is sent; all field errors at once.

    `current` (flat) supplies the frame range side the user did not change, so frame out < frame in is
    caught whichever end was edited.
    """
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    by_field = {DATA + d.field_name: d for d in descriptors}
    for key, value in changes.items():
        try:
            if key == "name":
                out[key] = validate_name(value)
            elif key == "nb_frames":
                out[key] = parse_int(value, key, "Frames")
            elif key in ("data.frame_in", "data.frame_out"):
                out[key] = parse_int(value, key, field_label(key))
            elif key == "data.fps":
                out[key] = parse_fps(value)
            elif key == "description":
                out[key] = "" if value is None else str(value)
            elif key in by_field:
                out[key] = parse_descriptor_value(by_field[key], value)
            else:
                out[key] = value
        except E.ValidationError as exc:
            errors.update(exc.field_errors)
    frame_in = out.get("data.frame_in", (current or {}).get("data.frame_in"))
    frame_out = out.get("data.frame_out", (current or {}).get("data.frame_out"))
    if ("data.frame_in" in out or "data.frame_out" in out) and isinstance(frame_in, int) \
            and isinstance(frame_out, int) and frame_out < frame_in and "data.frame_out" not in errors:
        errors["data.frame_out"] = f"Frame out ({frame_out}) is before frame in ({frame_in})."
    if errors:
        raise _err(errors)
    return out


# ---------------------------------------------------------------------------------------------- table cells
@dataclass(frozen=True)
class CellEdit:
    """One table cell edited by the user, ready to save with `Editor.save_cell_edit`."""

    entity_id: str
    key: str  # flat key: "name", "nb_frames", "data.frame_in", "data.<descriptor>"
    old: Any
    new: Any
    changes: dict[str, Any]
    base: dict[str, Any]  # what the row showed for the fields sent (the conflict check's base)


# Columns of the with-tasks rows that map to a flat key somewhere else.
_ROW_ALIASES = {"frame_in": "data.frame_in", "frame_out": "data.frame_out", "fps": "data.fps"}
CELL_EDITABLE = ("name", "description", "nb_frames", "frame_in", "frame_out", "fps")


def row_value(row: Mapping[str, Any], key: str) -> Any:
    """A flat key's value in an entity dict or a with-tasks row dict."""
    if is_data_key(key):
        bare = key[len(DATA):]
        data = row.get("data")
        if isinstance(data, Mapping) and bare in data:
            return data[bare]
        return row.get(bare) if bare in SHOT_DATA_FIELDS else None
    return row.get(key)


def apply_cell_edit(row: Mapping[str, Any], column: str, value: Any,
                    descriptors: Iterable[Descriptor] = ()) -> CellEdit | None:
    """Parse and validate what the user typed into a cell; None when the value did not change.

    `row` is the row as the table holds it (a with-tasks row dict or an entity dict, with `id`),
    `column` a field name (`name`, `description`, `nb_frames`, `frame_in`, `frame_out`, `fps`), a flat
    key (`data.<field>`) or a descriptor's `field_name`. Raises `ValidationError` (with `field_errors`)
    for a bad value: the model keeps the old value and shows the message.
    """
    descriptors = tuple(descriptors)
    key = _ROW_ALIASES.get(column, column)
    if key not in ENTITY_FIELDS and not is_data_key(key):
        if any(d.field_name == column for d in descriptors):
            key = DATA + column
        else:
            raise E.ValidationError(f"The column “{column}” cannot be edited.", field_errors={column: "read-only"})
    old = row_value(row, key)
    current = {k: row_value(row, k) for k in ("data.frame_in", "data.frame_out")}
    changes = validate_changes({key: value}, current=current, descriptors=descriptors)
    if same(old, changes[key]):
        return None
    entity_id = str(row.get("id") or "")
    if not entity_id:
        raise E.ValidationError("This row has no id: it cannot be saved.")
    return CellEdit(entity_id=entity_id, key=key, old=old, new=changes[key], changes=changes,
                    base={key: old})


def row_updates(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The with-tasks row columns to refresh from a saved entity (after a cell or dialog save): the
    model merges these into its row so the view shows the server's truth."""
    data = dict(entity.get("data") or {})
    out: dict[str, Any] = {k: entity[k] for k in ("name", "description", "nb_frames", "canceled", "parent_id",
                                                  "is_casting_standby", "is_shared") if k in entity}
    out["data"] = data
    for k in SHOT_DATA_FIELDS:
        if k in data:
            out[k] = data[k]
    if entity.get("type") == "Asset" and entity.get("entity_type_id"):
        out["asset_type_id"] = entity["entity_type_id"]
    return out
