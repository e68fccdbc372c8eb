"""The SQLite ledger writer's hot path: a batch appended on a raw sqlite3 connection.

The sqlite3 module releases and retakes the GIL around every step; under load the event loop
thread holds it, so each retake can wait a switch interval. So this path uses no ORM, one
query per lookup, one multi-row INSERT per table, then COMMIT. PostgreSQL appends go through
SQLAlchemy in `storage.Store.append`; both chain rows with `entries.chain_batch`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from builder.ledger.chain import GENESIS, Head
from builder.ledger.entries import (
    Duplicate,
    PendingRecord,
    StoredRecord,
    chain_batch,
)
from builder.store.chain_writes import ids_by_kind, safe_columns, seen_people, utc_now

HEAD_SQL = "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
FIND_ANY_SQL = (
    "SELECT seq, kind, client_id, recorded_at, person_id, body_sha256, payload, hash "
    "FROM ledger WHERE kind = ? AND client_id IN"
)
MAX_PARAMS = 30_000  # SQLite's default limit is 32,766 bound parameters a statement


def open_writer(database: str) -> sqlite3.Connection:
    """The ledger writer's own connection: autocommit mode, WAL, synchronous=FULL."""
    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def append_batch(
    conn: sqlite3.Connection, batch: list[PendingRecord]
) -> list[StoredRecord | Duplicate]:
    """Chain and insert a batch in one IMMEDIATE transaction; raises if any row fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(HEAD_SQL).fetchone()
        head = Head(row[0], row[1]) if row else Head(0, GENESIS)
        existing: dict[tuple[str, str], StoredRecord] = {}
        for kind, ids in ids_by_kind(batch).items():
            marks = ", ".join("?" * len(ids))
            for r in conn.execute(f"{FIND_ANY_SQL} ({marks})", (kind, *ids)):
                existing[(r[1], r[2])] = stored_row(r)
        emails = sorted({r.email for r in batch if r.email})
        people = _people(conn, emails) if emails else {}
        counted = sorted(
            {people[r.email] for r in batch if r.attempts_before is not None and r.email}
        )
        attempts: dict[tuple[str, str], int] = {}
        if counted:
            marks = ", ".join("?" * len(counted))
            for pid, module, count in conn.execute(
                "SELECT person_id, module, count(*) FROM attempts "
                f"WHERE person_id IN ({marks}) GROUP BY person_id, module",
                counted,
            ):
                attempts[(pid, module)] = int(count)
        chained = chain_batch(batch, head, existing, people, utc_now(), attempts)
        for table, rows in [("ledger", chained.ledger), *chained.projections.items()]:
            if rows:
                insert_values(conn, table, rows)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return chained.outcomes


def _people(conn: sqlite3.Connection, emails: list[str]) -> dict[str, str]:
    """email -> person_id, adding a `seen` person for each email no roster named yet."""
    select = f"SELECT email, person_id FROM people WHERE email IN ({', '.join('?' * len(emails))})"
    found: dict[str, str] = dict(conn.execute(select, emails).fetchall())
    missing = [e for e in emails if e not in found]
    if missing:
        insert_values(
            conn, "people", seen_people(missing, utc_now()), " ON CONFLICT (email) DO NOTHING"
        )
        found = dict(conn.execute(select, emails).fetchall())
    return found


def stored_row(row: Any) -> StoredRecord:
    """A StoredRecord from a row shaped like `FIND_ANY_SQL` selects it."""
    return StoredRecord(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7])


def insert_values(
    conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]], suffix: str = ""
) -> None:
    """Insert rows as multi-row `INSERT … VALUES (…), (…)`: one step per statement."""
    columns = safe_columns(rows)
    per_statement = max(1, MAX_PARAMS // len(columns))
    group = "(" + ", ".join("?" * len(columns)) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = ", ".join([group] * len(chunk))
        params = [row[c] for row in chunk for c in columns]
        conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}{suffix}", params)
