"""`trustpath records unknown`: identities with records and no roster row (issue 10 item 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from builder.store import seed
from builder.store.database import TABLES, Store
from builder.store.sqlite_append import seen_people
from tests.reports_data import make_project, populate, run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def with_stranger(url: str) -> None:
    store = Store(url)
    store.migrate()
    try:
        populate(store)
        row = seen_people(["=cmd@example.com"], "2026-03-01T08:00:00.000000Z")
        with store.transaction(write=True) as conn:
            conn.execute(TABLES["people"].insert(), row)
        pid = row[0]["person_id"]
        seed.append_records(store, [
            seed.attempt(pid, "phishing", 2, "2026-03-01T08:00:00.000000Z", False, 0.5),
            seed.ack(pid, "aup", 1, "2026-03-02T08:00:00.000000Z"),
            seed.feedback(pid, "aup", 1, "2026-03-04T08:00:00.000000Z", "question", "Who?"),
        ])  # fmt: skip
    finally:
        store.close()


def test_unknown_lists_identities_off_the_roster(project: Path, database_url: str) -> None:
    with_stranger(database_url)
    result = run(project, database_url, "unknown", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{
        "email": "=cmd@example.com", "first_record": "2026-03-01", "last_record": "2026-03-04",
        "first_recorded_at": "2026-03-01T08:00:00.000000Z",
        "last_recorded_at": "2026-03-04T08:00:00.000000Z", "records": 3, "attempts": 1,
        "acks": 1, "feedback": 1, "other": 0, "counts": {"ack": 1, "attempt": 1, "feedback": 1},
    }]  # fmt: skip


def test_unknown_text_and_csv(project: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    with_stranger(url)
    text = run(project, url, "unknown")
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[-1] == "1 identities with records and no roster row"
    rows = list(csv.DictReader(io.StringIO(run(project, url, "unknown", "--format", "csv").output)))
    assert [(r["email"], r["records"]) for r in rows] == [("'=cmd@example.com", "3")]


def test_dashboard_shows_the_count(project: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    with_stranger(url)
    out = tmp_path / "report.html"
    assert run(project, url, "dashboard", "-o", str(out), "--as-of", "2026-06-15").exit_code == 0
    assert '<div class="kpi"><b>1</b>not on the roster</div>' in out.read_text()
