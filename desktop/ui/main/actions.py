"""The main window's menus, actions and shortcuts, and which of them are enabled.

Every action has a stable objectName (`docs/ui-automation.md`) and is added to the window too, so its
shortcut works with the menu bar hidden. The same actions are the right-click menus of the lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from desktop.ui.editing import UndoAction
from desktop.ui.main.assign_commands import AssignCommands
from desktop.ui.main.breakdown_commands import BreakdownCommands
from desktop.ui.main.view_options import ViewOptions
from desktop.ui.panes.common import named
from desktop.ui.studio import launch as studio_launch

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

TAB_NAMES = (("&Shots", "actionShowShots"), ("&Assets", "actionShowAssets"), ("&My tasks", "actionShowMyTasks"),
             ("&Playlists", "actionShowPlaylists"))


class MainActions:
    """Builds the menus of `window` and keeps its actions as attributes."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        files, edits = window.files, window.edits
        self.refresh_action = self._action("&Refresh", "actionRefresh", "F5")
        self.refresh_action.triggered.connect(window.refresh)
        self.security_action = self._action("Account &security…", "actionAccountSecurity")
        self.security_action.triggered.connect(window.account_security_requested)
        self.sign_out_action = self._action("Sign &out", "actionSignOut")
        self.sign_out_action.triggered.connect(window.sign_out_clicked)
        self.forget_action = self._action("Sign out and &forget this computer", "actionSignOutForget")
        self.forget_action.setToolTip("Sign out and remove what Slate cached for you on this computer")
        self.forget_action.triggered.connect(window.offline.forget_clicked)
        self.clear_cache_action = self._action("C&lear cache", "actionClearCache")
        self.clear_cache_action.setToolTip("Remove the cached lists, details and pictures (read again from the server)")
        self.clear_cache_action.triggered.connect(window.offline.clear_clicked)
        self.close_action = self._action("&Close window", "actionCloseWindow", "Ctrl+W")
        self.studio_action = self._action("S&tudio settings…", "actionStudioSettings")
        self.studio_action.triggered.connect(lambda: studio_launch.open_studio_window(window))
        self.subscribe_action = self._action("Su&bscribe to / unsubscribe from the task", "actionToggleSubscription")
        self.subscribe_action.triggered.connect(lambda: studio_launch.toggle_task_subscription(window))
        self.close_action.triggered.connect(window.close)
        self.export_shots_action = self._action("Export &shots CSV…", "actionExportShotsCsv")
        self.export_shots_action.triggered.connect(lambda: files.export_project_csv("shots"))
        self.export_assets_action = self._action("Export &assets CSV…", "actionExportAssetsCsv")
        self.export_assets_action.triggered.connect(lambda: files.export_project_csv("assets"))
        self.export_casting_action = self._action("Export &casting CSV…", "actionExportCastingCsv")
        self.export_casting_action.triggered.connect(lambda: files.export_project_csv("casting"))
        self.export_view_action = self._action("Export current &view…", "actionExportCurrentView")
        self.export_view_action.triggered.connect(lambda: files.export_current_view())
        self.import_csv_action = self._action("&Import CSV…", "actionImportCsv")
        self.import_csv_action.triggered.connect(files.import_csv)
        self.download_previews_action = self._action("&Download previews of selected",
                                                     "actionDownloadSelectedPreviews")
        self.download_previews_action.triggered.connect(lambda: files.download_selected_previews())
        self.download_attachments_action = self._action("Download a&ttachments of the selected task",
                                                        "actionDownloadTaskAttachments")
        self.download_attachments_action.triggered.connect(files.download_task_attachments)

        self.undo_action = UndoAction(window.browse.editor, window)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(self.undo_action)
        self.undo_action.undone.connect(edits.after_undo)
        self.undo_action.failed.connect(lambda message, _exc: window.parts.show_error(message))
        self.new_asset_action = self._action("New &asset…", "actionNewAsset")
        self.new_asset_action.triggered.connect(edits.new_asset)
        self.new_shot_action = self._action("New &shot…", "actionNewShot")
        self.new_shot_action.triggered.connect(edits.new_shot)
        self.edit_action = self._action("&Edit selected…", "actionEditSelected")
        self.edit_action.triggered.connect(edits.edit_selected)
        self.delete_action = self._action("&Delete selected…", "actionDeleteSelected")
        self.delete_action.triggered.connect(edits.delete_selected)
        self.bulk_edit_action = self._action("&Bulk edit…", "actionBulkEdit")
        self.bulk_edit_action.triggered.connect(edits.bulk_edit_selected)
        self.status_action = self._action("Change s&tatus…", "actionChangeStatus")
        self.status_action.triggered.connect(edits.change_status)
        self.publish_action = self._action("&Publish…", "actionPublish", "Ctrl+Shift+P")
        self.publish_action.triggered.connect(window.publishing.publish)
        self.where_to_save_action = self._action("&Where do I save?…", "actionWhereToSave")
        self.where_to_save_action.triggered.connect(lambda: _where_to_save(window))
        self.casting_action = self._action("&Casting…", "actionCasting")
        self.casting_action.triggered.connect(edits.edit_casting)
        self.assign = AssignCommands(window.parts, edits)
        self.assign_task_action = self._action("Assign people to the &task…", "actionAssignTask")
        self.assign_task_action.triggered.connect(self.assign.assign_task)
        self.assign_selected_action = self._action("Assign or unassign selected…", "actionAssignSelected")
        self.assign_selected_action.triggered.connect(self.assign.assign_selected)
        self.breakdown = BreakdownCommands(window.parts, edits)
        self.breakdown_action = self._action("&Breakdown of selected shots…", "actionBreakdown")
        self.breakdown_action.triggered.connect(self.breakdown.open_breakdown)
        self.add_to_playlist_action = self._action("Add selected to the open &playlist", "actionAddToPlaylist")
        self.add_to_playlist_action.triggered.connect(lambda: window.review.add_selection_to_playlist())

        self.filter_action = self._action("&Filter", "actionFocusFilter", "Ctrl+F")
        self.filter_action.triggered.connect(window.focus_filter)
        self.tab_actions: list[QAction] = []
        for i, (text, name) in enumerate(TAB_NAMES):
            action = self._action(text, name, f"Ctrl+{i + 1}")
            action.triggered.connect(lambda _checked=False, tab=i: window.show_tab(tab))
            self.tab_actions.append(action)
        self.downloads_action = window.downloads.toggleViewAction()
        self.downloads_action.setText("&Downloads")
        self.downloads_action.setObjectName("actionShowDownloads")
        self.downloads_action.setShortcut(QKeySequence("Ctrl+J"))
        self.downloads_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(self.downloads_action)
        self._build_menus()
        self._build_context_menus()

    def _action(self, text: str, name: str, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self.w)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.w.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_menus(self) -> None:
        w = self.w
        bar = named(w.menuBar(), "mainMenuBar", "Menu bar")
        file_menu = named(bar.addMenu("&File"), "fileMenu", "File")
        file_menu.addAction(self.refresh_action)
        file_menu.addSeparator()
        for action in (self.export_shots_action, self.export_assets_action, self.export_casting_action,
                       self.export_view_action, self.import_csv_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.download_previews_action)
        file_menu.addAction(self.download_attachments_action)
        file_menu.addSeparator()
        file_menu.addAction(self.studio_action)
        file_menu.addAction(self.clear_cache_action)
        file_menu.addAction(self.security_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addAction(self.forget_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)

        self.edit_menu: QMenu = named(bar.addMenu("&Edit"), "editMenu", "Edit")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addSeparator()
        for action in (self.new_asset_action, self.new_shot_action):
            self.edit_menu.addAction(action)
        self.edit_menu.addSeparator()
        for action in (self.edit_action, self.delete_action, self.bulk_edit_action, self.status_action,
                       self.publish_action, self.where_to_save_action, self.casting_action, self.breakdown_action,
                       self.assign_task_action, self.assign_selected_action, self.add_to_playlist_action):
            self.edit_menu.addAction(action)
        self.edit_menu.aboutToShow.connect(self.update)

        view_menu = named(bar.addMenu("&View"), "viewMenu", "View")
        view_menu.addAction(self.filter_action)
        view_menu.addSeparator()
        for action in self.tab_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        self.shots_columns_action = view_menu.addAction("Shot &columns…")
        self.shots_columns_action.setObjectName("actionShotColumns")
        self.shots_columns_action.triggered.connect(
            lambda: w.shots_pane.columns_menu().popup(w.mapToGlobal(w.rect().center())))
        self.assets_columns_action = view_menu.addAction("Asset c&olumns…")
        self.assets_columns_action.setObjectName("actionAssetColumns")
        self.assets_columns_action.triggered.connect(
            lambda: w.assets_pane.columns_menu().popup(w.mapToGlobal(w.rect().center())))
        view_menu.addSeparator()
        view_menu.addAction(self.downloads_action)
        self.view_options = ViewOptions(w, view_menu)  # density, theme

    def _build_context_menus(self) -> None:
        w = self.w
        for pane in (w.shots_pane, w.assets_pane):
            # Right-click on the rows: the same commands as the menus, acting on the selection.
            pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            for action in (self.download_previews_action, self.edit_action, self.delete_action,
                           self.bulk_edit_action, self.add_to_playlist_action):
                pane.table.addAction(action)
            if pane is w.shots_pane:
                pane.table.addAction(self.casting_action)
                pane.table.addAction(self.breakdown_action)
            pane.table.addAction(self.assign_selected_action)
        # Right-click in the detail pane: status of the selected task, attachments of its comments.
        w.detail.tasks.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        w.detail.tasks.addAction(self.status_action)
        w.detail.tasks.addAction(self.publish_action)
        w.detail.tasks.addAction(self.where_to_save_action)
        w.detail.tasks.addAction(self.assign_task_action)
        w.my_tasks_pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        w.my_tasks_pane.table.addAction(self.publish_action)
        w.detail.tasks.addAction(self.download_attachments_action)
        w.detail.tasks.addAction(self.subscribe_action)
        w.detail.comments.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        w.detail.comments.addAction(self.download_attachments_action)

    def update(self, *args: Any) -> None:
        """Enable what the signed-in user may do here and now."""
        del args
        w = self.w
        caps = w.browse.capabilities()
        has_project = caps is not None and w.browse.context is not None
        manager = has_project and caps is not None and caps.is_manager
        editor = has_project and caps is not None and caps.can_edit_entity()
        pane = w.parts.current_entity_pane()
        for action in (self.new_asset_action, self.new_shot_action, self.delete_action, self.bulk_edit_action,
                       self.import_csv_action):
            action.setEnabled(manager)
        self.casting_action.setEnabled(manager and (pane is None or pane.kind == "shot"))
        self.breakdown_action.setEnabled(manager and pane is not None and pane.kind == "shot")
        self.edit_action.setEnabled(editor and pane is not None)
        self.status_action.setEnabled(has_project and w.detail.selected_task_id() is not None)
        self.publish_action.setEnabled(w.browse.context is not None and (
            w.detail.selected_task_id() is not None or w.tabs.currentWidget() is w.my_tasks_pane))
        self.where_to_save_action.setEnabled(self.publish_action.isEnabled())  # the same task, asked about
        self.assign_task_action.setEnabled(has_project and w.detail.selected_task_id() is not None)
        self.assign_selected_action.setEnabled(has_project and pane is not None)
        for action in (self.export_shots_action, self.export_assets_action, self.export_casting_action):
            action.setEnabled(has_project)
        self.export_view_action.setEnabled(pane is not None or w.tabs.currentWidget() is w.my_tasks_pane)
        self.download_previews_action.setEnabled(pane is not None)
        self.add_to_playlist_action.setEnabled(pane is not None and w.playlists_pane.detail is not None)
        self.download_attachments_action.setEnabled(w.detail.selected_task_id() is not None)
        self.subscribe_action.setEnabled(w.detail.selected_task_id() is not None)
        self.studio_action.setEnabled(studio_launch.may_open_studio(w))
        self.edit_menu.setEnabled(has_project)
        w.offline.restrict(self)  # offline: writes disabled, with the reason


def _where_to_save(window: MainWindow) -> None:
    from desktop.ui.files.where_to_save import open_where_to_save  # its dialog is built at first use

    open_where_to_save(window)
