"""Small dialogs of the saved filters: save the current query (optionally into a group), new group.

objectNames (the `<prefix>` is `shots` or `assets`): `<prefix>SaveFilterDialog` with
`<prefix>SaveFilterName`, `<prefix>SaveFilterQuery`, `<prefix>SaveFilterGroup` (no group, the list's
groups, "New group…") and `<prefix>SaveFilterNewGroup` (the new group's name);
`<prefix>NewFilterGroupDialog` with `<prefix>NewFilterGroupName` and `<prefix>NewFilterGroupColor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.api.filters import FilterGroup

NEW_GROUP = "\x00new"
# Colours offered for a new group (Kitsu lets the user pick one; these read well with black or white text).
GROUP_COLORS: tuple[tuple[str, str], ...] = (
    ("Grey", "#999999"), ("Blue", "#4a90d9"), ("Green", "#5cb85c"), ("Orange", "#f0ad4e"),
    ("Red", "#d9534f"), ("Purple", "#9b59b6"), ("Teal", "#1abc9c"), ("Yellow", "#f1c40f"),
)


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color) if QColor(color).isValid() else QColor("#999999"))
    return QIcon(pixmap)


@dataclass(frozen=True)
class SaveFilterChoice:
    name: str
    group_id: str | None = None  # an existing group
    new_group: str | None = None  # the name of a group to create first


class SaveFilterDialog(QDialog):
    def __init__(self, prefix: str, noun: str, query: str, groups: Sequence[FilterGroup],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}SaveFilterDialog")
        self.setAccessibleName(f"Save the {noun} filter")
        self.setWindowTitle("Save filter")
        form = QFormLayout(self)
        self.name = QLineEdit(query)
        self.name.setObjectName(f"{prefix}SaveFilterName")
        self.name.setAccessibleName("Name of the saved filter")
        self.name.selectAll()
        self.query = QLineEdit(query)
        self.query.setObjectName(f"{prefix}SaveFilterQuery")
        self.query.setAccessibleName("Query to save")
        self.query.setReadOnly(True)
        self.group = QComboBox()
        self.group.setObjectName(f"{prefix}SaveFilterGroup")
        self.group.setAccessibleName("Filter group")
        self.group.addItem("No group", "")
        for group in groups:
            self.group.addItem(_swatch(group.color), group.name, group.id)
        self.group.addItem("New group…", NEW_GROUP)
        self.new_group = QLineEdit()
        self.new_group.setObjectName(f"{prefix}SaveFilterNewGroup")
        self.new_group.setAccessibleName("Name of the new filter group")
        self.new_group.setPlaceholderText("Name of the new group")
        self.new_group.setEnabled(False)
        self.group.currentIndexChanged.connect(self._group_changed)
        form.addRow("Name", self.name)
        form.addRow("Query", self.query)
        form.addRow("Group", self.group)
        form.addRow("", self.new_group)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.name.textChanged.connect(self._update_ok)
        self.new_group.textChanged.connect(self._update_ok)
        self._update_ok()

    def _group_changed(self) -> None:
        is_new = self.group.currentData() == NEW_GROUP
        self.new_group.setEnabled(is_new)
        if is_new:
            self.new_group.setFocus()
        self._update_ok()

    def _update_ok(self) -> None:
        ok = bool(self.name.text().strip())
        if self.group.currentData() == NEW_GROUP:
            ok = ok and bool(self.new_group.text().strip())
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setEnabled(ok)

    def set_group(self, group_id: str) -> bool:
        index = self.group.findData(group_id)
        if index >= 0:
            self.group.setCurrentIndex(index)
        return index >= 0

    def choice(self) -> SaveFilterChoice:
        data = self.group.currentData()
        if data == NEW_GROUP:
            return SaveFilterChoice(self.name.text().strip(), new_group=self.new_group.text().strip())
        return SaveFilterChoice(self.name.text().strip(), group_id=str(data) if data else None)


class NewFilterGroupDialog(QDialog):
    def __init__(self, prefix: str, noun: str, default_color: str = GROUP_COLORS[0][1],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}NewFilterGroupDialog")
        self.setAccessibleName(f"New {noun} filter group")
        self.setWindowTitle("New filter group")
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setObjectName(f"{prefix}NewFilterGroupName")
        self.name.setAccessibleName("Name of the filter group")
        self.color = QComboBox()
        self.color.setObjectName(f"{prefix}NewFilterGroupColor")
        self.color.setAccessibleName("Colour of the filter group")
        for label, value in GROUP_COLORS:
            self.color.addItem(_swatch(value), label, value)
        self.color.setCurrentIndex(max(0, self.color.findData(default_color)))
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        ok: QPushButton | None = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(False)
            self.name.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        return self.name.text().strip(), str(self.color.currentData() or GROUP_COLORS[0][1])


def next_group_color(groups: Sequence[FilterGroup]) -> str:
    """A colour for the next group: the first of the palette the list's groups do not use yet."""
    used = {g.color.lower() for g in groups}
    for _label, value in GROUP_COLORS:
        if value not in used:
            return value
    return GROUP_COLORS[len(groups) % len(GROUP_COLORS)][1]
