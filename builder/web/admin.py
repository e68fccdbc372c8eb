"""Admin (report) routes under `/api/reports`: the admin-token check and the route registry.

To add a report endpoint (issue 7), write in your own module:

    from builder.web.admin import report_route

    @report_route("/completion", summary="Completion by department", schema={...})
    async def completion(request: Request, service: RecordsService) -> dict[str, Any]:
        ...  # read request.query_params, query service.store; return JSON data or a Response

and add that module's name to `REPORT_MODULES` below. The wrapper checks
`Authorization: Bearer $TRUSTPATH_ADMIN_TOKEN` first (401 without, 403 when wrong), and the
route appears in `/api/openapi.json` with `schema` as its 200 response.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from builder.records.identity import check_admin
from builder.suggest import closest
from builder.web.errors import ApiError
from builder.web.schemas import LEDGER_HEAD

if TYPE_CHECKING:
    from builder.records.service import RecordsService

REPORT_MODULES = ("builder.web.admin", "builder.web.reports")
ReportEndpoint = Callable[[Request, "RecordsService"], Awaitable[Any]]


@dataclass(frozen=True)
class ReportRoute:
    path: str  # under /api/reports
    summary: str
    schema: dict[str, Any]
    endpoint: ReportEndpoint
    media_type: str | tuple[str, ...] = "application/json"  # a tuple: one of several
    parameters: tuple[dict[str, Any], ...] = ()  # OpenAPI parameter objects (query strings)


REPORTS: dict[str, ReportRoute] = {}


def report_route(
    path: str,
    *,
    summary: str,
    schema: dict[str, Any],
    media_type: str | tuple[str, ...] = "application/json",
    parameters: tuple[dict[str, Any], ...] = (),
) -> Callable[[ReportEndpoint], ReportEndpoint]:
    """Register an admin-only GET endpoint at /api/reports{path}."""

    def register(endpoint: ReportEndpoint) -> ReportEndpoint:
        REPORTS[path] = ReportRoute(path, summary, schema, endpoint, media_type, parameters)
        return endpoint

    return register


def check_query(request: Request, report: ReportRoute) -> None:
    """Refuse a query parameter the route does not take, or one given twice (422
    `invalid_query`, `details`: `parameter` and, when one is close, `suggestion`).

    A misspelt filter (`?departmnet=Sales`) must not answer with the whole organisation, nor
    `?status=overdue&status=done` with one of the two.
    """
    known = [p["name"] for p in report.parameters]
    for name in dict.fromkeys(request.query_params.keys()):
        if name not in known:
            hint = closest(name, known)
            takes = ", ".join(known) or "none"
            raise ApiError(
                422,
                "invalid_query",
                f"unknown query parameter '{name}'"
                + (f"; did you mean '{hint}'?" if hint else f" (this report takes: {takes})"),
                {"parameter": name, "suggestion": hint},
            )
        if len(request.query_params.getlist(name)) > 1:
            raise ApiError(
                422,
                "invalid_query",
                f"query parameter '{name}' given more than once: give it once",
                {"parameter": name},
            )


def _wrap(report: ReportRoute) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        service: RecordsService = request.app.state.records
        check_admin(request.headers, service.admin_token)
        check_query(request, report)
        result = await report.endpoint(request, service)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def report_routes() -> list[Route]:
    """Every registered report as a Starlette route (paths relative to /api/reports)."""
    for name in REPORT_MODULES:
        importlib.import_module(name)
    return [Route(r.path, _wrap(r), methods=["GET"]) for r in REPORTS.values()]


@report_route(
    "/ledger-head", summary="The ledger head (SEQ, HASH) to anchor elsewhere", schema=LEDGER_HEAD
)
async def ledger_head(request: Request, service: RecordsService) -> dict[str, Any]:
    """The last seq and hash of the chain."""
    head = await service.read(service.store.head)
    return {"seq": head.seq, "hash": head.hash}
