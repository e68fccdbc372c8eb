"""`GET /api/me/transcript`: the person's own transcript as one self-contained HTML page.

The same report as `trustpath records transcript EMAIL` (`builder.reports.transcript`), for
the identity of the request only. Someone not on the roster gets 404 `not_on_roster`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from builder.records.service import RecordsService
from builder.reports.transcript import UnknownPerson, render_html, transcript
from builder.store.queries import ProjectionMismatch
from builder.web.errors import ApiError
from builder.web.reports import off_loop  # reports run on the report pool, off the event loop


async def me_transcript(request: Request) -> Response:
    """The transcript of the request's identity, as of today in the organisation's zone."""
    from builder.web.app import _identity  # the one identity resolver

    identity = await _identity(request)
    service: RecordsService = request.app.state.records
    try:
        report = await off_loop(transcript, service.store, service.course, identity.email)
    except UnknownPerson:
        raise ApiError(
            404,
            "not_on_roster",
            "you are not on the training roster, so there is no transcript to show",
        ) from None
    except ProjectionMismatch as exc:
        raise ApiError(503, "records_unverified", str(exc)) from None
    headers = {"Content-Disposition": 'inline; filename="transcript.html"'}
    return HTMLResponse(render_html(report), headers=headers)
