"""Heavy reports in a worker process, so the service's event loop keeps answering submissions.

A report over a large ledger is seconds of pure-Python work; on a thread it takes the GIL from
the event loop and every submission waits (issue 10: attempts' p99 463 ms while a dashboard
was built over 200,000 attempts). `ReportPool` runs report functions in a separate process
(`concurrent.futures.ProcessPoolExecutor`, `spawn` context: never a fork of a process with
threads and open database connections).

What crosses to the worker is picklable and small: the store URL, the course manifest (with
a digest, so the worker builds its `Course` once per manifest), the report function (a
module-level function, pickled by name) and its plain arguments (dates, filter names). What
comes back is plain data or rendered text (the `*_json` and `*_text` functions below). Each
worker keeps one `Store` per URL for its whole life and closes it when it exits.

Errors: a `TrustPathError` raised by the report (a refusal such as `ProjectionMismatch`, an
`UnknownFilter`, a `DomainError` with its code) comes back as itself (every TrustPathError
pickles, see `builder.errors`); a `StorageError` too; anything else is logged in the worker
and comes back as `ReportCrashed`; a worker that dies comes back as `ReportWorkerLost` and
the next report starts a fresh worker; more than `max_waiting` reports queued is
`ReportsBusy`. The web adapter maps each to the one JSON error shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any, TypeVar

import orjson

from builder.course.model import Course, course_from_manifest
from builder.errors import TrustPathError
from builder.store.database import StorageError, Store

log = logging.getLogger("trustpath.reports")
T = TypeVar("T")

# Test-only: a path. A report in the worker writes "<path>.started" (holding the worker's pid)
# and waits until <path> exists (at most 30 s), so a test can act while a report is under way.
HOLD_ENV = "TRUSTPATH_REPORT_HOLD"
WORKER_NAME = "trustpath-rpt"  # the workers' process name (Linux: 15 characters at most)
HOLD_SECONDS = 30.0


class ReportCrashed(TrustPathError):
    """A report failed in the worker with an unexpected error (logged there, with traceback)."""


class ReportWorkerLost(TrustPathError):
    """The report worker process died (killed, out of memory) before answering."""


class ReportsBusy(TrustPathError):
    """Too many reports are waiting for the worker; try again shortly."""


# ---------------------------------------------------------------- the worker process's side

_STORES: dict[str, Store] = {}
_COURSE: tuple[str, Course] | None = None  # the latest manifest only: memory stays bounded


def _close_stores() -> None:
    """Close the worker's stores (run by multiprocessing when the worker exits)."""
    for store in _STORES.values():
        store.close()
    _STORES.clear()


def _init_worker(niceness: int) -> None:
    """Runs once in each new worker: lower its CPU priority by `niceness` (on a busy machine
    the service's event loop gets the cores first), name it `WORKER_NAME`, and close its
    stores when it exits."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    with contextlib.suppress(OSError):  # Linux: `ps`, `top` and the bench name it
        Path("/proc/self/comm").write_text(WORKER_NAME)
    Finalize(None, _close_stores, exitpriority=10)


def _store(url: str) -> Store:
    """This worker's store for `url`, opened once (never creates a SQLite file)."""
    store = _STORES.get(url)
    if store is None:
        store = _STORES[url] = Store(url, create=False)
    return store


def _course(key: str, manifest: dict[str, Any]) -> Course:
    """The course of `manifest`, built once per digest `key`."""
    global _COURSE
    if _COURSE is None or _COURSE[0] != key:
        _COURSE = (key, course_from_manifest(manifest))
    return _COURSE[1]


def _hold() -> None:
    """The test-only hold (`HOLD_ENV`): announce the report, then wait for the release file."""
    gate = os.environ.get(HOLD_ENV)
    if not gate:
        return
    Path(gate + ".started").write_text(str(os.getpid()))
    deadline = time.monotonic() + HOLD_SECONDS
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class _Call:
    url: str
    course_key: str
    manifest: dict[str, Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _run(call: _Call) -> Any:
    """In the worker: run one report on this worker's store and course."""
    _hold()
    try:
        return call.fn(_store(call.url), _course(call.course_key, call.manifest),
                       *call.args, **call.kwargs)  # fmt: skip
    except (TrustPathError, StorageError) as exc:
        if _picklable(exc):
            raise
        log.exception("report %s failed", getattr(call.fn, "__name__", call.fn))
        raise ReportCrashed(f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:
        log.exception("report %s failed", getattr(call.fn, "__name__", call.fn))
        raise ReportCrashed(f"{type(exc).__name__} in the report worker") from exc


# ------------------------------------------------------------------- the service's side


class ReportPool:
    """A lazily started pool of report worker processes (`workers`, default 1), each at a
    lower CPU priority (`niceness`, default 10: when the cores are busy, submissions first).

    `run` is awaited on the event loop; `shutdown` stops the workers and waits for them
    (call it when the app shuts down). Thread-safe; one pool per app.
    """

    def __init__(self, workers: int = 1, max_waiting: int = 8, niceness: int = 10) -> None:
        if workers < 1:
            raise ValueError(f"report workers must be 1 or more, not {workers}")
        self.workers = workers
        self.niceness = niceness  # added to the workers' nice value (0: same priority)
        self.max_waiting = max_waiting  # reports queued beyond the running ones
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._manifest: tuple[dict[str, Any], str] | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                _started()
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.niceness,),
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is not broken:
                return
            self._executor = None
        broken.shutdown(wait=True, cancel_futures=True)
        del broken
        _released()

    def _key(self, manifest: dict[str, Any]) -> str:
        """The manifest's digest (SHA-256 of its canonical JSON), computed once per manifest."""
        cached = self._manifest
        if cached is not None and cached[0] is manifest:
            return cached[1]
        key = hashlib.sha256(orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)).hexdigest()
        self._manifest = (manifest, key)
        return key

    @staticmethod
    def reaches(url: str) -> bool:
        """False for an in-memory SQLite database, which another process cannot open."""
        if Store.kind_of(url) != "sqlite":
            return True
        path = url.split(":///", 1)[1] if ":///" in url else ""
        return bool(path) and path != ":memory:" and "mode=memory" not in url

    def pids(self) -> list[int]:
        """The worker processes' ids (none before the first report or after shutdown)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return sorted(processes)

    async def run(
        self, url: str, manifest: dict[str, Any], fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """`fn(store, course, *args, **kwargs)` in a worker, where `store` is the worker's
        Store for `url` and `course` the Course of `manifest`.

        `fn` must be a module-level function, its arguments and result picklable. Raises what
        the report raised (see the module docstring), `ReportWorkerLost` when the worker died,
        `ReportsBusy` when `workers + max_waiting` reports are already under way.
        """
        if self._in_flight >= self.workers + self.max_waiting:
            raise ReportsBusy(
                f"{self._in_flight} reports are being built; try again in a few seconds"
            )
        call = _Call(url, self._key(manifest), manifest, fn, args, kwargs)
        self._in_flight += 1
        try:
            executor = self._pool()
            try:
                result: T = await asyncio.wrap_future(executor.submit(_run, call))
                return result
            except BrokenProcessPool:
                await asyncio.to_thread(self._discard, executor)
                raise ReportWorkerLost(
                    "the report worker stopped before answering; the next report starts a new one"
                ) from None
        finally:
            self._in_flight -= 1

    def shutdown(self, grace: float = 5.0) -> None:
        """Stop the workers and wait until they have exited: queued reports are cancelled; an
        idle worker exits at once and closes its stores; one still building a report gets
        `grace` seconds to finish, then is terminated (its report answers 503)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        manager = getattr(executor, "_executor_manager_thread", None)
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        if manager is not None:
            manager.join(10)
        del executor, processes, manager
        _released()


_LIVE = [0]  # report pools in this process with a running executor
_LIVE_LOCK = threading.Lock()


def _started() -> None:
    with _LIVE_LOCK:
        _LIVE[0] += 1


def _released() -> None:
    """After the last pool of this process stopped: stop multiprocessing's resource tracker
    (a helper process `spawn` starts, which would otherwise outlive the pool until the
    service exits). The pool's queues are collected first, so nothing is left registered;
    if anything uses multiprocessing later, the tracker starts again."""
    with _LIVE_LOCK:
        _LIVE[0] -= 1
        if _LIVE[0] > 0:
            return
        gc.collect()
        from multiprocessing import resource_tracker

        stop = getattr(resource_tracker._resource_tracker, "_stop", None)
        if stop is not None:
            with contextlib.suppress(Exception):
                stop()


# ------------------------------------------- the reports as the web adapter returns them


def dashboard_html(store: Store, course: Course, as_of: dt.date | None) -> str:
    """The dashboard HTML (`records dashboard`)."""
    from builder.reports.dashboard import render_dashboard
    from builder.reports.dashboard_data import gather

    return render_dashboard(gather(store, course, as_of))


def due_json(store: Store, course: Course, as_of: dt.date | None, **filters: Any) -> Any:
    """The due report as `records due --format json` prints it."""
    from builder.reports.due import due_table

    return due_table(store, course, as_of, **filters).as_dict()


def completion_json(
    store: Store, course: Course, by: str, as_of: dt.date | None, **filters: Any
) -> list[dict[str, Any]]:
    """Completion rows by department, role or module, as dicts."""
    from builder.reports.due import completion_rows

    return [r.as_dict() for r in completion_rows(store, course, by, as_of, **filters)]


def questions_json(
    store: Store, course: Course, module: str | None, flagged: bool, as_of: dt.date | None
) -> list[dict[str, Any]]:
    """Item analysis rows, most missed first."""
    from builder.reports.answers import question_report

    return [s.as_dict() for s in question_report(store, course, module, flagged, as_of)]


def feedback_json(
    store: Store, course: Course, module: str | None, kind: str | None, as_of: dt.date | None
) -> list[dict[str, Any]]:
    """Feedback digest rows, newest first."""
    from builder.reports.answers import feedback_report, feedback_row

    entries = feedback_report(store, course, module, kind, as_of)
    return [feedback_row(e, course) for e in entries]


def unknown_json(store: Store, course: Course, as_of: dt.date | None) -> list[dict[str, Any]]:
    """Identities with ledger entries and no roster row."""
    from builder.reports.unknown import unknown_report

    return unknown_report(store, course, as_of)


def campaigns_json(
    store: Store, course: Course, as_of: dt.date | None, wanted: str | None
) -> dict[str, Any]:
    """`{"as_of", "campaigns"}`, or with `wanted` `{"as_of", "campaign", "people"}`
    (`NoSuchCampaign` for an id not recorded by `as_of`)."""
    from builder.reports.campaigns import campaign_table

    table = campaign_table(store, course, as_of)
    if wanted is None:
        return {"as_of": table.as_of.isoformat(),
                "campaigns": [s.as_dict() for s in table.campaigns]}  # fmt: skip
    found = table.find(wanted)
    return {"as_of": table.as_of.isoformat(), "campaign": found.as_dict(),
            "people": [p.as_dict() for p in found.people]}  # fmt: skip


def export_text(store: Store, course: Course, start: dt.date, end: dt.date, **options: Any) -> str:
    """The evidence export as one text (CSV or JSON lines); ValueError subclasses
    (`ExportError`, `InvalidOrgIri`, `UnknownTimeZone`) for options that cannot work."""
    from builder.reports.evidence import export_lines

    return "".join(export_lines(store, course, start, end, **options))
