"""Delete confirmation that says what Zou will really do before the user confirms.

An asset or shot with tasks is canceled (kept, restorable), not deleted; a sequence or episode with
children is refused unless deleted with everything under it. A permanent deletion needs an explicit tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.api.editing import DeletePreview, EditContext
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource
from desktop.ui.widgets import named


class DeleteDialog(EditingDialog):
    deleted = Signal(str, str)  # entity id, "deleted" | "canceled"

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, entity: Mapping[str, Any]) -> None:
        self.entity = dict(entity)
        super().__init__(editor, settings, ctx, parent, name="deleteDialog",
                         title=f"Delete {self.entity.get('name', '')}".strip())
        self.preview: DeletePreview | None = None
        self.text = named(QLabel("Checking what deleting will do…"), "deleteMessage", "What will happen")
        self.text.setWordWrap(True)
        self.force_check = named(QCheckBox(), "forceCheck", "Delete permanently")
        self.force_check.setVisible(False)
        self.force_check.toggled.connect(self._update_confirm)
        self.confirm_button = named(QPushButton("Delete"), "confirmButton", "Confirm deletion")
        self.confirm_button.setProperty("danger", True)
        self.cancel_button = named(QPushButton("Keep it"), "cancelButton", "Keep it")
        self.confirm_button.clicked.connect(lambda: self.run(self.confirm(), key="delete"))
        self.cancel_button.clicked.connect(self.reject)
        self.allow(self.confirm_button, False)
        self.cancel_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.force_check)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(460, self.sizeHint().height())
        caps = ctx.capabilities
        self._permitted = caps.can_delete(self.entity) if "created_by" in self.entity else caps.is_manager
        if not self._permitted:
            self.message.show_message(caps.why_not("delete this"), "warn")

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.preview is None and not self.runner.busy:
            self.run(self.load(), key="load")

    async def load(self) -> DeletePreview | None:
        try:
            preview = await self.editor.preview_delete(self.entity)
        except E.ZouError as exc:
            self.show_error(exc)
            return None
        self.preview = preview
        self.text.setText(preview.message)
        self.force_check.setText(preview.force_message)
        self.force_check.setVisible(preview.can_force)
        self._update_confirm()
        return preview

    def _update_confirm(self, *_: Any) -> None:
        p = self.preview
        if p is None:
            return
        force = self.force_check.isChecked()
        needs_force = p.outcome in ("blocked", "already-canceled")
        self.confirm_button.setText("Delete permanently" if force else p.confirm_text)
        self.allow(self.confirm_button, self._permitted and (force or not needs_force))

    async def confirm(self) -> str | None:
        try:
            outcome = await self.editor.delete_entity(self.entity, force=self.force_check.isChecked())
        except E.ZouError as exc:
            self.show_error(exc)
            return None
        self.deleted.emit(str(self.entity["id"]), outcome)
        self.accept()
        return outcome
