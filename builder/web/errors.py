"""The HTTP side of errors: `ApiError` (a status, a code, a message, details) and the one table
{domain error code → status}. Only the web adapter knows HTTP statuses (ARCHITECTURE rule 4).
"""

from __future__ import annotations

from typing import Any

from builder.errors import DomainError


class ApiError(Exception):
    """An HTTP error with a stable machine code, a human message and structured details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = headers
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        """The JSON error envelope."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


# Every domain error code the records core, grading and the quiz rules raise, with its status.
STATUS: dict[str, int] = {
    # grading (builder.course.grading)
    "invalid_submission": 422, "unknown_module": 404, "stale_version": 409, "no_quiz": 422,
    "unknown_question": 422, "unknown_choice": 422, "too_many_choices": 422,
    "draw_mismatch": 422,
    # quiz rules (builder.records.draws)
    "quiz_rule": 422, "draw_required": 422, "invalid_draw": 422, "draw_not_yours": 403,
    "draw_expired": 409, "draw_used": 409, "attempt_limit": 429,
    # the records service (builder.records)
    "conflicting_replay": 409, "no_acknowledgement": 422, "stale_statement": 409,
    "storage_unavailable": 503,
    # identity (builder.records.identity, builder.records.links)
    "no_identity": 401, "invalid_token": 401, "revoked_link": 401, "untrusted_proxy": 401,
    "bad_identity": 401,
    "no_admin_token": 401, "reports_disabled": 403, "bad_admin_token": 403,
}  # fmt: skip


def api_error(exc: DomainError, headers: dict[str, str] | None = None) -> ApiError:
    """The HTTP error for a domain error: its status from `STATUS` (422 when unlisted)."""
    return ApiError(STATUS.get(exc.code, 422), exc.code, exc.message, exc.details, headers)
