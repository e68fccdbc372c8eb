"""Storage for campaigns (issue 18): the projections of `assignment` and `assignment_cancel`.

- `assignments`: one row per campaign (`assignment` entry): id, modules (`;`-joined), due
  date, reason, who assigned it, the organisation's day, how the population was chosen and
  its size.
- `assignment_people`: one row per person of a campaign (pseudonymous id only).
- `assignment_cancels`: one row per cancellation (`assignment_cancel` entry).

All three are append-only like every projection (`records verify` re-derives them);
`projection_counts` gives the cheap count checks every report runs first.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

CAMPAIGN_TABLES = ("assignments", "assignment_people", "assignment_cancels")


def campaign_tables(meta: sa.MetaData) -> None:
    """The tables issue 18 adds (times are UTC text, days ISO dates)."""
    text = sa.Text
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "assignments",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("campaign_id", text, nullable=False, unique=True),
        sa.Column("modules", text, nullable=False),
        sa.Column("due_on", text, nullable=False),
        sa.Column("reason", text, nullable=False),
        sa.Column("assigned_by", text, nullable=False),
        sa.Column("assigned_on", text, nullable=False),
        sa.Column("selector", text, nullable=False),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
    )
    sa.Table(
        "assignment_people",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("person_id", text, primary_key=True),
        sa.Column("campaign_id", text, nullable=False),
        sa.Index("assignment_people_person", "person_id"),
    )
    sa.Table(
        "assignment_cancels",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("campaign_id", text, nullable=False, unique=True),
        sa.Column("reason", text, nullable=False),
        sa.Column("cancelled_by", text, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
    )


def m0800_campaigns(conn: Connection) -> None:
    """assignments, assignment_people and assignment_cancels, append-only."""
    from builder.store.migrations import _append_only  # migrations lists this module's step

    meta = sa.MetaData()
    campaign_tables(meta)
    meta.create_all(conn)
    _append_only(conn, CAMPAIGN_TABLES)


CAMPAIGN_MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0800_campaigns", m0800_campaigns),
]


def projection_counts(conn: Connection, entries: dict[str, int]) -> list[tuple[str, int, str]]:
    """(table, rows the entries project, SQL counting the stored rows) for the campaign tables.

    `entries` is the ledger's count per kind; the people count comes from the entries'
    payloads (campaigns are few, so reading them is cheap).
    """
    people = 0
    for (payload,) in conn.exec_driver_sql(
        "SELECT payload FROM ledger WHERE kind = 'assignment' ORDER BY seq"
    ):
        people += len(json.loads(payload).get("people") or ())
    return [
        ("assignments", entries.get("assignment", 0), "SELECT count(*) FROM assignments"),
        ("assignment_people", people, "SELECT count(*) FROM assignment_people"),
        (
            "assignment_cancels",
            entries.get("assignment_cancel", 0),
            "SELECT count(*) FROM assignment_cancels",
        ),
    ]
