"""The SQL the reports run beyond the due engine's (which lives in `queries.py`).

Every function takes an `until` bound: the last stored UTC timestamp a report may see
(`OrgClock.end_of(as_of)`, so `--as-of D` means "recorded by the end of D in the
organisation's zone"); `None` means no bound. Rows come back as plain tuples and dicts; the
report types are built in `builder.reports`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.store.database import Store
from builder.store.loop_tables import ATTENDANCE
from builder.store.queries import ACKS, ANSWERS, ATTEMPTS, FEEDBACK, HISTORY, LEDGER, PEOPLE

AnswerRow = tuple[str, int, str, tuple[str, ...], bool, int]  # module, version, q, sel, ok, n
FeedbackRow = tuple[str, int, str, str, str, bool, str | None, str | None]
DatedRow = tuple[str, str, str, str]  # kind (pass | ack | attend), person_id, module, time or day


def pass_rates(conn: Connection, until: str | None) -> list[tuple[str, int, int]]:
    """(module, attempts, passed) per module for attempts recorded by `until`, by module id."""
    passed = sa.func.sum(sa.case((ATTEMPTS.c.passed.is_(True), 1), else_=0))
    query = sa.select(ATTEMPTS.c.module, sa.func.count(), passed)
    if until is not None:
        query = query.where(ATTEMPTS.c.recorded_at <= until)
    rows = conn.execute(query.group_by(ATTEMPTS.c.module).order_by(ATTEMPTS.c.module))
    return [(str(m), int(n), int(p or 0)) for m, n, p in rows]


def answer_counts_until(
    conn: Connection, module: str | None = None, until: str | None = None
) -> list[AnswerRow]:
    """How many attempts recorded by `until` chose each answer, per module version and question.

    Reads the `attempt_answers` projection (written with each attempt).
    """
    cols = (
        ANSWERS.c.module,
        ANSWERS.c.version,
        ANSWERS.c.question,
        ANSWERS.c.selected,
        ANSWERS.c.correct,
    )
    query = sa.select(*cols, sa.func.count()).group_by(*cols)
    if until is not None:
        query = query.select_from(ANSWERS.join(ATTEMPTS, ATTEMPTS.c.seq == ANSWERS.c.seq)).where(
            ATTEMPTS.c.recorded_at <= until
        )
    if module:
        query = query.where(ANSWERS.c.module == module)
    return [
        (str(m), int(v), str(q), tuple(s.split(";")) if s else (), bool(ok), int(n))
        for m, v, q, s, ok, n in conn.execute(query)
    ]


def feedback_until(
    conn: Connection, module: str | None, kind: str | None, until: str | None
) -> list[FeedbackRow]:
    """Feedback recorded by `until`, in seq order, as (module, version, kind, text,
    recorded_at, anonymous, email, name); anonymous rows are never joined to a person."""
    query = sa.select(
        FEEDBACK.c.module, FEEDBACK.c.version, FEEDBACK.c.kind, FEEDBACK.c.text,
        FEEDBACK.c.recorded_at, FEEDBACK.c.anonymous, PEOPLE.c.email, PEOPLE.c.name,
    ).select_from(FEEDBACK.outerjoin(PEOPLE, sa.and_(
        PEOPLE.c.person_id == FEEDBACK.c.person_id, FEEDBACK.c.anonymous.is_(False))))  # fmt: skip
    if module:
        query = query.where(FEEDBACK.c.module == module)
    if kind:
        query = query.where(FEEDBACK.c.kind == kind)
    if until is not None:
        query = query.where(FEEDBACK.c.recorded_at <= until)
    out: list[FeedbackRow] = []
    for m, v, k, text, at, anon, email, name in conn.execute(query.order_by(FEEDBACK.c.seq)):
        anonymous = bool(anon)
        out.append((m, int(v), k, text, at, anonymous, None if anonymous else email,
                    None if anonymous else name))  # fmt: skip
    return out


def evidence_rows(store: Store, since: str, until: str) -> Iterator[dict[str, Any]]:
    """Attempts and acknowledgements with `since <= recorded_at <= until`, in seq order.

    Each row: the ledger columns (seq, kind, client_id, recorded_at, person_id, hash), the
    decoded payload, and the person's email, name and department (None once forgotten).
    Streamed in pages, so memory stays flat over a large window.
    """
    query = (
        sa.select(
            LEDGER.c.seq,
            LEDGER.c.kind,
            LEDGER.c.client_id,
            LEDGER.c.recorded_at,
            LEDGER.c.person_id,
            LEDGER.c.payload,
            LEDGER.c.hash,
            PEOPLE.c.email,
            PEOPLE.c.name,
            PEOPLE.c.department,
        )
        .select_from(LEDGER.outerjoin(PEOPLE, PEOPLE.c.person_id == LEDGER.c.person_id))
        .where(
            LEDGER.c.kind.in_(("attempt", "ack")),
            LEDGER.c.recorded_at >= since,
            LEDGER.c.recorded_at <= until,
        )
        .order_by(LEDGER.c.seq)
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
        for row in result.mappings():
            yield dict(row, payload=json.loads(row["payload"]))


def dated_records(
    conn: Connection,
    person_ids: list[str],
    until: str | None,
    workshops: Mapping[str, int] | None = None,
) -> list[DatedRow]:
    """Every pass and acknowledgement of the given people recorded by `until`, and their
    attendance at each workshop in `workshops` (module -> min_minutes) long enough to count
    (kind `attend`, dated by the session date)."""
    if not person_ids:
        return []
    passes = sa.select(ATTEMPTS.c.person_id, ATTEMPTS.c.module, ATTEMPTS.c.recorded_at).where(
        ATTEMPTS.c.passed.is_(True), ATTEMPTS.c.person_id.in_(person_ids)
    )
    acks = sa.select(ACKS.c.person_id, ACKS.c.module, ACKS.c.recorded_at).where(
        ACKS.c.person_id.in_(person_ids)
    )
    if until is not None:
        passes = passes.where(ATTEMPTS.c.recorded_at <= until)
        acks = acks.where(ACKS.c.recorded_at <= until)
    out: list[DatedRow] = []
    for kind, query in (("pass", passes), ("ack", acks)):
        out.extend((kind, pid, module, at) for pid, module, at in conn.execute(query))
    for pid, module, on, minutes in attendance_of(conn, person_ids, until, workshops or {}):
        if minutes >= (workshops or {})[module]:
            out.append(("attend", pid, module, on))
    return out


def attendance_of(
    conn: Connection, person_ids: list[str], until: str | None, workshops: Mapping[str, int]
) -> list[tuple[str, str, str, int]]:
    """(person_id, module, session date, minutes) of the given people's attendance at the
    workshops named in `workshops`, recorded by `until`."""
    if not person_ids or not workshops:
        return []
    query = sa.select(
        ATTENDANCE.c.person_id,
        ATTENDANCE.c.module,
        ATTENDANCE.c.session_date,
        ATTENDANCE.c.minutes,
    ).where(ATTENDANCE.c.person_id.in_(person_ids), ATTENDANCE.c.module.in_(sorted(workshops)))
    if until is not None:
        query = query.where(ATTENDANCE.c.recorded_at <= until)
    return [(str(p), str(m), str(on), int(n)) for p, m, on, n in conn.execute(query)]


def role_history(conn: Connection, person_id: str) -> list[tuple[str, str]]:
    """(effective_on, roles text `a;b`) of one person's role changes, oldest first."""
    rows = conn.execute(
        sa.select(HISTORY.c.effective_on, HISTORY.c.new_value)
        .where(HISTORY.c.person_id == person_id, HISTORY.c.field == "roles")
        .order_by(HISTORY.c.effective_on, HISTORY.c.id)
    )
    return [(str(on), str(new)) for on, new in rows]


def unknown_identities(conn: Connection, until: str | None) -> list[dict[str, Any]]:
    """People rows not from the roster (source 'seen') that have ledger entries by `until`.

    One dict per identity, by first record: person_id, email, first and last `recorded_at`,
    and `counts` {ledger kind: rows}.
    """
    seen = sa.select(PEOPLE.c.person_id, PEOPLE.c.email).where(PEOPLE.c.source == "seen")
    seen_ids = dict(conn.execute(seen).all())
    if not seen_ids:
        return []
    query = sa.select(
        LEDGER.c.person_id, LEDGER.c.kind, sa.func.count(),
        sa.func.min(LEDGER.c.recorded_at), sa.func.max(LEDGER.c.recorded_at),
    ).where(LEDGER.c.person_id.in_(sorted(seen_ids)))  # fmt: skip
    if until is not None:
        query = query.where(LEDGER.c.recorded_at <= until)
    found: dict[str, dict[str, Any]] = {}
    for pid, kind, count, first, last in conn.execute(
        query.group_by(LEDGER.c.person_id, LEDGER.c.kind)
    ):
        entry = found.setdefault(
            pid, {"person_id": pid, "email": seen_ids[pid], "first": first, "last": last,
                  "counts": {}})  # fmt: skip
        entry["first"], entry["last"] = min(entry["first"], first), max(entry["last"], last)
        entry["counts"][kind] = int(count)
    return sorted(found.values(), key=lambda e: (e["first"], e["email"]))


def unknown_count(conn: Connection, until: str | None) -> int:
    """How many identities `unknown_identities` would list."""
    query = (
        sa.select(sa.func.count(sa.distinct(LEDGER.c.person_id)))
        .select_from(LEDGER.join(PEOPLE, PEOPLE.c.person_id == LEDGER.c.person_id))
        .where(PEOPLE.c.source == "seen")
    )
    if until is not None:
        query = query.where(LEDGER.c.recorded_at <= until)
    return int(conn.execute(query).scalar() or 0)


def recorded_modules(conn: Connection) -> set[str]:
    """Module ids that have answers or feedback recorded (a report filter may name a module
    the course no longer has, as long as records of it exist)."""
    answered = sa.select(ANSWERS.c.module).distinct()
    commented = sa.select(FEEDBACK.c.module).distinct()
    return {str(m) for (m,) in conn.execute(sa.union(answered, commented))}


def roster_names(conn: Connection) -> list[tuple[str, str, str, str]]:
    """(email, name, department, manager_email) of everyone the roster imported, by email.

    People seen only through their records (no roster row) and forgotten people (their row is
    an `erased:` tombstone) are left out: a report filter that names one names nobody.
    """
    query = sa.select(
        PEOPLE.c.email, PEOPLE.c.name, PEOPLE.c.department, PEOPLE.c.manager_email
    ).where(PEOPLE.c.source != "seen", sa.not_(PEOPLE.c.email.startswith("erased:")))
    rows = conn.execute(query.order_by(PEOPLE.c.email))
    return [(str(e), str(n or ""), str(d or ""), str(m or "")) for e, n, d, m in rows]
