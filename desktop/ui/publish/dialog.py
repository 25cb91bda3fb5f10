"""The publish dialog: status, comment with @mentions, preview files, attachments, "set as thumbnail".

It is the status dialog (`TaskStatusDialog`: the status list, the comment, the attachments, drops) with
the preview files added; the work is `desktop.api.publish.Publisher`'s. While the files upload it shows the
speed and the time left, and Cancel stops the upload. When an upload fails or is cancelled after the
comment exists, the comment fields lock (it is posted) and "Retry upload" sends the files again onto the
same comment and revision. Once uploaded, a movie shows Zou's processing state until it is ready.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QDropEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import EditContext
from desktop.api.events import EventStream
from desktop.api.processing_events import ProcessingWatch
from desktop.api.publish import (
    Publisher,
    PublishFailed,
    PublishRequest,
    PublishResult,
    PublishState,
    UploadProgress,
    is_movie,
    is_preview_file,
    mention,
    mentioned,
)
from desktop.settings import Settings
from desktop.ui.editing.common import EditorSource
from desktop.ui.editing.task_dialogs import TaskStatusDialog, _human
from desktop.ui.widgets import named


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def progress_text(p: UploadProgress) -> str:
    """"12.0 MB / 500.0 MB · 48.2 MB/s · 0:10 left"."""
    return (f"{_human(p.sent)} / {_human(p.total)} · {_human(int(p.bytes_per_s))}/s · "
            f"{_duration(p.seconds_left)} left")


class PublishDialog(TaskStatusDialog):
    published = Signal(object)  # PublishResult (once the files are uploaded, before processing ends)
    processed = Signal(dict)  # {preview file id: "ready" | "broken"}

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, task: Mapping[str, Any], entity_name: str = "",
                 entity_kind: str = "", files: Iterable[str | os.PathLike[str]] = (),
                 events: Callable[[], EventStream | None] | None = None) -> None:
        super().__init__(editor, settings, ctx, parent, task=task, entity_name=entity_name, name="publishDialog")
        self.setWindowTitle(f"Publish {self.task_label}".strip())
        self.entity_kind = entity_kind
        self.previews: list[Path] = []
        self.state = PublishState()
        self.outcome: PublishResult | None = None
        self.publisher = Publisher(self.editor)
        # The window's event stream (None: not started): while live, the processing state of a movie
        # ends with Zou's `preview-file:update` event instead of the polling.
        self.events = events or (lambda: None)
        self.watch: ProcessingWatch | None = None
        self.finished.connect(self._stop_watching)
        self.post_button.setText("Publish")
        self.post_button.setObjectName("publishButton")
        self.post_button.setAccessibleName("Publish the preview")
        self.comment_field.setPlaceholderText("Say what changed… (@ mentions a team member)")

        self.preview_list = named(QListWidget(), "publishPreviewList", "Preview files (the first is the main one)")
        self.preview_list.setMaximumHeight(90)
        self.add_preview_button = named(QPushButton("Add preview files…"), "publishAddPreviewButton",
                                        "Add preview files")
        self.remove_preview_button = named(QPushButton("Remove"), "publishRemovePreviewButton",
                                           "Remove the selected preview file")
        self.thumbnail_box = named(QCheckBox("Set as the entity's thumbnail"), "publishThumbnailCheck",
                                   "Set the preview as the entity's thumbnail")
        self.mention_button = named(QToolButton(), "publishMentionButton", "Mention a team member")
        self.mention_button.setText("@ Mention")
        self.mention_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.mention_button)
        for person in ctx.team:
            action = QAction(person.full_name, menu)
            action.triggered.connect(lambda _checked=False, p=person: self.insert_mention(p.full_name))
            menu.addAction(action)
        self.mention_button.setMenu(menu)
        self.mentions_label = named(QLabel(), "publishMentions", "People the comment will notify")
        self.speed_label = named(QLabel(), "publishSpeed", "Upload speed and time left")
        self.retry_button = named(QPushButton("Retry upload"), "publishRetryButton",
                                  "Retry the upload onto the same comment and revision")
        self.retry_button.setVisible(False)
        self.stop_button = named(QPushButton("Cancel upload"), "publishCancelUploadButton", "Cancel the upload")
        self.stop_button.setVisible(False)
        self.processing_label = named(QLabel(), "publishProcessing", "Processing state of the previews")

        self.add_preview_button.clicked.connect(self._pick_previews)
        self.remove_preview_button.clicked.connect(self._remove_preview)
        self.comment_field.textChanged.connect(self._update_mentions)
        self.retry_button.clicked.connect(lambda: self.run(self.post(), key="post"))
        self.stop_button.clicked.connect(self.cancel_upload)
        for w in (self.add_preview_button, self.remove_preview_button, self.retry_button):
            self.allow(w, self._action_widgets.get(self.post_button, True))

        previews_row = QHBoxLayout()
        previews_row.addWidget(self.add_preview_button)
        previews_row.addWidget(self.remove_preview_button)
        previews_row.addStretch(1)
        previews_row.addWidget(self.thumbnail_box)
        mention_row = QHBoxLayout()
        mention_row.addWidget(self.mention_button)
        mention_row.addWidget(self.mentions_label, 1)
        box = self.layout()  # the status dialog's: form, attachments, files, progress, message, busy, buttons
        assert isinstance(box, QBoxLayout)
        index = 1
        for item in (mention_row, QLabel("Preview files (several: one revision)"), self.preview_list, previews_row):
            if isinstance(item, QHBoxLayout):
                box.insertLayout(index, item)
            else:
                box.insertWidget(index, item)
            index += 1
        box.insertWidget(index + 3, self.speed_label)  # under the progress bar
        box.insertWidget(index + 4, self.processing_label)
        last = box.itemAt(box.count() - 1)
        buttons = last.layout() if last is not None else None
        assert isinstance(buttons, QBoxLayout)
        buttons.insertWidget(1, self.stop_button)
        buttons.insertWidget(2, self.retry_button)
        self.speed_label.setVisible(False)
        self.processing_label.setVisible(False)
        self.add_files(files)
        self.resize(520, 560)

    # ------------------------------------------------------------ files
    def add_files(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        """Pictures and movies become previews, anything else an attachment."""
        previews: list[str | os.PathLike[str]] = []
        others: list[str | os.PathLike[str]] = []
        for p in paths:
            (previews if is_preview_file(p) else others).append(p)
        self.add_previews(previews)
        self.add_attachments(others)

    def add_previews(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        for raw in paths:
            path = Path(raw)
            self.previews.append(path)
            kind = "movie" if is_movie(path) else "picture"
            size = _human(path.stat().st_size) if path.is_file() else "missing"
            self.preview_list.addItem(QListWidgetItem(f"{path.name}  ({kind}, {size})"))
        if len(self.previews) == 1 and not self.thumbnail_box.isChecked():
            self.thumbnail_box.setChecked(True)  # Kitsu's default for a first preview

    def _pick_previews(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        paths, _ = QFileDialog.getOpenFileNames(self, "Add preview files", "",
                                                "Pictures and movies (*.png *.jpg *.jpeg *.jpe *.mp4 *.mov *.mkv "
                                                "*.avi *.webm *.m4v *.wmv)")
        self.add_previews(paths)

    def _remove_preview(self) -> None:
        row = self.preview_list.currentRow()
        if row >= 0 and not self.state.started:
            self.preview_list.takeItem(row)
            del self.previews[row]

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.add_files(p for p in paths if Path(p).is_file())

    # ------------------------------------------------------------ mentions
    def insert_mention(self, full_name: str) -> None:
        person = next((p for p in self.ctx.team if p.full_name == full_name), None)
        if person is not None:
            self.comment_field.insertPlainText(mention(person))
            self.comment_field.setFocus()

    def _update_mentions(self) -> None:
        people = mentioned(self.comment_field.toPlainText(), self.ctx.team)
        self.mentions_label.setText(f"Notifies: {', '.join(p.full_name for p in people)}" if people else "")

    # ------------------------------------------------------------ publishing
    def request(self) -> PublishRequest:
        status_id = self.status_field.currentData(Qt.ItemDataRole.UserRole)
        task = {**self.task, "entity_kind": self.entity_kind or self.task.get("entity_kind") or ""}
        return PublishRequest(task=task, text=self.comment_field.toPlainText(),
                              status_id=str(status_id) if status_id else None, previews=tuple(self.previews),
                              attachments=tuple(self.attachments), set_thumbnail=self.thumbnail_box.isChecked())

    def _on_progress(self, p: UploadProgress) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(p.fraction * 1000))
        self.progress.setFormat(f"{p.file_name}: {p.fraction:.0%}")
        self.speed_label.setText(progress_text(p))

    def _lock_comment(self) -> None:
        """The comment is posted: what belongs to it can no longer change here."""
        for w in (self.status_field, self.comment_field, self.attach_button, self.remove_attachment_button,
                  self.mention_button, self.add_preview_button, self.remove_preview_button):
            self.allow(w, False, "The comment is posted: only its upload can be retried.")

    def cancel_upload(self) -> None:
        self.runner.cancel("post")
        self._stopped("The upload was cancelled.")

    def _stopped(self, message: str) -> None:
        self.stop_button.setVisible(False)
        self.speed_label.setVisible(False)
        if self.state.started:
            self._lock_comment()
            self.post_button.setVisible(False)
            self.retry_button.setVisible(True)
            if "comment is posted" not in message:
                message = (f"{message} The comment is posted; Retry upload sends the files onto the same comment "
                           "and revision.")
            self.message.show_message(message, "warn")
        else:
            self.progress.setVisible(False)
            if self.state.comment_unsure is not None:
                message = (f"{message} Zou may have stored the comment: Publish again looks for it first and "
                           "never posts it twice.")
            self.message.show_message(message)

    async def post(self) -> dict[str, Any] | None:  # the status dialog's Post button: publish instead
        self.message.clear_message()
        request = self.request()
        self.progress.setVisible(bool(request.previews))
        self.speed_label.setVisible(bool(request.previews))
        self.stop_button.setVisible(bool(request.previews))
        stream = self.events()
        if self.watch is None or (self.watch.stream is None and stream is not None):
            # From before the upload: a movie's `ready` event may come before the upload's answer.
            self._stop_watching()
            self.watch = ProcessingWatch(stream)
        try:
            result = await self.publisher.publish(request, self.state, on_progress=self._on_progress,
                                                  on_step=lambda text: self.progress.setFormat(text))
        except PublishFailed as exc:
            self._stopped(str(exc))
            return None
        except E.ZouError as exc:
            self._stopped(str(exc))
            return None
        self.stop_button.setVisible(False)
        self.retry_button.setVisible(False)
        self.outcome = result
        self.posted.emit(result.comment)
        self.published.emit(result)
        if await self._wait_for_processing(result):
            self.accept()
        return result.comment

    def _stop_watching(self) -> None:
        if self.watch is not None:
            self.watch.close()

    async def _wait_for_processing(self, result: PublishResult) -> bool:
        """Show Zou's processing state until every preview is ready; False (dialog kept open) if one broke."""
        waiting = [str(p.get("id")) for p in result.previews if str(p.get("status") or "") == "processing"
                   or str(p.get("extension") or "") == "mp4"]
        if not waiting:
            self.processed.emit({str(p.get("id")): str(p.get("status") or "ready") for p in result.previews})
            return True
        self._lock_comment()
        self.post_button.setVisible(False)
        self.processing_label.setVisible(True)
        self.processing_label.setText("Zou is processing the movie…")

        def on_state(_pid: str, status: str) -> None:
            self.processing_label.setText("Zou is processing the movie…" if status == "processing"
                                          else f"Preview {status}.")

        states = await self.publisher.wait_until_processed(waiting, on_state=on_state, watch=self.watch)
        self.processed.emit(states)
        broken = [p.get("original_name") or p.get("id") for p in result.previews
                  if states.get(str(p.get("id"))) == "broken"]
        if broken:
            self.message.show_message(f"Zou could not process {', '.join(map(str, broken))}: the comment and the "
                                      "other files are published; publish that movie again in another format.")
            return False
        return True
