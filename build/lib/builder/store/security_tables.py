"""Storage for issue 15: link revocations and the pool of anonymous feedback (0300 and up).

- `link_revocations`: the projection of `link_revocation` ledger entries, one row per
  revocation: pseudonymous person id and the person's new link epoch. A person's current
  epoch is the highest here (0 without a row); a token made at another epoch is refused.
- `feedback_pool`: anonymous feedback waiting to enter the chain. A row holds the day it was
  sent (no finer time), the module, the body digest and the payload; the primary key is the
  client's random feedback id, so the table's order says nothing about arrival order.
  `release_feedback` moves every row from days before a cut-off into the ledger in one
  transaction, in a shuffled order, with `recorded_at` at midnight of the day it was sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.ledger.chain import GENESIS, Head
from builder.ledger.entries import PendingRecord, StoredRecord, chain_batch


def security_tables(meta: sa.MetaData) -> None:
    """The tables issue 15 adds."""
    text = sa.Text
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "link_revocations",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("revocation_id", text, nullable=False, unique=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("reason", text, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("link_revocations_person", "person_id", "epoch"),
    )
    sa.Table(
        "feedback_pool",
        meta,
        sa.Column("feedback_id", text, primary_key=True),
        sa.Column("day", text, nullable=False),  # YYYY-MM-DD (UTC), nothing finer
        sa.Column("module", text, nullable=False),
        sa.Column("body_sha256", text, nullable=False),
        sa.Column("payload", text, nullable=False),
        sa.Column("projection", text, nullable=False),
    )


def m0300_security(conn: Connection) -> None:
    """link_revocations and feedback_pool."""
    meta = sa.MetaData()
    security_tables(meta)
    meta.create_all(conn)


SECURITY_MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0300_security", m0300_security),
]

_META = sa.MetaData()
security_tables(_META)
POOL = _META.tables["feedback_pool"]
LINK_STATE_SQL = (
    "SELECT p.person_id, (SELECT MAX(r.epoch) FROM link_revocations r "
    "WHERE r.person_id = p.person_id) FROM people p WHERE p.email = :email"
)


def day_stamp(day: str) -> str:
    """Midnight UTC of `day` (YYYY-MM-DD) in the ledger's time format."""
    return f"{day}T00:00:00.000000Z"


def pooled_record(row: Any) -> StoredRecord:
    """A pool row as a StoredRecord without a seq or hash (seq 0, hash empty)."""
    return StoredRecord(
        0,
        "feedback",
        row.feedback_id,
        day_stamp(row.day),
        None,
        row.body_sha256,
        json.loads(row.payload),
        "",
    )


def pool_insert(conn: Connection, record: PendingRecord, day: str) -> StoredRecord | None:
    """Add anonymous feedback to the pool; None when new, else the row already pooled."""
    found = conn.execute(sa.select(POOL).where(POOL.c.feedback_id == record.client_id)).first()
    if found is not None:
        return pooled_record(found)
    conn.execute(
        POOL.insert(),
        {
            "feedback_id": record.client_id,
            "day": day,
            "module": record.module,
            "body_sha256": record.body_sha256,
            "payload": json.dumps(record.payload, sort_keys=True),
            "projection": json.dumps(record.projection, sort_keys=True),
        },
    )
    return None


def pool_release(
    conn: Connection,
    before_day: str,
    head: Head | None,
    insert: Callable[[str, list[dict[str, Any]]], None],
) -> int:
    """Chain every pooled row of a day before `before_day`, shuffled; delete them; the count.

    `head` is the chain head read in this (write-locked) transaction; `insert(table, rows)`
    writes rows. Rows keep `recorded_at` = midnight of their day, so neither their time nor
    their place in the chain says when, within the day, they were sent.
    """
    rows = conn.execute(sa.select(POOL).where(POOL.c.day < before_day)).all()
    if not rows:
        return 0
    shuffled = list(rows)
    secrets.SystemRandom().shuffle(shuffled)
    current = head or Head(0, GENESIS)
    for day in sorted({r.day for r in shuffled}):
        batch = [
            PendingRecord(
                "feedback",
                r.feedback_id,
                None,
                r.module,
                r.body_sha256,
                json.loads(r.payload),
                json.loads(r.projection),
            )
            for r in shuffled
            if r.day == day
        ]
        chained = chain_batch(batch, current, {}, {}, day_stamp(day))
        for table, table_rows in [("ledger", chained.ledger), *chained.projections.items()]:
            if table_rows:
                insert(table, table_rows)
        last = chained.ledger[-1]
        current = Head(last["seq"], last["hash"])
    conn.execute(sa.delete(POOL).where(POOL.c.day < before_day))
    return len(rows)
