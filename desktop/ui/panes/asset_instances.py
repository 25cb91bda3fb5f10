"""The detail's "Instances" box: an asset's instances (`/data/asset-instances`) and where each is used
(the shots it is cast in, the asset it is placed inside). Hidden for shots.

It follows the browse session's detail by itself, so the detail pane only mounts it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.api.studio import AssetInstances, InstanceUse
from desktop.asyncqt import TaskRunner
from desktop.ui.browse_session import BrowseSession
from desktop.ui.panes.common import named
from desktop.ui.widgets import error_text

LOAD_KEY = "asset-instances"
MAX_NAME_READS = 20  # names not known from the casting are read one by one: a few at most


class AssetInstancesBox(QWidget):
    loaded = Signal(str)  # asset id

    def __init__(self, browse: BrowseSession | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "detailInstancesBox", "Asset instances")
        self.browse = browse
        self.asset_id = ""
        self.runner = TaskRunner(self)
        self.title = named(QLabel("Instances"), "detailInstancesTitle", "Instances of the asset")
        self.list = named(QListWidget(), "detailInstances", "Instances of the asset and where each is used")
        self.list.setMaximumHeight(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        self.hide()
        if browse is not None:
            browse.detail_loaded.connect(self._on_detail)

    def lines(self) -> list[str]:
        return [item.text() for i in range(self.list.count()) if (item := self.list.item(i)) is not None]

    def _on_detail(self, kind: str, entity: dict[str, Any], casting: list[dict[str, Any]], _task: str) -> None:
        if kind != "asset" or not entity.get("id"):
            self.runner.cancel(LOAD_KEY)
            self.asset_id = ""
            self.hide()
            return
        self.asset_id = str(entity["id"])
        known = {str(c.get("shot_id")): " / ".join(p for p in (c.get("sequence_name"), c.get("shot_name")) if p)
                 for c in casting if c.get("shot_id")}
        self.runner.run(self._load(self.asset_id, known), key=LOAD_KEY)

    async def _load(self, asset_id: str, known: dict[str, str]) -> None:
        browse = self.browse
        assert browse is not None
        try:
            uses = await AssetInstances(browse.session, browse.client.reads).of_asset(asset_id)
            names = await self._names(uses, known)
        except E.ZouError as exc:
            if self.runner.is_current(LOAD_KEY):
                self._show([f"Instances could not be read: {error_text(exc)}"])
                self.loaded.emit(asset_id)
            return
        if not self.runner.is_current(LOAD_KEY):
            return
        self._show([describe(use, names) for use in uses])
        self.loaded.emit(asset_id)

    async def _names(self, uses: list[InstanceUse], known: dict[str, str]) -> dict[str, str]:
        browse = self.browse
        assert browse is not None
        wanted = {i for u in uses for i in (*u.shot_ids, u.target_asset_id) if i and i not in known}
        ids = sorted(wanted)[:MAX_NAME_READS]
        entities = await asyncio.gather(*(browse.client.entity(i) for i in ids), return_exceptions=True)
        names = dict(known)
        for entity_id, entity in zip(ids, entities, strict=True):
            if not isinstance(entity, BaseException) and entity.name:
                names[entity_id] = entity.name
        return names

    def _show(self, lines: list[str]) -> None:
        self.list.clear()
        self.list.addItems(lines or ["No instance of this asset."])
        self.title.setText(f"Instances ({len(lines)})" if lines else "Instances")
        self.show()


def describe(use: InstanceUse, names: dict[str, str]) -> str:
    """“Sword #1 (on the table): in SQ01 / SH010, SQ01 / SH020; inside Forest”."""
    text = use.label
    description = use.instance.get("description")
    if description:
        text += f" ({description})"
    where = [f"in {', '.join(names.get(s, s[:8]) for s in use.shot_ids)}"] if use.shot_ids else []
    if use.target_asset_id:
        where.append(f"inside {names.get(use.target_asset_id, use.target_asset_id[:8])}")
    return f"{text}: {'; '.join(where)}" if where else f"{text}: not used in a shot"
