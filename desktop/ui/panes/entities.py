"""The shots pane and the assets pane: a filter box, a grouped sortable table, an error banner.

The pane owns its models (`EntityTableModel` -> `EntityViewModel`) and its column layout (order,
visibility, widths, grouping, sort), saved in Settings under `panes/shots/...` or `panes/assets/...`
by stable column keys. The main window feeds it rows.

The filter box speaks the Kitsu filter language (`desktop.models.filtering.default_filter_factory`):
rows update as the user types (debounced `FILTER_DELAY_MS`), hints about names Kitsu ignores show
under the box (`<prefix>FilterHint`), Esc clears. Next to it, the builder button
(`<prefix>FilterBuilderButton`) opens the filter builder, and the saved-filters button
(`<prefix>SavedFilters`, see `desktop.ui.filters`) lists the project's filters saved on the server for
this list (Zou's `search_filters`, list type "shot" or "asset", shared with Kitsu); under them the same
filters are buttons, grouped by Zou's filter groups (`<prefix>SavedFiltersBar`). Saving, renaming and
deleting go through a `ZouSession` (calls in `desktop.api.filters`): the one given to `set_session`,
else the browse session's (given to the constructor). With no session the pane emits
`save_filter_requested(name, query)`, `rename_filter_requested(filter_id, name)` or
`delete_filter_requested(filter_id)` for its owner to handle, and shows nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import changes
from desktop.api import filters as filter_api
from desktop.api.records import Project
from desktop.models.columns import ColumnKind
from desktop.models.entities import EntityTableModel, ThumbnailSource
from desktop.models.filtering import FilterScope, RowFilterFactory, context_for_scope, default_filter_factory
from desktop.models.grouped import EntityViewModel
from desktop.models.lookups import Lookups
from desktop.models.roles import Role
from desktop.settings import Settings
from desktop.ui.browse_session import BrowseSession
from desktop.ui.delegates import EntityCellDelegate, selected_rows
from desktop.ui.filters import (
    FilterBuilderDialog,
    FilterGroup,
    NewFilterGroupDialog,
    SavedFilter,
    SavedFiltersBar,
    SavedFiltersButton,
    SaveFilterDialog,
    article,
    builder_choices,
    filter_groups_for,
    next_group_color,
    saved_filters_for,
)
from desktop.ui.panes.common import ErrorBanner, FilterEdit, named
from desktop.ui.panes.inline_edit import InlineCellEditor

ROW_HEIGHT = 32
ROW_HEIGHTS = {"comfortable": ROW_HEIGHT, "compact": 22}  # Settings.grid_density: the rows' height
DEFAULT_WIDTHS = {ColumnKind.THUMBNAIL: 58, ColumnKind.TASK: 112, ColumnKind.METADATA: 100}
FIELD_WIDTHS = {"name": 110, "sequence": 90, "episode": 80, "asset_type": 100, "description": 180,
                "frames": 60, "frame_in": 60, "frame_out": 60, "fps": 50}
FILTER_DELAY_MS = 150


class EntityTableView(QTableView):
    """A QTableView set up for 10,000 rows: fixed row height, lean delegate, no word wrap.

    Enter (or double-click) emits `activated`; on a group header it collapses/expands the group instead.
    Left/Right on a group header collapse/expand it.
    """

    def __init__(self, model: EntityViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_model = model
        self.setModel(model)
        self._delegate = EntityCellDelegate(model, self)
        self.setItemDelegate(self._delegate)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Editable cells (see EntityTableModel.flags) open an editor; Enter still opens the detail.
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setTabKeyNavigation(False)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setSortingEnabled(True)

    escape_pressed = Signal()
    paint_rows_at_once = True

    def paintEvent(self, event: QPaintEvent) -> None:
        """Rows are painted by the delegate a screen at a time (see `EntityCellDelegate.paint_rows`).

        What QTableView's own painting adds here is not used by this view: grid (hidden), spans, word
        wrap, variable row heights (fixed), per-cell selection (whole rows are selected)."""
        if not self.paint_rows_at_once:
            super().paintEvent(event)  # Qt's per-cell painting (kept to check this one against it)
            return
        model = self.view_model
        count = model.rowCount()
        area = event.rect()
        first = self.rowAt(area.top())
        if count == 0 or first < 0:
            return
        last = self.rowAt(area.bottom())
        last = count - 1 if last < 0 else last
        header = self.horizontalHeader()
        first_visual = max(header.visualIndexAt(area.left()), 0)
        last_visual = header.visualIndexAt(area.right())
        last_visual = header.count() - 1 if last_visual < 0 else last_visual
        columns: list[tuple[int, int, int]] = []
        for visual in range(first_visual, last_visual + 1):
            col = header.logicalIndex(visual)
            if not header.isSectionHidden(col):
                columns.append((col, header.sectionViewportPosition(col), header.sectionSize(col)))
        viewport = self.viewport()
        palette = viewport.palette()
        group = QPalette.ColorGroup.Active if self.isActiveWindow() else QPalette.ColorGroup.Inactive
        font = self.font()
        role = QPalette.ColorRole
        style = (palette.color(group, role.Text), palette.color(group, role.HighlightedText),
                 palette.brush(group, role.Highlight), QFontMetrics(font), font)
        selection = self.selectionModel()
        root = QModelIndex()
        current = self.currentIndex()
        focus = ((current.row(), current.column())
                 if current.isValid() and (self.hasFocus() or viewport.hasFocus()) else None)
        alternate = palette.brush(group, role.AlternateBase) if self.alternatingRowColors() else None
        right = max(header.length() - header.offset(), 0)
        painter = QPainter(viewport)
        try:
            painter.setFont(font)
            self._delegate.paint_rows(painter, range(first, last + 1), self.rowViewportPosition(first),
                                      self.rowHeight(first), columns,
                                      selected_rows(selection, root, first, last).__contains__, focus,
                                      alternate, right, style)
        finally:
            painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()  # the pane clears its filter
            event.accept()
            return
        pressed = event.key()
        if pressed in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and self.state() != self.State.EditingState:
            # Enter opens the row and F2 edits the current cell, on every platform (macOS edits on Enter).
            index = self.currentIndex()
            if pressed == Qt.Key.Key_F2 and self.edit(index, self.EditTrigger.EditKeyPressed, event):
                return
            if pressed != Qt.Key.Key_F2 and index.isValid():
                self.activated.emit(index)
            event.ignore()
            return
        row = self.currentIndex().row()
        if self.view_model.is_group_row(row) and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            key = self.view_model.data(self.currentIndex(), Role.GroupKey)
            self.view_model.set_group_collapsed(str(key), event.key() == Qt.Key.Key_Left)
            event.accept()
            return
        super().keyPressEvent(event)


class EntityPane(QWidget):
    activated = Signal(str, str)  # kind, entity id: Enter or double-click on a row
    current_changed = Signal(str, str)  # kind, entity id ("" when none)
    retry_requested = Signal()
    save_filter_requested = Signal(str, str)  # name, query: only when the pane has no session
    delete_filter_requested = Signal(str)  # saved filter id: only when the pane has no session
    rename_filter_requested = Signal(str, str)  # saved filter id, new name: only when the pane has no session
    saved_filters_changed = Signal()  # the saved-filters list was refreshed

    def __init__(self, kind: str, settings: Settings, lookups: Lookups | None = None,
                 parent: QWidget | None = None, *, browse: BrowseSession | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.browse = browse
        self.prefix = "shots" if kind == "shot" else "assets"
        self.noun = "shots" if kind == "shot" else "assets"
        self.settings = settings
        self.lookups = lookups or Lookups()
        self.project: Project | None = None
        self.loading = False
        self._restoring = False
        self._filter_factory: RowFilterFactory = default_filter_factory
        self._session: Any = None
        self._search_filters: Mapping[str, Any] | None = None
        self._filter_groups: Mapping[str, Any] | None = None
        self.builder_dialog: FilterBuilderDialog | None = None
        self._saved_tasks: set[asyncio.Task[Any]] = set()
        named(self, f"{self.prefix}Pane", f"{self.noun.capitalize()} pane")

        self.source = EntityTableModel(kind, self.lookups, self)
        self.model = EntityViewModel(self.source, parent=self)
        self.model.set_grouping(settings.pane_grouped[self.prefix])

        self.filter = named(FilterEdit(), f"{self.prefix}Filter", f"Filter {self.noun}")
        self.filter.setPlaceholderText(f"Filter {self.noun} (Ctrl+F)")
        self.saved_filters = SavedFiltersButton(self.prefix, self.noun)
        self.saved_filters_bar = SavedFiltersBar(self.prefix, self.noun)
        self.builder_button = named(QToolButton(), f"{self.prefix}FilterBuilderButton",
                                    f"Build {article(self.noun)} {self.noun} filter")
        self.builder_button.setText("Build…")
        self.builder_button.setToolTip("Build a filter from task statuses, assignees, metadata… (as Kitsu's builder)")
        self.group_button = named(QToolButton(), f"{self.prefix}GroupButton",
                                  "Group by sequence" if kind == "shot" else "Group by asset type")
        self.group_button.setText("Group")
        self.group_button.setToolTip(self.group_button.accessibleName())
        self.group_button.setCheckable(True)
        self.group_button.setChecked(self.model.grouping)
        self.count_label = named(QLabel(), f"{self.prefix}Count", f"Number of {self.noun}")
        self.hint_label = named(QLabel(), f"{self.prefix}FilterHint", f"Why the {self.noun} filter may surprise")
        self.hint_label.setWordWrap(True)
        self.hint_label.hide()
        self.error = ErrorBanner(self.prefix, self.noun)
        self.table = named(EntityTableView(self.model), f"{self.prefix}Table", f"{self.noun.capitalize()} list")
        self.set_density(settings.grid_density)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.builder_button)
        bar.addWidget(self.saved_filters)
        bar.addWidget(self.group_button)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.saved_filters_bar)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self.inline_edit = InlineCellEditor(self)  # saves cell edits; the main window gives it the editor

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(self._filter_timer.start)
        self.filter.textChanged.connect(lambda text: self.saved_filters.set_can_save(bool(text.strip())))
        self.saved_filters.apply_requested.connect(self.apply_saved_query)
        self.saved_filters.save_requested.connect(self.save_current_filter)
        self.saved_filters.delete_requested.connect(lambda fid: self.delete_saved_filter(fid, confirm=True))
        self.saved_filters.rename_requested.connect(lambda fid: self.rename_saved_filter(fid))
        self.saved_filters.new_group_requested.connect(lambda: self.create_filter_group())
        self.saved_filters_bar.apply_requested.connect(self.apply_saved_query)
        self.saved_filters_bar.rename_requested.connect(lambda fid: self.rename_saved_filter(fid))
        self.saved_filters_bar.delete_requested.connect(lambda fid: self.delete_saved_filter(fid, confirm=True))
        self.filter.textChanged.connect(self.saved_filters_bar.set_current_query)
        self.builder_button.clicked.connect(lambda: self.open_filter_builder())
        self.filter.escaped.connect(self.table.setFocus)
        self.table.escape_pressed.connect(self.filter.clear)
        self.group_button.toggled.connect(self._set_grouping)
        self.error.retry.connect(self.retry_requested)
        self.model.counts_changed.connect(self._update_count)
        self.model.hints_changed.connect(self._show_hints)
        self.source.columns_changed.connect(self.restore_columns)
        self.table.activated.connect(self._on_activated)
        selection = self.table.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._on_current_changed)
        header = self.table.horizontalHeader()
        header.sectionMoved.connect(self._columns_edited)
        header.sectionResized.connect(self._columns_edited)
        header.sortIndicatorChanged.connect(self._columns_edited)
        header.customContextMenuRequested.connect(self._header_menu)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(250)
        self._save_timer.timeout.connect(self.save_columns)
        self._update_count(0, 0)
        self.model.set_row_filter(self._filter_factory(FilterScope(self.kind, self.project, self.lookups)))
        self._keep_current: str | None = None
        if browse is not None:
            self._follow(browse)

    # ------------------------------------------------------------------ the browse session
    def _follow(self, browse: BrowseSession) -> None:
        """Fed by the session: its project, its streamed rows, its errors and what writes changed."""
        kind = self.kind
        browse.lists_reset.connect(self._on_lists_reset)
        browse.context_changed.connect(lambda _context: self._update_saved_filters())
        browse.list_loading.connect(self._on_list_loading)
        browse.rows_arrived.connect(self._on_rows_arrived)
        browse.rows_synced.connect(self._on_rows_synced)
        browse.rows_done.connect(self._on_rows_done)
        browse.load_failed.connect(self._on_load_failed)
        browse.changes_applied.connect(self.apply_changes)
        self.retry_requested.connect(lambda: browse.retry(kind))
        browse.on_resumed.append(self.inline_edit.replay_after_sign_in)
        self.inline_edit.saved.connect(
            lambda _eid, entity: browse.apply(changes.entity_saved(kind, entity, origin="inline")))

    def _on_lists_reset(self, project: Project | None) -> None:
        browse = self.browse
        assert browse is not None
        self.set_project(project, browse.lookups)
        self.inline_edit.set_context(browse.editor, browse.edit_context())

    def _on_list_loading(self, kind: str, loading: bool) -> None:
        if kind == self.kind:
            self.set_loading(loading)

    def _on_rows_synced(self, kind: str) -> None:
        if kind == self.kind:
            self.source.sync_rows()

    def _on_load_failed(self, key: str, message: str) -> None:
        if key == self.kind:
            self.show_error(message)

    def _on_rows_arrived(self, kind: str, table: Any, keep_rows: bool) -> None:
        browse = self.browse
        if kind != self.kind or browse is None:
            return
        if keep_rows:
            # A refresh: the old rows stayed until now; the columns and names are the fresh context's.
            self._keep_current = self.current_entity_id()
            self.set_project(browse.project, browse.lookups)
            self.inline_edit.set_context(browse.editor, browse.edit_context())
        self.source.set_table(table)

    def _on_rows_done(self, kind: str) -> None:
        if kind != self.kind:
            return
        self.error.clear()
        keep, self._keep_current = self._keep_current, None
        if keep:
            self.select_entity(keep)

    def apply_changes(self, change: changes.Changes) -> None:
        """Patch the rows a write changed (fields of an entity, statuses of its tasks); nothing is re-read."""
        editing = self.table.state() == QAbstractItemView.State.EditingState
        if editing and "event" in change.origin and self.current_entity_id() in change.entity_ids():
            # A cell of this row is being typed in: the editor keeps what is typed; the save compares.
            by = change.extra.get("by") if change.extra else None
            self.inline_edit.show_message(f"{by or 'Someone else'} changed this row on the server while you "
                                          "type: saving compares your value with theirs.", "warn")
        for update in change.entities:
            if update.kind == self.kind and update.entity_id and set(update.fields) - {"id"}:
                self.inline_edit.merge(update.entity_id, update.fields)
        fielded = [t for t in change.tasks if t.fields]  # an event's bare "task updated" changes no cell
        if fielded:
            self.source.update_tasks({t.task_id: t.fields for t in fielded},
                                     [t.entity_id for t in fielded if t.entity_id])
        for added in change.tasks_added:
            self.source.add_task(added.entity_id, added.fields)
        if change.tasks_removed:
            owners = [t.entity_id for t in change.tasks_removed]
            self.source.remove_tasks({t.task_id for t in change.tasks_removed}, owners if all(owners) else ())

    # ------------------------------------------------------------------ data in
    def set_thumbnail_source(self, source: ThumbnailSource | None) -> None:
        self.source.set_thumbnail_source(source)

    def set_row_filter_factory(self, factory: RowFilterFactory) -> None:
        self._filter_factory = factory
        self.model.set_row_filter(factory(FilterScope(self.kind, self.project, self.lookups)))

    def set_project(self, project: Project | None, lookups: Lookups | None = None) -> None:
        if self._save_timer.isActive():
            self.save_columns()  # an edit not saved yet belongs to the project it was made in
        if lookups is not None:
            self.lookups = lookups
        self.project = project
        self.error.clear()
        self.model.set_row_filter(self._filter_factory(FilterScope(self.kind, project, self.lookups)))
        self.source.set_project(project, self.lookups)
        self._update_saved_filters()

    def set_loading(self, loading: bool) -> None:
        self.loading = loading
        self._update_count(self.model.matching_count(), self.source.rowCount())

    def show_error(self, message: str) -> None:
        self.error.show_error(message)

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        self.model.set_query(self.filter.text())

    # ------------------------------------------------------------------ saved filters
    def set_session(self, session: Any) -> None:
        """The `ZouSession` used to save and delete filters (default: the browse session's)."""
        self._session = session

    def zou_session(self) -> Any:
        """The session for saved filters: `set_session`'s, else the browse session's (None if neither)."""
        if self._session is not None:
            return self._session
        return self.browse.session if self.browse is not None else None

    def set_saved_filters(self, search_filters: Mapping[str, Any] | None) -> None:
        """Zou's `search_filters` ({list_type: {project_id: [filter]}}); None: use the browse session's context."""
        self._search_filters = search_filters
        self._update_saved_filters()

    def set_filter_groups(self, search_filter_groups: Mapping[str, Any] | None) -> None:
        """Zou's `search_filter_groups` (same shape); None: use the browse session's context."""
        self._filter_groups = search_filter_groups
        self._update_saved_filters()

    def search_filters(self) -> Mapping[str, Any] | None:
        if self._search_filters is not None:
            return self._search_filters
        return self._from_context("search_filters")

    def search_filter_groups(self) -> Mapping[str, Any] | None:
        if self._filter_groups is not None:
            return self._filter_groups
        return self._from_context("search_filter_groups")

    def _from_context(self, key: str) -> Mapping[str, Any] | None:
        context = self.browse.context if self.browse is not None else None
        value = getattr(context, key, None)
        if value is None:
            raw = getattr(context, "raw", None)
            value = raw.get(key) if isinstance(raw, Mapping) else None
        return value if isinstance(value, Mapping) else None

    def saved_filter_list(self) -> list[SavedFilter]:
        project_id = self.project.id if self.project else None
        return saved_filters_for(self.search_filters(), (self.kind, self.prefix), project_id)

    def saved_filter_groups(self) -> list[FilterGroup]:
        project_id = self.project.id if self.project else None
        return filter_groups_for(self.search_filter_groups(), (self.kind, self.prefix), project_id)

    def _update_saved_filters(self) -> None:
        filters, groups = self.saved_filter_list(), self.saved_filter_groups()
        self.saved_filters.set_filters(filters, groups)
        self.saved_filters.setEnabled(self.project is not None)
        self.saved_filters_bar.set_filters(filters if self.project else [], groups if self.project else [])
        self.saved_filters_changed.emit()

    def apply_saved_query(self, query: str) -> None:
        self.filter.setText(query)
        self.apply_filter()

    def _run(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._saved_tasks.add(task)
        task.add_done_callback(self._saved_tasks.discard)
        return task

    def _saved_filter_error(self, what: str, exc: BaseException) -> None:
        self.hint_label.setText(f"Could not {what} the saved filter: {exc}")
        self.hint_label.show()

    def save_current_filter(self, name: str | None = None, group_id: str | None = None,
                            new_group: str | None = None) -> asyncio.Task[Any] | None:
        """Save the filter box's query as a named filter of this list on the server, in a group (an existing
        one, or `new_group` created first) or in none. With no name, asks for it (and the group)."""
        query = self.filter.text().strip()
        if not query or self.project is None:
            return None
        groups = self.saved_filter_groups()
        if name is None:
            dialog = SaveFilterDialog(self.prefix, self.noun, query, groups, self)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.choice().name:
                return None
            choice = dialog.choice()
            name, group_id, new_group = choice.name, choice.group_id, choice.new_group
        session = self.zou_session()
        if session is None:
            self.save_filter_requested.emit(name, query)
            return None
        group = next((g for g in groups if g.id == group_id), None)
        return self._run(self._change_filters("save", self._save(session, name, query, group, new_group, groups)))

    async def _save(self, session: Any, name: str, query: str, group: FilterGroup | None, new_group: str | None,
                    groups: list[FilterGroup]) -> None:
        assert self.project is not None
        if new_group:
            group = await filter_api.create_filter_group(session, list_type=self.kind, name=new_group,
                                                         project_id=self.project.id, color=next_group_color(groups))
        await filter_api.create_filter(session, list_type=self.kind, name=name, query=query,
                                       project_id=self.project.id, group=group)

    def rename_saved_filter(self, filter_id: str, name: str | None = None) -> asyncio.Task[Any] | None:
        """Rename a saved filter on the server (`PUT /data/user/filters/{id}`); with no name, asks for it."""
        current = next((f for f in self.saved_filter_list() if f.id == filter_id), None)
        if name is None:
            dialog = QInputDialog(self)
            dialog.setObjectName(f"{self.prefix}RenameFilterDialog")
            dialog.setAccessibleName("Rename the saved filter")
            dialog.setWindowTitle("Rename saved filter")
            dialog.setLabelText(f"New name of the {self.noun} filter:")
            dialog.setTextValue(current.name if current else "")
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.textValue().strip():
                return None
            name = dialog.textValue().strip()
        session = self.zou_session()
        if session is None:
            self.rename_filter_requested.emit(filter_id, name)
            return None
        return self._run(self._change_filters("rename", filter_api.rename_filter(session, filter_id, name)))

    def delete_saved_filter(self, filter_id: str, confirm: bool = False) -> asyncio.Task[Any] | None:
        if confirm:
            names = [f.name for f in self.saved_filter_list() if f.id == filter_id]
            box = QMessageBox(QMessageBox.Icon.Question, "Delete saved filter",
                              f"Delete the saved filter “{names[0] if names else filter_id}”?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
            box.setObjectName(f"{self.prefix}DeleteFilterConfirm")
            box.setAccessibleName("Confirm deleting the saved filter")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            answer = box.exec()
            box.deleteLater()
            if answer != QMessageBox.StandardButton.Yes:
                return None
        session = self.zou_session()
        if session is None:
            self.delete_filter_requested.emit(filter_id)
            return None
        return self._run(self._change_filters("delete", filter_api.delete_filter(session, filter_id)))

    def create_filter_group(self, name: str | None = None, color: str | None = None) -> asyncio.Task[Any] | None:
        """A new filter group of this list and project on the server; with no name, asks for it."""
        if self.project is None:
            return None
        groups = self.saved_filter_groups()
        if name is None:
            dialog = NewFilterGroupDialog(self.prefix, self.noun, next_group_color(groups), self)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.values()[0]:
                return None
            name, color = dialog.values()
        session = self.zou_session()
        if session is None:
            return None
        return self._run(self._change_filters("create the group of", filter_api.create_filter_group(
            session, list_type=self.kind, name=name, project_id=self.project.id,
            color=color or next_group_color(groups))))

    def reload_saved_filters(self) -> asyncio.Task[Any] | None:
        """Read the saved filters and filter groups back from the server (`GET /data/user/filters`, …)."""
        session = self.zou_session()
        if session is None:
            return None
        return self._run(self._change_filters("load", None))

    async def _change_filters(self, what: str, change: Coroutine[Any, Any, Any] | None) -> None:
        session = self.zou_session()
        try:
            if change is not None:
                await change
            filters = await filter_api.list_filters(session)
            groups = await filter_api.list_filter_groups(session)
        except Exception as exc:  # shown to the user; the list stays as it was
            self._saved_filter_error(what, exc)
            return
        self._search_filters, self._filter_groups = filters, groups
        self._update_saved_filters()

    # ------------------------------------------------------------------ filter builder
    def open_filter_builder(self) -> FilterBuilderDialog:
        """The builder dialog with this project's choices, pre-filled from the box; OK puts its query in the box."""
        if self.builder_dialog is not None:
            self.builder_dialog.setObjectName("")
            self.builder_dialog.deleteLater()
        scope = FilterScope(self.kind, self.project, self.lookups)
        dialog = self.builder_dialog = FilterBuilderDialog(
            self.prefix, self.noun, builder_choices(self.kind, self.project, self.lookups), self.filter.text(),
            context_for_scope(scope), self)
        dialog.query_accepted.connect(self.apply_saved_query)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ selection
    def current_entity_id(self) -> str | None:
        return self.model.entity_id(self.table.currentIndex().row())

    def selected_entity_ids(self) -> list[str]:
        selection = self.table.selectionModel()
        if selection is None:
            return []
        ids = [self.model.entity_id(i.row()) for i in selection.selectedRows()]
        return [i for i in ids if i]

    def select_entity(self, entity_id: str) -> bool:
        row = self.model.row_of_entity(entity_id)
        if row is None:
            return False
        index = self.model.index(row, max(0, self.model.source.column_index("name")))
        selection = self.table.selectionModel()
        assert selection is not None
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def _on_activated(self, index: QModelIndex) -> None:
        if self.model.toggle_group(index.row()):
            return
        entity_id = self.model.entity_id(index.row())
        if entity_id:
            self.activated.emit(self.kind, entity_id)

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        del previous
        self.current_changed.emit(self.kind, self.model.entity_id(current.row()) or "")

    # ------------------------------------------------------------------ count, hints, grouping
    def _update_count(self, matching: int, total: int) -> None:
        text = f"{matching:,} {self.noun}" if matching == total else f"{matching:,} of {total:,} {self.noun}"
        if self.loading:
            text += " (loading…)"
        self.count_label.setText(text)

    def _show_hints(self, hints: list[str]) -> None:
        self.hint_label.setText("\n".join(hints))
        self.hint_label.setVisible(bool(hints))

    def _set_grouping(self, enabled: bool) -> None:
        self.model.set_grouping(enabled)
        self.settings.pane_grouped[self.prefix] = enabled

    # ------------------------------------------------------------------ column layout, saved
    def _columns_edited(self, *args: Any) -> None:
        del args
        if not self._restoring:
            self._save_timer.start()
        self._update_label_column()

    def save_columns(self) -> None:
        self._save_timer.stop()
        header = self.table.horizontalHeader()
        keys = self.source.column_keys()
        order = [keys[header.logicalIndex(v)] for v in range(header.count())]
        hidden = [k for i, k in enumerate(keys) if header.isSectionHidden(i)]
        widths = [f"{k}={header.sectionSize(i)}" for i, k in enumerate(keys) if not header.isSectionHidden(i)]
        # Keep what other projects' columns saved (a task type this project lacks keeps its place).
        s, p = self.settings, self.prefix
        old_order = [k for k in s.pane_order[p] if k not in keys]
        old_hidden = [k for k in s.pane_hidden[p] if k not in keys]
        old_widths = [w for w in s.pane_widths[p] if w.split("=", 1)[0] not in keys]
        s.pane_order[p] = order + old_order
        s.pane_hidden[p] = hidden + old_hidden
        s.pane_widths[p] = widths + old_widths
        if self.project is not None:  # this project's own layout; the pane-wide one seeds projects not arranged yet
            key = (p, self.project.id)
            s.project_order[key], s.project_hidden[key], s.project_widths[key] = order, hidden, widths
        col = header.sortIndicatorSection()
        sort = ""
        if 0 <= col < len(keys):
            sort = f"{keys[col]}:{'desc' if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder else 'asc'}"
        s.pane_sort[p] = sort

    def restore_columns(self) -> None:
        """Apply the saved order, visibility, widths and sort to the current columns."""
        if self._save_timer.isActive():
            self.save_columns()  # an edit not saved yet must not be undone by a reload
        self._restoring = True
        try:
            header = self.table.horizontalHeader()
            keys = self.source.column_keys()
            specs = self.source.specs
            saved_order, saved_hidden, saved_widths = self._saved_layout()
            hidden = set(saved_hidden)
            widths: dict[str, int] = {}
            for item in saved_widths:
                key, _, value = item.rpartition("=")
                if value.isdigit():
                    widths[key] = int(value)
            desired = [k for k in saved_order if k in keys] + [k for k in keys if k not in saved_order]
            for target, key in enumerate(desired):
                logical = keys.index(key)
                current = header.visualIndex(logical)
                if current != target:
                    header.moveSection(current, target)
            for i, (key, spec) in enumerate(zip(keys, specs, strict=True)):
                header.setSectionHidden(i, key in hidden)
                default = FIELD_WIDTHS.get(key) or DEFAULT_WIDTHS.get(spec.kind, 100)
                header.resizeSection(i, widths.get(key, default))
            sort = self.settings.pane_sort[self.prefix]
            key, _, direction = sort.partition(":")
            col = keys.index(key) if key in keys else -1
            order = Qt.SortOrder.DescendingOrder if direction == "desc" else Qt.SortOrder.AscendingOrder
            if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (col, order):
                header.setSortIndicator(col, order)  # the view sorts the model
            if (self.model.sort_column, self.model.sort_order) != (col, order):
                self.model.sort(col, order)
        finally:
            self._restoring = False
        self._update_label_column()

    def set_density(self, density: str) -> None:
        """Comfortable (thumbnails readable) or compact rows (more shots on screen), as Kitsu's density."""
        height = ROW_HEIGHTS.get(density, ROW_HEIGHT)
        self.table.verticalHeader().setDefaultSectionSize(height)
        self.table.verticalHeader().setMinimumSectionSize(min(height, ROW_HEIGHTS["compact"]))

    def density(self) -> str:
        height = self.table.verticalHeader().defaultSectionSize()
        return "compact" if height == ROW_HEIGHTS["compact"] else "comfortable"

    def _saved_layout(self) -> tuple[list[str], list[str], list[str]]:
        """Order, hidden keys and widths saved for this project, else the pane's (a project not arranged yet)."""
        s, p = self.settings, self.prefix
        if self.project is not None and s.project_order[p, self.project.id]:
            key = (p, self.project.id)
            return s.project_order[key], s.project_hidden[key], s.project_widths[key]
        return s.pane_order[p], s.pane_hidden[p], s.pane_widths[p]

    def _update_label_column(self) -> None:
        """Group titles go in the first visible column that is not the thumbnail."""
        header = self.table.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if header.isSectionHidden(logical):
                continue
            if logical < len(self.source.specs) and self.source.specs[logical].kind is ColumnKind.THUMBNAIL:
                continue
            self.model.set_label_column(logical)
            return

    def set_column_visible(self, key: str, visible: bool) -> None:
        col = self.source.column_index(key)
        if col >= 0:
            self.table.horizontalHeader().setSectionHidden(col, not visible)
            self._update_label_column()
            self.save_columns()

    def is_column_visible(self, key: str) -> bool:
        col = self.source.column_index(key)
        return col >= 0 and not self.table.horizontalHeader().isSectionHidden(col)

    def visual_column_keys(self) -> list[str]:
        header = self.table.horizontalHeader()
        keys = self.source.column_keys()
        return [keys[header.logicalIndex(v)] for v in range(header.count())]

    def columns_menu(self) -> QMenu:
        menu = named(QMenu(self), f"{self.prefix}ColumnsMenu", f"{self.noun.capitalize()} columns")
        header = self.table.horizontalHeader()
        for i, spec in enumerate(self.source.specs):
            action = QAction(spec.title, menu)
            action.setObjectName(f"{self.prefix}Column:{spec.key}")
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(i))
            action.toggled.connect(lambda checked, key=spec.key: self.set_column_visible(key, checked))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Collapse all groups", self.model.collapse_all)
        menu.addAction("Expand all groups", self.model.expand_all)
        return menu

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.columns_menu()
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))
