"""The review player: one preview (a movie or a picture), frame by frame, with its annotations.

`ReviewPlayer(parent, editor=None)`; `await open_movie(path, preview_id=..., first_frame=1001,
annotations=...)` or `show_still(pixmap, ...)`; `await open_compare(path)` puts a second revision beside
the first, on the same frame. Left / Right step one frame, Space plays, Home / End go to the ends; the
frame number shown is the shot's (`first_frame` + index, e.g. 1001). Drawing (the Draw button) saves
each stroke to Zou through the editor as Kitsu's annotations; a stroke that could not be saved stays on
screen, listed as unsaved, with Retry.

Decoding happens on the movie's own thread (`desktop.media.threaded`); the player asks for the newest
wanted frame only (a held arrow key skips the frames it could not show in time, never queues them).

objectNames: reviewPlayer, reviewFrame, reviewCompareFrame, reviewStepBack, reviewPlay, reviewStepForward,
reviewFrameSpin, reviewFrameLabel, reviewTimeline, reviewSpeed, reviewLoop, reviewDraw, reviewRetrySave,
reviewPlayerMessage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import Editor
from desktop.api.reviews import Stroke, annotation_frames, stroke_object, strokes_of
from desktop.asyncqt import TaskRunner
from desktop.media.frames import DecodeError, FrameImage
from desktop.media.threaded import AsyncFrameReader, ReaderClosed
from desktop.ui.review.frame_view import FrameView
from desktop.ui.widgets import MessageLabel, error_text, named

log = logging.getLogger(__name__)
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0)
STILL_FPS = 24.0  # a picture's annotations are on frame 0; Kitsu times them at its default rate


class ReviewPlayer(QWidget):
    frame_shown = Signal(int)  # the movie's index (0-based) now on screen
    reached_end = Signal()  # playback got past the last frame (not looping)
    annotations_saved = Signal(str)  # preview id

    def __init__(self, parent: QWidget | None = None, *, editor: Editor | None = None,
                 compact: bool = False) -> None:
        super().__init__(parent)
        named(self, "reviewPlayer", "Review player")
        self.editor = editor
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self._failed)
        self.reader: AsyncFrameReader | None = None
        self.compare_reader: AsyncFrameReader | None = None
        self.preview_id = ""
        self.first_frame = 1
        self.fps = STILL_FPS
        self.index = -1  # shown
        self._wanted = 0
        self._busy = False
        self._annotations: dict[int, list[dict[str, Any]]] = {}
        self.unsaved: list[tuple[str, int, float, dict[str, Any]]] = []  # preview id, frame, fps, object
        self._play_origin = (0.0, 0)  # (monotonic time, index) playback started from
        self.speed = 1.0

        self.view = named(FrameView(), "reviewFrame", "Frame")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.compare_view = named(FrameView(), "reviewCompareFrame", "Compared revision")
        self.compare_view.setVisible(False)
        self.view.stroke_drawn.connect(self._stroke_drawn)
        self.view.resized.connect(self._redraw)

        def button(text: str, name: str, label: str) -> QPushButton:
            b = named(QPushButton(text), name, label)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrows stay the player's
            return b

        self.back_button = button("◀|", "reviewStepBack", "Previous frame")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.play_button = button("Play", "reviewPlay", "Play or pause")
        self.play_button.clicked.connect(self.toggle_play)
        self.forward_button = button("|▶", "reviewStepForward", "Next frame")
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.frame_spin = named(QSpinBox(), "reviewFrameSpin", "Go to frame")
        self.frame_spin.setKeyboardTracking(False)
        self.frame_spin.valueChanged.connect(lambda v: self.seek(v - self.first_frame))
        self.frame_label = named(QLabel("–"), "reviewFrameLabel", "Frame number")
        self.timeline = named(QSlider(Qt.Orientation.Horizontal), "reviewTimeline", "Timeline")
        self.timeline.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.timeline.valueChanged.connect(self._timeline_moved)
        self.speed_combo = named(QComboBox(), "reviewSpeed", "Playback speed")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}×", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.currentIndexChanged.connect(lambda _i: self.set_speed(float(self.speed_combo.currentData())))
        self.loop_box = named(QCheckBox("Loop"), "reviewLoop", "Loop")
        self.loop_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.draw_button = button("Draw", "reviewDraw", "Draw annotations")
        self.draw_button.setCheckable(True)
        self.draw_button.toggled.connect(self._draw_toggled)
        self.retry_button = button("Retry saving drawings", "reviewRetrySave", "Save the unsaved drawings again")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self.retry_unsaved)
        self.message = named(MessageLabel(self), "reviewPlayerMessage", "Player message")
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

        views = QHBoxLayout()
        views.setContentsMargins(0, 0, 0, 0)
        views.addWidget(self.view, 1)
        views.addWidget(self.compare_view, 1)
        controls = QHBoxLayout()
        for w in (self.back_button, self.play_button, self.forward_button, self.frame_spin, self.frame_label):
            controls.addWidget(w)
        controls.addWidget(self.timeline, 1)
        for extra in (self.speed_combo, self.loop_box, self.draw_button, self.retry_button):
            controls.addWidget(extra)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(views, 1)
        if compact:
            # Narrow places (the detail pane): the timeline on its own row, then the essential buttons; the
            # frame box and speed stay reachable from the keyboard (arrows, Home / End).
            layout.addWidget(self.timeline)
            self.frame_spin.setVisible(False)
            self.speed_combo.setVisible(False)
            for b in (self.back_button, self.play_button, self.forward_button, self.draw_button):
                b.setMinimumWidth(0)
                b.setMaximumWidth(56)
            controls.removeWidget(self.timeline)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        self._set_range(1)

    # ------------------------------------------------------------------ opening
    @property
    def frame_count(self) -> int:
        return self.reader.frame_count if self.reader is not None else 1

    async def open_movie(self, path: str | Path, *, preview_id: str = "", first_frame: int = 1,
                         annotations: Sequence[Mapping[str, Any]] = ()) -> None:
        """Show the movie at `path` from its first frame (raises `DecodeError`)."""
        self.pause()
        self.close_movie()
        self.message.clear_message()
        reader = await AsyncFrameReader.open(path)
        self.close_movie()  # another open may have finished meanwhile
        self.reader = reader
        self.preview_id, self.first_frame = preview_id, first_frame
        self.fps = float(reader.info.fps) or STILL_FPS
        self.view.set_canvas(reader.info.width, reader.info.height)
        self._annotations = annotation_frames(annotations, self.fps)
        self._set_range(reader.frame_count)
        self.index = -1
        self.seek(0)

    def show_still(self, pixmap: QPixmap | None, *, preview_id: str = "", text: str = "",
                   annotations: Sequence[Mapping[str, Any]] = ()) -> None:
        """A picture preview (or a placeholder `text`): one frame, annotations on frame 0."""
        self.pause()
        self.close_movie()
        self.preview_id, self.first_frame, self.fps = preview_id, 1, STILL_FPS
        self._annotations = annotation_frames(annotations, self.fps)
        self.view.show_picture(pixmap, text)
        self._set_range(1)
        self.index = 0
        self._show_annotations()
        self._update_label()

    async def open_compare(self, path: str | Path | None) -> None:
        """A second movie beside the first, on the same frame (None: compare no more)."""
        if self.compare_reader is not None:
            self.compare_reader.close()
            self.compare_reader = None
        if path is None:
            self.compare_view.setVisible(False)
            return
        reader = await AsyncFrameReader.open(path)
        if self.compare_reader is not None:
            self.compare_reader.close()
        self.compare_reader = reader
        self.compare_view.set_canvas(reader.info.width, reader.info.height)
        self.compare_view.setVisible(True)
        self._redraw()

    def close_movie(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def closeEvent(self, event: Any) -> None:
        self.pause()
        self.close_movie()
        if self.compare_reader is not None:
            self.compare_reader.close()
            self.compare_reader = None
        super().closeEvent(event)

    # ------------------------------------------------------------------ moving
    def step(self, delta: int) -> None:
        self.pause()
        self.seek((self._wanted if self._busy else max(0, self.index)) + delta)

    def seek(self, index: int) -> None:
        index = max(0, min(index, self.frame_count - 1))
        self._wanted = index
        if self.reader is not None and not self._busy and index != self.index:
            self._decode_next()

    def _redraw(self) -> None:
        if self.reader is not None and not self._busy:
            self.index = -1  # size changed: decode the shown frame again at the new size
            self._decode_next()

    def _decode_next(self) -> None:
        self._busy = True
        self.runner.run(self._decode(self._wanted))  # one at a time (`_busy`), so no key to cancel it by

    async def _decode(self, index: int) -> None:
        reader, compare = self.reader, self.compare_reader
        try:
            if reader is None:
                return
            size = self.view.target_size()
            try:
                image = await reader.image(index, size.width(), size.height())
                other: FrameImage | None = None
                if compare is not None and compare is self.compare_reader:
                    csize = self.compare_view.target_size()
                    other = await compare.image(min(index, compare.frame_count - 1), csize.width(), csize.height())
            except ReaderClosed:
                return  # replaced by another movie meanwhile: nothing to say
            except DecodeError as exc:
                self.message.show_message(str(exc))
                return
            if reader is not self.reader:
                return
            self.view.show_frame(image)
            if other is not None and compare is self.compare_reader:
                self.compare_view.show_frame(other)
            self.index = image.index
            self._show_annotations()
            self._update_label()
            self.frame_shown.emit(self.index)
        finally:
            self._busy = False
            if self.reader is not None and self._wanted != self.index:
                self._decode_next()

    def current_image(self) -> FrameImage | None:
        return self.view.frame

    # ------------------------------------------------------------------ playback
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.reader is None:
            return
        start = 0 if self.index >= self.frame_count - 1 else max(0, self.index)
        self._play_origin = (time.monotonic(), start)
        self.timer.start(max(4, int(500 / (self.fps * self.speed))))
        self.play_button.setText("Pause")

    def pause(self) -> None:
        self.timer.stop()
        self.play_button.setText("Play")

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        if self.playing:
            self.play()

    def _tick(self) -> None:
        started, origin = self._play_origin
        target = origin + int((time.monotonic() - started) * self.fps * self.speed)
        if target >= self.frame_count:
            if self.loop_box.isChecked():
                self._play_origin = (time.monotonic(), 0)
                target = 0
            else:
                self.pause()
                self.seek(self.frame_count - 1)
                self.reached_end.emit()
                return
        if target != self._wanted:
            self.seek(target)  # a frame still decoding is not waited for: the newest wanted one follows

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.step(1)
        elif key == Qt.Key.Key_Left:
            self.step(-1)
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        elif key == Qt.Key.Key_Home:
            self.pause()
            self.seek(0)
        elif key == Qt.Key.Key_End:
            self.pause()
            self.seek(self.frame_count - 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ frame number
    def _set_range(self, count: int) -> None:
        for w in (self.frame_spin, self.timeline):
            w.blockSignals(True)
        self.frame_spin.setRange(self.first_frame, self.first_frame + max(0, count - 1))
        self.timeline.setRange(0, max(0, count - 1))
        for w in (self.frame_spin, self.timeline):
            w.blockSignals(False)
        self._update_label()

    def frame_number(self) -> int:
        """The shot's frame on screen (first_frame + index)."""
        return self.first_frame + max(0, self.index)

    def _update_label(self) -> None:
        last = self.first_frame + self.frame_count - 1
        self.frame_label.setText(f"{self.frame_number()} / {last}" if self.index >= 0 else "–")
        for w in (self.frame_spin, self.timeline):
            w.blockSignals(True)
        self.frame_spin.setValue(self.frame_number())
        self.timeline.setValue(max(0, self.index))
        for w in (self.frame_spin, self.timeline):
            w.blockSignals(False)

    def _timeline_moved(self, value: int) -> None:
        self.pause()
        self.seek(value)

    # ------------------------------------------------------------------ annotations
    def _show_annotations(self) -> None:
        self.view.set_strokes(strokes_of(self._annotations.get(max(0, self.index), [])))

    def annotated_frames(self) -> list[int]:
        return sorted(f for f, objects in self._annotations.items() if objects)

    def _draw_toggled(self, on: bool) -> None:
        if on:
            self.pause()
        self.view.set_drawing(on)

    def _stroke_drawn(self, stroke: Stroke) -> None:
        self.add_stroke(stroke)

    def add_stroke(self, stroke: Stroke) -> None:
        """Show the stroke on the current frame and save it to Zou."""
        obj = stroke_object(stroke)
        frame = max(0, self.index)
        self._annotations.setdefault(frame, []).append(obj)
        self._show_annotations()
        self.unsaved.append((self.preview_id, frame, self.fps, obj))
        self.retry_unsaved()

    def retry_unsaved(self) -> None:
        if self.unsaved and self.editor is not None and self.preview_id:
            self.runner.run(self._save_unsaved(), key="annotations")
        elif self.unsaved:
            self.message.show_message("Drawings cannot be saved here (no preview on Zou).", "warn")

    async def _save_unsaved(self) -> None:
        editor = self.editor
        assert editor is not None
        while self.unsaved:
            preview_id, frame, fps, obj = self.unsaved[0]
            try:
                await editor.add_annotations(preview_id, frame, fps, [obj])
            except E.ZouError as exc:
                self.message.show_message(f"Drawing not saved: {error_text(exc)}")
                self.retry_button.setVisible(True)
                return
            self.unsaved.pop(0)
        self.retry_button.setVisible(False)
        self.message.clear_message()
        self.annotations_saved.emit(self.preview_id)

    def _failed(self, key: str, exc: object) -> None:
        text = error_text(exc) if isinstance(exc, E.ZouError) else str(exc)
        log.warning("player task %s failed: %s", key, text)
        self.message.show_message(text)
