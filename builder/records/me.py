"""`GET /api/me`: one person's path modules with the due engine's status and due date.

Someone not on the roster (seen only through their records) is treated as having started the
day they were first seen, with the default roles. A module with neither quiz nor
acknowledgement cannot be completed by any record: it shows as `done` with no due date. An
offboarding module shows as `upcoming` with no due date until an end date is on the roster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from builder.course.model import Course
from builder.lifecycle.due import Completion, Person, RoleSpan, person_items
from builder.store.database import Store
from builder.store.queries import HISTORY, day_of, load_completions, load_first_seen

DEFAULT_ROLE = "all-staff"


def default_roles(manifest: dict[str, Any]) -> list[str]:
    """Roles of someone not on the roster: all-staff, when the curriculum has it."""
    return [DEFAULT_ROLE] if DEFAULT_ROLE in manifest.get("roles", {}) else []


def person_statuses(
    store: Store,
    course: Course,
    person: dict[str, Any] | None,
    roles: Sequence[str],
    today: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """module id -> {"status", "due", "version", "rule", "completed"} for one person."""
    today = today or dt.date.today()
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
            comps = load_completions(conn, pid)
            history = conn.execute(
                sa.select(HISTORY.c.effective_on, HISTORY.c.id, HISTORY.c.new_value)
                .where(HISTORY.c.person_id == pid, HISTORY.c.field == "roles")
                .order_by(HISTORY.c.effective_on, HISTORY.c.id)
            ).all()
            spans = [
                RoleSpan(max(start, day_of(on) or start) if i else start, tuple(new.split(";")))
                for i, (on, _, new) in enumerate(history)
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
        if item is None:
            status = "upcoming" if module.trackable else "done"
            out[mid] = {"status": status, "due": None, "version": module.version,
                        "rule": None, "completed": None}  # fmt: skip
            continue
        out[mid] = {
            "status": item.status, "due": item.due.isoformat(), "version": item.version,
            "rule": item.rule, "completed": item.completed.isoformat() if item.completed else None,
        }  # fmt: skip
    return out
