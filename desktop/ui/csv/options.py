"""Export options (delimiter, BOM, what to open when done), remembered in the settings under `csv/`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.csvio import CsvFormat
from desktop.settings import Settings
from desktop.ui.widgets import MessageLabel, named

OpenWhenDone = Literal["nothing", "file", "folder"]
OPEN_CHOICES: tuple[tuple[OpenWhenDone, str], ...] = (
    ("nothing", "Nothing"), ("file", "Open the file"), ("folder", "Show it in its folder"))
DELIMITER_CHOICES = ((";", "Semicolon ;  (as Zou, European Excel)"), (",", "Comma ,  (US/UK Excel, Google Sheets)"))

@dataclass(frozen=True)
class CsvPrefs:
    delimiter: str = ";"
    bom: bool = False
    open_when_done: OpenWhenDone = "nothing"
    last_dir: str = ""

    @property
    def format(self) -> CsvFormat:
        return CsvFormat(delimiter=self.delimiter, bom=self.bom)


def load_prefs(settings: Settings) -> CsvPrefs:
    delimiter = settings.csv_delimiter
    open_raw = settings.csv_open_when_done
    open_when: OpenWhenDone = "file" if open_raw == "file" else "folder" if open_raw == "folder" else "nothing"
    return CsvPrefs(delimiter=delimiter if delimiter in (";", ",") else ";", bom=settings.csv_bom,
                    open_when_done=open_when, last_dir=settings.csv_last_dir)


def save_prefs(settings: Settings, prefs: CsvPrefs) -> None:
    settings.csv_delimiter = prefs.delimiter
    settings.csv_bom = prefs.bom
    settings.csv_open_when_done = prefs.open_when_done
    settings.csv_last_dir = prefs.last_dir


def open_result(path: Path, what: OpenWhenDone) -> bool:
    """Open the written file, or its folder, with the desktop's default application."""
    if what == "nothing":
        return False
    target = path if what == "file" else path.parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    format: CsvFormat
    open_when_done: OpenWhenDone


class ExportOptionsDialog(QDialog):
    """Where to write a CSV export and how. Accepting it remembers the choices.

    objectNames: csvExportOptions, csvExportPath, csvExportBrowse, csvExportDelimiter, csvExportBom,
    csvExportOpenWhenDone.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None, *, title: str = "Export CSV",
                 suggested_name: str = "export.csv") -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("csvExportOptions")
        self.setWindowTitle(title)
        prefs = load_prefs(settings)
        folder = prefs.last_dir if prefs.last_dir and Path(prefs.last_dir).is_dir() else str(Path.home())
        self.path_edit = named(QLineEdit(os.path.join(folder, suggested_name)), "csvExportPath", "File")
        browse = named(QPushButton("Browse…"), "csvExportBrowse", "Choose the file")
        browse.clicked.connect(self._browse)
        self.delimiter = named(QComboBox(), "csvExportDelimiter", "Delimiter")
        for value, label in DELIMITER_CHOICES:
            self.delimiter.addItem(label, value)
        self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(prefs.delimiter)))
        self.bom = named(QCheckBox("UTF-8 with BOM (lets Excel read accented letters)"), "csvExportBom",
                         "UTF-8 with BOM")
        self.bom.setChecked(prefs.bom)
        self.open_when = named(QComboBox(), "csvExportOpenWhenDone", "When done")
        for value, label in OPEN_CHOICES:
            self.open_when.addItem(label, value)
        self.open_when.setCurrentIndex(max(0, self.open_when.findData(prefs.open_when_done)))
        self.message = MessageLabel(self)

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Delimiter", self.delimiter)
        form.addRow("", self.bom)
        form.addRow("When done", self.open_when)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", self.path_edit.text(), "CSV files (*.csv)")
        if path:
            self.path_edit.setText(path)

    def choice(self) -> ExportChoice:
        text = self.path_edit.text().strip()
        path = Path(text).expanduser()
        if path.suffix == "":
            path = path.with_suffix(".csv")
        open_when: OpenWhenDone = self.open_when.currentData() or "nothing"
        return ExportChoice(path=path, format=CsvFormat(delimiter=str(self.delimiter.currentData() or ";"),
                                                        bom=self.bom.isChecked()), open_when_done=open_when)

    def accept(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.message.show_message("Choose a file to write.")
            return
        choice = self.choice()
        if not choice.path.parent.is_dir():
            self.message.show_message(f"The folder {choice.path.parent} does not exist.")
            return
        save_prefs(self.settings, CsvPrefs(delimiter=choice.format.delimiter, bom=choice.format.bom,
                                           open_when_done=choice.open_when_done, last_dir=str(choice.path.parent)))
        super().accept()


def ask_export_options(settings: Settings, parent: QWidget | None = None, *, title: str = "Export CSV",
                       suggested_name: str = "export.csv") -> ExportChoice | None:
    """Show the dialog modally; None when cancelled."""
    dialog = ExportOptionsDialog(settings, parent, title=title, suggested_name=suggested_name)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def safe_file_name(text: str, suffix: str = ".csv") -> str:
    """`My Film: shots` -> `My Film - shots.csv` (no characters a file system refuses)."""
    cleaned = "".join("-" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in text).strip(" .")
    return (cleaned or "export") + suffix
