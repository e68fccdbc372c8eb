"""Anonymous feedback cannot be lined up with its sender's attempts (issue 15, item 6).

The finding: each anonymous feedback's microsecond time, module and seq sat next to the
sender's own attempt in the admin exports (6 of 6 attributed). Now the service keeps it out
of the chain until its day is over and then chains the day's batch in a shuffled order, dated
midnight; the feedback report shows no seq.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from builder.ledger.chain import verify_rows
from builder.ledger.entries import PendingRecord
from builder.store.database import Store
from tests.security.support import ADMIN_TOKEN, Served, built_project

PEOPLE = [f"p{n}@example.com" for n in range(6)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return built_project(tmp_path)


@pytest.fixture
def served(project: Path) -> Iterator[Served]:
    server = Served(project, "--identity", "open")
    yield server
    server.stop()


def test_the_attack_of_the_finding_no_longer_attributes(served: Served) -> None:
    sent: dict[str, str] = {}  # feedback id -> sender
    for email in PEOPLE:
        who = {"X-TrustPath-User": email}
        draw = httpx.get(served.url + "/api/quiz/intro/draw", headers=who).json()["draw"]
        body = {
            "attempt_id": str(uuid.uuid4()),
            "module": "intro",
            "version": 3,
            "answers": {"report-where": ["security"], "click-ok": ["false"]},
            "draw": draw,
        }
        assert httpx.post(served.url + "/api/attempts", json=body, headers=who).status_code == 201
        feedback = {
            "feedback_id": str(uuid.uuid4()),
            "module": "intro",
            "kind": "concern",
            "text": f"concern from someone ({len(sent)})",
            "anonymous": True,
        }
        r = httpx.post(served.url + "/api/feedback", json=feedback, headers=who)
        assert r.status_code == 201 and r.json()["seq"] is None
        assert r.json()["recorded_at"].endswith("T00:00:00.000000Z")
        sent[feedback["feedback_id"]] = email
    store = Store(served.database)
    # nothing chained yet but the attempts (besides the roster and the build's publications)
    assert {r.kind for r in store.iter_rows()} - {"publication", "roster"} == {"attempt"}
    assert store.release_feedback("9999-12-31") == len(PEOPLE)  # what the service does daily
    rows = list(store.iter_rows())
    assert verify_rows(iter(rows), store.head()).ok
    person_of = {p: store.person(p)["person_id"] for p in PEOPLE}
    store.close()
    attempts = [r for r in rows if r.kind == "attempt"]
    feedback_rows = [r for r in rows if r.kind == "feedback"]
    # every feedback comes after every attempt, and all carry the same midnight time
    assert min(f.seq for f in feedback_rows) > max(a.seq for a in attempts)
    assert len({f.recorded_at for f in feedback_rows}) == 1
    assert feedback_rows[0].recorded_at.endswith("T00:00:00.000000Z")
    assert all(f.person_id is None and "@" not in f.payload for f in feedback_rows)
    # the finding's method: the sender is the person of the nearest attempt before it
    attributed = 0
    for f in feedback_rows:
        before = max((a for a in attempts if a.seq < f.seq), key=lambda a: a.seq)
        attributed += before.person_id == person_of[sent[f.client_id]]
    assert attributed <= 1
    # the admin report shows no seq and no finer time
    report = httpx.get(
        served.url + "/api/reports/feedback",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()
    anonymous = [row for row in report if row["from"] == "anonymous"]
    assert len(anonymous) == len(PEOPLE)
    assert all(
        "seq" not in row and row["recorded_at"].endswith("T00:00:00.000000Z") for row in anonymous
    )


def test_a_replay_is_answered_from_the_pool_and_a_changed_body_is_409(served: Served) -> None:
    who = {"X-TrustPath-User": "p1@example.com"}
    body = {"feedback_id": str(uuid.uuid4()), "module": "intro", "kind": "question",
            "text": "why?", "anonymous": True}  # fmt: skip
    first = httpx.post(served.url + "/api/feedback", json=body, headers=who)
    again = httpx.post(served.url + "/api/feedback", json=body, headers=who)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    changed = httpx.post(served.url + "/api/feedback", json={**body, "text": "how?"}, headers=who)
    assert changed.status_code == 409


def test_the_service_releases_past_days_when_it_starts(project: Path) -> None:
    store = Store(f"sqlite:///{project / '.trustpath' / 'records.db'}")
    store.migrate()
    payload = {"v": 1, "version": 3, "feedback_kind": "concern", "text": "old", "anonymous": True}
    projection = {"feedback_id": "f-old", "module": "intro", "version": 3, "kind": "concern",
                  "anonymous": True, "text": "old"}  # fmt: skip
    record = PendingRecord("feedback", "f-old", None, "intro", "0" * 64, payload, projection)
    assert store.pool_feedback(record, "2020-01-01") is None
    assert [r for r in store.iter_rows() if r.kind == "feedback"] == []
    server = Served(project, "--identity", "open")
    try:
        rows = [r for r in store.iter_rows() if r.kind == "feedback"]
    finally:
        server.stop()
        store.close()
    assert [(r.kind, r.client_id, r.recorded_at) for r in rows] == [
        ("feedback", "f-old", "2020-01-01T00:00:00.000000Z")
    ]
    assert json.loads(rows[0].payload)["person"] is None
