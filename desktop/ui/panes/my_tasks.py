"""My tasks: the signed-in user's unfinished tasks across open projects."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from desktop.api.changes import Changes
from desktop.api.records import UserTask
from desktop.models.lists import MyTasksModel
from desktop.models.lookups import Lookups
from desktop.ui.browse_session import BrowseSession
from desktop.ui.delegates import ChipDelegate
from desktop.ui.panes.common import ErrorBanner, FilterEdit, named
from desktop.ui.panes.task_tabs import TaskTabs


class MyTasksPane(QWidget):
    task_activated = Signal(object)  # UserTask: Enter or double-click opens its shot or asset
    retry_requested = Signal()

    def __init__(self, lookups: Lookups | None = None, parent: QWidget | None = None, *,
                 browse: BrowseSession | None = None) -> None:
        super().__init__(parent)
        named(self, "myTasksPane", "My tasks pane")
        self.browse = browse
        self.model = MyTasksModel(lookups, self)
        self.filter = named(FilterEdit(), "myTasksFilter", "Filter my tasks")
        self.filter.setPlaceholderText("Filter my tasks (Ctrl+F)")
        self.count_label = named(QLabel(), "myTasksCount", "Number of my tasks")
        self.error = ErrorBanner("myTasks", "my tasks")
        self.table = named(QTableView(), "myTasksTable", "My tasks")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(self.model.column_index("status"), ChipDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        for key, width in (("project", 140), ("entity", 180), ("task_type", 110), ("status", 110),
                           ("due_date", 90), ("priority", 80)):
            header.resizeSection(self.model.column_index(key), width)

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        self.tabs = TaskTabs(self.table, self.model, browse, self)  # To do (this table), Done, To check
        layout.addWidget(self.tabs, 1)

        self.filter.textChanged.connect(self._filter)
        self.filter.textChanged.connect(self.tabs.set_query)
        self.tabs.task_activated.connect(self.task_activated)
        self.filter.escaped.connect(self.table.setFocus)
        self.table.activated.connect(self._on_activated)
        self.error.retry.connect(self.retry_requested)
        self._update_count()
        if browse is not None:
            browse.my_tasks_loaded.connect(lambda tasks: self.set_tasks(tasks, browse.lookups))
            browse.load_failed.connect(self._on_load_failed)
            browse.changes_applied.connect(self.apply_changes)
            self.retry_requested.connect(lambda: browse.retry("my_tasks"))

    def _on_load_failed(self, key: str, message: str) -> None:
        if key == "my_tasks":
            self.show_error(message)

    def apply_changes(self, change: Changes) -> None:
        """A write changed one of the tasks listed here (status, assignees): read the short list again."""
        if self.browse is None or change.everything:
            return
        changed = {t.task_id for t in change.tasks}
        if changed and any(isinstance(t, UserTask) and t.id in changed for t in self.model.records()):
            self.browse.reload_my_tasks()
        elif any(t.fields.get("assignees") is not None for t in change.tasks):
            self.browse.reload_my_tasks()  # someone may have been given a task: it may be mine now

    def set_tasks(self, tasks: Sequence[UserTask], lookups: Lookups | None = None) -> None:
        self.error.clear()
        self.model.set_tasks(tasks, lookups)
        self._update_count()

    def show_error(self, message: str) -> None:
        self.error.show_error(message)

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _filter(self, text: str) -> None:
        self.model.set_query(text)
        self._update_count()

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n:,} task{'s' if n != 1 else ''}")

    def _on_activated(self, index: QModelIndex) -> None:
        task = self.model.record(index.row())
        if isinstance(task, UserTask):
            self.task_activated.emit(task)
