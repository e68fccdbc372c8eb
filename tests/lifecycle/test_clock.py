"""The organisation's clock: the fast day-of path agrees with zoneinfo everywhere, DST days,
half-hour and 45-minute offsets included."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from builder.lifecycle.clock import OrgClock


@pytest.mark.parametrize(
    "zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Chatham"]
)
def test_day_of_matches_zoneinfo_for_random_moments(zone: str) -> None:
    clock = OrgClock(zone)
    rng = random.Random(zone)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for _ in range(50_000):
        moment = base + dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert clock.day_of(stamp) == moment.astimezone(clock.tz).date(), stamp


def test_end_of_a_day_in_california_is_the_next_morning_in_utc() -> None:
    clock = OrgClock("America/Los_Angeles")
    assert clock.end_of(dt.date(2026, 3, 4)) == "2026-03-05T07:59:59.999999Z"
    assert clock.day_of("2026-03-05T07:30:00.000000Z") == dt.date(2026, 3, 4)
