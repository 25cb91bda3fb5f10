"""Edit > Assign: the assignee picker for the task selected in the detail pane, and the bulk dialog for
the tasks of the rows selected in the shots or assets list (with unassign).

What they change becomes one `Changes` (`changes.assignments_saved`): the rows' chips (initials) and
the detail's task table repaint; nothing is re-read but the one entity the detail shows (if it shows one
of those tasks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.api import changes
from desktop.ui.editing import AssigneePicker, BulkAssignDialog
from desktop.ui.main.parts import WindowParts

if TYPE_CHECKING:
    from desktop.ui.main.edit_commands import EditCommands


class AssignCommands(QObject):
    def __init__(self, parts: WindowParts, edits: EditCommands) -> None:
        super().__init__(parts.window)
        self.parts, self.edits, self.browse = parts, edits, parts.browse

    def assign_task(self) -> AssigneePicker | None:
        """The people of the task selected in the detail pane: tick to assign, untick to unassign."""
        ctx = self.browse.edit_context()
        detail = self.parts.detail
        task_id = detail.selected_task_id()
        task = next((t for t in detail.tasks_model.records() if t.get("id") == task_id), None)
        if ctx is None or task is None:
            self.parts.notify("Select a task in the detail pane first.")
            return None
        entity_id = str(task.get("entity_id") or detail.entity_id or "")
        dialog = AssigneePicker(self.browse.editor, self.browse.settings, ctx, self.parts.window, task=task)
        dialog.assignees_changed.connect(
            lambda tid, people: self._apply({str(tid): (entity_id, list(people))}))
        return self.edits._open_dialog(dialog)  # type: ignore[no-any-return]

    def assign_selected(self) -> BulkAssignDialog | None:
        """Assign or unassign people on one task type's tasks of the selected rows."""
        ctx = self.browse.edit_context()
        pane = self.parts.current_entity_pane()
        if ctx is None or pane is None:
            return None
        ids = pane.selected_entity_ids() or [i for i in [pane.current_entity_id()] if i]
        if not ids:
            self.parts.notify(f"Select {pane.noun} first.")
            return None
        tasks: list[dict[str, Any]] = []
        for entity_id in ids:
            row = pane.source.row_of_id(entity_id)
            for task in pane.source.row_tasks(row) if row is not None else []:
                tasks.append({**task, "entity_id": entity_id})
        dialog = BulkAssignDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window, tasks=tasks,
                                  entity_count=len(ids))
        dialog.assignments_changed.connect(self._apply)
        return self.edits._open_dialog(dialog)  # type: ignore[no-any-return]

    def _apply(self, assigned: dict[str, tuple[str, list[str]]]) -> None:
        self.browse.apply(changes.assignments_saved(assigned))  # the detail re-reads itself if it shows them
