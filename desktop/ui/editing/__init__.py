"""Editing widgets: asset/shot editors, delete confirmation, conflict dialog, bulk edit, casting,
cast-in, asset instances, task status + comment, assignee picker
(one task) and bulk assignment (many), breakdown (shots × assets casting), undo action.

Every dialog takes `(editor_or_client, settings_or_None, EditContext, parent, *, ...)` and does no
HTTP itself: it calls `desktop.api.editing.Editor` through its own `TaskRunner`. See docs/editing.md for
object names and how the main window wires them.
"""

from desktop.ui.editing.assign_dialog import BulkAssignDialog
from desktop.ui.editing.breakdown import BreakdownDialog
from desktop.ui.editing.bulk_dialog import BulkEditDialog
from desktop.ui.editing.casting_editor import AssetInstancesPanel, CastingEditor, CastInList
from desktop.ui.editing.conflict import ConflictDialog
from desktop.ui.editing.delete_dialog import DeleteDialog
from desktop.ui.editing.entity_dialogs import AssetEditorDialog, ParentEntityDialog, ShotEditorDialog
from desktop.ui.editing.task_dialogs import AssigneePicker, TaskStatusDialog
from desktop.ui.editing.undo_action import UndoAction

__all__ = [
    "AssetEditorDialog", "AssetInstancesPanel", "AssigneePicker", "BreakdownDialog", "BulkAssignDialog",
    "BulkEditDialog", "CastInList",
    "CastingEditor", "ConflictDialog", "DeleteDialog", "ParentEntityDialog", "ShotEditorDialog",
    "TaskStatusDialog", "UndoAction",
]
