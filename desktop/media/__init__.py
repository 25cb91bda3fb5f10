"""Decoding preview movies frame by frame, Qt-free (PyAV, FFmpeg's libraries bundled in its wheel).

`FrameReader` opens one movie and returns any frame by its index, exactly: a frame's index comes from
its timestamp, never from a count of decoded frames after a seek, so stepping and seeking always agree
(the off-by-one Kitsu's users report between the two). `AsyncFrameReader` runs it on its own thread for
the event loop. `timing.frame_time` / `timing.time_frame` convert between a frame index and the time Kitsu stores an
annotation at.
"""

# Nothing is imported here: `timing` is used by the API layer without loading FFmpeg's libraries.
