"""Generated movies whose frames carry their own number, read back without OCR.

Each frame shows its number as BITS vertical bands (white = 1, black = 0, most significant bit left) in
the top half, and the complement in the bottom half: a band survives scaling and H.264 compression, and
the complement catches a frame blended from two (a wrong frame would read as an inconsistent pattern).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from desktop.media.frames import FrameImage
from tests.helpers.zou import ZouAdmin

BITS = 12  # up to 4095 frames


def _frame_rgb(number: int, width: int, height: int) -> bytes:
    row_top = bytearray()
    row_bottom = bytearray()
    for x in range(width):
        bit = (number >> (BITS - 1 - min(BITS - 1, x * BITS // width))) & 1
        row_top += b"\xff\xff\xff" if bit else b"\x00\x00\x00"
        row_bottom += b"\x00\x00\x00" if bit else b"\xff\xff\xff"
    half = height // 2
    return bytes(row_top) * half + bytes(row_bottom) * (height - half)


def make_numbered_movie(path: Path, frames: int, *, fps: int = 24, width: int = 640, height: int = 360,
                        gop: int = 48, start: int = 0) -> Path:
    """An H.264 mp4 of `frames` frames, frame i showing the number `start + i`.

    No B-frames: Zou 1.0.97's processing of a B-frame source (its silent-soundtrack step, video stream
    copied) shows the first group of pictures frozen on its last frame, which would test Zou, not Slate.
    """
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.codec_context.options = {"preset": "ultrafast", "crf": "18", "bf": "0"}
        for i in range(frames):
            frame = av.VideoFrame(width, height, "rgb24")
            frame.planes[0].update(_frame_rgb(start + i, width, height))
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def read_number(image: FrameImage) -> int:
    """The number a frame of `make_numbered_movie` carries; AssertionError when the pattern is damaged."""
    value = 0
    for bit in range(BITS):
        x = int((bit + 0.5) * image.width / BITS)
        top = sum(image.rgb(x, image.height // 4)) / 3
        bottom = sum(image.rgb(x, image.height * 3 // 4)) / 3
        one, zero = top > 128, bottom > 128
        assert one != zero, f"band {bit} of the frame is not a clean bit (top {top:.0f}, bottom {bottom:.0f})"
        value = (value << 1) | int(one)
    return value


def publish_movie(admin: ZouAdmin, task_id: str, movie: Path, *, status_id: str, text: str = "") -> dict[str, Any]:
    """A comment with a movie preview, through Zou's own preview route (Zou normalises it with ffmpeg).

    Returns the preview file as Zou describes it once processed."""
    comment = admin.post(f"/actions/tasks/{task_id}/comment", {"task_status_id": status_id, "comment": text})
    preview = admin.post(f"/actions/tasks/{task_id}/comments/{comment['id']}/add-preview", {})
    with movie.open("rb") as f:
        up = admin.http.post(f"/pictures/preview-files/{preview['id']}", files={"file": (movie.name, f, "video/mp4")},
                             timeout=300)
    if up.status_code >= 400:
        raise AssertionError(f"movie upload -> {up.status_code} {up.text[:300]}")
    admin.put(f"/actions/preview-files/{preview['id']}/set-main-preview", {})
    record = admin.get(f"/data/preview-files/{preview['id']}")
    assert record.get("status") == "ready", f"Zou did not process the movie: {record.get('status')}"
    return dict(record)
