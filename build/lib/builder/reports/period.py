"""The day a report is computed for, in the organisation's time zone.

Every report takes `as_of: date | None`; None means today in the organisation's zone
(`course.timezone`), never the UTC date. A report sees only records made by the end of that
day in that zone: `recorded_at <= AsOf.until`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from builder.course.model import Course
from builder.lifecycle.clock import OrgClock


@dataclass(frozen=True)
class AsOf:
    """A report day: the date, the organisation's clock, and the last timestamp it may see."""

    day: dt.date
    clock: OrgClock

    @property
    def until(self) -> str:
        """The last stored UTC timestamp that falls on `day` in the zone (inclusive bound)."""
        return self.clock.end_of(self.day)


def as_of_for(course: Course, as_of: dt.date | None = None) -> AsOf:
    """`as_of`, else today in `course.timezone`; `UnknownTimeZone` for a bad zone name."""
    clock = OrgClock(course.timezone)
    return AsOf(as_of or clock.today(), clock)
