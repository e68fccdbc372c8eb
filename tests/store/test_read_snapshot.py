"""A read transaction sees one snapshot on both databases, so a report's guard
(`check_projections`) never counts entries and rows at two moments while submissions are
being written (on PostgreSQL, READ COMMITTED refused dashboards built under load)."""

from __future__ import annotations

import sqlalchemy as sa

from builder.store.database import Store
from builder.store.queries import check_projections

COUNT = sa.text("SELECT count(*) FROM module_versions")
INSERT = sa.text(
    "INSERT INTO module_versions (module, version, content_sha256, first_seen_at)"
    " VALUES ('phishing', 99, 'x', '2026-01-01T00:00:00.000000Z')"
)


def test_a_read_transaction_sees_one_snapshot(database_url: str) -> None:
    store = Store(database_url)
    other = sa.create_engine(database_url)
    try:
        store.migrate()
        with store.transaction() as conn:
            check_projections(conn)  # the guard reads first: the snapshot is taken
            before = conn.execute(COUNT).scalar()
            with other.begin() as writer:  # another connection commits meanwhile
                writer.execute(INSERT)
            assert conn.execute(COUNT).scalar() == before
            check_projections(conn)  # still consistent within the transaction
        with store.transaction() as conn:  # a new transaction sees the new row
            assert conn.execute(COUNT).scalar() == before + 1
    finally:
        other.dispose()
        store.close()
