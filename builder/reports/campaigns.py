"""The campaign reports (issue 18): `records campaigns` and `records campaign ID`.

Both are read off the due report of the same day, so a campaign's people and `records due`
agree on every person: an item the due engine lists (rule `assigned`) is `done`, `open`
(upcoming or due soon) or `overdue` here, with the same status; a person it does not list is
`left` (past their end date), `excused` (on leave or exempt), `absent` (not on the roster
that day), `withdrawn` (the module left the course) or `cancelled` (the campaign was
cancelled before they completed). Rules: `builder.lifecycle.campaigns`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.lifecycle.campaigns import ASSIGNED, Assignment
from builder.lifecycle.due import DueItem, Person
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.queries import due_report

CAMPAIGN_COLUMNS = (
    "campaign", "state", "assigned_on", "due", "modules", "reason", "assigned_by", "people",
    "done", "open", "overdue", "dropped",
)  # fmt: skip
PEOPLE_COLUMNS = ("email", "name", "department", "module", "state", "status", "due", "completed")
DROPPED = ("left", "excused", "absent", "withdrawn", "cancelled")
OPEN_STATES = {"upcoming": "open", "due_soon": "open", "overdue": "overdue", "done": "done"}


class NoSuchCampaign(TrustPathError, LookupError):
    """No campaign with this id was recorded by the report's day."""


@dataclass(frozen=True)
class CampaignPerson:
    """One person and module of a campaign, and its state on the report's day."""

    email: str
    name: str
    department: str
    module: str
    state: str  # done | open | overdue | left | excused | absent | withdrawn | cancelled
    status: str | None  # the due engine's status when it lists the item, else None
    due: dt.date
    completed: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email, "name": self.name, "department": self.department,
            "module": self.module, "state": self.state, "status": self.status,
            "due": self.due.isoformat(),
            "completed": self.completed.isoformat() if self.completed else None,
        }  # fmt: skip


@dataclass
class CampaignSummary:
    """A campaign with its people's states counted (one count per person and module)."""

    assignment: Assignment
    people: list[CampaignPerson] = field(default_factory=list)

    def count(self, *states: str) -> int:
        return sum(p.state in states for p in self.people)

    @property
    def state(self) -> str:
        """`cancelled`, `open` while any item is open or overdue, else `complete`."""
        if self.assignment.cancelled:
            return "cancelled"
        return "open" if self.count("open", "overdue") else "complete"

    def as_dict(self) -> dict[str, Any]:
        """`{campaign, state, assigned_on, due, modules, reason, assigned_by, people, done,
        open, overdue, dropped, cancelled_at, cancel_reason}` (people: population size)."""
        a = self.assignment
        return {
            "campaign": a.campaign, "state": self.state,
            "assigned_on": a.assigned_on.isoformat(), "due": a.due.isoformat(),
            "modules": ";".join(a.modules), "reason": a.reason, "assigned_by": a.assigned_by,
            "people": len(a.people), "done": self.count("done"), "open": self.count("open"),
            "overdue": self.count("overdue"), "dropped": self.count(*DROPPED),
            "cancelled_at": a.cancelled_at, "cancel_reason": a.cancel_reason or None,
        }  # fmt: skip


@dataclass
class CampaignTable:
    """Every campaign recorded by the end of `as_of`, oldest first."""

    as_of: dt.date
    campaigns: list[CampaignSummary]

    def find(self, campaign: str) -> CampaignSummary:
        """The campaign with this id; NoSuchCampaign otherwise."""
        for summary in self.campaigns:
            if summary.assignment.campaign == campaign:
                return summary
        known = ", ".join(s.assignment.campaign for s in self.campaigns[-5:]) or "none yet"
        raise NoSuchCampaign(
            f"no campaign '{campaign}' recorded by {self.as_of.isoformat()} "
            f"(latest: {known}; `trustpath records campaigns` lists them)"
        )


def _state_apart(
    a: Assignment, person: Person | None, module: str, course: Course, day: dt.date
) -> str:
    """Why the due engine does not list an item of this campaign (see the module doc)."""
    found = course.modules.get(module)
    if a.cancelled:
        return "cancelled"
    if found is None or not found.trackable:
        return "withdrawn"
    if person is None or person.start_date > day:
        return "absent"
    if person.end_date is not None and person.end_date < day:
        return "left"
    return "excused"  # counted by date, so on leave or exempt


def summarise(
    as_of: dt.date,
    items: Iterable[DueItem],
    people: Sequence[Person],
    assignments: Sequence[Assignment],
    course: Course,
) -> CampaignTable:
    """The campaign table from one due report's items, people and campaigns."""
    listed = {(i.campaign, i.person_id, i.module): i for i in items if i.rule == ASSIGNED}
    by_id = {p.person_id: p for p in people}
    out = []
    for a in assignments:
        rows = []
        members = sorted(a.people, key=lambda pid: by_id[pid].email if pid in by_id else pid)
        for pid in members:
            person = by_id.get(pid)
            for module in a.modules:
                item = listed.get((a.campaign, pid, module))
                if item is not None:
                    state, status, completed = OPEN_STATES[item.status], item.status, item.completed
                else:
                    state, status = _state_apart(a, person, module, course, as_of), None
                    completed = None
                rows.append(
                    CampaignPerson(
                        person.email if person else pid,
                        person.name if person else "",
                        person.department if person else "",
                        module,
                        state,
                        status,
                        a.due,
                        completed,
                    )
                )
        out.append(CampaignSummary(a, rows))
    return CampaignTable(as_of, out)


def campaign_table(
    store: Store, course: Course, as_of: dt.date | None = None, *, verify: bool = False
) -> CampaignTable:
    """Every campaign recorded by the end of `as_of` (default: today in the org's zone), with
    each person's state, read off the due report of that day (`verify` as for `due_table`)."""
    day = as_of_for(course, as_of).day
    report, people = due_report(store, course, day, verify=verify)
    return summarise(day, report.items, people, report.assignments, course)
