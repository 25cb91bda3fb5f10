"""The saved-filters button next to a list's filter box.

Zou keeps a user's filters (`/data/user/filters`, also `search_filters` in the user context) as
{list_type: {project_id: [{id, name, search_query, ...}]}}; Kitsu's shot list uses the list type
"shot" and its asset list "asset", so a filter saved here shows up in Kitsu and the other way round.
The button only shows and emits: the pane does the network calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget


@dataclass(frozen=True)
class SavedFilter:
    id: str
    name: str
    query: str


def saved_filters_for(search_filters: Mapping[str, Any] | None, list_types: Iterable[str],
                      project_id: str | None) -> list[SavedFilter]:
    """The saved filters of one list page of one project, in the server's order (first list type first)."""
    out: list[SavedFilter] = []
    seen: set[str] = set()
    if not isinstance(search_filters, Mapping) or not project_id:
        return out
    for list_type in list_types:
        per_project = search_filters.get(list_type)
        items = per_project.get(project_id) if isinstance(per_project, Mapping) else None
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, Mapping):
                continue
            fid = str(item.get("id") or "")
            if not fid or fid in seen:
                continue
            seen.add(fid)
            query = item.get("search_query")
            if query is None:
                query = item.get("query")
            out.append(SavedFilter(fid, str(item.get("name") or ""), str(query or "")))
    return out


class SavedFiltersButton(QToolButton):
    """A menu of the project's saved filters for one list, plus "Save current filter…" and delete.

    objectNames: `<prefix>SavedFilters` (the button), `<prefix>SavedFiltersMenu`, one action
    `<prefix>SavedFilter:<id>` per filter, `<prefix>SaveFilter`, `<prefix>DeleteFilterMenu` with one
    `<prefix>DeleteFilter:<id>` per filter.
    """

    apply_requested = Signal(str)  # the saved query
    save_requested = Signal()  # "Save current filter…"
    delete_requested = Signal(str)  # filter id

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
        self._can_save = False
        self._actions: dict[str, QAction] = {}
        self._delete_menu: QMenu | None = None
        self._rebuild()

    def set_filters(self, filters: list[SavedFilter]) -> None:
        self.filters = list(filters)
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

    def _rebuild(self) -> None:
        menu = self.menu_
        menu.clear()  # deletes the actions the menu owns
        if self._delete_menu is not None:
            self._delete_menu.deleteLater()
        self._actions = {}
        if not self.filters:
            empty = QAction("No saved filters", menu)
            empty.setObjectName(f"{self.prefix}NoSavedFilters")
            empty.setEnabled(False)
            menu.addAction(self._add(empty))
        for flt in self.filters:
            action = QAction(flt.name or flt.query, menu)
            action.setObjectName(f"{self.prefix}SavedFilter:{flt.id}")
            action.setToolTip(flt.query)
            action.setStatusTip(flt.query)
            action.triggered.connect(lambda _=False, q=flt.query: self.apply_requested.emit(q))
            menu.addAction(self._add(action))
        menu.addSeparator()
        save = QAction("Save current filter…", menu)
        save.setObjectName(f"{self.prefix}SaveFilter")
        save.setEnabled(self._can_save)
        save.triggered.connect(self.save_requested)
        menu.addAction(self._add(save))
        delete_menu = self._delete_menu = QMenu("Delete saved filter", menu)
        delete_menu.setObjectName(f"{self.prefix}DeleteFilterMenu")
        delete_menu.setAccessibleName("Delete saved filter")
        delete_menu.setEnabled(bool(self.filters))
        for flt in self.filters:
            action = QAction(flt.name or flt.query, delete_menu)
            action.setObjectName(f"{self.prefix}DeleteFilter:{flt.id}")
            action.triggered.connect(lambda _=False, fid=flt.id: self.delete_requested.emit(fid))
            delete_menu.addAction(self._add(action))
        menu.addMenu(delete_menu)
