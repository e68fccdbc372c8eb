"""The organisation's clock: which calendar day a moment falls on, and where a day ends.

Records are stamped in UTC (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, which sorts as time does); people
live in the organisation's time zone (the `timezone` setting, an IANA name, default `UTC`).
"Today", completion days, due days and `--as-of D` are days in that zone: a pass at 23:30 in
California on the due date is in time, although it is already the next day in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from builder.errors import TrustPathError

UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# The IANA names of UTC itself (the tz database's `backward` aliases included).
UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
     "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0",
     "Greenwich", "Etc/Greenwich"}
)  # fmt: skip


class UnknownTimeZone(TrustPathError, ValueError):
    """The `timezone` setting is not an IANA time zone name."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (e.g. `America/Los_Angeles`); `UnknownTimeZone` otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(
            f"unknown time zone '{name}': use an IANA name such as UTC, Europe/Berlin or "
            "America/Los_Angeles"
        ) from None


@dataclass(frozen=True)
class OrgClock:
    """Days in the organisation's zone. `today` is injectable for tests and as-of reports."""

    timezone: str = "UTC"
    _days: dict[str, tuple[int, int, dt.date]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @cached_property
    def is_utc(self) -> bool:
        """True when the zone is UTC under one of its names: a day is then the date part of
        the stored timestamp (the reports' fast path over hundreds of thousands of rows)."""
        return self.timezone in UTC_NAMES

    def now(self) -> dt.datetime:
        """The current time in the organisation's zone."""
        return dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        """Today's date in the organisation's zone."""
        return self.now().date()

    def end_of(self, day: dt.date) -> str:
        """The last stored UTC timestamp that still falls on `day` in the zone (inclusive).

        `recorded_at <= clock.end_of(D)` selects exactly the records made by the end of D.
        """
        start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz)
        last = start_next.astimezone(dt.UTC) - dt.timedelta(microseconds=1)
        return last.strftime(UTC_FORMAT)

    def start_of(self, day: dt.date) -> str:
        """The first UTC timestamp that falls on `day` in the zone."""
        first = dt.datetime.combine(day, dt.time(), self.tz).astimezone(dt.UTC)
        return first.strftime(UTC_FORMAT)

    def day_of(self, recorded_at: str) -> dt.date:
        """The zone's calendar day of a stored UTC timestamp (or of a plain ISO date).

        Fast path for reports over millions of rows: per UTC day the zone's offset at its
        start and end is computed once; when they agree (no DST change that day) the local day
        follows from the hour and minute alone.
        """
        key = recorded_at[:10]
        if len(recorded_at) < 16:
            return dt.date.fromisoformat(key)
        known = self._days.get(key)
        if known is None:
            first, last = self._offsets(key)
            known = self._days[key] = (first, last, dt.date.fromisoformat(key))
        first, last, base = known
        if first == 0 and last == 0:  # UTC, or a zone at UTC that day: the UTC day
            return base
        if first != last:
            moment = dt.datetime.strptime(recorded_at, UTC_FORMAT).replace(tzinfo=dt.UTC)
            return moment.astimezone(self.tz).date()
        minutes = int(recorded_at[11:13]) * 60 + int(recorded_at[14:16]) + first
        if minutes < 0:
            return base - dt.timedelta(days=1)
        if minutes >= 1440:
            return base + dt.timedelta(days=1)
        return base

    def _offsets(self, key: str) -> tuple[int, int]:
        """The zone's UTC offset in minutes at the start and at the end of UTC day `key`."""
        day = dt.date.fromisoformat(key)
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        end = start + dt.timedelta(hours=23, minutes=59, seconds=59)
        return (
            int(start.astimezone(self.tz).utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
            int(end.astimezone(self.tz).utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
        )
