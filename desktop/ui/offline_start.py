"""Opening a saved session while the server cannot be reached: the user and server from the disk cache.

Imported by the controller only when the start finds the server unreachable (not on the normal start path).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from desktop.api import Person, ServerInfo
from desktop.api.cache import CacheStore, database_path, default_root, is_unreachable

log = logging.getLogger(__name__)


def cached_session(api_url: str, email: str, exc: BaseException) -> tuple[Person, ServerInfo] | None:
    """The signed-in user and server saved beside the cache, when `exc` says the server is unreachable."""
    if not is_unreachable(exc) or not api_url or not email:
        return None
    store = CacheStore(database_path(default_root(), api_url, email), max_bytes=1 << 62)
    if not store.path.exists():
        return None
    try:
        saved = store.get_meta("session")
    finally:
        store.close()
    if not isinstance(saved, dict) or not isinstance(saved.get("user"), dict):
        return None
    user = Person.from_json(saved["user"])
    fields = {f.name for f in dataclasses.fields(ServerInfo)}
    found = saved.get("server")
    raw: dict[str, Any] = found if isinstance(found, dict) else {}
    server = ServerInfo(**{k: v for k, v in raw.items() if k in fields} | {"api_url": api_url,
                                                                          "version": str(raw.get("version", ""))})
    if not user.id:
        return None
    return user, server
