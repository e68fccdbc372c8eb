"""Event-driven training: campaigns that assign modules to people by a date. Pure: no DB, no web.

A campaign is one `assignment` ledger entry (issue 18): modules, the pseudonymous ids of the
people it was assigned to *at that moment*, a due date and a reason. Its rules:

* **What counts.** An assigned item is done only by a completion recorded *after* the
  assignment (`Completion.at` later than `Assignment.assigned_at`), even if the person passed
  the module before: a pass, an acknowledgement, or whatever else completes the module in
  `due.completed_on` (for a module with a quiz and a statement, both, the later one giving
  the day). With `retrain_on_change`, the completion must be of the current version.
* **Status.** `done` once completed; otherwise `overdue` after the due date, `due_soon`
  within `due_soon_days` of it, `upcoming` before (`due.status_of`). Rule `assigned`, with
  the campaign id and reason on the item.
* **Who.** The population is fixed when assigned: people who join later are not added.
  A person drops out of the open list when the due engine stops counting them (after their
  end date, before their start date, on leave or exempt); the ledger keeps the assignment.
* **Cancelled.** After an `assignment_cancel` entry, items not completed by the time of the
  cancellation disappear; completed ones stay `done`.
* A module no longer in the course, or one no record can complete, gives no item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.lifecycle.due import Completion, Completions, DueItem, Person, completed_on, status_of
from builder.lifecycle.managers import reports_of

ASSIGNED = "assigned"  # the due engine's rule for campaign items


@dataclass(frozen=True)
class Assignment:
    """One campaign as its `assignment` (and maybe `assignment_cancel`) entry recorded it.

    `assigned_at` / `cancelled_at` are the entries' stored UTC timestamps
    (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, which sort as time does); `assigned_on` is the
    organisation's day of the assignment.
    """

    campaign: str
    modules: tuple[str, ...]
    people: frozenset[str]  # pseudonymous person ids
    due: dt.date
    reason: str
    assigned_at: str
    assigned_on: dt.date
    assigned_by: str = ""
    selector: str = ""  # how the population was chosen, e.g. "department=Sales"
    cancelled_at: str | None = None
    cancel_reason: str = ""
    cancelled_by: str = ""

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


def after(records: Iterable[Completion], moment: str, until: str | None = None) -> list[Completion]:
    """The records made after `moment` (and by `until` when given); UTC timestamp texts."""
    return [r for r in records if r.at > moment and (until is None or r.at <= until)]


def assigned_items(
    person: Person,
    assignments: Sequence[Assignment],
    course: Course,
    completions: Completions,
    as_of: dt.date,
) -> list[DueItem]:
    """The campaign items of one counted person on `as_of`, in campaign then module order.

    `assignments` are the campaigns that name the person (others are skipped); rules in the
    module docstring. The caller decides whether the person is counted at all.
    """
    items: list[DueItem] = []
    for campaign in assignments:
        if person.person_id not in campaign.people:
            continue
        for mid in campaign.modules:
            module = course.modules.get(mid)
            if module is None or not module.trackable:
                continue
            records = completions.get((person.person_id, mid), ())
            current, _ = completed_on(
                module, after(records, campaign.assigned_at, campaign.cancelled_at)
            )
            if current is None and campaign.cancelled:
                continue
            status = "done" if current is not None else status_of(
                campaign.due, as_of, course.due_soon_days
            )  # fmt: skip
            items.append(
                DueItem(
                    person.person_id,
                    person.email,
                    person.name,
                    person.department,
                    mid,
                    module.version,
                    ASSIGNED,
                    campaign.due,
                    status,
                    current,
                    campaign.campaign,
                    campaign.reason,
                )
            )
    return items


def by_person(assignments: Iterable[Assignment]) -> dict[str, list[Assignment]]:
    """person id -> the campaigns naming them, oldest first (the due engine's lookup)."""
    out: dict[str, list[Assignment]] = {}
    for campaign in sorted(assignments, key=lambda a: a.assigned_at):
        for pid in campaign.people:
            out.setdefault(pid, []).append(campaign)
    return out


def counted(person: Person, as_of: dt.date) -> bool:
    """Whether the due engine counts the person on `as_of`: started, not ended, not excused."""
    if person.start_date > as_of or (person.end_date is not None and person.end_date < as_of):
        return False
    return person.status not in ("leave", "exempt")


class PopulationError(TrustPathError):
    """A campaign's population cannot be chosen as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Selector:
    """How a campaign's people are chosen: `by` one of SELECTORS and its value.

    `department`: exact department name; `role`: people holding the role or a role that
    extends it; `manager`: a manager's direct and indirect reports (normalised email);
    `people`: the normalised emails in `emails` (from a file named by `value`); `all`:
    everyone.
    """

    by: str
    value: str = ""
    emails: tuple[str, ...] = ()

    def label(self) -> str:
        """The selector in words, for messages: "department 'Sales'", "everyone"…"""
        return {
            "department": f"department '{self.value}'",
            "role": f"role '{self.value}'",
            "manager": f"the reports of {self.value}",
            "people": f"the people in {self.value}",
        }.get(self.by, "everyone")

    def describe(self, people: Mapping[str, str] | None = None) -> str:
        """The selector as chained in the entry: `department=Sales`, `manager=<person id>`…

        A manager is named by pseudonymous id (`people` maps email -> id), a people file by
        its file name: the entry never holds an email.
        """
        if self.by == "all":
            return "all"
        if self.by == "manager":
            return f"manager={(people or {}).get(self.value, 'unknown')}"
        return f"{self.by}={self.value}"


SELECTORS = ("department", "role", "manager", "people", "all")


def eligible(person: Person, day: dt.date) -> bool:
    """On the roster on `day`: started by then and no end date on or before it.

    People on leave or exempt are eligible (the due engine lists them apart until they are
    back); leavers and people who have not started are not.
    """
    return person.start_date <= day and (person.end_date is None or person.end_date > day)


def select_population(
    people: Sequence[Person],
    selector: Selector,
    day: dt.date,
    course: Course,
    managers: Mapping[str, str],
) -> list[Person]:
    """The people `selector` names among those eligible on `day`, sorted by email.

    PopulationError (with what was found instead) for an unknown department, role or manager,
    emails of a people file that are not on the roster that day, or an empty population.
    """
    active = [p for p in people if eligible(p, day)]
    by, value = selector.by, selector.value
    if by == "department":
        chosen = [p for p in active if p.department == value]
        if not chosen:
            known = sorted({p.department for p in active if p.department})
            close = [d for d in known if d.casefold() == value.casefold()]
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise PopulationError(
                f"nobody on the roster today is in department '{value}': {hint}departments: "
                + (", ".join(known) or "none")
            )
    elif by == "role":
        if value not in course.roles:
            raise PopulationError(
                f"unknown role '{value}': roles are {', '.join(sorted(course.roles))}"
            )
        holding = {r.id for r in course.roles.values() if value in r.ancestry}
        chosen = [p for p in active if holding.intersection(p.roles)]
    elif by == "manager":
        if value not in managers and value not in managers.values():
            raise PopulationError(f"no person with email '{value}' on the roster")
        team = set(reports_of(value, managers).everyone)
        chosen = [p for p in active if p.email in team]
    elif by == "people":
        wanted = set(selector.emails)
        chosen = [p for p in active if p.email in wanted]
        missing = sorted(wanted - {p.email for p in chosen})
        if missing:
            listed = {p.email for p in people}
            absent = [e for e in missing if e not in listed]
            gone = [e for e in missing if e in listed]
            parts = [f"not on the roster: {', '.join(absent)}"] * bool(absent)
            parts += [f"not active today (left or not started): {', '.join(gone)}"] * bool(gone)
            raise PopulationError(
                f"{value}: {'; '.join(parts)}: fix the file or the roster, then assign again"
            )
    elif by == "all":
        chosen = active
    else:
        raise PopulationError(f"unknown selector '{by}': use one of {', '.join(SELECTORS)}")
    if not chosen:
        raise PopulationError(
            f"nobody to assign: {selector.label()} names no one on the roster today"
        )
    return sorted(chosen, key=lambda p: p.email)
