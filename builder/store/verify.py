"""`trustpath records verify`: the chain, and every projection re-derived from it.

One pass over the ledger in seq order checks each link (`ledger.chain`) and, page by page,
compares what `ledger.projections` derives from the entries with the rows stored in each
projection table. Then the people: each roster person's stored fields must be what their
`roster` entries say, and their email must match the entry's email commitment, so swapping
two emails in `people` is caught. A projection row that differs, is missing or has no ledger
entry is a problem naming the table and the key.
"""

from __future__ import annotations

import gc
import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from builder.ledger.chain import GENESIS, Head, LedgerRow, Verdict, verify_rows
from builder.ledger.projections import (
    ACK_COLUMNS,
    ANSWER_COLUMNS,
    ATTEMPT_COLUMNS,
    ack_row,
    answer_rows,
    attempt_row,
    email_commitment,
    project,
)
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


# The projections that `ledger.projections` gives as tuples (most rows of a large ledger):
# compared as those tuples, put in key-then-compared order, with no dict per row.
FAST_TABLES: dict[str, tuple[str, ...]] = {
    "attempts": ATTEMPT_COLUMNS,
    "acknowledgements": ACK_COLUMNS,
    "attempt_answers": ANSWER_COLUMNS,
}


class _Comparer:
    """Compares expected projection rows with stored ones, one seq page at a time.

    Expected rows come as tuples in each table's key-then-compared column order (see
    `expect`); booleans compare as 0/1 (`True == 1`), as the SQL reads them.
    """

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
        # fast tables: how a projection tuple becomes a key-then-compared tuple (None: as is)
        self.reorder: dict[str, Callable[[tuple[Any, ...]], tuple[Any, ...]] | None] = {}
        for table, columns in FAST_TABLES.items():
            key, cols = SEQ_TABLES[table]
            order = tuple(columns.index(c) for c in (*key, *cols))
            self.reorder[table] = (
                None if order == tuple(range(len(columns))) else itemgetter(*order)
            )

    def expect(self, table: str, row: dict[str, Any]) -> tuple[Any, ...]:
        """A projection row given as a dict, as the tuple `page` compares."""
        key, cols = SEQ_TABLES[table]
        pairs = zip(cols, self.flags[table], strict=True)
        return tuple([row[n] for n in key] + [int(row[c]) if f else row[c] for c, f in pairs])

    def page(self, first: int, last: int, expected: dict[str, list[tuple[Any, ...]]]) -> None:
        for table, (key, cols) in SEQ_TABLES.items():
            width = len(key)
            # sorted here, not by SQL: collations differ between databases; keys are unique,
            # so tuples never compare past them
            have = fetch_rows(self.conn, f"{self.sql[table]}WHERE seq >= {first} AND seq <= {last}")
            have.sort()
            want = expected.get(table, [])
            reorder = self.reorder.get(table)
            if reorder is not None:
                want = [reorder(w) for w in want]
            want.sort()
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


@dataclass
class _Part:
    """What one range of the chain says: its verdict, its projection problems, and what the
    whole-ledger checks (people, module versions) need from its entries."""

    chain: Verdict
    problems: list[str]
    checked: dict[str, int]
    roster: dict[str, dict[str, str]]
    commitments: dict[str, str]
    persons: set[str]
    publications: dict[tuple[str, int, str], str]
    anchor_hash: str | None = None  # the stored hash of the anchor's row, when in the range
    anchor_rows: int = 0  # good rows of the range before the anchor's row


PARALLEL_FROM = 200_000  # ledger rows: below this, starting a process costs more than it saves


def verify_all(
    store: Store, anchor: Head | None = None, page_size: int = 5000, workers: int = 1
) -> VerifyReport:
    """Verify the chain (against `anchor` when given) and every projection; see the module doc.

    One pass: each ledger page is checked link by link, then the projection rows of its seq
    range are read and compared with what its entries derive. With `workers` > 1 and at least
    PARALLEL_FROM rows, the seq range is cut into `workers` contiguous ranges checked by as
    many processes, each from the stored hash of the row before its range; the parts are
    joined in seq order (the first broken link wins, as in one walk), then the people and
    module versions are checked once against everything the parts saw. Each link is checked
    exactly once either way, and the result is the same report.
    """
    with store.transaction() as conn:
        report = VerifyReport(Verdict(True, Head(0, ""), 0))
        report.checked = dict.fromkeys([*SEQ_TABLES, "module_versions", "people"], 0)
        head = int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM ledger").scalar() or 0)
        if workers > 1 and head >= PARALLEL_FROM and _may_start_processes():
            bounds = range_bounds(head, workers, page_size)
            # the first range also takes any row below seq 1; the anchor is checked in `_join`
            jobs = [
                (store.url, None if i == 0 else lo, hi, page_size, anchor.seq if anchor else None)
                for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
            ]
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=len(jobs), mp_context=context) as pool:
                parts = list(pool.map(_walk_range, jobs))
        else:
            parts = [_walk(conn, None, head, page_size, None, anchor)]
        part = _join(parts, report, anchor)
        if not report.chain.ok:
            return report
        _orphans(conn, report, head)
        _check_versions(conn, report, part.publications)
        _check_people(conn, report, part.roster, part.commitments, part.persons)
    return report


def _may_start_processes() -> bool:
    """Whether this process may have children (a daemonic worker may not)."""
    return not multiprocessing.current_process().daemon


def _walk_range(job: tuple[str, int | None, int, int, int | None]) -> _Part:
    """A worker process: `_walk` over seqs (lo, hi] of the database at `url`."""
    url, lo, hi, page_size, anchor_seq = job
    store = Store(url, create=False)
    try:
        with store.transaction() as conn:
            return _walk(conn, lo, hi, page_size, anchor_seq)
    finally:
        store.close()
        store.engine.dispose()


def _join(parts: list[_Part], report: VerifyReport, anchor: Head | None) -> _Part:
    """The parts in seq order as one walk: problems and counts up to the first broken link,
    and the anchor checked where one walk would check it (a part that holds the anchor's
    row says its stored hash; `verify_rows` has the same three outcomes)."""
    whole = _Part(Verdict(True, Head(0, GENESIS), 0), [], {}, {}, {}, set(), {})
    rows = 0
    for part in parts:
        if anchor is not None and part.anchor_hash not in (None, anchor.hash):
            report.chain = Verdict(
                False,
                Head(anchor.seq, str(part.anchor_hash)),
                rows + part.anchor_rows,
                anchor.seq,
                f"hash differs from the anchor {anchor} (history was rewritten)",
            )
            return whole
        report.problems += part.problems
        for table, n in part.checked.items():
            report.checked[table] = report.checked.get(table, 0) + n
        verdict = part.chain
        rows += verdict.rows
        if not verdict.ok:
            report.chain = Verdict(False, verdict.head, rows, verdict.bad_seq, verdict.reason)
            return whole
        report.chain = Verdict(True, verdict.head if verdict.rows else report.chain.head, rows)
        for person, fields in part.roster.items():  # later entries win, as in one walk
            whole.roster.setdefault(person, {}).update(fields)
        whole.commitments.update(part.commitments)
        whole.persons |= part.persons
        for key, at in part.publications.items():
            whole.publications.setdefault(key, at)
    end = report.chain.head
    if anchor is not None and anchor.seq > end.seq:
        report.chain = Verdict(
            False,
            end,
            rows,
            end.seq + 1,
            f"the ledger ends at seq {end.seq} but the anchor names seq {anchor.seq}: "
            "rows were cut off the end",
        )
    return whole


def _walk(
    conn: Connection,
    lo: int | None,
    hi: int,
    page_size: int,
    anchor_seq: int | None = None,
    anchor: Head | None = None,
) -> _Part:
    """Check the links of the rows with lo < seq <= hi (lo None: from the start) and compare
    the projections of each good page; a range starts from the stored hash of the last row
    at or below `lo`. `anchor` is checked by `verify_rows` (one walk of the whole chain);
    `anchor_seq` only notes the stored hash of that row for `_join` (a range)."""
    after = Head(0, GENESIS)
    if lo is not None:
        found = fetch_rows(
            conn, f"SELECT seq, hash FROM ledger WHERE seq <= {int(lo)} ORDER BY seq DESC LIMIT 1"
        )
        if found:
            after = Head(int(found[0][0]), str(found[0][1]))
    report = VerifyReport(Verdict(True, Head(0, ""), 0))
    report.checked = dict.fromkeys(SEQ_TABLES, 0)
    part = _Part(report.chain, report.problems, report.checked, {}, {}, set(), {})
    comparer = _Comparer(conn, report)
    roster, commitments, persons = part.roster, part.commitments, part.persons
    publications = part.publications
    expected: dict[str, list[tuple[Any, ...]]] = {}
    span: list[int] = []
    attempts: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    acks: list[tuple[Any, ...]] = []

    def fresh() -> None:
        expected.clear()
        attempts.clear()
        answers.clear()
        acks.clear()
        expected.update(attempts=attempts, attempt_answers=answers, acknowledgements=acks)

    fresh()

    def on_row(row: LedgerRow, body: dict[str, Any]) -> None:
        if not span:
            span.append(row.seq)
        if row.seq == anchor_seq:
            part.anchor_hash = row.hash
            part.anchor_rows = row.seq - after.seq - 1  # the good rows before it in the range
        if row.person_id:
            persons.add(row.person_id)
        kind = body.get("kind")
        if kind == "attempt":  # most of a large ledger: tuples, no dict per row
            attempts.append(attempt_row(row.seq, row.recorded_at, body))
            answers.extend(answer_rows(row.seq, body))
            return
        if kind == "ack":
            acks.append(ack_row(row.seq, row.recorded_at, body))
            return
        for table, prow in project(row.seq, row.recorded_at, body):
            if table == "module_versions":
                key = (prow["module"], prow["version"], prow["content_sha256"])
                publications.setdefault(key, prow["first_seen_at"])
            else:
                expected.setdefault(table, []).append(comparer.expect(table, prow))
        if kind == "roster" and row.person_id:
            state = roster.setdefault(row.person_id, {})
            state.update({k: str(v) for k, v in body.get("fields", {}).items()})
            commitments[row.person_id] = str(body.get("email_commitment"))

    def rows() -> Iterator[LedgerRow]:
        for page in _pages(conn, page_size, lo, hi):
            yield from page
            if span:  # every row of the page was good: compare its projections
                comparer.page(span[0], page[-1].seq, expected)
            fresh()
            span.clear()

    # Millions of short-lived tuples and dicts, none cyclic: the cyclic collector would scan
    # them over and over (~15% of the walk), so it pauses meanwhile, as in `due_report`.
    paused = gc.isenabled()
    gc.disable()
    try:
        part.chain = verify_rows(rows(), anchor, on_row, after)
    finally:
        if paused:
            gc.enable()
    return part


def _pages(conn: Connection, size: int, lo: int | None, hi: int) -> Iterator[list[LedgerRow]]:
    """The ledger rows with lo < seq <= hi (lo None: any seq up to hi), in seq order, in pages
    of the fixed seq windows (k·size, (k+1)·size]: one walk and the ranges of `verify_all`
    (which start on window bounds) compare the very same pages."""
    cols = ", ".join(LedgerRow._fields)
    make = LedgerRow._make
    start = lo if lo is not None else 0
    below = lo is None  # the first window also takes any row below seq 1
    while start < hi or below:
        end = min((start // size + 1) * size, hi)
        where = f"seq <= {end}" if below else f"seq > {int(start)} AND seq <= {int(end)}"
        below = False
        page = list(
            map(make, fetch_rows(conn, f"SELECT {cols} FROM ledger WHERE {where} ORDER BY seq"))
        )
        if page:
            yield page
        start = end


def range_bounds(head: int, workers: int, size: int) -> list[int]:
    """[0, b1, …, head]: `workers` contiguous seq ranges (b_i, b_i+1] cut on page windows."""
    cuts = {(head * n // workers) // size * size for n in range(1, workers)}
    return [0, *sorted(c for c in cuts if 0 < c < head), head]


def _orphans(conn: Connection, report: VerifyReport, head: int) -> None:
    """Projection rows past the head or with no seq at all: rows with no ledger entry."""
    for table in SEQ_TABLES:
        stray = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE seq IS NULL OR seq > {head}"
        ).scalar()
        if stray:
            seqs = [
                "none" if seq is None else str(seq)
                for (seq,) in conn.exec_driver_sql(
                    f"SELECT seq FROM {table} WHERE seq IS NULL OR seq > {head} "
                    "ORDER BY seq LIMIT 5"
                )
            ]
            more = ", …" if stray > len(seqs) else ""
            report.problems.append(
                f"{table}: {stray} row(s) with no ledger entry (seq {', '.join(seqs)}{more})"
            )


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
