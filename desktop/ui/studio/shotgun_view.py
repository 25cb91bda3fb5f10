"""ShotGrid-import errors (list, delete one) and the two removals, each behind a confirmation that
names what will be removed, read from Zou first (admins)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.studio import Removal, StudioData
from desktop.api.studio.families import FieldSpec
from desktop.ui.panes.common import named
from desktop.ui.studio.common import confirm
from desktop.ui.studio.record_page import RecordPage
from desktop.ui.studio.records_model import RecordTable, RecordTableModel
from desktop.ui.widgets import MessageLabel, error_text

ERROR_COLUMNS = (FieldSpec("created_at", "When"), FieldSpec("source", "Source"),
                 FieldSpec("event_data", "What ShotGrid sent"))
LOAD_KEY = "shotgun-errors"


class ShotgunView(RecordPage):
    removed = Signal(str)  # what was said after a removal

    def __init__(self, studio: StudioData, parent: QWidget | None = None) -> None:
        super().__init__(studio, LOAD_KEY, parent)
        named(self, "shotgunView", "ShotGrid import")
        self.model = RecordTableModel(ERROR_COLUMNS, parent=self)
        self.table = RecordTable(self.model, "shotgunErrorsTable", "ShotGrid import errors")
        self.reload_button = named(QPushButton("Reload"), "shotgunReload", "Reload the import errors")
        self.delete_button = named(QPushButton("Delete error…"), "shotgunDeleteError",
                                   "Delete the selected import error")
        self.remove_kind = named(QComboBox(), "shotgunRemoveKind", "What to remove")
        self.remove_kind.addItem("Project", "project")
        self.remove_kind.addItem("Project connection (team membership)", "projectconnection")
        self.remove_id = named(QSpinBox(), "shotgunRemoveId", "ShotGrid id")
        self.remove_id.setRange(1, 2_000_000_000)
        self.remove_button = named(QPushButton("Remove…"), "shotgunRemoveButton", "Remove what was imported")
        self.message = named(MessageLabel(), "shotgunMessage", "What happened")
        top = QHBoxLayout()
        top.addWidget(QLabel("Errors of the ShotGrid import"))
        top.addStretch(1)
        top.addWidget(self.reload_button)
        top.addWidget(self.delete_button)
        removal = QHBoxLayout()
        removal.addWidget(QLabel("Remove what ShotGrid imported:"))
        removal.addWidget(self.remove_kind)
        removal.addWidget(QLabel("ShotGrid id"))
        removal.addWidget(self.remove_id)
        removal.addWidget(self.remove_button)
        removal.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(removal)
        layout.addWidget(self.message)
        self.reload_button.clicked.connect(self.reload)
        self.delete_button.clicked.connect(self.delete_selected)
        self.remove_button.clicked.connect(self.ask_removal)

    def reload(self) -> None:
        self.runner.run(self.show_records(self.studio.shotgun.errors(), lambda n: f"{n} import error(s)." if n
                                          else "No import error."), key=LOAD_KEY)

    def select_error(self, error_id: str) -> bool:
        return self.table.select_record(error_id)

    def delete_selected(self) -> QMessageBox | None:
        error = self.selected()
        if error is None:
            return None
        raw = error.get("event_data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        what = f"{data.get('type', 'entity')} {data.get('id', '')}".strip()
        self.confirm_box = confirm(self, "shotgunConfirm", "Delete import error",
                                   f"Delete the import error of {what}? The error is forgotten; nothing "
                                   "else changes.", "Delete", lambda: self._run(
                                       self.delete_then_reload(self.studio.shotgun.delete_error(str(error["id"])))))
        return self.confirm_box

    def _run(self, coro: Any) -> None:
        self.runner.run(coro)

    # ------------------------------------------------------------------ removals
    def ask_removal(self) -> None:
        """Read what would be removed, then ask, naming it."""
        self.runner.run(self._describe(str(self.remove_kind.currentData()), self.remove_id.value()),
                        key="shotgun-describe")

    async def _describe(self, kind: str, shotgun_id: int) -> None:
        try:
            removal = await self.studio.shotgun.describe_removal(kind, shotgun_id)
        except E.ZouError as exc:
            self.message.show_message(error_text(exc), "error")
            self.removed.emit(self.message.text())
            return
        if not removal.found:
            self.message.show_message(f"Nothing to remove: {removal.description}.", "info")
            self.removed.emit(self.message.text())
            return
        self.confirm_box = confirm(self, "shotgunConfirm", "Remove from Zou",
                                   f"Remove {removal.description} from Zou? This cannot be undone.", "Remove",
                                   lambda: self._run(self._remove(removal)))

    async def _remove(self, removal: Removal) -> None:
        try:
            removed = await self.studio.shotgun.remove(removal.kind, removal.shotgun_id)
        except E.ZouError as exc:
            self.message.show_message(error_text(exc), "error")
        else:
            text = f"Removed {removal.description}." if removed or removal.kind != "project" else (
                "Nothing was removed: it was gone already.")
            self.message.show_message(text, "ok")
        self.removed.emit(self.message.text())
