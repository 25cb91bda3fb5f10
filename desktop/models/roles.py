"""Custom item-data roles shared by the models, delegates and tests."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from PySide6.QtCore import QModelIndex, Qt

USER: Final = Qt.ItemDataRole.UserRole.value

# Plain ints for the hot path: `data()` compares roles thousands of times per repaint.
DISPLAY: Final = Qt.ItemDataRole.DisplayRole.value
DECORATION: Final = Qt.ItemDataRole.DecorationRole.value
TOOLTIP: Final = Qt.ItemDataRole.ToolTipRole.value
ACCESSIBLE: Final = Qt.ItemDataRole.AccessibleTextRole.value
FONT: Final = Qt.ItemDataRole.FontRole.value
ALIGN: Final = Qt.ItemDataRole.TextAlignmentRole.value
BACKGROUND: Final = Qt.ItemDataRole.BackgroundRole.value
FOREGROUND: Final = Qt.ItemDataRole.ForegroundRole.value
SIZE_HINT: Final = Qt.ItemDataRole.SizeHintRole.value


class Role(IntEnum):
    """`model.data(index, Role.X)`; every model answers the roles that make sense for it."""

    Chip = USER + 1  # models.lookups.Chip on task-status cells, else None
    SortKey = USER + 2  # the precomputed key the column sorts by
    EntityId = USER + 3  # id of the row's shot/asset (or task, in task lists)
    GroupHeader = USER + 4  # group title on a group header row, None on entity rows
    GroupKey = USER + 5  # group id (sequence id, asset type id) of the row
    PreviewFileId = USER + 6  # the row's main preview file id, or None
    TaskId = USER + 7  # the task shown in a task-status cell
    ColumnKey = USER + 8  # stable column key (headerData, horizontal): "name", "task:Animation", ...
    SourceRow = USER + 9  # position in the WithTasksTable (proxy models)
    Record = USER + 10  # the whole record of a small-list row (dict or dataclass)
    GroupCollapsed = USER + 11  # bool on group header rows

# The invalid index, as a shared default argument (an index is a value; nobody mutates this one).
ROOT: Final = QModelIndex()

# Item flags, combined once: combining Qt flags goes through Python's enum machinery (slow per cell).
FLAGS_ENTITY: Final = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
FLAGS_HEADER: Final = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
