"""Audit populations: the new hires, leavers and active staff of a window, item by item.

Pure: no DB, no web. An auditor samples a population and asks, per person and item, whether
the training happened in time. Each item has one honest state on the as-of date
(DESIGN §11, issue 10 item 4):

* `in_time`: completed on or before its due date;
* `late`: completed after its due date;
* `not_yet_due`: not completed, and its due date has not passed (due on or after as-of);
* `missed`: not completed, and its due date has passed.

Who is in a population:

* new hires: start date inside the window and on or before the as-of date; their onboarding
  items (the roles they held on the start date), due `start + onboarding_days`;
* leavers: end date inside the window and on or before the as-of date (a leaver whose end
  date is next month is not one yet); their offboarding items, due on the end date;
* active: the due engine's items as of the window's end (or the as-of date, when earlier).

A record made after a person's end date is accepted but flagged (`after_end`). Day counts
are never negative: `days_late` is how many days after the due date an item was completed
(0 when in time, None when not completed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from builder.course.model import Course, CourseModule
from builder.lifecycle.due import DueItem, Person, spans_of

STATES = ("in_time", "late", "not_yet_due", "missed")
POPULATIONS = ("new-hires", "leavers", "active")
Dated = Mapping[tuple[str, str], Sequence[tuple[str, dt.date]]]  # (person, module) -> (kind, day)


@dataclass(frozen=True)
class PopulationItem:
    """One person's item in a population, with its state on the as-of date."""

    person: Person
    module: str
    due: dt.date
    completed: dt.date | None
    state: str
    after_end: bool = False  # completed after the person's end date (accepted, flagged)

    @property
    def days_late(self) -> int | None:
        """Days from the due date to the completion; 0 when in time, None when not done."""
        if self.completed is None:
            return None
        return max(0, (self.completed - self.due).days)


def state_of(due: dt.date, completed: dt.date | None, as_of: dt.date) -> str:
    """`in_time`, `late`, `not_yet_due` or `missed` (see the module docstring)."""
    if completed is not None:
        return "in_time" if completed <= due else "late"
    return "missed" if due < as_of else "not_yet_due"


def first_done(
    module: CourseModule, records: Iterable[tuple[str, dt.date]], since: dt.date | None
) -> dt.date | None:
    """The first day the module counted as completed (both kinds when it needs both).

    `records` are (kind, day) with kind "pass", "ack" or "attend" (see `CourseModule.needs`);
    records before `since` are ignored.
    """
    firsts: dict[str, dt.date] = {}
    for kind, day in records:
        if (since is None or day >= since) and (kind not in firsts or day < firsts[kind]):
            firsts[kind] = day
    needed = module.needs
    if not needed or any(k not in firsts for k in needed):
        return None
    return max(firsts[k] for k in needed)


def in_population(
    person: Person, which: str, window: tuple[dt.date, dt.date], as_of: dt.date
) -> bool:
    """Whether `person` belongs to the new-hires or leavers population of the window."""
    start, end = window
    anchor = person.end_date if which == "leavers" else person.start_date
    return anchor is not None and start <= anchor <= end and anchor <= as_of


def _item(
    person: Person, module: CourseModule, due: dt.date, done: dt.date | None, as_of: dt.date
) -> PopulationItem:
    after_end = done is not None and person.end_date is not None and done > person.end_date
    return PopulationItem(person, module.id, due, done, state_of(due, done, as_of), after_end)


def population_items(
    people: Iterable[Person],
    course: Course,
    dated: Dated,
    which: str,
    window: tuple[dt.date, dt.date],
    as_of: dt.date,
) -> list[PopulationItem]:
    """The items of the new hires (`which="new-hires"`) or leavers (`"leavers"`) of the window.

    `dated` holds every pass and acknowledgement recorded by the end of the as-of date, as
    days in the organisation's zone. Items come per person (in `people` order), path order.
    """
    out: list[PopulationItem] = []
    for person in people:
        if not in_population(person, which, window, as_of):
            continue
        if which == "leavers":
            assert person.end_date is not None
            since = person.end_date - course.onboarding_window
            for mid in course.path_of(spans_of(person, person.end_date)[-1].roles):
                module = course.modules.get(mid)
                if module is None or not module.trackable or "offboarding" not in module.when:
                    continue
                recs = dated.get((person.person_id, mid), ())
                done = first_done(module, recs, None if module.offboarding_only else since)
                out.append(_item(person, module, person.end_date, done, as_of))
            continue
        due = person.start_date + course.onboarding_window
        for mid in course.path_of(spans_of(person, person.start_date)[0].roles):
            module = course.modules.get(mid)
            if module is None or not module.trackable or module.offboarding_only:
                continue
            done = first_done(module, dated.get((person.person_id, mid), ()), None)
            out.append(_item(person, module, due, done, as_of))
    return out


def active_items(
    items: Iterable[DueItem], people: Mapping[str, Person], as_of: dt.date
) -> list[PopulationItem]:
    """The due engine's items as population items (the `active` population).

    A completed item is `in_time` when completed by the item's due date; for a recurring item
    that is done, the due date is the next round's, so `in_time` there means "current": the
    lateness of earlier rounds is not reconstructed.
    """
    out: list[PopulationItem] = []
    for item in items:
        person = people.get(item.person_id)
        if person is None:
            continue
        done = item.completed
        after_end = done is not None and person.end_date is not None and done > person.end_date
        state = state_of(item.due, done, as_of)
        out.append(PopulationItem(person, item.module, item.due, done, state, after_end))
    return out
