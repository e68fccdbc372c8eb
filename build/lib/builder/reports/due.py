"""The due and completion reports: one function each, called by the CLI and the web alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from builder.course.model import Course
from builder.lifecycle.due import DueItem, Excused, Person, sort_items
from builder.reports.aggregates import CompletionRow, completion_table
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.queries import due_report

DUE_COLUMNS = ("email", "department", "module", "rule", "due", "status", "completed")
COMPLETION_COLUMNS = (
    "group", "people", "assigned", "current", "overdue", "due_soon", "upcoming", "share",
)  # fmt: skip


@dataclass
class DueTable:
    """The due report of one day: items (most urgent first), people excused, everyone counted."""

    as_of: dt.date
    items: list[DueItem]
    excused: list[Excused]
    people: list[Person] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """`{"as_of", "items": [item_row…], "excused": [{email, name, department, status,
        reason}…]}` (the JSON of `GET /api/reports/due`)."""
        return {
            "as_of": self.as_of.isoformat(),
            "items": [item_row(i) for i in self.items],
            "excused": [{"email": e.email, "name": e.name, "department": e.department,
                         "status": e.status, "reason": e.reason} for e in self.excused],
        }  # fmt: skip


def item_row(item: DueItem) -> dict[str, Any]:
    """One due item as a JSON-ready dict (dates as ISO text)."""
    return {
        "email": item.email, "name": item.name, "department": item.department,
        "module": item.module, "version": item.version, "rule": item.rule,
        "due": item.due.isoformat(), "status": item.status,
        "completed": item.completed.isoformat() if item.completed else None,
    }  # fmt: skip


def due_table(
    store: Store,
    course: Course,
    as_of: dt.date | None = None,
    *,
    department: str | None = None,
    status: str | None = None,
    module: str | None = None,
    team: set[str] | None = None,
    verify: bool = False,
) -> DueTable:
    """Who must take which module by when, on `as_of` (default: today in the org's zone).

    Filters keep items of one department, status or module, or of the people whose emails
    are in `team` (a manager's reports); excused people are filtered by department only.
    `verify` runs `records verify` first and refuses (ProjectionMismatch) if it fails.
    Rules: DESIGN §8, `builder.lifecycle.due`.
    """
    day = as_of_for(course, as_of).day
    report, people = due_report(store, course, day, verify=verify)
    items = sort_items(
        i
        for i in report.items
        if (department is None or i.department == department)
        and (team is None or i.email in team)
        and (status is None or i.status == status)
        and (module is None or i.module == module)
    )
    excused = [e for e in report.excused if department is None or e.department == department]
    return DueTable(day, items, excused, people)


def completion_rows(
    store: Store,
    course: Course,
    by: str = "department",
    as_of: dt.date | None = None,
    *,
    team: set[str] | None = None,
    verify: bool = False,
) -> list[CompletionRow]:
    """Share of assigned items that are current, grouped `by` department, role or module.

    `team` and `verify` as for `due_table`.
    """
    table = due_table(store, course, as_of, team=team, verify=verify)
    by_id = {p.person_id: p for p in table.people}
    return completion_table(table.items, by, by_id, course)
