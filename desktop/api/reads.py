"""Where a read goes. Two things answer `get(path, params)`: the session (the server, nothing else) and the
signed-in user's disk cache (`desktop.api.cache.ReadCache`: the server first and the answer stored; the stored
answer when the server cannot be reached). Every read of the app takes the second when the window has one, so
what was seen stays readable offline; a group of routes (`Routes`) is given it once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from desktop.api.session import ZouSession


class Reads(Protocol):
    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any: ...


class Routes:
    """A group of routes of one session: writes through `session`, reads through `reads` (the session itself
    when no cache is given: tools and tests without a window)."""

    def __init__(self, session: ZouSession, reads: Reads | None = None) -> None:
        self.session = session
        self.reads: Reads = reads if reads is not None else session
