"""Due rules on a synthetic roster with fixed dates: each asserts the exact status and due date."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.course.model import Course, CourseModule, CourseRole
from builder.lifecycle.due import (
    Completion,
    Person,
    RoleSpan,
    add_months,
    due_items,
    status_of,
)

D = dt.date.fromisoformat
AS_OF = D("2026-06-15")

MODULES = [
    CourseModule("intro", "Intro", 1, ("onboarding",), has_quiz=True),
    CourseModule("yearly", "Yearly", 2, ("onboarding", "annual"), has_quiz=True),
    CourseModule("semi", "Semi", 1, ("semiannual",), has_ack=True),
    CourseModule("quarter", "Quarter", 1, ("onboarding", "quarterly"), has_quiz=True, has_ack=True),
    CourseModule(
        "steady", "Steady", 3, ("onboarding", "annual"), retrain_on_change=False, has_quiz=True
    ),
    CourseModule("exit", "Exit", 1, ("offboarding",), has_ack=True),
    CourseModule("keys", "Keys", 1, ("onboarding", "offboarding"), has_quiz=True),
    CourseModule("readme", "Read me", 1, ("onboarding",)),
    CourseModule("eng-only", "Engineering", 1, ("onboarding",), has_quiz=True),
]
STAFF_PATH = ("intro", "yearly", "semi", "quarter", "steady", "exit", "keys", "readme")
COURSE = Course(
    modules={m.id: m for m in MODULES},
    roles={
        "all-staff": CourseRole("all-staff", "All", ("all-staff",), (), (), STAFF_PATH),
        "engineer": CourseRole(
            "engineer", "Eng", ("engineer", "all-staff"), (), (), (*STAFF_PATH, "eng-only")
        ),
    },
    onboarding_days=30,
    grace_days=30,
    due_soon_days=14,
    built_at=D("2026-01-01"),
)
FIRST_SEEN = {("yearly", 2): D("2026-06-01"), ("yearly", 1): D("2025-01-01")}


def person(start: str = "2024-01-01", **kw: object) -> Person:
    fields: dict[str, object] = {
        "person_id": "p1",
        "email": "ada@example.com",
        "name": "Ada",
        "department": "Eng",
        "roles": ("all-staff",),
        "start_date": D(start),
    }
    fields.update(kw)
    return Person(**fields)  # type: ignore[arg-type]


def items(p: Person, *records: tuple[str, int, str, str]) -> dict[str, tuple[str, str, str]]:
    """Module -> (rule, due, status) for one person; records are (module, version, kind, date)."""
    completions: dict[tuple[str, str], list[Completion]] = {}
    for module, version, kind, on in records:
        completions.setdefault((p.person_id, module), []).append(Completion(version, kind, D(on)))
    report = due_items([p], COURSE, completions, FIRST_SEEN, AS_OF)
    return {i.module: (i.rule, i.due.isoformat(), i.status) for i in report.items}


@pytest.mark.parametrize(
    ("start", "due", "status"),
    [
        ("2026-06-01", "2026-07-01", "upcoming"),
        ("2026-05-31", "2026-06-30", "upcoming"),  # 15 days away
        ("2026-05-25", "2026-06-24", "due_soon"),
        ("2026-05-16", "2026-06-15", "due_soon"),  # due today
        ("2026-05-15", "2026-06-14", "overdue"),
    ],
)
def test_onboarding_due_start_plus_window(start: str, due: str, status: str) -> None:
    assert items(person(start))["intro"] == ("onboarding", due, status)


def test_status_boundaries() -> None:
    assert status_of(D("2026-06-29"), AS_OF, 14) == "due_soon"
    assert status_of(D("2026-06-30"), AS_OF, 14) == "upcoming"
    assert status_of(D("2026-06-15"), AS_OF, 14) == "due_soon"
    assert status_of(D("2026-06-14"), AS_OF, 14) == "overdue"


def test_onboarding_done_by_a_pass_keeps_its_due_date() -> None:
    got = items(person("2026-05-01"), ("intro", 1, "pass", "2026-05-10"))
    assert got["intro"] == ("onboarding", "2026-05-31", "done")


def test_recurring_first_due_at_onboarding() -> None:
    got = items(person("2026-06-01"))
    assert got["semi"] == ("onboarding", "2026-07-01", "upcoming")
    assert got["yearly"] == ("onboarding", "2026-07-01", "upcoming")


@pytest.mark.parametrize(
    ("passed", "due", "status"),
    [
        ("2025-07-01", "2026-07-01", "done"),
        ("2025-06-20", "2026-06-20", "due_soon"),
        ("2025-06-01", "2026-06-01", "overdue"),
    ],
)
def test_annual_due_twelve_months_after_last_pass(passed: str, due: str, status: str) -> None:
    got = items(person(), ("yearly", 2, "pass", "2024-06-01"), ("yearly", 2, "pass", passed))
    assert got["yearly"] == ("annual", due, status)


def test_semiannual_due_six_months_after_last_ack() -> None:
    assert items(person(), ("semi", 1, "ack", "2026-01-10"))["semi"] == (
        "semiannual",
        "2026-07-10",
        "done",
    )
    assert items(person(), ("semi", 1, "ack", "2025-12-01"))["semi"] == (
        "semiannual",
        "2026-06-01",
        "overdue",
    )


def test_quarterly_with_quiz_and_ack_needs_both() -> None:
    only_pass = items(person(), ("quarter", 1, "pass", "2026-04-01"))
    assert only_pass["quarter"] == ("onboarding", "2024-01-31", "overdue")
    both = items(
        person(), ("quarter", 1, "pass", "2026-04-01"), ("quarter", 1, "ack", "2026-04-05")
    )
    assert both["quarter"] == ("quarterly", "2026-07-05", "done")


def test_failed_attempts_do_not_complete() -> None:
    got = items(person(), ("intro", 1, "fail", "2026-06-01"))
    assert got["intro"] == ("onboarding", "2024-01-31", "overdue")


def test_version_bump_retrain_due_grace_after_first_seen() -> None:
    got = items(person(), ("yearly", 1, "pass", "2026-01-10"))
    assert got["yearly"] == ("retrain", "2026-07-01", "upcoming")


def test_version_bump_earlier_recurrence_wins() -> None:
    got = items(person(), ("yearly", 1, "pass", "2025-06-20"))
    assert got["yearly"] == ("annual", "2026-06-20", "due_soon")


def test_version_bump_without_retrain_keeps_old_completion() -> None:
    got = items(person(), ("steady", 1, "pass", "2026-01-10"))
    assert got["steady"] == ("annual", "2027-01-10", "done")


def test_offboarding_due_on_end_date() -> None:
    leaving = person(end_date=D("2026-06-20"))
    assert items(leaving)["exit"] == ("offboarding", "2026-06-20", "due_soon")
    assert items(leaving, ("exit", 1, "ack", "2026-06-14"))["exit"] == (
        "offboarding",
        "2026-06-20",
        "done",
    )
    assert "exit" not in items(person())


def test_module_also_on_offboarding_must_be_current_by_end_date() -> None:
    got = items(person("2026-06-01", end_date=D("2026-06-20")))
    assert got["keys"] == ("offboarding", "2026-06-20", "due_soon")
    assert got["intro"] == ("onboarding", "2026-07-01", "upcoming")


def test_leavers_not_counted_after_end_date() -> None:
    assert items(person(end_date=D("2026-06-14"))) == {}
    on_last_day = items(person(end_date=D("2026-06-15")))
    assert on_last_day["exit"] == ("offboarding", "2026-06-15", "due_soon")


def test_people_not_started_are_not_counted() -> None:
    assert items(person("2026-06-16")) == {}


@pytest.mark.parametrize("status", ["leave", "exempt"])
def test_leave_and_exempt_listed_apart_with_reason(status: str) -> None:
    p = person(status=status, note="parental leave until 2026-09")
    report = due_items([p], COURSE, {}, FIRST_SEEN, AS_OF)
    assert report.items == []
    assert [(e.email, e.status, e.reason) for e in report.excused] == [
        ("ada@example.com", status, "parental leave until 2026-09")
    ]


def test_role_change_new_modules_due_from_change_date() -> None:
    history = (RoleSpan(D("2024-01-01"), ("all-staff",)), RoleSpan(D("2026-06-01"), ("engineer",)))
    got = items(person(roles=("engineer",), role_history=history))
    assert got["eng-only"] == ("role-change", "2026-07-01", "upcoming")
    assert got["intro"] == ("onboarding", "2024-01-31", "overdue")


def test_role_change_away_drops_module_and_future_change_ignored() -> None:
    history = (RoleSpan(D("2024-01-01"), ("engineer",)), RoleSpan(D("2026-07-01"), ("all-staff",)))
    got = items(person(roles=("all-staff",), role_history=history))
    assert got["eng-only"] == ("onboarding", "2024-01-31", "overdue")
    history = (RoleSpan(D("2024-01-01"), ("engineer",)), RoleSpan(D("2026-05-01"), ("all-staff",)))
    assert "eng-only" not in items(person(roles=("all-staff",), role_history=history))


def test_module_without_quiz_or_ack_is_not_tracked() -> None:
    assert "readme" not in items(person())


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2024-02-29"), 12) == D("2025-02-28")
    assert add_months(D("2026-11-15"), 3) == D("2027-02-15")
