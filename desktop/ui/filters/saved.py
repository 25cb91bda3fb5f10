"""The saved-filters menu button next to a list's filter box.

Zou keeps a user's filters (`/data/user/filters`, also `search_filters` in the user context) as
{list_type: {project_id: [{id, name, search_query, search_filter_group_id, ...}]}} and their groups
(`/data/user/filter-groups`, `search_filter_groups`) the same way; Kitsu's shot list uses the list type
"shot" and its asset list "asset", so a filter saved here shows up in Kitsu and the other way round
(see `desktop.api.filters`). The button only shows and emits: the pane does the network calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop.api.filters import FilterGroup, SavedFilter, filters_for, groups_for


def saved_filters_for(search_filters: Mapping[str, Any] | None, list_types: Iterable[str],
                      project_id: str | None) -> list[SavedFilter]:
    """The saved filters of one list page of one project, in the server's order (first list type first)."""
    return filters_for(search_filters, list_types, project_id)


def filter_groups_for(search_filter_groups: Mapping[str, Any] | None, list_types: Iterable[str],
                      project_id: str | None) -> list[FilterGroup]:
    """The filter groups of one list page of one project, oldest first."""
    return groups_for(search_filter_groups, list_types, project_id)


def split_by_group(filters: Sequence[SavedFilter], groups: Sequence[FilterGroup]
                   ) -> tuple[list[SavedFilter], dict[str, list[SavedFilter]]]:
    """Filters in no (known) group, and the filters of each group by group id (every group listed)."""
    by_group: dict[str, list[SavedFilter]] = {g.id: [] for g in groups}
    loose: list[SavedFilter] = []
    for flt in filters:
        if flt.group_id in by_group:
            by_group[flt.group_id].append(flt)
        else:
            loose.append(flt)
    return loose, by_group


class SavedFiltersButton(QToolButton):
    """A menu of the project's saved filters for one list (grouped as on the server), plus save, rename,
    delete and a new group.

    objectNames: `<prefix>SavedFilters` (the button), `<prefix>SavedFiltersMenu`; one action
    `<prefix>SavedFilter:<id>` per filter, the filters of a group in a submenu
    `<prefix>SavedFiltersGroupMenu:<group id>`; `<prefix>SaveFilter`, `<prefix>NewFilterGroup`,
    `<prefix>RenameFilterMenu` with one `<prefix>RenameFilter:<id>` per filter, `<prefix>DeleteFilterMenu`
    with one `<prefix>DeleteFilter:<id>` per filter.
    """

    apply_requested = Signal(str)  # the saved query
    save_requested = Signal()  # "Save current filter…"
    rename_requested = Signal(str)  # filter id
    delete_requested = Signal(str)  # filter id
    new_group_requested = Signal()  # "New filter group…"

    def __init__(self, prefix: str, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix = prefix
        self.setObjectName(f"{prefix}SavedFilters")
        self.setAccessibleName(f"Saved {noun} filters")
        self.setText("Saved")
        self.setToolTip(f"Saved {noun} filters (stored on the server, shared with Kitsu)")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.setObjectName(f"{prefix}SavedFiltersMenu")
        self.menu_.setAccessibleName(f"Saved {noun} filters")
        self.setMenu(self.menu_)
        self.filters: list[SavedFilter] = []
        self.groups: list[FilterGroup] = []
        self._can_save = False
        self._actions: dict[str, QAction] = {}
        self._submenus: list[QMenu] = []
        self._rebuild()

    def set_filters(self, filters: Sequence[SavedFilter], groups: Sequence[FilterGroup] = ()) -> None:
        self.filters = list(filters)
        self.groups = list(groups)
        self._rebuild()

    def set_can_save(self, enabled: bool) -> None:
        if enabled != self._can_save:
            self._can_save = enabled
            action = self.action("SaveFilter")
            if action is not None:
                action.setEnabled(enabled)

    def action(self, suffix: str) -> QAction | None:
        """The menu action named `<prefix><suffix>` (e.g. "SavedFilter:<id>", "SaveFilter")."""
        return self._actions.get(f"{self.prefix}{suffix}")

    def _add(self, action: QAction) -> QAction:
        self._actions[action.objectName()] = action
        return action

    def _submenu(self, title: str, object_name: str, parent: QMenu) -> QMenu:
        menu = QMenu(title, parent)
        menu.setObjectName(object_name)
        menu.setAccessibleName(title)
        self._submenus.append(menu)
        return menu

    def _filter_action(self, flt: SavedFilter, menu: QMenu) -> QAction:
        action = QAction(flt.name or flt.query, menu)
        action.setObjectName(f"{self.prefix}SavedFilter:{flt.id}")
        action.setToolTip(flt.query)
        action.setStatusTip(flt.query)
        action.triggered.connect(lambda _=False, q=flt.query: self.apply_requested.emit(q))
        return self._add(action)

    def _rebuild(self) -> None:
        menu = self.menu_
        menu.clear()  # deletes the actions the menu owns
        for old in self._submenus:
            old.setObjectName("")  # gone for findChild at once; deleted by the event loop
            old.deleteLater()
        self._submenus = []
        self._actions = {}
        loose, by_group = split_by_group(self.filters, self.groups)
        if not self.filters and not self.groups:
            empty = QAction("No saved filters", menu)
            empty.setObjectName(f"{self.prefix}NoSavedFilters")
            empty.setEnabled(False)
            menu.addAction(self._add(empty))
        for group in self.groups:
            sub = self._submenu(group.name or "Group", f"{self.prefix}SavedFiltersGroupMenu:{group.id}", menu)
            for flt in by_group[group.id]:
                sub.addAction(self._filter_action(flt, sub))
            sub.setEnabled(bool(by_group[group.id]))
            menu.addMenu(sub)
        for flt in loose:
            menu.addAction(self._filter_action(flt, menu))
        menu.addSeparator()
        save = QAction("Save current filter…", menu)
        save.setObjectName(f"{self.prefix}SaveFilter")
        save.setEnabled(self._can_save)
        save.triggered.connect(self.save_requested)
        menu.addAction(self._add(save))
        new_group = QAction("New filter group…", menu)
        new_group.setObjectName(f"{self.prefix}NewFilterGroup")
        new_group.triggered.connect(self.new_group_requested)
        menu.addAction(self._add(new_group))
        for kind, title, signal in (("Rename", "Rename saved filter", self.rename_requested),
                                    ("Delete", "Delete saved filter", self.delete_requested)):
            sub = self._submenu(title, f"{self.prefix}{kind}FilterMenu", menu)
            sub.setEnabled(bool(self.filters))
            for flt in self.filters:
                action = QAction(flt.name or flt.query, sub)
                action.setObjectName(f"{self.prefix}{kind}Filter:{flt.id}")
                action.triggered.connect(lambda _=False, fid=flt.id, s=signal: s.emit(fid))
                sub.addAction(self._add(action))
            menu.addMenu(sub)
