"""Bulk edit of the selected rows: one field, one metadata value or one task status for N rows.

Rows are saved a few at a time with a progress bar; a row that fails (deleted meanwhile, changed by
someone else on the same field, refused) does not stop the others and is listed with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import BulkReport, BulkRow, BulkTask, EditContext, RowResult
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource, mark_invalid, progress_bar
from desktop.ui.widgets import named, primary_button

FIELDS = {"Shot": (("description", "Description"), ("nb_frames", "Frames"), ("data.frame_in", "Frame in"),
                   ("data.frame_out", "Frame out"), ("data.fps", "FPS")),
          "Asset": (("description", "Description"),)}


def row_label(row: Mapping[str, Any]) -> str:
    parts = [str(row.get(k) or "") for k in ("episode_name", "sequence_name", "asset_type_name")]
    return " / ".join([p for p in parts if p] + [str(row.get("name") or row.get("id") or "")])


class BulkEditDialog(EditingDialog):
    finished_report = Signal(object)  # BulkReport

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.kind = kind
        self.rows = [dict(r) for r in rows]
        super().__init__(editor, settings, ctx, parent, name="bulkEditDialog",
                         title=f"Edit {len(self.rows)} {kind.lower()}s")
        self.report: BulkReport | None = None
        caps = ctx.capabilities
        self.target = named(QComboBox(), "bulkTarget", "What to change")
        if caps.can_edit_entity():
            for key, label in FIELDS.get(kind, ()):
                if caps.can_edit_field(key):
                    self.target.addItem(label, f"field|{key}")
            descriptors = ctx.descriptors(kind)
            for d in descriptors:
                if d.data_type != "checklist" and caps.can_edit_field("data." + d.field_name, None, descriptors):
                    self.target.addItem(f"Metadata: {d.name}", f"field|data.{d.field_name}")
        type_ids = {str(t.get("task_type_id")) for r in self.rows for t in r.get("tasks") or []
                    if isinstance(t, dict)}
        for tt in ctx.task_types:
            if tt.id in type_ids:
                self.target.addItem(f"Status: {tt.name}", f"status|{tt.id}")
        self.value_field = named(QLineEdit(), "bulkValue", "New value")
        self.status_field = named(QComboBox(), "bulkStatus", "New status")
        for s in caps.allowed_statuses(ctx.task_statuses):
            self.status_field.addItem(s.name, s.id)
        self.comment_field = named(QLineEdit(), "bulkComment", "Comment for the status change")
        self.apply_button = named(primary_button("Apply"), "applyButton", "Apply to all rows")
        self.close_button = named(QPushButton("Close"), "closeButton", "Close")
        self.progress = progress_bar("bulkProgress", "Progress")
        self.summary = named(QLabel(), "bulkReport", "Result")
        self.summary.setWordWrap(True)
        self.failures = named(QTableWidget(0, 2), "bulkFailures", "Rows that failed")
        self.failures.setHorizontalHeaderLabels(["Row", "Why it failed"])
        self.failures.verticalHeader().setVisible(False)
        self.failures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.failures.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.failures.horizontalHeader().setStretchLastSection(True)
        self.failures.setVisible(False)

        form = QFormLayout()
        form.addRow("Change", self.target)
        form.addRow("Value", self.value_field)
        form.addRow("Status", self.status_field)
        form.addRow("Comment", self.comment_field)
        self.form = form
        self.target.currentIndexChanged.connect(self._target_changed)
        self.apply_button.clicked.connect(lambda: self.run(self.apply(), key="apply"))
        self.close_button.clicked.connect(self.accept)
        self.allow(self.apply_button, self.target.count() > 0 and bool(self.rows),
                   caps.why_not("edit these rows"))
        if self.target.count() == 0:
            self.message.show_message(caps.why_not("edit these rows"), "warn")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.failures, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(520, 360)
        self._target_changed()

    def select_target(self, kind: str, key: str) -> None:
        """Pick what to change: ("field", "data.camera") or ("status", task_type_id)."""
        index = self.target.findData(f"{kind}|{key}")
        if index < 0:
            raise KeyError(key)
        self.target.setCurrentIndex(index)

    def _target_changed(self, *_: Any) -> None:
        data = str(self.target.currentData() or "")
        is_status = data.startswith("status|")
        for widget, visible in ((self.value_field, not is_status), (self.status_field, is_status),
                                (self.comment_field, is_status)):
            widget.setVisible(visible)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(visible)

    def _progress(self, done: int, total: int, _row: RowResult) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total}")

    async def apply(self) -> BulkReport | None:
        data = str(self.target.currentData() or "")
        if "|" not in data:
            return None
        mark_invalid(self.value_field, None)
        self.message.clear_message()
        self.failures.setVisible(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, len(self.rows))
        self.progress.setValue(0)
        kind, key = data.split("|", 1)
        try:
            if kind == "status":
                tasks = [BulkTask(str(t["id"]), f"{row_label(r)} ({self._task_type_name(key)})")
                         for r in self.rows for t in r.get("tasks") or []
                         if isinstance(t, dict) and str(t.get("task_type_id")) == key and t.get("id")]
                self.progress.setRange(0, len(tasks))
                report = await self.editor.bulk_set_status(tasks, str(self.status_field.currentData()),
                                                           self.comment_field.text(), on_progress=self._progress)
            else:
                rows = [BulkRow(str(r["id"]), row_label(r), r) for r in self.rows]
                report = await self.editor.bulk_update(rows, {key: self.value_field.text()},
                                                       on_progress=self._progress)
        except E.ValidationError as exc:
            mark_invalid(self.value_field, next(iter(exc.field_errors.values()), str(exc)))
            self.show_error(exc)
            self.progress.setVisible(False)
            return None
        self._show_report(report)
        self.finished_report.emit(report)
        return report

    def _task_type_name(self, task_type_id: str) -> str:
        tt = self.ctx.task_type(task_type_id)
        return tt.name if tt else "task"

    def _show_report(self, report: BulkReport) -> None:
        self.report = report
        self.summary.setText(report.summary)
        failed = report.failed
        self.failures.setRowCount(len(failed))
        for i, r in enumerate(failed):
            label = QTableWidgetItem(r.label)
            label.setData(Qt.ItemDataRole.UserRole, r.key)
            self.failures.setItem(i, 0, label)
            self.failures.setItem(i, 1, QTableWidgetItem(r.message))
        self.failures.setVisible(bool(failed))
