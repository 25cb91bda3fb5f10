"""Typed facade over QSettings (INI, user scope). Every key has a type and a default; no secrets here.

Tokens live in the OS keyring (desktop.api.tokens.TokenStore); a password is never stored at all.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from desktop import APP_NAME, ORG_NAME

SETTINGS_VERSION = 1


class Settings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG_NAME, APP_NAME)
        if self._int("meta/version", 0) < SETTINGS_VERSION:
            self.q.setValue("meta/version", SETTINGS_VERSION)

    # ------------------------------------------------------------ typed access
    def _str(self, key: str, default: str = "") -> str:
        v = self.q.value(key, default)
        return str(v) if v is not None else default

    def _int(self, key: str, default: int) -> int:
        try:
            return int(str(self.q.value(key, default)))
        except (TypeError, ValueError):
            return default

    def _bool(self, key: str, default: bool) -> bool:
        v = self.q.value(key, default)
        if isinstance(v, str):
            return v.lower() in ("1", "true", "yes")
        return bool(v)

    def _list(self, key: str) -> list[str]:
        v = self.q.value(key, [])
        if isinstance(v, str):
            return [v] if v else []
        return [str(x) for x in v] if isinstance(v, list) else []

    def _bytes(self, key: str) -> QByteArray | None:
        v = self.q.value(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def sync(self) -> None:
        self.q.sync()

    # ------------------------------------------------------------ servers and session
    @property
    def servers(self) -> list[str]:
        """Remembered servers, most recent first (what the user typed, not credentials)."""
        return self._list("servers/recent")

    def remember_server(self, text: str) -> None:
        items = [text] + [s for s in self.servers if s != text]
        self.q.setValue("servers/recent", items[:10])

    @property
    def last_server(self) -> str:
        return self._str("session/server")

    @last_server.setter
    def last_server(self, value: str) -> None:
        self.q.setValue("session/server", value)

    @property
    def last_api_url(self) -> str:
        return self._str("session/api_url")

    @last_api_url.setter
    def last_api_url(self, value: str) -> None:
        self.q.setValue("session/api_url", value)

    @property
    def last_email(self) -> str:
        return self._str("session/email")

    @last_email.setter
    def last_email(self, value: str) -> None:
        self.q.setValue("session/email", value)

    @property
    def keep_signed_in(self) -> bool:
        return self._bool("session/keep_signed_in", True)

    @keep_signed_in.setter
    def keep_signed_in(self, value: bool) -> None:
        self.q.setValue("session/keep_signed_in", value)

    @property
    def ca_file(self) -> str:
        """A custom CA bundle for self-hosted servers (added to the OS trust store, never replacing it)."""
        return self._str("tls/ca_file")

    @ca_file.setter
    def ca_file(self, value: str) -> None:
        self.q.setValue("tls/ca_file", value)

    # ------------------------------------------------------------ window state
    def geometry(self, name: str) -> QByteArray | None:
        return self._bytes(f"window/{name}")

    def set_geometry(self, name: str, state: QByteArray) -> None:
        self.q.setValue(f"window/{name}", state)

    @property
    def last_project_id(self) -> str:
        return self._str("browse/project_id")

    @last_project_id.setter
    def last_project_id(self, value: str) -> None:
        self.q.setValue("browse/project_id", value)

    def value(self, key: str, default: Any = None) -> Any:
        """Escape hatch for pane-owned keys (column order, visibility); keep keys under `panes/`."""
        return self.q.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.q.setValue(key, value)
