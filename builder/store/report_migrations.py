"""The reports' migrations (0100 and up, after the records service's own).

- `0100_roster`: a `note` column on `people` (the reason for leave or exemption) and
  `roster_history`, one row per changed field per import, with the date it took effect.
- `0101_report_indexes`: covering indexes for "latest pass / acknowledgement per person,
  module and version" (the due query aggregates in SQL over these) and `ledger.recorded_at`
  for export windows.
- `0102_answers`: `attempt_answers`, one row per attempt and question (choices chosen, right or
  wrong), projected with each attempt (`ledger.projections`).
- `0103_people_title_manager`: `people.title` and `people.manager_email` (the roster's job title
  and the manager's normalised email), tracked with history like the other roster fields.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def report_tables(meta: sa.MetaData) -> None:
    """The tables the reports own."""
    text = sa.Text
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "roster_history",
        meta,
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("field", text, nullable=False),
        sa.Column("old_value", text, nullable=False),
        sa.Column("new_value", text, nullable=False),
        sa.Column("effective_on", text, nullable=False),  # ISO date the change took effect
        sa.Column("changed_at", text, nullable=False),  # UTC time of the import
        sa.Index("roster_history_person", "person_id", "field"),
    )
    sa.Table(
        "attempt_answers",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("question", text, primary_key=True),
        sa.Column("module", text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("selected", text, nullable=False),  # chosen choice ids, sorted, ';'-joined
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Index("attempt_answers_question", "module", "version", "question"),
    )


def m0100_roster(conn: Connection) -> None:
    """people.note and roster_history."""
    conn.exec_driver_sql("ALTER TABLE people ADD COLUMN note TEXT")
    meta = sa.MetaData()
    report_tables(meta)
    meta.tables["roster_history"].create(conn)


def m0101_report_indexes(conn: Connection) -> None:
    """Covering indexes for the due query and a time index for exports."""
    for ddl in (
        "CREATE INDEX attempts_latest_pass ON attempts "
        "(person_id, module, version, passed, recorded_at)",
        "CREATE INDEX acks_latest ON acknowledgements (person_id, module, version, recorded_at)",
        "CREATE INDEX ledger_recorded_at ON ledger (recorded_at)",
    ):
        conn.exec_driver_sql(ddl)


def m0102_answers(conn: Connection) -> None:
    """The per-question answers projection."""
    meta = sa.MetaData()
    report_tables(meta)
    meta.tables["attempt_answers"].create(conn)


def m0103_people_title_manager(conn: Connection) -> None:
    """people.title and people.manager_email."""
    conn.exec_driver_sql("ALTER TABLE people ADD COLUMN title TEXT")
    conn.exec_driver_sql("ALTER TABLE people ADD COLUMN manager_email TEXT")


REPORT_MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0100_roster", m0100_roster),
    ("0101_report_indexes", m0101_report_indexes),
    ("0102_answers", m0102_answers),
    ("0103_people_title_manager", m0103_people_title_manager),
]
