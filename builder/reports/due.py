"""The due and completion reports: one function each, called by the CLI and the web alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from builder.course.model import Course
from builder.lifecycle.campaigns import Assignment
from builder.lifecycle.due import DueItem, Excused, Memo, Person, sort_items
from builder.markup import safe_cell
from builder.reports.aggregates import CompletionRow, completion_table
from builder.reports.filters import (
    Roster,
    check_department,
    check_module,
    check_role,
    manager_team,
    person_email,
)
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.queries import due_report

DUE_COLUMNS = (
    "email", "name", "department", "module", "module_title", "rule", "due", "status", "completed",
    "campaign",
)  # fmt: skip
COMPLETION_COLUMNS = (
    "group", "title", "people", "assigned", "current", "overdue", "due_soon", "upcoming", "share",
)  # fmt: skip


@dataclass
class DueTable:
    """The due report of one day: items (most urgent first), people excused, everyone counted."""

    as_of: dt.date
    items: list[DueItem]
    excused: list[Excused]
    people: list[Person] = field(default_factory=list, repr=False)
    titles: dict[str, str] = field(default_factory=dict, repr=False)  # module id -> title
    assignments: list[Assignment] = field(default_factory=list, repr=False)  # campaigns

    def as_dict(self) -> dict[str, Any]:
        """`{"as_of", "items": [item_row…], "excused": [{email, name, department, status,
        reason}…]}` (the JSON of `GET /api/reports/due`)."""
        return {
            "as_of": self.as_of.isoformat(),
            "items": [item_row(i, self.titles) for i in self.items],
            "excused": [{"email": e.email, "name": e.name, "department": e.department,
                         "status": e.status, "reason": e.reason} for e in self.excused],
        }  # fmt: skip


def module_titles(course: Course) -> dict[str, str]:
    """Module id -> title, for the human column beside each module id."""
    return {mid: m.title for mid, m in course.modules.items()}


def item_row(item: DueItem, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One due item as a JSON-ready dict (dates as ISO text; `module_title` from `titles`);
    `campaign` and `reason` are set for rule `assigned` (a campaign's item), else None."""
    return {
        "email": item.email, "name": item.name, "department": item.department,
        "module": item.module, "module_title": (titles or {}).get(item.module, ""),
        "version": item.version, "rule": item.rule,
        "due": item.due.isoformat(), "status": item.status,
        "completed": item.completed.isoformat() if item.completed else None,
        "campaign": item.campaign, "reason": item.reason or None,
    }  # fmt: skip


def due_table(
    store: Store,
    course: Course,
    as_of: dt.date | None = None,
    *,
    department: str | None = None,
    status: str | None = None,
    module: str | None = None,
    role: str | None = None,
    person: str | None = None,
    manager: str | None = None,
    team: set[str] | None = None,
    verify: bool = False,
) -> DueTable:
    """Who must take which module by when, on `as_of` (default: today in the org's zone).

    Filters keep the items of one department, status, module, role (people who hold it),
    person (an email), manager (their direct and indirect reports) or `team` (a set of
    emails); excused people are filtered by department, role, person and manager. A filter
    that names nothing that exists raises `filters.UnknownFilter` before any work. `verify`
    runs `records verify` first and refuses (ProjectionMismatch) if it fails.
    Rules: DESIGN §8, `builder.lifecycle.due`.
    """
    check_module(course, module)
    check_role(course, role)
    if department is not None or person is not None or manager is not None:
        roster = Roster.load(store)
        check_department(roster, department)
        email = person_email(roster, person)
        boss = manager_team(roster, manager)
        if boss is not None:
            team = boss if team is None else team & boss
    else:
        email = None
    day = as_of_for(course, as_of).day
    report, people = due_report(store, course, day, verify=verify)
    holders = None if role is None else {p.person_id for p in people if role in p.roles}

    def keep(person_id: str, person_email: str, person_department: str) -> bool:
        return (
            (department is None or person_department == department)
            and (team is None or person_email in team)
            and (email is None or person_email == email)
            and (holders is None or person_id in holders)
        )

    if department is None and team is None and email is None and holders is None:
        chosen: Iterable[DueItem] = report.items  # the common case: no call per item
        excused = list(report.excused)
    else:
        chosen = (i for i in report.items if keep(i.person_id, i.email, i.department))
        excused = [e for e in report.excused if keep(e.person_id, e.email, e.department)]
    if status is not None or module is not None:
        chosen = (
            i
            for i in chosen
            if (status is None or i.status == status) and (module is None or i.module == module)
        )
    items = sort_items(chosen, by_email_and_module=True)  # due_items' order, filtered
    return DueTable(day, items, excused, people, module_titles(course), report.assignments)


def completion_rows(
    store: Store,
    course: Course,
    by: str = "department",
    as_of: dt.date | None = None,
    *,
    department: str | None = None,
    role: str | None = None,
    module: str | None = None,
    manager: str | None = None,
    team: set[str] | None = None,
    verify: bool = False,
) -> list[CompletionRow]:
    """Share of assigned items that are current, grouped `by` department, role or module.

    Each row has the group and its `title` (the role's or module's title; a department is
    its own). Filters, `team` and `verify` as for `due_table`.
    """
    table = due_table(store, course, as_of, department=department, role=role, module=module,
                      manager=manager, team=team, verify=verify)  # fmt: skip
    by_id = {p.person_id: p for p in table.people}
    rows = completion_table(table.items, by, by_id, course)
    if role is not None and by == "role":  # people holding the role: only that role's row
        rows = [r for r in rows if r.group == role]
    return rows


def _csv_cells(values: Sequence[str]) -> str:
    """`values` as one CSV line without its line end, exactly as csv.writer quotes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()[:-1]


def due_csv(items: Sequence[DueItem], titles: Mapping[str, str]) -> str:
    """The due table as CSV text (DUE_COLUMNS, a header line first, "\n" line ends).

    Cells are what csv.writer writes (minimal quoting) of `markup.safe_cell` of each value,
    byte for byte; at 250,000 items the same few thousand people, modules and days recur, so
    a person's three cells and a module's two are quoted once and joined per row.
    """
    # (a lone empty field is written `""` by csv.writer; inside a row it is empty)
    cell: Memo[str, str] = Memo(lambda v: _csv_cells((safe_cell(v),)) if v else "")
    day: Memo[dt.date | None, str] = Memo(lambda d: d.isoformat() if d else "")
    module: Memo[str, str] = Memo(
        lambda m: _csv_cells((safe_cell(m), safe_cell(titles.get(m, ""))))
    )
    person: dict[str, str] = {}
    lines = [_csv_cells(DUE_COLUMNS) + "\n"]
    append = lines.append
    for i in items:
        who = person.get(i.person_id)
        if who is None:
            who = person[i.person_id] = _csv_cells(
                (safe_cell(i.email), safe_cell(i.name), safe_cell(i.department))
            )
        append(
            f"{who},{module[i.module]},{cell[i.rule]},{day[i.due]},{cell[i.status]},"
            f"{day[i.completed]},{cell[i.campaign or '']}\n"
        )
    return "".join(lines)
