"""What the studio's read-mostly pages share (the events log, the ShotGrid-import errors): one list loaded
under one runner key, so the newest load wins; the count or Zou's refusal said below it; a delete that
reloads the list or says why it could not. The page builds its own widgets and names them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.api import errors as E
from desktop.api.studio import StudioData
from desktop.asyncqt import TaskRunner
from desktop.ui.studio.records_model import RecordTable, RecordTableModel
from desktop.ui.widgets import MessageLabel, error_text


class RecordPage(QWidget):
    loaded = Signal()  # a load or a delete finished (shown, or its error said)

    # Built by the page, in its own layout and with its own object names.
    model: RecordTableModel
    table: RecordTable
    message: MessageLabel

    def __init__(self, studio: StudioData, load_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio, self.load_key = studio, load_key
        self.runner = TaskRunner(self)
        self.confirm_box: QMessageBox | None = None

    def reload(self) -> None:
        raise NotImplementedError

    def selected(self) -> dict[str, Any] | None:
        return self.table.selected()

    async def show_records(self, records: Awaitable[Sequence[Mapping[str, Any]]],
                           counted: Callable[[int], str]) -> None:
        """Await the list (run under `load_key`) and show it, with `counted(n)` below; Zou's refusal instead."""
        try:
            found = list(await records)
        except E.ZouError as exc:
            if self.runner.is_current(self.load_key):
                self.model.set_records([])
                self.message.show_message(error_text(exc), "error")
                self.loaded.emit()
            return
        if not self.runner.is_current(self.load_key):
            return  # a newer load is on its way
        self.model.set_records(found)
        self.message.show_message(counted(len(found)), "info")
        self.loaded.emit()

    async def delete_then_reload(self, deleting: Awaitable[None]) -> None:
        try:
            await deleting
        except E.ZouError as exc:
            self.message.show_message(error_text(exc), "error")
            self.loaded.emit()
            return
        self.reload()
