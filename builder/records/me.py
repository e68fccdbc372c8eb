"""`GET /api/me`: one person's path modules with the due engine's status and due date.

Someone not on the roster (seen only through their records, or not at all) has no plan: the
answer says so (`on_roster: false` and a message) instead of inventing an all-staff plan, and
`trustpath records unknown` lists them for the compliance lead. A module with neither quiz nor
acknowledgement (nor attendance, for a workshop) cannot be completed by any record, and an
offboarding module has no due date until an end date is on the roster: neither is listed, so
"N of M done" counts exactly the items the due and completion reports count. Each module also
says the person's latest pass and acknowledgement (`{"version", "on"}` or null), so a page can
show "You acknowledged version 2 on …" instead of the button, and "Acknowledged; quiz still to
pass". Campaign items (`records assign`) are listed apart under `assigned`, with their reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from builder.course.model import Course
from builder.lifecycle.campaigns import assigned_items
from builder.lifecycle.clock import OrgClock
from builder.lifecycle.due import Completion, Person, RoleSpan, person_items
from builder.store.campaign_queries import load_assignments
from builder.store.database import Store
from builder.store.queries import day_of, load_completions, load_first_seen
from builder.store.report_queries import role_history

NOT_ON_ROSTER = (
    "You are not on the training roster yet, so no training is assigned to you. What you "
    "complete now is kept in the records and counts once HR adds you; ask your compliance "
    "lead if you think you should be on it."
)


def on_roster(person: dict[str, Any] | None) -> bool:
    """Whether a people row came from the HR roster (not only seen through records)."""
    return person is not None and person.get("source") == "roster"


def not_on_roster(email: str) -> dict[str, Any]:
    """`GET /api/me` for someone who is not on the roster: no plan, and why."""
    return {"email": email, "name": None, "roles": [], "on_roster": False,
            "message": NOT_ON_ROSTER, "modules": {}, "assigned": []}  # fmt: skip


def person_statuses(
    store: Store,
    course: Course,
    person: dict[str, Any] | None,
    roles: Sequence[str],
    today: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """module id -> {"status", "due", "version", "rule", "completed", "passed", "acknowledged"}.

    One entry per item of the due engine (the modules the reports count), in path order;
    `passed` and `acknowledged` are the latest record of each kind, `{"version", "on"}` (a
    day in the organisation's time zone), or None.
    """
    clock = OrgClock(course.timezone)
    today = today or clock.today()
    comps: dict[tuple[str, str], list[Completion]] = {}
    spans: list[RoleSpan] = []
    pid = person["person_id"] if person else ""
    start = (
        (day_of(person.get("start_date")) or day_of(person.get("created_at"))) if person else None
    )
    start = start or today
    with store.transaction() as conn:
        first_seen = load_first_seen(conn)
        if person is not None:
            comps = load_completions(conn, pid, clock=clock, workshops=course.workshop_minutes)
            spans = [
                RoleSpan(max(start, day_of(on) or start) if i else start, tuple(new.split(";")))
                for i, (on, new) in enumerate(role_history(conn, pid))
            ]
    who = Person(
        pid, person["email"] if person else "", (person or {}).get("name") or "",
        (person or {}).get("department") or "", tuple(roles), start,
        day_of((person or {}).get("end_date")), role_history=tuple(spans),
    )  # fmt: skip
    items = {i.module: i for i in person_items(who, course, comps, first_seen, today)}
    out: dict[str, dict[str, Any]] = {}
    for mid in course.path_of(tuple(roles)) if not spans else course.path_of(spans[-1].roles):
        module = course.modules.get(mid)
        if module is None:
            continue
        item = items.get(mid)
        if item is None:  # not trackable, or offboarding with no end date yet: not counted
            continue
        done = comps.get((pid, mid), ())
        out[mid] = {
            "status": item.status, "due": item.due.isoformat(), "version": item.version,
            "rule": item.rule, "completed": item.completed.isoformat() if item.completed else None,
            "passed": _latest(done, "pass"), "acknowledged": _latest(done, "ack"),
        }  # fmt: skip
    return out


def _latest(done: Sequence[Completion], kind: str) -> dict[str, Any] | None:
    """The latest completion of `kind` ("pass" or "ack") as `{"version", "on"}`, or None."""
    found = [c for c in done if c.kind == kind]
    if not found:
        return None
    last = max(found, key=lambda c: (c.on, c.version))
    return {"version": last.version, "on": last.on.isoformat()}


def assigned_to(
    store: Store, course: Course, person: dict[str, Any], today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The person's campaign items: `[{campaign, module, reason, due, status, completed}]`.

    The same items `records due` lists with rule `assigned` (`lifecycle.campaigns`): open
    ones first (most urgent first), then done ones; none once the person's end date passed.
    """
    today = today or OrgClock(course.timezone).today()
    end = day_of(person.get("end_date"))
    if end is not None and end < today:
        return []
    pid = person["person_id"]
    with store.transaction() as conn:
        campaigns = load_assignments(conn, person_id=pid)
        if not campaigns:
            return []
        comps = load_completions(conn, pid)
    start = day_of(person.get("start_date")) or day_of(person.get("created_at")) or today
    who = Person(pid, person["email"], person.get("name") or "",
                 person.get("department") or "", (), start, end)  # fmt: skip
    order = {"overdue": 0, "due_soon": 1, "upcoming": 2, "done": 3}
    items = sorted(
        assigned_items(who, campaigns, course, comps, today),
        key=lambda i: (order[i.status], i.due, i.module),
    )
    return [
        {"campaign": i.campaign, "module": i.module, "reason": i.reason,
         "due": i.due.isoformat(), "status": i.status,
         "completed": i.completed.isoformat() if i.completed else None}
        for i in items
    ]  # fmt: skip
