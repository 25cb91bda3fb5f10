"""The start of a cold-start test script run in a fresh interpreter: a spy on the first window to paint, which
notes its objectName and the modules loaded at that moment (`seen["window"]`, `seen["modules"]`). The script
installs `FirstPaint()` on the QApplication, then starts the app its own way."""

from __future__ import annotations

import textwrap

FIRST_PAINT_SPY = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWidget

    seen = {}

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if (event.type() == QEvent.Type.Paint and "window" not in seen and isinstance(watched, QWidget)
                    and watched.isWindow()):
                seen["window"] = watched.objectName()
                seen["modules"] = sorted(sys.modules)
            return False
""")
