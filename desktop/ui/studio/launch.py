"""What the main window's menus call: open the studio settings window, and subscribe to (or
unsubscribe from) the task selected in the detail. Kept here so the main window only wires actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6

from desktop.api import errors as E
from desktop.ui.widgets import error_text

# The studio window and the studio API (its families' declarations) load when first used, not with the
# main window's menus (cold start, issue 16).
if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.studio.window import StudioWindow

STUDIO_ROLES = ("admin", "manager")


def may_open_studio(window: MainWindow) -> bool:
    return window.user.role in STUDIO_ROLES


def open_studio_window(window: MainWindow) -> StudioWindow:
    """Show the studio settings window (one per main window; raised when already open)."""
    from desktop.api.studio import StudioData
    from desktop.ui.studio.common import names_from_context
    from desktop.ui.studio.window import StudioWindow

    existing = window.findChild(StudioWindow, "studioWindow")
    if existing is not None and shiboken6.isValid(existing):
        existing.show()
        existing.raise_()
        existing.activateWindow()
        return existing
    detail = window.detail
    entities = {detail.entity_id: detail.title.text()} if detail.entity_id else {}
    studio = StudioWindow(StudioData(window.session, window.client.reads), names_from_context(window.browse.context),
                          entities=entities, task_id=detail.selected_task_id() or "", parent=window)
    studio.show()
    return studio


def toggle_task_subscription(window: MainWindow) -> None:
    """Subscribe to the selected task's comments, or unsubscribe when already subscribed."""
    task_id = window.detail.selected_task_id()
    if task_id:
        window.runner.run(_toggle(window, task_id), key="subscription")


async def _toggle(window: MainWindow, task_id: str) -> None:
    from desktop.api.studio import TaskSubscriptions

    subscriptions = TaskSubscriptions(window.session)
    try:
        if await subscriptions.is_subscribed(task_id):
            await subscriptions.unsubscribe(task_id)
            text = "Unsubscribed: you will no longer be notified of this task's comments."
        else:
            await subscriptions.subscribe(task_id)
            text = "Subscribed: you will be notified of this task's comments."
    except E.ZouError as exc:
        window.parts.show_error(error_text(exc))
        return
    window.statusBar().showMessage(text, 8000)
