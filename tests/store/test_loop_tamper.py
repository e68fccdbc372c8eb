"""The attendance and reminders projections on SQLite and PostgreSQL: written with their
ledger entries, re-derived by `records verify`, append-only, and guarded by the reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from builder.store.database import Store
from tests.loop_data import AS_OF, loop_setup, run

TAMPER = {
    "attendance": (
        "INSERT INTO attendance (seq, attendance_id, person_id, module, version, session_date,"
        " minutes, recorded_at) SELECT seq + 100000, 'forged', person_id, module, version,"
        " session_date, 90, recorded_at FROM attendance WHERE minutes < 45",
        "UPDATE attendance SET minutes = 90 WHERE minutes < 45",
        "DELETE FROM attendance WHERE minutes >= 45",
    ),
    "reminders": (
        "INSERT INTO reminders (seq, reminder_id, person_id, channel, message, items, as_of,"
        " recorded_at) SELECT seq + 100000, 'forged', person_id, channel, message, items,"
        " as_of, recorded_at FROM reminders",
        "UPDATE reminders SET channel = 'webhook'",
        "DELETE FROM reminders",
    ),
}


@pytest.fixture
def loop(database_url: str, tmp_path: Path) -> tuple[Path, Store]:
    root, url, _, _ = loop_setup(tmp_path, database_url)
    store = Store(url)
    yield root, store
    store.close()


def unguard(store: Store, table: str) -> None:
    with store.transaction(write=True) as conn:
        if store.kind == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def test_attendance_and_reminders_are_projected_and_verified(loop: tuple[Path, Store]) -> None:
    root, store = loop
    result = run(root, store.url, "verify")
    assert result.exit_code == 0, result.output
    assert "attendance 2" in result.output and "reminders 1" in result.output
    due = run(root, store.url, "due", "--as-of", AS_OF, "--format", "json")
    assert due.exit_code == 0, due.output


@pytest.mark.parametrize("table", sorted(TAMPER))
@pytest.mark.parametrize("operation", [0, 1, 2], ids=["insert", "update", "delete"])
def test_tampering_makes_verify_fail_naming_the_table(
    loop: tuple[Path, Store], table: str, operation: int
) -> None:
    root, store = loop
    unguard(store, table)
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql(TAMPER[table][operation])
    result = run(root, store.url, "verify")
    assert result.exit_code == 1, result.output
    problems = result.output.splitlines()[2:]
    assert problems and all(line.strip().startswith(table) for line in problems), result.output
    checked = run(root, store.url, "due", "--as-of", AS_OF, "--verify")
    assert checked.exit_code == 1 and table in checked.output
    if operation != 1:  # a row more or less: the reports' cheap check refuses too
        due = run(root, store.url, "due", "--as-of", AS_OF)
        assert due.exit_code == 1 and f"the {table} table no longer matches" in due.output


@pytest.mark.parametrize("table", sorted(TAMPER))
def test_the_projections_refuse_update_and_delete(loop: tuple[Path, Store], table: str) -> None:
    _, store = loop
    column = "version" if table == "attendance" else "channel"
    for sql in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
        refused = pytest.raises(sa.exc.DBAPIError, match=r"refused|projection|append-only")
        with refused, store.transaction(write=True) as conn:
            conn.exec_driver_sql(sql)
