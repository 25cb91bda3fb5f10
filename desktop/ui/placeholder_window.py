"""A minimal signed-in window, used only while `desktop.ui.main_window` does not exist yet.

It honours the main window's contract (objectName "mainWindow"; signals sign_out_requested,
account_security_requested, session_expired; `resume_after_sign_in()`), so the app shell, the
session-expired sheet and sign-out work end to end before the real window lands.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QMainWindow, QPushButton, QVBoxLayout, QWidget

from desktop import APP_NAME
from desktop.api import Person, ServerInfo, ZouClient, ZouSession
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.settings import Settings
from desktop.ui.resources import app_icon
from desktop.ui.widgets import MessageLabel, error_text, named

log = logging.getLogger(__name__)


class PlaceholderMainWindow(QMainWindow):
    sign_out_requested = Signal()
    account_security_requested = Signal()
    session_expired = Signal()

    def __init__(self, session: ZouSession, client: ZouClient, settings: Settings, user: Person,
                 server: ServerInfo) -> None:
        super().__init__()
        named(self, "mainWindow", f"{APP_NAME} main window")
        self.setWindowTitle(f"{APP_NAME} · {server.site_url}")
        self.setWindowIcon(app_icon())
        self.session, self.client, self.settings, self.user, self.server = session, client, settings, user, server
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)

        who = QLabel(f"Signed in as <b>{user.full_name}</b> ({user.email}) on {server.api_url} "
                     f"(Zou {server.version}).")
        who.setWordWrap(True)
        self.projects = named(QListWidget(), "projectList", "Open projects")
        self.message = named(MessageLabel(), "mainMessage", "Main window message")
        reload_button = named(QPushButton("Reload"), "reloadButton", "Reload projects")
        reload_button.clicked.connect(self.reload)
        security = named(QPushButton("Account security…"), "accountSecurityButton", "Account security")
        security.clicked.connect(self.account_security_requested)
        sign_out = named(QPushButton("Sign out"), "signOutButton", "Sign out")
        sign_out.clicked.connect(self.sign_out_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(reload_button)
        buttons.addStretch(1)
        buttons.addWidget(security)
        buttons.addWidget(sign_out)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(who)
        layout.addWidget(self.projects, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setCentralWidget(central)
        self.resize(720, 480)
        self.reload()

    def reload(self) -> None:
        self.runner.run(self.load_projects(), key="projects")

    async def load_projects(self) -> None:
        projects = await self.client.open_projects()
        self.projects.clear()
        self.projects.addItems([p.name for p in projects])
        self.message.clear_message()

    def resume_after_sign_in(self) -> None:
        self.reload()

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, E.SessionExpired):
            self.session_expired.emit()
        elif isinstance(exc, BaseException):
            self.message.show_message(error_text(exc), "error")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.cancel_all()
        super().closeEvent(event)
