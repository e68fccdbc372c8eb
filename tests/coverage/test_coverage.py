"""The coverage gate: exit status, every format, and the --base comparison from git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import markdown
import pytest
from click.testing import CliRunner

from builder.cli.main import cli

FORMATS = ["text", "markdown", "json", "junit"]


def run(project: Path, *args: str) -> tuple[str, int]:
    result = CliRunner().invoke(cli, ["--project", str(project), "coverage", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output, result.exit_code


@pytest.fixture
def gappy(copy_fixture) -> Path:
    """The paths fixture where role 'mid' (and so 'leaf') now requires CC7.4, taught nowhere."""
    project = copy_fixture("paths")
    role = project / "roles" / "mid.yml"
    role.write_text(role.read_text().replace("criteria: [CC6.1]", "criteria: [CC6.1, CC7.4]"))
    return project


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_coverage_exits_0(fmt: str, copy_fixture) -> None:
    output, status = run(copy_fixture("paths"), "--format", fmt)
    assert status == 0, output


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_criterion_exits_1_and_names_role_and_criterion(fmt: str, gappy: Path) -> None:
    output, status = run(gappy, "--format", fmt)
    assert status == 1
    assert "mid" in output and "leaf" in output and "CC7.4" in output
    if fmt == "text":
        assert (
            "error[coverage-gap]: role 'mid' requires CC7.4 (Respond to incidents through a "
            "defined program), but no module on its path covers it"
        ) in output
    if fmt == "json":
        gaps = json.loads(output)["gaps"]
        assert [(g["role"], g["criterion"]) for g in gaps] == [("leaf", "CC7.4"), ("mid", "CC7.4")]


def test_text_matrix_fits_80_columns(gappy: Path) -> None:
    output, _ = run(gappy)
    assert (
        max(len(line) for line in output.splitlines() if not line.startswith(("error", "warn")))
        <= 80
    )
    assert "CC7.4    ·   ·   GAP ·   GAP" in output
    assert "  C  leaf (Leaf)" in output and "  E  mid (Middle)" in output
    assert "  GAP  required, but no module on the role's path covers it" in output


def test_text_matrix_keeps_long_role_ids_whole_under_a_key(copy_fixture) -> None:
    project = copy_fixture("paths")
    for n in range(20):
        rid = f"customer-support-engineer-tier-{n}-with-a-very-long-identifier"
        (project / "roles" / f"{rid}.yml").write_text(
            f"id: {rid}\ntitle: A role whose title is far too long to fit on one line at all\n"
            "extends: [base]\ncriteria: [CC2.2]\n"
        )
    output, status = run(project)
    assert status == 0, output
    lines = [line for line in output.splitlines() if not line.startswith(("error", "warn"))]
    assert max(len(line) for line in lines) <= 80
    for n in range(20):
        assert f"customer-support-engineer-tier-{n}-with-a-very-long-identifier (" in output
    assert output.splitlines()[0].startswith("criteria A   B   C")
    assert "criteria" in output.split("Roles:")[0].splitlines()[0]


def test_junit_has_one_testcase_per_role_and_required_criterion(gappy: Path) -> None:
    output, status = run(gappy, "--format", "junit")
    assert status == 1
    root = ET.fromstring(output.split("\n", 1)[1])
    cases = root.findall("./testsuite/testcase")
    pairs = {(c.get("classname"), c.get("name", "").split()[0]) for c in cases}
    assert len(cases) == len(pairs) == 12
    failures = [c for c in cases if c.find("failure") is not None]
    assert {(c.get("classname"), c.get("name", "").split()[0]) for c in failures} == {
        ("coverage.mid", "CC7.4"),
        ("coverage.leaf", "CC7.4"),
    }
    assert root.find("testsuite").get("failures") == "2"


def test_markdown_renders_as_a_table_with_gaps_first(gappy: Path) -> None:
    output, _ = run(gappy, "--format", "markdown")
    html = markdown.markdown(output, extensions=["tables"])
    assert html.count("<table>") == 2
    assert "<td><code>leaf</code></td>\n<td>CC7.4</td>" in html
    assert output.index("CC7.4") < output.index("Criteria × roles")


def test_role_option_limits_the_report(gappy: Path) -> None:
    output, status = run(gappy, "--role", "base", "--format", "json")
    assert status == 0
    assert list(json.loads(output)["roles"]) == ["base"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(copy_fixture) -> Path:
    """A git repository: commit 1 is the fixture, commit 2 removes the only CC8.1 module."""
    project = copy_fixture("paths")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    (project / "content" / "advanced.md").unlink()
    _git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "two")
    return project


@pytest.mark.parametrize("fmt", FORMATS)
def test_base_reports_the_lost_criterion_first_and_fails(fmt: str, repo: Path) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    output, status = run(repo, "--base", "HEAD~1", "--format", fmt)
    assert status == 1
    if fmt == "text":
        changes = output.split("Changes against HEAD~1:\n", 1)[1].splitlines()
        assert changes[0] == "  leaf: LOST required: CC8.1 (advanced: module removed)"
        assert "  leaf: modules removed: advanced, prereq" in changes
    elif fmt == "markdown":
        assert "| `leaf` | **LOST required: CC8.1 (advanced: module removed)** |" in output
    elif fmt == "json":
        diff = json.loads(output)["diff"]
        assert diff["lost_required"] == [{"role": "leaf", "criterion": "CC8.1"}]
        leaf = next(r for r in diff["roles"] if r["role"] == "leaf")
        assert leaf["causes"] == {"CC8.1": ["advanced: module removed"]}
    else:
        assert "covered at HEAD~1" in output
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert before == after
    assert _git(repo, "status", "--porcelain") == ""


def _commit(repo: Path, message: str) -> None:
    git = ("-c", "user.name=t", "-c", "user.email=t@example.com")
    _git(repo, *git, "add", "-A")
    _git(repo, *git, "commit", "-qm", message)


def test_base_names_the_module_change_behind_each_lost_or_gained_criterion(repo: Path) -> None:
    advanced = _git(repo, "show", "HEAD~1:content/advanced.md")
    # Bring the CC8.1 module back without CC8.1, and teach CC8.1 in another module instead.
    (repo / "content" / "advanced.md").write_text(advanced.replace("CC8.1", "CC6.1"))
    _commit(repo, "three")
    output, _ = run(repo, "--base", "HEAD~2")
    assert "  leaf: LOST required: CC8.1 (advanced: no longer lists CC8.1)" in output
    output, _ = run(repo, "--base", "HEAD~1")
    assert "  leaf: gained required: CC8.1" not in output  # nothing teaches it at HEAD
    (repo / "content" / "advanced.md").write_text(advanced)
    _commit(repo, "four")
    output, _ = run(repo, "--base", "HEAD~1")
    assert "  leaf: gained required: CC8.1 (advanced: now lists CC8.1)" in output
    output, _ = run(repo, "--base", "HEAD~2")
    assert "  leaf: gained required: CC8.1 (advanced: new module)" in output


def test_base_with_no_change_says_so(repo: Path) -> None:
    output, status = run(repo, "--base", "HEAD")
    assert status == 1  # the gap is still there, though nothing changed
    assert "Changes against HEAD:\n  none" in output


def test_unknown_base_revision_is_a_clear_error(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(repo), "coverage", "--base", "nope"])
    assert result.exit_code == 1
    assert "unknown git revision 'nope'" in result.output
    assert "Traceback" not in result.output


def test_starter_curriculum_has_no_gaps() -> None:
    output, status = run(Path(__file__).parent.parent.parent)
    assert status == 0, output
