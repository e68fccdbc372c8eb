"""The hash chain: encoding, append-only triggers, and tamper detection with and without anchors."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from builder.ledger.chain import (
    GENESIS,
    Head,
    LedgerRow,
    canonical_json,
    chain_hash,
    parse_anchor,
    verify_rows,
)
from builder.store.database import PendingRecord, Store


def pending(n: int, email: str | None = "ann@example.com") -> PendingRecord:
    return PendingRecord(
        "feedback",
        f"id-{n}",
        email,
        "phishing",
        "0" * 64,
        {
            "text": f"note {n}",
            "feedback_kind": "question",
            "version": 1,
            "anonymous": email is None,
        },
    )


@pytest.fixture
def store(database_url: str):
    s = Store(database_url)
    s.migrate()
    s.append([pending(n) for n in range(1, 6)])
    yield s
    s.close()


def raw(store: Store, sql: str) -> None:
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql(sql)


def unguard(store: Store) -> None:
    """Switch the triggers off the way an attacker with the database file would."""
    if store.kind == "sqlite":
        raw(store, "DROP TRIGGER ledger_no_update")
        raw(store, "DROP TRIGGER ledger_no_delete")
    else:
        raw(store, "ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete")


def test_chain_hash_encoding_is_the_documented_one():
    payload = canonical_json({"b": 1, "a": "é"})
    assert payload == '{"a":"é","b":1}'
    expected = hashlib.sha256(
        b"trustpath-ledger-v1\x007\x00" + GENESIS.encode() + b"\x00" + payload.encode("utf-8")
    ).hexdigest()
    assert chain_hash(7, GENESIS, payload) == expected


def test_parse_anchor():
    assert parse_anchor(f"12:{'a' * 64}") == Head(12, "a" * 64)
    with pytest.raises(ValueError, match="is not SEQ:HASH"):
        parse_anchor("12:xyz")


def test_fresh_chain_verifies(store: Store):
    verdict = verify_rows(store.iter_rows(), store.head())
    assert verdict.ok and verdict.rows == 5 and verdict.head == store.head()
    assert str(verdict) == f"ledger ok: 5 rows, head {store.head()}"


def test_update_is_refused(store: Store):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        raw(store, "UPDATE ledger SET payload = '{}' WHERE seq = 2")


def test_delete_is_refused(store: Store):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        raw(store, "DELETE FROM ledger WHERE seq = 5")


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(pg_server):
    s = Store(pg_server.new_database().replace("postgresql://", "postgresql+psycopg://"))
    s.migrate()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        raw(s, "TRUNCATE ledger")
    s.close()


def test_a_changed_row_is_reported_at_its_seq(store: Store):
    unguard(store)
    raw(store, "UPDATE ledger SET payload = replace(payload, 'note 3', 'note 9') WHERE seq = 3")
    verdict = verify_rows(store.iter_rows())
    assert not verdict.ok and verdict.bad_seq == 3
    assert str(verdict) == (
        "ledger broken at seq 3: hash does not match the row's content (the row was changed)"
    )


def test_a_changed_column_is_reported(store: Store):
    unguard(store)
    raw(store, "UPDATE ledger SET person_id = 'p_someone_else' WHERE seq = 4")
    verdict = verify_rows(store.iter_rows())
    assert verdict.bad_seq == 4 and "column 'person'" in verdict.reason


def test_a_deleted_middle_row_is_reported(store: Store):
    unguard(store)
    raw(store, "DELETE FROM ledger WHERE seq = 2")
    verdict = verify_rows(store.iter_rows())
    assert verdict.bad_seq == 2 and verdict.reason.startswith("seq 2 is missing")


def test_a_truncated_tail_is_reported_against_the_anchor(store: Store):
    anchor = store.head()
    unguard(store)
    raw(store, "DELETE FROM ledger WHERE seq >= 4")
    assert verify_rows(store.iter_rows()).ok  # without an anchor, a cut tail looks fine
    verdict = verify_rows(store.iter_rows(), anchor)
    assert not verdict.ok and verdict.bad_seq == 4
    assert "ends at seq 3 but the anchor names seq 5" in verdict.reason


def test_rewritten_history_is_reported_against_the_anchor(store: Store):
    anchor = store.head()
    rows = list(store.iter_rows())
    unguard(store)
    prev = GENESIS
    for row in rows:  # rewrite row 2 and re-hash the rest: a consistent forged chain
        payload = row.payload.replace("note 2", "forged") if row.seq == 2 else row.payload
        digest = chain_hash(row.seq, prev, payload)
        with store.transaction(write=True) as conn:
            conn.execute(
                sa.text(
                    "UPDATE ledger SET payload = :p, prev_hash = :prev, hash = :h WHERE seq = :s"
                ),
                {"p": payload, "prev": prev, "h": digest, "s": row.seq},
            )
        prev = digest
    assert verify_rows(store.iter_rows()).ok
    verdict = verify_rows(store.iter_rows(), anchor)
    assert verdict.bad_seq == 5 and "differs from the anchor" in verdict.reason


def test_verify_rows_pure_detects_a_bad_prev_hash():
    payload = canonical_json(
        {"kind": "ack", "id": "x", "person": None, "recorded_at": "t", "module": "m"}
    )
    row = LedgerRow(
        1, "ack", "x", "t", None, "m", payload, "f" * 64, chain_hash(1, "f" * 64, payload)
    )
    verdict = verify_rows([row])
    assert verdict.bad_seq == 1 and "prev_hash" in verdict.reason


def test_answer_rows_follow_the_projection_rule_for_every_shape_of_choice():
    """`verify` compares tuples from `answer_rows`; the writer stores `project`'s dicts. Both
    must give `";".join(sorted(str(c) for c in selected))`, whatever the shape of `selected`."""
    from builder.ledger.projections import ANSWER_COLUMNS, answer_rows, project

    questions = [
        {"id": "q1", "selected": ["b", "a"], "correct": True},
        {"id": "q2", "selected": ["a"], "correct": False},
        {"id": 3, "selected": [2, 10], "correct": 1},
        {"id": "q4", "selected": "ba", "correct": 0},
        {"id": "q5", "selected": None},
        {"id": "q6"},
        "not a question",
        {"id": "q7", "selected": [["x"]], "correct": None},
    ]
    payload = {"kind": "attempt", "id": "a1", "person": "p1", "module": "m", "version": "2",
               "content_sha256": "0" * 64, "score": 0.5, "passed": False,
               "questions": questions}  # fmt: skip
    rows = answer_rows(7, payload)
    want = [
        (7, str(q.get("id")), "m", 2, ";".join(sorted(str(c) for c in q.get("selected") or ())),
         bool(q.get("correct")))
        for q in questions
        if isinstance(q, dict)
    ]  # fmt: skip
    assert rows == want
    assert [r[4] for r in rows] == ["a;b", "a", "10;2", "a;b", "", "", "['x']"]
    stored = [tuple(row.values()) for table, row in project(7, "t", payload)
              if table == "attempt_answers"]  # fmt: skip
    assert stored == rows
    assert all(tuple(row) == ANSWER_COLUMNS for table, row in project(7, "t", payload)
               if table == "attempt_answers")  # fmt: skip
