"""The conflict dialog: someone else saved first. Shows loaded / yours / theirs per field and lets the
user overwrite, merge (choosing per field where both changed the same one) or cancel.

Nothing is written by this dialog: it emits `resolved(choice, picks)` and the editor that raised the
conflict saves again (checked once more against the server). `ConflictFlow` is the one place that wires
the dialog to a save, for every editor (entity dialogs, casting editor, inline cell editing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.api.editing import EditConflict
from desktop.asyncqt import TaskRunner
from desktop.ui.editing.common import show_value
from desktop.ui.widgets import named, primary_button

COLUMNS = ("Field", "When you opened it", "Yours", "Theirs (now on the server)", "Keep")


class ConflictDialog(QDialog):
    resolved = Signal(str, dict)  # "overwrite" | "merge", {key: "yours" | "theirs"}

    def __init__(self, conflict: EditConflict, parent: QWidget | None = None, *,
                 formatter: Callable[[Any], str] = show_value, what: str = "") -> None:
        super().__init__(parent)
        named(self, "conflictDialog", "Changed by someone else")
        self.setWindowTitle("Changed by someone else")
        self.setModal(True)
        self.conflict = conflict
        self._format = formatter
        self.pick_boxes: dict[str, QComboBox] = {}

        overlap = conflict.overlapping
        intro = named(QLabel(), "conflictIntro", "What happened")
        intro.setWordWrap(True)
        subject = what or "This"
        text = (f"{subject} was changed by someone else after you opened it. Nothing has been saved yet.<br>"
                "<b>Merge</b> keeps both sets of changes")
        if overlap:
            text += "; where you both changed the same field, choose which value to keep."
        else:
            text += " (you changed different fields)."
        text += ("<br><b>Overwrite</b> saves your values, also over theirs where you both changed a field; "
                 "fields only they changed keep their new values.<br><b>Cancel</b> saves nothing and keeps "
                 "what you typed.")
        intro.setText(text)

        rows = conflict.rows()
        self.table = named(QTableWidget(len(rows), len(COLUMNS)), "conflictTable",
                           "Fields changed by you or by them")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for r, (key, base, yours, theirs, both) in enumerate(rows):
            cells = [conflict.label(key), self._format(base), self._format(yours), self._format(theirs)]
            for c, text_value in enumerate(cells):
                item = QTableWidgetItem(text_value)
                if both and c in (2, 3):
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                item.setData(Qt.ItemDataRole.UserRole, key)
                self.table.setItem(r, c, item)
            if both:
                combo = named(QComboBox(), f"keep_{key}", f"Keep for {conflict.label(key)}")
                combo.addItem("Theirs", "theirs")
                combo.addItem("Yours", "yours")
                self.pick_boxes[key] = combo
                self.table.setCellWidget(r, 4, combo)
            else:
                who = "Yours" if key in conflict.yours else "Theirs"
                self.table.setItem(r, 4, QTableWidgetItem(f"{who} (only one side changed it)"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.merge_button = named(primary_button("Merge"), "mergeButton", "Merge",
                                  "Keep both changes; choose per field where you both changed it")
        self.overwrite_button = named(QPushButton("Overwrite"), "overwriteButton", "Overwrite",
                                      "Save your values over theirs")
        self.cancel_button = named(QPushButton("Cancel"), "conflictCancelButton", "Cancel",
                                   "Save nothing and go back to your changes")
        self.merge_button.clicked.connect(lambda: self._resolve("merge"))
        self.overwrite_button.clicked.connect(lambda: self._resolve("overwrite"))
        self.cancel_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.overwrite_button)
        buttons.addWidget(self.merge_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(720, 200 + 30 * len(rows))
        self.merge_button.setDefault(True)

    def picks(self) -> dict[str, str]:
        return {key: str(box.currentData()) for key, box in self.pick_boxes.items()}

    def _resolve(self, choice: str) -> None:
        self.resolved.emit(choice, self.picks() if choice == "merge" else {})
        self.accept()


Resolve = Callable[[EditConflict, str, dict[str, str]], Awaitable[Any]]


class ConflictFlow(QObject):
    """The one way an edit conflict is handled, whatever was edited (an entity dialog, the casting editor,
    a table cell): show the `ConflictDialog`; on merge or overwrite, save again with `resolve` (checked once
    more, so a second conflict shows the dialog again); on cancel, `cancelled` says what happens to what
    was typed. The saved result goes to `saved`, any other error to `failed`; nothing is raised."""

    def __init__(self, owner: QWidget, runner: TaskRunner, *, what: Callable[[], str],
                 formatter: Callable[[Any], str] = show_value,
                 announce: Callable[[EditConflict], None] | None = None) -> None:
        super().__init__(owner)
        self.owner, self.runner, self.what, self.formatter = owner, runner, what, formatter
        self.announce = announce  # called at every conflict (the owner's message line says what happened)
        self.dialog: ConflictDialog | None = None

    def show(self, conflict: EditConflict, *, resolve: Resolve, saved: Callable[[Any], None],
             failed: Callable[[BaseException, EditConflict], None],
             cancelled: Callable[[EditConflict], None] | None = None) -> ConflictDialog:
        if self.announce is not None:
            self.announce(conflict)
        dialog = ConflictDialog(conflict, self.owner, formatter=self.formatter, what=self.what())

        def resolved(choice: str, picks: dict[str, str]) -> None:
            self.runner.run(self.resolve(conflict, choice, picks, resolve=resolve, saved=saved, failed=failed,
                                         cancelled=cancelled), key="save")

        dialog.resolved.connect(resolved)
        if cancelled is not None:
            dialog.rejected.connect(lambda: cancelled(conflict))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    async def resolve(self, conflict: EditConflict, choice: str, picks: dict[str, str], *, resolve: Resolve,
                      saved: Callable[[Any], None], failed: Callable[[BaseException, EditConflict], None],
                      cancelled: Callable[[EditConflict], None] | None = None) -> bool:
        """Save again with the user's choice; True when the server has it."""
        try:
            result = await resolve(conflict, choice, picks)
        except EditConflict as again:  # someone saved once more in between: ask again
            self.show(again, resolve=resolve, saved=saved, failed=failed, cancelled=cancelled)
            return False
        except Exception as exc:  # shown by the owner; what was typed is kept
            failed(exc, conflict)
            return False
        saved(result)
        return True

    def _closed(self, dialog: ConflictDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
