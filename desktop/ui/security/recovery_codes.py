"""The 16 recovery codes, shown once right after they are issued, with Copy and Save to file.

The codes are dropped from the widget when the user is done: the server only keeps hashes, so this is
the one moment they exist in the clear.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets import MessageLabel, monospace_font, named, primary_button

log = logging.getLogger(__name__)

INTRO = ("Save these recovery codes somewhere safe, away from your phone. Each code signs you in once if you "
         "lose access to your other methods. <b>They are shown only now.</b>")


def codes_text(codes: list[str]) -> str:
    """Two columns, numbered, so a printed sheet is easy to cross off."""
    half = (len(codes) + 1) // 2
    lines = []
    for i in range(half):
        left = f"{i + 1:>2}. {codes[i]}"
        right = f"{i + 1 + half:>2}. {codes[i + half]}" if i + half < len(codes) else ""
        lines.append(f"{left}    {right}".rstrip())
    return "\n".join(lines)


class RecoveryCodesView(QWidget):
    done = Signal()

    def __init__(self, parent: QWidget | None = None, *, done_text: str = "I saved them") -> None:
        super().__init__(parent)
        named(self, "recoveryCodesView", "Recovery codes")
        self._codes: list[str] = []
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.text = named(QPlainTextEdit(), "recoveryCodesText", "Recovery codes list")
        self.text.setReadOnly(True)
        self.text.setFont(monospace_font(1))
        # Exactly the 8 rows of two columns: no scrolling, no empty box under them.
        rows = self.text.fontMetrics().lineSpacing() * 8
        self.text.setFixedHeight(rows + 2 * int(self.text.document().documentMargin()) + 24)
        self.copy_button = named(QPushButton("Copy"), "copyRecoveryCodesButton", "Copy recovery codes")
        self.save_button = named(QPushButton("Save to file…"), "saveRecoveryCodesButton", "Save recovery codes")
        self.done_button = named(primary_button(done_text), "recoveryCodesDoneButton", "Done with recovery codes")
        self.message = named(MessageLabel(), "recoveryCodesMessage", "Recovery codes message")
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._ask_and_save)
        self.done_button.clicked.connect(self.finish)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @property
    def codes(self) -> list[str]:
        return list(self._codes)

    def set_codes(self, codes: list[str]) -> None:
        self._codes = list(codes)
        self.text.setPlainText(codes_text(self._codes))
        self.message.clear_message()

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText("\n".join(self._codes))
        self.message.show_message("Copied. Paste them into your password manager.", "ok")

    def _ask_and_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save recovery codes",
                                              str(Path.home() / "kitsu-recovery-codes.txt"), "Text (*.txt)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        from desktop.api.security import save_recovery_codes  # not before the first window is shown

        try:
            # Readable by the user only (these codes replace a second factor); a file or symbolic link
            # already there is replaced, never written through.
            save_recovery_codes(path, self._codes)
        except OSError as exc:
            self.message.show_message(f"Could not save the codes: {exc.strerror or exc}", "error")
            return
        log.info("recovery codes saved to a file")
        self.message.show_message(f"Saved to {path}.", "ok")

    def clear(self) -> None:
        self._codes = []
        self.text.clear()
        self.message.clear_message()

    def finish(self) -> None:
        self.clear()
        self.done.emit()
