"""The detail pane's comment-thread actions (its comments' right-click menu): reply, edit and delete your
own, acknowledge, pin, checklist — as Kitsu offers them. The writes are `desktop.api.threads`'; each ends
in one `Changes` naming the thread, handed to `BrowseSession.apply` (the detail re-reads it)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.threads import ChecklistItem, ThreadActions, acknowledged_by, checklist_of, is_own, thread_changed
from desktop.asyncqt import TaskRunner
from desktop.models.roles import Role
from desktop.ui.widgets import error_text, named, primary_button

if TYPE_CHECKING:
    from desktop.ui.browse_session import BrowseSession
    from desktop.ui.panes.detail import DetailPane

PIN_ROLES = ("supervisor", "manager", "admin")


class CommentTextDialog(QDialog):
    """Reply to a comment, or edit yours: one text, OK / Cancel (opened window-modal, never exec())."""

    def __init__(self, parent: QWidget, title: str, text: str = "") -> None:
        super().__init__(parent)
        named(self, "commentTextDialog", title)
        self.setWindowTitle(title)
        self.field = named(QPlainTextEdit(text), "commentTextField", title)
        self.ok_button = named(primary_button("Save" if text else "Reply"), "commentTextOk", title)
        cancel = named(QPushButton("Cancel"), "commentTextCancel", "Cancel")
        self.ok_button.clicked.connect(self._ok)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addLayout(buttons)
        self.resize(420, 200)

    def _ok(self) -> None:
        if self.text().strip():  # an empty text is not sent (Zou would store it): nothing is lost either
            self.accept()

    def text(self) -> str:
        return self.field.toPlainText()


class ChecklistDialog(QDialog):
    """Tick, add and remove the items of a comment's checklist."""

    def __init__(self, parent: QWidget, items: list[ChecklistItem]) -> None:
        super().__init__(parent)
        named(self, "checklistDialog", "Checklist")
        self.setWindowTitle("Checklist")
        self.list = named(QListWidget(), "checklistItems", "Checklist items")
        for item in items:
            self._add(item)
        self.new_item = named(QLineEdit(), "checklistNewItem", "New checklist item")
        self.new_item.setPlaceholderText("New item…")
        add = named(QPushButton("Add"), "checklistAddButton", "Add the item")
        remove = named(QPushButton("Remove"), "checklistRemoveButton", "Remove the selected item")
        save = named(primary_button("Save"), "checklistSaveButton", "Save the checklist")
        cancel = named(QPushButton("Cancel"), "checklistCancelButton", "Cancel")
        add.clicked.connect(self._add_typed)
        self.new_item.returnPressed.connect(self._add_typed)
        remove.clicked.connect(lambda: self.list.takeItem(self.list.currentRow()))
        save.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.new_item, 1)
        row.addWidget(add)
        row.addWidget(remove)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addLayout(buttons)
        self.resize(380, 320)

    def _add(self, item: ChecklistItem) -> None:
        entry = QListWidgetItem(item.text)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Checked if item.checked else Qt.CheckState.Unchecked)
        self.list.addItem(entry)

    def _add_typed(self) -> None:
        text = self.new_item.text().strip()
        if text:
            self._add(ChecklistItem(text))
            self.new_item.clear()

    def items(self) -> list[ChecklistItem]:
        out = []
        for i in range(self.list.count()):
            entry = self.list.item(i)
            out.append(ChecklistItem(entry.text(), entry.checkState() == Qt.CheckState.Checked))
        return out


class CommentThreadActions(QObject):
    """Mounted on a `DetailPane` with a browse session: the actions on its selected comment."""

    def __init__(self, pane: DetailPane, browse: BrowseSession) -> None:
        super().__init__(pane)
        self.pane = pane
        self.browse = browse
        self.threads = ThreadActions(browse.session, browse.user)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(lambda _key, exc: browse.notice.emit(error_text(exc))
                                   if isinstance(exc, BaseException) else None)
        self.dialog: QDialog | QMessageBox | None = None  # the one open now (tests drive it)
        view = pane.comments
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.reply_action = self._action("&Reply…", "actionCommentReply", self.reply)
        self.edit_action = self._action("&Edit my comment…", "actionCommentEdit", self.edit)
        self.delete_action = self._action("&Delete my comment…", "actionCommentDelete", self.delete)
        self.ack_action = self._action("&Acknowledge", "actionCommentAcknowledge", self.acknowledge)
        self.ack_action.setCheckable(True)
        self.pin_action = self._action("&Pin", "actionCommentPin", self.toggle_pin)
        self.pin_action.setCheckable(True)
        self.checklist_action = self._action("Check&list…", "actionCommentChecklist", self.checklist)
        selection = view.selectionModel()
        assert selection is not None
        selection.currentChanged.connect(lambda *_: self.update())
        pane.comments_model.modelReset.connect(self.update)
        self.update()

    def _action(self, text: str, name: str, slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self.pane.comments)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        self.pane.comments.addAction(action)
        return action

    # ------------------------------------------------------------ the selected comment
    def comment(self) -> dict[str, Any] | None:
        record = self.pane.comments_model.data(self.pane.comments.currentIndex(), Role.Record)
        return record if isinstance(record, dict) else None

    def task_id(self) -> str:
        return str(self.pane.comments_model.task_id or "")

    def update(self) -> None:
        comment = self.comment()
        user = self.browse.user
        has = comment is not None
        own = has and comment is not None and is_own(comment, user)
        for action in (self.reply_action, self.ack_action, self.checklist_action):
            action.setEnabled(has)
        self.edit_action.setEnabled(own)
        self.delete_action.setEnabled(own or (has and user.role in ("manager", "admin")))
        self.pin_action.setEnabled(has and user.role in PIN_ROLES)
        self.ack_action.setChecked(bool(comment) and acknowledged_by(comment or {}, user))
        self.pin_action.setChecked(bool(comment and comment.get("pinned")))

    def _write(self, coro: Coroutine[Any, Any, Any], task_id: str) -> None:
        async def run() -> None:
            try:
                await coro
            except E.ZouError as exc:
                self.browse.notice.emit(error_text(exc))
                return
            self.browse.apply(thread_changed(task_id))
        self.runner.run(run(), key="thread-write")

    def _open(self, dialog: QDialog, on_accept: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.accepted.connect(on_accept)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    # ------------------------------------------------------------ actions
    def reply(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is None or not task_id:
            return
        dialog = CommentTextDialog(self.pane, "Reply")
        self._open(dialog, lambda: self._write(self.threads.reply(task_id, str(comment["id"]), dialog.text()),
                                               task_id))

    def edit(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is None or not task_id:
            return
        dialog = CommentTextDialog(self.pane, "Edit comment", str(comment.get("text") or ""))
        self._open(dialog, lambda: self._write(self.threads.edit(str(comment["id"]), dialog.text()), task_id))

    def delete(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is None or not task_id:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete comment",
                          "Delete this comment? Its attachments and previews go with it, and the task's status "
                          "goes back to the one before it.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.pane)
        named(box, "commentDeleteConfirm", "Confirm deleting the comment")
        self.dialog = box

        def clicked(button: Any) -> None:
            # The standard button, not QDialog's accepted(): its mapping to Accepted varies across Qt 6.
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self._write(self.threads.delete(task_id, str(comment["id"])), task_id)

        box.buttonClicked.connect(clicked)
        box.finished.connect(lambda _r: box.deleteLater())
        box.open()

    def acknowledge(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is not None and task_id:
            self._write(self.threads.acknowledge(task_id, str(comment["id"])), task_id)

    def toggle_pin(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is not None and task_id:
            self._write(self.threads.set_pinned(str(comment["id"]), not comment.get("pinned")), task_id)

    def checklist(self) -> None:
        comment, task_id = self.comment(), self.task_id()
        if comment is None or not task_id:
            return
        dialog = ChecklistDialog(self.pane, checklist_of(comment))
        self._open(dialog, lambda: self._write(self.threads.set_checklist(str(comment["id"]), dialog.items()),
                                               task_id))
