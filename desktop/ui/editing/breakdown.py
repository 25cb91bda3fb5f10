"""Breakdown: cast assets into many shots at once, a grid of shots × assets with counts (Kitsu's Breakdown
page), opened on the shots selected in the shots pane.

Each cell is the number of times an asset appears in a shot (empty: not cast). Saving writes only the shots
whose row changed, each through the session's `Editor.save_casting` — the same conflict-checked save as
the one-shot casting editor: a shot whose casting someone else changed since the grid was loaded goes
through the one `ConflictFlow` (merge, keep theirs, overwrite), one shot at a time; the other shots are
saved, and the grid keeps what the user typed for the shot in conflict until it is resolved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import Casting, CastingConflict, EditContext, format_cast_value
from desktop.api.editing.fields import EditConflict
from desktop.settings import Settings
from desktop.ui.editing.common import EditingDialog, EditorSource
from desktop.ui.editing.conflict import ConflictDialog, ConflictFlow
from desktop.ui.widgets import named, primary_button

CASTING_READS = 6  # castings read in parallel when the grid opens


class BreakdownDialog(EditingDialog):
    """`shots`: (shot id, label) of the selected rows; `assets`: the project's assets as dicts with `id`,
    `name`, `asset_type_name` (the assets pane's rows)."""

    casting_saved = Signal(str, object, list)  # shot id, Casting, asset ids cast before or after (per shot saved)

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, shots: Sequence[tuple[str, str]],
                 assets: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(editor, settings, ctx, parent, name="breakdownDialog", title="Breakdown")
        self.shots = list(shots)
        self.assets = {str(a["id"]): dict(a) for a in assets if a.get("id")}
        self.loaded: dict[str, Casting] = {}
        self.columns: list[str] = []  # asset ids, in column order
        self.pending: list[CastingConflict] = []
        self.conflicts = ConflictFlow(self, self.runner, what=lambda: "The casting", formatter=format_cast_value,
                                      announce=lambda conflict: self.message.show_message(
                                          f"{self._shot_label(conflict.entity_id)}: {conflict}", "warn"))
        can_edit = ctx.capabilities.can_edit_casting
        self.summary = named(QLabel(), "breakdownSummary", "Breakdown totals")
        self.grid = named(QTableWidget(len(self.shots), 0), "breakdownGrid", "Shots by assets")
        self.grid.setVerticalHeaderLabels([label for _, label in self.shots])
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.itemChanged.connect(self._cell_changed)
        self.asset_picker = named(QComboBox(), "breakdownAssetPicker", "Asset to add")
        for a in sorted(self.assets.values(), key=lambda a: (str(a.get("asset_type_name")), str(a.get("name")))):
            self.asset_picker.addItem(self._asset_label(str(a["id"])), str(a["id"]))
        self.add_button = named(QPushButton("Cast in all"), "breakdownCastAll",
                                "Cast the chosen asset once in every shot of the grid")
        self.add_button.clicked.connect(lambda: self.cast_in_all(str(self.asset_picker.currentData() or "")))
        self.save_button = named(primary_button("Save"), "breakdownSave", "Save the breakdown")
        self.save_button.clicked.connect(lambda: self.run(self.save(), key="save"))
        self.close_button = named(QPushButton("Close"), "breakdownClose", "Close the breakdown")
        self.close_button.clicked.connect(self.reject)
        for widget in (self.add_button, self.save_button, self.asset_picker):
            self.allow(widget, can_edit, ctx.capabilities.why_not("change the casting"))
        self.allow(self.save_button, False)  # until the castings are read
        picker = QHBoxLayout()
        picker.addWidget(self.asset_picker, 1)
        picker.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(760, 480)
        self.can_edit = can_edit
        self.run(self.load(), key="load")

    # ------------------------------------------------------------ reading
    async def load(self) -> None:
        limit = asyncio.Semaphore(CASTING_READS)

        async def one(shot_id: str) -> Casting:
            async with limit:
                return await self.editor.load_casting(self.ctx.project.id, shot_id)

        castings = await asyncio.gather(*(one(shot_id) for shot_id, _ in self.shots))
        self.loaded = {c.entity_id: c for c in castings}
        for casting in castings:
            for entry in casting.entries:
                self.assets.setdefault(entry.asset_id, {"id": entry.asset_id, "name": entry.asset_name,
                                                        "asset_type_name": entry.asset_type_name})
                self._ensure_column(entry.asset_id)
        for row, (shot_id, _) in enumerate(self.shots):
            self._show_row(row, self.loaded[shot_id])
        self.allow(self.save_button, self.can_edit, self.ctx.capabilities.why_not("change the casting"))
        self._update_summary()

    def _asset_label(self, asset_id: str) -> str:
        a = self.assets.get(asset_id) or {}
        kind = str(a.get("asset_type_name") or "")
        return f"{kind} / {a.get('name')}" if kind else str(a.get("name") or asset_id)

    def _shot_label(self, shot_id: str) -> str:
        return next((label for sid, label in self.shots if sid == shot_id), shot_id)

    def _ensure_column(self, asset_id: str) -> int:
        if asset_id in self.columns:
            return self.columns.index(asset_id)
        self.columns.append(asset_id)
        col = len(self.columns) - 1
        self.grid.blockSignals(True)
        self.grid.insertColumn(col)
        self.grid.setHorizontalHeaderItem(col, QTableWidgetItem(self._asset_label(asset_id)))
        for row in range(self.grid.rowCount()):
            self.grid.setItem(row, col, self._count_item(0))
        self.grid.blockSignals(False)
        return col

    def _count_item(self, count: int) -> QTableWidgetItem:
        item = QTableWidgetItem(str(count) if count else "")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if not self.ctx.capabilities.can_edit_casting:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        return item

    def _cell(self, row: int, col: int) -> QTableWidgetItem:
        item = self.grid.item(row, col)
        if item is None:
            item = self._count_item(0)
            self.grid.setItem(row, col, item)
        return item

    def _show_row(self, row: int, casting: Casting) -> None:
        self.grid.blockSignals(True)
        counts = {e.asset_id: e.nb_occurences for e in casting.entries}
        for col, asset_id in enumerate(self.columns):
            self._cell(row, col).setText(str(counts[asset_id]) if counts.get(asset_id) else "")
        self.grid.blockSignals(False)

    # ------------------------------------------------------------ editing
    def count(self, shot_id: str, asset_id: str) -> int:
        row = next(i for i, (sid, _) in enumerate(self.shots) if sid == shot_id)
        if asset_id not in self.columns:
            return 0
        text = self._cell(row, self.columns.index(asset_id)).text().strip()
        return int(text) if text.isdigit() else 0

    def set_count(self, shot_id: str, asset_id: str, count: int) -> None:
        col = self._ensure_column(asset_id)
        row = next(i for i, (sid, _) in enumerate(self.shots) if sid == shot_id)
        self._cell(row, col).setText(str(count) if count > 0 else "")

    def cast_in_all(self, asset_id: str) -> None:
        """The chosen asset once in every shot where it is not cast yet (Kitsu's "add to all")."""
        if not asset_id:
            return
        for shot_id, _ in self.shots:
            if self.count(shot_id, asset_id) == 0:
                self.set_count(shot_id, asset_id, 1)

    def _cell_changed(self, item: QTableWidgetItem) -> None:
        text = item.text().strip()
        if text and not text.isdigit():
            self.grid.blockSignals(True)
            item.setText("")
            self.grid.blockSignals(False)
            self.message.show_message("A count is a whole number (empty or 0: not cast).", "warn")
        self._update_summary()

    def desired(self, shot_id: str) -> Casting:
        """What the grid's row of this shot asks for, on top of the casting read (labels kept)."""
        loaded = self.loaded[shot_id]
        casting = loaded
        for asset_id in self.columns:
            count = self.count(shot_id, asset_id)
            current = loaded.get(asset_id)
            if count <= 0 and current is not None:
                casting = casting.without(asset_id)
            elif count > 0 and current is None:
                a = self.assets.get(asset_id) or {}
                casting = casting.with_added(asset_id, count, asset_name=str(a.get("name") or ""),
                                             asset_type_name=str(a.get("asset_type_name") or ""))
            elif count > 0 and current is not None and current.nb_occurences != count:
                casting = casting.with_count(asset_id, count)
        return casting

    def changed_shots(self) -> list[str]:
        return [sid for sid, _ in self.shots if sid in self.loaded
                and self.desired(sid).as_map() != self.loaded[sid].as_map()]

    def _update_summary(self) -> None:
        per_asset = [sum(self.count(sid, a) for sid, _ in self.shots) for a in self.columns]
        cast = sum(1 for sid, _ in self.shots if any(self.count(sid, a) for a in self.columns))
        changed = len(self.changed_shots()) if self.loaded else 0
        self.summary.setText(f"{len(self.shots)} shots ({cast} with assets) × {len(self.columns)} assets, "
                             f"{sum(per_asset)} occurrences" + (f" · {changed} shots changed" if changed else ""))
        for col, total in enumerate(per_asset):
            header = self.grid.horizontalHeaderItem(col)
            if header is not None:
                header.setText(f"{self._asset_label(self.columns[col])} ({total})")

    # ------------------------------------------------------------ saving
    async def save(self) -> int:
        """Save the changed shots; returns how many were saved. Conflicts are shown one shot at a time."""
        self.message.clear_message()
        saved = 0
        self.pending = []
        for shot_id in self.changed_shots():
            try:
                casting = await self.editor.save_casting(self.loaded[shot_id], self.desired(shot_id))
            except CastingConflict as conflict:
                self.pending.append(conflict)
                continue
            except E.ZouError as exc:
                self.message.show_message(f"{self._shot_label(shot_id)}: {exc}")
                continue
            self._saved(casting, show=False)
            saved += 1
        if self.pending:
            self._next_conflict()
        elif saved and not self.message.text():
            self.message.show_message(f"Casting saved for {saved} shot{'s' if saved != 1 else ''}.", "ok")
        return saved

    def _saved(self, casting: Casting, *, show: bool = True) -> None:
        shot_id = casting.entity_id
        row = next(i for i, (sid, _) in enumerate(self.shots) if sid == shot_id)
        old = self.loaded.get(shot_id)
        touched = sorted({e.asset_id for e in casting.entries} | {e.asset_id for e in (old.entries if old else ())})
        self.loaded[shot_id] = casting
        for entry in casting.entries:
            self._ensure_column(entry.asset_id)
        self._show_row(row, casting)
        self._update_summary()
        self.casting_saved.emit(shot_id, casting, touched)
        if show:
            self.message.show_message(f"Casting of {self._shot_label(shot_id)} saved.", "ok")
            self._next_conflict()

    def _next_conflict(self) -> None:
        if not self.pending:
            return
        conflict = self.pending.pop(0)
        self.conflicts.show(conflict, resolve=self._resolve, saved=self._saved,
                            failed=lambda exc, _c: self.message.show_message(str(exc)),
                            cancelled=lambda _c: self._next_conflict())

    async def _resolve(self, conflict: EditConflict, choice: str, picks: dict[str, str]) -> Casting:
        assert isinstance(conflict, CastingConflict)
        return await self.editor.resolve_casting_conflict(conflict, choice, picks)

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.conflicts.dialog

