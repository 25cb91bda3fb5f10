"""Frame index <-> annotation time, on Kitsu's frame grid (no decoding: the API layer uses it too)."""

from __future__ import annotations

KITSU_TIME_PRECISION = 10_000  # Kitsu rounds a frame's duration to 4 decimals


def frame_duration(fps: float) -> float:
    """Kitsu's frame duration: 1 / fps rounded half-up to 4 decimals (Zou snaps annotation times to it)."""
    return int(1 / fps * KITSU_TIME_PRECISION + 0.5) / KITSU_TIME_PRECISION


def frame_time(index: int, fps: float) -> float:
    """The time Kitsu stores an annotation of frame `index` at (0-based frame of the movie)."""
    return int(index * frame_duration(fps) * KITSU_TIME_PRECISION + 0.5) / KITSU_TIME_PRECISION


def time_frame(time: float, fps: float) -> int:
    """The movie frame an annotation time lands on (Kitsu's and Zou's rounding)."""
    return max(0, int(time / frame_duration(fps) + 0.5))
