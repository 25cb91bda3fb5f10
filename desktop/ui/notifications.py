"""The inbox: a bell with the unread count in the status bar; its menu lists the newest notifications.

Read from `/data/user/notifications` (`desktop.api.notifications`) when the window opens, and again when Zou's
event stream says a notification arrived for this user (`notification:new`): no polling. Choosing an entry
marks it read and shows its task's shot or asset when it is in the open lists; "Mark all as read" does what
it says. Mentions and assignments also show as a desktop notification through the system tray (when the
desktop has one, and unless switched off in the settings: `notifications/desktop`).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QToolButton, QWidget

from desktop.api import errors as E
from desktop.api.cache.reads import is_unreachable
from desktop.api.notifications import Notification, NotificationsClient
from desktop.asyncqt import TaskRunner
from desktop.ui.browse_session import BrowseSession
from desktop.ui.theme import tinted_icon
from desktop.ui.widgets import named

log = logging.getLogger(__name__)

SHOWN = 20  # entries in the menu, newest first
KIND_TEXT = {"comment": "commented", "mention": "mentioned you", "reply-mention": "mentioned you in a reply",
             "reply": "replied", "assignation": "assigned you", "playlist-ready": "a playlist is ready"}


def entry_text(n: Notification, who: str) -> str:
    what = KIND_TEXT.get(n.notification_type, n.notification_type)
    text = f"{'● ' if not n.read else ''}{who} {what}: {n.full_entity_name or n.project_name}"
    body = (n.reply_text or n.comment_text).strip().replace("\n", " ")
    return f"{text} — {body[:60]}{'…' if len(body) > 60 else ''}" if body else text

OFFLINE_TIP = "Offline: notifications are read again when the server answers"
# An icon, not the emoji: without an emoji font (most Linux desktops, every Xvfb) 🔔 draws as an empty box.
BELL_ICON = "icons/bell.svg"


class NotificationsButton(QToolButton):
    task_requested = Signal(str)  # task id: an entry was chosen
    changed = Signal(int)  # unread count, after each read of the inbox

    def __init__(self, browse: BrowseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "notificationsButton", "Notifications")
        self.browse = browse
        self.api = NotificationsClient(browse.session)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.entries: list[Notification] = []
        self.unread = 0
        self.tray: QSystemTrayIcon | None = None
        self._announced: set[str] = set()
        self.offline = False  # the server does not answer (`set_offline`): the inbox is not cached
        self.setAutoRaise(True)
        self._tint_bell()
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = named(QMenu(self), "notificationsMenu", "Notifications")
        self.setMenu(self.menu_)
        self._show_count()

    # ------------------------------------------------------------ reading
    def reload(self, *, announce: bool = False) -> None:
        self.runner.run(self.load(announce=announce), key="load")

    async def load(self, *, announce: bool = False) -> None:
        self.entries = (await self.api.list())[:SHOWN]
        self.unread = await self.api.unread_count()
        self._show_count()
        self._build_menu()
        if announce:
            self._announce()
        else:
            self._announced |= {n.id for n in self.entries}
        self.changed.emit(self.unread)

    def set_offline(self, offline: bool) -> None:
        """The server stopped answering (or answers again): say so; read the inbox again once back."""
        was, self.offline = self.offline, offline
        if offline:
            self.setToolTip(OFFLINE_TIP)
            self._build_menu()
        elif was:
            self.reload()

    def _failed(self, key: str, exc: object) -> None:
        del key
        if isinstance(exc, BaseException) and is_unreachable(exc):
            self.setToolTip(OFFLINE_TIP)  # not an error of the inbox: the last count stays
            return
        if isinstance(exc, E.ZouError):
            self.setToolTip(f"Notifications could not be read: {exc}")
            return
        log.warning("notifications: %s", exc)

    # ------------------------------------------------------------ showing
    def _tint_bell(self) -> None:
        self.setIcon(tinted_icon(BELL_ICON, self.palette().color(QPalette.ColorRole.ButtonText)))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed: the bell follows the text colour
            self._tint_bell()

    def _show_count(self) -> None:
        self.setText(str(self.unread) if self.unread else "")
        # The count beside the bell; the bell alone when there is none (an empty text would leave a gap).
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if self.unread
                                else Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.setToolTip(f"{self.unread} unread notification{'s' if self.unread != 1 else ''}")

    def _who(self, n: Notification) -> str:
        person = self.browse.lookups.persons.get(n.author_id or "")
        return (person.full_name or person.email) if person is not None else "Someone"

    def _build_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        mark_all = QAction("Mark all as read", menu)
        mark_all.setObjectName("actionMarkAllRead")
        mark_all.setEnabled(self.unread > 0 and not self.offline)  # a write: refused offline, saying why
        if self.offline:
            mark_all.setToolTip(OFFLINE_TIP)
        mark_all.triggered.connect(lambda: self.runner.run(self.mark_all_read(), key="mark"))
        menu.addAction(mark_all)
        menu.addSeparator()
        if not self.entries:
            empty = menu.addAction("No notifications")
            empty.setEnabled(False)
        for n in self.entries:
            action = QAction(entry_text(n, self._who(n)), menu)
            action.setObjectName(f"notification:{n.id}")
            action.triggered.connect(lambda _checked=False, n=n: self.runner.run(self.choose(n), key="mark"))
            menu.addAction(action)

    def _announce(self) -> None:
        """A desktop notification for new mentions and assignments (once each)."""
        fresh = [n for n in self.entries if n.id not in self._announced and not n.read]
        self._announced |= {n.id for n in self.entries}
        if self.tray is None or not self.browse.settings.desktop_notifications:
            return
        for n in fresh:
            if n.is_mention or n.is_assignment:
                self.tray.showMessage("Slate", entry_text(n, self._who(n)).removeprefix("● "),
                                      QSystemTrayIcon.MessageIcon.Information, 8000)

    # ------------------------------------------------------------ acting
    async def choose(self, n: Notification) -> None:
        if not n.read:
            await self.api.mark_read(n.id)
        if n.task_id:
            self.task_requested.emit(n.task_id)
        await self.load()

    async def mark_all_read(self) -> None:
        await self.api.mark_all_read()
        await self.load()

    def on_event(self, event: Any) -> None:
        """Zou's stream said a notification arrived (or was read elsewhere): read the inbox again."""
        self.reload(announce=getattr(event, "action", "") == "new")
