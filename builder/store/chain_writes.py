"""Ledger appends inside a caller's SQLAlchemy transaction: roster imports, publications,
migrations and the PostgreSQL writer all chain entries and insert their projections here.

The SQLite service writer has its own raw-sqlite3 hot path (`sqlite_append.py`); both chain
with `ledger.entries.chain_batch`, so both produce the same rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.ledger.chain import GENESIS, Head
from builder.ledger.entries import (
    Duplicate,
    PendingRecord,
    StoredRecord,
    _stored,
    chain_batch,
    new_person_id,
)

PG_LOCK_KEY = 7_205_115_001  # pg_advisory_xact_lock key for migrations and ledger appends


def utc_now() -> str:
    """Server time as stored: UTC, microseconds, trailing Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seen_people(emails: list[str], now: str) -> list[dict[str, Any]]:
    """`people` rows for emails the service meets before any roster names them."""
    return [
        {
            "person_id": new_person_id(),
            "email": e,
            "created_at": now,
            "updated_at": now,
            "roles": "[]",
            "source": "seen",
        }
        for e in emails
    ]


def ids_by_kind(batch: list[PendingRecord]) -> dict[str, list[str]]:
    """The batch's client ids grouped by record kind, sorted (one indexed query per kind)."""
    by_kind: dict[str, set[str]] = {}
    for rec in batch:
        by_kind.setdefault(rec.kind, set()).add(rec.client_id)
    return {kind: sorted(ids) for kind, ids in sorted(by_kind.items())}


def safe_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The shared keys of rows to insert, checked as SQL identifiers."""
    columns = list(rows[0])
    if any(not c.isidentifier() for c in columns) or any(list(r) != columns for r in rows):
        raise ValueError(f"rows to insert do not share safe column names: {columns}")
    return columns


def lock_for_writing(conn: Connection) -> None:
    """Serialise writers: PostgreSQL advisory lock (SQLite already began IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})


def head_of(conn: Connection) -> Head:
    """The last (seq, hash) of the chain, read in the caller's transaction."""
    row = conn.exec_driver_sql("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").first()
    return Head(int(row[0]), str(row[1])) if row else Head(0, GENESIS)


def insert_rows(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows that share their keys, with named parameters (any dialect)."""
    columns = safe_columns(rows)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )
    conn.execute(sa.text(sql), rows)


def resolve_people(conn: Connection, emails: set[str], now: str) -> dict[str, str]:
    """email -> person_id, adding a `seen` person for each email no roster named yet."""
    if not emails:
        return {}
    wanted = sorted(emails)
    select = sa.text("SELECT email, person_id FROM people WHERE email IN :emails").bindparams(
        sa.bindparam("emails", expanding=True)
    )
    found = {str(e): str(p) for e, p in conn.execute(select, {"emails": wanted})}
    missing = [e for e in wanted if e not in found]
    if missing:
        insert_rows(conn, "people", seen_people(missing, now))
        found.update({str(e): str(p) for e, p in conn.execute(select, {"emails": missing})})
    return found


def append_entries(
    conn: Connection, batch: list[PendingRecord], now: str | None = None
) -> list[StoredRecord | Duplicate]:
    """Chain `batch` after the head and insert ledger and projection rows, in `conn`'s transaction.

    The caller holds the write lock (`lock_for_writing`, or SQLite's BEGIN IMMEDIATE).
    """
    if not batch:
        return []
    existing: dict[tuple[str, str], StoredRecord] = {}
    select = sa.text("SELECT * FROM ledger WHERE kind = :kind AND client_id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    for kind, ids in ids_by_kind(batch).items():
        for row in conn.execute(select, {"kind": kind, "ids": ids}):
            existing[(row.kind, row.client_id)] = _stored(row)
    now = now or utc_now()
    people = resolve_people(conn, {r.email for r in batch if r.email}, now)
    counted = sorted({people[r.email] for r in batch if r.attempts_before is not None and r.email})
    attempts: dict[tuple[str, str], int] = {}
    if counted:
        select = sa.text(
            "SELECT person_id, module, count(*) FROM attempts WHERE person_id IN :ids "
            "GROUP BY person_id, module"
        ).bindparams(sa.bindparam("ids", expanding=True))
        for pid, module, count in conn.execute(select, {"ids": counted}):
            attempts[(pid, module)] = int(count)
    chained = chain_batch(batch, head_of(conn), existing, people, now, attempts)
    for table, rows in [("ledger", chained.ledger), *chained.projections.items()]:
        if rows:
            insert_rows(conn, table, rows)
    return chained.outcomes
