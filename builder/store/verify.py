"""`trustpath records verify`: the chain, and every projection re-derived from it.

One pass over the ledger in seq order checks each link (`ledger.chain`) and, page by page,
compares what `ledger.projections` derives from the entries with the rows stored in each
projection table. Then the people: each roster person's stored fields must be what their
`roster` entries say, and their email must match the entry's email commitment, so swapping
two emails in `people` is caught. A projection row that differs, is missing or has no ledger
entry is a problem naming the table and the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from builder.ledger.chain import Head, LedgerRow, Verdict, verify_rows
from builder.ledger.projections import email_commitment, project
from builder.store.database import Store, fetch_rows

# table -> (key columns, compared columns); rows keyed by seq come in seq order.
SEQ_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "attempts": (
        ("seq",),
        ("attempt_id", "person_id", "module", "version", "content_sha256", "score", "passed",
         "started_at", "recorded_at"),
    ),
    "acknowledgements": (
        ("seq",),
        ("ack_id", "person_id", "module", "version", "statement_sha256", "recorded_at"),
    ),
    "feedback": (
        ("seq",),
        ("feedback_id", "person_id", "module", "version", "kind", "anonymous", "text",
         "recorded_at"),
    ),
    "roster_history": (
        ("seq", "field"),
        ("person_id", "old_value", "new_value", "effective_on", "changed_at"),
    ),
    "attempt_answers": (("seq", "question"), ("module", "version", "selected", "correct")),
    "link_revocations": (
        ("seq",),
        ("revocation_id", "person_id", "epoch", "reason", "recorded_at"),
    ),
    "assignments": (
        ("seq",),
        ("campaign_id", "modules", "due_on", "reason", "assigned_by", "assigned_on", "selector",
         "people", "recorded_at"),
    ),
    "assignment_people": (("seq", "person_id"), ("campaign_id",)),
    "assignment_cancels": (("seq",), ("campaign_id", "reason", "cancelled_by", "recorded_at")),
    "attendance": (
        ("seq",),
        ("attendance_id", "person_id", "module", "version", "session_date", "minutes",
         "recorded_at"),
    ),
    "reminders": (
        ("seq",),
        ("reminder_id", "person_id", "channel", "message", "items", "as_of", "recorded_at"),
    ),
}  # fmt: skip
PEOPLE_FIELDS = (
    "department", "title", "roles", "start_date", "end_date", "status", "employment", "note",
)  # fmt: skip
MAX_PROBLEMS = 20


@dataclass
class VerifyReport:
    """The chain verdict and the projection problems (`table key: what is wrong`)."""

    chain: Verdict
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # table -> rows compared
    erased: int = 0  # people whose personal data was erased (no commitment to check)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def __str__(self) -> str:
        lines = [str(self.chain)]
        if self.chain.ok:
            tables = ", ".join(f"{t} {n}" for t, n in sorted(self.checked.items()))
            lines.append(
                f"projections ok: {tables}"
                if not self.problems
                else f"projections broken: {len(self.problems)} problem(s)"
            )
        lines += [f"  {p}" for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"  … and {len(self.problems) - MAX_PROBLEMS} more")
        return "\n".join(lines)


BOOLEANS = frozenset({"passed", "anonymous", "correct"})  # compared as 0/1 on both databases


class _Comparer:
    """Compares expected projection rows with stored ones, one seq page at a time."""

    def __init__(self, conn: Connection, report: VerifyReport) -> None:
        self.conn = conn
        self.report = report
        self.sql = {}
        for table, (key, cols) in SEQ_TABLES.items():
            selected = [f"CASE WHEN {c} THEN 1 ELSE 0 END" if c in BOOLEANS else c for c in cols]
            self.sql[table] = f"SELECT {', '.join([*key, *selected])} FROM {table} "
        self.flags = {
            table: tuple(c in BOOLEANS for c in cols) for table, (_, cols) in SEQ_TABLES.items()
        }

    def page(self, first: int, last: int, expected: dict[str, list[dict[str, Any]]]) -> None:
        for table, (key, cols) in SEQ_TABLES.items():
            flags = self.flags[table]
            width = len(key)
            # sorted here, not by SQL: collations differ between databases; keys are unique,
            # so tuples never compare past them
            have = sorted(
                fetch_rows(self.conn, f"{self.sql[table]}WHERE seq >= {first} AND seq <= {last}")
            )
            rows = expected.get(table, ())
            pairs = list(zip(cols, flags, strict=True))
            want = sorted(
                tuple([r[n] for n in key] + [int(r[c]) if f else r[c] for c, f in pairs])
                for r in rows
            )
            self.report.checked[table] += len(want)
            if have != want:  # the common case is equal: only a mismatch pays for names
                self._compare(
                    table,
                    key,
                    cols,
                    {w[:width]: w[width:] for w in want},
                    {h[:width]: h[width:] for h in have},
                )

    def _compare(
        self,
        table: str,
        key: tuple[str, ...],
        cols: tuple[str, ...],
        want: dict[tuple[Any, ...], tuple[Any, ...]],
        have: dict[tuple[Any, ...], tuple[Any, ...]],
    ) -> None:
        def name(k: tuple[Any, ...]) -> str:
            return f"{table} {', '.join(f'{c}={v}' for c, v in zip(key, k, strict=True))}"

        for k, values in want.items():
            got = have.get(k)
            if got is None:
                self.report.problems.append(f"{name(k)}: missing (the ledger entry has it)")
            elif got != values:
                diff = [c for c, a, b in zip(cols, values, got, strict=True) if a != b]
                self.report.problems.append(
                    f"{name(k)}: {', '.join(diff)} differ(s) from the ledger entry"
                )
        for k in have.keys() - want.keys():
            self.report.problems.append(f"{name(k)}: has no ledger entry")


def verify_all(store: Store, anchor: Head | None = None, page_size: int = 5000) -> VerifyReport:
    """Verify the chain (against `anchor` when given) and every projection; see the module doc.

    One pass: each ledger page is checked link by link, then the projection rows of its seq
    range are read and compared with what its entries derive.
    """
    with store.transaction() as conn:
        report = VerifyReport(Verdict(True, Head(0, ""), 0))
        report.checked = dict.fromkeys([*SEQ_TABLES, "module_versions", "people"], 0)
        comparer = _Comparer(conn, report)
        roster: dict[str, dict[str, str]] = {}
        commitments: dict[str, str] = {}
        persons: set[str] = set()
        publications: dict[tuple[str, int, str], str] = {}
        expected: dict[str, list[dict[str, Any]]] = {}
        span: list[int] = []

        def on_row(row: LedgerRow, body: dict[str, Any]) -> None:
            if not span:
                span.append(row.seq)
            if row.person_id:
                persons.add(row.person_id)
            for table, prow in project(row.seq, row.recorded_at, body):
                if table == "module_versions":
                    key = (prow["module"], prow["version"], prow["content_sha256"])
                    publications.setdefault(key, prow["first_seen_at"])
                else:
                    expected.setdefault(table, []).append(prow)
            if body.get("kind") == "roster" and row.person_id:
                state = roster.setdefault(row.person_id, {})
                state.update({k: str(v) for k, v in body.get("fields", {}).items()})
                commitments[row.person_id] = str(body.get("email_commitment"))

        def rows() -> Iterator[LedgerRow]:
            for page in _pages(conn, page_size):
                yield from page
                if span:  # every row of the page was good: compare its projections
                    comparer.page(span[0], page[-1].seq, expected)
                expected.clear()
                span.clear()

        report.chain = verify_rows(rows(), anchor, on_row)
        if not report.chain.ok:
            return report
        _orphans(conn, report)
        _check_versions(conn, report, publications)
        _check_people(conn, report, roster, commitments, persons)
    return report


def _pages(conn: Connection, size: int) -> Iterator[list[LedgerRow]]:
    last = 0
    cols = ", ".join(LedgerRow.__dataclass_fields__)
    while True:
        page = [
            LedgerRow(*r)
            for r in fetch_rows(
                conn, f"SELECT {cols} FROM ledger WHERE seq > {int(last)} ORDER BY seq LIMIT {size}"
            )
        ]
        if not page:
            return
        yield page
        last = page[-1].seq


def _orphans(conn: Connection, report: VerifyReport) -> None:
    """Projection rows past the head or with no seq at all: rows with no ledger entry."""
    head = int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM ledger").scalar() or 0)
    for table in SEQ_TABLES:
        stray = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE seq IS NULL OR seq > {head}"
        ).scalar()
        if stray:
            report.problems.append(f"{table}: {stray} row(s) with no ledger entry")


def _check_versions(
    conn: Connection, report: VerifyReport, publications: dict[tuple[str, int, str], str]
) -> None:
    have = {
        (str(m), int(v), str(c)): str(at)
        for m, v, c, at in conn.exec_driver_sql(
            "SELECT module, version, content_sha256, first_seen_at FROM module_versions"
        )
    }
    report.checked["module_versions"] = len(publications)
    for key, at in publications.items():
        if key not in have:
            report.problems.append(f"module_versions {key[0]} v{key[1]}: missing")
        elif have[key] != at:
            report.problems.append(
                f"module_versions {key[0]} v{key[1]}: first_seen_at differs from the ledger"
            )
    for key in have.keys() - publications.keys():
        report.problems.append(f"module_versions {key[0]} v{key[1]}: has no ledger entry")


def _check_people(
    conn: Connection,
    report: VerifyReport,
    roster: dict[str, dict[str, str]],
    commitments: dict[str, str],
    persons: set[str],
) -> None:
    """People rows against the roster entries: fields, email commitment, and existence."""
    cols = ", ".join(("person_id", "email", "salt", "manager_email", *PEOPLE_FIELDS))
    seen = set()
    checked = 0
    rows = conn.exec_driver_sql(f"SELECT {cols} FROM people").all()
    ids = {str(r[1]): str(r[0]) for r in rows}
    for row in rows:
        person_id, email, salt, manager = str(row[0]), str(row[1]), row[2], row[3]
        seen.add(person_id)
        checked += 1
        label = f"people person_id={person_id}"
        if person_id not in persons:
            report.problems.append(f"{label}: has no ledger entry")
            continue
        state = roster.get(person_id)
        if state is None:
            continue  # seen by the service before any roster: nothing chained to compare
        stored = dict(zip(PEOPLE_FIELDS, row[4:], strict=True))
        stored["roles"] = ";".join(json.loads(stored["roles"] or "[]"))
        stored["manager"] = ids.get(str(manager), "") if manager else ""
        diff = [
            f
            for f in (*PEOPLE_FIELDS, "manager")
            if f in state and str(stored[f] or "") != state[f]
        ]
        if diff:
            report.problems.append(f"{label}: {', '.join(diff)} differ(s) from the roster entries")
        if email.startswith("erased:") and not salt:
            report.erased += 1
        elif not salt or email_commitment(str(salt), email) != commitments.get(person_id):
            report.problems.append(f"{label}: email does not match the roster entry's commitment")
    report.checked["people"] = checked
    for person_id in sorted(roster.keys() - seen):
        report.problems.append(f"people person_id={person_id}: missing (roster entries name it)")
