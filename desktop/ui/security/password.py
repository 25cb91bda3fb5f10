"""Change the account's password (the current one is asked again: the session alone is not enough)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.api import AccountSecurity
from desktop.api import errors as E
from desktop.asyncqt import TaskRunner
from desktop.ui.signin.new_password import password_problem
from desktop.ui.widgets import MessageLabel, busy_bar, error_text, named, primary_button

log = logging.getLogger(__name__)


class ChangePasswordView(QWidget):
    changed = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "changePasswordView", "Change password")
        self.security: AccountSecurity | None = None
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.busy = busy_bar()
        self.runner.busy_changed.connect(self.busy.setVisible)
        self.current = named(QLineEdit(), "changePasswordCurrent", "Current password")
        self.new = named(QLineEdit(), "changePasswordNew", "New password")
        self.confirm = named(QLineEdit(), "changePasswordConfirm", "Confirm new password")
        for field in (self.current, self.new, self.confirm):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.returnPressed.connect(self._submit)
        self.message = named(MessageLabel(), "changePasswordMessage", "Change password message")
        self.submit_button = named(primary_button("Change password"), "changePasswordButton", "Change password")
        self.submit_button.clicked.connect(self._submit)
        self.cancel_button = named(QPushButton("Cancel"), "changePasswordCancelButton", "Cancel password change")
        self.cancel_button.clicked.connect(self._cancel)

        form = QFormLayout()
        form.addRow("Current password:", self.current)
        form.addRow("New password:", self.new)
        form.addRow("Confirm new password:", self.confirm)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def start(self, security: AccountSecurity) -> None:
        self.security = security
        self._clear()
        self.current.setFocus()

    def _clear(self) -> None:
        for field in (self.current, self.new, self.confirm):
            field.clear()
        self.message.clear_message()

    def _submit(self) -> None:
        if not self.current.text():
            self.message.show_message("Type your current password.", "error")
            return
        problem = password_problem(self.new.text(), self.confirm.text())
        if problem:
            self.message.show_message(problem, "error")
            return
        self.runner.run(self.change(self.current.text(), self.new.text()), key="change")

    async def change(self, current: str, new: str) -> None:
        assert self.security is not None
        await self.security.change_password(current, new)
        log.info("password changed")
        self._clear()
        self.changed.emit()

    def _cancel(self) -> None:
        self.runner.cancel_all()
        self._clear()
        self.cancelled.emit()

    def _failed(self, _key: str, exc: object) -> None:
        if isinstance(exc, BaseException):
            if not isinstance(exc, E.ZouError):
                log.error("password change failed", exc_info=exc)
            self.message.show_message(error_text(exc), "error")
