"""A `FrameReader` on its own thread, for an asyncio loop (the Qt loop in the app).

One thread per open movie: PyAV's decoder is not thread-safe, and a single thread keeps the requests in
the order they were made. FFmpeg releases the GIL while it decodes and converts, so the UI thread goes
on painting. After each frame the thread gets the next one the same way ready (decoded and converted at the size
asked): the usual next step.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

from desktop.media.frames import DecodeError, FrameImage, FrameReader, MovieInfo


class ReaderClosed(DecodeError):
    """The movie was closed while a frame was asked of it (another movie replaced it)."""


class AsyncFrameReader:
    def __init__(self, reader: FrameReader, executor: concurrent.futures.ThreadPoolExecutor) -> None:
        self._reader = reader
        self._executor = executor
        self.info: MovieInfo = reader.info
        self.path = reader.path
        self._closed = False
        self._last_index = -1

    @classmethod
    async def open(cls, path: str | Path) -> AsyncFrameReader:
        """Open the movie on a new decoding thread (raises `DecodeError`)."""
        executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="slate-decode")
        try:
            reader = await asyncio.get_running_loop().run_in_executor(executor, FrameReader, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(reader, executor)

    @property
    def frame_count(self) -> int:
        return self._reader.frame_count

    async def image(self, index: int, width: int | None = None, height: int | None = None) -> FrameImage:
        if self._closed:
            raise ReaderClosed(f"{self.path.name} is closed")
        image = await asyncio.get_running_loop().run_in_executor(self._executor, self._reader.image, index, width,
                                                                 height)
        self.info = self._reader.info  # the real frame count once the end was reached
        if not self._closed:
            # The next step the same way, converted at this size, while the UI paints this one.
            direction = -1 if image.index < self._last_index else 1
            self._executor.submit(self._reader.prefetch, image.index + direction, width, height)
        self._last_index = image.index
        return image

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._executor.submit(self._reader.close)
            self._executor.shutdown(wait=False)
