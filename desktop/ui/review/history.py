"""A task's preview history in the detail pane: every revision with its author, date and comment; the
selected one shown (a picture) or played (a movie) in a `ReviewPlayer`, with its annotations.

The revisions come from the task's comment thread, which the detail pane already has
(`set_thread(task_id, comments, first_frame)`): no request of its own but the picture or the movie, which
go through the thumbnail cache (pictures) and the session's movie cache (`movies_for`, the download
manager). The newest revision is selected when a thread arrives.

objectNames: previewHistory, previewHistoryTitle, previewHistoryList (and the player's, see player.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from desktop.api import errors as E
from desktop.api.editing import Editor
from desktop.api.reviews import PreviewMovies, PreviewRevision, revisions_from_comments
from desktop.api.session import ZouSession
from desktop.asyncqt import TaskRunner
from desktop.media.frames import DecodeError
from desktop.ui.review.movies import movies_for
from desktop.ui.review.player import ReviewPlayer
from desktop.ui.thumbnails import ThumbnailCache, preview_picture_path
from desktop.ui.widgets import error_text, named


def revision_text(r: PreviewRevision) -> str:
    date = r.created_at.replace("T", " ")[:16]
    head = " · ".join(p for p in (r.label, r.author, date, r.task_status) if p)
    state = "" if r.ready else f" [{r.status}]"
    comment = r.comment_text.strip().replace("\n", " ")
    return f"{head}{state}\n{comment}" if comment else f"{head}{state}"


class PreviewHistory(QWidget):
    revision_shown = Signal(str)  # preview id on screen (picture shown or movie's first frame decoded)

    def __init__(self, parent: QWidget | None = None, *, thumbnails: ThumbnailCache | None = None,
                 session: ZouSession | None = None, editor: Editor | None = None,
                 movies: PreviewMovies | None = None) -> None:
        super().__init__(parent)
        named(self, "previewHistory", "Preview history")
        self.thumbnails = thumbnails
        self.session = session
        self._movies = movies
        self.runner = TaskRunner(self)
        self.task_id = ""
        self.first_frame = 1
        self.revisions: list[PreviewRevision] = []
        self._picture_path = ""
        self.title = named(QLabel("Previews"), "previewHistoryTitle", "Previews of the selected task")
        self.list = named(QListWidget(), "previewHistoryList", "Revisions, newest first")
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._row_changed)
        self.player = ReviewPlayer(self, editor=editor, compact=True)
        self.player.frame_shown.connect(self._frame_shown)
        self.list.setMinimumWidth(80)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.player)
        splitter.setStretchFactor(1, 2)
        # The detail pane is narrow and already tall: this section may be squeezed (or dragged bigger).
        self.setMinimumSize(120, 60)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)
        if thumbnails is not None:
            thumbnails.ready.connect(self._picture_ready)

    def set_thread(self, task_id: str, comments: Sequence[Mapping[str, Any]], first_frame: int = 1) -> None:
        """The selected task's thread arrived: list its revisions, show the newest."""
        revisions = revisions_from_comments(comments, task_id)
        same = task_id == self.task_id and [r.id for r in revisions] == [r.id for r in self.revisions]
        self.task_id, self.first_frame, self.revisions = task_id, first_frame, revisions
        self.title.setText(f"Previews ({len({r.revision for r in revisions})} revisions)" if revisions
                           else "Previews: none for this task")
        if same:
            return
        self.list.blockSignals(True)
        self.list.clear()
        for r in revisions:
            item = QListWidgetItem(revision_text(r))
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if revisions:
            self.list.setCurrentRow(0)
        else:
            self.runner.cancel("open")
            self.player.show_still(None, text="No preview")

    def clear(self) -> None:
        self.set_thread("", [])

    def current(self) -> PreviewRevision | None:
        row = self.list.currentRow()
        return self.revisions[row] if 0 <= row < len(self.revisions) else None

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.revisions):
            self.show_revision(self.revisions[row])

    def show_revision(self, r: PreviewRevision) -> None:
        self._picture_path = ""
        if not r.ready:
            self.runner.cancel("open")
            self.player.show_still(None, text=f"{r.label}: {r.status} on the server")
        elif r.is_movie and (self._movies is not None or self.session is not None):
            self.player.show_still(None, text=f"Loading {r.label}…")
            self.runner.run(self._open_movie(r), key="open")
        else:
            self.runner.cancel("open")
            self._picture_path = preview_picture_path(r.id)
            pixmap = self.thumbnails.pixmap(self._picture_path) if self.thumbnails is not None else None
            self.player.show_still(pixmap, preview_id=r.id, text="Loading picture…", annotations=r.annotations)
            if pixmap is not None:
                self.revision_shown.emit(r.id)

    @property
    def movies(self) -> PreviewMovies:
        if self._movies is None:
            assert self.session is not None
            self._movies = movies_for(self.session)  # made on first use, on the running loop
        return self._movies

    async def _open_movie(self, r: PreviewRevision) -> None:
        try:
            path = await self.movies.movie(r.raw)
            if not self.runner.is_current("open"):
                return
            await self.player.open_movie(path, preview_id=r.id, first_frame=self.first_frame,
                                         annotations=r.annotations)
        except (E.ZouError, DecodeError) as exc:
            if self.runner.is_current("open"):
                self.player.show_still(None, text=f"{r.label} cannot be played: {error_text(exc)}")

    def _frame_shown(self, index: int) -> None:
        r = self.current()
        if index == 0 and r is not None and r.id == self.player.preview_id:
            self.revision_shown.emit(r.id)

    def _picture_ready(self, path: str) -> None:
        r = self.current()
        if path == self._picture_path and self.thumbnails is not None and r is not None:
            self.player.show_still(self.thumbnails.pixmap(path), preview_id=r.id, annotations=r.annotations)
            self.revision_shown.emit(r.id)
