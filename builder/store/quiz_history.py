"""What the quiz rules read on the hot path: a person's attempts at one module.

Two indexed reads (`attempts_person_module`, the ledger's primary key) for the records
service's draw and attempt checks: how many attempts the person has made at the module, and
the last few of them with their payloads (which carry the service's `graded_at` time).
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.store.database import Store


@dataclass(frozen=True)
class QuizHistory:
    """`count`: every attempt of the person at the module (all versions); `recent`: the last
    ones, oldest first, as (recorded_at, passed, payload JSON text)."""

    count: int
    recent: list[tuple[str, bool, str]]


_HISTORY_SQL = (
    "SELECT a.recorded_at, a.passed, l.payload FROM attempts a "
    "JOIN people p ON p.person_id = a.person_id "
    "JOIN ledger l ON l.seq = a.seq "
    "WHERE p.email = :email AND a.module = :module ORDER BY a.seq DESC"
)
_COUNT_SQL = (
    "SELECT count(*) FROM attempts a JOIN people p ON p.person_id = a.person_id "
    "WHERE p.email = :email AND a.module = :module"
)


def quiz_history(store: Store, email: str, module: str, last: int) -> QuizHistory:
    """The person's attempt count at `module` and their `last` attempts (oldest first).

    Read on every attempt and draw: constant SQL on the store's hot-path reader.
    """
    params = {"email": email, "module": module}
    count = int(store.hot_rows(_COUNT_SQL, params)[0][0])
    if not count:
        return QuizHistory(0, [])
    rows = store.hot_rows(f"{_HISTORY_SQL} LIMIT {max(int(last), 1)}", params)
    return QuizHistory(count, [(str(r[0]), bool(r[1]), str(r[2])) for r in reversed(rows)])
