"""The studio settings window: one generic table + form editor over the declared families
(`desktop.api.studio.families`), the events log and the ShotGrid import.

`StudioWindow` loads on first use (PEP 562): the main window imports `desktop.ui.studio.launch` for its
menu, and the window itself is only needed when the studio settings open (cold start, issue 16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from desktop.ui.studio.window import StudioWindow

__all__ = ["StudioWindow"]


__getattr__ = lazy_exports(__name__, globals(), {"StudioWindow": "window"})
