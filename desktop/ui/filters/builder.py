"""The filter builder dialog: pick conditions, get the query text Kitsu's builder writes.

The text itself comes from the Qt-free `desktop.filtering.builder` (see its table of forms); this module
offers the choices of the pane's project (`builder_choices`: the list's task types, the project's
statuses, asset types, team and metadata descriptors, as Kitsu's builder offers them), pre-fills them from
the query in the filter box (`spec_from_query`), shows the text as it will be written, and hands it back
on OK. Like Kitsu's builder, OK replaces the whole query: free-text words and name exclusions are not
kept (the dialog says so before).

Left out of the dialog on purpose (the writer supports them and a pre-filled query keeps them):
"ready for" (Kitsu's asset page ignores what its builder writes there, spec §6.10) and "assets ready".

objectNames (`<prefix>` is `shots` or `assets`): `<prefix>FilterBuilder` (the dialog),
`<prefix>BuilderCombine`, `<prefix>BuilderAssetTypeOp`, `<prefix>BuilderAssetType` (assets),
`<prefix>BuilderStatusRows` with `<prefix>BuilderAddStatus` and per row `<n>`: `<prefix>BuilderStatusRow:<n>`,
`<prefix>BuilderStatusTaskType:<n>`, `<prefix>BuilderStatusOp:<n>`, `<prefix>BuilderStatuses:<n>`,
`<prefix>BuilderRemoveStatus:<n>`; `<prefix>BuilderDescriptorRows` with `<prefix>BuilderAddDescriptor` and per
row `<prefix>BuilderDescriptorRow:<n>`, `<prefix>BuilderDescriptor:<n>`, `<prefix>BuilderDescriptorOp:<n>`,
`<prefix>BuilderDescriptorValue:<n>`, `<prefix>BuilderRemoveDescriptor:<n>`; `<prefix>BuilderAssignment`,
`<prefix>BuilderPerson`, `<prefix>BuilderAssignmentTaskType`, `<prefix>BuilderThumbnail`,
`<prefix>BuilderPriorityTaskType`, `<prefix>BuilderPriority`, `<prefix>BuilderQuery` (the text to be
written), `<prefix>BuilderNote`, `<prefix>BuilderButtons`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api.records import Project
from desktop.filtering.builder import (
    PRIORITY_LABELS,
    AssignationCondition,
    AssignationMode,
    BuilderChoices,
    ChecklistCondition,
    DescriptorChoice,
    DescriptorCondition,
    FilterSpec,
    PriorityCondition,
    StatusChoice,
    StatusCondition,
    build_query,
    inexpressible,
    left_out_of_builder,
    spec_from_query,
)
from desktop.filtering.context import FilterContext, person_display_name
from desktop.models.lookups import Lookups, readable_text_color


def article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def builder_choices(kind: str, project: Project | None, lookups: Lookups) -> BuilderChoices:
    """What the builder offers on a list page, as Kitsu's builder: the page's task types in column order,
    the project's statuses, asset types and team (not bots), the page entity's metadata descriptors."""
    entity: Literal["shot", "asset"] = "asset" if kind == "asset" else "shot"

    def scoped[T](items: dict[str, T], allowed: Sequence[str] | None) -> list[T]:
        if not allowed:
            return list(items.values())
        return [items[i] for i in allowed if i in items]

    task_types = scoped(lookups.task_types, project.task_types if project else None)
    ordered = sorted((t for t in task_types if not t.archived), key=lambda t: (t.priority, t.name.lower()))
    statuses = sorted(scoped(lookups.statuses, project.task_statuses if project else None),
                      key=lambda s: (s.priority, s.name.lower()))
    asset_types = scoped(lookups.asset_types, project.asset_types if project else None)
    team = scoped(lookups.persons, project.team if project else None)
    people = sorted({person_display_name({"first_name": p.first_name, "last_name": p.last_name, "email": p.email})
                     for p in team if p.active and not p.raw.get("is_bot")}, key=str.casefold)
    wanted = "Asset" if entity == "asset" else "Shot"
    descriptors = tuple(DescriptorChoice(d.name, d.data_type, d.choices)
                        for d in (project.descriptors if project else ()) if d.entity_type == wanted)
    return BuilderChoices(
        entity=entity,
        task_types=tuple(t.name for t in ordered if t.for_entity == wanted),
        statuses=tuple(StatusChoice(s.short_name or s.name, s.name, s.color) for s in statuses if not s.archived),
        asset_types=tuple(a.name for a in asset_types) if entity == "asset" else (),
        descriptors=descriptors,
        people=tuple(people),
        shot_task_types=tuple(t.name for t in ordered if t.for_entity == "Shot"),
    )


def _combo(name: str, accessible: str, items: Sequence[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _select_or_add(combo: QComboBox, name: str) -> None:
    """Select the item `name` (case-insensitively); add it first when the choices lack it (a name of the
    query the project's lists do not offer, e.g. someone no longer in the team): it stays as it was."""
    if name and not _select(combo, name, fold=True):
        combo.addItem(name, name)
        combo.setCurrentIndex(combo.count() - 1)


def _select(combo: QComboBox, data: Any, *, fold: bool = False) -> bool:
    """Select the item whose data is `data` (case-insensitively with `fold`); False if none."""
    for i in range(combo.count()):
        item = combo.itemData(i)
        if item == data or (fold and isinstance(item, str) and isinstance(data, str)
                            and item.lower() == data.lower()):
            combo.setCurrentIndex(i)
            return True
    return False


class StatusRow(QWidget):
    """Task type + is / is not + the statuses (any of the checked ones)."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, prefix: str, n: int, choices: BuilderChoices) -> None:
        super().__init__()
        self.setObjectName(f"{prefix}BuilderStatusRow:{n}")
        self.setAccessibleName("Task status condition")
        self.task_type = _combo(f"{prefix}BuilderStatusTaskType:{n}", "Task type",
                                [("All task types", ""), *((t, t) for t in choices.task_types)])
        self.operator = _combo(f"{prefix}BuilderStatusOp:{n}", "Status is or is not",
                               [("is", False), ("is not", True)])
        self.statuses = QListWidget()
        self.statuses.setObjectName(f"{prefix}BuilderStatuses:{n}")
        self.statuses.setAccessibleName("Statuses (any of the checked ones)")
        self.statuses.setFlow(QListView.Flow.LeftToRight)
        self.statuses.setWrapping(True)
        self.statuses.setResizeMode(QListView.ResizeMode.Adjust)
        self.statuses.setSpacing(2)
        for status in choices.statuses:
            item = QListWidgetItem(status.short_name)
            item.setData(Qt.ItemDataRole.UserRole, status.short_name)
            item.setToolTip(status.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            if QColor(status.color).isValid():
                item.setBackground(QBrush(QColor(status.color)))
                item.setForeground(QBrush(QColor(readable_text_color(QColor(status.color).name()))))
            self.statuses.addItem(item)
        if self.statuses.count():  # two lines of statuses at most, then it scrolls
            self.statuses.setMaximumHeight(2 * self.statuses.sizeHintForRow(0) + 4 * self.statuses.spacing() + 4)
        self.remove = QToolButton()
        self.remove.setObjectName(f"{prefix}BuilderRemoveStatus:{n}")
        self.remove.setAccessibleName("Remove this condition")
        self.remove.setText("−")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.task_type)
        layout.addWidget(self.operator)
        layout.addWidget(self.statuses, 1)
        layout.addWidget(self.remove)
        self.task_type.currentIndexChanged.connect(self.changed)
        self.operator.currentIndexChanged.connect(self.changed)
        self._order: list[str] = []  # checked statuses, in the order they were picked (Kitsu writes that order)
        self.statuses.itemChanged.connect(self._item_changed)
        self.remove.clicked.connect(lambda: self.removed.emit(self))

    def _item_changed(self, item: QListWidgetItem) -> None:
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked:
            if name not in self._order:
                self._order.append(name)
        elif name in self._order:
            self._order.remove(name)
        self.changed.emit()

    def set_statuses(self, shorts: Sequence[str]) -> None:
        """Check these statuses (case-insensitively), in this order; uncheck the others."""
        by_lower = {str(self.statuses.item(i).data(Qt.ItemDataRole.UserRole)).lower(): self.statuses.item(i)
                    for i in range(self.statuses.count())}
        self.statuses.blockSignals(True)
        for each in by_lower.values():
            each.setCheckState(Qt.CheckState.Unchecked)
        self._order = []
        for short in shorts:
            item = by_lower.get(short.lower())
            if item is not None and item.checkState() != Qt.CheckState.Checked:
                item.setCheckState(Qt.CheckState.Checked)
                self._order.append(str(item.data(Qt.ItemDataRole.UserRole)))
        self.statuses.blockSignals(False)
        self.changed.emit()

    def checked(self) -> tuple[str, ...]:
        """The checked statuses' short names, in the order they were picked."""
        return tuple(self._order)

    def condition(self) -> StatusCondition:
        return StatusCondition(str(self.task_type.currentData() or ""), self.checked(),
                               bool(self.operator.currentData()))

    def set_condition(self, cond: StatusCondition) -> None:
        _select(self.task_type, cond.task_type, fold=True)
        _select(self.operator, cond.excluding)
        self.set_statuses(cond.statuses)


class DescriptorRow(QWidget):
    """Descriptor + is / is not (checked / not checked for checklists and booleans) + value."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, prefix: str, n: int, choices: BuilderChoices) -> None:
        super().__init__()
        self.choices = choices
        self.setObjectName(f"{prefix}BuilderDescriptorRow:{n}")
        self.setAccessibleName("Metadata condition")
        self.descriptor = _combo(f"{prefix}BuilderDescriptor:{n}", "Metadata descriptor",
                                 [(d.name, d.name) for d in choices.descriptors])
        self.operator = _combo(f"{prefix}BuilderDescriptorOp:{n}", "Value is or is not", [])
        self.value = QComboBox()
        self.value.setObjectName(f"{prefix}BuilderDescriptorValue:{n}")
        self.value.setAccessibleName("Value (several: separate with commas)")
        self.remove = QToolButton()
        self.remove.setObjectName(f"{prefix}BuilderRemoveDescriptor:{n}")
        self.remove.setAccessibleName("Remove this condition")
        self.remove.setText("−")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.descriptor)
        layout.addWidget(self.operator)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.remove)
        self._adapt()
        self.descriptor.currentIndexChanged.connect(self._adapt)
        self.descriptor.currentIndexChanged.connect(self.changed)
        self.operator.currentIndexChanged.connect(self.changed)
        self.value.currentTextChanged.connect(lambda _text: self.changed.emit())
        self.remove.clicked.connect(lambda: self.removed.emit(self))

    def current(self) -> DescriptorChoice | None:
        return self.choices.descriptor(str(self.descriptor.currentData() or ""))

    def _adapt(self) -> None:
        """Operator and value widgets for the chosen descriptor's kind (Kitsu's builder does the same)."""
        desc = self.current()
        self.operator.blockSignals(True)
        self.value.blockSignals(True)
        self.operator.clear()
        self.value.clear()
        if desc is not None and (desc.is_checklist or desc.is_boolean):
            self.operator.addItem("checked", True)
            self.operator.addItem("not checked", False)
            self.value.setEditable(False)
            self.value.addItems(list(desc.checklist_items))
            self.value.setVisible(desc.is_checklist)
        else:
            self.operator.addItem("is", False)
            self.operator.addItem("is not", True)
            self.value.setEditable(True)
            self.value.addItems(list(desc.choices) if desc is not None else [])
            self.value.setVisible(True)
        self.operator.blockSignals(False)
        self.value.blockSignals(False)

    def condition(self) -> DescriptorCondition | ChecklistCondition | None:
        desc = self.current()
        if desc is None:
            return None
        if desc.is_checklist:
            return ChecklistCondition(desc.name, self.value.currentText(), bool(self.operator.currentData()))
        if desc.is_boolean:
            return DescriptorCondition(desc.name, ("true",), excluding=not self.operator.currentData())
        text = self.value.currentText()
        if not text and desc.choices:
            text = desc.choices[0]  # Kitsu's builder falls back on the first choice
        return DescriptorCondition(desc.name, tuple(text.split(",")), bool(self.operator.currentData()))

    def set_condition(self, cond: DescriptorCondition | ChecklistCondition) -> None:
        _select(self.descriptor, cond.descriptor, fold=True)
        desc = self.current()
        if isinstance(cond, ChecklistCondition):
            _select(self.operator, cond.checked)
            index = next((i for i in range(self.value.count())
                          if self.value.itemText(i).lower() == cond.item.lower()), -1)
            if index >= 0:
                self.value.setCurrentIndex(index)
        elif desc is not None and desc.is_boolean:
            _select(self.operator, not cond.excluding)
        else:
            _select(self.operator, cond.excluding)
            self.value.setEditText(",".join(cond.values))


RowT = TypeVar("RowT", StatusRow, DescriptorRow)


class FilterBuilderDialog(QDialog):
    """Build a query from choices; `query_accepted(text)` on OK (the pane puts it in its filter box)."""

    query_accepted = Signal(str)

    def __init__(self, prefix: str, noun: str, choices: BuilderChoices, query: str = "",
                 context: FilterContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix, self.choices = prefix, choices
        self._counter = itertools.count(1)
        self.status_rows: list[StatusRow] = []
        self.descriptor_rows: list[DescriptorRow] = []
        # What the query had that the dialog does not show: ready for, assets ready, conditions on names the
        # page's lists do not offer. OK writes them back unchanged.
        self._kept = FilterSpec()
        self.setObjectName(f"{prefix}FilterBuilder")
        self.setAccessibleName(f"Build {article(noun)} {noun} filter")
        self.setWindowTitle(f"Build {article(noun)} {noun} filter")
        p = prefix
        outer = QVBoxLayout(self)

        self.combine = _combo(f"{p}BuilderCombine", "Combine the conditions",
                              [("Match all conditions", False), ("Match any condition", True)])
        combine_row = QHBoxLayout()
        combine_row.addWidget(QLabel("Combine"))
        combine_row.addWidget(self.combine, 1)
        outer.addLayout(combine_row)

        form = QFormLayout()
        outer.addLayout(form)
        self.asset_type_op = _combo(f"{p}BuilderAssetTypeOp", "Asset type is or is not",
                                    [("is", False), ("is not", True)])
        self.asset_type = _combo(f"{p}BuilderAssetType", "Asset type",
                                 [("All types", ""), *((t, t) for t in choices.asset_types)])
        if choices.entity == "asset":
            row = QHBoxLayout()
            row.addWidget(self.asset_type_op)
            row.addWidget(self.asset_type, 1)
            form.addRow("Asset type", row)
        else:
            self.asset_type_op.hide()
            self.asset_type.hide()

        statuses_box = QGroupBox("Task status")
        statuses_box.setObjectName(f"{p}BuilderStatusRows")
        statuses_box.setAccessibleName("Task status conditions")
        self._status_layout = QVBoxLayout(statuses_box)
        self.add_status = QPushButton("Add a task status condition")
        self.add_status.setObjectName(f"{p}BuilderAddStatus")
        self.add_status.setAccessibleName("Add a task status condition")
        self.add_status.setEnabled(bool(choices.statuses))
        self.add_status.clicked.connect(lambda: self.add_status_row())
        self._status_layout.addWidget(self.add_status)
        outer.addWidget(statuses_box)

        descriptors_box = QGroupBox("Metadata")
        descriptors_box.setObjectName(f"{p}BuilderDescriptorRows")
        descriptors_box.setAccessibleName("Metadata conditions")
        self._descriptor_layout = QVBoxLayout(descriptors_box)
        self.add_descriptor = QPushButton("Add a metadata condition")
        self.add_descriptor.setObjectName(f"{p}BuilderAddDescriptor")
        self.add_descriptor.setAccessibleName("Add a metadata condition")
        self.add_descriptor.clicked.connect(lambda: self.add_descriptor_row())
        self._descriptor_layout.addWidget(self.add_descriptor)
        descriptors_box.setVisible(bool(choices.descriptors))
        outer.addWidget(descriptors_box)

        form2 = QFormLayout()
        outer.addLayout(form2)
        self.assignment = _combo(f"{p}BuilderAssignment", "Assignment", [
            ("No filter", None), ("Assigned to", "assigned_to"), ("Not assigned to", "not_assigned_to"),
            ("Someone assigned on", "assigned"), ("Nobody assigned on", "unassigned")])
        self.person = _combo(f"{p}BuilderPerson", "Person", [(n, n) for n in choices.people])
        self.assignment_task_type = _combo(f"{p}BuilderAssignmentTaskType", "Task type of the assignment",
                                           [("Any task type", ""), *((t, t) for t in choices.task_types)])
        row = QHBoxLayout()
        row.addWidget(self.assignment)
        row.addWidget(self.person, 1)
        row.addWidget(self.assignment_task_type, 1)
        form2.addRow("Assignment", row)
        self.thumbnail = _combo(f"{p}BuilderThumbnail", "Thumbnail",
                                [("No filter", None), ("With a thumbnail", True), ("Without a thumbnail", False)])
        form2.addRow("Thumbnail", self.thumbnail)
        self.priority_task_type = _combo(f"{p}BuilderPriorityTaskType", "Task type of the priority",
                                         [("No filter", ""), *((t, t) for t in choices.task_types)])
        self.priority = _combo(f"{p}BuilderPriority", "Priority", [(t, i) for i, t in enumerate(PRIORITY_LABELS)])
        row = QHBoxLayout()
        row.addWidget(self.priority_task_type, 1)
        row.addWidget(self.priority, 1)
        form2.addRow("Priority", row)

        self.preview = QLineEdit()
        self.preview.setObjectName(f"{p}BuilderQuery")
        self.preview.setAccessibleName("Query the builder writes")
        self.preview.setReadOnly(True)
        form2.addRow("Query", self.preview)
        self.note = QLabel()
        self.note.setObjectName(f"{p}BuilderNote")
        self.note.setAccessibleName("What the builder leaves out")
        self.note.setWordWrap(True)
        self.note.hide()
        outer.addWidget(self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName(f"{p}BuilderButtons")
        self.buttons.setAccessibleName("Apply or cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        for combo in (self.combine, self.asset_type_op, self.asset_type, self.assignment, self.person,
                      self.assignment_task_type, self.thumbnail, self.priority_task_type, self.priority):
            combo.currentIndexChanged.connect(self._refresh)
        self.assignment.currentIndexChanged.connect(self._assignment_changed)
        self.priority_task_type.currentIndexChanged.connect(self._priority_changed)
        self._dropped: tuple[str, ...] = ()
        if query.strip() and context is not None:
            self._dropped = left_out_of_builder(query, context)
            self.set_spec(spec_from_query(query, context))
        self._assignment_changed()
        self._priority_changed()
        self._refresh()

    # ------------------------------------------------------------------ rows
    def add_status_row(self, cond: StatusCondition | None = None) -> StatusRow:
        row = StatusRow(self.prefix, next(self._counter), self.choices)
        if cond is not None:
            row.set_condition(cond)
        elif self.choices.task_types:
            row.task_type.setCurrentIndex(1)  # Kitsu starts on the list's first task type
        return self._adopt_row(row, self.status_rows, self._status_layout)

    def add_descriptor_row(self, cond: DescriptorCondition | ChecklistCondition | None = None) -> DescriptorRow:
        row = DescriptorRow(self.prefix, next(self._counter), self.choices)
        if cond is not None:
            row.set_condition(cond)
        return self._adopt_row(row, self.descriptor_rows, self._descriptor_layout)

    def _adopt_row(self, row: RowT, rows: list[RowT], layout: QVBoxLayout) -> RowT:
        """Show a condition row above its section's "add" button; it goes when its remove button is pressed."""
        row.changed.connect(self._refresh)
        row.removed.connect(functools.partial(self._remove_row, rows))
        rows.append(row)
        layout.insertWidget(layout.count() - 1, row)
        self._refresh()
        return row

    def _remove_row(self, rows: list[RowT], row: RowT) -> None:
        rows.remove(row)
        row.setObjectName("")
        row.deleteLater()
        self._refresh()

    # ------------------------------------------------------------------ spec <-> widgets
    def set_spec(self, spec: FilterSpec) -> None:
        """Show `spec` (e.g. what the filter box holds); names the page does not offer are left out."""
        for row in [*self.status_rows]:
            self._remove_row(self.status_rows, row)
        for drow in [*self.descriptor_rows]:
            self._remove_row(self.descriptor_rows, drow)
        _select(self.combine, spec.union)
        _select(self.asset_type, spec.asset_type)
        _select(self.asset_type_op, spec.asset_type_excluding)
        offered = {t.lower() for t in self.choices.task_types}
        kept_statuses: list[StatusCondition] = []
        for cond in spec.statuses:
            if not cond.task_type or cond.task_type.lower() in offered:
                self.add_status_row(cond)
            else:
                kept_statuses.append(cond)
        kept_descriptors: list[DescriptorCondition | ChecklistCondition] = []
        for dcond in spec.descriptors:
            if self.choices.descriptor(dcond.descriptor) is not None:
                self.add_descriptor_row(dcond)
            else:
                kept_descriptors.append(dcond)
        a = spec.assignation
        _select(self.assignment, a.mode if a is not None else None)
        if a is not None:
            _select_or_add(self.person, a.person)
            if a.task_type:
                _select_or_add(self.assignment_task_type, a.task_type)
            else:
                _select(self.assignment_task_type, "")
        _select(self.thumbnail, spec.thumbnail)
        if spec.priority is not None:
            _select_or_add(self.priority_task_type, spec.priority.task_type)
            _select(self.priority, spec.priority.priority)
        else:
            _select(self.priority_task_type, "")
        self._kept = FilterSpec(statuses=tuple(kept_statuses), descriptors=tuple(kept_descriptors),
                                ready_for=spec.ready_for, assets_ready=spec.assets_ready)
        self._assignment_changed()
        self._priority_changed()
        self._refresh()

    def spec(self) -> FilterSpec:
        mode: AssignationMode | None = self.assignment.currentData()
        assignation = None
        if mode is not None:
            assignation = AssignationCondition(mode, str(self.assignment_task_type.currentData() or ""),
                                               self.person.currentText() if mode.endswith("assigned_to") else "")
        priority = None
        if self.priority_task_type.currentData():
            priority = PriorityCondition(str(self.priority_task_type.currentData()), int(self.priority.currentData()))
        descriptors = tuple(c for c in (r.condition() for r in self.descriptor_rows) if c is not None)
        asset_type = str(self.asset_type.currentData() or "")
        return replace(
            self._kept, union=bool(self.combine.currentData()), asset_type=asset_type,
            asset_type_excluding=bool(asset_type) and bool(self.asset_type_op.currentData()),
            statuses=(*(r.condition() for r in self.status_rows), *self._kept.statuses),
            descriptors=(*descriptors, *self._kept.descriptors),
            assignation=assignation, thumbnail=self.thumbnail.currentData(), priority=priority)

    def query(self) -> str:
        return build_query(self.spec())

    # ------------------------------------------------------------------ reactions
    def _assignment_changed(self) -> None:
        mode = self.assignment.currentData()
        self.person.setVisible(mode in ("assigned_to", "not_assigned_to"))
        self.assignment_task_type.setVisible(mode is not None)
        if mode in ("assigned", "unassigned") and not self.assignment_task_type.currentData() \
                and self.assignment_task_type.count() > 1:
            self.assignment_task_type.setCurrentIndex(1)  # these need a task type

    def _priority_changed(self) -> None:
        self.priority.setVisible(bool(self.priority_task_type.currentData()))

    def _refresh(self) -> None:
        spec = self.spec()
        self.preview.setText(build_query(spec))
        self.preview.setCursorPosition(0)
        notes = []
        if self._dropped:
            notes.append("Not kept from the filter box (the builder cannot show them, as in Kitsu): "
                         + " ".join(self._dropped))
        kept = build_query(replace(self._kept, union=False))
        if kept:
            notes.append(f"Kept from the filter box: {kept}")
        bad = inexpressible(spec)
        if bad:
            notes.append("These names cannot be written in a filter (=, [, ] or a comma in a value): "
                         + ", ".join(bad))
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))

    def accept(self) -> None:
        query = self.query()
        super().accept()
        self.query_accepted.emit(query)
