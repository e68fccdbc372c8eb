"""Populations with honest states (issue 10 item 4): pure rules with fixed dates."""

from __future__ import annotations

import datetime as dt

from builder.course.model import course_from_manifest
from builder.lifecycle.due import Person
from builder.lifecycle.populations import population_items, state_of
from tests.reports_data import MANIFEST

D = dt.date.fromisoformat
COURSE = course_from_manifest(MANIFEST)
WINDOW = (D("2026-01-01"), D("2026-06-30"))


def person(pid: str, start: str, end: str | None = None) -> Person:
    return Person(pid, f"{pid}@x", pid, "Ops", ("all-staff",), D(start), D(end) if end else None)


def states(items: list, module: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [(i.person.person_id, i.module, i.state, i.completed and i.completed.isoformat())
            for i in items if module is None or i.module == module]  # fmt: skip


def test_state_of_each_case() -> None:
    due = D("2026-03-01")
    assert state_of(due, D("2026-03-01"), D("2026-04-01")) == "in_time"
    assert state_of(due, D("2026-03-02"), D("2026-04-01")) == "late"
    assert state_of(due, None, D("2026-03-01")) == "not_yet_due"  # due today: not passed yet
    assert state_of(due, None, D("2026-03-02")) == "missed"


def test_new_hire_items_not_yet_due_are_not_failures() -> None:
    hire = person("h", "2026-06-10")  # onboarding due 2026-07-10
    items = population_items([hire], COURSE, {}, "new-hires", WINDOW, D("2026-06-15"))
    assert states(items) == [
        ("h", "phishing", "not_yet_due", None),
        ("h", "aup", "not_yet_due", None),
    ]
    later = population_items([hire], COURSE, {}, "new-hires", WINDOW, D("2026-07-11"))
    assert {i.state for i in later} == {"missed"}


def test_new_hire_in_time_late_and_no_negative_days() -> None:
    hire = person("h", "2026-02-01")  # due 2026-03-03
    dated = {("h", "phishing"): [("pass", D("2026-01-20"))],  # before the start: 0 days, in time
             ("h", "aup"): [("ack", D("2026-03-10"))]}  # fmt: skip
    items = population_items([hire], COURSE, dated, "new-hires", WINDOW, D("2026-06-15"))
    assert states(items) == [("h", "phishing", "in_time", "2026-01-20"),
                             ("h", "aup", "late", "2026-03-10")]  # fmt: skip
    assert [i.days_late for i in items] == [0, 7]


def test_new_hire_who_starts_after_the_as_of_date_is_not_listed() -> None:
    future = person("f", "2026-06-20")
    assert population_items([future], COURSE, {}, "new-hires", WINDOW, D("2026-06-15")) == []


def test_leaver_listed_only_once_their_end_date_has_come() -> None:
    leaver = person("l", "2024-01-01", "2026-06-25")
    assert population_items([leaver], COURSE, {}, "leavers", WINDOW, D("2026-06-15")) == []
    items = population_items([leaver], COURSE, {}, "leavers", WINDOW, D("2026-06-26"))
    assert states(items, "exit") == [("l", "exit", "missed", None)]
    on_day = population_items([leaver], COURSE, {}, "leavers", WINDOW, D("2026-06-25"))
    assert states(on_day, "exit") == [("l", "exit", "not_yet_due", None)]


def test_record_after_the_end_date_is_accepted_but_flagged() -> None:
    leaver = person("l", "2024-01-01", "2026-06-10")
    dated = {("l", "exit"): [("ack", D("2026-06-12"))]}
    (item,) = [i for i in population_items([leaver], COURSE, dated, "leavers", WINDOW,
                                           D("2026-06-30")) if i.module == "exit"]  # fmt: skip
    assert (item.state, item.after_end, item.days_late) == ("late", True, 2)
    dated_ok = {("l", "exit"): [("ack", D("2026-06-09"))]}
    (ok,) = [i for i in population_items([leaver], COURSE, dated_ok, "leavers", WINDOW,
                                         D("2026-06-30")) if i.module == "exit"]  # fmt: skip
    assert (ok.state, ok.after_end, ok.days_late) == ("in_time", False, 0)
