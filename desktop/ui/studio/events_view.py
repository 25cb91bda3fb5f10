"""The studio's events log: who changed what, when, filtered by type and dates; an admin deletes one."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api.studio import EventQuery, StudioData
from desktop.api.studio import families as F
from desktop.api.studio.records import EventRecord
from desktop.ui.panes.common import named
from desktop.ui.studio.common import confirm
from desktop.ui.studio.record_page import RecordPage
from desktop.ui.studio.records_model import RecordTable, RecordTableModel, RefNames
from desktop.ui.widgets import MessageLabel

LOAD_KEY = "events"


class EventsView(RecordPage):
    def __init__(self, studio: StudioData, names: RefNames, parent: QWidget | None = None) -> None:
        super().__init__(studio, LOAD_KEY, parent)
        named(self, "eventsView", "Events log")
        self._names_loaded = False
        self.type_filter = named(QComboBox(), "eventsTypeFilter", "Event type")
        self.type_filter.addItem("All types", "")
        self.after = named(QLineEdit(), "eventsAfter", "From date")
        self.after.setPlaceholderText("from YYYY-MM-DD")
        self.before = named(QLineEdit(), "eventsBefore", "Before date")
        self.before.setPlaceholderText("before YYYY-MM-DD")
        self.reload_button = named(QPushButton("Show"), "eventsReload", "Show the events")
        self.delete_button = named(QPushButton("Delete…"), "eventsDelete", "Delete the selected event")
        self.model = RecordTableModel(F.EVENTS.columns, names, self)
        self.table = RecordTable(self.model, "eventsTable", "Events, newest first")
        self.message = named(MessageLabel(), "eventsMessage", "What happened")
        row = QHBoxLayout()
        for widget in (QLabel("Type"), self.type_filter, self.after, self.before, self.reload_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        title = QLabel("Events log: who changed what, when (managers; deleting is the admin's)")
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.reload_button.clicked.connect(self.reload)
        self.type_filter.activated.connect(lambda _i: self.reload())
        self.delete_button.clicked.connect(self.delete_selected)

    def query(self) -> EventQuery:
        """The filters as typed; a date that cannot be read raises ValueError naming it."""
        dates: dict[str, dt.date | None] = {}
        for key, edit in (("after", self.after), ("before", self.before)):
            text = edit.text().strip()
            try:
                dates[key] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                raise ValueError(f"“{text}” is not a date (YYYY-MM-DD).") from None
        return EventQuery(name=str(self.type_filter.currentData() or "") or None, after=dates["after"],
                          before=dates["before"], limit=500)

    def reload(self) -> None:
        try:
            query = self.query()
        except ValueError as exc:
            self.message.show_message(str(exc), "error")  # the filters stay as typed
            return
        self.runner.run(self.show_records(self._events(query), lambda n: f"{n} event(s)." if n else
                                          "No event matches."), key=LOAD_KEY)

    async def _events(self, query: EventQuery) -> list[EventRecord]:
        if not self._names_loaded:  # the type filter's choices, once
            for name in await self.studio.events.names():
                self.type_filter.addItem(name, name)
            self._names_loaded = True
        return await self.studio.events.last(query)

    def select_event(self, event_id: str) -> bool:
        return self.table.select_record(event_id)

    def delete_selected(self) -> QMessageBox | None:
        event = self.selected()
        if event is None:
            return None
        text = (f"Delete the event “{event.get('name')}” of {str(event.get('created_at', ''))[:19]} from the log? "
                "This cannot be undone.")
        self.confirm_box = confirm(self, "eventsConfirm", "Delete event", text, "Delete",
                                   lambda: self._start_delete(str(event["id"])))
        return self.confirm_box

    def _start_delete(self, event_id: str) -> None:
        self.runner.run(self.delete_then_reload(self.studio.events.delete(event_id)))
