"""Tampering behind the service's back: every projection is re-derived by `records verify`.

For each table other than the ledger, an INSERT, an UPDATE and a DELETE made directly in the
database (triggers switched off first, as the database's owner could) make `verify` exit 1
naming the table, and the reports refuse or show what the chain holds. Without switching the
triggers off, UPDATE and DELETE on a projection are refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from builder.store.database import Store
from builder.store.migrations import ANSWERS_APPEND_ONLY, APPEND_ONLY
from tests.reports_data import AS_OF, make_project, populate, run

# table -> (an INSERT, an UPDATE, a DELETE) that change what a report would say.
TAMPER = {
    "attempts": (
        "INSERT INTO attempts (seq, attempt_id, person_id, module, version, content_sha256,"
        " score, passed, started_at, recorded_at) SELECT seq + 100000, 'forged', person_id,"
        " module, version, content_sha256, 1.0, {true}, NULL, recorded_at FROM attempts"
        " WHERE {not_passed} LIMIT 1",
        "UPDATE attempts SET passed = {true}, score = 1.0 WHERE {not_passed}",
        "DELETE FROM attempts WHERE seq = (SELECT min(seq) FROM attempts)",
    ),
    "acknowledgements": (
        "INSERT INTO acknowledgements (seq, ack_id, person_id, module, version,"
        " statement_sha256, recorded_at) SELECT seq + 100000, 'forged', person_id, 'exit',"
        " version, statement_sha256, recorded_at FROM acknowledgements LIMIT 1",
        "UPDATE acknowledgements SET version = version + 1",
        "DELETE FROM acknowledgements",
    ),
    "feedback": (
        "INSERT INTO feedback (seq, feedback_id, person_id, module, version, kind, anonymous,"
        " text, recorded_at) SELECT seq + 100000, 'forged', person_id, module, version, kind,"
        " anonymous, 'forged', recorded_at FROM feedback LIMIT 1",
        "UPDATE feedback SET text = 'rewritten'",
        "DELETE FROM feedback",
    ),
    "roster_history": (
        "INSERT INTO roster_history (seq, person_id, field, old_value, new_value,"
        " effective_on, changed_at) SELECT seq, person_id, 'department', '', 'Finance',"
        " effective_on, changed_at FROM roster_history WHERE field = 'roles' LIMIT 1",
        "UPDATE roster_history SET new_value = 'exempt' WHERE field = 'status'",
        "DELETE FROM roster_history WHERE field = 'end_date'",
    ),
    "module_versions": (
        "INSERT INTO module_versions (module, version, content_sha256, first_seen_at)"
        " VALUES ('phishing', 3, 'x', '2026-01-01T00:00:00.000000Z')",
        "UPDATE module_versions SET first_seen_at = '2020-01-01T00:00:00.000000Z'",
        "DELETE FROM module_versions",
    ),
    "attempt_answers": (
        "INSERT INTO attempt_answers (seq, question, module, version, selected, correct)"
        " SELECT seq, 'forged', module, version, selected, correct FROM attempt_answers LIMIT 1",
        "UPDATE attempt_answers SET correct = {true}",
        "DELETE FROM attempt_answers",
    ),
    "people": (
        "INSERT INTO people (person_id, email, roles, source, created_at, updated_at)"
        " VALUES ('p_forged', 'ghost@example.com', '[]', 'roster', 'x', 'x')",
        "UPDATE people SET email = CASE email WHEN 'ada@example.com' THEN 'bob@example.com'"
        " WHEN 'bob@example.com' THEN 'ada@example.com' ELSE email END",
        "DELETE FROM people WHERE email = 'dee@example.com'",
    ),
}


# Every table with append-only triggers: the projections of 0200 and `attempt_answers`.
GUARDED = (*APPEND_ONLY, *ANSWERS_APPEND_ONLY)


def _sql(store: Store, template: str) -> str:
    true = "TRUE" if store.kind == "postgresql" else "1"
    return template.format(true=true, not_passed="NOT passed" if true == "TRUE" else "passed = 0")


def _exec(store: Store, sql: str) -> None:
    with store.transaction(write=True) as conn:
        if "UPDATE people SET email" in sql:
            # a unique email column: swap through a placeholder, as an attacker would
            conn.exec_driver_sql(
                "UPDATE people SET email = 'swap@x' WHERE email = 'ada@example.com'"
            )
            conn.exec_driver_sql(
                "UPDATE people SET email = 'ada@example.com' WHERE email = 'bob@example.com'"
            )
            conn.exec_driver_sql(
                "UPDATE people SET email = 'bob@example.com' WHERE email = 'swap@x'"
            )
            return
        conn.exec_driver_sql(sql)


def _unguard(store: Store, table: str) -> None:
    """Switch a projection's triggers off, as the database's owner could."""
    if table not in GUARDED:
        return
    with store.transaction(write=True) as conn:
        if store.kind == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


@pytest.fixture
def populated(database_url: str, tmp_path: Path):
    store = Store(database_url)
    store.migrate()
    populate(store)  # answers are projected with their attempts: nothing to refresh
    yield store, make_project(tmp_path / "project")
    store.close()


def test_verify_passes_on_an_untouched_database(populated):
    store, project = populated
    result = run(project, store.url, "verify")
    assert result.exit_code == 0, result.output
    assert "projections ok" in result.output


@pytest.mark.parametrize("table", sorted(TAMPER))
@pytest.mark.parametrize("operation", [0, 1, 2], ids=["insert", "update", "delete"])
def test_tampering_makes_verify_fail_naming_the_table(populated, table: str, operation: int):
    store, project = populated
    before = run(project, store.url, "due", "--as-of", AS_OF, "--format", "json")
    assert before.exit_code == 0, before.output
    _unguard(store, table)
    _exec(store, _sql(store, TAMPER[table][operation]))
    result = run(project, store.url, "verify")
    assert result.exit_code == 1, result.output
    problems = result.output.splitlines()[2:]
    assert problems and all(line.strip().startswith(table) for line in problems), result.output
    due = run(project, store.url, "due", "--as-of", AS_OF, "--format", "json")
    if due.exit_code == 1:  # the reports refuse …
        assert "no longer matches the ledger" in due.output
        assert "records verify" in due.output
    elif operation != 1 or table not in GUARDED:
        # … or show what the chain holds: exactly what they showed before the tampering
        assert due.output == before.output
    # An UPDATE needs the owner's rights (triggers refuse it otherwise): --verify finds it.
    checked = run(project, store.url, "due", "--as-of", AS_OF, "--format", "json", "--verify")
    assert checked.exit_code == 1 and "records verify failed" in checked.output
    assert table in checked.output


@pytest.mark.parametrize("table", GUARDED)
def test_projections_refuse_update_and_delete(populated, table: str):
    store, _ = populated
    for sql in (
        f"UPDATE {table} SET version = version"
        if table != "roster_history"
        else "UPDATE roster_history SET field = field",
        f"DELETE FROM {table}",
    ):
        with pytest.raises(sa.exc.DBAPIError, match=r"refused|projection|append-only"):
            _exec(store, sql)


def test_verify_names_the_seq_of_a_row_past_the_head(populated):
    # An inserted row whose seq no ledger entry has: verify names the table and that seq.
    store, project = populated
    _unguard(store, "attempts")
    _exec(store, _sql(store, TAMPER["attempts"][0]))
    with store.transaction() as conn:
        forged = conn.exec_driver_sql("SELECT seq FROM attempts WHERE attempt_id = 'forged'")
        seq = int(forged.scalar_one())
    result = run(project, store.url, "verify")
    assert result.exit_code == 1
    assert f"attempts: 1 row(s) with no ledger entry (seq {seq})" in result.output, result.output
