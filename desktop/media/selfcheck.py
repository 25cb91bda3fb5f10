"""A check that the decoder works where Slate runs (the bundle's `--smoke-test` prints it): encode a
few numbered frames with the bundled FFmpeg, then read one back by a seek."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import av

from desktop.media.frames import FrameReader

FRAMES = 6


def decoder_check() -> str:
    """"decoder ok (FFmpeg …)", or raises: each frame is one grey level, frame 4 must read as its own."""
    with tempfile.TemporaryDirectory(prefix="slate-decoder-") as tmp:
        path = Path(tmp) / "check.mp4"
        with av.open(str(path), mode="w") as container:
            stream = container.add_stream("libx264", rate=Fraction(24))
            stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
            for i in range(FRAMES):
                frame = av.VideoFrame(64, 64, "gray")
                frame.planes[0].update(bytes([i * 40]) * (frame.planes[0].line_size * 64))
                frame.pts, frame.time_base = i, Fraction(1, 24)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        reader = FrameReader(path)
        try:
            grey = reader.image(4).rgb(32, 32)[0]
        finally:
            reader.close()
    if abs(grey - 160) > 12:
        raise RuntimeError(f"the decoder read frame 4 as grey {grey}, not 160")
    return f"decoder ok (FFmpeg {av.ffmpeg_version_info})"
