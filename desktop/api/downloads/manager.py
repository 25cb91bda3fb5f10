"""The download queue of one session: N parallel transfers, persisted, driven by commands.

Qt-free. Commands (enqueue, pause, resume, retry, cancel, remove, resolve a conflict) change an item's
status; `_pump` starts queued items while fewer than `parallel` run; each runs `Transfers._transfer`
(transfer.py) in its own task. Progress, state changes and errors reach listeners (`subscribe`) as
(item, event) on the loop thread. An existing file is never overwritten: `name (1).ext` (policy
"rename") or the item waits for a decision (policy "ask").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from desktop.api import errors as E
from desktop.api.downloads.errors import Stopped, describe
from desktop.api.downloads.filenames import PART_SUFFIX, UnsafePath, safe_target, sanitize_filename, unique_name
from desktop.api.downloads.items import (
    ConflictChoice,
    ConflictPolicy,
    DownloadItem,
    DownloadSource,
    Listener,
    Status,
    Totals,
)
from desktop.api.downloads.part_file import FLUSH_BYTES, lsize
from desktop.api.downloads.state import load_queue, save_queue
from desktop.api.downloads.transfer import FAST_MIN_BYTES, PROGRESS_INTERVAL, Transfers, tune_http_reads
from desktop.api.session import ZouSession

log = logging.getLogger(__name__)


class DownloadManager(Transfers):
    """The download queue of one session: N parallel transfers, persisted in `state_file`."""

    def __init__(self, session: ZouSession, *, state_file: Path | None = None, parallel: int = 3,
                 conflict_policy: ConflictPolicy = ConflictPolicy.RENAME, max_retries: int = 5,
                 retry_delay: float = 1.0, check_free_space: bool = True, fsync: bool = True,
                 progress_interval: float = PROGRESS_INTERVAL, flush_bytes: int = FLUSH_BYTES,
                 load: bool = True, read_size: int | None = None,
                 fast_path_min_bytes: int | None = FAST_MIN_BYTES) -> None:
        self.session = session
        self.state_file = state_file
        self.parallel = max(1, int(parallel))
        self.conflict_policy = ConflictPolicy(conflict_policy)
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.check_free_space = check_free_space
        self.fsync = fsync
        self.progress_interval = progress_interval
        self.flush_bytes = flush_bytes
        self.fast_path_min_bytes = fast_path_min_bytes
        self._items: dict[str, DownloadItem] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stop_reason: dict[str, Status] = {}
        self._listeners: list[Listener] = []
        self._started = False
        self._changed = asyncio.Event()
        self._batch: set[str] = set()
        self._remove_after: set[str] = set()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="slate-download")
        if read_size:
            tune_http_reads(read_size)
        if load and state_file is not None:
            self._load()

    # ---------------------------------------------------------------- reading
    @property
    def items(self) -> list[DownloadItem]:
        return list(self._items.values())

    def get(self, item_id: str) -> DownloadItem:
        return self._items[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    @property
    def active_count(self) -> int:
        return len(self._tasks)

    @property
    def busy(self) -> bool:
        return any(i.status in (Status.QUEUED, Status.ACTIVE) for i in self._items.values())

    def totals(self) -> Totals:
        """Progress of the current batch: what was queued since the queue was last idle (finished items
        included), so the total bar goes from 0 to 100 % per batch instead of counting the history."""
        totals = Totals()
        for item_id in self._batch:
            item = self._items.get(item_id)
            if item is None or item.status is Status.CANCELED:
                continue
            if item.total is None:
                if item.status is not Status.DONE:
                    totals.unknown += 1
                    totals.received += item.received
                continue
            totals.received += min(item.received, item.total)
            totals.total += item.total
            if item.status is Status.ACTIVE:
                totals.speed += item.speed
                totals.left += max(item.total - item.received, 0)
        return totals

    def _add_to_batch(self, item_ids: Iterable[str]) -> None:
        if not self.busy:
            self._batch = {i for i in self._batch if self._items.get(i) is not None
                           and self._items[i].status in (Status.PAUSED, Status.FAILED, Status.CONFLICT)}
        self._batch.update(item_ids)

    # ---------------------------------------------------------------- listeners
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, item: DownloadItem, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(item, event)
            except Exception:  # a listener must not break a transfer
                log.exception("download listener failed")
        if event != "progress":
            self._poke()

    def _poke(self) -> None:
        self._changed.set()

    # ---------------------------------------------------------------- commands
    def start(self) -> None:
        """Start transfers (restored queued items first). Needs a running event loop."""
        self._started = True
        self._pump()

    def enqueue(self, sources: Iterable[DownloadSource], folder: Path | str) -> list[DownloadItem]:
        """Queue downloads into `folder`; the items that will deliver them, in order.

        A source already queued for this folder is not queued twice: its item is returned (and started
        again if it had failed or was paused)."""
        folder_text = os.path.abspath(os.fspath(folder))
        result: list[DownloadItem] = []
        added: list[DownloadItem] = []
        existing = {(i.source.path, i.folder): i for i in self._items.values() if not i.status.finished}
        for source in sources:
            known = existing.get((source.path, folder_text))
            if known is not None:
                if known not in result:
                    result.append(known)
                    if known.status is Status.FAILED:
                        self.retry(known.id)
                    elif known.status is Status.PAUSED:
                        self.resume(known.id)
                continue
            item = DownloadItem(id=uuid.uuid4().hex, source=source, folder=folder_text,
                                api_url=self.session.api_url)
            if source.name is not None:
                self._choose_name(item, sanitize_filename(source.name, fallback=source.fallback_name))
            self._items[item.id] = item
            existing[(source.path, folder_text)] = item
            added.append(item)
            result.append(item)
        self._add_to_batch(i.id for i in added)
        for item in added:
            self._emit(item, "added")
        self._save()
        self._pump()
        return result

    def pause(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status is Status.QUEUED:
            self._set(item, Status.PAUSED)
        elif item.status is Status.ACTIVE:
            self._stop(item, Status.PAUSED)

    def resume(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status is Status.PAUSED:
            if item.api_url and item.api_url != self.session.api_url:
                item.error = f"This download belongs to another server ({item.api_url})."
                self._emit(item, "changed")
                return
            item.error = item.error_type = ""
            item.waiting_for_sign_in = False
            self._add_to_batch([item.id])
            self._set(item, Status.QUEUED)
            self._pump()

    def resume_all(self) -> None:
        """Resume every paused item, those the user paused included."""
        for item in list(self._items.values()):
            if item.status is Status.PAUSED:
                self.resume(item.id)

    def resume_after_sign_in(self) -> None:
        """Resume the items the end of the session paused (not those the user paused): call it once the
        session is signed in again."""
        for item in list(self._items.values()):
            if item.status is Status.PAUSED and item.waiting_for_sign_in:
                self.resume(item.id)

    def retry(self, item_id: str) -> None:
        item = self._items[item_id]
        if item.status in (Status.FAILED, Status.CANCELED):
            item.error = item.error_type = ""
            item.finished = None
            if item.status is Status.CANCELED and item.file_name and item.source.name is None:
                item.file_name = None  # named again from the answer
            self._add_to_batch([item.id])
            self._set(item, Status.QUEUED)
            self._pump()

    def cancel(self, item_id: str) -> None:
        """Stop and delete the partial file."""
        item = self._items[item_id]
        if item.status is Status.ACTIVE:
            self._stop(item, Status.CANCELED)
        elif item.status not in (Status.DONE, Status.CANCELED):
            self._discard_part(item)
            self._set(item, Status.CANCELED)

    def remove(self, item_id: str) -> None:
        """Forget an item (cancelling it first if it is not finished). The downloaded file stays."""
        item = self._items.get(item_id)
        if item is None:
            return
        if not item.status.finished and item.status is not Status.FAILED:
            self.cancel(item_id)
        if item.id in self._tasks:
            self._remove_after.add(item.id)  # removed when its task ends
            return
        if item.status is Status.FAILED:
            self._discard_part(item)
        del self._items[item_id]
        self._emit(item, "removed")
        self._save()

    def clear_finished(self) -> None:
        for item in [i for i in self._items.values() if i.status.finished]:
            del self._items[item.id]
            self._emit(item, "removed")
        self._save()

    def resolve_conflict(self, item_id: str, choice: ConflictChoice) -> None:
        item = self._items[item_id]
        if item.status is not Status.CONFLICT:
            return
        choice = ConflictChoice(choice)
        item.error = item.error_type = ""
        if choice is ConflictChoice.SKIP:
            self._discard_part(item)
            self._set(item, Status.CANCELED)
            return
        if choice is ConflictChoice.OVERWRITE:
            item.overwrite = True
        else:
            assert item.file_name is not None
            item.file_name = unique_name(item.file_name, lambda n: self._taken(item, n))
        self._set(item, Status.QUEUED)
        self._pump()

    def set_parallel(self, n: int) -> None:
        self.parallel = max(1, int(n))
        self._pump()

    def set_conflict_policy(self, policy: ConflictPolicy | str) -> None:
        self.conflict_policy = ConflictPolicy(policy)

    async def wait(self, item_ids: Iterable[str] | None = None) -> None:
        """Until these items (default: all) are neither queued nor active."""
        ids = set(item_ids) if item_ids is not None else set(self._items)
        while True:
            self._changed.clear()
            if not any(self._items[i].status in (Status.QUEUED, Status.ACTIVE) for i in ids if i in self._items):
                return
            await self._changed.wait()

    async def shutdown(self) -> None:
        """Stop every transfer so that it resumes next time (they stay queued), save, free the threads."""
        self._started = False
        tasks = list(self._tasks.items())
        for item_id, task in tasks:
            self._stop_reason[item_id] = Status.QUEUED
            task.cancel()
        if tasks:
            await asyncio.gather(*(t for _, t in tasks), return_exceptions=True)
        self._save()
        self._executor.shutdown(wait=True)

    # ---------------------------------------------------------------- internals: state
    def _set(self, item: DownloadItem, status: Status) -> None:
        item.status = status
        if status is not Status.PAUSED:
            item.waiting_for_sign_in = False
        if status in (Status.DONE, Status.CANCELED, Status.FAILED):
            item.finished = time.time()
        if status is not Status.ACTIVE:
            item.speed = 0.0
        self._save()
        self._emit(item, "changed")

    def _stop(self, item: DownloadItem, reason: Status) -> None:
        task = self._tasks.get(item.id)
        if task is not None:
            self._stop_reason[item.id] = reason
            task.cancel()

    def _discard_part(self, item: DownloadItem) -> None:
        part = item.part
        if part is not None:
            try:
                os.unlink(part)
            except (FileNotFoundError, NotADirectoryError):
                pass
            except OSError as exc:
                log.warning("could not delete %s: %s", part.name, exc)
        item.received = 0

    def _taken(self, item: DownloadItem, name: str) -> bool:
        """A name is taken by a file (or a .part) in the folder, or by another unfinished item."""
        try:
            target = safe_target(item.folder, name)
        except UnsafePath:
            return True
        own_part = item.part_name is not None and f"{name}{PART_SUFFIX}" == item.part_name
        if os.path.lexists(target) or (not own_part and os.path.lexists(f"{target}{PART_SUFFIX}")):
            return True
        folded = name.casefold()
        for other in self._items.values():
            if other is item or other.folder != item.folder or other.status.finished:
                continue
            if (other.file_name or "").casefold() == folded or (other.part_name or "").casefold() == \
                    f"{folded}{PART_SUFFIX}":
                return True
        return False

    def _choose_name(self, item: DownloadItem, wanted: str) -> None:
        """Set the final name (and the .part name) from the sanitised name the server or record gave."""
        exists = False
        with contextlib.suppress(UnsafePath):
            exists = os.path.lexists(safe_target(item.folder, wanted))
        if exists and self.conflict_policy is ConflictPolicy.ASK:
            # The user decides; the .part gets a free name meanwhile.
            item.file_name = wanted
            item.part_name = unique_name(wanted, lambda n: self._taken(item, n)) + PART_SUFFIX
            item.status = Status.CONFLICT
            item.error = f"{wanted} already exists in {item.folder}."
            item.error_type = "Conflict"
            return
        name = unique_name(wanted, lambda n: self._taken(item, n))
        item.file_name = name
        item.part_name = name + PART_SUFFIX

    # ---------------------------------------------------------------- internals: persistence
    def _save(self) -> None:
        if self.state_file is not None:
            save_queue(self.state_file, self._items.values())

    def _load(self) -> None:
        assert self.state_file is not None
        for item in load_queue(self.state_file, self.session.api_url):
            self._items[item.id] = item
            if item.status in (Status.QUEUED, Status.PAUSED, Status.FAILED, Status.CONFLICT):
                self._batch.add(item.id)

    # ---------------------------------------------------------------- internals: scheduling
    def _pump(self) -> None:
        if not self._started:
            return
        for item in list(self._items.values()):
            if len(self._tasks) >= self.parallel:
                break
            if item.status is Status.QUEUED and item.id not in self._tasks:
                item.status = Status.ACTIVE
                item.error = item.error_type = ""
                item._samples.clear()
                task = asyncio.ensure_future(self._run(item))
                self._tasks[item.id] = task
                task.add_done_callback(functools.partial(self._task_done, item))
                self._emit(item, "changed")

    def _task_done(self, item: DownloadItem, task: asyncio.Task[None]) -> None:
        if self._tasks.get(item.id) is task:
            del self._tasks[item.id]
        if not task.cancelled() or item.status is not Status.ACTIVE:
            return
        # Cancelled before its first line ran (paused or cancelled right after it was started).
        reason = self._stop_reason.pop(item.id, None)
        if reason is Status.CANCELED:
            self._discard_part(item)
        self._set(item, reason or Status.QUEUED)
        if reason is not None:
            self._pump()

    async def _run(self, item: DownloadItem) -> None:
        outcome: Status = Status.DONE
        external_cancel = False
        try:
            await self._transfer(item)
        except asyncio.CancelledError:
            reason = self._stop_reason.pop(item.id, None)
            if reason is None:
                # Not our pause/cancel: the loop is going away. Resume next time.
                external_cancel = True
                outcome = Status.QUEUED
            else:
                outcome = reason
            if outcome is Status.CANCELED:
                self._discard_part(item)
        except Stopped:
            outcome = item.status  # CONFLICT, set by the attempt
        except E.AuthenticationError as exc:
            # Signed out or the session ended: keep the .part and wait; `resume_after_sign_in` then.
            outcome = Status.PAUSED
            item.waiting_for_sign_in = True
            item.error = describe(exc)
            item.error_type = exc.__class__.__name__
        except (E.ZouError, OSError, UnsafePath) as exc:
            outcome = Status.FAILED
            item.error = describe(exc)
            item.error_type = exc.__class__.__name__
            log.info("download %s failed: %s", item.name, item.error_type)
        except Exception as exc:  # a bug must not kill the queue
            log.exception("download %s crashed", item.name)
            outcome = Status.FAILED
            item.error = f"Unexpected error: {exc}"
            item.error_type = exc.__class__.__name__
        finally:
            self._tasks.pop(item.id, None)
            self._stop_reason.pop(item.id, None)
        part = item.part
        if outcome is not Status.DONE and part is not None and outcome is not Status.CANCELED:
            item.received = lsize(part)
        self._set(item, outcome)
        if external_cancel:
            raise asyncio.CancelledError
        if item.id in self._remove_after:
            self._remove_after.discard(item.id)
            self.remove(item.id)
        self._pump()
