"""The app's connections (`desktop.api.connections`) with the studio CA file kept in the settings."""

from __future__ import annotations

from desktop.api.connections import CAFileError
from desktop.api.connections import Connections as _ApiConnections
from desktop.settings import Settings

__all__ = ["CAFileError", "Connections"]


class Connections(_ApiConnections):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

        def remember(path: str) -> None:
            settings.ca_file = path

        super().__init__(settings.ca_file, remember)
