"""`records roster import|map|roles`, `records links` and `due/completion --manager`, in-process
against a real SQLite store: one reader gives one result in every command."""

from __future__ import annotations

import csv
import io
import json
import secrets
from pathlib import Path

import click
import pytest
import sqlalchemy as sa

from builder.cli.records import _load_roster
from builder.lifecycle.roster_map import builtin_text
from builder.store.database import Store
from tests.lifecycle.roster_cases import CASES, FIXTURES, case_id
from tests.reports_data import make_project, run

RULES_YML = """      role_rules:
        - {employment: "*", roles: [all-staff]}
        - {department: Engineering, roles: [engineer]}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + RULES_YML)
    return root


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A migrated database (report commands never create one)."""
    database = f"sqlite:///{tmp_path / 'records.db'}"
    Store(database).migrate()
    return database


def options(map_name: str | None, encoding: str | None) -> list[str]:
    args = []
    if map_name:
        args += ["--map", str(FIXTURES / map_name) if map_name.endswith(".yml") else map_name]
    if encoding:
        args += ["--encoding", encoding]
    return args


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_links_and_import_give_the_same_result_on_every_file(
    project: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str | None, str | None, list[str]],
) -> None:
    name, map_name, encoding, expected = case
    monkeypatch.setenv("TRUSTPATH_SECRET", secrets.token_hex(32))
    path = str(FIXTURES / name)
    extra = options(map_name, encoding)
    imported = run(project, url, "roster", "import", path, "--dry-run", *extra)
    links = run(project, url, "links", "create", path, "--base-url", "https://t.example/", *extra)
    if "error[" in expected[0]:
        problems = [f"{FIXTURES}/{line}" for line in expected]
        footer = f"Error: {len(expected)} problem(s) in the roster; nothing imported"
        assert imported.exit_code == links.exit_code == 1
        assert imported.stderr.splitlines() == [*problems, footer]
        assert links.stderr == imported.stderr
        return
    assert imported.exit_code == links.exit_code == 0, imported.output + links.output
    emails = [line.split()[0] for line in expected]
    added = [line.split()[1].rstrip(":") for line in imported.stdout.splitlines()[1:-1]]
    linked = [row["email"] for row in csv.DictReader(io.StringIO(links.stdout))]
    assert added == linked == emails
    assert all(r["url"].startswith("https://t.example/#tp_token=v2.") for r in csv.DictReader(
        io.StringIO(links.stdout)))  # fmt: skip


def test_mapped_import_end_to_end(project: Path, url: str) -> None:
    path = FIXTURES / "bamboohr.csv"
    result = run(project, url, "roster", "import", str(path), "--map", "bamboohr",
                 "--effective", "2026-06-15")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"read {path}: UTF-8, comma-separated, map bamboohr, 3 people",
        "add ada.lovelace@example.com: name='Ada Lovelace', department='Engineering', "
        "title='Staff Engineer', roles='all-staff;engineer', start_date='2024-03-15', "
        "status='active', employment='employee'",
        "add bob@example.com: name='Bob Marley', department='Sales', title='Account Executive', "
        "roles='all-staff', start_date='2023-11-02', end_date='2026-06-30', status='active', "
        "employment='employee'",
        "add cy@example.com: name='Cy Young', department='Finance', title='Bookkeeper', "
        "roles='all-staff', start_date='2025-01-09', status='active', employment='contractor'",
        "added 3, updated 0, unchanged 0",
    ]
    roles = run(project, url, "roster", "roles")
    assert roles.exit_code == 0, roles.output
    assert roles.stdout.splitlines() == [
        "email                     role       role_title  from",
        "ada.lovelace@example.com  all-staff  All staff   rule 1 (employment '*')",
        "ada.lovelace@example.com  engineer   Engineer    rule 2 (department 'engineering')",
        "bob@example.com           all-staff  All staff   rule 1 (employment '*')",
        "cy@example.com            all-staff  All staff   rule 1 (employment '*')",
        "3 people, 4 role grants",
    ]
    again = run(project, url, "roster", "import", str(path), "--map", "bamboohr")
    assert again.stdout.splitlines()[-1] == "added 0, updated 0, unchanged 3"


def test_roles_of_a_file_name_the_roster_column_and_the_rules(project: Path, url: str) -> None:
    result = run(project, url, "roster", "roles", str(FIXTURES / "semicolons.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "email            role       role_title  from",
        "ada@example.com  engineer   Engineer    roster file; rule 2 (department 'engineering')",
        "ada@example.com  all-staff  All staff   roster file; rule 1 (employment '*')",
        "bob@example.com  all-staff  All staff   roster file; rule 1 (employment '*')",
        "2 people, 3 role grants",
    ]


def test_roster_map_prints_a_builtin_map(project: Path, url: str) -> None:
    result = run(project, url, "roster", "map", "gusto")
    assert result.exit_code == 0
    assert result.stdout == builtin_text("gusto")
    unknown = run(project, url, "roster", "map", "workday")
    assert unknown.exit_code == 2 and "'workday' is not one of" in unknown.output


@pytest.mark.parametrize(
    "command", [["roster", "map"], ["roster", "roles"], ["links", "create"], ["links", "revoke"]]
)
def test_new_commands_have_an_example(project: Path, url: str, command: list[str]) -> None:
    result = run(project, url, *command, "--help")
    assert result.exit_code == 0 and "Example: trustpath records " in result.output


def test_an_unknown_role_in_role_rules_is_a_configuration_error(project: Path, url: str) -> None:
    text = (project / "mkdocs.yml").read_text().replace("roles: [engineer]", "roles: [enginer]")
    (project / "mkdocs.yml").write_text(text)
    result = run(project, url, "roster", "import", str(FIXTURES / "bom.csv"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: mkdocs.yml: trustpath option 'role_rules':\n"
        "  rule 2: unknown role 'enginer'; did you mean 'engineer'?\n"
    )


def test_a_map_file_with_problems_is_reported(project: Path, url: str, tmp_path: Path) -> None:
    bad = tmp_path / "map.yml"
    bad.write_text("columns:\n  email: Email\n  name: Name\n")
    result = run(project, url, "roster", "import", str(FIXTURES / "bom.csv"), "--map", str(bad))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {bad}:1: error[map-missing]: `columns:` needs 'start_date'\n"
        "the map has problems; nothing imported\n"
    )
    missing = run(project, url, "roster", "import", str(FIXTURES / "bom.csv"), "--map", "nope")
    assert missing.exit_code == 2
    assert "'nope' is neither a built-in map (bamboohr, gusto, hibob, rippling) nor a file" in (
        missing.stderr
    )


def staff(count: int, skip: tuple[int, ...] = ()) -> str:
    rows = [f"p{i:02}@example.com,Person {i},Sales,all-staff,2024-01-01" for i in range(count)]
    return "email,name,department,roles,start_date\n" + "".join(
        f"{r}\n" for i, r in enumerate(rows) if i not in skip
    )


def test_sync_dry_run_then_real_run_with_history_due_and_the_safety_limit(
    project: Path, database_url: str, tmp_path: Path
) -> None:
    url = database_url  # SQLite, then PostgreSQL
    path = tmp_path / "people.csv"
    path.write_text(staff(12))
    first = run(project, url, "roster", "import", str(path), "--effective", "2024-01-01")
    assert first.stdout.splitlines()[-1] == "added 12, updated 0, unchanged 0"
    path.write_text(staff(12, skip=(3, 7)))
    sync = ["roster", "import", str(path), "--sync", "--effective", "2026-06-15"]
    dry = run(project, url, *sync, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[1:] == [
        "end p03@example.com (not in the file): end_date '' -> '2026-06-15'",
        "end p07@example.com (not in the file): end_date '' -> '2026-06-15'",
        "would add 0, updated 0, unchanged 10, ended 2 (dry run: nothing written)",
    ]
    store = Store(url)
    with store.transaction() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM roster_history WHERE field = 'end_date'"
                                    )).scalar() == 0  # fmt: skip
    real = run(project, url, *sync)
    assert real.exit_code == 0, real.output
    assert real.stdout.splitlines()[-1] == "added 0, updated 0, unchanged 10, ended 2"
    with store.transaction() as conn:
        history = conn.execute(sa.text(
            "SELECT p.email, h.old_value, h.new_value, h.effective_on FROM roster_history h "
            "JOIN people p USING (person_id) WHERE h.field = 'end_date' ORDER BY p.email"
        )).all()  # fmt: skip
    store.close()
    assert [tuple(r) for r in history] == [
        ("p03@example.com", "", "2026-06-15", "2026-06-15"),
        ("p07@example.com", "", "2026-06-15", "2026-06-15"),
    ]
    due = run(project, url, "due", "--as-of", "2026-06-15", "--format", "json")
    items = json.loads(due.stdout)
    exits = sorted((i["email"], i["rule"], i["due"]) for i in items if i["module"] == "exit")
    assert exits == [
        ("p03@example.com", "offboarding", "2026-06-15"),
        ("p07@example.com", "offboarding", "2026-06-15"),
    ]
    later = run(project, url, "due", "--as-of", "2026-06-16", "--format", "json")
    assert {i["email"] for i in json.loads(later.stdout)} == {
        f"p{i:02}@example.com" for i in range(12) if i not in (3, 7)
    }
    path.write_text(staff(12, skip=(0, 1, 2, 3, 4, 5, 7)))  # 5 of the 10 left
    refused = run(project, url, *sync)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: the sync would end 5 of 10 people (50 %), more than the 20 % limit; check "
        "that the file is the whole workforce, or pass --force; nothing imported\n"
    )
    forced = run(project, url, *sync, "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.splitlines()[-1] == "added 0, updated 0, unchanged 5, ended 5"


CHAIN = """email,name,department,roles,start_date,manager_email
ann@example.com,Ann,Engineering,engineer,2024-01-01,
ben@example.com,Ben,Engineering,engineer,2024-01-01,ann@example.com
cat@example.com,Cat,Sales,all-staff,2024-01-01,ben@example.com
dan@example.com,Dan,Sales,all-staff,2024-01-01,
"""


def test_due_and_completion_for_a_managers_direct_and_indirect_reports(
    project: Path, database_url: str, tmp_path: Path
) -> None:
    url = database_url  # SQLite, then PostgreSQL
    path = tmp_path / "chain.csv"
    path.write_text(CHAIN)
    assert run(project, url, "roster", "import", str(path)).exit_code == 0
    due = run(project, url, "due", "--as-of", "2026-06-15", "--manager", "Ann@Example.com",
              "--format", "json")  # fmt: skip
    assert due.exit_code == 0, due.output
    assert {i["email"] for i in json.loads(due.stdout)} == {"ben@example.com", "cat@example.com"}
    done = run(project, url, "completion", "--as-of", "2026-06-15", "--manager", "ann@example.com",
               "--format", "json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert {r["group"]: r["people"] for r in json.loads(done.stdout)} == {
        "Engineering": 1,
        "Sales": 1,
    }
    nobody = run(project, url, "due", "--manager", "zed@example.com")
    assert nobody.exit_code == 1
    assert nobody.stderr == (
        "Error: no person with email 'zed@example.com' on the roster; did you mean "
        "'dan@example.com'?\n"
    )
    history = run(project, url, "roster", "import", str(path))
    assert history.stdout.splitlines()[-1] == "added 0, updated 0, unchanged 4"
    path.write_text(CHAIN.replace("2024-01-01,ben@example.com", "2024-01-01,ann@example.com"))
    moved = run(project, url, "roster", "import", str(path))
    assert moved.stdout.splitlines()[1] == (
        "update cat@example.com: manager_email 'ben@example.com' -> 'ann@example.com'"
    )


def test_serve_roster_uses_the_same_reader(project: Path, url: str) -> None:
    store = Store(url)
    store.migrate()
    manifest = project / ".trustpath" / "manifest.json"
    try:
        with pytest.raises(click.ClickException) as info:
            _load_roster(store, project, FIXTURES / "invisible.csv", manifest)
        assert info.value.message == "1 problem(s) in the roster; nothing imported"
        line = _load_roster(store, project, FIXTURES / "semicolons.csv", manifest)
        assert line == f"roster {FIXTURES / 'semicolons.csv'}: 2 added, 0 updated, 2 people"
    finally:
        store.close()
