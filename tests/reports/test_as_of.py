"""`--as-of D` on every report counts only records made by the end of D in the organisation's
time zone (issue 10 item 3), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from builder.course.model import course_from_manifest
from builder.reports.dashboard_data import gather
from builder.store import seed
from builder.store.database import TABLES, Store
from builder.store.sqlite_append import seen_people
from tests.reports_data import MANIFEST, make_project, populate, run

OK = [{"id": "gift-cards", "selected": ["verify"], "correct": True},
      {"id": "report", "selected": ["false"], "correct": True}]  # fmt: skip


def later_records(url: str) -> dict[str, str]:
    """The populated ledger plus records made after 2026-06-15, and one identity off the roster
    whose first record is on 2026-06-20."""
    store = Store(url)
    store.migrate()
    try:
        ids = populate(store)
        stranger = seen_people(["stranger@example.com"], "2026-06-20T09:00:00.000000Z")
        with store.transaction(write=True) as conn:
            conn.execute(TABLES["people"].insert(), stranger)
        sid = stranger[0]["person_id"]
        seed.append_records(store, [
            seed.attempt(ids["bob@example.com"], "phishing", 2, "2026-06-20T10:00:00.000000Z",
                         True, 1.0, OK),
            seed.ack(ids["bob@example.com"], "aup", 1, "2026-06-20T10:00:00.000000Z"),
            seed.feedback(ids["bob@example.com"], "phishing", 2, "2026-06-21T10:00:00.000000Z",
                          "suggestion", "Later feedback"),
            seed.attempt(sid, "phishing", 2, "2026-06-20T09:00:00.000000Z", False, 0.5, OK),
            seed.attempt(sid, "phishing", 2, "2026-06-22T09:00:00.000000Z", True, 1.0, OK),
        ])  # fmt: skip
        return ids
    finally:
        store.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def rows(project: Path, url: str, *args: str) -> list[dict[str, object]]:
    result = run(project, url, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_questions_and_feedback_as_of(project: Path, database_url: str) -> None:
    later_records(database_url)
    before = rows(project, database_url, "questions", "--as-of", "2026-06-15")
    after = rows(project, database_url, "questions", "--as-of", "2026-06-30")
    assert sum(int(r["attempts"]) for r in before) == 17  # the populated ledger only
    assert sum(int(r["attempts"]) for r in after) == 17 + 2 * 3
    fb_before = rows(project, database_url, "feedback", "--as-of", "2026-06-15")
    assert "Later feedback" not in [r["text"] for r in fb_before]
    fb_after = rows(project, database_url, "feedback", "--as-of", "2026-06-21")
    assert "Later feedback" in [r["text"] for r in fb_after]


def test_export_and_populations_as_of(project: Path, database_url: str) -> None:
    later_records(database_url)
    window = ("--from", "2026-06-01", "--to", "2026-06-30")
    early = run(project, database_url, "export", *window, "--as-of", "2026-06-15")
    late = run(project, database_url, "export", *window, "--as-of", "2026-06-30")
    assert early.exit_code == late.exit_code == 0, early.output + late.output
    assert all(r["recorded_at"] < "2026-06-16" for r in csv.DictReader(io.StringIO(early.output)))
    assert len(list(csv.DictReader(io.StringIO(late.output)))) == len(
        list(csv.DictReader(io.StringIO(early.output)))) + 4  # fmt: skip
    hires = ("export", *window, "--population", "new-hires", "--format", "jsonl")

    def bob(as_of: str) -> list[tuple[str, str, str | None]]:
        out = run(project, database_url, *hires, "--as-of", as_of).output
        recs = [json.loads(line) for line in out.splitlines()]
        return [(r["module"], r["state"], r["completed"]) for r in recs
                if r["email"] == "bob@example.com"]  # fmt: skip

    assert bob("2026-06-15") == [("phishing", "not_yet_due", None), ("aup", "not_yet_due", None)]
    assert bob("2026-06-30") == [("phishing", "in_time", "2026-06-20"),
                                 ("aup", "in_time", "2026-06-20")]  # fmt: skip


def test_unknown_identities_as_of(project: Path, database_url: str) -> None:
    later_records(database_url)
    assert rows(project, database_url, "unknown", "--as-of", "2026-06-15") == []
    (one,) = rows(project, database_url, "unknown", "--as-of", "2026-06-21")
    assert (one["email"], one["first_record"], one["last_record"], one["attempts"]) == (
        "stranger@example.com", "2026-06-20", "2026-06-20", 1)  # fmt: skip
    (all_of_it,) = rows(project, database_url, "unknown")
    assert (all_of_it["last_record"], all_of_it["records"], all_of_it["counts"]) == (
        "2026-06-22", 2, {"attempt": 2})  # fmt: skip


def test_dashboard_data_as_of(project: Path, database_url: str) -> None:
    later_records(database_url)
    course = course_from_manifest(MANIFEST)
    store = Store(database_url)
    try:
        early = gather(store, course, dt.date(2026, 6, 15), verify=False)
        late = gather(store, course, dt.date(2026, 6, 30))
    finally:
        store.close()
    assert dict((m, n) for m, n, _ in early.pass_rates)["phishing"] == 8
    assert dict((m, n) for m, n, _ in late.pass_rates)["phishing"] == 11
    assert (early.unknown, late.unknown) == (0, 1)
    assert early.feedback_total == 2 and late.feedback_total == 3
    assert late.verification is not None and late.verification.ok


def test_days_are_days_in_the_organisations_time_zone(tmp_path: Path, database_url: str) -> None:
    """A record at 23:30 in California on 15 June is 06:30 UTC on the 16th."""
    store = Store(database_url)
    store.migrate()
    try:
        ids = populate(store)
        seed.append_records(store, [seed.feedback(
            ids["bob@example.com"], "phishing", 2, "2026-06-16T06:30:00.000000Z", "question",
            "Late evening in California")])  # fmt: skip
    finally:
        store.close()
    pacific = copy.deepcopy(MANIFEST)
    pacific["settings"]["timezone"] = "America/Los_Angeles"
    utc = make_project(tmp_path / "utc")
    la = make_project(tmp_path / "la")
    (la / ".trustpath" / "manifest.json").write_text(json.dumps(pacific))
    texts = {name: [r["text"] for r in rows(p, database_url, "feedback", "--as-of", "2026-06-15")]
             for name, p in (("utc", utc), ("la", la))}  # fmt: skip
    assert "Late evening in California" in texts["la"]
    assert "Late evening in California" not in texts["utc"]
