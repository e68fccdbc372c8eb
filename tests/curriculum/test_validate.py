"""`trustpath validate`: one fixture project per diagnostic code, exact output and exit status."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli.main import cli
from tests.conftest import FIXTURES

DIAGNOSTICS = FIXTURES / "diagnostics"
CASES = sorted(p.name for p in DIAGNOSTICS.iterdir() if p.is_dir())


def _prepare(code: str, project: Path) -> None:
    """Cases whose broken file cannot live in git are made here."""
    content = project / "content"
    if code == "file-too-large":
        header = (
            b"---\nid: big\ntitle: Big\nversion: 1\ncriteria: [CC2.2]\nroles: [all-staff]\n---\n"
        )
        (content / "big.md").write_bytes(header + b"x" * (5 * 1024 * 1024 - len(header)))
    elif code == "symlink-loop":
        os.symlink(".", content / "loop")
        os.symlink("self.md", content / "self.md")
    elif code == "read-error":
        os.symlink("missing.md", content / "dangling.md")


def run_validate(project: Path, *args: str) -> tuple[str, int]:
    result = CliRunner().invoke(cli, ["--project", str(project), "validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output, result.exit_code


@pytest.mark.parametrize("code", CASES)
def test_validate_reports_each_code_at_its_exact_place(code: str, copy_fixture) -> None:
    project = copy_fixture(f"diagnostics/{code}")
    _prepare(code, project)
    expected = (project / "expected.txt").read_text()
    output, status = run_validate(project)
    assert f"{output}exit: {status}\n" == expected
    if code not in {"criterion-out-of-scope", "review-overdue"}:
        assert f"[{code}]" in output


def test_every_code_has_a_fixture() -> None:
    codes = set()
    for case in CASES:
        for line in (DIAGNOSTICS / case / "expected.txt").read_text().splitlines():
            if "[" in line and line.count(":") >= 4:
                codes.add(line.split("[", 1)[1].split("]", 1)[0])
    assert codes == set(CASES)


def test_warnings_fail_only_with_strict(copy_fixture) -> None:
    project = copy_fixture("diagnostics/review-overdue")
    assert run_validate(project)[1] == 0
    output, status = run_validate(project, "--strict")
    assert status == 1
    assert "warning[review-overdue]" in output


def test_json_format_lists_objects_with_positions(copy_fixture) -> None:
    project = copy_fixture("diagnostics/unknown-role")
    output, status = run_validate(project, "--format", "json")
    assert status == 1
    assert json.loads(output) == [
        {
            "path": "content/role.md",
            "line": 6,
            "column": 20,
            "severity": "error",
            "code": "unknown-role",
            "message": "unknown role 'enginer' in roles; did you mean 'engineer'?",
        },
        {
            "path": "roles/engineer.yml",
            "line": 3,
            "column": 11,
            "severity": "error",
            "code": "unknown-role",
            "message": "unknown role 'all-staf' in extends; did you mean 'all-staff'?",
        },
    ]


def test_github_format_prints_workflow_commands(copy_fixture) -> None:
    project = copy_fixture("diagnostics/unknown-criterion")
    output, status = run_validate(project, "--format", "github")
    assert status == 1
    assert output.splitlines()[0] == (
        "::error file=content/crit.md,line=5,col=19,title=unknown-criterion::"
        "unknown criterion 'CC6.10' in criteria; did you mean 'CC6.1'?"
    )


def test_broken_files_do_not_stop_the_others_being_checked(copy_fixture) -> None:
    project = copy_fixture("diagnostics/yaml-syntax")
    content = project / "content"
    (content / "list.md").write_text("---\n- a\n---\n")
    (content / "bad.md").write_bytes(b"---\nid: \xff\n---\n")
    (content / "empty.md").write_text("")
    (content / "typo.md").write_text(
        "---\nid: typo\ntitle: T\nversion: 1\ncriteria: [CC2.2]\nroles: [all-staf]\n---\n"
    )
    output, status = run_validate(project)
    assert status == 1
    codes = [line.split("[")[1].split("]")[0] for line in output.splitlines()[:-1]]
    assert codes == [
        "not-utf8",
        "empty-file",
        "not-a-mapping",
        "yaml-syntax",
        "yaml-syntax",
        "unknown-role",
    ]


def test_missing_mkdocs_yml_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "validate"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_starter_curriculum_validates_strictly() -> None:
    root = Path(__file__).parent.parent.parent
    output, status = run_validate(root, "--strict")
    assert status == 0, output
    assert output.startswith("0 errors, 0 warnings")
