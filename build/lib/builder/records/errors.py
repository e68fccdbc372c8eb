"""The one error the records API raises; `app.py` renders it as `{"error": {...}}`."""

from __future__ import annotations

from typing import Any


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
