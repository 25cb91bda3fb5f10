"""The main window's status bar: what is loading, the event stream's state, the inbox, server and user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QSystemTrayIcon

from desktop.api import Person, ServerInfo
from desktop.ui.browse_session import BrowseSession
from desktop.ui.notifications import NotificationsButton
from desktop.ui.widgets import named

if TYPE_CHECKING:  # python-socketio is loaded only when live updates start
    from desktop.api.events import StreamStatus

STATE_TEXT = {"live": "● Live", "connecting": "○ Connecting…", "reconnecting": "◌ Reconnecting…",
              "offline": "○ Offline"}


class MainStatusBar:
    def __init__(self, window: QMainWindow, browse: BrowseSession, user: Person, server: ServerInfo) -> None:
        status = named(window.statusBar(), "mainStatusBar", "Status bar")
        host = server.site_url.split("://", 1)[-1]
        self.server_label = named(QLabel(f"{host} · Zou {server.version}"), "statusServer", "Server")
        self.user_label = named(QLabel(user.full_name or user.email), "statusUser", "Signed-in user")
        self.loading_label = named(QLabel(), "statusLoading", "What is loading")
        self.inbox = NotificationsButton(browse)
        if QSystemTrayIcon.isSystemTrayAvailable():  # desktop notifications for mentions and assignments
            self.inbox.tray = QSystemTrayIcon(window.windowIcon(), window)
            self.inbox.tray.show()
        self.live_label = named(QLabel(), "statusLive", "Live updates")
        self.live_label.hide()  # shown once live updates start
        self.progress = named(QProgressBar(), "statusProgress", "Loading progress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        status.addWidget(self.loading_label, 1)
        for widget in (self.progress, self.live_label, self.inbox, self.server_label, self.user_label):
            status.addPermanentWidget(widget)

    def show_progress(self, text: str, busy: bool) -> None:
        """`text` "" leaves the last message (an error stays until something else is said)."""
        if text:
            self.loading_label.setText(text)
        self.progress.setVisible(busy)

    def show_live_status(self, status: StreamStatus) -> None:
        last = status.last_event_at.astimezone().strftime("%H:%M") if status.last_event_at else ""
        text = STATE_TEXT.get(str(status.state), str(status.state))
        self.live_label.show()
        self.live_label.setText(f"{text} · last event {last}" if last else text)
        error = f" ({status.error})" if status.error else ""
        self.live_label.setToolTip(f"Zou's event stream: {status.state}{error}")
