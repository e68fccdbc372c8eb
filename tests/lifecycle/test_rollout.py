"""Rolling out (issue 10): `programme_start` keeps long-serving staff from being overdue on
everything since their hire date + 30 days."""

from __future__ import annotations

import dataclasses
import datetime as dt

from builder.lifecycle.due import Completion, due_items
from tests.test_due import COURSE, FIRST_SEEN, person

D = dt.date.fromisoformat
ROLLOUT = dataclasses.replace(COURSE, programme_start=D("2026-06-01"))


def due_map(course, p, as_of: str, *records: tuple[str, int, str, str]):
    completions: dict[tuple[str, str], list[Completion]] = {}
    for module, version, kind, on in records:
        completions.setdefault((p.person_id, module), []).append(Completion(version, kind, D(on)))
    report = due_items([p], course, completions, FIRST_SEEN, D(as_of))
    return {i.module: (i.rule, i.due.isoformat(), i.status) for i in report.items}


def test_without_programme_start_a_2021_hire_is_overdue_since_2021() -> None:
    due = due_map(COURSE, person("2021-03-01"), "2026-06-15")
    assert due["intro"] == ("onboarding", "2021-03-31", "overdue")
    assert sum(status == "overdue" for _, _, status in due.values()) >= 5


def test_onboarding_of_earlier_starters_is_due_programme_start_plus_onboarding_days() -> None:
    due = due_map(ROLLOUT, person("2021-03-01"), "2026-06-15")
    assert due["intro"] == ("onboarding", "2026-07-01", "upcoming")
    assert not [m for m, (_, _, status) in due.items() if status == "overdue"]


def test_recurring_items_first_fall_due_at_the_rollout_then_recur_from_the_pass() -> None:
    p = person("2021-03-01")
    before = due_map(ROLLOUT, p, "2026-06-15")
    assert before["yearly"] == ("onboarding", "2026-07-01", "upcoming")
    passed = due_map(ROLLOUT, p, "2026-07-10", ("yearly", 2, "pass", "2026-06-20"))
    assert passed["yearly"] == ("annual", "2027-06-20", "done")


def test_people_who_start_after_the_rollout_are_unaffected() -> None:
    due = due_map(ROLLOUT, person("2026-06-10"), "2026-06-15")
    assert due["intro"] == ("onboarding", "2026-07-10", "upcoming")


def test_a_late_rollout_completion_is_still_late() -> None:
    due = due_map(ROLLOUT, person("2021-03-01"), "2026-07-15")
    assert due["intro"] == ("onboarding", "2026-07-01", "overdue")
