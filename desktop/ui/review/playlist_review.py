"""The playlist review window (supervisors): the entries in order, each played frame by frame with its
annotations, side by side with another revision of the same task, and a status + comment per entry
posted without leaving the window.

`PlaylistReviewWindow(browse, detail, thumbnails=...)` for a `PlaylistDetail`. "Play all" goes on to the
next entry when one ends (unless Loop is on). The comment goes through the session's `Editor`
(`comment_task`, the path the status dialog uses) and the change through `BrowseSession.apply`, so the
main window's rows and detail update as after any status change. What was typed stays in the box if
the post fails.

objectNames: playlistReviewWindow, reviewEntries, reviewPlayAll, reviewCompare, reviewStatus, reviewComment,
reviewPost, reviewMessage (and the player's, see player.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.api import changes
from desktop.api import errors as E
from desktop.api.exports import PlaylistDetail, PlaylistEntry
from desktop.api.reviews import MOVIE_EXTENSIONS, EntityPreview, Reviews
from desktop.asyncqt import TaskRunner
from desktop.media.frames import DecodeError
from desktop.ui.browse_session import BrowseSession
from desktop.ui.review.movies import movies_for
from desktop.ui.review.player import ReviewPlayer
from desktop.ui.thumbnails import ThumbnailCache, preview_picture_path
from desktop.ui.widgets import MessageLabel, error_text, named


def entry_text(entry: PlaylistEntry, status: str = "") -> str:
    rev = f"v{entry.revision}" if entry.revision is not None else "no preview"
    parts = [entry.entity_name, entry.task_type_name, rev, status]
    return " · ".join(p for p in parts if p)


class PlaylistReviewWindow(QWidget):
    entry_shown = Signal(int)  # row whose preview is on screen
    comment_posted = Signal(dict)

    def __init__(self, browse: BrowseSession, detail: PlaylistDetail, *, thumbnails: ThumbnailCache | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        named(self, "playlistReviewWindow", "Playlist review")
        self.setWindowTitle(f"Review — {detail.playlist.name}")
        self.browse = browse
        self.detail = detail
        self.thumbnails = thumbnails
        self.reviews = Reviews(browse.session)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.first_frames: dict[str, int] = {}
        self.statuses: dict[str, str] = {}  # task id -> status name, as known here
        self.compare_options: list[EntityPreview] = []
        self.row = -1
        self._picture_path = ""
        self._annotations: list[dict[str, Any]] = []

        self.entries = named(QListWidget(), "reviewEntries", "Playlist entries")
        for entry in detail.entries:
            self.entries.addItem(QListWidgetItem(entry_text(entry)))
        self.entries.currentRowChanged.connect(self.show_entry)
        self.play_all = named(QCheckBox("Play all"), "reviewPlayAll", "Go on to the next entry")
        self.play_all.setChecked(True)
        self.player = ReviewPlayer(self, editor=browse.editor)
        self.player.reached_end.connect(self._entry_ended)
        self.player.frame_shown.connect(self._frame_shown)
        self.compare = named(QComboBox(), "reviewCompare", "Compare with another revision")
        self.compare.currentIndexChanged.connect(self._compare_changed)
        self.status = named(QComboBox(), "reviewStatus", "New status")
        self.comment = named(QPlainTextEdit(), "reviewComment", "Comment")
        self.comment.setPlaceholderText("Notes for this entry…")
        self.comment.setMaximumHeight(90)
        self.post_button = named(QPushButton("Post"), "reviewPost", "Post the status and comment")
        self.post_button.clicked.connect(self.post)
        self.message = named(MessageLabel(self), "reviewMessage", "Message")
        ctx = browse.edit_context()
        for s in ctx.task_statuses if ctx is not None else ():
            self.status.addItem(s.name, s.id)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(detail.playlist.name))
        left_layout.addWidget(self.entries, 1)
        left_layout.addWidget(self.play_all)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("Side by side with"))
        compare_row.addWidget(self.compare, 1)
        right_layout.addLayout(compare_row)
        right_layout.addWidget(self.player, 1)
        form = QFormLayout()
        form.addRow("Status", self.status)
        form.addRow("Comment", self.comment)
        right_layout.addLayout(form)
        post_row = QHBoxLayout()
        post_row.addWidget(self.message, 1)
        post_row.addWidget(self.post_button)
        right_layout.addLayout(post_row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.resize(1200, 760)
        if thumbnails is not None:
            thumbnails.ready.connect(self._picture_ready)
        self.runner.run(self._start(), key="start")

    async def _start(self) -> None:
        self.first_frames = await self.reviews.first_frames(e.entity_id for e in self.detail.entries)
        if self.detail.entries and self.entries.currentRow() < 0:
            self.entries.setCurrentRow(0)
        elif self.row >= 0:
            self.show_entry(self.row)

    # ------------------------------------------------------------------ entries
    def entry(self) -> PlaylistEntry | None:
        return self.detail.entries[self.row] if 0 <= self.row < len(self.detail.entries) else None

    def show_entry(self, row: int) -> None:
        if not 0 <= row < len(self.detail.entries):
            return
        self.row = row
        entry = self.detail.entries[row]
        self.message.clear_message()
        self.compare.blockSignals(True)
        self.compare.clear()
        self.compare.addItem("—", "")
        self.compare.blockSignals(False)
        self.runner.cancel("compare")
        self.runner.run(self._open_entry(row, entry), key="entry")

    async def _open_entry(self, row: int, entry: PlaylistEntry, *, autoplay: bool = False) -> None:
        await self.player.open_compare(None)
        self._picture_path = ""
        if not entry.preview_file_id:
            self.player.show_still(None, text="No preview for this entry")
            return
        record = await self.reviews.preview_file(entry.preview_file_id)
        if not self.runner.is_current("entry"):
            return
        annotations = record.get("annotations") or []
        self._annotations = annotations if isinstance(annotations, list) else []
        extension = str(record.get("extension") or entry.extension or "").lower()
        if record.get("status") not in (None, "", "ready"):
            self.player.show_still(None, text=f"The preview is {record.get('status')} on the server")
        elif extension in MOVIE_EXTENSIONS:
            self.player.show_still(None, text="Loading the movie…")
            try:
                path = await movies_for(self.browse.session).movie(record)
                if not self.runner.is_current("entry"):
                    return
                await self.player.open_movie(path, preview_id=entry.preview_file_id,
                                             first_frame=self.first_frames.get(entry.entity_id, 1),
                                             annotations=annotations)
            except DecodeError as exc:
                self.player.show_still(None, text=str(exc))
                return
            if autoplay:
                self.player.play()
        else:
            self._picture_path = preview_picture_path(entry.preview_file_id)
            pixmap = self.thumbnails.pixmap(self._picture_path) if self.thumbnails is not None else None
            self.player.show_still(pixmap, preview_id=entry.preview_file_id, text="Loading picture…",
                                   annotations=annotations)
            if pixmap is not None:
                self.entry_shown.emit(row)
        if entry.task_id:
            task = await self.browse.editor.load_task(entry.task_id)
            index = self.status.findData(str(task.get("task_status_id") or ""))
            if index >= 0 and self.runner.is_current("entry"):
                self.status.setCurrentIndex(index)
        self.runner.run(self._load_compare_options(entry), key="compare")

    async def _load_compare_options(self, entry: PlaylistEntry) -> None:
        previews = await self.reviews.entity_previews(entry.entity_id)
        options = [p for p in previews if p.task_id == entry.task_id and p.id != entry.preview_file_id
                   and p.extension.lower() in MOVIE_EXTENSIONS and p.status in ("", "ready")]
        self.compare_options = options
        self.compare.blockSignals(True)
        for p in options:
            self.compare.addItem(f"v{p.revision}" + (f" ({p.position})" if p.position > 1 else ""), p.id)
        self.compare.blockSignals(False)

    def compare_with(self, preview_id: str) -> None:
        index = self.compare.findData(preview_id)
        if index >= 0:
            self.compare.setCurrentIndex(index)

    def _compare_changed(self, _index: int) -> None:
        preview_id = str(self.compare.currentData() or "")
        self.runner.run(self._open_compare(preview_id), key="compare-open")

    async def _open_compare(self, preview_id: str) -> None:
        if not preview_id:
            await self.player.open_compare(None)
            return
        path = await movies_for(self.browse.session).movie({"id": preview_id, "extension": "mp4"})
        await self.player.open_compare(path)
        self.player.seek(self.player.index)

    def _frame_shown(self, index: int) -> None:
        if index == 0:
            self.entry_shown.emit(self.row)

    def _picture_ready(self, path: str) -> None:
        entry = self.entry()
        if path == self._picture_path and self.thumbnails is not None and entry is not None:
            self.player.show_still(self.thumbnails.pixmap(path), preview_id=entry.preview_file_id or "",
                                   annotations=self._annotations)
            self.entry_shown.emit(self.row)

    def _entry_ended(self) -> None:
        if self.play_all.isChecked() and self.row + 1 < len(self.detail.entries):
            # Next entry, playing: queued so the ended movie's last frame is painted first.
            QTimer.singleShot(0, self._play_next)

    def _play_next(self) -> None:
        row = self.row + 1
        self.entries.blockSignals(True)
        self.entries.setCurrentRow(row)
        self.entries.blockSignals(False)
        self.row = row
        self.runner.run(self._open_entry(row, self.detail.entries[row], autoplay=True), key="entry")

    # ------------------------------------------------------------------ status + comment
    def post(self) -> None:
        entry = self.entry()
        if entry is None or not entry.task_id:
            self.message.show_message("This entry has no task to comment on.", "warn")
            return
        self.runner.run(self._post(entry, entry.task_id), key="post")

    async def _post(self, entry: PlaylistEntry, task_id: str) -> None:
        status_id = str(self.status.currentData() or "") or None
        text = self.comment.toPlainText()
        self.post_button.setEnabled(False)
        try:
            comment = await self.browse.editor.comment_task(task_id, status_id, text)
        except E.ZouError as exc:
            self.message.show_message(error_text(exc))  # the text stays in the box
            return
        finally:
            self.post_button.setEnabled(True)
        self.comment.clear()
        status = comment.get("task_status")
        name = str(status.get("name") or "") if isinstance(status, dict) else ""
        self.statuses[task_id] = name
        row = self.detail.entries.index(entry)
        item = self.entries.item(row)
        if item is not None:
            item.setText(entry_text(entry, name))
        self.message.show_message(f"Posted on {entry.entity_name}.", "info")
        self.browse.apply(changes.comment_posted({"id": task_id, "entity_id": entry.entity_id}, comment))
        self.comment_posted.emit(comment)

    def _failed(self, _key: str, exc: object) -> None:
        self.message.show_message(error_text(exc) if isinstance(exc, BaseException) else str(exc))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.close()
        super().closeEvent(event)
