"""The client's `started_at`: checked against the server's clock before it enters the evidence.

The browser says when the person opened the quiz; the server knows when the answer arrived
and (with draws) when the questions were handed out. A start later than the receipt, or earlier
than the draw, cannot be true: the value is clamped into that interval and the attempt carries
a flag saying so, with what the client claimed, so the evidence never shows an impossible time
as if it were measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CLOCK_SKEW = dt.timedelta(seconds=5)  # a client clock a little ahead is not worth a flag


@dataclass(frozen=True)
class StartedAt:
    value: str | None  # ISO 8601 UTC, what the evidence records
    flag: str | None = None  # None, "after_receipt" or "before_draw"
    claimed: str | None = None  # the client's value, kept when it was clamped


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_started_at(
    claimed: str | None, received: dt.datetime, not_before: dt.datetime | None = None
) -> StartedAt:
    """`claimed` clamped to [not_before, received], flagged when it was outside.

    `received` and `not_before` are aware datetimes (the request's arrival, the draw's issue
    time). A value without a zone is read as UTC. `claimed` must already be a valid RFC 3339
    date-time (the request schema checks it); anything unreadable is recorded as absent and
    flagged "unreadable".
    """
    if claimed is None:
        return StartedAt(None)
    try:
        when = dt.datetime.fromisoformat(claimed)
    except ValueError:
        return StartedAt(None, "unreadable", claimed)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if when > received + CLOCK_SKEW:
        return StartedAt(_iso(received), "after_receipt", claimed)
    if not_before is not None and when < not_before - CLOCK_SKEW:
        return StartedAt(_iso(not_before), "before_draw", claimed)
    return StartedAt(claimed)
