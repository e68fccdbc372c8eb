"""Completion needs a record of every kind a module has: pass, ack, attend (workshops)."""

from __future__ import annotations

import datetime as dt

from builder.course.model import CourseModule
from builder.lifecycle.due import Completion, completed_on
from builder.lifecycle.populations import first_done

D = dt.date


def test_a_workshop_is_completed_by_attendance_on_the_session_date() -> None:
    drill = CourseModule("drill", "Drill", 1, delivery="workshop", min_minutes=45)
    assert drill.needs == ("attend",) and drill.trackable
    assert completed_on(drill, [Completion(1, "attend", D(2026, 2, 10))]) == (
        D(2026, 2, 10), D(2026, 2, 10),
    )  # fmt: skip
    assert completed_on(drill, [Completion(1, "pass", D(2026, 2, 10))]) == (None, None)


def test_a_workshop_with_an_acknowledgement_needs_both_the_later_counts() -> None:
    drill = CourseModule("drill", "Drill", 2, has_ack=True, delivery="workshop")
    assert drill.needs == ("ack", "attend")
    only_attended = [Completion(2, "attend", D(2026, 2, 10))]
    assert completed_on(drill, only_attended) == (None, None)
    both = [*only_attended, Completion(2, "ack", D(2026, 2, 12))]
    assert completed_on(drill, both) == (D(2026, 2, 12), D(2026, 2, 12))
    older = [Completion(1, "attend", D(2025, 2, 10)), Completion(1, "ack", D(2025, 2, 10))]
    assert completed_on(drill, older) == (None, D(2025, 2, 10))  # v1 done: retrain for v2
    assert first_done(drill, [("attend", D(2026, 2, 10)), ("ack", D(2026, 2, 12))], None) == D(
        2026, 2, 12
    )


def test_an_online_module_ignores_attendance() -> None:
    quiz = CourseModule("q", "Q", 1, has_quiz=True)
    assert completed_on(quiz, [Completion(1, "attend", D(2026, 1, 1))]) == (None, None)
    reading = CourseModule("r", "R", 1)
    assert not reading.trackable
    assert completed_on(reading, [Completion(1, "pass", D(2026, 1, 1))]) == (None, None)
