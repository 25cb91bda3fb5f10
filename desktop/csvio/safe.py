"""Cell safety: what a spreadsheet would execute is neutralised on export, and restored on import.

A CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets ("CSV injection"). Such a cell is written with a leading
apostrophe, which every spreadsheet shows as text and never evaluates.

Decisions (the issue leaves them open):

* A plain negative number (`-12`, `-0.5`, `-3,25`) is left as it is: a spreadsheet reads it as a
  number, never as a formula, and `'-12` would spoil every frame offset or delta column. Anything more
  (`-1+2`, `-A1`, `-2e3`) is neutralised.
* Values are written as text, exactly as Zou or the view gives them: Slate never turns `001` into `1`
  (no number conversion happens anywhere on the way out). A spreadsheet may still do it when it opens
  the file; the importer warns about such damage (see `desktop.csvio.checks`).
* On import, an apostrophe that Slate's own neutralisation added (an apostrophe followed by one of the
  trigger characters) is removed again, so an export edited and re-imported keeps `=x` as `=x`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NEGATIVE: Final = re.compile(r"-\d+(?:[.,]\d+)?\Z")


def needs_neutralising(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NEGATIVE.match(text)


def neutralise(text: str) -> str:
    """`=1+1` -> `'=1+1`; `-12` and `001` stay as they are."""
    return "'" + text if needs_neutralising(text) else text


def restore(text: str) -> str:
    """Undo `neutralise`: `'=1+1` -> `=1+1`. Other apostrophes (`'tis`) are kept."""
    if len(text) > 1 and text[0] == "'" and needs_neutralising(text[1:]):
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """The text of a cell for any value a model or a record gives (never a number conversion of text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items())
    if isinstance(value, Iterable):
        return ", ".join(cell_text(v) for v in value)
    return str(value)
