"""Unknown identities: people with ledger entries and no roster row (issue 10 item 6).

Someone who trains before HR adds them gets a `seen` people row with their first record; the
due report cannot count them (it has no start date or roles for them), so this report lists
them instead of letting them vanish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from builder.course.model import Course
from builder.lifecycle.clock import OrgClock
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.report_queries import unknown_count, unknown_identities

UNKNOWN_COLUMNS = ("email", "first_record", "last_record", "records", "attempts", "acks",
                   "feedback", "other")  # fmt: skip


def _day(clock: OrgClock, stamp: str | None) -> str | None:
    return clock.day_of(stamp).isoformat() if stamp else None


def unknown_report(
    store: Store, course: Course, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Each identity with ledger entries recorded by the end of `as_of` and no roster row.

    One dict per identity, first seen first: `email`, `first_record` and `last_record`
    (days in the org's zone), `first_recorded_at` / `last_recorded_at` (UTC), `records`
    (total), `attempts`, `acks`, `feedback` (named-feedback rows; anonymous feedback is never
    linked), `other` (any other kind), and `counts` {kind: rows}.
    """
    period = as_of_for(course, as_of)
    with store.transaction() as conn:
        found = unknown_identities(conn, period.until)
    rows = []
    for entry in found:
        counts: dict[str, int] = entry["counts"]
        known = counts.get("attempt", 0) + counts.get("ack", 0) + counts.get("feedback", 0)
        rows.append({
            "email": entry["email"],
            "first_record": _day(period.clock, entry["first"]),
            "last_record": _day(period.clock, entry["last"]),
            "first_recorded_at": entry["first"],
            "last_recorded_at": entry["last"],
            "records": sum(counts.values()),
            "attempts": counts.get("attempt", 0),
            "acks": counts.get("ack", 0),
            "feedback": counts.get("feedback", 0),
            "other": sum(counts.values()) - known,
            "counts": dict(sorted(counts.items())),
        })  # fmt: skip
    return rows


def unknown_total(store: Store, course: Course, as_of: dt.date | None = None) -> int:
    """How many identities `unknown_report` lists (one COUNT, for the dashboard)."""
    with store.transaction() as conn:
        return unknown_count(conn, as_of_for(course, as_of).until)
