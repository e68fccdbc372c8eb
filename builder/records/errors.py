"""The records core's refusals: domain errors with a code and no HTTP status.

`builder.web.errors.STATUS` maps each code to its status.
"""

from __future__ import annotations

from builder.errors import Refused

__all__ = ["RecordsError"]


class RecordsError(Refused):
    """A submission or request the records service refuses (`code`, message, details)."""
