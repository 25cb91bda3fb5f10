"""Running one edit over many rows: bounded concurrency, progress, and a per-row report.

A failing row never stops the others; every row ends as one `RowResult` (ok, or the reason it failed),
in the order the rows were given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from desktop.api import errors as E

T = TypeVar("T")


@dataclass(frozen=True)
class RowResult:
    key: str  # entity id or task id
    label: str  # what the user sees for the row ("SQ01 / SH010", "SH010 Layout")
    ok: bool
    message: str = ""  # why it failed, one sentence
    error: BaseException | None = field(default=None, compare=False, repr=False)
    result: Any = field(default=None, compare=False, repr=False)


@dataclass
class BulkReport:
    results: list[RowResult]
    cancelled: bool = False

    @property
    def succeeded(self) -> list[RowResult]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[RowResult]:
        return [r for r in self.results if not r.ok]

    @property
    def summary(self) -> str:
        n_ok, n_bad = len(self.succeeded), len(self.failed)
        text = f"{n_ok} of {len(self.results)} rows saved"
        if n_bad:
            text += f", {n_bad} failed"
        return text + ("; stopped before the end." if self.cancelled else ".")


BulkProgress = Callable[[int, int, RowResult], None]


def failure_text(exc: BaseException) -> str:
    if isinstance(exc, E.ZouError):
        return str(exc)
    return f"Unexpected error ({exc.__class__.__name__})."


async def run_bulk(items: Sequence[tuple[str, str, Callable[[], Awaitable[Any]]]], *,
                   on_progress: BulkProgress | None = None, concurrency: int = 4) -> BulkReport:
    """Run `(key, label, make_coroutine)` items, at most `concurrency` at a time, reporting each row.

    Errors other than `ZouError` (bugs) are reported on the row as well, so one bad row cannot hide the
    outcome of the others; cancellation stops the remaining rows and is re-raised.
    """
    total = len(items)
    results: list[RowResult | None] = [None] * total
    done = 0
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(i: int, key: str, label: str, make: Callable[[], Awaitable[Any]]) -> None:
        nonlocal done
        async with sem:
            try:
                value = await make()
                row = RowResult(key=key, label=label, ok=True, result=value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                row = RowResult(key=key, label=label, ok=False, message=failure_text(exc), error=exc)
        results[i] = row
        done += 1
        if on_progress is not None:
            on_progress(done, total, row)

    await asyncio.gather(*(one(i, k, label, make) for i, (k, label, make) in enumerate(items)))
    return BulkReport(results=[r for r in results if r is not None])
