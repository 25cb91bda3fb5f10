"""The server address field: remembered servers, and live feedback from a debounced probe as the user types.

The probe answers "is this a Zou server, which version, does it enforce 2FA", or says why not (cannot
reach, not Zou, certificate problem). A newer probe cancels an older one, so a slow answer for what the
user typed a second ago never overwrites the answer for what is in the field now.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.settings import Settings
from desktop.ui.connections import CAFileError, Connections
from desktop.ui.first_paint import after_first_paint
from desktop.ui.signin import messages
from desktop.ui.widgets import MessageLabel, error_text, named

if TYPE_CHECKING:
    import asyncio  # loaded with the first probe, after the first paint (desktop.asyncqt says why)

    from desktop.api import ServerInfo

log = logging.getLogger(__name__)

DEBOUNCE_MS = 450


class ServerField(QWidget):
    probed = Signal(object)  # ServerInfo, or None when the current text is not a usable server

    def __init__(self, connections: Connections, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connections = connections
        self.settings = settings
        self._task: asyncio.Task[ServerInfo] | None = None
        self._task_text = ""
        self._info: ServerInfo | None = None
        self._info_text = ""

        self.combo = named(QComboBox(), "serverField", "Server address",
                           "The address of your Kitsu or Zou server, e.g. kitsu.studio.com")
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.addItems(settings.servers)
        self.combo.setCurrentIndex(-1)
        line = self.combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("kitsu.studio.com")
        self.status = named(MessageLabel(), "serverStatus", "Server status")
        self.ca_button = named(QPushButton("Choose CA file…"), "caFileButton", "Choose CA file",
                               "Trust your studio's own certificate authority for this server")
        self.ca_button.setVisible(False)
        self.ca_button.clicked.connect(self._choose_ca_file)
        # Making the HTTP client (what tells a saved CA file's problem) loads httpx and the trust store:
        # after the window shows (cold start), as the prefilled server's probe.
        self._shown = False
        after_first_paint(self, self._first_shown)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._probe_now)
        self.combo.editTextChanged.connect(self._text_changed)

        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.ca_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo)
        layout.addLayout(status_row)

    # ------------------------------------------------------------ text
    def text(self) -> str:
        return self.combo.currentText().strip()

    def set_text(self, text: str) -> None:
        self.combo.setEditText(text)
        if text and self._shown:
            self._probe_now()  # prefilled: no need to wait for the user to stop typing

    def _first_shown(self) -> None:
        self._shown = True
        if self.connections.ca_problem and not self.status.text():
            self.status.show_message(self.connections.ca_problem, "warn")
        self._probe_now()  # the prefilled server, if any

    @property
    def info(self) -> ServerInfo | None:
        """The probe answer for the text currently in the field, if it arrived."""
        return self._info if self._info_text == self.text() else None

    def _text_changed(self, _text: str) -> None:
        # Not for the prefill before the first paint: `_first_shown` probes it, and until then the event
        # loop may not run yet (a probe task would have no loop; desktop.ui.first_paint).
        if self._shown:
            self._debounce.start()
        if not self.text():
            self.status.clear_message()
            self.ca_button.setVisible(False)

    # ------------------------------------------------------------ probing
    def _probe_now(self) -> None:
        self._debounce.stop()
        if self.text():
            self._start_probe(self.text())

    def _start_probe(self, text: str) -> asyncio.Task[ServerInfo]:
        if self._task is not None and self._task_text == text and not self._task.done():
            return self._task
        if self._task is not None:
            self._task.cancel()
        self.status.show_message(f"Checking {text}…", "info")
        self.ca_button.setVisible(False)
        import asyncio

        from desktop.api import probe_server

        task = asyncio.ensure_future(probe_server(text, client=self.connections.client))
        self._task, self._task_text = task, text
        task.add_done_callback(self._probe_done)
        return task

    def _probe_done(self, task: asyncio.Task[ServerInfo]) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # always read, so a failed probe never logs "exception never retrieved"
        if task is not self._task:
            return  # an older probe: the field has changed since
        if exc is None:
            self._info, self._info_text = task.result(), self._task_text
            self.status.show_message(messages.server_ok(self._info), "warn" if self._info.sends_in_clear else "ok")
            self.probed.emit(self._info)
            return
        self._info = None
        if isinstance(exc, E.ZouError):
            self.status.show_message(messages.server_problem(exc), "error")
            self.ca_button.setVisible(isinstance(exc, E.TLSError))
        else:
            log.error("server probe failed", exc_info=exc)
            self.status.show_message(error_text(exc), "error")
        self.probed.emit(None)

    async def server_info(self) -> ServerInfo:
        """The server for the current text: the probe's answer, waiting for it (or starting it) if needed."""
        text = self.text()
        if not text:
            raise E.ValidationError("Enter the address of your Kitsu or Zou server.")
        if self.info is not None:
            return self.info
        # Shielded: cancelling a sign-in must not cancel the probe whose answer the field shows.
        import asyncio

        return await asyncio.shield(self._start_probe(text))

    def cancel(self) -> None:
        self._debounce.stop()
        if self._task is not None:
            self._task.cancel()

    # ------------------------------------------------------------ TLS
    def _choose_ca_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose your studio's CA certificate", "", "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.use_ca_file(path)

    def use_ca_file(self, path: str) -> None:
        """Trust this CA (added to the OS trust store, never replacing it) and check the server again."""
        try:
            self.connections.set_ca_file(path)
        except CAFileError as exc:
            self.status.show_message(str(exc), "error")
            return
        self._info = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._probe_now()
