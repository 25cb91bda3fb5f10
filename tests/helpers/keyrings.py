"""Keyring backends for tests only: an in-process one and a JSON file one (for app runs in a subprocess).

They live here, not in `desktop`, on purpose: keyring registers every imported `KeyringBackend` subclass as
a candidate, so a backend defined in the app's package would be picked on a desktop without a real keyring
(ahead of keyring's fail backend) and "Keep me signed in" would silently last only until exit.

    PYTHON_KEYRING_BACKEND=tests.helpers.keyrings.MemoryKeyring   (tests/conftest.py selects it)
    PYTHON_KEYRING_BACKEND=tests.helpers.keyrings.FileKeyring SLATE_TEST_KEYRING=<path>

Both stand for a real, persistent keychain; the file one stores secrets in clear in a temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

MEMORY = "tests.helpers.keyrings.MemoryKeyring"
FILE = "tests.helpers.keyrings.FileKeyring"


class MemoryKeyring(KeyringBackend):
    """An isolated in-process keyring (one per process, shared by every test)."""

    priority = 1  # type: ignore[assignment]
    _store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - shared on purpose: one keyring per process

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self._store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self._store[(service, username)]


class FileKeyring(KeyringBackend):
    """A keyring in the JSON file named by SLATE_TEST_KEYRING (survives the process, like a real one)."""

    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["SLATE_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self.path.write_text(json.dumps(data))
