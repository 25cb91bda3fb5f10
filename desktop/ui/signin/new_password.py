"""Choose a new password when the account still has Zou's default one (Zou's reset-token flow)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.ui.signin import messages
from desktop.ui.widgets import MessageLabel, named, primary_button

# Zou's MIN_PASSWORD_LENGTH default; the server has the final word and its message is shown if it refuses.
MIN_LENGTH = 8


def password_problem(password: str, confirmation: str) -> str:
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if password == "default":
        return "Choose a password other than the default one."
    if password != confirmation:
        return "The two passwords are different."
    return ""


class NewPasswordForm(QWidget):
    submitted = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "newPasswordPage", "Choose a new password")
        intro = QLabel(messages.DEFAULT_PASSWORD)
        intro.setWordWrap(True)
        self.password = named(QLineEdit(), "newPasswordField", "New password")
        self.confirm = named(QLineEdit(), "newPasswordConfirmField", "Confirm new password")
        for field in (self.password, self.confirm):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.returnPressed.connect(self._submit)
        self.message = named(MessageLabel(), "newPasswordMessage", "New password message")
        self.submit_button = named(primary_button("Set password and sign in"), "setNewPasswordButton",
                                   "Set password and sign in")
        self.submit_button.clicked.connect(self._submit)
        self.back_button = named(QPushButton("Back"), "newPasswordBackButton", "Back to sign-in")
        self.back_button.clicked.connect(self.back_requested)

        form = QFormLayout()
        form.addRow("New password:", self.password)
        form.addRow("Confirm:", self.confirm)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setFocusProxy(self.password)
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset(self) -> None:
        self.password.clear()
        self.confirm.clear()
        self.message.clear_message()

    def _submit(self) -> None:
        problem = password_problem(self.password.text(), self.confirm.text())
        if problem:
            self.message.show_message(problem, "error")
            return
        self.message.clear_message()
        self.submitted.emit(self.password.text())
