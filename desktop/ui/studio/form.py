"""The create / edit form of any family: one editor per declared field, by its kind.

The form never writes: `submitted(values)` hands the values to the page, which saves them and either
closes the form or shows Zou's refusal in it (`show_error`); what was typed stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.api.studio.families import Family, FieldSpec
from desktop.ui.panes.common import named
from desktop.ui.studio.common import ColorButton
from desktop.ui.studio.records_model import RefNames
from desktop.ui.widgets import MessageLabel

FILE_FIELD = "file"  # the extra field of an upload (a preview background's HDR)


class RecordForm(QDialog):
    submitted = Signal(dict)

    def __init__(self, family: Family, names: RefNames, record: Mapping[str, Any] | None = None, *,
                 with_file: bool = False, defaults: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        creating = record is None
        verb = "New" if creating else "Edit"
        named(self, "studioForm", f"{verb} {family.noun}")
        self.setWindowTitle(f"{verb} {family.noun}")
        self.family, self.names, self.creating = family, names, creating
        self.record: dict[str, Any] = dict(record or {})
        self.editors: dict[str, QWidget] = {}
        self.file_dialog: QFileDialog | None = None
        form = QFormLayout()
        initial = {**(defaults or {}), **self.record}
        for spec in family.writable(creating=creating):
            editor = self._editor(spec, initial.get(spec.key))
            self.editors[spec.key] = editor
            form.addRow(spec.label + (" *" if spec.required else ""), editor)
        if with_file:
            self.file_edit = named(QLineEdit(), "studioField_file", "HDR file")
            browse = named(QPushButton("Choose…"), "studioFileBrowse", "Choose the HDR file")
            browse.clicked.connect(self._browse)
            row = QHBoxLayout()
            row.addWidget(self.file_edit, 1)
            row.addWidget(browse)
            form.addRow("HDR file *", row)
        self.message = named(MessageLabel(), "studioFormMessage", "Why the record was not saved")
        buttons = QDialogButtonBox()
        self.save_button = named(buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole),
                                 "studioFormSave", "Save")
        self.cancel_button = named(buttons.addButton(QDialogButtonBox.StandardButton.Cancel),
                                   "studioFormCancel", "Cancel")
        self.save_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    # ------------------------------------------------------------------ editors by kind
    def _editor(self, spec: FieldSpec, value: Any) -> QWidget:
        name, label = f"studioField_{spec.key}", spec.label
        widget: QWidget
        if spec.kind == "color":
            widget = ColorButton(str(value or "#999999"))
        elif spec.kind == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            widget = box
        elif spec.kind == "int":
            spin = QSpinBox()
            spin.setRange(-1_000_000_000, 1_000_000_000)
            spin.setValue(int(value) if isinstance(value, int) else 0)
            widget = spin
        elif spec.kind == "date":
            date = QDateEdit()
            date.setCalendarPopup(True)
            date.setDisplayFormat("yyyy-MM-dd")
            try:
                day = dt.date.fromisoformat(str(value)[:10]) if value else dt.date.today()
            except ValueError:
                day = dt.date.today()
            date.setDate(QDate(day.year, day.month, day.day))
            widget = date
        elif spec.kind == "choice" or (spec.kind == "ref" and spec.ref in self.names):
            combo = QComboBox()
            if spec.kind == "choice":
                for choice in spec.choices:
                    combo.addItem(choice, choice)
            else:
                if not spec.required:
                    combo.addItem("—", None)
                options = self.names.get(spec.ref, {}) if spec.ref else {}
                for ref_id, ref_name in sorted(options.items(), key=lambda kv: kv[1].casefold()):
                    combo.addItem(ref_name, ref_id)
            found = combo.findData(value)
            if found >= 0:
                combo.setCurrentIndex(found)
            elif value:
                combo.addItem(str(value), value)  # an id the window has no name for: kept, not lost
                combo.setCurrentIndex(combo.count() - 1)
            widget = combo
        else:
            widget = QLineEdit("" if value is None else str(value))
        return named(widget, name, label)

    def value(self, key: str) -> Any:
        widget = self.editors[key]
        if isinstance(widget, ColorButton):
            return widget.color
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, QDateEdit):
            return widget.date().toString("yyyy-MM-dd")
        if isinstance(widget, QComboBox):
            return widget.currentData()
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def values(self) -> dict[str, Any]:
        """What to send: every field when creating, only the changed ones when editing."""
        out: dict[str, Any] = {}
        for key in self.editors:
            value = self.value(key)
            if self.creating:
                if value not in (None, ""):
                    out[key] = value
            elif value != _comparable(self.family.field(key), self.record.get(key)):
                out[key] = value
        if hasattr(self, "file_edit"):
            out[FILE_FIELD] = Path(self.file_edit.text().strip()) if self.file_edit.text().strip() else None
        return out

    def _submit(self) -> None:
        self.message.clear_message()
        self.submitted.emit(self.values())

    def _browse(self) -> None:
        dialog = self.file_dialog = named(QFileDialog(self, "Choose an HDR file", "", "HDR images (*.hdr)"),
                                          "studioFileDialog", "Choose an HDR file")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.file_edit.setText)
        dialog.open()

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.message.show_message(text, "error")


def _comparable(spec: FieldSpec, value: Any) -> Any:
    """A record's value as its editor gives it back, so an untouched field is not sent."""
    if spec.kind == "color" and isinstance(value, str):
        return value.lower()
    if spec.kind == "date" and isinstance(value, str):
        return value[:10]
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "int":
        return value if isinstance(value, int) else 0
    if spec.kind in ("text",) and value is None:
        return ""
    return value


__all__ = ["FILE_FIELD", "RecordForm"]
