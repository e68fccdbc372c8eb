"""The item-analysis read: every first attempt's per-question answers.

Moodle's quiz statistics use each person's first attempt only (later attempts are shaped by
the feedback of the earlier ones); first = the lowest ledger seq per person, module and version.
Reads the `attempt_answers` projection (written with each attempt).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.store.database import TABLES
from builder.store.queries import ANSWERS

ATTEMPTS = TABLES["attempts"]

# seq, module, version, question, chosen choice ids, right?
FirstAnswer = tuple[int, str, int, str, tuple[str, ...], bool]


def first_attempt_answers(
    conn: Connection, module: str | None = None, until: str | None = None
) -> list[FirstAnswer]:
    """Per-question answers of each person's first attempt at each module version, by seq.

    `until` (a stored UTC timestamp) keeps attempts recorded by then (reports as of a day).
    """
    attempts = sa.select(sa.func.min(ATTEMPTS.c.seq).label("seq"))
    if until is not None:
        attempts = attempts.where(ATTEMPTS.c.recorded_at <= until)
    by_person = (ATTEMPTS.c.person_id, ATTEMPTS.c.module, ATTEMPTS.c.version)
    first = attempts.group_by(*by_person).subquery()
    query = (
        sa.select(
            ANSWERS.c.seq,
            ANSWERS.c.module,
            ANSWERS.c.version,
            ANSWERS.c.question,
            ANSWERS.c.selected,
            ANSWERS.c.correct,
        )
        .join(first, first.c.seq == ANSWERS.c.seq)
        .order_by(ANSWERS.c.seq, ANSWERS.c.question)
    )
    if module:
        query = query.where(ANSWERS.c.module == module)
    return [
        (int(seq), m, int(v), q, tuple(s.split(";")) if s else (), bool(ok))
        for seq, m, v, q, s, ok in conn.execute(query)
    ]
