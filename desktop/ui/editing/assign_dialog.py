"""Assign or unassign people on the tasks of many shots or assets at once (one task type at a time).

Opened from Edit > Assign selected… and the lists' right-click menu with the rows selected. The tasks
come from the rows as loaded (their assignees are what the user sees: undo puts exactly those back);
the writes are Zou's bulk routes through the session's `Editor` (`bulk_assign`, `bulk_unassign`). Zou
skips tasks the user may not change: the dialog says how many, nothing else is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import AssignReport, EditContext
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource
from desktop.ui.widgets import named, primary_button


class BulkAssignDialog(EditingDialog):
    """`tasks`: dicts with `id`, `task_type_id`, `assignees` (ids) and `entity_id`, from the selected rows."""

    assignments_changed = Signal(object)  # {task id: (entity id, assignees after)}

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, tasks: Sequence[Mapping[str, Any]], entity_count: int) -> None:
        super().__init__(editor, settings, ctx, parent, name="bulkAssignDialog", title="Assign people")
        self.tasks = [dict(t) for t in tasks]
        self.report: AssignReport | None = None
        caps = ctx.capabilities
        self.intro = named(QLabel(), "bulkAssignIntro", "What will be assigned")
        self.intro.setWordWrap(True)
        self.task_type = named(QComboBox(), "bulkAssignTaskType", "Task type")
        present = {str(t.get("task_type_id")) for t in self.tasks}
        for tt in sorted((t for t in ctx.task_types if t.id in present), key=lambda t: (t.priority, t.name.lower())):
            self.task_type.addItem(tt.name, tt.id)
        self.people = named(QListWidget(), "bulkAssignPeople", "People")
        for p in ctx.team:
            item = QListWidgetItem(p.full_name)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.people.addItem(item)
        self.assign_button = named(primary_button("Assign"), "bulkAssignButton", "Assign the ticked people")
        self.unassign_button = named(QPushButton("Unassign"), "bulkUnassignButton",
                                     "Unassign the ticked people, or everyone when none is ticked")
        self.close_button = named(QPushButton("Close"), "bulkAssignClose", "Close")
        self.assign_button.clicked.connect(lambda: self.run(self.apply(assign=True), key="apply"))
        self.unassign_button.clicked.connect(lambda: self.run(self.apply(assign=False), key="apply"))
        self.close_button.clicked.connect(self.accept)
        may = any(caps.can_assign(ctx.task_type(tid), caps.user_id) for tid in present)
        self.allow(self.assign_button, may and self.task_type.count() > 0, caps.why_not("assign people"))
        self.allow(self.unassign_button, may and self.task_type.count() > 0, caps.why_not("unassign people"))
        self.task_type.currentIndexChanged.connect(self._describe)
        self.people.itemChanged.connect(self._describe)
        self.entity_count = entity_count
        buttons = QHBoxLayout()
        buttons.addWidget(self.unassign_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.assign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.task_type)
        layout.addWidget(self.people, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(380, 460)
        self._describe()

    def _describe(self, *args: Any) -> None:
        del args
        n = len(self.chosen_tasks())
        who = len(self.ticked())
        self.intro.setText(f"{self.task_type.currentText() or 'No task'} tasks of {self.entity_count} selected "
                           f"rows: {n} task{'s' if n != 1 else ''}. Unassign with nobody ticked clears them.")
        self.unassign_button.setText("Unassign" if who else "Unassign everyone")

    def choose_task_type(self, task_type_id: str) -> None:
        self.task_type.setCurrentIndex(max(0, self.task_type.findData(task_type_id)))

    def set_checked(self, person_id: str, checked: bool) -> None:
        for i in range(self.people.count()):
            item = self.people.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == person_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def ticked(self) -> list[str]:
        return [str(self.people.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.people.count())
                if self.people.item(i).checkState() == Qt.CheckState.Checked]

    def chosen_tasks(self) -> list[dict[str, Any]]:
        wanted = self.task_type.currentData()
        return [t for t in self.tasks if str(t.get("task_type_id")) == wanted]

    async def apply(self, *, assign: bool) -> AssignReport | None:
        tasks = self.chosen_tasks()
        ids = [str(t["id"]) for t in tasks]
        before = {str(t["id"]): [str(p) for p in t.get("assignees") or []] for t in tasks}
        people = self.ticked()
        if assign and not people:
            self.message.show_message("Tick the people to assign first.", "info")
            return None
        total = AssignReport()
        try:
            for person in list[str | None](people) or [None]:
                if assign:
                    assert person is not None
                    report = await self.editor.bulk_assign(ids, person, before=before)
                else:
                    report = await self.editor.bulk_unassign(ids, person, before=before)
                for task_id, after in report.changed.items():
                    before[task_id] = after  # the next person starts from what this one left
                    total.changed[task_id] = after
                total.refused.extend(t for t in report.refused if t not in total.refused)
        except E.ZouError as exc:
            self.show_error(exc)
        entity_of = {str(t["id"]): str(t.get("entity_id") or "") for t in tasks}
        for task in self.tasks:  # a second click starts from what the server has now
            if str(task["id"]) in total.changed:
                task["assignees"] = total.changed[str(task["id"])]
        if total.changed:
            self.assignments_changed.emit({t: (entity_of[t], a) for t, a in total.changed.items()})
        self.report = total
        if total.changed or total.refused:
            tone = "warn" if total.refused else "ok"
            self.message.show_message(("Assigned: " if assign else "Unassigned: ") + total.summary + ".", tone)
        return total
