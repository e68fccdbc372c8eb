"""`trustpath records` report commands, in-process, on SQLite and (marked) PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from builder.store.database import Store, resolve_database_url
from tests.reports_data import AS_OF, ROSTER, XSS, make_project, populate, run


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return resolve_database_url(tmp_path, str(tmp_path / "records.db"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def populated(url: str) -> dict[str, str]:
    store = Store(url)
    store.migrate()
    try:
        return populate(store)
    finally:
        store.close()


def people_count(url: str) -> int:
    store = Store(url)
    store.migrate()
    with store.transaction() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM people").scalar()
    store.close()
    return int(count or 0)


def test_due_json_exact(project: Path, database_url: str) -> None:
    populated(database_url)
    result = run(project, database_url, "due", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    got = [(r["email"], r["module"], r["rule"], r["due"], r["status"])
           for r in json.loads(result.output)]  # fmt: skip
    assert got == [
        ("eve@example.com", "aup", "onboarding", "2024-01-31", "overdue"),
        ("ada@example.com", "aup", "annual", "2026-06-01", "overdue"),
        ("xss@example.com", "aup", "onboarding", "2026-06-19", "due_soon"),
        ("xss@example.com", "phishing", "onboarding", "2026-06-19", "due_soon"),
        ("bob@example.com", "aup", "onboarding", "2026-07-01", "upcoming"),
        ("bob@example.com", "phishing", "onboarding", "2026-07-01", "upcoming"),
        ("eve@example.com", "phishing", "retrain", "2026-07-01", "upcoming"),
        ("ada@example.com", "secure-coding", "onboarding", "2025-02-05", "done"),
        ("ada@example.com", "phishing", "annual", "2027-01-10", "done"),
    ]
    assert {"email", "department", "module", "status", "due"} <= set(json.loads(result.output)[0])


def test_completion_by_department(project: Path, database_url: str) -> None:
    populated(database_url)
    result = run(project, database_url, "completion", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["group"]: r for r in json.loads(result.output)}
    assert rows["Engineering"] == {
        "group": "Engineering", "title": "Engineering", "people": 1, "assigned": 3, "current": 2,
        "overdue": 1, "due_soon": 0, "upcoming": 0, "share": 0.6667,
    }  # fmt: skip
    assert set(rows) == {"Engineering", "Sales", "Support", '=HYPERLINK("x")'}


def test_due_text_lists_exempt_apart_and_filters(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    result = run(project, sqlite_url, "due", "--as-of", AS_OF, "--status", "overdue")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-2] == "2 items as of 2026-06-15: 2 overdue, 0 due_soon, 0 upcoming, 0 done"
    assert lines[-1] == "exempt: Cy <cy@example.com> (Sales): board member"
    csv_out = run(project, sqlite_url, "due", "--as-of", AS_OF, "--department", "Sales",
                  "--format", "csv")  # fmt: skip
    assert csv_out.output.splitlines()[0] == (
        "email,name,department,module,module_title,rule,due,status,completed,campaign"
    )
    assert len(csv_out.output.splitlines()) == 3


def test_completion_by_role_and_module(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    by_role = json.loads(run(project, sqlite_url, "completion", "--by", "role", "--as-of",
                             AS_OF, "--format", "json").output)  # fmt: skip
    assert [(r["group"], r["assigned"], r["current"]) for r in by_role] == [
        ("all-staff", 6, 0), ("engineer", 3, 2)]  # fmt: skip
    by_module = json.loads(run(project, sqlite_url, "completion", "--by", "module", "--as-of",
                               AS_OF, "--format", "json").output)  # fmt: skip
    assert [(r["group"], r["assigned"], r["current"]) for r in by_module] == [
        ("aup", 4, 0), ("phishing", 4, 1), ("secure-coding", 1, 1)]  # fmt: skip


def test_questions_flags_most_missed(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    result = run(project, sqlite_url, "questions", "--module", "phishing", "--flagged",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["question"], row["version"], row["attempts"], row["misses"]) == (
        "gift-cards", 2, 7, 6)  # fmt: skip
    assert (row["top_wrong_choice"], row["top_wrong_text"], row["flagged"]) == (
        "buy", "choice buy", True)  # fmt: skip
    again = run(project, sqlite_url, "questions", "--format", "json")  # projection is idempotent
    assert sum(r["attempts"] for r in json.loads(again.output)) == 17


def test_feedback_anonymous_stays_anonymous(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    rows = json.loads(run(project, sqlite_url, "feedback", "--format", "json").output)
    assert [(r["kind"], r["from"], r["text"]) for r in rows] == [
        ("concern", "anonymous", XSS),
        ("question", "bob@example.com", "What about QR codes?"),
    ]
    only = run(project, sqlite_url, "feedback", "--kind", "concern")
    assert "anonymous: " in only.output and "bob@" not in only.output


def test_export_csv_escapes_formulas(project: Path, database_url: str) -> None:
    populated(database_url)
    result = run(project, database_url, "export", "--from", "2025-01-01", "--to", "2026-06-30")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 11  # attempts and acknowledgements, never feedback
    for col in (
        "email",
        "name",
        "department",
        "module",
        "version",
        "content_sha256",
        "criteria",
        "score",
        "passed",
        "recorded_at",
        "record_hash",
        "commit",
    ):
        assert col in rows[0]
    eve = next(r for r in rows if r["email"] == "eve@example.com")
    assert eve["department"] == '\'=HYPERLINK("x")'
    assert rows[0]["commit"] == "abc1234" and rows[0]["criteria"] == "CC2.2"


def test_export_window_and_jsonl(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    result = run(project, sqlite_url, "export", "--from", "2026-06-01", "--to", "2026-06-03",
                 "--format", "jsonl")  # fmt: skip
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["recorded_at"][:10] for r in rows] == ["2026-06-02", "2026-06-03"] + [
        "2026-06-02"] * 4  # fmt: skip
    assert rows[1]["name"] == XSS and rows[0]["criteria"] == []


def test_export_xapi_statements(project: Path, sqlite_url: str) -> None:
    ids = populated(sqlite_url)
    result = run(project, sqlite_url, "export", "--from", "2025-01-01", "--to", "2026-06-30",
                 "--format", "xapi", "--org-iri", "https://acme.example/")  # fmt: skip
    assert result.exit_code == 0, result.output
    statements = [json.loads(line) for line in result.output.splitlines()]
    first = statements[0]
    assert first["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://acme.example", "name": ids["ada@example.com"]}}  # fmt: skip
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert first["result"] == {"success": True, "completion": True, "score": {"scaled": 1.0}}
    assert first["context"]["registration"] == "11111111-1111-4111-8111-111111111111"
    ext = first["context"]["extensions"]
    assert ext["https://acme.example/xapi/extensions/department"] == "Engineering"
    assert ext["https://acme.example/xapi/extensions/content-version"]["version"] == 2
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in statements}
    assert verbs == {"passed", "failed", "completed"}
    ack = statements[1]
    assert ack["object"]["id"] == "https://acme.example/xapi/acknowledgements/aup"
    by_email = run(
        project,
        sqlite_url,
        "export",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--format",
        "xapi",
        "--org-iri",
        "https://acme.example",
        "--actor",
        "email",
    )
    assert json.loads(by_email.output)["actor"]["account"]["name"] == "ada@example.com"


def test_export_populations(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    hires = run(project, sqlite_url, "export", "--from", "2026-05-01", "--to", "2026-06-30",
                "--population", "new-hires", "--format", "jsonl", "--as-of", AS_OF)  # fmt: skip
    rows = [json.loads(line) for line in hires.output.splitlines()]
    assert [(r["email"], r["module"], r["due"], r["completed"], r["state"]) for r in rows] == [
        ("bob@example.com", "phishing", "2026-07-01", None, "not_yet_due"),
        ("bob@example.com", "aup", "2026-07-01", None, "not_yet_due"),
        ("xss@example.com", "phishing", "2026-06-19", None, "not_yet_due"),
        ("xss@example.com", "aup", "2026-06-19", None, "not_yet_due"),
    ]
    leavers = run(project, sqlite_url, "export", "--from", "2026-06-01", "--to", "2026-06-30",
                  "--population", "leavers", "--as-of", AS_OF)  # fmt: skip
    assert leavers.output.splitlines()[1] == (
        "dee@example.com,Dee,Sales,2024-01-01,2026-06-10,exit,Exit,2026-06-10,2026-06-09,in_time,"
        "0,false"
    )


def test_roster_import_bad_row_imports_nothing(
    project: Path, sqlite_url: str, tmp_path: Path
) -> None:
    bad = ROSTER.replace(
        "bob@example.com,Bob,Sales,all-staff", "bob@example.com,Bob,Sales,al-staff"
    )
    (tmp_path / "roster.csv").write_text(bad)
    result = run(project, sqlite_url, "roster", "import", str(tmp_path / "roster.csv"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'roster.csv'}:3: error[unknown-role]: unknown role 'al-staff'; did you " \
        "mean 'all-staff'?" in result.output  # fmt: skip
    assert "nothing imported" in result.output
    assert people_count(sqlite_url) == 0


def test_roster_dry_run_then_role_change_history(
    project: Path, sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    dry = run(project, sqlite_url, "roster", "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        dry.output.splitlines()[-1]
        == "would add 6, updated 0, unchanged 0 (dry run: nothing written)"
    )
    assert people_count(sqlite_url) == 0
    assert run(project, sqlite_url, "roster", "import", str(path)).exit_code == 0
    path.write_text(ROSTER.replace("bob@example.com,Bob,Sales,all-staff",
                                   "bob@example.com,Bob,Sales,engineer"))  # fmt: skip
    changed = run(project, sqlite_url, "roster", "import", str(path), "--effective", "2026-06-10")
    assert changed.output.splitlines() == [
        f"read {path}: UTF-8, comma-separated, TrustPath header, 6 people",
        "update bob@example.com: roles 'all-staff' -> 'engineer'",
        "added 0, updated 1, unchanged 5",
    ]
    due = json.loads(run(project, sqlite_url, "due", "--as-of", AS_OF, "--format", "json",
                         "--module", "secure-coding").output)  # fmt: skip
    assert [(r["email"], r["rule"], r["due"], r["status"]) for r in due] == [
        ("ada@example.com", "onboarding", "2025-02-05", "overdue"),
        ("bob@example.com", "role-change", "2026-07-10", "upcoming"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "--as-of", "2026-13-01"], "'2026-13-01' is not a date like 2026-06-30"),
        (["export", "--from", "2026-02-01", "--to", "2026-01-01"], "--to is before --from"),
        (
            ["export", "--from", "2026-01-01", "--to", "2026-02-01", "--format", "xapi"],
            "xapi needs an organisation IRI: pass --org-iri",
        ),
        (["due", "--status", "late"], "'late' is not one of"),
    ],
)
def test_bad_input_is_a_usage_error(
    project: Path, sqlite_url: str, args: list[str], message: str
) -> None:
    result = run(project, sqlite_url, *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["roster"],
        ["roster", "import"],
        ["due"],
        ["completion"],
        ["questions"],
        ["feedback"],
        ["export"],
        ["dashboard"],
        ["unknown"],
    ],
)
def test_every_report_command_has_an_example(
    project: Path, sqlite_url: str, command: list[str]
) -> None:
    result = run(project, sqlite_url, *command, "--help")
    assert result.exit_code == 0
    assert "Example: trustpath records " in result.output


def test_missing_project_is_a_message_not_a_traceback(tmp_path: Path, sqlite_url: str) -> None:
    result = run(tmp_path / "nowhere", sqlite_url, "due")
    assert result.exit_code == 1
    assert "no mkdocs.yml" in result.output and "Traceback" not in result.output


def test_due_csv_is_formula_safe(project: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    result = run(project, sqlite_url, "due", "--as-of", AS_OF, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 9
    assert {r["department"] for r in rows if r["email"] == "eve@example.com"} == {
        '\'=HYPERLINK("x")'
    }
