"""The root of every domain exception."""

from __future__ import annotations

from typing import Any


class TrustPathError(Exception):
    """A problem TrustPath reports to a person; the CLI, web adapter and plugin render it."""


class DomainError(TrustPathError):
    """A request the rules refuse: a stable machine `code`, a human message and details.

    No HTTP status here: `builder.web.errors.STATUS` maps each code to one (ARCHITECTURE
    rule 4), and the CLI prints the message.
    """

    code = "invalid_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Refused(DomainError):
    """A domain error whose code is chosen where it is raised."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details)
        self.code = code
