"""The ASGI app: the records API under /api and, optionally, the built site on the same origin.

An HTTP adapter over `RecordsService`: reads and checks bodies, resolves identity, renders
every error as `{"error": {"code", "message", "details"}}` from one handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

from builder.errors import DomainError
from builder.records.draws import (
    AttemptLimited,
)
from builder.records.identity import Identity
from builder.records.service import RecordsService
from builder.reports.worker import ReportPool
from builder.web.admin import report_routes
from builder.web.duplicates import DuplicateKey, check_duplicate_keys
from builder.web.errors import ApiError, api_error
from builder.web.openapi import openapi_document
from builder.web.ratelimit import RateLimiter, RouteLimits, parse_rate_limits
from builder.web.schemas import validate_body
from builder.web.security import SecurityHeaders
from builder.web.transcript import me_transcript

MAX_BODY = 64 * 1024
log = logging.getLogger("trustpath.records")


class JSONResponse(Response):
    """A JSON response encoded by orjson: compact UTF-8 like Starlette's, a fraction of the cost."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def read_json(request: Request) -> Any:
    """The parsed JSON body: 415, 413, 400 for the wrong type, size, bytes or syntax."""
    mime, _, params = request.headers.get("content-type", "").partition(";")
    charset = params.strip().lower().removeprefix("charset=").strip('"') if params.strip() else ""
    if mime.strip().lower() != "application/json" or charset not in ("", "utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json (UTF-8)")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit()):
        raise ApiError(400, "bad_content_length", "Content-Length is not a number")
    if declared is not None and int(declared) > MAX_BODY:
        raise ApiError(
            413, "body_too_large", f"the body is over {MAX_BODY} bytes", {"limit": MAX_BODY}
        )
    data = bytearray()
    async for chunk in request.stream():  # counted while reading: Content-Length may lie
        data += chunk
        if len(data) > MAX_BODY:
            raise ApiError(
                413, "body_too_large", f"the body is over {MAX_BODY} bytes", {"limit": MAX_BODY}
            )
    try:  # orjson: strict RFC 8259 (no NaN, no lone surrogates), UTF-8 checked, ~5x json
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise ApiError(
                400,
                "invalid_utf8",
                f"the body is not valid UTF-8 (byte {bad.start})",
                {"position": bad.start},
            ) from None
        if str(exc).startswith("depth limit exceeded"):
            raise ApiError(400, "too_deep", "the body is nested too deeply") from None
        raise ApiError(400, "malformed_json", f"the body is not JSON: {exc}") from None
    try:
        check_duplicate_keys(data, parsed)
    except DuplicateKey as dup:
        raise ApiError(
            400,
            "duplicate_key",
            f"the body names the key '{dup.key}' twice: send each key once",
            {"key": dup.key},
        ) from None
    except RecursionError:
        raise ApiError(400, "too_deep", "the body is nested too deeply") from None
    return parsed


def _service(request: Request) -> RecordsService:
    service: RecordsService = request.app.state.records
    return service


IDENTITY_STATE = "trustpath_identity"


async def identity_of(scope: Scope) -> Identity:
    """The identity of a request, resolved once (the rate limiter and the route share it).

    400 when an identity header (Authorization, X-TrustPath-User, the proxy's header) appears
    more than once; 401 when no identity can be trusted or a personal link was revoked.
    """
    state = scope.setdefault("state", {})
    known = state.get(IDENTITY_STATE)
    if known is not None:
        return known  # type: ignore[no-any-return]
    service: RecordsService = scope["app"].state.records
    names = service.identity.header_names()
    seen: set[bytes] = set()
    for name, _ in scope["headers"]:
        if name in names:
            if name in seen:
                raise ApiError(
                    400,
                    "duplicate_header",
                    f"the {name.decode('latin-1')} header appears more than once: send it once",
                    {"header": name.decode("latin-1")},
                )
            seen.add(name)
    client = scope.get("client")
    identity = service.identity.resolve(Headers(scope=scope), client[0] if client else None)
    await service.check_link(identity)
    state[IDENTITY_STATE] = identity
    return identity


async def _email_or_none(scope: Scope) -> str | None:
    try:
        return (await identity_of(scope)).email
    except (ApiError, DomainError):  # the route itself answers 400/401
        return None


async def _identity(request: Request) -> Identity:
    return await identity_of(request.scope)


# What a submission returns: (created, answer); created is 201, a replay 200.
Submit = Callable[
    [RecordsService, Identity, dict[str, Any]], Awaitable[tuple[bool, dict[str, Any]]]
]


def _post_route(path: str, kind: str, submit: Submit) -> Route:
    async def endpoint(request: Request) -> Response:
        identity = await _identity(request)
        body = validate_body(kind, await read_json(request))
        created, result = await submit(_service(request), identity, body)
        return JSONResponse(result, status_code=201 if created else 200)

    return Route(path, endpoint, methods=["POST"])


async def quiz_draw(request: Request) -> Response:
    identity = await _identity(request)
    return JSONResponse(await _service(request).draw(identity, request.path_params["module"]))


async def me(request: Request) -> Response:
    return JSONResponse(await _service(request).me(await _identity(request)))


async def health(request: Request) -> Response:
    return JSONResponse(await _service(request).health())


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def api_not_found(request: Request) -> Response:
    """404 for unknown API paths; 405 when the path exists but not for this method."""
    path = request.url.path
    for route in request.app.router.routes:
        if (
            isinstance(route, Route)
            and route.name != "api_not_found"
            and route.path_regex.match(path)
        ):
            allowed = sorted(route.methods or ())
            raise ApiError(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here",
                {"allowed": allowed},
                headers={"Allow": ", ".join(allowed)},
            )
    raise ApiError(404, "not_found", f"no API route {request.url.path}")


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    """A domain error (grading, quiz rules, the records core) with its status from the table."""
    assert isinstance(exc, DomainError)
    headers = None
    if isinstance(exc, AttemptLimited):
        wait = (exc.retry_at - _service(request).clock()).total_seconds()
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    error = api_error(exc, headers)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/api"):
        page = request.app.state.not_found_page
        if exc.status_code == 404 and page is not None:
            return FileResponse(page, status_code=404)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    error = ApiError(exc.status_code, code, str(exc.detail))
    return JSONResponse(error.body(), status_code=exc.status_code, headers=exc.headers)


async def on_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    error = ApiError(500, "internal_error", "unexpected server error; it has been logged")
    return JSONResponse(error.body(), status_code=500)


def create_app(
    service: RecordsService,
    site_dir: Path | None = None,
    cors_origins: tuple[str, ...] = (),
    rate_limits: list[RouteLimits] | None = None,
    hardening: bool = True,
    site_app: ASGIApp | None = None,
    report_workers: int = 1,
) -> Starlette:
    """The app: API routes, report routes, then the static site (when given) at /.

    `site_app` serves the site instead of a plain `StaticFiles` of `site_dir` (the preview
    of `trustpath serve --watch`, which swaps builds and shows build errors).

    `rate_limits` default to `parse_rate_limits(None)`. `hardening=False` drops the security
    headers and the rate limiter: only the benchmark uses it, to measure what they cost.

    Reports run in `report_workers` worker processes (`builder.reports.worker.ReportPool`),
    started on the first report and stopped when the app shuts down.
    """
    reports = report_routes()
    routes: list[BaseRoute] = [
        _post_route("/api/attempts", "attempt", RecordsService.submit_attempt),
        _post_route("/api/acknowledgements", "ack", RecordsService.submit_ack),
        _post_route("/api/feedback", "feedback", RecordsService.submit_feedback),
        Route("/api/quiz/{module}/draw", quiz_draw, methods=["GET"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/api/me/transcript", me_transcript, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Mount("/api/reports", routes=reports),
        Route(
            "/api/{rest:path}",
            api_not_found,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        ),
    ]
    if site_dir is not None:
        site = site_app or StaticFiles(directory=site_dir, html=True)
        routes.append(Mount("/", app=site, name="site"))

    reports_pool = ReportPool(report_workers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await asyncio.to_thread(reports_pool.shutdown)  # no report worker outlives the app
            await service.stop()

    middleware = [Middleware(SecurityHeaders)] if hardening else []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Authorization", "X-TrustPath-User"],
                expose_headers=["Retry-After"],
                max_age=600,
            )
        )
    if hardening:  # inside CORS, so a 429 still carries the CORS headers
        middleware.append(
            Middleware(
                RateLimiter,
                routes=parse_rate_limits(None) if rate_limits is None else rate_limits,
                resolve_email=_email_or_none,
                trusted_address=service.identity.is_trusted_proxy,
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            ApiError: on_api_error,
            DomainError: on_domain_error,
            HTTPException: on_http_error,
            Exception: on_server_error,
        },
    )
    app.state.records = service
    app.state.report_pool = reports_pool
    app.state.openapi = openapi_document(service.identity.mode, service.identity.header)
    page = site_dir / "404.html" if site_dir is not None else None
    app.state.not_found_page = page if page is not None and page.is_file() else None
    return app
