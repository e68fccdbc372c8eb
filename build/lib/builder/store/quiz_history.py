"""What the quiz rules read on the hot path: a person's attempts at one module.

Two indexed reads (`attempts_person_module`, the ledger's primary key) for the records
service's draw and attempt checks: how many attempts the person has made at the module, and
the last few of them with their payloads (which carry the service's `graded_at` time).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from builder.store.database import TABLES, Store

ATTEMPTS, PEOPLE, LEDGER = TABLES["attempts"], TABLES["people"], TABLES["ledger"]


@dataclass(frozen=True)
class QuizHistory:
    """`count`: every attempt of the person at the module (all versions); `recent`: the last
    ones, oldest first, as (recorded_at, passed, payload JSON text)."""

    count: int
    recent: list[tuple[str, bool, str]]


def quiz_history(store: Store, email: str, module: str, last: int) -> QuizHistory:
    """The person's attempt count at `module` and their `last` attempts (oldest first)."""
    mine = sa.and_(
        ATTEMPTS.c.person_id == PEOPLE.c.person_id,
        PEOPLE.c.email == email,
        ATTEMPTS.c.module == module,
    )
    with store.transaction() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(ATTEMPTS).join(PEOPLE, mine)
        ).scalar_one()
        rows = (
            conn.execute(
                sa.select(ATTEMPTS.c.recorded_at, ATTEMPTS.c.passed, LEDGER.c.payload)
                .select_from(ATTEMPTS)
                .join(PEOPLE, mine)
                .join(LEDGER, LEDGER.c.seq == ATTEMPTS.c.seq)
                .order_by(ATTEMPTS.c.seq.desc())
                .limit(max(last, 1))
            ).all()
            if count
            else []
        )
    return QuizHistory(int(count), [(r[0], bool(r[1]), r[2]) for r in reversed(rows)])
