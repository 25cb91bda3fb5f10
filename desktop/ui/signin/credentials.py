"""Email, password and "Keep me signed in": the first sign-in step."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets import MessageLabel, named, primary_button

KEEP_TIP = "Store the session in the system keyring so the next start skips this window"


class CredentialsForm(QWidget):
    submitted = Signal()

    def __init__(self, parent: QWidget | None = None, *, header: QWidget | None = None, locked_email: str = "",
                 show_keep_signed_in: bool = True, keep_signed_in: bool = True,
                 keep_unavailable: str = "") -> None:
        super().__init__(parent)
        named(self, "credentialsPage", "Email and password")
        self.email = named(QLineEdit(), "emailField", "Email")
        self.email.setPlaceholderText("you@studio.com")
        self.email.setText(locked_email)
        self.email.setReadOnly(bool(locked_email))
        self.password = named(QLineEdit(), "passwordField", "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.keep = named(QCheckBox("Keep me signed in"), "keepSignedInCheck", "Keep me signed in", KEEP_TIP)
        self.keep.setChecked(keep_signed_in)
        self.keep.setVisible(show_keep_signed_in)
        self.keep_available = True
        # Why the option is greyed out (no keyring that survives a restart); hidden when it is available.
        self.keep_note = named(MessageLabel(), "keepSignedInNote", "Why Keep me signed in is unavailable")
        self.keep_note.setVisible(False)
        if keep_unavailable and show_keep_signed_in:
            self.set_keep_unavailable(keep_unavailable)
        # Plain http to another computer: the password and codes would cross the network unencrypted.
        self.plain_http = named(QCheckBox("Send my password and codes unencrypted anyway"), "plainHttpCheck",
                                "Send the password unencrypted",
                                "This server address uses http://, not https://: anyone on the network "
                                "between you and the server can read what you send")
        self.plain_http.setVisible(False)
        self.message = named(MessageLabel(), "signInMessage", "Sign-in message")
        self.sign_in_button = named(primary_button("Sign in"), "signInButton", "Sign in")
        self.sign_in_button.setDefault(True)

        self.email.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submitted)
        self.sign_in_button.clicked.connect(self.submitted)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        if header is not None:
            form.addRow("Server", header)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        row = QHBoxLayout()
        row.addWidget(self.keep)
        row.addStretch(1)
        row.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.keep_note)
        layout.addWidget(self.plain_http)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def set_keep_unavailable(self, reason: str) -> None:
        """Grey out "Keep me signed in" and say why (the keyring would not keep the session)."""
        self.keep_available = False
        self.keep.setChecked(False)
        self.keep.setEnabled(False)
        self.keep.setToolTip(reason)
        self.keep_note.show_message(reason, "info")

    @property
    def keep_signed_in(self) -> bool:
        return self.keep_available and self.keep.isChecked()

    def focus_first_empty(self) -> None:
        (self.password if self.email.text() else self.email).setFocus()
