"""The disk cache of what each user has loaded (per server and user): instant reopen, offline reading.

`store.CacheStore` is the SQLite database; `reads.ReadCache` the reads through it (lists revalidated by
ETag, JSON answers as a fallback), and `reads.Reachability` whether the server answers. Qt-free.
"""

from desktop.api.cache.reads import ListRead, ListSource, Offline, Reachability, ReadCache, default_root, is_unreachable
from desktop.api.cache.store import CacheCorrupt, CacheStore, database_path

__all__ = ["CacheCorrupt", "CacheStore", "ListRead", "ListSource", "Offline", "Reachability", "ReadCache",
           "database_path", "default_root", "is_unreachable"]
