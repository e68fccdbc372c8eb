"""One person's records, for their transcript: every attempt, acknowledgement and attendance
with its ledger seq, read from the projections (which `records verify` checks against the
chain), and the person's due items computed as the due engine does for everyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from builder.course.model import Course
from builder.lifecycle.clock import OrgClock
from builder.lifecycle.due import DueItem, Person, person_items
from builder.store.database import Store
from builder.store.loop_tables import ATTENDANCE
from builder.store.queries import (
    ACKS,
    ATTEMPTS,
    check_projections,
    load_completions,
    load_first_seen,
    load_people,
)


@dataclass(frozen=True)
class PersonRecords:
    """A person as the roster stood on the as-of day, their items and their records."""

    person: Person
    items: list[DueItem]
    attempts: list[dict[str, Any]]  # seq, module, version, score, passed, recorded_at
    acks: list[dict[str, Any]]  # seq, module, version, statement_sha256, recorded_at
    attendance: list[dict[str, Any]]  # seq, module, version, session_date, minutes, recorded_at


def person_records(
    store: Store, course: Course, email: str, as_of: dt.date
) -> PersonRecords | None:
    """The records of the roster person with `email` made by the end of `as_of` (org zone);
    None when the roster (as of that day) has nobody with that email.

    Items are the due engine's for this person whatever their status (a leaver's or an
    excused person's transcript still lists their path). ProjectionMismatch when the
    projections do not match the ledger.
    """
    clock = OrgClock(course.timezone)
    cutoff = clock.end_of(as_of)
    with store.transaction() as conn:
        check_projections(conn)
        person = next((p for p in load_people(conn, as_of) if p.email == email), None)
        if person is None:
            return None
        pid = person.person_id
        completions = load_completions(conn, pid, cutoff, clock, course.workshop_minutes)
        first_seen = load_first_seen(conn, cutoff, clock)
        attempts = _rows(
            conn,
            ATTEMPTS,
            ("seq", "module", "version", "score", "passed", "recorded_at"),
            pid,
            cutoff,
        )
        acks = _rows(
            conn, ACKS, ("seq", "module", "version", "statement_sha256", "recorded_at"), pid, cutoff
        )
        attendance = _rows(
            conn,
            ATTENDANCE,
            ("seq", "module", "version", "session_date", "minutes", "recorded_at"),
            pid,
            cutoff,
        )
    items = person_items(person, course, completions, first_seen, as_of)
    return PersonRecords(person, items, attempts, acks, attendance)


def _rows(
    conn: Any, table: sa.Table, columns: tuple[str, ...], person_id: str, cutoff: str
) -> list[dict[str, Any]]:
    query = (
        sa.select(*(table.c[c] for c in columns))
        .where(table.c.person_id == person_id, table.c.recorded_at <= cutoff)
        .order_by(table.c.seq)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
