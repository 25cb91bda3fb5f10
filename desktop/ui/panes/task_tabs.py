"""My tasks' tabs: To do (the pane's own table), Done, and To check (supervisors), with the task tools.

The Done and To check lists are read when their tab is first shown, and again when shown after My
tasks was reloaded or a write changed a task (they are marked stale, not re-read in the background:
most people never open them). Each list has its own `MyTasksModel`, so the columns, sorting, the
overdue mark and the filter box behave as in To do. The corner of the tab bar holds "Log time…" and
"Where do I save?", which act on the task selected in the current tab.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.api.changes import Changes
from desktop.api.records import Person, UserContext, UserTask
from desktop.asyncqt import TaskRunner
from desktop.models.lists import MyTasksModel
from desktop.ui.delegates import ChipDelegate
from desktop.ui.panes.common import named
from desktop.ui.widgets import error_text

if TYPE_CHECKING:
    from desktop.ui.browse_session import BrowseSession
    from desktop.ui.downloads import DownloadsDock

CHECKER_ROLES = ("supervisor", "manager", "admin")
TAB_TODO, TAB_DONE, TAB_TO_CHECK = 0, 1, 2


def checks_tasks(user: Person, context: UserContext | None = None) -> bool:
    """Whether the user reviews others' work somewhere: the To check tab is for them."""
    if user.role in CHECKER_ROLES:
        return True
    return context is not None and any(r in CHECKER_ROLES for r in context.project_roles.values())


def task_table(model: MyTasksModel, name: str, accessible: str) -> QTableView:
    """A task table set up as My tasks' own: rows selected whole, sortable, read-only."""
    table = named(QTableView(), name, accessible)
    table.setModel(model)
    table.setItemDelegateForColumn(model.column_index("status"), ChipDelegate(table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(30)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setStretchLastSection(True)
    header.setSortIndicatorClearable(True)
    table.setSortingEnabled(True)
    return table


class TaskListPage(QWidget):
    """One of the extra lists (Done, To check): its table, a line saying how many or why none."""

    def __init__(self, prefix: str, noun: str, loader: Callable[[], Awaitable[list[UserTask]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, f"{prefix}Page", noun.capitalize())
        self.noun, self.loader = noun, loader
        self.model = MyTasksModel(parent=self)
        self.table = task_table(self.model, f"{prefix}Table", noun.capitalize())
        self.message = named(QLabel(), f"{prefix}Message", f"About the {noun}")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.stale = True
        self.loaded = False


class TaskTabs(QTabWidget):
    task_activated = Signal(object)  # UserTask, from the Done or To check list
    list_loaded = Signal(str)  # "done" or "to_check": a list arrived (or failed: see its message)

    def __init__(self, todo_table: QTableView, todo_model: MyTasksModel, browse: BrowseSession | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "myTasksTabs", "My task lists")
        self.browse = browse
        self.todo_model = todo_model
        self.todo_table = todo_table
        self.downloads: DownloadsDock | None = None  # set by the main window: working-file downloads
        self.runner = TaskRunner(self)
        self.addTab(todo_table, "To do")
        self.done = TaskListPage("doneTasks", "done tasks", self._load_done)
        self.to_check = TaskListPage("toCheckTasks", "tasks to check", self._load_to_check)
        self.addTab(self.done, "Done")
        self.addTab(self.to_check, "To check")
        self.pages = {"done": self.done, "to_check": self.to_check}

        corner = QWidget()
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 0, 0)
        self.time_log_button = named(QPushButton("Log time…"), "myTasksLogTime", "Log time")
        self.time_log_button.setToolTip("Hours per task for a day (only task types that take a time log)")
        self.files_button = named(QPushButton("Where do I save?"), "myTasksWhereToSave", "Where do I save")
        self.files_button.setToolTip("The selected task's working and output file paths, and its files")
        row.addWidget(self.time_log_button)
        row.addWidget(self.files_button)
        self.setCornerWidget(corner)

        for page in self.pages.values():
            page.table.activated.connect(self._on_activated)
            page.table.selectionModel().selectionChanged.connect(self._update_buttons)
        todo_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.currentChanged.connect(self._on_current_changed)
        self.time_log_button.clicked.connect(self.open_time_log)
        self.files_button.clicked.connect(self.open_where_to_save)
        self.runner.failed.connect(self._on_failed)
        if browse is not None:
            browse.my_tasks_loaded.connect(lambda _tasks: self.mark_stale())
            browse.changes_applied.connect(self._on_changes)
            browse.context_changed.connect(lambda _ctx: self._update_to_check_visibility())
        self._update_to_check_visibility()
        self._update_buttons()

    # ------------------------------------------------------------ lists
    def _update_to_check_visibility(self) -> None:
        if self.browse is None:
            return
        self.setTabVisible(TAB_TO_CHECK, checks_tasks(self.browse.user, self.browse.context))

    def mark_stale(self) -> None:
        for page in self.pages.values():
            page.stale = True
        self._load_current()

    def _on_changes(self, change: Changes) -> None:
        if change.everything or change.tasks:
            self.mark_stale()

    def _on_current_changed(self, _index: int) -> None:
        self._load_current()
        self._update_buttons()

    def _load_current(self) -> None:
        for key, page in self.pages.items():
            if self.currentWidget() is page and page.stale:
                self.reload(key)

    def reload(self, key: str) -> None:
        page = self.pages[key]
        page.stale = False
        if not page.loaded:
            page.message.setText(f"Loading the {page.noun}…")
        self.runner.run(self._fill(key), key=key)

    async def _fill(self, key: str) -> None:
        page = self.pages[key]
        tasks = await page.loader()
        if not self.runner.is_current(key):
            return
        lookups = self.browse.lookups if self.browse is not None else None
        page.model.set_tasks(tasks, lookups)
        page.loaded = True
        n = len(tasks)
        page.message.setText(f"{n:,} {page.noun}" if n != 1 else f"1 {page.noun[:-1]}")
        self.list_loaded.emit(key)

    async def _load_done(self) -> list[UserTask]:
        assert self.browse is not None
        return await self.browse.client.done_tasks()

    async def _load_to_check(self) -> list[UserTask]:
        assert self.browse is not None
        return await self.browse.client.tasks_to_check()

    def _on_failed(self, key: str, exc: object) -> None:
        page = self.pages.get(key)
        if page is not None:
            page.stale = True  # shown again: tried again
            page.message.setText(f"Could not load the {page.noun}: "
                                 + (error_text(exc) if isinstance(exc, BaseException) else str(exc)))
            self.list_loaded.emit(key)

    def set_query(self, text: str) -> None:
        """The pane's filter box filters every list."""
        for page in self.pages.values():
            page.model.set_query(text)

    # ------------------------------------------------------------ the selected task
    def current_table(self) -> QTableView:
        page = self.currentWidget()
        return page.table if isinstance(page, TaskListPage) else self.todo_table

    def current_list_name(self) -> str:
        page = self.currentWidget()
        return page.noun if isinstance(page, TaskListPage) else "my tasks"

    def selected_task(self) -> UserTask | None:
        table = self.current_table()
        index = table.currentIndex()
        rows = table.selectionModel().selectedRows()
        row = rows[0].row() if rows else index.row() if index.isValid() else -1
        model = table.model()
        record = model.record(row) if isinstance(model, MyTasksModel) else None
        return record if isinstance(record, UserTask) else None

    def _update_buttons(self, *_args: Any) -> None:
        self.files_button.setEnabled(self.browse is not None and self.selected_task() is not None)
        self.time_log_button.setEnabled(self.browse is not None)

    def _on_activated(self, index: QModelIndex) -> None:
        model = index.model()
        task = model.record(index.row()) if isinstance(model, MyTasksModel) else None
        if isinstance(task, UserTask):
            self.task_activated.emit(task)

    # ------------------------------------------------------------ tools
    def open_time_log(self) -> QWidget | None:
        if self.browse is None:
            return None
        from desktop.ui.timelog import TimeLogDialog

        tasks = self.todo_model.records() + self.done.model.records()
        dialog = TimeLogDialog(self.browse.session, self.browse.user, tasks, self)
        dialog.show()
        return dialog

    def open_where_to_save(self) -> QWidget | None:
        task = self.selected_task()
        if self.browse is None or task is None:
            return None
        from desktop.api.files import FileTask
        from desktop.ui.files.where_to_save import WhereToSaveDialog

        dialog = WhereToSaveDialog(self.browse.session, FileTask.of(task), reads=self.browse.client.reads,
                                   downloads=self.downloads, parent=self)
        dialog.show()
        return dialog
