"""Reminders sent: appending `reminder` entries, and reading them back (dedup, evidence)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from builder.ledger.entries import Duplicate, PendingRecord, StoredRecord
from builder.store.chain_writes import append_entries, lock_for_writing
from builder.store.database import Store
from builder.store.loop_tables import REMINDERS
from builder.store.queries import PEOPLE

SentRow = tuple[str, str, str, str, list[dict[str, Any]]]  # email, person, kind, channel, items


def record_reminder(store: Store, entry: PendingRecord) -> StoredRecord:
    """Append one `reminder` entry (one message sent) in its own transaction; the stored row.

    One transaction per message, right after it went: a run that dies half-way has recorded
    exactly the messages that were sent.
    """
    with store.transaction(write=True) as conn:
        lock_for_writing(conn)
        (outcome,) = append_entries(conn, [entry])
    return outcome.existing if isinstance(outcome, Duplicate) else outcome


def reminders_since(store: Store, since: str) -> list[SentRow]:
    """Reminders recorded at or after `since` (UTC text): (recipient email, person id,
    message kind, channel, items), oldest first. Recipients forgotten since are left out."""
    r = REMINDERS.c
    query = (
        sa.select(PEOPLE.c.email, r.person_id, r.message, r.channel, r["items"])
        .select_from(REMINDERS.join(PEOPLE, PEOPLE.c.person_id == r.person_id))
        .where(r.recorded_at >= since)
        .order_by(r.seq)
    )
    with store.transaction() as conn:
        rows = conn.execute(query).all()
    return [(str(e), str(p), str(k), str(c), json.loads(i)) for e, p, k, c, i in rows]


def reminder_records(store: Store, since: str, until: str) -> list[dict[str, Any]]:
    """Reminders recorded in `since..until` (inclusive, UTC text) with the recipient's email,
    in seq order: seq, recorded_at, email, channel, message, as_of, items (JSON text)."""
    r = REMINDERS.c
    columns = (r.seq, r.recorded_at, PEOPLE.c.email, r.channel, r.message, r.as_of, r["items"])
    query = (
        sa.select(*columns)
        .select_from(REMINDERS.outerjoin(PEOPLE, PEOPLE.c.person_id == r.person_id))
        .where(r.recorded_at >= since, r.recorded_at <= until)
        .order_by(r.seq)
    )
    with store.transaction() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]
