"""The reports' side of storage: roster upsert with history, and the queries reports run.

Aggregation happens in SQL where the rows are many: the due engine reads only the latest pass
and acknowledgement per person, module and version (GROUP BY over covering indexes), never
the ledger's JSON payloads.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.course.model import Course
from builder.ledger.projections import ROSTER_FIELDS
from builder.lifecycle.due import Completion, DueReport, Person, RoleSpan, due_items
from builder.lifecycle.roster import TRACKED, Change, RosterRow, plan_changes
from builder.reports.aggregates import AnswerCount, FeedbackEntry
from builder.store.chain_writes import append_entries, lock_for_writing, utc_now
from builder.store.database import TABLES, Store, new_person_id
from builder.store.entries import roster_entry
from builder.store.report_migrations import report_tables

_META = sa.MetaData()
report_tables(_META)
HISTORY, ANSWERS = _META.tables["roster_history"], _META.tables["attempt_answers"]
PEOPLE = sa.Table(
    "people",
    sa.MetaData(),
    *(sa.Column(c.name, c.type) for c in TABLES["people"].c),
    sa.Column("note", sa.Text),
    sa.Column("salt", sa.Text),  # hex of 16 random bytes: the email commitment's salt
)
ATTEMPTS, ACKS, FEEDBACK = TABLES["attempts"], TABLES["acknowledgements"], TABLES["feedback"]
LEDGER, VERSIONS = TABLES["ledger"], TABLES["module_versions"]


def _roles_text(stored: str | None) -> str:
    try:
        roles = json.loads(stored or "[]")
    except ValueError:
        return ""
    return ";".join(str(r) for r in roles) if isinstance(roles, list) else ""


def roster_state(conn: Connection) -> dict[str, dict[str, str]]:
    """email -> the stored tracked fields, as the roster file spells them."""
    state: dict[str, dict[str, str]] = {}
    for row in conn.execute(sa.select(PEOPLE)).mappings():
        values = {k: str(row[k] or "") for k in TRACKED if k != "roles"}
        values["roles"] = _roles_text(row["roles"])
        state[row["email"]] = values
    return state


def import_roster(
    store: Store, rows: list[RosterRow], effective: dt.date, dry_run: bool = False
) -> list[Change]:
    """Apply a roster in one transaction: people rows, and one `roster` ledger entry per person
    whose chained fields changed (its projection is that person's `roster_history` rows).

    A name is personal data and stays in `people` only; the entry carries the other changed
    fields, the effective date (the start date for someone new) and the email commitment.
    """
    with store.transaction(write=not dry_run) as conn:
        if not dry_run:
            lock_for_writing(conn)
        changes = plan_changes(rows, roster_state(conn))
        if dry_run:
            return changes
        now = utc_now()
        known = {
            str(e): (str(p), s)
            for e, p, s in conn.execute(
                sa.select(PEOPLE.c.email, PEOPLE.c.person_id, PEOPLE.c.salt)
            )
        }
        by_email = {r.email: r for r in rows}
        entries = []
        for change in changes:
            if change.kind == "unchanged":
                continue
            row = by_email[change.email]
            values: dict[str, Any] = dict(
                row.values(), roles=json.dumps(list(row.roles)), source="roster", updated_at=now
            )
            values["end_date"] = values["end_date"] or None
            values["note"] = values["note"] or None
            person_id, salt = known.get(change.email, ("", None))
            salt = salt or secrets.token_hex(16)
            values["salt"] = salt
            if not person_id:
                person_id = new_person_id()
                conn.execute(
                    sa.insert(PEOPLE),
                    [dict(values, person_id=person_id, email=change.email, created_at=now)],
                )
            else:
                conn.execute(sa.update(PEOPLE).where(PEOPLE.c.person_id == person_id), [values])
            chained = {k: v for k, v in change.fields.items() if k in ROSTER_FIELDS}
            if chained:
                when = row.start_date if change.kind == "add" else effective
                entries.append(
                    roster_entry(
                        change.email,
                        salt,
                        {k: new for k, (_, new) in chained.items()},
                        {k: old for k, (old, _) in chained.items()},
                        when.isoformat(),
                    )
                )
        append_entries(conn, entries, now)
    return changes


def day_of(text: str | None) -> dt.date | None:
    """The date of an ISO date or timestamp text (None when missing or not a date)."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _fetch(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of a constant query straight from the DB-API cursor (no per-row processing).

    The report queries return hundreds of thousands of rows; SQLAlchemy's row objects cost
    about two thirds of the time at a million ledger rows.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def load_people(conn: Connection) -> list[Person]:
    """Everyone imported from the roster, with their role history."""
    spans: dict[str, list[tuple[str, int, str]]] = {}
    history_sql = (
        "SELECT person_id, id, effective_on, new_value FROM roster_history WHERE field = 'roles'"
    )
    for pid, hid, on, new in _fetch(conn, history_sql):
        spans.setdefault(pid, []).append((on, hid, new))
    people = []
    people_sql = (
        "SELECT person_id, email, name, department, roles, start_date, end_date, status, note,"
        " employment FROM people WHERE start_date IS NOT NULL"
    )
    for pid, email, name, dept, roles, start_text, end, status, note, kind in _fetch(
        conn, people_sql
    ):
        start = day_of(start_text)
        if start is None:
            continue
        history = sorted(spans.get(pid, []))
        role_spans = tuple(
            RoleSpan(max(start, day_of(on) or start) if i else start, tuple(new.split(";")))
            for i, (on, _, new) in enumerate(history)
        )
        held = tuple(r for r in _roles_text(roles).split(";") if r)
        people.append(
            Person(
                pid,
                email,
                name or "",
                dept or "",
                held,
                start,
                day_of(end),
                status or "active",
                note or "",
                kind or "employee",
                role_spans,
            )
        )
    return people


def load_completions(
    conn: Connection, person_id: str | None = None
) -> dict[tuple[str, str], list[Completion]]:
    """(person, module) -> latest pass and acknowledgement per version, aggregated in SQL.

    Both GROUP BYs scan a covering index in order (`attempts_latest_pass`, `acks_latest`);
    `person_id` limits them to one person (GET /api/me).
    """
    out: dict[tuple[str, str], list[Completion]] = {}
    days: dict[str, dt.date] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    where = f" AND person_id = {mark}" if person_id is not None else ""
    params = (person_id,) if person_id is not None else ()
    queries = (
        ("pass", "SELECT person_id, module, version, max(recorded_at) FROM attempts"
                 f" WHERE passed{where} GROUP BY person_id, module, version"),
        ("ack", "SELECT person_id, module, version, max(recorded_at) FROM acknowledgements"
                f" WHERE TRUE{where} GROUP BY person_id, module, version"),
    )  # fmt: skip
    for kind, sql in queries:
        for pid, module, version, at in _fetch(conn, sql, params):
            key = at[:10]
            day = days.get(key) or days.setdefault(key, dt.date.fromisoformat(key))
            found = out.get((pid, module))
            if found is None:
                out[(pid, module)] = [Completion(version, kind, day)]
            else:
                found.append(Completion(version, kind, day))
    return out


def load_first_seen(conn: Connection) -> dict[tuple[str, int], dt.date]:
    """(module, version) -> the day the version was first served."""
    query = sa.select(VERSIONS.c.module, VERSIONS.c.version, sa.func.min(VERSIONS.c.first_seen_at))
    rows = conn.execute(query.group_by(VERSIONS.c.module, VERSIONS.c.version))
    return {(m, v): dt.date.fromisoformat(at[:10]) for m, v, at in rows}


def due_report(store: Store, course: Course, as_of: dt.date) -> tuple[DueReport, list[Person]]:
    """The due report of everyone on the roster, and the people it was computed for."""
    # Hundreds of thousands of small objects, none cyclic: the cyclic GC would rescan them
    # over and over (it tripled the time at 10,000 people), so it pauses meanwhile.
    paused = gc.isenabled()
    gc.disable()
    try:
        with store.transaction() as conn:
            people = load_people(conn)
            completions = load_completions(conn)
            first_seen = load_first_seen(conn)
        return due_items(people, course, completions, first_seen, as_of), people
    finally:
        if paused:
            gc.enable()


def _answers_of(payload: dict[str, Any], course: Course) -> list[tuple[str, list[str], bool]]:
    """(question, chosen ids, right) from an attempt payload (graded list or raw answers)."""
    graded = payload.get("questions") or payload.get("results")
    if isinstance(graded, list):
        return [
            (str(q.get("id")), [str(c) for c in q.get("selected") or ()], bool(q.get("correct")))
            for q in graded
            if isinstance(q, dict)
        ]
    answers = payload.get("answers") or {}
    key = {
        q["id"]: set(q.get("correct") or ()) for q in course.questions(str(payload.get("module")))
    }
    return [
        (str(q), [str(c) for c in sel], bool(sel) and set(sel) == key.get(q))
        for q, sel in answers.items()
        if isinstance(sel, list)
    ]


def refresh_answers(store: Store, course: Course, batch: int = 5000) -> int:
    """Project new attempts' per-question answers from the ledger; the rows added."""
    added = 0
    while True:
        with store.transaction(write=True) as conn:
            lock_for_writing(conn)  # two refreshers must not project the same rows
            last = conn.execute(sa.select(sa.func.max(ANSWERS.c.seq))).scalar() or 0
            page = conn.execute(
                sa.select(LEDGER.c.seq, LEDGER.c.payload)
                .where(LEDGER.c.kind == "attempt", LEDGER.c.seq > last)
                .order_by(LEDGER.c.seq)
                .limit(batch)
            ).all()
            rows = []
            for seq, text in page:
                payload = json.loads(text)
                for question, selected, right in _answers_of(payload, course):
                    rows.append(
                        {
                            "seq": seq,
                            "question": question,
                            "module": payload.get("module"),
                            "version": int(payload.get("version") or 0),
                            "selected": ";".join(sorted(selected)),
                            "correct": right,
                        }
                    )
            if rows:
                conn.execute(sa.insert(ANSWERS), rows)
        added += len(rows)
        if len(page) < batch:
            return added


def answer_counts(conn: Connection, module: str | None = None) -> list[AnswerCount]:
    """How many attempts chose each answer, per module version and question."""
    cols = (
        ANSWERS.c.module,
        ANSWERS.c.version,
        ANSWERS.c.question,
        ANSWERS.c.selected,
        ANSWERS.c.correct,
    )
    query = sa.select(*cols, sa.func.count()).group_by(*cols)
    if module:
        query = query.where(ANSWERS.c.module == module)
    return [
        (m, v, q, tuple(s.split(";")) if s else (), bool(ok), n)
        for m, v, q, s, ok, n in conn.execute(query)
    ]


def feedback_entries(conn: Connection, module: str | None, kind: str | None) -> list[FeedbackEntry]:
    """Feedback rows; anonymous ones are never joined to a person."""
    query = sa.select(FEEDBACK, PEOPLE.c.email, PEOPLE.c.name).select_from(
        FEEDBACK.outerjoin(
            PEOPLE,
            sa.and_(PEOPLE.c.person_id == FEEDBACK.c.person_id, FEEDBACK.c.anonymous.is_(False)),
        )
    )
    if module:
        query = query.where(FEEDBACK.c.module == module)
    if kind:
        query = query.where(FEEDBACK.c.kind == kind)
    return [
        FeedbackEntry(
            r["module"],
            r["version"],
            r["kind"],
            r["text"],
            r["recorded_at"],
            bool(r["anonymous"]),
            None if r["anonymous"] else r["email"],
            None if r["anonymous"] else r["name"],
        )
        for r in conn.execute(query.order_by(FEEDBACK.c.seq)).mappings()
    ]
