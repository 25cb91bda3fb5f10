"""Generated preview pictures for the demo production: small PNGs, no downloads, no Qt needed."""

from __future__ import annotations

import colorsys
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def preview_png(seed: int, width: int = 320, height: int = 180) -> bytes:
    """A 16:9 frame: a sky-to-sea gradient whose hue follows `seed`, with a sun disc and a horizon."""
    hue = (seed * 0.137) % 1.0
    sun_x, sun_y, radius = width * (0.2 + 0.6 * ((seed * 0.31) % 1.0)), height * 0.35, height * 0.12
    horizon = int(height * 0.62)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        t = y / height
        if y < horizon:
            r, g, b = colorsys.hsv_to_rgb(hue, 0.35 + 0.3 * t, 0.95 - 0.35 * t)
        else:
            r, g, b = colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.6, 0.55 - 0.3 * (t - 0.62))
        base = (int(r * 255), int(g * 255), int(b * 255))
        for x in range(width):
            if (x - sun_x) ** 2 + (y - sun_y) ** 2 < radius**2:
                rows += b"\xff\xe8\xa0"
            else:
                rows += bytes(base)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + \
        _chunk(b"IEND", b"")
