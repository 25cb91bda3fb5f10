"""The end of Zou's processing of a preview file, as its event stream says it. Qt-free.

Zou emits `preview-file:update` with the new `status` when a movie's normalisation ends (`ready` or
`broken`; its preview_files_service sends the status whenever it changes). A `ProcessingWatch` listens
to the stream from before the upload, so an event that arrives before the upload's answer is not missed,
and `Publisher.wait_until_processed` ends the processing state the moment the event comes while the
stream is live. When it is not (never started, reconnecting, offline), the wait polls with back-off as
before; while live it still reads once in a while (`LIVE_RECHECK_S`) in case an event was lost in a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from desktop.api.events import EventStream, PreviewFileEvent, StreamState, StreamStatus, ZouEvent

FINAL = frozenset({"ready", "broken"})
LIVE_RECHECK_S = 15.0  # while live, a read this often all the same (an event lost in a reconnect)


class ProcessingWatch:
    """The statuses `preview-file:update` events gave since it was made; `changed` wakes a waiter."""

    def __init__(self, stream: EventStream | None) -> None:
        self.stream = stream
        self.statuses: dict[str, str] = {}  # preview file id -> the last status an event gave
        self.ended_by_event: set[str] = set()  # preview files whose wait the event ended (no read)
        self._changed = asyncio.Event()
        self._remove: list[Callable[[], None]] = []
        if stream is not None:
            self._remove = [stream.add_listener(self._on_event), stream.add_status_listener(self._on_status)]

    @property
    def live(self) -> bool:
        return self.stream is not None and self.stream.state == StreamState.LIVE

    def final_status(self, preview_id: str) -> str | None:
        status = self.statuses.get(preview_id)
        return status if status in FINAL else None

    async def changed(self, timeout: float) -> bool:
        """Wait for an event (or a change of the stream's state) at most `timeout` s; False on timeout."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._changed.clear()
        return True

    def close(self) -> None:
        for remove in self._remove:
            with contextlib.suppress(ValueError):
                remove()
        self._remove = []

    def __enter__(self) -> ProcessingWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_event(self, event: ZouEvent) -> None:
        if isinstance(event, PreviewFileEvent) and event.action == "update" and event.status:
            self.statuses[event.preview_file_id] = event.status
            self._changed.set()

    def _on_status(self, _status: StreamStatus) -> None:
        self._changed.set()  # live -> not live: the waiter goes back to polling at once
