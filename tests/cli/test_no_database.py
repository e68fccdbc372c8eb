"""Report commands never create a database (issue 10): a typo in the path is an error, not an
empty "all clear"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli.main import cli
from tests.reports_data import make_project

READERS = [
    ["due"], ["completion"], ["questions"], ["feedback"], ["unknown"], ["head"], ["verify"],
    ["export", "--from", "2026-01-01", "--to", "2026-01-31"], ["dashboard", "-o", "x.html"],
    ["forget", "ann@example.com"],
]  # fmt: skip


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_report_on_a_missing_sqlite_file_exits_1_and_leaves_no_file(
    tmp_path: Path, args: list[str]
) -> None:
    project = make_project(tmp_path / "project")
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    result = CliRunner().invoke(
        cli,
        ["--project", str(project), "records", "--database", f"sqlite:///{missing}", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert f"no records database at {missing}" in result.output
    assert "records migrate" in result.output  # the hint
    assert not missing.exists() and not missing.parent.exists()


def test_migrate_and_roster_import_may_create_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    db = tmp_path / "fresh" / "records.db"
    runner = CliRunner()
    migrated = runner.invoke(
        cli, ["--project", str(project), "records", "--database", f"sqlite:///{db}", "migrate"]
    )
    assert migrated.exit_code == 0, migrated.output
    assert db.is_file()
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name,roles,start_date\nann@example.com,Ann,all-staff,2026-01-05\n")
    other = tmp_path / "other.db"
    imported = runner.invoke(
        cli,
        ["--project", str(project), "records", "--database", f"sqlite:///{other}",
         "roster", "import", str(roster)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert other.is_file()
