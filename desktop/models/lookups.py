"""Lookup tables the models need to turn ids into what a user reads (status chips, names, initials).

Built once per user context; every model of a window shares one `Lookups`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.api.records import AssetType, Person, TaskStatus, TaskType, UserContext

_DIGITS = re.compile(r"(\d+)")


def _pad(match: re.Match[str]) -> str:
    digits = match.group().lstrip("0") or "0"
    return f"{len(digits):02d}{digits}"  # length first: 9 < 10 < 100, however long the number


@functools.lru_cache(maxsize=131072)
def natural_key(text: str) -> str:
    """"SH2" < "SH10": a string whose plain ordering is the natural one (digit runs compare as numbers).

    A flat string, not a tuple: Python sorts 10,000 strings several times faster than nested tuples, and
    sequence or episode names repeat, so the cache makes most keys free.
    """
    return _DIGITS.sub(_pad, text.lower())


def value_key(value: Any) -> tuple[Any, ...]:
    """Sort key for a cell of any type: numbers before text, empty cells last, never a TypeError."""
    if value is None or value == "":
        return (3,)
    if isinstance(value, bool):
        return (0, float(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, str):
        try:
            return (0, float(value))
        except ValueError:
            return (1, natural_key(value))
    return (2, natural_key(display_text(value)))


def display_text(value: Any) -> str:
    """How a raw field value reads in a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(display_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {display_text(v)}" for k, v in value.items())
    return str(value)


def relative_luminance(color: str) -> float | None:
    """WCAG 2 relative luminance of #rrggbb (or #rgb); None when it is not a colour."""
    hex_ = color.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    try:
        channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)] if len(hex_) == 6 else []
    except ValueError:
        return None
    if not channels:
        return None
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21); 1 when either is not a colour."""
    la, lb = relative_luminance(a), relative_luminance(b)
    if la is None or lb is None:
        return 1.0
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def readable_text_color(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast on `background` (#rrggbb): at least 4.58:1 on
    any colour, so every status colour Zou allows reads in either theme (a chip is painted in Zou's colour)."""
    if relative_luminance(background) is None:
        return "#000000"
    return "#000000" if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#ffffff") else "#ffffff"


@dataclass(frozen=True)
class Chip:
    """What a task-status cell shows: Zou's status colour and short name, plus the assignees' initials."""

    short_name: str
    color: str
    text_color: str
    status_name: str
    initials: tuple[str, ...] = ()
    assignee_names: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.short_name} {' '.join(self.initials)}".strip()


UNKNOWN_STATUS = TaskStatus(id="", name="Unknown status", short_name="?", color="#cccccc", priority=0,
                            is_done=False, is_artist_allowed=True, is_retake=False, is_default=False, is_wip=False,
                            is_feedback_request=False)


@dataclass
class Lookups:
    statuses: dict[str, TaskStatus] = field(default_factory=dict)
    task_types: dict[str, TaskType] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    asset_types: dict[str, AssetType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._chips: dict[tuple[str, tuple[str, ...]], Chip] = {}
        self._initials: dict[str, str] = {}

    @classmethod
    def from_context(cls, ctx: UserContext) -> Lookups:
        return cls.build(ctx.task_statuses, ctx.task_types, ctx.persons, ctx.asset_types)

    @classmethod
    def build(cls, statuses: Iterable[TaskStatus] = (), task_types: Iterable[TaskType] = (),
              persons: Iterable[Person] = (), asset_types: Iterable[AssetType] = ()) -> Lookups:
        return cls(statuses={s.id: s for s in statuses}, task_types={t.id: t for t in task_types},
                   persons={p.id: p for p in persons}, asset_types={a.id: a for a in asset_types})

    def initials(self, person_id: str) -> str:
        cached = self._initials.get(person_id)
        if cached is None:
            person = self.persons.get(person_id)
            cached = person.initials if person is not None else "?"
            self._initials[person_id] = cached
        return cached

    def person_name(self, person_id: str) -> str:
        person = self.persons.get(person_id)
        return person.full_name if person is not None else "Unknown person"

    def status(self, status_id: str) -> TaskStatus:
        return self.statuses.get(status_id) or UNKNOWN_STATUS

    def task_type_name(self, task_type_id: str) -> str:
        tt = self.task_types.get(task_type_id)
        return tt.name if tt is not None else "Unknown task type"

    def chip(self, status_id: str | None, assignees: Sequence[str] | None) -> Chip | None:
        """One shared Chip per (status, assignees): a 10k-row table makes a few hundred, not 80,000."""
        if not status_id:
            return None
        people = tuple(assignees) if assignees else ()
        key = (status_id, people)
        chip = self._chips.get(key)
        if chip is None:
            status = self.status(status_id)
            color = status.color or "#cccccc"
            chip = Chip(short_name=status.short_name or status.name, color=color,
                        text_color=readable_text_color(color), status_name=status.name,
                        initials=tuple(self.initials(p) for p in people),
                        assignee_names=tuple(self.person_name(p) for p in people))
            self._chips[key] = chip
        return chip
