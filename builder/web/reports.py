"""The reports over HTTP: `GET /api/reports/{due,completion,questions,feedback,unknown,export,
dashboard,campaigns}`.

Each route parses its query string and calls the same report function as the CLI
(`builder.reports`). Admin token required (checked by `admin.py`'s wrapper). Bad query strings
get the one error envelope (422 `invalid_query`). Reports run off the event loop, on a small
pool of worker threads, on SQLite and PostgreSQL alike: the service keeps answering
submissions while a report is built (the database drivers release the GIL while they read).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
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
REPORT_WORKERS = 2  # at most two reports at once; more queue instead of taking the GIL
_POOL: ThreadPoolExecutor | None = None


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a report function on the report worker pool, never on the event loop.

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
        raise ApiError(404, "unknown_filter", str(exc),
                       {"parameter": exc.kind, **exc.details}) from None  # fmt: skip


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
    from builder.reports.due import due_table

    as_of = _date(request, "as_of")
    status = _query(request, "status", STATUSES)
    names = {k: _query(request, k) for k in ("department", "module", "role", "person", "manager")}
    table = await off_loop(due_table, service.store, service.course, as_of, status=status,
                           **names)  # fmt: skip
    return table.as_dict()


@report_route("/completion", summary="Share of assigned items that are current", parameters=(
    AS_OF, _param("by", "Group by.", ["department", "role", "module"]), *FILTERS),
    schema=ROWS)  # fmt: skip
async def completion(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Completion by department, role or module, each group with its `title`."""
    from builder.reports.due import completion_rows

    by = _query(request, "by", ("department", "role", "module")) or "department"
    as_of = _date(request, "as_of")
    names = {k: _query(request, k) for k in ("department", "module", "role", "manager")}
    rows = await off_loop(completion_rows, service.store, service.course, by, as_of, **names)
    return [r.as_dict() for r in rows]


@report_route("/questions", summary="Item analysis: miss rate, facility, discrimination",
              parameters=(AS_OF, _param("module", "Only this module."),
                          _param("flagged", "Only flagged questions.", ["true"])),
              schema=ROWS)  # fmt: skip
async def questions(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Per question and module version, most missed first."""
    from builder.reports.answers import question_report

    module, as_of = _query(request, "module"), _date(request, "as_of")
    flagged = _query(request, "flagged", ("true", "false")) == "true"
    stats = await off_loop(question_report, service.store, service.course, module, flagged, as_of)
    return [s.as_dict() for s in stats]


@report_route("/feedback", summary="The feedback digest (anonymous stays anonymous)",
              parameters=(AS_OF, _param("module", "Only this module."),
                          _param("kind", "Only this kind.", list(KINDS))),
              schema=ROWS)  # fmt: skip
async def feedback(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Feedback entries by module and kind, newest first; `from` is "anonymous" or an email."""
    from builder.reports.answers import feedback_report, feedback_row

    module, kind = _query(request, "module"), _query(request, "kind", KINDS)
    as_of = _date(request, "as_of")
    entries = await off_loop(feedback_report, service.store, service.course, module, kind, as_of)
    return [feedback_row(e, service.course) for e in entries]


@report_route("/unknown", summary="Identities with ledger entries and no roster row",
              parameters=(AS_OF,), schema=ROWS)  # fmt: skip
async def unknown(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """The same rows as `records unknown --format json`."""
    from builder.reports.unknown import unknown_report

    return await off_loop(unknown_report, service.store, service.course, _date(request, "as_of"))


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
    from builder.reports.evidence import export_lines

    start, end = _required_date(request, "from"), _required_date(request, "to")
    fmt = _query(request, "format", ("csv", "jsonl", "xapi")) or "csv"
    pop = _query(request, "population", ("new-hires", "leavers", "active"))
    actor = _query(request, "actor", ("person", "email")) or "person"
    as_of = _date(request, "as_of")
    org = os.environ.get("TRUSTPATH_ORG_IRI") or None
    try:
        lines = export_lines(service.store, service.course, start, end, fmt=fmt, population=pop,
                             org_iri=org, actor=actor, as_of=as_of)  # fmt: skip
    except ValueError as exc:  # ExportError, InvalidOrgIri, UnknownTimeZone
        raise ApiError(422, "invalid_query", str(exc), {"parameter": "format"}) from None
    text = await off_loop(lambda: "".join(lines))
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return Response(text, media_type=media)


@report_route("/dashboard", summary="The HTML dashboard", media_type="text/html",
              parameters=(AS_OF,), schema={"type": "string"})  # fmt: skip
async def dashboard(request: Request, service: RecordsService) -> Response:
    """The same self-contained HTML as `records dashboard`."""
    from builder.reports.dashboard import render_dashboard
    from builder.reports.dashboard_data import gather

    as_of = _date(request, "as_of")

    def work() -> str:
        return render_dashboard(gather(service.store, service.course, as_of))

    return HTMLResponse(await off_loop(work))


@report_route("/campaigns", summary="Campaigns with completion, or one campaign's people",
              parameters=(AS_OF, _param("id", "One campaign: its people and their state.")),
              schema={"type": "object", "required": ["as_of"]})  # fmt: skip
async def campaigns(request: Request, service: RecordsService) -> dict[str, Any]:
    """`{"as_of", "campaigns": [...]}` as `records campaigns --format json`; with `id`,
    `{"as_of", "campaign", "people"}` as `records campaign ID --format json` (422 for an id
    not recorded by `as_of`)."""
    from builder.reports.campaigns import NoSuchCampaign, campaign_table

    as_of, wanted = _date(request, "as_of"), _query(request, "id")
    table = await off_loop(campaign_table, service.store, service.course, as_of)
    if wanted is None:
        return {"as_of": table.as_of.isoformat(),
                "campaigns": [s.as_dict() for s in table.campaigns]}  # fmt: skip
    try:
        found = table.find(wanted)
    except NoSuchCampaign as exc:
        raise ApiError(422, "invalid_query", str(exc), {"parameter": "id", "value": wanted}
                       ) from None  # fmt: skip
    return {"as_of": table.as_of.isoformat(), "campaign": found.as_dict(),
            "people": [p.as_dict() for p in found.people]}  # fmt: skip
