"""One draw serves one attempt across workers: the writer re-counts inside its lock (issue 11).

The records service checks a draw's attempt count before it grades, under a lock that holds
in one process only; with several workers (PostgreSQL, `serve --workers N`) two attempts
from one draw could both pass that check. The writer now stores an attempt only while the
person's count at the module is still the one its draw was issued at, in the transaction
that appends it, on both databases.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from builder.ledger.entries import DrawAlreadyUsed, PendingRecord, StoredRecord
from builder.records.writer import WriteFailed, write_batch
from builder.store.database import Store


def attempt(before: int | None, email: str = "ann@example.com", module: str = "m1"):
    payload = {
        "v": 1, "version": 1, "content_sha256": "0" * 64, "build_commit": "abc1234",
        "criteria": [], "score": 0.0, "score_percent": 0, "pass_mark": 80, "passed": False,
        "started_at": None, "questions": [],
    }  # fmt: skip
    return PendingRecord(
        "attempt", str(uuid.uuid4()), email, module, "0" * 64, payload, attempts_before=before
    )


def count(store: Store, module: str = "m1") -> int:
    with store.transaction() as conn:
        found = conn.execute(
            sa.text("SELECT count(*) FROM attempts WHERE module = :m"), {"m": module}
        )
        return int(found.scalar_one())


def test_a_second_attempt_from_the_same_draw_is_refused_inside_the_writer(store: Store):
    first = store.append([attempt(0)])
    assert isinstance(first[0], StoredRecord)
    with pytest.raises(DrawAlreadyUsed) as refused:
        store.append([attempt(0)])  # its check passed in another worker before `first` landed
    assert refused.value.code == "draw_used" and refused.value.details == {"module": "m1"}
    assert count(store) == 1 and store.head().seq == 1
    assert isinstance(store.append([attempt(1)])[0], StoredRecord)  # the next draw's attempt


def test_in_one_batch_the_first_wins_and_the_others_are_stored_beside_it(store: Store):
    outcomes = write_batch(
        store,
        [attempt(0), attempt(0), attempt(0, email="bo@example.com"), attempt(None, module="m2")],
    )
    assert [type(o) for o in outcomes] == [
        StoredRecord, DrawAlreadyUsed, StoredRecord, StoredRecord
    ]  # fmt: skip
    assert not any(isinstance(o, WriteFailed) for o in outcomes)
    assert count(store) == 2 and count(store, "m2") == 1


def test_a_replay_is_still_answered_as_a_duplicate(store: Store):
    first = attempt(0)
    store.append([first])
    again = store.append([first])  # same client id: the stored row, not a refusal
    assert not isinstance(again[0], StoredRecord) and count(store) == 1
