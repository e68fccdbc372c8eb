"""The reports over HTTP: `GET /api/reports/{due,completion,questions,feedback,unknown,export,
dashboard,campaigns}`.

Each route parses its query string and calls the same report function as the CLI
(`builder.reports`). Admin token required (checked by `admin.py`'s wrapper). Bad query strings
get the one error envelope (422 `invalid_query`). Reports run off the event loop, in a worker
process (`builder.reports.worker.ReportPool`, one per app, started on the first report and
stopped with the app), on SQLite and PostgreSQL alike: a report's pure-Python work does not
take the GIL from the event loop, so the service keeps answering submissions while a
dashboard is built. Errors raised in the worker keep their codes (`in_worker`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from builder.web.admin import report_route
from builder.web.errors import ApiError

if TYPE_CHECKING:
    from builder.records.service import RecordsService
    from builder.reports.filters import UnknownFilter

log = logging.getLogger("trustpath.records")


def _param(name: str, desc: str, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = enum
    elif name in ("as_of", "from", "to"):
        schema["format"] = "date"
    return {"name": name, "in": "query", "required": False, "description": desc, "schema": schema}


def _query(request: Request, name: str, choices: tuple[str, ...] | None = None) -> str | None:
    value = request.query_params.get(name)
    if value is not None and choices is not None and value not in choices:
        raise ApiError(422, "invalid_query", f"{name} must be one of {', '.join(choices)}",
                       {"parameter": name, "value": value})  # fmt: skip
    return value


T = TypeVar("T")
REPORT_WORKERS = 2  # at most two light reports at once; more queue instead of taking the GIL
_POOL: ThreadPoolExecutor | None = None


def unknown_filter(exc: UnknownFilter) -> ApiError:
    """404 `unknown_filter`: details name the query parameter, the value and the closest
    value that exists (`suggestion`)."""
    return ApiError(404, "unknown_filter", str(exc), {"parameter": exc.kind, **exc.details})


async def in_worker(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(store, course, *args, **kwargs)` in the app's report worker process.

    `fn` is a module-level function returning plain data (see `builder.reports.worker`).
    Errors raised there reach the client in the one error shape: a domain error with its own
    code and status; `UnknownFilter` 404 `unknown_filter`; `ProjectionMismatch` 503
    `records_unverified`; the database unreachable 503 `storage_unavailable`; too many
    reports queued 503 `reports_busy` (Retry-After); the worker died 503 `report_worker_lost`;
    anything else 500 `internal_error` (logged with the worker's traceback, never sent).
    """
    from builder.reports.filters import UnknownFilter
    from builder.reports.worker import ReportCrashed, ReportPool, ReportsBusy, ReportWorkerLost
    from builder.store.database import StorageError
    from builder.store.queries import ProjectionMismatch

    service: RecordsService = request.app.state.records
    pool: ReportPool = request.app.state.report_pool
    try:
        if not pool.reaches(service.store.url):  # in-memory SQLite: only this process sees it
            return await off_loop(fn, service.store, service.course, *args, **kwargs)
        return await pool.run(service.store.url, service.manifest, fn, *args, **kwargs)
    except UnknownFilter as exc:
        raise unknown_filter(exc) from None
    except ProjectionMismatch as exc:
        raise ApiError(503, "records_unverified", str(exc)) from None
    except StorageError as exc:
        raise ApiError(503, "storage_unavailable", str(exc)) from None
    except ReportsBusy as exc:
        raise ApiError(503, "reports_busy", str(exc), headers={"Retry-After": "5"}) from None
    except ReportWorkerLost as exc:
        raise ApiError(503, "report_worker_lost", str(exc)) from None
    except ReportCrashed as exc:
        log.error("report %s failed in the worker: %s", getattr(fn, "__name__", fn), exc,
                  exc_info=exc)  # fmt: skip
        raise ApiError(500, "internal_error", "unexpected server error; it has been logged"
                       ) from None  # fmt: skip


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a light report function (one person's transcript) on a worker thread, never on
    the event loop; heavy reports run in a worker process (`in_worker`).

    A filter that names nothing (`UnknownFilter`) is a 404 `unknown_filter` whose details name
    the query parameter, the value and the closest value that exists (`suggestion`).
    """
    from builder.reports.filters import UnknownFilter

    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(REPORT_WORKERS, thread_name_prefix="trustpath-report")
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_POOL, functools.partial(fn, *args, **kwargs))
    except UnknownFilter as exc:
        raise unknown_filter(exc) from None


def _date(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_query", f"{name} '{value}' is not a date like 2026-06-30",
                       {"parameter": name, "value": value}) from None  # fmt: skip


def _required_date(request: Request, name: str) -> dt.date:
    value = _date(request, name)
    if value is None:
        raise ApiError(422, "invalid_query", f"{name} is required (a date like 2026-06-30)",
                       {"parameter": name})  # fmt: skip
    return value


ROWS = {"type": "array", "items": {"type": "object"}}
AS_OF = _param("as_of", "Compute for this date: records made by the end of it in the "
               "organisation's time zone (default: today there).")  # fmt: skip
STATUSES = ("overdue", "due_soon", "upcoming", "done")
KINDS = ("question", "suggestion", "concern")


FILTERS = (
    _param("department", "Only this department (someone on the roster must be in it)."),
    _param("role", "Only people who hold this role (a role id)."),
    _param("module", "Only this module (a module id)."),
    _param("manager", "Only this manager's direct and indirect reports (an email)."),
)


@report_route("/due", summary="Due and overdue items per person and module", parameters=(
    AS_OF, *FILTERS, _param("status", "Only this status.", list(STATUSES)),
    _param("person", "Only this person (an email).")),
    schema={"type": "object", "required": ["as_of", "items", "excused"]})  # fmt: skip
async def due(request: Request, service: RecordsService) -> dict[str, Any]:
    """The due report as JSON (the same items as `records due --format json`); a filter that
    names nothing is a 404 `unknown_filter`."""
    from builder.reports.worker import due_json

    as_of = _date(request, "as_of")
    status = _query(request, "status", STATUSES)
    names = {k: _query(request, k) for k in ("department", "module", "role", "person", "manager")}
    result: dict[str, Any] = await in_worker(request, due_json, as_of, status=status, **names)
    return result


@report_route("/completion", summary="Share of assigned items that are current", parameters=(
    AS_OF, _param("by", "Group by.", ["department", "role", "module"]), *FILTERS),
    schema=ROWS)  # fmt: skip
async def completion(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Completion by department, role or module, each group with its `title`."""
    from builder.reports.worker import completion_json

    by = _query(request, "by", ("department", "role", "module")) or "department"
    as_of = _date(request, "as_of")
    names = {k: _query(request, k) for k in ("department", "module", "role", "manager")}
    return await in_worker(request, completion_json, by, as_of, **names)


@report_route("/questions", summary="Item analysis: miss rate, facility, discrimination",
              parameters=(AS_OF, _param("module", "Only this module."),
                          _param("flagged", "Only flagged questions.", ["true"])),
              schema=ROWS)  # fmt: skip
async def questions(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Per question and module version, most missed first."""
    from builder.reports.worker import questions_json

    module, as_of = _query(request, "module"), _date(request, "as_of")
    flagged = _query(request, "flagged", ("true", "false")) == "true"
    return await in_worker(request, questions_json, module, flagged, as_of)


@report_route("/feedback", summary="The feedback digest (anonymous stays anonymous)",
              parameters=(AS_OF, _param("module", "Only this module."),
                          _param("kind", "Only this kind.", list(KINDS))),
              schema=ROWS)  # fmt: skip
async def feedback(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Feedback entries by module and kind, newest first; `from` is "anonymous" or an email."""
    from builder.reports.worker import feedback_json

    module, kind = _query(request, "module"), _query(request, "kind", KINDS)
    return await in_worker(request, feedback_json, module, kind, _date(request, "as_of"))


@report_route("/unknown", summary="Identities with ledger entries and no roster row",
              parameters=(AS_OF,), schema=ROWS)  # fmt: skip
async def unknown(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """The same rows as `records unknown --format json`."""
    from builder.reports.worker import unknown_json

    return await in_worker(request, unknown_json, _date(request, "as_of"))


@report_route("/export", summary="Audit evidence for a window (CSV, JSON lines or xAPI)",
              media_type=("text/csv", "application/x-ndjson"), parameters=(
                  _param("from", "First day (inclusive)."), _param("to", "Last day (inclusive)."),
                  _param("format", "Output format.", ["csv", "jsonl", "xapi"]),
                  _param("population", "People who started / left / were active.",
                         ["new-hires", "leavers", "active"]),
                  _param("actor", "xAPI account name.", ["person", "email"]), AS_OF),
              schema={"type": "string"})  # fmt: skip
async def export(request: Request, service: RecordsService) -> Response:
    """Evidence rows (or a population) as CSV, JSON lines or xAPI statements (JSON lines).

    The organisation IRI for xAPI is `$TRUSTPATH_ORG_IRI` on the server, else the site's
    `site_url`; the same writer as `records export`.
    """
    from builder.reports.worker import export_text

    start, end = _required_date(request, "from"), _required_date(request, "to")
    fmt = _query(request, "format", ("csv", "jsonl", "xapi")) or "csv"
    pop = _query(request, "population", ("new-hires", "leavers", "active"))
    actor = _query(request, "actor", ("person", "email")) or "person"
    as_of = _date(request, "as_of")
    org = os.environ.get("TRUSTPATH_ORG_IRI") or None
    try:
        text = await in_worker(request, export_text, start, end, fmt=fmt, population=pop,
                               org_iri=org, actor=actor, as_of=as_of)  # fmt: skip
    except ValueError as exc:  # ExportError, InvalidOrgIri, UnknownTimeZone
        raise ApiError(422, "invalid_query", str(exc), {"parameter": "format"}) from None
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return Response(text, media_type=media)


@report_route("/dashboard", summary="The HTML dashboard", media_type="text/html",
              parameters=(AS_OF,), schema={"type": "string"})  # fmt: skip
async def dashboard(request: Request, service: RecordsService) -> Response:
    """The same self-contained HTML as `records dashboard`."""
    from builder.reports.worker import dashboard_html

    return HTMLResponse(await in_worker(request, dashboard_html, _date(request, "as_of")))


@report_route("/campaigns", summary="Campaigns with completion, or one campaign's people",
              parameters=(AS_OF, _param("id", "One campaign: its people and their state.")),
              schema={"type": "object", "required": ["as_of"]})  # fmt: skip
async def campaigns(request: Request, service: RecordsService) -> dict[str, Any]:
    """`{"as_of", "campaigns": [...]}` as `records campaigns --format json`; with `id`,
    `{"as_of", "campaign", "people"}` as `records campaign ID --format json` (422 for an id
    not recorded by `as_of`)."""
    from builder.reports.campaigns import NoSuchCampaign
    from builder.reports.worker import campaigns_json

    as_of, wanted = _date(request, "as_of"), _query(request, "id")
    try:
        return await in_worker(request, campaigns_json, as_of, wanted)
    except NoSuchCampaign as exc:
        raise ApiError(422, "invalid_query", str(exc), {"parameter": "id", "value": wanted}
                       ) from None  # fmt: skip
