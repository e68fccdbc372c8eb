"""Storage for issue 13 (0500 and up): workshop attendance and reminders sent.

Both are projections of ledger entries (`builder.ledger.projections`), append-only like the
others (migration `0501`):

- `attendance`: one row per `attendance` entry: pseudonymous person id, module and version,
  the session's date, the minutes attended. Whether it completes the workshop is decided at
  report time from the module's `min_minutes`.
- `reminders`: one row per `reminder` entry: a message sent to a person on one channel
  (`email` or `webhook`), `reminder` (their own items) or `digest` (a manager's reports'),
  with its items as canonical JSON. The message body is never stored.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def loop_tables(meta: sa.MetaData) -> None:
    """The `attendance` and `reminders` tables."""
    text = sa.Text
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "attendance",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("attendance_id", text, nullable=False, unique=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("module", text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("session_date", text, nullable=False),  # YYYY-MM-DD, the session's own day
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("attendance_person_module", "person_id", "module", "version"),
    )
    sa.Table(
        "reminders",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("reminder_id", text, nullable=False, unique=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("channel", text, nullable=False),  # email | webhook
        sa.Column("message", text, nullable=False),  # reminder | digest
        sa.Column("items", text, nullable=False),  # canonical JSON list
        sa.Column("as_of", text, nullable=False),  # YYYY-MM-DD the items were computed for
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("reminders_person", "person_id", "recorded_at"),
    )


def m0500_attendance_reminders(conn: Connection) -> None:
    """The attendance and reminders projections."""
    meta = sa.MetaData()
    loop_tables(meta)
    meta.create_all(conn)


LOOP_MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0500_attendance_reminders", m0500_attendance_reminders),
]

_META = sa.MetaData()
loop_tables(_META)
ATTENDANCE, REMINDERS = _META.tables["attendance"], _META.tables["reminders"]
