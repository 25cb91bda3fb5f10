"""Export what a view shows: rows in the view's order (sort, filter), its visible columns in their order.

Works on any `QAbstractItemModel` (pass the proxy the view uses, so filtering and sorting are the view's).
Each cell is read, in order, from:

1. `EXPORT_TEXT_ROLE`, when the model answers it (a model can give the exact export text there);
2. the column's role (DisplayRole by default), or an attribute of the value at that role.

Task cells of the main window show a status; `columns_for_view(..., assignees_role=R)` adds after every
column whose cells hold an object with `assignee_names` at role R (the main window's `Role.Chip`) a
"<column> assignees" column, so the file carries both status and assignees as shown in the view.
Group header rows can be skipped with `skip_row`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView

from desktop.api.exports import run_in_worker
from desktop.csvio import DEFAULT_FORMAT, CsvFormat, ProgressCallback, WriteResult, cell_text, write_csv

EXPORT_TEXT_ROLE = int(Qt.ItemDataRole.UserRole) + 0x400
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
Index = QModelIndex | QPersistentModelIndex
RowFilter = Callable[[QAbstractItemModel, QModelIndex], bool]


@dataclass(frozen=True)
class ExportColumn:
    column: int  # logical column of the model
    title: str
    role: int = DISPLAY
    attribute: str | None = None  # read this attribute of the value found at `role`


def visible_columns(view: QAbstractItemView | QHeaderView) -> list[int]:
    """Logical columns of a table or tree view, in the order shown, hidden ones left out."""
    if isinstance(view, QHeaderView):
        header = view
    elif isinstance(view, QTableView):
        header = view.horizontalHeader()
    elif isinstance(view, QTreeView):
        header = view.header()
    else:
        model = view.model()
        return list(range(model.columnCount())) if model is not None else []
    return [header.logicalIndex(v) for v in range(header.count()) if not header.isSectionHidden(header.logicalIndex(v))]


def columns_for_view(model: QAbstractItemModel, columns: Sequence[int] | None = None, *,
                     assignees_role: int | None = None, probe_rows: int = 200) -> list[ExportColumn]:
    """ExportColumns for `columns` (default all), titled from the model's horizontal header."""
    cols = list(range(model.columnCount())) if columns is None else list(columns)
    out: list[ExportColumn] = []
    for col in cols:
        title = cell_text(model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
        out.append(ExportColumn(col, title))
        if assignees_role is not None and _has_assignees(model, col, assignees_role, probe_rows):
            out.append(ExportColumn(col, f"{title} assignees", assignees_role, "assignee_names"))
    return out


def _has_assignees(model: QAbstractItemModel, col: int, role: int, probe_rows: int) -> bool:
    for row in range(min(model.rowCount(), probe_rows)):
        value = model.data(model.index(row, col), role)
        if value is not None and hasattr(value, "assignee_names"):
            return True
    return False


def _text(model: QAbstractItemModel, index: QModelIndex, col: ExportColumn) -> str:
    value = model.data(index, EXPORT_TEXT_ROLE)
    if value is not None and col.attribute is None:
        return cell_text(value)
    value = model.data(index, col.role)
    if col.attribute is not None:
        value = getattr(value, col.attribute, None) if value is not None else None
    return cell_text(value)


def _has_children(model: QAbstractItemModel, index: QModelIndex) -> bool:
    # Flat table models (QAbstractTableModel subclasses) may not implement hasChildren for a child index
    # with Python's signature; a table never has children below a cell anyway.
    try:
        return bool(model.hasChildren(index))
    except TypeError:
        return False


def _walk(model: QAbstractItemModel, parent: QModelIndex, recursive: bool) -> Iterator[QModelIndex]:
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index
        if recursive and _has_children(model, index):
            yield from _walk(model, index, recursive)


def view_rows(model: QAbstractItemModel, columns: Sequence[ExportColumn | int] | None = None, *,
              header: bool = True, recursive: bool = True, skip_row: RowFilter | None = None) -> Iterator[list[str]]:
    """The header, then one list of texts per row, as the model (the view's proxy) orders them."""
    cols = [c if isinstance(c, ExportColumn) else columns_for_view(model, [c])[0]
            for c in (columns if columns is not None else columns_for_view(model))]
    if header:
        yield [c.title for c in cols]
    for first in _walk(model, QModelIndex(), recursive):
        if skip_row is not None and skip_row(model, first):
            continue
        parent = first.parent()
        row = first.row()
        yield [_text(model, model.index(row, c.column, parent), c) for c in cols]


def export_view(model: QAbstractItemModel, path: str | Path, fmt: CsvFormat = DEFAULT_FORMAT,
                columns: Sequence[ExportColumn | int] | None = None, *, progress: ProgressCallback | None = None,
                recursive: bool = True, skip_row: RowFilter | None = None) -> WriteResult:
    """Write the view's rows to `path` (atomically, formula cells neutralised), on the calling thread."""
    rows = view_rows(model, columns, recursive=recursive, skip_row=skip_row)
    return write_csv(path, rows, fmt, total=model.rowCount() + 1, progress=progress)


async def export_view_async(model: QAbstractItemModel, path: str | Path, fmt: CsvFormat = DEFAULT_FORMAT,
                            columns: Sequence[ExportColumn | int] | None = None, *,
                            progress: ProgressCallback | None = None, recursive: bool = True,
                            skip_row: RowFilter | None = None, batch: int = 1000) -> WriteResult:
    """Same as `export_view`, without freezing the window: the model is read on the GUI thread in
    batches (yielding to the event loop between them), then the file is written on a worker thread.
    The model must not be reset meanwhile (the caller keeps the view busy)."""
    total = model.rowCount() + 1
    collected: list[list[str]] = []
    for row in view_rows(model, columns, recursive=recursive, skip_row=skip_row):
        collected.append(row)
        if len(collected) % batch == 0:
            if progress is not None:
                progress(len(collected), total)
            await asyncio.sleep(0)
    return await run_in_worker(write_csv, path, collected, fmt, total=len(collected))
