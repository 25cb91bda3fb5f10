"""One movie, any frame by index, exactly (PyAV).

Why a frame's index is computed from its timestamp: a player that counts frames after a seek is off by
one whenever the seek lands elsewhere than it assumed (a keyframe before the target, an edit list, a
first frame whose timestamp is not zero); Kitsu's users see it as "stepping and seeking disagree". Here
`index = round((pts - start) * time_base * fps)` for every decoded frame, so frame 37 is the same
picture whether it was reached by 37 steps, a seek, or a seek backwards.

Decoding is sequential from the nearest keyframe before the target; the frames decoded on the way are
kept (decoded, not converted) in a small cache bounded in bytes, so stepping backwards within a group of
pictures costs one conversion, not one decode of the whole group per step. Not thread-safe: one reader
per thread (`AsyncFrameReader` gives it one).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

log = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 384 << 20  # decoded frames kept for stepping back: ~130 frames of 1080p yuv420p
CONVERTED_AHEAD = 4  # frames converted ahead of a step (next and previous, at the size asked last)
FORWARD_DECODE_LIMIT = 12  # a target this far ahead is decoded to, not sought (Zou keys every 2nd frame)


class DecodeError(Exception):
    """The file is not a movie or picture PyAV can read, or it broke while decoding."""


@dataclass(frozen=True)
class MovieInfo:
    width: int
    height: int
    fps: Fraction
    frame_count: int
    codec: str

    @property
    def duration(self) -> float:
        return float(self.frame_count / self.fps) if self.fps else 0.0


@dataclass(frozen=True)
class FrameImage:
    """A converted frame: `data` holds `height` rows of `stride` bytes, 4 bytes a pixel in B, G, R, A order
    (QImage's Format_RGB32 on a little-endian machine, the format Qt paints fastest)."""

    index: int
    width: int
    height: int
    stride: int
    data: bytes | memoryview
    owner: object = field(default=None, repr=False, compare=False)  # what holds `data`'s memory

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        offset = y * self.stride + x * 4
        b, g, r = self.data[offset], self.data[offset + 1], self.data[offset + 2]
        return r, g, b


class FrameReader:
    def __init__(self, path: str | Path, *, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        # PyAV (FFmpeg, ~0.1 s to import) loads with the first movie opened, not with the review player that
        # the main window's detail pane builds as the window opens (cold start, issue 16).
        import av

        self.path = Path(path)
        try:
            self._container: InputContainer = av.open(str(self.path), mode="r")
        except (av.FFmpegError, OSError) as exc:
            raise DecodeError(f"{self.path.name} cannot be read as a movie: {exc}") from exc
        if not self._container.streams.video:
            self._container.close()
            raise DecodeError(f"{self.path.name} has no video stream.")
        stream: VideoStream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._stream = stream
        base = stream.time_base
        self._time_base = Fraction(base.numerator, base.denominator) if base else Fraction(1, 1_000_000)
        rate = stream.average_rate or stream.guessed_rate
        self.fps = Fraction(rate.numerator, rate.denominator) if rate else Fraction(24)
        self._start = stream.start_time if stream.start_time is not None else 0
        count = stream.frames
        if not count and stream.duration:
            count = round(stream.duration * self._time_base * self.fps)
        if not count and self._container.duration:
            count = round(Fraction(self._container.duration, av.time_base) * self.fps)
        self.info = MovieInfo(width=stream.codec_context.width, height=stream.codec_context.height,
                              fps=self.fps, frame_count=max(1, int(count or 1)), codec=stream.codec_context.name)
        frame_bytes = max(1, self.info.width * self.info.height * 3 // 2)
        self._cache_frames = max(2, cache_bytes // frame_bytes)
        self._cache: OrderedDict[int, VideoFrame] = OrderedDict()
        self._converted: dict[tuple[int, int | None, int | None], FrameImage] = {}
        self._frames: Iterator[VideoFrame] | None = None
        self._next: int | None = None  # the index the decoder gives next when it goes on; None: after a seek
        self._last: VideoFrame | None = None
        self.seeks = 0  # how many times a frame needed a seek (the benchmark reports it)

    # ------------------------------------------------------------------ public
    @property
    def frame_count(self) -> int:
        return self.info.frame_count

    def index_of(self, frame: VideoFrame) -> int:
        pts = frame.pts if frame.pts is not None else frame.dts
        if pts is None:
            raise DecodeError("a frame without a timestamp")
        return round((pts - self._start) * self._time_base * self.fps)

    def image(self, index: int, width: int | None = None, height: int | None = None) -> FrameImage:
        """Frame `index` (clamped to the movie), converted to BGRA at `width` x `height` (the native size
        when not given)."""
        index = max(0, min(index, self.frame_count - 1))
        ready = self._converted.pop((index, width, height), None)
        if ready is not None:
            return ready
        frame, actual = self.decoded(index)
        return self._convert(frame, actual, width, height)

    def _convert(self, frame: VideoFrame, index: int, width: int | None, height: int | None) -> FrameImage:
        import av  # loaded since __init__

        try:
            converted = frame.reformat(width=width or frame.width, height=height or frame.height,
                                       format="bgra", interpolation="BILINEAR")
        except av.FFmpegError as exc:
            raise DecodeError(f"frame {index} could not be converted: {exc}") from exc
        plane = converted.planes[0]
        # The plane's memory, not a copy (8 MB a 1080p frame): the converted frame lives as long as the image.
        return FrameImage(index=index, width=converted.width, height=converted.height, stride=plane.line_size,
                          data=memoryview(plane), owner=converted)

    def prefetch(self, index: int, width: int | None = None, height: int | None = None) -> None:
        """Get the likely next step ready, converted at this size: `index` if it is cached or the frame
        the decoder gives next (never a seek: a step the user may not take must not cost one)."""
        if not 0 <= index < self.frame_count or (index, width, height) in self._converted:
            return
        if index not in self._cache and self._next != index:
            return
        try:
            frame, actual = self.decoded(index)
            if actual == index:
                self._converted[(index, width, height)] = self._convert(frame, actual, width, height)
        except DecodeError:
            return
        while len(self._converted) > CONVERTED_AHEAD:
            self._converted.pop(next(iter(self._converted)))

    def decoded(self, index: int) -> tuple[VideoFrame, int]:
        """The decoded frame shown at `index` and its real index (a variable-rate movie can skip one)."""
        index = max(0, min(index, self.frame_count - 1))
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached, index
        if self._next is None or index < self._next or index > self._next + FORWARD_DECODE_LIMIT:
            self._seek(index)
        import av  # loaded since __init__

        try:
            return self._decode_to(index)
        except av.FFmpegError as exc:
            self._next = None
            raise DecodeError(f"frame {index} could not be decoded: {exc}") from exc

    def close(self) -> None:
        self._cache.clear()
        self._converted.clear()
        self._frames = None
        self._container.close()

    # ------------------------------------------------------------------ decoding
    def _seek(self, index: int, *, back: int = 0) -> None:
        self.seeks += 1
        target = max(0, index - back)
        pts = self._start + int(Fraction(target) / self.fps / self._time_base)
        # backward=True: the keyframe at or before the target, never after it.
        self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        self._frames = self._container.decode(self._stream)
        self._next = None
        self._last = None

    def _decode_to(self, index: int) -> tuple[VideoFrame, int]:
        back = 0
        while True:
            assert self._frames is not None
            first_after_seek = self._next is None
            for frame in self._frames:
                i = self.index_of(frame)
                if first_after_seek and i > index and back < index:
                    break  # the seek landed after the target: seek further back
                first_after_seek = False
                self._next = i + 1
                if i > index - self._cache_frames:
                    self._keep(i, frame)
                if i == index:
                    return frame, i
                if i > index:
                    # No frame has this index (variable frame rate): the one on screen then is the previous.
                    previous, self._last = self._last, frame
                    return (previous, index) if previous is not None else (frame, i)
                self._last = frame
            else:
                # The end of the stream: the movie has fewer frames than its header said.
                last = self._last
                if last is None:
                    raise DecodeError(f"no frame could be decoded at or before frame {index}")
                count = self.index_of(last) + 1
                if count < self.info.frame_count:
                    log.info("%s: %d frames, not %d", self.path.name, count, self.info.frame_count)
                    self.info = MovieInfo(self.info.width, self.info.height, self.fps, count, self.info.codec)
                self._next = None
                return last, count - 1
            back = max(2 * back, FORWARD_DECODE_LIMIT)
            self._seek(index, back=back)

    def _keep(self, index: int, frame: VideoFrame) -> None:
        self._cache[index] = frame
        self._cache.move_to_end(index)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
