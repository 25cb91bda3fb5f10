"""The one editor of every studio family: a scope picker (when the family is scoped), the records'
table, and New / Edit / Delete through the family's form. What differs between families is read from
their declaration (`desktop.api.studio.families`); the few actions that are not CRUD (uploading an HDR,
choosing the default background, subscribing to a task) are buttons shown for their family only.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.studio import StudioData
from desktop.api.studio import families as F
from desktop.api.studio.families import Family
from desktop.asyncqt import TaskRunner
from desktop.ui.panes.common import named
from desktop.ui.studio.common import confirm
from desktop.ui.studio.form import FILE_FIELD, RecordForm
from desktop.ui.studio.records_model import RecordTable, RecordTableModel, RefNames, cell_text
from desktop.ui.widgets import MessageLabel, error_text

LOAD_KEY = "studio-list"


class FamilyEditor(QWidget):
    loaded = Signal(str)  # family key: the list is shown (or its error is)
    saved = Signal(str)  # family key: a create, edit or delete went through

    def __init__(self, studio: StudioData, names: RefNames, *, entities: Mapping[str, str] | None = None,
                 task_id: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "studioEditor", "Studio settings editor")
        self.studio, self.names = studio, names
        self.entities = dict(entities or {})  # id -> name of the shots and assets the user has open
        self.task_id = task_id  # the task selected in the main window (a subscription's default)
        self.family: Family = F.FAMILIES[0]
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._on_failed)
        self.form: RecordForm | None = None
        self.confirm_box: QMessageBox | None = None

        self.title = named(QLabel(), "studioTitle", "Reference data shown")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.note = named(QLabel(), "studioNote", "What Zou allows here")
        self.note.setWordWrap(True)
        self.scope_label = named(QLabel(), "studioScopeLabel", "List of")
        self.scope = named(QComboBox(), "studioScope", "Whose records to list")
        self.scope.setEditable(True)
        self.scope.setMinimumContentsLength(24)
        self.reload_button = named(QPushButton("Reload"), "studioReload", "Reload the list")
        self.new_button = named(QPushButton("New…"), "studioNew", "New record")
        self.edit_button = named(QPushButton("Edit…"), "studioEdit", "Edit the selected record")
        self.delete_button = named(QPushButton("Delete…"), "studioDelete", "Delete the selected record")
        self.default_button = named(QPushButton("Set as default"), "studioSetDefault",
                                    "Make the selected background the default")
        self.model = RecordTableModel(names=names, parent=self)
        self.table = RecordTable(self.model, "studioTable", "Records")
        self.message = named(MessageLabel(), "studioMessage", "What happened")

        scope_row = QHBoxLayout()
        scope_row.addWidget(self.scope_label)
        scope_row.addWidget(self.scope, 1)
        scope_row.addWidget(self.reload_button)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button, self.default_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(scope_row)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

        self.reload_button.clicked.connect(self.reload)
        self.scope.activated.connect(lambda _i: self.reload())
        self.new_button.clicked.connect(self.new_record)
        self.edit_button.clicked.connect(self.edit_selected)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.delete_button.clicked.connect(self.delete_selected)
        self.default_button.clicked.connect(self.set_default_selected)
        selection = self.table.selectionModel()
        assert selection is not None
        selection.selectionChanged.connect(lambda *_: self._update_buttons())

    def _on_failed(self, _key: str, exc: object) -> None:
        """A bug, not a refusal (those are caught where they happen): said plainly, the form kept."""
        text = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        if self.form is not None and self.form.isVisible():
            self.form.show_error(text)
        self.message.show_message(text, "error")
        self.loaded.emit(self.family.key)

    # ------------------------------------------------------------------ which family
    def set_family(self, family: Family) -> None:
        self.family = family
        self.title.setText(family.title)
        self.note.setText(family.note)
        self.note.setVisible(bool(family.note))
        self.model.set_records([], family.columns)
        self.message.clear_message()
        self._fill_scope()
        self._update_buttons()
        self.reload()

    def _fill_scope(self) -> None:
        family = self.family
        shown = bool(family.scope) and not family.scope_is_me
        self.scope_label.setVisible(shown)
        self.scope.setVisible(shown)
        self.scope.clear()
        if not shown:
            return
        labels = {"project": "Project", "entity": "Shot or asset", "person": "Person"}
        self.scope_label.setText(labels.get(family.scope_ref or "", "Of") if family.scope != "comment_id"
                                 else "Comment")
        if not family.scope_required:
            self.scope.addItem("All", "")
        options = self.entities if family.scope_ref == "entity" and family.scope != "comment_id" else (
            self.names.get(family.scope_ref, {}) if family.scope_ref else {})
        for ref_id, name in sorted(options.items(), key=lambda kv: kv[1].casefold()):
            self.scope.addItem(name, ref_id)

    def scope_id(self) -> str:
        """The chosen item's id, or what was typed (an id pasted from elsewhere)."""
        text = self.scope.currentText().strip()
        index = self.scope.findText(text)
        if index >= 0:
            return str(self.scope.itemData(index) or "")
        return text

    def _update_buttons(self) -> None:
        family, selected = self.family, self.selected() is not None
        self.new_button.setVisible(family.can_create)
        self.edit_button.setVisible(family.can_update)
        self.delete_button.setVisible(family.can_delete)
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
        self.default_button.setVisible(family is F.PREVIEW_BACKGROUNDS)
        self.default_button.setEnabled(selected)
        self.new_button.setText("Subscribe to a task…" if family is F.SUBSCRIPTIONS else
                                "Upload HDR…" if family is F.PREVIEW_BACKGROUNDS else "New…")
        self.delete_button.setText("Unsubscribe…" if family is F.SUBSCRIPTIONS else "Delete…")

    def selected(self) -> dict[str, Any] | None:
        return self.table.selected()

    def select_record(self, record_id: str) -> bool:
        return self.table.select_record(record_id)

    # ------------------------------------------------------------------ loads
    def reload(self) -> None:
        family = self.family
        if family.scope_required and not self.scope_id():
            self.model.set_records([])
            self.message.show_message(f"Choose a {self.scope_label.text().lower()} to list its "
                                      f"{family.title.lower()}.", "info")
            self.loaded.emit(family.key)
            return
        self.runner.run(self._load(family, self.scope_id()), key=LOAD_KEY)

    async def _load(self, family: Family, scope_id: str, select_id: str = "") -> None:
        try:
            records = await self.studio.collection(family).list(scope_id or None)
        except E.ZouError as exc:
            if self.runner.is_current(LOAD_KEY):
                self.model.set_records([])
                self.message.show_message(error_text(exc), "error")
                self.loaded.emit(family.key)
            return
        if not self.runner.is_current(LOAD_KEY) or family is not self.family:
            return
        first = family.columns[0].key
        records.sort(key=lambda r: str(r.get("name") or r.get(first) or "").casefold())
        self.model.set_records(records)
        self.message.show_message(f"{len(records)} {family.title.lower()}." if records else
                                  f"No {family.title.lower()} here.", "info")
        if select_id:
            self.select_record(select_id)
        self._update_buttons()
        self.loaded.emit(family.key)

    # ------------------------------------------------------------------ create / edit / delete
    def new_record(self) -> RecordForm:
        family = self.family
        defaults: dict[str, Any] = {}
        if family.scope and not family.scope_is_me and self.scope_id():
            defaults[family.scope] = self.scope_id()
        if family is F.SUBSCRIPTIONS and self.task_id:
            defaults["task_id"] = self.task_id
        return self._open_form(RecordForm(family, self.names, None, defaults=defaults,
                                          with_file=family is F.PREVIEW_BACKGROUNDS, parent=self))

    def edit_selected(self) -> RecordForm | None:
        record = self.selected()
        if record is None or not self.family.can_update:
            return None
        return self._open_form(RecordForm(self.family, self.names, record, parent=self))

    def _open_form(self, form: RecordForm) -> RecordForm:
        if self.form is not None:
            self.form.close()
            self.form.setObjectName("")  # found by name no more, even before the deferred delete runs
            self.form.deleteLater()
        self.form = form
        form.submitted.connect(lambda values: self._save(form, values))
        form.open()
        return form

    def _save(self, form: RecordForm, values: dict[str, Any]) -> None:
        if not form.creating and not values:
            form.accept()  # nothing changed: nothing to send
            return
        form.set_busy(True)
        self.runner.run(self._write(form, values))

    async def _write(self, form: RecordForm, values: dict[str, Any]) -> None:
        family = self.family
        try:
            saved = await self._send(form, family, dict(values))
        except E.ZouError as exc:
            form.show_error(error_text(exc))  # the form stays open with what was typed
            return
        form.accept()
        self.message.show_message(f"{family.noun.capitalize()} saved.", "ok")
        self.saved.emit(family.key)
        self._reload_selecting(str(saved.get("id") or ""))

    async def _send(self, form: RecordForm, family: Family, values: dict[str, Any]) -> Mapping[str, Any]:
        studio = self.studio
        if family is F.PREVIEW_BACKGROUNDS and form.creating:
            path = values.pop(FILE_FIELD, None)
            if not isinstance(path, Path):
                raise E.ValidationError("Choose the .hdr file to upload.")
            return await studio.backgrounds.upload(str(values.get("name") or path.stem), path,
                                                   is_default=bool(values.get("is_default")))
        if family is F.SUBSCRIPTIONS:
            task_id = str(values.get("task_id") or "")
            if not task_id:
                raise E.ValidationError("Give the task to subscribe to.")
            # Through the user's own route: every member may subscribe, not only the admins.
            return await studio.task_subscriptions.subscribe(task_id)
        collection = studio.collection(family)
        if form.creating:
            created: Mapping[str, Any] = await collection.create(values)
            return created
        updated: Mapping[str, Any] = await collection.update(str(form.record["id"]), values)
        return updated

    def delete_selected(self) -> QMessageBox | None:
        record, family = self.selected(), self.family
        if record is None or not family.can_delete:
            return None
        label = record_label(family, record, self.names)
        if family is F.SUBSCRIPTIONS:
            text = f"Unsubscribe from {label}? You will no longer be notified of its comments."
            action = "Unsubscribe"
        else:
            text = f"Delete the {family.noun} “{label}”? This cannot be undone."
            action = "Delete"
        self.confirm_box = confirm(self, "studioConfirm", f"{action} {family.noun}", text, action,
                                   lambda: self._start(self._delete(family, record)))
        return self.confirm_box

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        self.runner.run(coro)

    async def _delete(self, family: Family, record: dict[str, Any]) -> None:
        try:
            if family is F.SUBSCRIPTIONS:
                await self.studio.task_subscriptions.unsubscribe(str(record.get("task_id")))
            else:
                await self.studio.collection(family).delete(str(record["id"]))
        except E.ZouError as exc:
            self.message.show_message(error_text(exc), "error")
            return
        self.saved.emit(family.key)
        self._reload_selecting("")

    def set_default_selected(self) -> None:
        record = self.selected()
        if record is not None and self.family is F.PREVIEW_BACKGROUNDS:
            self.runner.run(self._set_default(str(record["id"])))

    async def _set_default(self, record_id: str) -> None:
        try:
            await self.studio.backgrounds.set_default(record_id)
        except E.ZouError as exc:
            self.message.show_message(error_text(exc), "error")
            return
        self.saved.emit(self.family.key)
        self._reload_selecting(record_id)

    def _reload_selecting(self, record_id: str) -> None:
        """Read the list again (as the newest load: an older one in flight is dropped), then select."""
        self.runner.run(self._load(self.family, self.scope_id(), record_id), key=LOAD_KEY)


def record_label(family: Family, record: Mapping[str, Any], names: RefNames) -> str:
    if record.get("name"):
        return str(record["name"])
    parts = [cell_text(spec, record.get(spec.key), names) for spec in family.columns[:3]]
    return " / ".join(p for p in parts if p) or str(record.get("id", ""))


__all__ = ["FamilyEditor", "record_label"]
