"""Group commit: one writer task turns many concurrent requests into one durable transaction.

Requests put a `PendingRecord` on the queue and wait. The writer takes everything queued
(up to `max_batch`), appends it in one transaction on its own thread, and answers each
request only after the commit. While one batch commits, the next one gathers. A failing
batch is split in halves and retried, so one bad row fails alone and every other caller gets
its own answer; the writer itself never dies on a bad row.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor

from builder.errors import DomainError
from builder.store.database import Duplicate, PendingRecord, Store, StoredRecord

log = logging.getLogger("trustpath.records")
Outcome = StoredRecord | Duplicate
SWITCH_INTERVAL = 0.0005  # seconds


class WriteFailed(Exception):
    """The row could not be stored (the database refused it or is unavailable)."""


def write_batch(store: Store, batch: list[PendingRecord]) -> list[Outcome | Exception]:
    """Append a batch; on failure split it until each failing row is alone.

    A row alone that the rules refuse inside the transaction (a DomainError such as
    DrawAlreadyUsed) gets that error as its outcome; any other failure, WriteFailed.
    """
    try:
        return list(store.append(batch))
    except Exception as exc:  # any database error: isolate it, never lose the other rows
        if len(batch) == 1:
            if isinstance(exc, DomainError):
                return [exc]
            log.error("ledger append failed for %s %s: %s", batch[0].kind, batch[0].client_id, exc)
            return [WriteFailed(f"could not store the record: {type(exc).__name__}")]
        mid = len(batch) // 2
        return write_batch(store, batch[:mid]) + write_batch(store, batch[mid:])


class GroupWriter:
    """The single writer of one process; `submit` returns once the row is committed."""

    def __init__(self, store: Store, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[PendingRecord, asyncio.Future[Outcome]] | None] = (
            asyncio.Queue()
        )
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="trustpath-writer")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # The event loop thread holds the GIL while it serves requests; every time this
        # thread comes back from SQLite it waits for a forced switch (5 ms by default).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._task = asyncio.get_running_loop().create_task(self._run(), name="trustpath-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop the task and its thread."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None
        self._executor.shutdown(wait=True)

    async def submit(self, record: PendingRecord) -> Outcome:
        """Queue a record and wait for its durable outcome (raises WriteFailed, or the
        DomainError the writer's transaction refused it with: DrawAlreadyUsed)."""
        if self._task is None or self._task.done():
            raise WriteFailed("the writer is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((record, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            item = await self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self.max_batch and not self._queue.empty():
                more = self._queue.get_nowait()
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            try:
                outcomes = await loop.run_in_executor(
                    self._executor, write_batch, self.store, [r for r, _ in batch]
                )
            except Exception as exc:  # the thread itself failed: answer everyone, keep going
                outcomes = [WriteFailed(str(exc))] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the client went away; the row is stored all the same
                    continue
                if isinstance(outcome, Exception):  # WriteFailed, or the rules' refusal
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
