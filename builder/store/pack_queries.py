"""The evidence pack's reads: the ledger entries of a window, and acknowledgements by version."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from builder.store.database import Store
from builder.store.queries import ACKS, LEDGER, PEOPLE

PACK_KINDS = ("attempt", "ack", "attendance", "reminder")


def window_entries(store: Store, since: str, until: str) -> list[dict[str, Any]]:
    """Ledger entries of the kinds in `PACK_KINDS` with `since <= recorded_at <= until` (UTC
    text), in seq order: the ledger columns (seq, kind, client_id, recorded_at, person_id,
    payload decoded, prev_hash, hash) and the person's email, name and department (None once
    forgotten)."""
    query = (
        sa.select(
            LEDGER.c.seq, LEDGER.c.kind, LEDGER.c.client_id, LEDGER.c.recorded_at,
            LEDGER.c.person_id, LEDGER.c.payload, LEDGER.c.prev_hash, LEDGER.c.hash,
            PEOPLE.c.email, PEOPLE.c.name, PEOPLE.c.department,
        )
        .select_from(LEDGER.outerjoin(PEOPLE, PEOPLE.c.person_id == LEDGER.c.person_id))
        .where(
            LEDGER.c.kind.in_(PACK_KINDS),
            LEDGER.c.recorded_at >= since,
            LEDGER.c.recorded_at <= until,
        )
        .order_by(LEDGER.c.seq)
    )  # fmt: skip
    with store.transaction() as conn:
        rows = conn.execute(query).mappings().all()
    return [dict(r, payload=json.loads(r["payload"])) for r in rows]


def acknowledgements_until(store: Store, until: str) -> list[dict[str, Any]]:
    """Every acknowledgement recorded by `until`, in seq order, with the person's email, name
    and department: seq, module, version, statement_sha256, recorded_at, email, name,
    department."""
    query = (
        sa.select(
            ACKS.c.seq, ACKS.c.module, ACKS.c.version, ACKS.c.statement_sha256,
            ACKS.c.recorded_at, PEOPLE.c.email, PEOPLE.c.name, PEOPLE.c.department,
        )
        .select_from(ACKS.outerjoin(PEOPLE, PEOPLE.c.person_id == ACKS.c.person_id))
        .where(ACKS.c.recorded_at <= until)
        .order_by(ACKS.c.seq)
    )  # fmt: skip
    with store.transaction() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
