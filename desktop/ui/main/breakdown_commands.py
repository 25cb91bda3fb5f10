"""Edit > Breakdown…: the shots × assets casting grid for the shots selected in the shots pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.api import changes
from desktop.ui.editing import BreakdownDialog
from desktop.ui.main.parts import WindowParts

if TYPE_CHECKING:
    from desktop.ui.main.edit_commands import EditCommands


def shot_label(values: dict[str, Any]) -> str:
    return " / ".join(str(values[k]) for k in ("episode_name", "sequence_name", "name") if values.get(k))


class BreakdownCommands(QObject):
    def __init__(self, parts: WindowParts, edits: EditCommands) -> None:
        super().__init__(parts.window)
        self.parts, self.edits, self.browse = parts, edits, parts.browse

    def open_breakdown(self) -> BreakdownDialog | None:
        ctx = self.browse.edit_context()
        shots = self.parts.shots
        if ctx is None:
            return None
        ids = shots.selected_entity_ids() or [i for i in [shots.current_entity_id()] if i]
        if not ids:
            self.parts.notify("Select shots in the shots list first.")
            return None
        rows: list[tuple[str, str]] = []
        for shot_id in ids:
            row = shots.source.row_of_id(shot_id)
            rows.append((shot_id, shot_label(shots.source.row_values(row)) if row is not None else shot_id))
        source = self.parts.assets.source
        assets = [source.row_values(r) for r in range(source.rowCount())]
        dialog = BreakdownDialog(self.browse.editor, self.browse.settings, ctx, self.parts.window, shots=rows,
                                 assets=[{"id": a.get("id"), "name": a.get("name"),
                                          "asset_type_name": a.get("asset_type_name")} for a in assets])
        dialog.casting_saved.connect(
            lambda shot_id, _casting, assets: self.browse.apply(changes.casting_saved(shot_id, assets)))
        return self.edits._open_dialog(dialog)  # type: ignore[no-any-return]
