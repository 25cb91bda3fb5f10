"""The first page of the account security dialog: what is on, and a button for each change."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import Person
from desktop.ui import security_key
from desktop.ui.widgets import named


def _status(on: bool) -> str:
    return "<b>On</b>" if on else "Off"


class SecurityOverview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "securityOverview", "Account security overview")
        self.account = named(QLabel(), "securityAccount", "Signed-in account")
        self.account.setWordWrap(True)

        self.totp_status = named(QLabel(), "totpStatus", "Authenticator app status")
        self.enable_totp = named(QPushButton("Set up…"), "enableTotpButton", "Set up an authenticator app")
        self.disable_totp = named(QPushButton("Turn off…"), "disableTotpButton", "Turn off the authenticator app")
        self.email_status = named(QLabel(), "emailOtpStatus", "Email codes status")
        self.enable_email = named(QPushButton("Turn on…"), "enableEmailOtpButton", "Turn on email codes")
        self.disable_email = named(QPushButton("Turn off…"), "disableEmailOtpButton", "Turn off email codes")
        self.regenerate_codes = named(QPushButton("New recovery codes…"), "regenerateRecoveryCodesButton",
                                      "Generate new recovery codes", "Replaces all your current recovery codes")

        methods = QGroupBox("Two-factor authentication")
        grid = QGridLayout(methods)
        rows = (("Authenticator app", self.totp_status, self.enable_totp, self.disable_totp),
                ("Email codes", self.email_status, self.enable_email, self.disable_email))
        for row, (label, status, on, off) in enumerate(rows):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(status, row, 1)
            grid.addWidget(on, row, 2)
            grid.addWidget(off, row, 3)
        codes_hint = QLabel("Recovery codes sign you in once each when your other methods are out of reach.")
        codes_hint.setWordWrap(True)
        grid.addWidget(codes_hint, 2, 0, 1, 3)
        grid.addWidget(self.regenerate_codes, 2, 3)
        grid.setColumnStretch(1, 1)

        self.fido_devices = named(QListWidget(), "fidoDeviceList", "Registered security keys")
        self.fido_devices.setMaximumHeight(72)
        self.fido_devices.setVisible(False)
        self.fido_keys_status = named(QLabel(), "fidoKeysStatus", "Security key availability")
        self.fido_keys_status.setWordWrap(True)
        self.fido_name = named(QLineEdit(), "fidoDeviceNameField", "Name for a new security key")
        self.fido_name.setPlaceholderText("e.g. YubiKey (blue)")
        self.fido_register = named(QPushButton("Register key…"), "fidoRegisterButton", "Register a security key")
        self.fido_unregister = named(QPushButton("Remove…"), "fidoUnregisterButton",
                                     "Remove the selected security key")
        keys = QGroupBox("Security keys")
        keys_layout = QVBoxLayout(keys)
        keys_layout.addWidget(self.fido_devices)
        keys_layout.addWidget(self.fido_keys_status)
        key_row = QHBoxLayout()
        key_row.addWidget(self.fido_name, 1)
        key_row.addWidget(self.fido_register)
        key_row.addWidget(self.fido_unregister)
        keys_layout.addLayout(key_row)
        self.fido_devices.currentRowChanged.connect(lambda _row: self._update_fido_buttons())

        self.change_password = named(QPushButton("Change password…"), "changePasswordOpenButton", "Change password")
        password = QGroupBox("Password")
        password_layout = QHBoxLayout(password)
        password_layout.addWidget(QLabel("Choose a new password for this account."), 1)
        password_layout.addWidget(self.change_password)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.account)
        layout.addWidget(methods)
        layout.addWidget(keys)
        layout.addWidget(password)
        layout.addStretch(1)
        self._key_ready = False

    def update_from(self, user: Person, key_ready: bool) -> None:
        self._key_ready = key_ready
        self.account.setText(f"Signed in as <b>{user.full_name}</b> ({user.email}).")
        self.totp_status.setText(_status(user.totp_enabled))
        self.enable_totp.setEnabled(not user.totp_enabled)
        self.disable_totp.setEnabled(user.totp_enabled)
        self.email_status.setText(_status(user.email_otp_enabled))
        self.enable_email.setEnabled(not user.email_otp_enabled)
        self.disable_email.setEnabled(user.email_otp_enabled)
        self.regenerate_codes.setEnabled(user.two_factor_enabled)
        self.fido_devices.clear()
        self.fido_devices.addItems(list(user.fido_devices))
        self.fido_devices.setVisible(bool(user.fido_devices))
        registered = (f"{len(user.fido_devices)} key(s) registered." if user.fido_devices
                      else "No security keys registered.")
        availability = ("Plug in a key and give it a name to register it." if key_ready
                        else security_key.unavailable_reason(offer_others=False))
        self.fido_keys_status.setText(f"{registered} {availability}")
        self._update_fido_buttons()

    def _update_fido_buttons(self) -> None:
        self.fido_register.setEnabled(self._key_ready)
        self.fido_name.setEnabled(self._key_ready)
        self.fido_unregister.setEnabled(self.fido_devices.currentRow() >= 0)

    @property
    def selected_device(self) -> str:
        item = self.fido_devices.currentItem()
        return item.text() if item is not None else ""
