"""Named, ordered schema migrations, recorded in `schema_migrations`; SQLite and PostgreSQL.

Each migration runs once, in order, inside one transaction that holds the database's write
lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), so several workers starting at
once migrate exactly once. Never edit a released migration: add the next one.

Tables (times are UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ`, which sorts as time does):

- `ledger`: the hash chain (see `ledger.py`); UPDATE, DELETE (and TRUNCATE) refused by triggers.
- `people`: personal data keyed by a random pseudonymous `person_id`; erasable.
- `attempts`, `acknowledgements`, `feedback`: typed projections of ledger rows for reports,
  written in the same transaction as the ledger row (rebuildable from the ledger).
- `module_versions`: when each (module, version, content) was first served.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.store.campaign_tables import CAMPAIGN_MIGRATIONS  # issue 18: 0800 and up
from builder.store.chain_writes import lock_for_writing, utc_now
from builder.store.loop_tables import LOOP_MIGRATIONS  # issue 13: 0500 and up
from builder.store.report_migrations import REPORT_MIGRATIONS  # reports own 0100 and up
from builder.store.security_tables import SECURITY_MIGRATIONS  # issue 15: 0300 and up


def _v1_tables(meta: sa.MetaData) -> None:
    text, big = sa.Text, sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        "ledger",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("client_id", text, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
        sa.Column("person_id", text),
        sa.Column("module", text),
        sa.Column("body_sha256", text, nullable=False),
        sa.Column("payload", text, nullable=False),
        sa.Column("prev_hash", text, nullable=False),
        sa.Column("hash", text, nullable=False),
        sa.UniqueConstraint("kind", "client_id", name="ledger_client_id"),
    )
    sa.Table(
        "people",
        meta,
        sa.Column("person_id", text, primary_key=True),
        sa.Column("email", text, nullable=False, unique=True),
        sa.Column("name", text),
        sa.Column("department", text),
        sa.Column("roles", text, nullable=False, server_default="[]"),  # JSON list of role ids
        sa.Column("start_date", text),
        sa.Column("end_date", text),
        sa.Column("status", text),
        sa.Column("employment", text),
        sa.Column("source", text, nullable=False, server_default="seen"),  # roster | seen
        sa.Column("created_at", text, nullable=False),
        sa.Column("updated_at", text, nullable=False),
    )
    sa.Table(
        "attempts",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("attempt_id", text, nullable=False, unique=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("module", text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_sha256", text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("started_at", text),
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("attempts_person_module", "person_id", "module"),
        sa.Index("attempts_module_version", "module", "version"),
    )
    sa.Table(
        "acknowledgements",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("ack_id", text, nullable=False, unique=True),
        sa.Column("person_id", text, nullable=False),
        sa.Column("module", text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("statement_sha256", text, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("acks_person_module", "person_id", "module"),
    )
    sa.Table(
        "feedback",
        meta,
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("feedback_id", text, nullable=False, unique=True),
        sa.Column("person_id", text),  # NULL when anonymous
        sa.Column("module", text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("text", text, nullable=False),
        sa.Column("recorded_at", text, nullable=False),
        sa.Index("feedback_module", "module"),
    )
    sa.Table(
        "module_versions",
        meta,
        sa.Column("module", text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("content_sha256", text, primary_key=True),
        sa.Column("first_seen_at", text, nullable=False),
    )


_SQLITE_GUARDS = [
    f"CREATE TRIGGER ledger_no_{op.lower()} BEFORE {op} ON ledger "
    f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {op} refused'); END"
    for op in ("UPDATE", "DELETE")
]
_PG_GUARDS = [
    """CREATE FUNCTION trustpath_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION USING MESSAGE = 'ledger is append-only: ' || TG_OP || ' refused';
       END $$""",
    "CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON ledger "
    "FOR EACH ROW EXECUTE FUNCTION trustpath_ledger_append_only()",
    "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger "
    "FOR EACH STATEMENT EXECUTE FUNCTION trustpath_ledger_append_only()",
    # The owner keeps its rights (triggers still refuse); any other role only reads and appends.
    "REVOKE UPDATE, DELETE, TRUNCATE ON ledger FROM PUBLIC",
]


def m0001_tables(conn: Connection) -> None:
    """Ledger, people, projections and module versions."""
    meta = sa.MetaData()
    _v1_tables(meta)
    meta.create_all(conn)


def m0002_ledger_append_only(conn: Connection) -> None:
    """Triggers refusing UPDATE and DELETE on the ledger (and TRUNCATE on PostgreSQL)."""
    guards = _PG_GUARDS if conn.dialect.name == "postgresql" else _SQLITE_GUARDS
    for ddl in guards:
        conn.exec_driver_sql(ddl)


APPEND_ONLY = ("attempts", "acknowledgements", "feedback", "roster_history", "module_versions")


def _append_only(conn: Connection, tables: tuple[str, ...]) -> None:
    """Triggers refusing UPDATE and DELETE (and TRUNCATE) on projections; PostgreSQL rights."""
    for table in tables:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION trustpath_ledger_append_only()"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION trustpath_ledger_append_only()"
            )
            conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
        else:
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} is a projection of the ledger: {op} refused'); "
                    "END"
                )


def m0301_link_revocations_append_only(conn: Connection) -> None:
    """`link_revocations` is a projection of `link_revocation` entries: append-only too."""
    _append_only(conn, ("link_revocations",))


def m0200_chain_everything(conn: Connection) -> None:
    """Every table a report reads becomes a projection of the ledger.

    - `people.salt` (hex of 16 random bytes) for the email commitment of `roster` entries;
    - `roster_history.seq`: the `roster` entry a history row projects;
    - roster history and module versions recorded before this migration become `roster` and
      `publication` entries (the original times kept as `imported_at` / `first_seen_at`), and
      the old rows are re-projected from them; a name is never chained, so name rows go;
    - the projections become append-only like the ledger (triggers; on PostgreSQL, rights).
    """
    from builder.store.chain_migration import chain_legacy_rows  # needs this schema

    conn.exec_driver_sql("ALTER TABLE people ADD COLUMN salt TEXT")
    conn.exec_driver_sql("ALTER TABLE roster_history ADD COLUMN seq BIGINT")
    conn.exec_driver_sql("CREATE INDEX roster_history_seq ON roster_history (seq)")
    chain_legacy_rows(conn)
    _append_only(conn, APPEND_ONLY)


def m0501_attendance_reminders_append_only(conn: Connection) -> None:
    """`attendance` and `reminders` are projections of ledger entries: append-only too."""
    _append_only(conn, ("attendance", "reminders"))


# `attempt_answers` is projected with each attempt (item analysis reads it) but was left out
# of 0200's triggers: an UPDATE there rewrote `records questions` without the owner's rights.
ANSWERS_APPEND_ONLY = ("attempt_answers",)


def m0510_attempt_answers_append_only(conn: Connection) -> None:
    """`attempt_answers`, a projection of `attempt` entries, is append-only like the rest."""
    _append_only(conn, ANSWERS_APPEND_ONLY)


def m0502_passes_index(conn: Connection) -> None:
    """The due query's passes: a partial covering index over passing attempts only.

    `load_completions` asks for each (person, module, version) its latest pass; the index of
    0101 covered every attempt, so the GROUP BY also stepped over the failed ones (about two
    thirds of the rows at the bench's 1,000,000). Both databases support partial indexes.
    """
    conn.exec_driver_sql("DROP INDEX IF EXISTS attempts_latest_pass")
    conn.exec_driver_sql(
        "CREATE INDEX attempts_passes ON attempts "
        "(person_id, module, version, recorded_at, passed) WHERE passed"
    )


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_tables", m0001_tables),
    ("0002_ledger_append_only", m0002_ledger_append_only),
    *REPORT_MIGRATIONS,
    ("0200_chain_everything", m0200_chain_everything),
    *SECURITY_MIGRATIONS,
    ("0301_link_revocations_append_only", m0301_link_revocations_append_only),
    *CAMPAIGN_MIGRATIONS,
    *LOOP_MIGRATIONS,
    ("0501_attendance_reminders_append_only", m0501_attendance_reminders_append_only),
    ("0502_passes_index", m0502_passes_index),
    ("0510_attempt_answers_append_only", m0510_attempt_answers_append_only),
]


def apply_migrations(conn: Connection) -> list[str]:
    """Apply the missing migrations in order, in the caller's transaction; their names."""
    lock_for_writing(conn)
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {r[0] for r in conn.exec_driver_sql("SELECT name FROM schema_migrations")}
    applied = []
    for name, migrate in MIGRATIONS:
        if name in done:
            continue
        migrate(conn)
        conn.execute(
            sa.text("INSERT INTO schema_migrations (name, applied_at) VALUES (:n, :t)"),
            {"n": name, "t": utc_now()},
        )
        applied.append(name)
    return applied
