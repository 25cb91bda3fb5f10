"""The time log editor: pick a day, enter hours per task, save, and see what Zou stored.

Rows are the user's tasks (My tasks' To do and Done lists) whose task type takes a time log (Zou's
`allow_timelog`), plus any task that already has time that day. A day off covering the day is shown
above the table. Save sends only the rows that changed, then reads the day back from Zou: the numbers
shown after a save are the server's, not what was typed. A refused entry (not assigned, not allowed)
is said in the status line and the typed hours stay in the table, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
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
from desktop.api.records import Person, UserTask
from desktop.api.session import ZouSession
from desktop.api.timelog import MAX_HOURS_PER_DAY, TimeLog, TimeSpent
from desktop.asyncqt import TaskRunner
from desktop.ui.panes.common import named
from desktop.ui.theme import readable_on
from desktop.ui.widgets import error_text

DAY_OFF_COLOR = "#8a5a00"  # amber: a day off is a warning, not an error


def task_label(t: UserTask) -> str:
    where = " / ".join(p for p in (t.sequence_name, t.entity_name) if p)
    return f"{t.project_name} · {where} · {t.task_type_name}"


class TimeLogDialog(QDialog):
    def __init__(self, session: ZouSession, user: Person, tasks: Sequence[UserTask],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "timeLogDialog", "Time log")
        self.setWindowTitle("Time log")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(680, 420)
        self.user = user
        self.log = TimeLog(session)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._on_failed)
        self.tasks: dict[str, UserTask] = {}
        for t in tasks:
            self.tasks.setdefault(t.id, t)
        self.allowed: dict[str, bool] = {}
        self.rows: list[str] = []  # task ids, in table order
        self.stored: dict[str, float] = {}  # task id -> hours Zou holds for the day

        self.date = named(QDateEdit(QDate.currentDate()), "timeLogDate", "Day")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.day_off = named(QLabel(), "timeLogDayOff", "Day off")
        self.day_off.setStyleSheet("font-weight: 600;")
        self.day_off.hide()
        self.table = named(QTableWidget(0, 2), "timeLogTable", "Hours per task")
        self.table.setHorizontalHeaderLabels(["Task", "Hours"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.note = named(QLabel(), "timeLogNote", "Tasks without a time log")
        self.note.setWordWrap(True)
        self.total = named(QLabel(), "timeLogTotal", "Total hours")
        self.status = named(QLabel(), "timeLogStatus", "Time log status")
        self.status.setWordWrap(True)
        self.save_button = named(QPushButton("Save"), "timeLogSave", "Save the hours")
        self.save_button.setDefault(True)
        close = named(QPushButton("Close"), "timeLogClose", "Close the time log")

        top = QHBoxLayout()
        top.addWidget(QLabel("Day"))
        top.addWidget(self.date)
        top.addWidget(self.day_off, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.total, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        layout.addLayout(bottom)

        self.date.dateChanged.connect(lambda _d: self.reload())
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.close)
        self.reload()

    @property
    def day(self) -> dt.date:
        d = self.date.date()
        return dt.date(d.year(), d.month(), d.day())

    def reload(self) -> None:
        self.status.setText("Loading the day…")
        self.save_button.setEnabled(False)
        self.runner.run(self._load(), key="load")

    async def _load(self) -> None:
        day = self.day
        allowed, entries, day_off = await asyncio.gather(
            self.log.task_types_allowing(),
            self.log.day(self.user.id, day), self.log.day_off(self.user.id, day))
        if not self.runner.is_current("load"):
            return
        self.allowed = allowed
        self._show(entries)
        if day_off is not None:
            self.day_off.setText(day_off.text())
            # Amber, as dark or light as the theme's window needs to read (4.5:1).
            window = self.palette().color(QPalette.ColorRole.Window).name()
            self.day_off.setStyleSheet(f"color: {readable_on(DAY_OFF_COLOR, window)}; font-weight: 600;")
            self.day_off.show()
        else:
            self.day_off.hide()
        self.status.setText("")
        self.save_button.setEnabled(bool(self.rows))

    def _show(self, entries: Sequence[TimeSpent]) -> None:
        self.stored = {e.task_id: e.hours for e in entries}
        loggable = [t for t in self.tasks.values() if self.allowed.get(t.task_type_id, True)]
        skipped = sorted({t.task_type_name for t in self.tasks.values() if not self.allowed.get(t.task_type_id, True)})
        ids = [t.id for t in sorted(loggable, key=task_label)]
        ids += [tid for tid in self.stored if tid not in ids]  # time on a task no longer in the lists
        self.rows = ids
        self.table.setRowCount(len(ids))
        for r, tid in enumerate(ids):
            task = self.tasks.get(tid)
            item = QTableWidgetItem(task_label(task) if task is not None else f"Task {tid[:8]}")
            item.setData(Qt.ItemDataRole.UserRole, tid)
            self.table.setItem(r, 0, item)
            spin = named(QDoubleSpinBox(), f"timeLogHours:{r}", f"Hours on {item.text()}")
            spin.setRange(0, MAX_HOURS_PER_DAY)
            spin.setDecimals(2)
            spin.setSingleStep(0.25)
            spin.setSuffix(" h")
            spin.setValue(self.stored.get(tid, 0.0))
            spin.valueChanged.connect(lambda _v: self._update_total())
            self.table.setCellWidget(r, 1, spin)
        self.note.setText(("No time log for these task types: " + ", ".join(skipped) + ".") if skipped else "")
        self.note.setVisible(bool(skipped))
        self._update_total()

    def hours_widget(self, task_id: str) -> QDoubleSpinBox | None:
        if task_id not in self.rows:
            return None
        widget = self.table.cellWidget(self.rows.index(task_id), 1)
        return widget if isinstance(widget, QDoubleSpinBox) else None

    def typed(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for tid in self.rows:
            spin = self.hours_widget(tid)
            if spin is not None:
                out[tid] = round(spin.value(), 2)
        return out

    def _update_total(self) -> None:
        total = sum(self.typed().values())
        self.total.setText(f"Total: {total:g} h")

    def save(self) -> None:
        changed = {tid: h for tid, h in self.typed().items() if abs(h - self.stored.get(tid, 0.0)) > 1e-6}
        if not changed:
            self.status.setText("Nothing changed.")
            return
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self.runner.run(self._save(self.day, changed), key="save")

    async def _save(self, day: dt.date, changed: dict[str, float]) -> None:
        refused: list[str] = []
        for tid, hours in changed.items():
            try:
                await self.log.set_hours(tid, self.user.id, day, hours)
            except E.ZouError as exc:
                task = self.tasks.get(tid)
                refused.append(f"{task_label(task) if task else tid}: {error_text(exc)}")
        typed = self.typed()
        entries = await self.log.day(self.user.id, day)  # read back: show what Zou holds
        self._show(entries)
        if refused:
            # Keep what was typed for the refused rows, so nothing is lost.
            for tid in changed:
                spin = self.hours_widget(tid)
                if spin is not None and abs(spin.value() - typed[tid]) > 1e-6:
                    spin.setValue(typed[tid])
            self.status.setText("Not saved: " + "; ".join(refused))
        else:
            self.status.setText(f"Saved {len(changed)} entr{'y' if len(changed) == 1 else 'ies'} for {day}.")
        self.save_button.setEnabled(bool(self.rows))

    def _on_failed(self, key: str, exc: object) -> None:
        text = error_text(exc) if isinstance(exc, BaseException) else str(exc)
        self.status.setText(f"Could not {'load the day' if key == 'load' else 'save'}: {text}")
        self.save_button.setEnabled(bool(self.rows))
