"""Task status change with a comment and attachments (upload progress), and the assignee picker.

Statuses an artist may not pick stay listed but disabled, with the reason as their tooltip; the
server's refusal (a task not assigned to them, a status changed meanwhile) is still shown clearly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import Attachment, EditContext
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource, progress_bar
from desktop.ui.widgets import named, primary_button


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class TaskStatusDialog(EditingDialog):
    posted = Signal(dict)  # the comment as Zou returned it (with task_status and attachment_files)

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, task: Mapping[str, Any], entity_name: str = "",
                 name: str = "taskStatusDialog") -> None:
        self.task = dict(task)
        tt = ctx.task_type(str(self.task.get("task_type_id") or ""))
        self.task_label = " ".join(p for p in (entity_name or str(self.task.get("entity_name") or ""),
                                              tt.name if tt else "") if p)
        super().__init__(editor, settings, ctx, parent, name=name,
                         title=f"Status of {self.task_label}".strip() if self.task_label else "Change status")
        caps = ctx.capabilities
        self.attachments: list[Attachment] = []
        self.status_field = named(QComboBox(), "statusField", "New status")
        model = QStandardItemModel(self.status_field)
        for s in ctx.task_statuses:
            item = QStandardItem(s.name)
            item.setData(s.id, Qt.ItemDataRole.UserRole)
            if not caps.status_allowed(s):
                item.setEnabled(False)
                item.setToolTip(f"{caps.role_name}s cannot set “{s.name}”.")
            model.appendRow(item)
        self.status_field.setModel(model)
        current = str(self.task.get("task_status_id") or "")
        index = self.status_field.findData(current, Qt.ItemDataRole.UserRole)
        self.status_field.setCurrentIndex(max(0, index))
        self.comment_field = named(QPlainTextEdit(), "commentField", "Comment")
        self.comment_field.setPlaceholderText("Say what changed…")
        self.attachment_list = named(QListWidget(), "attachmentList", "Files to attach")
        self.attachment_list.setMaximumHeight(90)
        self.attach_button = named(QPushButton("Attach files…"), "attachButton", "Attach files")
        self.remove_attachment_button = named(QPushButton("Remove"), "removeAttachmentButton",
                                              "Remove the selected file")
        self.progress = progress_bar("uploadProgress", "Upload progress")
        self.post_button = named(primary_button("Post"), "postButton", "Post the comment")
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton", "Cancel")
        self.attach_button.clicked.connect(self._pick_files)
        self.remove_attachment_button.clicked.connect(self._remove_selected)
        self.post_button.clicked.connect(lambda: self.run(self.post(), key="post"))
        self.cancel_button.clicked.connect(self.reject)
        allowed = caps.can_change_task(self.task, tt)
        why = ("You can only change tasks assigned to you." if caps.role == "user"
               else caps.why_not("change this task"))
        for w in (self.post_button, self.attach_button, self.remove_attachment_button):
            self.allow(w, allowed, why)
        if not allowed:
            self.message.show_message(why, "warn")
        self.setAcceptDrops(True)

        form = QFormLayout()
        form.addRow("Status", self.status_field)
        form.addRow("Comment", self.comment_field)
        files = QHBoxLayout()
        files.addWidget(self.attach_button)
        files.addWidget(self.remove_attachment_button)
        files.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.post_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.attachment_list)
        layout.addLayout(files)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(480, 420)

    # ------------------------------------------------------------ attachments
    def add_attachments(self, items: Iterable[str | os.PathLike[str] | Attachment]) -> None:
        for item in items:
            att = item if isinstance(item, Attachment) else Attachment.from_path(item)
            self.attachments.append(att)
            entry = QListWidgetItem(f"{att.name}  ({_human(att.size)})")
            entry.setData(Qt.ItemDataRole.UserRole, len(self.attachments) - 1)
            self.attachment_list.addItem(entry)

    def _pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        self.add_attachments(paths)

    def _remove_selected(self) -> None:
        row = self.attachment_list.currentRow()
        if row >= 0:
            self.attachment_list.takeItem(row)
            del self.attachments[row]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.add_attachments(p for p in paths if Path(p).is_file())

    # ------------------------------------------------------------ posting
    def select_status(self, status_id: str) -> None:
        self.status_field.setCurrentIndex(self.status_field.findData(status_id, Qt.ItemDataRole.UserRole))

    def _progress(self, sent: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(sent)
        self.progress.setFormat(f"{_human(sent)} / {_human(total)}")

    async def post(self) -> dict[str, Any] | None:
        self.message.clear_message()
        status_id = self.status_field.currentData(Qt.ItemDataRole.UserRole)
        self.progress.setVisible(bool(self.attachments))
        try:
            comment = await self.editor.comment_task(
                str(self.task["id"]), str(status_id) if status_id else None, self.comment_field.toPlainText(),
                attachments=list(self.attachments), on_progress=self._progress if self.attachments else None)
        except E.ZouError as exc:
            self.progress.setVisible(False)
            self.show_error(exc)
            return None
        self.posted.emit(comment)
        self.accept()
        return comment


class AssigneePicker(EditingDialog):
    """Tick the people assigned to a task; only the difference with the server is applied."""

    assignees_changed = Signal(str, list)  # task id, person ids

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, task: Mapping[str, Any]) -> None:
        self.task = dict(task)
        super().__init__(editor, settings, ctx, parent, name="assigneePicker", title="Assign people")
        tt = ctx.task_type(str(self.task.get("task_type_id") or ""))
        caps = ctx.capabilities
        current = {a if isinstance(a, str) else str(a.get("id")) for a in self.task.get("assignees") or []}
        self.loaded = sorted(current)
        self.search = named(QLineEdit(), "assigneeSearch", "Search people")
        self.search.setPlaceholderText("Search people…")
        self.search.setClearButtonEnabled(True)
        self.list = named(QListWidget(), "assigneeList", "People")
        for p in ctx.team:
            item = QListWidgetItem(p.full_name)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in current else Qt.CheckState.Unchecked)
            if not caps.can_assign(tt, p.id):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(caps.why_not("assign this person"))
            self.list.addItem(item)
        self.search.textChanged.connect(self._filter)
        self.apply_button = named(primary_button("Apply"), "applyButton", "Apply assignments")
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton", "Cancel")
        self.apply_button.clicked.connect(lambda: self.run(self.apply(), key="apply"))
        self.cancel_button.clicked.connect(self.reject)
        self.allow(self.apply_button, caps.can_assign(tt, caps.user_id), caps.why_not("assign people"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(360, 420)

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def set_checked(self, person_id: str, checked: bool) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == person_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def wanted(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    async def apply(self) -> list[str] | None:
        try:
            result = await self.editor.set_assignees(str(self.task["id"]), self.wanted(), loaded=self.loaded)
        except E.ZouError as exc:
            self.show_error(exc)
            return None
        self.assignees_changed.emit(str(self.task["id"]), result)
        self.accept()
        return result
