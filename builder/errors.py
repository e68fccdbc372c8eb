"""The root of every domain exception."""

from __future__ import annotations

from typing import Any


def _rebuild(cls: type[TrustPathError], args: tuple[Any, ...]) -> TrustPathError:
    """An exception of `cls` with these `args`, without calling its `__init__` (unpickling)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    return exc


class TrustPathError(Exception):
    """A problem TrustPath reports to a person; the CLI, web adapter and plugin render it.

    Every one pickles with its attributes (code, details, ...) whatever its `__init__` takes,
    so a report run in a worker process raises the same error in the service
    (`builder.reports.worker`).
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args), self.__dict__)


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
