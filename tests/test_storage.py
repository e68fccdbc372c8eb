"""Storage: migrations, batch appends, group commit, a bad row in a batch, erasure."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from builder.ledger.chain import verify_rows
from builder.records.writer import GroupWriter, WriteFailed
from builder.store.database import Duplicate, PendingRecord, Store, StoredRecord
from builder.store.migrations import MIGRATIONS
from tests.records_support import manifest
from tests.test_ledger import pending


def test_migrations_are_recorded_and_run_once(store: Store):
    with store.transaction() as conn:
        names = [
            r[0] for r in conn.exec_driver_sql("SELECT name FROM schema_migrations ORDER BY name")
        ]
    assert names == sorted(name for name, _ in MIGRATIONS)
    assert store.migrate() == []


def test_a_batch_gets_consecutive_seqs_and_one_person(store: Store):
    out = store.append([pending(1), pending(2), pending(3, email=None)])
    assert [o.seq for o in out if isinstance(o, StoredRecord)] == [1, 2, 3]
    assert out[0].person_id == out[1].person_id is not None and out[2].person_id is None
    assert store.person("ann@example.com")["person_id"] == out[0].person_id


def test_a_client_id_is_stored_once(store: Store):
    first = store.append([pending(1)])[0]
    again = store.append([pending(1), pending(2), pending(2)])
    assert isinstance(again[0], Duplicate) and again[0].existing == first
    assert isinstance(again[1], StoredRecord) and again[1].seq == 2
    assert isinstance(again[2], Duplicate) and again[2].existing.seq == 2
    assert store.head().seq == 2


def test_the_writer_survives_a_bad_row_and_answers_everyone(store: Store):
    bad = PendingRecord(
        "feedback", "bad", "ann@example.com", "phishing", "0" * 64, {}, {"no_such_column": 1}
    )

    async def scenario() -> list[object]:
        writer = GroupWriter(store)
        writer.start()
        results = await asyncio.gather(
            *(writer.submit(r) for r in [pending(1), bad, pending(2), pending(3)]),
            return_exceptions=True,
        )
        later = await writer.submit(pending(4))
        await writer.stop()
        return [*results, later]

    results = asyncio.run(scenario())
    assert isinstance(results[1], WriteFailed)
    stored = [r for r in results if isinstance(r, StoredRecord)]
    assert sorted(r.client_id for r in stored) == ["id-1", "id-2", "id-3", "id-4"]
    assert verify_rows(store.iter_rows()).ok and store.head().seq == 4


def test_group_commit_stores_every_concurrent_submission(store: Store):
    async def scenario() -> list[StoredRecord | Duplicate]:
        writer = GroupWriter(store)
        writer.start()
        results = await asyncio.gather(*(writer.submit(pending(n)) for n in range(300)))
        await writer.stop()
        return results

    results = asyncio.run(scenario())
    assert sorted(r.seq for r in results if isinstance(r, StoredRecord)) == list(range(1, 301))
    assert verify_rows(store.iter_rows()).ok


def test_forget_erases_the_person_and_keeps_the_chain(store: Store):
    store.append([pending(1), pending(2)])
    assert store.forget("ann@example.com")
    assert store.person("ann@example.com") is None
    assert not store.forget("ann@example.com")
    assert verify_rows(store.iter_rows()).ok


def test_module_versions_remember_the_first_sighting(store: Store):
    store.record_module_versions(manifest())
    table = sa.table("module_versions", sa.column("module"), sa.column("first_seen_at"))
    with store.transaction() as conn:
        first = dict(conn.execute(sa.select(table.c.module, table.c.first_seen_at)).all())
    store.record_module_versions(manifest())
    with store.transaction() as conn:
        again = dict(conn.execute(sa.select(table.c.module, table.c.first_seen_at)).all())
    assert first == again and set(first) == set(manifest()["modules"])


def test_sqlite_runs_in_wal_with_full_sync(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/r.db")
    with s.transaction() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    s.close()
