"""The objectName contract (docs/ui-automation.md): which widgets a window names for tests to drive."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

QT_INTERNAL_NAMES = {"ScrollLeftButton", "ScrollRightButton"}  # QTabBar's own scroll buttons


def named_widgets(root: QWidget) -> dict[str, str]:
    """objectName -> accessibleName for `root` and everything under it (Qt's internal names excluded)."""
    found = {}
    for widget in [root, *root.findChildren(QWidget)]:
        name = widget.objectName()
        if name and not name.startswith("qt_") and name not in QT_INTERNAL_NAMES:
            found[name] = widget.accessibleName()
    return found
