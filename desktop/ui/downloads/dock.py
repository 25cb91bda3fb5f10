"""The Downloads dock: the queue with per-file and total progress, and the commands on it.

The lead wires it into the main window and the context menus:

    dock = DownloadsDock(session, settings, main_window)
    main_window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.enqueue(sources.attachment_source(record), project_id=pid)
    await dock.enqueue_entity_previews([shot_id], project_id=pid)
    ...
    dock.resume_after_sign_in()  # after a re-sign-in: what the expired session paused goes on
    await dock.shutdown()  # before the session closes: unfinished transfers resume next run

Settings (all under `downloads/`): `parallel` (int, 3), `conflict_policy` ("rename" | "ask"),
`folder/<project id>` (the folder last used for a project), `last_folder`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import platformdirs
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.api.downloads import (
    ConflictChoice,
    ConflictPolicy,
    DownloadItem,
    DownloadManager,
    DownloadSource,
    Status,
    default_state_file,
    format_size,
)
from desktop.api.downloads import sources as ds
from desktop.api.session import ZouSession
from desktop.settings import Settings
from desktop.ui.downloads.model import (
    PROGRESS_ROLE,
    Column,
    DownloadsModel,
    format_duration,
    format_speed,
)
from desktop.ui.widgets import named

MAX_PARALLEL = 8  # the settings' downloads_parallel is clamped to 1..MAX_PARALLEL


class ProgressDelegate(QStyledItemDelegate):
    """Draws the Progress column as a progress bar (PROGRESS_ROLE: 0..1000, -1 unknown)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
              ) -> None:
        value = index.data(PROGRESS_ROLE)
        if not isinstance(value, int):
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        rect = QRect(option.rect)
        bar.rect = rect.adjusted(2, 2, -2, -2)
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = max(value, 0)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class DownloadsDock(QDockWidget):
    def __init__(self, session: ZouSession, settings: Settings, parent: QWidget | None = None, *,
                 state_file: Path | None = None, manager: DownloadManager | None = None,
                 autostart: bool = True) -> None:
        super().__init__("Downloads", parent)
        named(self, "downloadsDock", "Downloads")
        self.session = session
        self.settings = settings
        parallel = self._saved_parallel()
        policy = settings.downloads_policy
        if policy not in {p.value for p in ConflictPolicy}:
            policy = ConflictPolicy.RENAME.value
        self.manager = manager or DownloadManager(
            session, state_file=state_file or default_state_file(), parallel=parallel,
            conflict_policy=ConflictPolicy(policy))
        self.model = DownloadsModel(self.manager, self)
        # Injectable for tests; opens the system file manager.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self._build(parallel, ConflictPolicy(policy))
        self.model.refreshed.connect(self._refresh)
        self.model.rowsInserted.connect(self._refresh)
        self.model.rowsRemoved.connect(self._refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._refresh()
        if autostart:
            self.manager.start()

    # ---------------------------------------------------------------- layout
    def _build(self, parallel: int, policy: ConflictPolicy) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)

        bar = QHBoxLayout()
        self.pause_button = named(QPushButton("Pause"), "downloadsPause", "Pause the selected downloads")
        self.resume_button = named(QPushButton("Resume"), "downloadsResume", "Resume the selected downloads")
        self.cancel_button = named(QPushButton("Cancel"), "downloadsCancel",
                                   "Cancel the selected downloads and delete their partial files")
        self.retry_button = named(QPushButton("Retry"), "downloadsRetry", "Retry the selected downloads")
        self.show_button = named(QPushButton("Show in folder"), "downloadsShowInFolder",
                                 "Open the folder of the selected download")
        self.clear_button = named(QPushButton("Clear finished"), "downloadsClearFinished",
                                  "Remove finished downloads from the list")
        for button, slot in ((self.pause_button, self.pause_selected), (self.resume_button, self.resume_selected),
                             (self.cancel_button, self.cancel_selected), (self.retry_button, self.retry_selected),
                             (self.show_button, self.show_selected_in_folder),
                             (self.clear_button, self.manager.clear_finished)):
            button.clicked.connect(slot)
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(QLabel("Parallel:"))
        self.parallel_spin = named(QSpinBox(), "downloadsParallel", "Parallel downloads")
        self.parallel_spin.setRange(1, MAX_PARALLEL)
        self.parallel_spin.setValue(parallel)
        self.parallel_spin.valueChanged.connect(self.set_parallel)
        bar.addWidget(self.parallel_spin)
        bar.addWidget(QLabel("If the file exists:"))
        self.policy_combo = named(QComboBox(), "downloadsConflictPolicy", "When the file already exists")
        self.policy_combo.addItem("Keep both", ConflictPolicy.RENAME.value)
        self.policy_combo.addItem("Ask", ConflictPolicy.ASK.value)
        self.policy_combo.setCurrentIndex(self.policy_combo.findData(policy.value))
        self.policy_combo.currentIndexChanged.connect(self._policy_changed)
        bar.addWidget(self.policy_combo)
        layout.addLayout(bar)

        self.table = named(QTableView(), "downloadsTable", "Downloads")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(Column.PROGRESS, 120)
        header.resizeSection(Column.SIZE, 150)
        header.resizeSection(Column.STATUS, 100)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _index: self.show_selected_in_folder())
        layout.addWidget(self.table, 1)

        footer = QHBoxLayout()
        self.total_bar = named(QProgressBar(), "downloadsTotalProgress", "Total download progress")
        self.total_bar.setRange(0, 1000)
        self.total_bar.setTextVisible(True)
        self.summary = named(QLabel(""), "downloadsSummary", "Download summary")
        footer.addWidget(self.total_bar, 1)
        footer.addWidget(self.summary)
        layout.addLayout(footer)
        self.setWidget(body)

    def _saved_parallel(self) -> int:
        return max(1, min(MAX_PARALLEL, self.settings.downloads_parallel))

    # ---------------------------------------------------------------- folders
    def project_folder(self, project_id: str = "") -> Path:
        """The folder remembered for this project, else the last one used, else ~/Downloads/Slate."""
        for value in (self.settings.downloads_folder[project_id or "_none"], self.settings.downloads_last_folder):
            if value:
                return Path(value)
        return Path(platformdirs.user_downloads_dir()) / "Slate"

    def set_project_folder(self, project_id: str, folder: Path | str) -> None:
        text = os.path.abspath(os.fspath(folder))
        self.settings.downloads_folder[project_id or "_none"] = text
        self.settings.downloads_last_folder = text

    def choose_folder(self, project_id: str = "") -> Path | None:
        """Ask for a folder (starting at the project's), remember it for the project."""
        chosen = QFileDialog.getExistingDirectory(self, "Download to", str(self.project_folder(project_id)))
        if not chosen:
            return None
        self.set_project_folder(project_id, chosen)
        return Path(chosen)

    # ---------------------------------------------------------------- enqueue (the lead's entry points)
    def enqueue(self, sources: DownloadSource | Iterable[DownloadSource], *, project_id: str | None = None,
                folder: Path | str | None = None) -> list[DownloadItem]:
        """Queue downloads into `folder` (remembered for the project) or the project's folder."""
        items = [sources] if isinstance(sources, DownloadSource) else list(sources)
        if not items:
            return []
        pid = project_id if project_id is not None else items[0].project_id
        if folder is not None:
            self.set_project_folder(pid, folder)
            target = Path(folder)
        else:
            target = self.project_folder(pid)
        added = self.manager.enqueue(items, target)
        self.show()
        self.raise_()
        return added

    async def enqueue_entity_previews(self, entity_ids: Sequence[str], *, project_id: str | None = None,
                                      variant: ds.PreviewVariant | str = ds.PreviewVariant.ORIGINAL,
                                      latest_only: bool = False, folder: Path | str | None = None
                                      ) -> list[DownloadItem]:
        sources = await ds.entity_preview_sources(self.session, entity_ids, variant=variant,
                                                  latest_only=latest_only)
        return self.enqueue(sources, project_id=project_id, folder=folder)

    async def enqueue_playlist(self, playlist_id: str, *, project_id: str | None = None,
                               variant: ds.PreviewVariant | str = ds.PreviewVariant.ORIGINAL,
                               folder: Path | str | None = None) -> list[DownloadItem]:
        sources = await ds.playlist_preview_sources(self.session, playlist_id, variant=variant)
        return self.enqueue(sources, project_id=project_id, folder=folder)

    async def enqueue_task_comments(self, task_id: str, *, previews: bool = True, attachments: bool = True,
                                    project_id: str | None = None,
                                    variant: ds.PreviewVariant | str = ds.PreviewVariant.ORIGINAL,
                                    folder: Path | str | None = None) -> list[DownloadItem]:
        sources = await ds.task_comment_sources(self.session, task_id, previews=previews,
                                                attachments=attachments, variant=variant)
        return self.enqueue(sources, project_id=project_id, folder=folder)

    async def enqueue_working_files(self, working_file_ids: Sequence[str], *, project_id: str | None = None,
                                    folder: Path | str | None = None) -> list[DownloadItem]:
        sources = await ds.working_file_sources(self.session, working_file_ids)
        return self.enqueue(sources, project_id=project_id, folder=folder)

    def resume_after_sign_in(self) -> None:
        """Resume the downloads the end of the session paused (those the user paused stay paused).
        The main window calls it once the user has signed in again."""
        self.manager.resume_after_sign_in()
        self.model.flush()

    async def shutdown(self) -> None:
        """Stop transfers so they resume on the next run, and save the queue."""
        self.model.detach()
        await self.manager.shutdown()

    # ---------------------------------------------------------------- commands
    def selected_items(self) -> list[DownloadItem]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [item for row in rows if (item := self.model.item_at(row)) is not None]

    def _each(self, command: Callable[[str], None], allowed: Callable[[DownloadItem], bool]) -> None:
        for item in self.selected_items():
            if allowed(item):
                command(item.id)
        self.model.flush()

    def pause_selected(self) -> None:
        self._each(self.manager.pause, lambda i: i.can_pause)

    def resume_selected(self) -> None:
        self._each(self.manager.resume, lambda i: i.can_resume)

    def cancel_selected(self) -> None:
        self._each(self.manager.cancel, lambda i: i.can_cancel)

    def retry_selected(self) -> None:
        self._each(self.manager.retry, lambda i: i.can_retry)

    def resolve_selected(self, choice: ConflictChoice) -> None:
        self._each(lambda item_id: self.manager.resolve_conflict(item_id, choice),
                   lambda i: i.status is Status.CONFLICT)

    def show_selected_in_folder(self) -> None:
        items = self.selected_items()
        if not items:
            return
        item = items[0]
        target = item.target
        folder = target.parent if target is not None and target.exists() else Path(item.folder)
        if folder.is_dir():
            self.open_url(QUrl.fromLocalFile(str(folder)))

    def set_parallel(self, n: int) -> None:
        n = max(1, min(MAX_PARALLEL, int(n)))
        self.settings.downloads_parallel = n
        self.manager.set_parallel(n)
        if self.parallel_spin.value() != n:
            self.parallel_spin.setValue(n)

    def _policy_changed(self, _index: int) -> None:
        policy = ConflictPolicy(str(self.policy_combo.currentData()))
        self.settings.downloads_policy = policy.value
        self.manager.set_conflict_policy(policy)

    def _context_menu(self, pos: QPoint) -> None:
        if not self.selected_items():
            return
        menu = self._menu()
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("downloadsMenu")
        items = self.selected_items()

        def add(text: str, name: str, slot: Callable[[], None], enabled: bool) -> QAction:
            action = menu.addAction(text)
            action.setObjectName(name)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            return action

        if any(i.status is Status.CONFLICT for i in items):
            add("Keep both", "downloadsKeepBoth", lambda: self.resolve_selected(ConflictChoice.KEEP_BOTH), True)
            add("Replace the existing file", "downloadsReplace",
                lambda: self.resolve_selected(ConflictChoice.OVERWRITE), True)
            add("Skip", "downloadsSkip", lambda: self.resolve_selected(ConflictChoice.SKIP), True)
            menu.addSeparator()
        add("Pause", "downloadsMenuPause", self.pause_selected, any(i.can_pause for i in items))
        add("Resume", "downloadsMenuResume", self.resume_selected, any(i.can_resume for i in items))
        add("Retry", "downloadsMenuRetry", self.retry_selected, any(i.can_retry for i in items))
        add("Cancel", "downloadsMenuCancel", self.cancel_selected, any(i.can_cancel for i in items))
        menu.addSeparator()
        add("Show in folder", "downloadsMenuShow", self.show_selected_in_folder, True)
        return menu

    # ---------------------------------------------------------------- footer and buttons
    def _refresh(self, *_args: object) -> None:
        totals = self.manager.totals()
        fraction = totals.fraction
        self.total_bar.setValue(0 if fraction is None else round(fraction * 1000))
        if totals.total:
            more = f" + {totals.unknown} more" if totals.unknown else ""
            self.total_bar.setFormat(f"{format_size(totals.received)} of {format_size(totals.total)}{more}")
        else:
            self.total_bar.setFormat(format_size(totals.received) if totals.received else "")
        items = self.manager.items
        active = sum(1 for i in items if i.status is Status.ACTIVE)
        queued = sum(1 for i in items if i.status is Status.QUEUED)
        failed = sum(1 for i in items if i.status is Status.FAILED)
        parts = []
        if active or queued:
            parts.append(f"{active} downloading, {queued} queued")
        if totals.speed > 0:
            parts.append(format_speed(totals.speed))
            if totals.eta is not None:
                parts.append(f"{format_duration(totals.eta)} left")
        if failed:
            parts.append(f"{failed} failed")
        self.summary.setText(" · ".join(parts) if parts else ("Done" if items else "No downloads"))
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        items = self.selected_items()
        self.pause_button.setEnabled(any(i.can_pause for i in items))
        self.resume_button.setEnabled(any(i.can_resume for i in items))
        self.cancel_button.setEnabled(any(i.can_cancel for i in items))
        self.retry_button.setEnabled(any(i.can_retry for i in items))
        self.show_button.setEnabled(bool(items))
        self.clear_button.setEnabled(any(i.status.finished for i in self.manager.items))


__all__ = ["DownloadsDock", "ProgressDelegate"]
