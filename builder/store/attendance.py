"""Workshop attendance into the ledger, and a person's attendance out of it.

`record_attendance` appends one `attendance` entry per person, workshop and session date, in
one transaction (its projection is the `attendance` table). Attendees who are not on the
roster (guests of the meeting, a personal address) are skipped and listed, never added as
people; a session already recorded for a person is left as it is and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.ledger.entries import Duplicate, StoredRecord
from builder.lifecycle.attendance import Attendance
from builder.store.chain_writes import append_entries, lock_for_writing, utc_now
from builder.store.database import Store
from builder.store.entries import attendance_entry
from builder.store.loop_tables import ATTENDANCE
from builder.store.queries import PEOPLE


@dataclass(frozen=True)
class AttendanceOutcome:
    """What the import did with one attendance: `recorded` (with its seq), `already`
    (this person's session was recorded before, with those minutes) or `not-on-roster`."""

    attendance: Attendance
    outcome: str
    seq: int | None = None
    recorded_minutes: int | None = None


def record_attendance(
    store: Store,
    rows: Sequence[Attendance],
    versions: Mapping[str, int],
    source: str,
    dry_run: bool = False,
) -> list[AttendanceOutcome]:
    """Append an `attendance` entry for each row of a roster person (see the module doc).

    `versions` maps each workshop to its current version (the version attended); `source`
    is the file's name, kept in the entry. With `dry_run` nothing is written and the rows
    that would be recorded come back as `recorded` without a seq.
    """
    with store.transaction(write=not dry_run) as conn:
        if not dry_run:
            lock_for_writing(conn)
        emails = sorted({r.email for r in rows})
        people = _roster_people(conn, emails)
        known = _recorded(conn, list(people.values()))
        out: list[AttendanceOutcome | None] = []
        pending = []
        for row in rows:
            pid = people.get(row.email)
            if pid is None:
                out.append(AttendanceOutcome(row, "not-on-roster"))
                continue
            before = known.get((pid, row.module, row.date.isoformat()))
            if before is not None:
                out.append(AttendanceOutcome(row, "already", before[0], before[1]))
                continue
            out.append(None)
            pending.append(
                attendance_entry(
                    row.email, pid, row.module, versions[row.module], row.date.isoformat(),
                    row.minutes, source,
                )
            )  # fmt: skip
        stored = iter(append_entries(conn, pending, utc_now()) if not dry_run else [])
        result: list[AttendanceOutcome] = []
        for row, done in zip(rows, out, strict=True):
            if done is not None:
                result.append(done)
                continue
            record = next(stored, None)
            if isinstance(record, Duplicate):
                result.append(AttendanceOutcome(row, "already", record.existing.seq))
            elif isinstance(record, StoredRecord):
                result.append(AttendanceOutcome(row, "recorded", record.seq))
            else:
                result.append(AttendanceOutcome(row, "recorded"))
    return result


def _roster_people(conn: Connection, emails: list[str]) -> dict[str, str]:
    """email -> person_id of the given emails that are on the roster."""
    if not emails:
        return {}
    query = sa.select(PEOPLE.c.email, PEOPLE.c.person_id).where(
        PEOPLE.c.email.in_(emails), PEOPLE.c.source == "roster"
    )
    return {str(e): str(p) for e, p in conn.execute(query)}


def _recorded(
    conn: Connection, person_ids: list[str]
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(person, module, session date) -> (seq, minutes) of attendance already recorded."""
    if not person_ids:
        return {}
    query = sa.select(
        ATTENDANCE.c.person_id, ATTENDANCE.c.module, ATTENDANCE.c.session_date,
        ATTENDANCE.c.seq, ATTENDANCE.c.minutes,
    ).where(ATTENDANCE.c.person_id.in_(person_ids))  # fmt: skip
    return {(str(p), str(m), str(d)): (int(s), int(n)) for p, m, d, s, n in conn.execute(query)}
