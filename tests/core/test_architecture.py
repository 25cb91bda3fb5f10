"""Architecture rules enforced by tests: the core stays Qt-free; the PySide6 trap cannot return."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BLOCK_QT = textwrap.dedent("""
    import importlib.abc, sys
    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "qasync"):
                raise ImportError(f"Qt is not available here: {name}")
            return None
    sys.meta_path.insert(0, NoQt())
""")


@pytest.mark.parametrize(
    "module", ["desktop.api", "desktop.api.studio", "desktop.localzou", "desktop.filtering", "desktop.csvio",
               "desktop.demo", "desktop.media"])
def test_core_imports_without_qt(module: str) -> None:
    code = BLOCK_QT + textwrap.dedent(f"""
        import {module}, pkgutil, importlib
        pkg = sys.modules["{module}"]
        for info in pkgutil.walk_packages(pkg.__path__, "{module}."):
            if ".zou_side" in info.name:
                continue  # runs inside Zou's own venv
            importlib.import_module(info.name)
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_interpreter_and_pyside_cannot_hit_the_none_refcount_bug() -> None:
    import PySide6

    major, minor = sys.version_info[:2]
    version = tuple(int(x) for x in PySide6.__version__.split(".")[:2])
    # PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void call.
    assert (major, minor) >= (3, 12) or version < (6, 12)


def test_hundred_thousand_void_qt_calls() -> None:
    # Regression for the PySide6 6.12.0 / CPython 3.11 abort (`Fatal Python error: none_dealloc`
    # after a few thousand void-returning calls). Run in a subprocess so an abort fails this test only.
    code = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QObject
        from PySide6.QtGui import QStandardItem
        item = QStandardItem()
        obj = QObject()
        before = sys.getrefcount(None)
        for i in range(50_000):
            item.setData(i)          # void
            obj.setObjectName("x")   # void
        print("ok", before)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("ok"), proc.stderr[-500:]
