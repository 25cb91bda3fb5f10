"""The saved filters as buttons above a list, grouped as in Kitsu's filter groups.

Kitsu shows each filter group as one coloured button whose menu lists the group's filters, then one
button per filter in no group. Slate does the same: a click on a filter button (or a group menu entry)
puts the saved query in the filter box. A filter button's arrow menu renames or deletes that filter.
The bar only shows and emits; the pane does the network calls.

objectNames: `<prefix>SavedFiltersBar` (the bar), one `<prefix>FilterGroupButton:<group id>` per group
with its menu `<prefix>FilterGroupMenu:<group id>` holding one `<prefix>GroupFilter:<filter id>` action
per filter; one `<prefix>FilterButton:<filter id>` per filter in no group, whose arrow menu holds
`<prefix>FilterButtonRename:<filter id>` and `<prefix>FilterButtonDelete:<filter id>`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QLayout, QLayoutItem, QMenu, QSizePolicy, QToolButton, QWidget

from desktop.api.filters import FilterGroup, SavedFilter
from desktop.models.lookups import readable_text_color
from desktop.ui.filters.saved import split_by_group


class FlowLayout(QLayout):
    """Lays its widgets out left to right and wraps to the next line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins: QMargins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y, line_height = area.x(), y + line_height + self._spacing, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


def _group_style(color: str) -> str:
    background = QColor(color)
    if not color or not background.isValid():
        return ""
    name = background.name()
    return (f"QToolButton {{ background: {name}; color: {readable_text_color(name)}; border-radius: 3px;"
            " padding: 2px 6px; }")


class SavedFiltersBar(QWidget):
    apply_requested = Signal(str)  # the saved query
    rename_requested = Signal(str)  # filter id
    delete_requested = Signal(str)  # filter id

    def __init__(self, prefix: str, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix = prefix
        self.noun = noun
        self.setObjectName(f"{prefix}SavedFiltersBar")
        self.setAccessibleName(f"Saved {noun} filters bar")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.flow = FlowLayout(self)
        self.filters: list[SavedFilter] = []
        self.groups: list[FilterGroup] = []
        self._query = ""
        self._buttons: dict[str, QToolButton] = {}
        self._actions: dict[str, QAction] = {}
        self.hide()

    # ------------------------------------------------------------------ content
    def set_filters(self, filters: Sequence[SavedFilter], groups: Sequence[FilterGroup] = ()) -> None:
        self.filters, self.groups = list(filters), list(groups)
        self._rebuild()

    def set_current_query(self, query: str) -> None:
        """Mark the buttons whose saved query is the one in the filter box."""
        self._query = query.strip()
        loose, by_group = split_by_group(self.filters, self.groups)
        for flt in loose:
            button = self._buttons.get(f"{self.prefix}FilterButton:{flt.id}")
            if button is not None:
                button.setChecked(bool(self._query) and flt.query.strip() == self._query)
        for group in self.groups:
            button = self._buttons.get(f"{self.prefix}FilterGroupButton:{group.id}")
            if button is not None:
                button.setChecked(bool(self._query) and any(f.query.strip() == self._query
                                                             for f in by_group[group.id]))

    def button(self, suffix: str) -> QToolButton | None:
        """The button named `<prefix><suffix>` ("FilterButton:<id>", "FilterGroupButton:<id>")."""
        return self._buttons.get(f"{self.prefix}{suffix}")

    def action(self, suffix: str) -> QAction | None:
        """The action named `<prefix><suffix>` ("GroupFilter:<id>", "FilterButtonRename:<id>", …)."""
        return self._actions.get(f"{self.prefix}{suffix}")

    def button_names(self) -> list[str]:
        """The buttons' texts in bar order (groups first, as Kitsu shows them)."""
        return [b.text() for b in self._buttons.values()]

    # ------------------------------------------------------------------ building
    def _clear(self) -> None:
        while (item := self.flow.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.setObjectName("")  # gone for findChild at once; deleted by the event loop
                widget.hide()
                widget.deleteLater()
        self._buttons, self._actions = {}, {}

    def _action(self, text: str, name: str, menu: QMenu) -> QAction:
        action = QAction(text, menu)
        action.setObjectName(name)
        self._actions[name] = action
        menu.addAction(action)
        return action

    def _rebuild(self) -> None:
        self._clear()
        loose, by_group = split_by_group(self.filters, self.groups)
        p = self.prefix
        for group in self.groups:
            members = by_group[group.id]
            button = QToolButton(self)
            button.setObjectName(f"{p}FilterGroupButton:{group.id}")
            button.setAccessibleName(f"Filter group {group.name}")
            button.setText(f"{group.name} ({len(members)})")
            button.setToolTip(f"Filter group “{group.name}”: {len(members)} saved filter(s)")
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            button.setCheckable(True)
            button.setStyleSheet(_group_style(group.color))
            menu = QMenu(button)
            menu.setObjectName(f"{p}FilterGroupMenu:{group.id}")
            menu.setAccessibleName(f"Filters of the group {group.name}")
            for flt in members:
                action = self._action(flt.name or flt.query, f"{p}GroupFilter:{flt.id}", menu)
                action.setToolTip(flt.query)
                action.setStatusTip(flt.query)
                action.triggered.connect(lambda _=False, q=flt.query: self.apply_requested.emit(q))
            if not members:
                empty = QAction("No filters in this group", menu)
                empty.setEnabled(False)
                menu.addAction(empty)
            button.setMenu(menu)
            self._buttons[button.objectName()] = button
            self.flow.addWidget(button)
        for flt in loose:
            button = QToolButton(self)
            button.setObjectName(f"{p}FilterButton:{flt.id}")
            button.setAccessibleName(f"Saved filter {flt.name or flt.query}")
            button.setText(flt.name or flt.query)
            button.setToolTip(f"{flt.query}\n(the arrow renames or deletes it)")
            button.setCheckable(True)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
            button.clicked.connect(lambda _=False, q=flt.query: self.apply_requested.emit(q))
            menu = QMenu(button)
            rename = self._action("Rename…", f"{p}FilterButtonRename:{flt.id}", menu)
            rename.triggered.connect(lambda _=False, fid=flt.id: self.rename_requested.emit(fid))
            delete = self._action("Delete…", f"{p}FilterButtonDelete:{flt.id}", menu)
            delete.triggered.connect(lambda _=False, fid=flt.id: self.delete_requested.emit(fid))
            button.setMenu(menu)
            self._buttons[button.objectName()] = button
            self.flow.addWidget(button)
        self.setVisible(bool(self.filters or self.groups))
        self.set_current_query(self._query)
        self.updateGeometry()
