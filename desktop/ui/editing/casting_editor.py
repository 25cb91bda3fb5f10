"""Casting editor of a shot (or asset), the reverse "cast in" list of an asset, and a shot's asset
instances.

The casting editor keeps the user's edits locally (add from the picker, change counts and labels,
remove) and saves them in one go: the editor re-reads the server's casting, applies only the user's
changes on top, and opens the conflict dialog if someone else changed the casting meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import (
    AssetInstance,
    CastIn,
    Casting,
    CastingConflict,
    EditConflict,
    EditContext,
    Editor,
    format_cast_value,
)
from desktop.asyncqt import TaskRunner
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource, as_editor
from desktop.ui.editing.conflict import ConflictDialog, ConflictFlow
from desktop.ui.widgets import MessageLabel, error_text, named, primary_button

LABELS = ("", "fixed", "animate")


class CastingEditor(EditingDialog):
    casting_saved = Signal(str, object)  # entity id, Casting

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, entity: Mapping[str, Any]) -> None:
        self.entity = dict(entity)
        super().__init__(editor, settings, ctx, parent, name="castingEditor",
                         title=f"Casting of {self.entity.get('name', '')}".strip())
        self.loaded: Casting | None = None
        self.desired: Casting | None = None
        self.assets: list[dict[str, Any]] = []
        self.conflicts = ConflictFlow(self, self.runner, what=lambda: "The casting", formatter=format_cast_value,
                                      announce=lambda conflict: self.message.show_message(str(conflict), "warn"))
        self._type_names = {t.id: t.name for t in ctx.context.asset_types}
        can_edit = ctx.capabilities.can_edit_casting

        self.table = named(QTableWidget(0, 5), "castTable", "Cast assets")
        self.table.setHorizontalHeaderLabels(["Type", "Asset", "Count", "Label", ""])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.total = named(QLabel(), "castTotal", "Number of cast assets")

        self.type_filter = named(QComboBox(), "assetTypeFilter", "Filter assets by type")
        self.type_filter.addItem("All types", "")
        for t in ctx.asset_types:
            self.type_filter.addItem(t.name, t.id)
        self.search = named(QLineEdit(), "assetSearch", "Search assets by name")
        self.search.setPlaceholderText("Search assets…")
        self.search.setClearButtonEnabled(True)
        self.picker = named(QListWidget(), "assetPicker", "Assets to cast")
        self.picker.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = named(QPushButton("Add to casting"), "addButton", "Add the selected assets")
        self.save_button = named(primary_button("Save casting"), "saveButton", "Save casting")
        self.close_button = named(QPushButton("Close"), "cancelButton", "Close without saving")
        why = ctx.capabilities.why_not("change the casting")
        self.allow(self.add_button, can_edit, why)
        self.allow(self.save_button, False, why)
        self._can_edit = can_edit

        self.type_filter.currentIndexChanged.connect(self._refilter)
        self.search.textChanged.connect(self._refilter)
        self.picker.itemDoubleClicked.connect(lambda _item: self.add_selected())
        self.add_button.clicked.connect(self.add_selected)
        self.save_button.clicked.connect(lambda: self.run(self.save(), key="save"))
        self.close_button.clicked.connect(self.reject)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.total)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.type_filter)
        right_layout.addWidget(self.search)
        right_layout.addWidget(self.picker, 1)
        right_layout.addWidget(self.add_button)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(820, 480)
        if not can_edit:
            self.message.show_message(why, "warn")

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.loaded is None and not self.runner.busy:
            self.run(self.load(), key="load")

    # ------------------------------------------------------------ loading
    async def load(self) -> None:
        try:
            casting = await self.editor.load_casting(self.ctx.project.id, str(self.entity["id"]))
            assets = await self.editor.client.project_assets(self.ctx.project.id)
        except E.ZouError as exc:
            self.show_error(exc)
            return
        self.assets = sorted((a for a in assets if isinstance(a, dict) and not a.get("canceled")
                              and a.get("id") != self.entity.get("id")),
                             key=lambda a: (self._type_names.get(str(a.get("entity_type_id")), ""),
                                            str(a.get("name", "")).lower()))
        self._set_loaded(casting)
        self._refilter()

    def _set_loaded(self, casting: Casting) -> None:
        self.loaded = casting
        self.desired = casting
        self._render()

    # ------------------------------------------------------------ local edits
    def _asset(self, asset_id: str) -> dict[str, Any]:
        return next((a for a in self.assets if a.get("id") == asset_id), {})

    def add_asset(self, asset_id: str, count: int = 1) -> None:
        if self.desired is None:
            return
        a = self._asset(asset_id)
        self.desired = self.desired.with_added(
            asset_id, count, asset_name=str(a.get("name") or ""),
            asset_type_name=self._type_names.get(str(a.get("entity_type_id")), ""))
        self._render()

    def add_selected(self) -> None:
        for item in self.picker.selectedItems():
            self.add_asset(str(item.data(Qt.ItemDataRole.UserRole)))

    def remove_asset(self, asset_id: str) -> None:
        if self.desired is not None:
            self.desired = self.desired.without(asset_id)
            self._render()

    def set_count(self, asset_id: str, count: int) -> None:
        if self.desired is not None and self.desired.get(asset_id) is not None:
            self.desired = self.desired.with_count(asset_id, count)
            self._update_dirty()

    def set_label(self, asset_id: str, label: str) -> None:
        if self.desired is not None:
            self.desired = self.desired.with_label(asset_id, label)
            self._update_dirty()

    @property
    def dirty(self) -> bool:
        return self.loaded is not None and self.desired is not None and \
            self.desired.as_map() != self.loaded.as_map()

    def _update_dirty(self) -> None:
        self.allow(self.save_button, self._can_edit and self.dirty)
        if self.desired is not None:
            n = len(self.desired.entries)
            self.total.setText(f"{n} asset{'s' if n != 1 else ''}, {self.desired.total} occurrences"
                               + (" (not saved)" if self.dirty else ""))

    def _render(self) -> None:
        entries = self.desired.entries if self.desired is not None else ()
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            type_item = QTableWidgetItem(e.asset_type_name)
            type_item.setData(Qt.ItemDataRole.UserRole, e.asset_id)
            self.table.setItem(r, 0, type_item)
            self.table.setItem(r, 1, QTableWidgetItem(e.asset_name or self._asset(e.asset_id).get("name", "")))
            count = named(QSpinBox(), f"count_{e.asset_id}", f"Occurrences of {e.asset_name}")
            count.setRange(1, 9999)
            count.setValue(e.nb_occurences)
            count.setEnabled(self._can_edit)
            count.valueChanged.connect(lambda v, aid=e.asset_id: self.set_count(aid, v))
            self.table.setCellWidget(r, 2, count)
            label = named(QComboBox(), f"label_{e.asset_id}", f"Label of {e.asset_name}")
            label.setEditable(True)
            label.addItems(list(LABELS) if e.label in LABELS else [*LABELS, e.label])
            label.setCurrentText(e.label)
            label.setEnabled(self._can_edit)
            label.currentTextChanged.connect(lambda text, aid=e.asset_id: self.set_label(aid, text))
            self.table.setCellWidget(r, 3, label)
            remove = named(QPushButton("Remove"), f"remove_{e.asset_id}", f"Remove {e.asset_name}")
            remove.setEnabled(self._can_edit)
            remove.clicked.connect(lambda _=False, aid=e.asset_id: self.remove_asset(aid))
            self.table.setCellWidget(r, 4, remove)
        self._update_dirty()

    def _refilter(self, *_: Any) -> None:
        wanted_type = self.type_filter.currentData() or ""
        needle = self.search.text().strip().casefold()
        self.picker.clear()
        for a in self.assets:
            type_id = str(a.get("entity_type_id") or "")
            name = str(a.get("name") or "")
            if wanted_type and type_id != wanted_type:
                continue
            if needle and needle not in name.casefold():
                continue
            item = QListWidgetItem(f"{name}  ·  {self._type_names.get(type_id, '')}")
            item.setData(Qt.ItemDataRole.UserRole, a.get("id"))
            self.picker.addItem(item)

    # ------------------------------------------------------------ saving
    async def save(self) -> bool:
        if self.loaded is None or self.desired is None:
            return False
        self.message.clear_message()
        try:
            saved = await self.editor.save_casting(self.loaded, self.desired)
        except CastingConflict as conflict:
            self._show_conflict(conflict)
            return False
        except E.ZouError as exc:
            self.show_error(exc)
            return False
        self._saved(saved)
        return True

    def _saved(self, casting: Casting) -> None:
        self._set_loaded(casting)
        self.message.show_message("Casting saved.", "ok")
        self.casting_saved.emit(casting.entity_id, casting)

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.conflicts.dialog

    def _show_conflict(self, conflict: CastingConflict) -> None:
        self.conflicts.show(conflict, resolve=self._resolve, saved=self._saved,
                            failed=lambda exc, _conflict: self._save_failed(exc))

    async def _resolve(self, conflict: EditConflict, choice: str, picks: dict[str, str]) -> Casting:
        assert isinstance(conflict, CastingConflict)
        return await self.editor.resolve_casting_conflict(conflict, choice, picks)

    def _save_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, E.ZouError):
            raise exc
        self.show_error(exc)


class _Panel(QWidget):
    def __init__(self, editor: EditorSource, ctx: EditContext, parent: QWidget | None, name: str,
                 title: str) -> None:
        super().__init__(parent)
        named(self, name, title)
        self.editor: Editor = as_editor(editor, ctx)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.message = named(MessageLabel(self), f"{name}Message", f"{title}: message")
        self.runner.failed.connect(lambda _k, exc: self.message.show_message(error_text(exc)))


class CastInList(_Panel):
    """The shots (and assets) an asset is cast in, with occurrence counts."""

    open_entity = Signal(str)  # double-click: the lead can select that shot

    def __init__(self, editor: EditorSource, ctx: EditContext, parent: QWidget | None = None, *,
                 asset_id: str) -> None:
        super().__init__(editor, ctx, parent, "castInList", "Cast in")
        self.asset_id = asset_id
        self.items = named(QListWidget(), "castInItems", "Shots this asset is cast in")
        self.items.itemDoubleClicked.connect(
            lambda item: self.open_entity.emit(str(item.data(Qt.ItemDataRole.UserRole))))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.items, 1)
        layout.addWidget(self.message)
        self.cast_in: list[CastIn] = []

    def reload(self) -> None:
        self.runner.run(self.load(), key="load")

    async def load(self) -> list[CastIn]:
        try:
            self.cast_in = await self.editor.cast_in(self.asset_id)
        except E.ZouError as exc:
            self.message.show_message(str(exc))
            return []
        self.items.clear()
        for c in self.cast_in:
            item = QListWidgetItem(f"{c.label}  ×{c.nb_occurences}")
            item.setData(Qt.ItemDataRole.UserRole, c.entity_id)
            self.items.addItem(item)
        if not self.cast_in:
            self.message.show_message("This asset is not cast in any shot.", "info")
        else:
            self.message.clear_message()
        return self.cast_in


class AssetInstancesPanel(_Panel):
    """A shot's asset instances: list, link an existing instance of a cast asset, unlink."""

    changed = Signal(str, list)  # shot id, [AssetInstance]

    def __init__(self, editor: EditorSource, ctx: EditContext, parent: QWidget | None = None, *,
                 shot: Mapping[str, Any]) -> None:
        super().__init__(editor, ctx, parent, "assetInstancesPanel", "Asset instances")
        self.shot = dict(shot)
        self.instances: list[AssetInstance] = []
        self.candidates: list[AssetInstance] = []
        self.asset_names: dict[str, str] = {}
        self.list = named(QListWidget(), "instanceList", "Asset instances of this shot")
        self.candidate_box = named(QComboBox(), "instanceCandidates", "Instances that can be added")
        self.add_button = named(QPushButton("Add"), "addInstanceButton", "Add the chosen instance")
        self.remove_button = named(QPushButton("Remove"), "removeInstanceButton", "Remove the selected instance")
        self.add_button.clicked.connect(lambda: self.runner.run(self.add_selected(), key="write"))
        self.remove_button.clicked.connect(lambda: self.runner.run(self.remove_selected(), key="write"))
        self.runner.busy_changed.connect(self._busy)
        row = QHBoxLayout()
        row.addWidget(self.candidate_box, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def _busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy and bool(self.candidates))
        self.remove_button.setEnabled(not busy and bool(self.instances))

    def reload(self) -> None:
        self.runner.run(self.load(), key="load")

    async def load(self) -> None:
        shot_id = str(self.shot["id"])
        try:
            self.instances = await self.editor.shot_asset_instances(shot_id)
            casting = await self.editor.load_casting(self.ctx.project.id, shot_id)
            self.asset_names = {e.asset_id: e.asset_name for e in casting.entries}
            seen: dict[str, AssetInstance] = {}
            for asset_id in {*self.asset_names, *(i.asset_id for i in self.instances)}:
                for inst in await self.editor.instances_of_asset(asset_id):
                    seen[inst.id] = inst
        except E.ZouError as exc:
            self.message.show_message(str(exc))
            return
        mine = {i.id for i in self.instances}
        self.candidates = sorted((i for i in seen.values() if i.id not in mine), key=lambda i: (i.name, i.number))
        self._render()

    def _label(self, inst: AssetInstance) -> str:
        asset = self.asset_names.get(inst.asset_id)
        return f"{inst.name}" + (f"  ·  {asset}" if asset else "")

    def _render(self) -> None:
        self.list.clear()
        for inst in self.instances:
            item = QListWidgetItem(self._label(inst))
            item.setData(Qt.ItemDataRole.UserRole, inst.id)
            self.list.addItem(item)
        self.candidate_box.clear()
        for inst in self.candidates:
            self.candidate_box.addItem(self._label(inst), inst.id)
        self._busy(self.runner.busy)
        if not self.instances and not self.candidates:
            self.message.show_message("No asset instance exists for the assets cast in this shot.", "info")
        else:
            self.message.clear_message()

    async def add_selected(self) -> None:
        instance_id = self.candidate_box.currentData()
        if instance_id:
            await self._write(self.editor.add_asset_instance, str(instance_id))

    async def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            await self._write(self.editor.remove_asset_instance, str(item.data(Qt.ItemDataRole.UserRole)))

    async def _write(self, op: Any, instance_id: str) -> None:
        shot_id = str(self.shot["id"])
        try:
            self.instances = await op(shot_id, instance_id)
        except E.ZouError as exc:
            self.message.show_message(str(exc))
            return
        await self.load()
        self.changed.emit(shot_id, self.instances)
