"""Shared plumbing of the editing dialogs: the editor, busy state, messages, field errors, geometry."""

from __future__ import annotations

import json
from collections.abc import Coroutine, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from desktop.api import ZouClient
from desktop.api import errors as E
from desktop.api.editing import EditContext, Editor
from desktop.api.records import Descriptor
from desktop.asyncqt import TaskRunner
from desktop.settings import Settings
from desktop.ui.widgets import MessageLabel, busy_bar, error_text, named

EditorSource = Editor | ZouClient


def as_editor(source: EditorSource, ctx: EditContext) -> Editor:
    """Dialogs accept the app's shared `Editor` (one undo stack per session) or a bare client."""
    if isinstance(source, Editor):
        return source
    return Editor(source, user=ctx.user, context=ctx.context)


def show_value(value: Any) -> str:
    """A field value as text in a table cell."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def mark_invalid(widget: QWidget, message: str | None) -> None:
    """Flag a field (style sheet `[invalid="true"]`) and put the reason in its tooltip."""
    widget.setProperty("invalid", bool(message))
    widget.setToolTip(message or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class EditingDialog(QDialog):
    """Base of the editing dialogs: (editor or client, settings or None, context, parent)."""

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None, *, name: str, title: str) -> None:
        super().__init__(parent)
        named(self, name, title)
        self.setWindowTitle(title)
        self.editor = as_editor(editor, ctx)
        self.settings = settings
        self.ctx = ctx
        self._geometry_key = name
        self._geometry_restored = False
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self._set_busy)
        self.runner.failed.connect(self._failed)
        self.message = named(MessageLabel(self), f"{name}Message", f"{title}: message")
        self.busy = named(busy_bar(), f"{name}Busy", f"{title}: working")
        self._action_widgets: dict[QWidget, bool] = {}  # widget -> allowed when idle

    # ------------------------------------------------------------ busy state and errors
    def allow(self, widget: QWidget, allowed: bool = True, why: str = "") -> None:
        """Enable `widget` when idle if `allowed`; the reason shows as its tooltip when not."""
        self._action_widgets[widget] = allowed
        widget.setEnabled(allowed and not self.runner.busy)
        if why and not allowed:
            widget.setToolTip(why)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget, allowed in self._action_widgets.items():
            widget.setEnabled(allowed and not busy)

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            self.message.show_message(error_text(exc))

    def run(self, coro: Coroutine[Any, Any, Any], key: str = "main") -> None:
        self.runner.run(coro, key=key)

    def show_error(self, exc: E.ZouError) -> None:
        self.message.show_message(str(exc))

    # ------------------------------------------------------------ geometry
    def showEvent(self, event: QShowEvent) -> None:
        if not self._geometry_restored and self.settings is not None:
            state = self.settings.geometry(self._geometry_key)
            if state is not None:
                self.restoreGeometry(state)
        self._geometry_restored = True
        super().showEvent(event)

    def done(self, result: int) -> None:
        self._save_geometry()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_geometry()
        super().closeEvent(event)

    def _save_geometry(self) -> None:
        if self.settings is not None:
            self.settings.set_geometry(self._geometry_key, self.saveGeometry())


class DescriptorField:
    """One metadata field of the project (a descriptor) as a widget that reads back what Zou stores."""

    def __init__(self, descriptor: Descriptor, value: Any = None) -> None:
        self.descriptor = descriptor
        self.key = "data." + descriptor.field_name
        self._original = value
        name = f"meta_{descriptor.field_name}"
        label = f"Metadata {descriptor.name}"
        kind = descriptor.data_type
        self.widget: QWidget
        if kind == "list":
            combo = QComboBox()
            combo.addItem("", "")
            for choice in descriptor.choices:
                combo.addItem(choice, choice)
            if value not in (None, "") and combo.findData(value) < 0:
                combo.addItem(str(value), value)  # a value the choices no longer list is still shown
            combo.setCurrentIndex(max(0, combo.findData("" if value is None else value)))
            self.widget = combo
        elif kind == "boolean":
            box = QCheckBox()
            box.setChecked(str(value).lower() == "true")
            self.widget = box
        elif kind == "checklist":
            self.widget = QLabel(show_value(value))
            self.widget.setToolTip("Checklists are edited in Kitsu: this value is kept as it is.")
        else:
            line = QLineEdit("" if value is None else str(value))
            if kind == "number":
                line.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.widget = line
        named(self.widget, name, label)

    @property
    def editable(self) -> bool:
        return self.descriptor.data_type != "checklist"

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QComboBox):
            return w.currentData() or ""
        if isinstance(w, QCheckBox):
            return "true" if w.isChecked() else "false"
        if isinstance(w, QLineEdit):
            return w.text()
        return self._original

    def set_value(self, value: Any) -> None:
        w = self.widget
        if isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData("" if value is None else value)))
        elif isinstance(w, QCheckBox):
            w.setChecked(str(value).lower() == "true")
        elif isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))


def text_of(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    return ""


def progress_bar(name: str, label: str) -> QProgressBar:
    bar = named(QProgressBar(), name, label)
    bar.setRange(0, 100)
    bar.setValue(0)
    bar.setVisible(False)
    return bar


def mapping_get(m: Mapping[str, Any] | None, key: str, default: str = "") -> str:
    if not m:
        return default
    v = m.get(key)
    return str(v) if v not in (None, "") else default
