"""The studio settings window: one generic table + form editor over the declared families
(`desktop.api.studio.families`), the events log and the ShotGrid import."""

from __future__ import annotations

from desktop.ui.studio.window import StudioWindow

__all__ = ["StudioWindow"]
