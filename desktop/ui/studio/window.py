"""The studio settings window (managers and admins): the reference-data families on the left, the one
generic editor for the chosen family on the right; the events log and the ShotGrid import are two more
sections of the same list."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from desktop import APP_NAME
from desktop.api.studio import FAMILIES, StudioData
from desktop.api.studio.families import Family
from desktop.ui.panes.common import named
from desktop.ui.studio.editor import FamilyEditor
from desktop.ui.studio.events_view import EventsView
from desktop.ui.studio.records_model import RefNames
from desktop.ui.studio.shotgun_view import ShotgunView

EVENTS_SECTION = "events"
SHOTGUN_SECTION = "shotgun"


class StudioWindow(QWidget):
    def __init__(self, studio: StudioData, names: RefNames, *, entities: Mapping[str, str] | None = None,
                 task_id: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        named(self, "studioWindow", "Studio settings")
        self.setWindowTitle(f"Studio settings · {APP_NAME}")
        self.resize(980, 620)
        self.studio = studio
        self.sections = named(QListWidget(), "studioSections", "Studio settings sections")
        self.sections.setMaximumWidth(220)
        for family in FAMILIES:
            self._add_section(family.title, family.key)
        self._add_section("Events log", EVENTS_SECTION)
        self._add_section("ShotGrid import", SHOTGUN_SECTION)
        self.editor = FamilyEditor(studio, names, entities=entities, task_id=task_id)
        self.events = EventsView(studio, names)
        self.shotgun = ShotgunView(studio)
        self.pages = named(QStackedWidget(), "studioPages", "Studio settings page")
        for page in (self.editor, self.events, self.shotgun):
            self.pages.addWidget(page)
        layout = QHBoxLayout(self)
        layout.addWidget(self.sections)
        layout.addWidget(self.pages, 1)
        self.sections.currentRowChanged.connect(self._on_section)
        self.sections.setCurrentRow(0)

    def _add_section(self, title: str, key: str) -> None:
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.sections.addItem(item)

    def show_section(self, key: str) -> None:
        for row in range(self.sections.count()):
            item = self.sections.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                self.sections.setCurrentRow(row)
                return
        raise KeyError(key)

    def _on_section(self, row: int) -> None:
        item = self.sections.item(row)
        if item is None:
            return
        key = str(item.data(Qt.ItemDataRole.UserRole))
        if key == EVENTS_SECTION:
            self.pages.setCurrentWidget(self.events)
            self.events.reload()
        elif key == SHOTGUN_SECTION:
            self.pages.setCurrentWidget(self.shotgun)
            self.shotgun.reload()
        else:
            family: Family = next(f for f in FAMILIES if f.key == key)
            self.pages.setCurrentWidget(self.editor)
            self.editor.set_family(family)

    def closeEvent(self, event: QCloseEvent) -> None:
        for page in (self.editor, self.events, self.shotgun):
            page.runner.cancel_all()  # nothing left running against a closed window
        super().closeEvent(event)
