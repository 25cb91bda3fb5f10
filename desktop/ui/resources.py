"""The app icon and style sheet.

Sources live in the repository's `resources/`. A build can compile them into `desktop/_resources_rc.py`
(`python scripts/build_resources.py`, generated and git-ignored) so a wheel or bundle carries them as
`:/...`; a source checkout reads the files directly. Both paths give the same result.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from pathlib import Path

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

SOURCE_DIR = Path(__file__).resolve().parents[2] / "resources"
ICON = "icons/slate.svg"
STYLE = "styles/slate.qss"


@cache
def _compiled() -> bool:
    try:
        importlib.import_module("desktop._resources_rc")
    except ImportError:
        return False
    return True


def resource_path(name: str) -> str:
    """A path Qt can open: `:/name` when compiled in, else the source file."""
    if _compiled() and QFile.exists(f":/{name}"):
        return f":/{name}"
    return str(SOURCE_DIR / name)


def app_icon() -> QIcon:
    icon = QIcon(resource_path(ICON))
    if icon.isNull():
        log.warning("app icon not found at %s", resource_path(ICON))
    return icon


def style_sheet() -> str:
    """The style sheet for Slate's own windows ("" when missing: Qt's default look still works)."""
    f = QFile(resource_path(STYLE))
    if not f.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Text):
        return ""
    try:
        text = bytes(f.readAll().data()).decode("utf-8")
    finally:
        f.close()
    # url(@icons/x.svg) in the sheet: the same image from the compiled resources or the source folder.
    return text.replace("@icons/", resource_path("icons").replace("\\", "/") + "/")
