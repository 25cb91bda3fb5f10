"""The thread pool for blocking file work of exports and imports (writing CSV, parsing a big file).

Plain Python threads of our own, not the loop's default executor: under qasync that one is made of
QThreads, which Qt reports (or aborts on) when the app exits with them alive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable

_WORKERS = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="slate-csv")
# Up to this many rows, per-row work runs on the loop: a few tens of ms (~2-16 µs a row measured on the
# 2-core CI machine), less than the thread hop is worth; beyond it, on a worker thread.
INLINE_ROWS = 5_000


async def run_in_worker[**P, T](fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking file work off the event loop (CSV writing, big parsing)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKERS, functools.partial(fn, *args, **kwargs))


async def run_for_rows[**P, T](rows: int, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn` over a table of `rows` rows: on the loop when it is small (INLINE_ROWS), else `run_in_worker`."""
    if rows <= INLINE_ROWS:
        return fn(*args, **kwargs)
    return await run_in_worker(fn, *args, **kwargs)
