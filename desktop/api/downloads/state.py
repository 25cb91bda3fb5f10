"""The saved queue: a JSON file, so unfinished downloads resume after a restart.

Written to a temporary name and renamed (a crash never leaves half a file); read back with suspicion
(it is a file anyone can edit): an unreadable file is set aside as `.bad` and the queue starts empty,
an unreadable entry is skipped, every name is re-checked (`DownloadItem.from_json`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from desktop.api.downloads.items import DownloadItem, Status
from desktop.api.downloads.part_file import lsize

log = logging.getLogger(__name__)

STATE_VERSION = 1
MAX_HISTORY = 500  # finished items kept in the saved queue


def default_state_file() -> Path:
    import platformdirs

    from desktop import APP_NAME, ORG_NAME

    return Path(platformdirs.user_data_dir(APP_NAME, ORG_NAME)) / "downloads.json"


def save_queue(state_file: Path, items: Iterable[DownloadItem]) -> None:
    """Write the queue (the oldest finished items beyond MAX_HISTORY dropped); a failure is only logged."""
    items = list(items)
    finished = [i for i in items if i.status.finished]
    if len(finished) > MAX_HISTORY:
        drop = {i.id for i in sorted(finished, key=lambda i: i.finished or 0)[: len(finished) - MAX_HISTORY]}
        items = [i for i in items if i.id not in drop]
    data = {"version": STATE_VERSION, "items": [i.to_json() for i in items]}
    try:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = state_file.with_name(state_file.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, state_file)
    except OSError as exc:
        log.warning("could not save the download queue: %s", exc)


def load_queue(state_file: Path, api_url: str) -> list[DownloadItem]:
    """The saved items, as they should restart: an item that was active is queued again (the app stopped
    mid-transfer), its progress is what its `.part` holds, one paused by the end of a session is queued
    again (the new run is signed in), and a queued item of another server waits."""
    try:
        raw = state_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("could not read the download queue: %s", exc)
        return []
    try:
        data = json.loads(raw)
        entries = data["items"] if isinstance(data, dict) else []
        if not isinstance(entries, list):
            raise TypeError("items is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("the saved download queue is unreadable (%s); starting empty", exc)
        with contextlib.suppress(OSError):
            os.replace(state_file, state_file.with_name(state_file.name + ".bad"))
        return []
    loaded: list[DownloadItem] = []
    for entry in entries:
        try:
            loaded.append(DownloadItem.from_json(entry))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("skipping an unreadable saved download: %s", exc)
    for item in loaded:
        if item.status is Status.ACTIVE:
            item.status = Status.QUEUED  # the app stopped mid-transfer
        if item.status is not Status.DONE:
            part = item.part
            item.received = lsize(part) if part is not None else 0
        other_server = bool(item.api_url) and item.api_url != api_url
        if item.waiting_for_sign_in and not other_server:
            # Paused when the session ended: a new run has signed in again.
            item.status, item.waiting_for_sign_in = Status.QUEUED, False
            item.error = item.error_type = ""
        if item.status is Status.QUEUED and other_server:
            item.status = Status.PAUSED
            item.error = f"This download belongs to another server ({item.api_url})."
    return loaded
