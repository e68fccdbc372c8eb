"""The reports over HTTP: `GET /api/reports/{due,completion,questions,feedback,export,dashboard}`.

Admin token required (checked by `admin.py`'s wrapper). Bad query strings get the one error
envelope (422 `invalid_query`). The work runs on a thread (`service.read`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from builder.records.errors import ApiError
from builder.web.admin import report_route

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


def _date(request: Request, name: str, default: dt.date | None = None) -> dt.date:
    value = request.query_params.get(name)
    if value is None:
        if default is None:
            raise ApiError(422, "invalid_query", f"{name} is required (a date like 2026-06-30)",
                           {"parameter": name})  # fmt: skip
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_query", f"{name} '{value}' is not a date like 2026-06-30",
                       {"parameter": name, "value": value}) from None  # fmt: skip


ROWS = {"type": "array", "items": {"type": "object"}}
AS_OF = _param("as_of", "Compute for this date (default: today).")


@report_route("/due", summary="Due and overdue items per person and module", parameters=(
    AS_OF, _param("department", "Only this department."),
    _param("status", "Only this status.", ["overdue", "due_soon", "upcoming", "done"]),
    _param("module", "Only this module.")),
    schema={"type": "object", "required": ["as_of", "items", "excused"]})  # fmt: skip
async def due(request: Request, service: RecordsService) -> dict[str, Any]:
    """The due report as JSON (the same items as `records due --format json`)."""
    from builder.cli.reports import item_dict
    from builder.lifecycle.due import sort_items
    from builder.store.queries import due_report

    as_of = _date(request, "as_of", dt.date.today())
    status = _query(request, "status", ("overdue", "due_soon", "upcoming", "done"))
    department, module = _query(request, "department"), _query(request, "module")
    report, _ = await service.read(due_report, service.store, service.course, as_of)
    items = [item_dict(i) for i in sort_items(report.items)
             if (department is None or i.department == department)
             and (status is None or i.status == status)
             and (module is None or i.module == module)]  # fmt: skip
    excused = [{"email": e.email, "name": e.name, "department": e.department,
                "status": e.status, "reason": e.reason} for e in report.excused]  # fmt: skip
    return {"as_of": as_of.isoformat(), "items": items, "excused": excused}


@report_route("/completion", summary="Share of assigned items that are current", parameters=(
    AS_OF, _param("by", "Group by.", ["department", "role", "module"])), schema=ROWS)  # fmt: skip
async def completion(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Completion by department, role or module."""
    from builder.reports.aggregates import completion_table
    from builder.store.queries import due_report

    by = _query(request, "by", ("department", "role", "module")) or "department"
    as_of = _date(request, "as_of", dt.date.today())
    course = service.course
    report, people = await service.read(due_report, service.store, course, as_of)
    by_id = {p.person_id: p for p in people}
    return [r.as_dict() for r in completion_table(report.items, by, by_id, course)]


@report_route("/questions", summary="Item analysis: miss rate, facility, discrimination",
              parameters=(_param("module", "Only this module."),), schema=ROWS)  # fmt: skip
async def questions(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Per question and module version, most missed first."""
    from builder.reports.aggregates import question_stats
    from builder.store.item_queries import first_attempt_answers
    from builder.store.queries import answer_counts, refresh_answers

    module, course = _query(request, "module"), service.course

    def work() -> list[dict[str, Any]]:
        refresh_answers(service.store, course)
        with service.store.transaction() as conn:
            counts, first = answer_counts(conn, module), first_attempt_answers(conn, module)
        return [s.as_dict() for s in question_stats(counts, course, first)]

    return await service.read(work)


@report_route("/feedback", summary="The feedback digest (anonymous stays anonymous)",
              parameters=(_param("module", "Only this module."),
                          _param("kind", "Only this kind.", ["question", "suggestion", "concern"])),
              schema=ROWS)  # fmt: skip
async def feedback(request: Request, service: RecordsService) -> list[dict[str, Any]]:
    """Feedback entries, newest first; `from` is "anonymous" or the sender's email."""
    from builder.store.queries import feedback_entries

    module = _query(request, "module")
    kind = _query(request, "kind", ("question", "suggestion", "concern"))

    def work() -> list[dict[str, Any]]:
        with service.store.transaction() as conn:
            entries = feedback_entries(conn, module, kind)
        return [e.as_dict() for e in sorted(entries, key=lambda e: e.recorded_at, reverse=True)]

    return await service.read(work)


@report_route("/export", summary="Audit evidence for a window (CSV, JSON lines or xAPI)",
              media_type=("text/csv", "application/x-ndjson"), parameters=(
                  _param("from", "First day (inclusive)."), _param("to", "Last day (inclusive)."),
                  _param("format", "Output format.", ["csv", "jsonl", "xapi"]),
                  _param("population", "People who started / left.", ["new-hires", "leavers"])),
              schema={"type": "string"})  # fmt: skip
async def export(request: Request, service: RecordsService) -> Response:
    """Evidence rows (or a population) as CSV, JSON lines or xAPI statements (JSON lines)."""
    from builder.reports.evidence import evidence_rows, population
    from builder.reports.export import (
        EVIDENCE_COLUMNS,
        POPULATION_COLUMNS,
        csv_text,
        evidence_record,
        xapi_statement,
    )  # fmt: skip

    start, end = _date(request, "from"), _date(request, "to")
    fmt = _query(request, "format", ("csv", "jsonl", "xapi")) or "csv"
    pop = _query(request, "population", ("new-hires", "leavers"))
    org = os.environ.get("TRUSTPATH_ORG_IRI", "")
    if end < start:
        raise ApiError(422, "invalid_query", "to is before from", {"from": str(start)})
    if fmt == "xapi" and (pop or not org.startswith(("http://", "https://"))):
        raise ApiError(422, "invalid_query", "xapi needs TRUSTPATH_ORG_IRI set on the server "
                       "and no population", {"parameter": "format"})  # fmt: skip
    course = service.course

    def work() -> str:
        if pop:
            rows: Any = population(service.store, course, start, end, pop == "leavers")
        else:
            rows = [evidence_record(r) for r in evidence_rows(service.store, start, end)]
        if fmt == "csv":
            return csv_text(rows, POPULATION_COLUMNS if pop else EVIDENCE_COLUMNS)
        if fmt == "xapi":
            rows = [xapi_statement(r, org) for r in rows]
        return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)

    text = await service.read(work)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return Response(text, media_type=media)


@report_route("/dashboard", summary="The HTML dashboard", media_type="text/html",
              parameters=(AS_OF,), schema={"type": "string"})  # fmt: skip
async def dashboard(request: Request, service: RecordsService) -> Response:
    """The same self-contained HTML as `records dashboard`."""
    from builder.reports.dashboard import gather, render_dashboard

    as_of = _date(request, "as_of", dt.date.today())
    data = await service.read(gather, service.store, service.course, as_of)
    return HTMLResponse(render_dashboard(data))
