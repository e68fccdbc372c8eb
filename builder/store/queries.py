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
import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.ledger.projections import ROSTER_FIELDS, email_commitment
from builder.ledger.views import FeedbackEntry
from builder.lifecycle.clock import OrgClock
from builder.lifecycle.due import Completion, DueReport, Memo, Person, RoleSpan, due_items
from builder.lifecycle.roster import (
    DEFAULT_MAX_END_SHARE,
    TRACKED,
    Change,
    RosterRow,
    plan_changes,
)
from builder.store.campaign_queries import load_assignments
from builder.store.campaign_tables import projection_counts
from builder.store.chain_writes import append_entries, lock_for_writing, utc_now
from builder.store.database import TABLES, Store, fetch_rows, new_person_id
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
    sa.Column("title", sa.Text),
    sa.Column("manager_email", sa.Text),
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
    store: Store,
    rows: list[RosterRow],
    effective: dt.date,
    dry_run: bool = False,
    *,
    sync: bool = False,
    max_end_share: float | None = DEFAULT_MAX_END_SHARE,
) -> list[Change]:
    """Apply a roster in one transaction: people rows, and one `roster` ledger entry per person
    whose chained fields changed (its projection is that person's `roster_history` rows).

    A name or an email is personal data and stays in `people` only; the entry carries the
    other changed fields (a manager as their pseudonymous person id), the effective date (the
    start date for someone new) and the email commitment. With `sync`, people absent from
    `rows` are ended on `effective` (see `plan_changes`, which raises SyncLimitExceeded past
    `max_end_share`; None lifts the limit).
    """
    with store.transaction(write=not dry_run) as conn:
        if not dry_run:
            lock_for_writing(conn)
        changes = plan_changes(
            rows, roster_state(conn), sync=sync, effective=effective, max_end_share=max_end_share
        )
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
        pending: list[tuple[Change, RosterRow | None, str]] = []
        for change in changes:
            if change.kind == "unchanged":
                continue
            row = by_email.get(change.email)
            text = row.values() if row else {k: v for k, (_, v) in change.fields.items()}
            values: dict[str, Any] = {k: v or None for k, v in text.items()}
            values.update(source="roster", updated_at=now)
            if row is not None:
                values["roles"] = json.dumps(list(row.roles))
            person_id, salt = known.get(change.email, ("", None))
            salt = salt or secrets.token_hex(16)
            values["salt"] = salt
            if not person_id:
                person_id = new_person_id()
                conn.execute(
                    sa.insert(PEOPLE),
                    [dict(values, person_id=person_id, email=change.email, created_at=now)],
                )
                known[change.email] = (person_id, salt)
            else:
                conn.execute(sa.update(PEOPLE).where(PEOPLE.c.person_id == person_id), [values])
            pending.append((change, row, salt))
        entries = []
        for change, row, salt in pending:  # managers resolve once everyone is in `people`
            fields = {_CHAINED_AS.get(k, k): v for k, v in change.fields.items()}
            chained = {k: v for k, v in fields.items() if k in ROSTER_FIELDS}
            if "manager" in chained:
                was, now_is = chained["manager"]
                chained["manager"] = (_person_of(known, was), _person_of(known, now_is))
            if chained:
                when = row.start_date if row and change.kind == "add" else effective
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


_CHAINED_AS = {"manager_email": "manager"}  # roster field -> name in `roster` entries


def _person_of(known: dict[str, tuple[str, str | None]], email: str) -> str:
    """The pseudonymous id of a manager's email ('' when none or not on the roster)."""
    return known.get(email, ("", None))[0] if email else ""


def day_of(text: str | None) -> dt.date | None:
    """The date of an ISO date or timestamp text (None when missing or not a date)."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


_SELF_DATED = frozenset({"start_date", "end_date"})


def load_people(conn: Connection, as_of: dt.date | None = None) -> list[Person]:
    """Everyone on the roster as of `as_of`: each field as it had taken effect by that day.

    The fields come from `roster_history` (the `roster` entries' projection), never from the
    mutable columns of `people`, which only lend the email and name. A change counts from its
    effective date (a new person's fields from their start date), so someone who starts after
    `as_of` is not on the roster yet and a department change effective later does not show;
    corrections imported later are applied to the days they say. None: everything known.
    """
    history_sql = (
        "SELECT person_id, seq, field, new_value, effective_on FROM roster_history"
        " ORDER BY effective_on, seq"
    )
    bound = as_of.isoformat() if as_of else "9999-12-31"
    state: dict[str, dict[str, str]] = {}
    spans: dict[str, list[tuple[str, int, str]]] = {}
    for pid, seq, name, new, on in fetch_rows(conn, history_sql):
        # Start and end dates carry their own day: the latest value known counts whenever it
        # was imported (a termination recorded late still ends the person on its date).
        if on > bound and name not in _SELF_DATED:
            continue
        fields = state.get(pid)
        if fields is None:
            fields = state[pid] = {}
        fields[name] = new
        if name == "roles":
            spans.setdefault(pid, []).append((on, seq, new))
    people = []
    days = Memo(day_of)  # a few thousand distinct dates among tens of thousands of fields
    for pid, email, name in fetch_rows(conn, "SELECT person_id, email, name FROM people"):
        fields = state.get(pid)
        start = days[fields.get("start_date")] if fields else None
        if fields is None or start is None:
            continue
        history = spans.get(pid, ())
        if len(history) > 1:
            history = sorted(history)
        role_spans = tuple(
            RoleSpan(max(start, days[on] or start) if i else start, tuple(new.split(";")))
            for i, (on, _, new) in enumerate(history)
        )
        people.append(
            Person(
                pid,
                email,
                name or "",
                fields.get("department", ""),
                tuple(r for r in fields.get("roles", "").split(";") if r),
                start,
                days[fields.get("end_date")],
                fields.get("status") or "active",
                fields.get("note", ""),
                fields.get("employment") or "employee",
                role_spans,
            )
        )
    return people


def load_completions(
    conn: Connection,
    person_id: str | None = None,
    cutoff: str | None = None,
    clock: OrgClock | None = None,
    workshops: Mapping[str, int] | None = None,
) -> dict[tuple[str, str], list[Completion]]:
    """(person, module) -> latest pass and acknowledgement per version recorded by `cutoff`,
    and for each workshop in `workshops` (module id -> min_minutes) the latest session date
    per version attended for at least its minutes (kind `attend`, recorded by `cutoff`).

    Both GROUP BYs scan a covering index in order (`attempts_passes`, partial: passing
    attempts only; `acks_latest`);
    `person_id` limits them to one person (GET /api/me). Days are the organisation's
    (`clock`, default UTC); an attendance's day is its session date.
    """
    clock = clock or OrgClock()
    out: dict[tuple[str, str], list[Completion]] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    where, params = "", []
    if person_id is not None:
        where += f" AND person_id = {mark}"
        params.append(person_id)
    if cutoff is not None:
        where += f" AND recorded_at <= {mark}"
        params.append(cutoff)
    queries = (
        ("pass", "SELECT person_id, module, version, max(recorded_at) FROM attempts"
                 f" WHERE passed{where} GROUP BY person_id, module, version"),
        ("ack", "SELECT person_id, module, version, max(recorded_at) FROM acknowledgements"
                f" WHERE TRUE{where} GROUP BY person_id, module, version"),
    )  # fmt: skip
    day_of_record = clock.day_of
    if workshops:
        sql = ("SELECT person_id, module, version, minutes, session_date FROM attendance"
               f" WHERE TRUE{where}")  # fmt: skip
        for pid, module, version, minutes, on in fetch_rows(conn, sql, tuple(params)):
            need = workshops.get(module)
            if need is None or int(minutes) < need:
                continue
            out.setdefault((pid, module), []).append(
                Completion(version, "attend", dt.date.fromisoformat(on))
            )
    make = tuple.__new__  # Completion(…) without its Python-level __new__: 200,000 rows
    get = out.get
    utc = clock.is_utc
    days = Memo(dt.date.fromisoformat)
    for kind, sql in queries:
        for pid, module, version, at in fetch_rows(conn, sql, tuple(params)):
            on = days[at[:10]] if utc else day_of_record(at)
            record = make(Completion, (version, kind, on, at))
            found = get((pid, module))
            if found is None:
                out[(pid, module)] = [record]
            else:
                found.append(record)
    return out


def load_first_seen(
    conn: Connection, cutoff: str | None = None, clock: OrgClock | None = None
) -> dict[tuple[str, int], dt.date]:
    """(module, version) -> the organisation's day the version was first published."""
    clock = clock or OrgClock()
    query = sa.select(VERSIONS.c.module, VERSIONS.c.version, sa.func.min(VERSIONS.c.first_seen_at))
    if cutoff is not None:
        query = query.where(VERSIONS.c.first_seen_at <= cutoff)
    rows = conn.execute(query.group_by(VERSIONS.c.module, VERSIONS.c.version))
    return {(m, v): clock.day_of(at) for m, v, at in rows}


class ProjectionMismatch(TrustPathError):
    """A table the reports read no longer matches the ledger: reports refuse to run."""


def check_projections(conn: Connection) -> None:
    """Refuse (ProjectionMismatch) when a projection no longer matches the ledger's entries.

    A cheap guard run before every report, for what the service's own database role could
    do: it may only INSERT (UPDATE and DELETE on projections are refused by triggers and, on
    PostgreSQL, by rights). So every projection's row count must match its entries (roster
    history: the fields the `roster` entries carry), and every roster person's email must
    match their entry's email commitment (two emails swapped in `people` are caught).
    Edits made with the owner's rights (triggers dropped) are found by
    `trustpath records verify`, which every report runs first with `--verify`.
    """
    entries = dict(fetch_rows(conn, "SELECT kind, count(*) FROM ledger GROUP BY kind"))
    fields = 0
    commitments: dict[str, str] = {}
    for person, payload in fetch_rows(
        conn, "SELECT person_id, payload FROM ledger WHERE kind = 'roster' ORDER BY seq"
    ):
        body = json.loads(payload)
        fields += len(body.get("fields") or ())
        commitments[person] = body.get("email_commitment", "")
    checks = (
        ("attempts", entries.get("attempt", 0), "SELECT count(*) FROM attempts"),
        ("acknowledgements", entries.get("ack", 0), "SELECT count(*) FROM acknowledgements"),
        ("feedback", entries.get("feedback", 0), "SELECT count(*) FROM feedback"),
        ("roster_history", fields, "SELECT count(*) FROM roster_history"),
        ("module_versions", entries.get("publication", 0), "SELECT count(*) FROM module_versions"),
        ("attendance", entries.get("attendance", 0), "SELECT count(*) FROM attendance"),
        ("reminders", entries.get("reminder", 0), "SELECT count(*) FROM reminders"),
        *projection_counts(conn, entries),
    )
    for table, expected, sql in checks:
        rows = int(fetch_rows(conn, sql)[0][0])
        if rows != int(expected):
            raise ProjectionMismatch(
                f"the {table} table no longer matches the ledger ({rows} rows for {expected} "
                "in the entries): reports refuse to run; `trustpath records verify` names the rows"
            )
    for person, email, salt in fetch_rows(conn, "SELECT person_id, email, salt FROM people"):
        want = commitments.get(person)
        if want is None or email.startswith("erased:"):
            continue
        if not salt or email_commitment(salt, email) != want:
            raise ProjectionMismatch(
                f"the people table no longer matches the ledger (person {person}'s email differs "
                "from its roster entry's commitment): reports refuse to run; "
                "`trustpath records verify` names the rows"
            )


def due_report(
    store: Store, course: Course, as_of: dt.date, verify: bool = False
) -> tuple[DueReport, list[Person]]:
    """The due report as of the end of `as_of` in the organisation's time zone.

    Only ledger entries recorded by then count, the roster is as its entries stood then, and
    completion days are the organisation's days. ProjectionMismatch when the projections do
    not match the ledger; with `verify`, the chain and every projection row are checked first
    (`store.verify.verify_all`). Campaigns and cancellations recorded by then give the
    `assigned` items (`builder.lifecycle.campaigns`).
    """
    if verify:
        from builder.store.verify import verify_all  # verify imports this module

        report = verify_all(store)
        if not report.ok:
            raise ProjectionMismatch(
                "records verify failed, so reports refuse to run:\n" + str(report)
            )
    clock = OrgClock(course.timezone)
    cutoff = clock.end_of(as_of)
    # Hundreds of thousands of small objects, none cyclic: the cyclic GC would rescan them
    # over and over (it tripled the time at 10,000 people), so it pauses meanwhile.
    paused = gc.isenabled()
    gc.disable()
    try:
        with store.transaction() as conn:
            people = load_people(conn, as_of)  # the first read: this transaction's snapshot
            guard = ProjectionGuard(store, conn)  # on a later snapshot, beside the rest
            try:
                completions = load_completions(
                    conn, cutoff=cutoff, clock=clock, workshops=course.workshop_minutes
                )
                first_seen = load_first_seen(conn, cutoff, clock)
                campaigns = load_assignments(conn, cutoff)
            except BaseException:
                guard.result()  # a mismatch explains a failed read better than the read
                raise
        due = due_items(people, course, completions, first_seen, as_of, campaigns)
        guard.result()  # nothing is returned before the guard has passed
        return due, people
    finally:
        if paused:
            gc.enable()


class ProjectionGuard:
    """`check_projections` beside a report's own reads: started on its own connection and
    read transaction, in a second thread, so its SQL (a count per kind over the whole ledger,
    a count per projection) runs while the report reads its rows; `result()` waits for it and
    raises its ProjectionMismatch.

    Sound because the guard's snapshot is taken after the report's (start it after the
    report's first read): the service's database role can only add rows (DESIGN §7; UPDATE
    and DELETE are refused), so every row the report reads is in what the guard checks. An
    in-memory SQLite database has one connection per thread, so there it runs inline.
    """

    def __init__(self, store: Store, conn: Connection) -> None:
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if store.kind == "sqlite" and store.engine.url.database in (None, "", ":memory:"):
            check_projections(conn)
            return
        self.thread = threading.Thread(
            target=self._run, args=(store,), name="trustpath-projection-guard", daemon=True
        )
        self.thread.start()

    def _run(self, store: Store) -> None:
        try:
            with store.transaction() as conn:
                check_projections(conn)
        except BaseException as exc:  # handed to the report's thread by result()
            self.error = exc

    def result(self) -> None:
        """Wait for the check; raise what it raised (ProjectionMismatch, a storage error)."""
        if self.thread is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error


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
