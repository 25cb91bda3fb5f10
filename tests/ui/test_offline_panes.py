"""Offline, the panes that are not cached (playlists, the notifications inbox) say so quietly and come back.

The server going away is the FaultProxy in `cut` mode in front of the shared Zou (as in
tests/ui/test_offline_cache.py): every connection closes without an answer.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from desktop.localzou import LocalZou
from desktop.ui.main_window import TAB_PLAYLISTS
from desktop.ui.offline import MIB
from tests.faults.proxy import FaultProxy
from tests.helpers.seed import seed_small_project
from tests.helpers.zou import ZouAdmin, unique
from tests.ui.conftest import OpenWindow, run_async

WAIT_MS = 15_000
RECOVER_MS = 30_000  # the back-off probe's first tries come after 2 s and 4 s


@pytest.fixture
def proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    with FaultProxy(zou_server.url) as p:
        yield p


def test_playlists_and_inbox_offline_then_back(open_window: Callable[..., OpenWindow], zou_admin: ZouAdmin,
                                                proxy: FaultProxy, qtbot: QtBot,
                                                caplog: pytest.LogCaptureFixture) -> None:
    manager = zou_admin.create_user("manager", first_name="Max")
    project = seed_small_project(zou_admin, name=unique("OfflinePanes"), with_preview=False)
    zou_admin.post(f"/data/projects/{project.id}/team", {"person_id": manager.id})
    zou_admin.post("/data/playlists", {"name": unique("Dailies"), "project_id": project.id, "for_entity": "shot"})
    window, _events = open_window(manager, project_id=project.id, url=proxy.url)
    pane, inbox = window.playlists_pane, window.inbox
    # The pictures folder is held under the lists' cache cap (tests/api/test_picture_cap.py: the eviction).
    assert window.thumbnails.store.max_bytes == max(1, window.settings.cache_max_mb) * MIB
    window.show_tab(TAB_PLAYLISTS)
    qtbot.waitUntil(lambda: pane.list_model.rowCount() == 1, timeout=WAIT_MS)
    run_async(qtbot, window.offline.cache.flush())

    caplog.set_level(logging.INFO)
    proxy.set_mode("cut")
    window.refresh()
    qtbot.waitUntil(lambda: window.offline.offline, timeout=WAIT_MS)
    pane.reload()
    inbox.reload()
    qtbot.waitUntil(lambda: pane.message.isVisible() and "offline" in pane.message.text().lower(), timeout=WAIT_MS)
    assert pane.list_model.rowCount() == 1  # what was shown stays
    qtbot.waitUntil(lambda: "offline" in inbox.toolTip().lower(), timeout=WAIT_MS)
    mark_all = inbox.menu_.findChild(QAction, "actionMarkAllRead")
    assert mark_all is not None and not mark_all.isEnabled() and "offline" in mark_all.toolTip().lower()
    gc.collect()  # a task whose exception nobody retrieved is reported when it is collected
    qtbot.wait(200)
    assert "never retrieved" not in caplog.text

    proxy.set_mode("pass")
    qtbot.waitUntil(lambda: not window.offline.offline, timeout=RECOVER_MS)
    qtbot.waitUntil(lambda: not pane.message.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "offline" not in inbox.toolTip().lower(), timeout=WAIT_MS)
    gc.collect()
    qtbot.wait(200)
    assert "never retrieved" not in caplog.text
