"""`due` and `completion` as of a day (issue 10; ../shared/cases/11-as-of-counts-later-completions):
only records made by the end of that day count, completion days are the organisation's days,
on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from builder.course.model import course_from_manifest
from builder.lifecycle.roster import read_roster
from builder.store import seed
from builder.store.database import Store
from builder.store.queries import import_roster
from tests.reports_data import MANIFEST, make_project, run

ROSTER = (
    b"email,name,department,roles,start_date\n"
    b"pat@example.com,Pat Example,Sales,all-staff,2026-02-02\n"
)
PASS = [{"id": "gift-cards", "selected": ["verify"], "correct": True},
        {"id": "report", "selected": ["false"], "correct": True}]  # fmt: skip


def pat_passes_at(url: str, recorded_at: str) -> None:
    """Pat (start 2026-02-02, phishing due 2026-03-04) passes phishing at `recorded_at` (UTC)."""
    store = Store(url)
    store.migrate()
    try:
        roster = read_roster(ROSTER, list(MANIFEST["roles"]), "roster.csv")
        import_roster(store, list(roster.rows), dt.date(2026, 2, 2))
        with store.transaction() as conn:
            (pid,) = conn.exec_driver_sql(
                "SELECT person_id FROM people WHERE email = 'pat@example.com'"
            ).one()
        seed.append_records(store, [seed.attempt(pid, "phishing", 2, recorded_at, True, 1.0, PASS)])
    finally:
        store.close()


def phishing(project: Path, url: str, as_of: str) -> dict[str, object]:
    result = run(project, url, "due", "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    (item,) = [i for i in json.loads(result.output) if i["module"] == "phishing"]
    return {k: item[k] for k in ("rule", "due", "status", "completed")}


def test_due_as_of_a_day_before_the_pass_says_overdue(tmp_path: Path, database_url: str) -> None:
    pat_passes_at(database_url, "2026-03-20T12:00:00.000000Z")
    project = make_project(tmp_path / "project")
    assert phishing(project, database_url, "2026-03-10") == {
        "rule": "onboarding", "due": "2026-03-04", "status": "overdue", "completed": None,
    }  # fmt: skip
    assert phishing(project, database_url, "2026-03-25") == {
        "rule": "annual", "due": "2027-03-20", "status": "done", "completed": "2026-03-20",
    }  # fmt: skip
    before = run(project, database_url, "completion", "--as-of", "2026-03-10", "--format", "json")
    (sales,) = json.loads(before.output)
    assert (sales["group"], sales["current"]) == ("Sales", 0) and sales["overdue"] >= 1


def test_a_pass_at_2330_in_california_on_the_due_date_is_in_time(
    tmp_path: Path, database_url: str
) -> None:
    pat_passes_at(database_url, "2026-03-05T07:30:00.000000Z")  # 23:30 on 4 March in LA
    utc = make_project(tmp_path / "utc")
    la = make_project(tmp_path / "la")
    pacific = copy.deepcopy(MANIFEST)
    pacific["settings"]["timezone"] = "America/Los_Angeles"
    (la / ".trustpath" / "manifest.json").write_text(json.dumps(pacific))
    assert phishing(la, database_url, "2026-03-10")["completed"] == "2026-03-04"
    assert phishing(utc, database_url, "2026-03-10")["completed"] == "2026-03-05"
    hires = ("export", "--from", "2026-02-01", "--to", "2026-03-31", "--population", "new-hires",
             "--format", "jsonl", "--as-of", "2026-03-10")  # fmt: skip
    states = {}
    for name, project in (("la", la), ("utc", utc)):
        out = run(project, database_url, *hires)
        assert out.exit_code == 0, out.output
        rows = [json.loads(line) for line in out.output.splitlines() if line.strip()]
        (row,) = [r for r in rows if r["module"] == "phishing"]
        states[name] = row["state"]
    assert states == {"la": "in_time", "utc": "late"}
    assert course_from_manifest(pacific).timezone == "America/Los_Angeles"
