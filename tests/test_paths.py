"""Learning paths: inheritance, diamonds, stages, prerequisite order, pulled-in modules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from builder.cli.main import cli
from builder.config import load_settings
from builder.curriculum.loader import load_curriculum
from builder.curriculum.paths import build_paths
from tests.conftest import FIXTURES

PROJECT = FIXTURES / "paths"


def _paths():
    result = load_curriculum(load_settings(PROJECT))
    assert result.ok, result.diagnostics
    return build_paths(result.curriculum)


def test_three_level_inheritance_collects_every_ancestors_modules() -> None:
    leaf = _paths()["leaf"]
    assert leaf.ancestry == ("leaf", "mid", "base")
    assert set(leaf.module_ids) == {"prereq", "advanced", "intro", "policy", "refresher", "leaving"}


def test_diamond_counts_a_shared_module_once() -> None:
    bottom = _paths()["bottom"]
    assert bottom.ancestry == ("bottom", "left", "right", "base")
    assert bottom.module_ids.count("shared") == 1
    assert bottom.module_ids.count("intro") == 1


def test_role_modules_are_added_to_the_path() -> None:
    assert "extra" in _paths()["bottom"].module_ids


def test_stages_then_prerequisites_then_titles() -> None:
    mid = _paths()["mid"]
    assert [(s.module.id, s.stage) for s in mid.steps] == [
        ("intro", "onboarding"),  # "Zulu intro" comes first: "Alpha policy" requires it
        ("policy", "onboarding"),
        ("refresher", "recurring"),
        ("leaving", "offboarding"),
    ]


def test_prerequisite_from_outside_the_path_is_pulled_in_and_marked() -> None:
    leaf = _paths()["leaf"]
    steps = {s.module.id: s for s in leaf.steps}
    assert steps["prereq"].pulled_in
    assert steps["prereq"].required_by == ("advanced",)
    # an annual module needed by an onboarding one is taken at onboarding, before it
    assert steps["prereq"].stage == "onboarding"
    assert leaf.module_ids.index("prereq") < leaf.module_ids.index("advanced")
    assert not steps["advanced"].pulled_in


def test_total_minutes() -> None:
    assert _paths()["leaf"].total_minutes == 7 + 20 + 10 + 15 + 5 + 5


def test_paths_command_text() -> None:
    result = CliRunner().invoke(cli, ["--project", str(PROJECT), "paths", "leaf"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "leaf: Leaf (extends mid, base)",
        "  onboarding",
        "     1. prereq                         7 min  CC6.1  [prerequisite of advanced]",
        "     2. advanced                      20 min  CC8.1",
        "     3. intro                         10 min  CC2.2",
        "     4. policy                        15 min  CC2.2",
        "  recurring",
        "     1. refresher                      5 min  CC6.1",
        "  offboarding",
        "     1. leaving                        5 min  CC2.2",
        "  total: 6 modules, 62 min",
    ]


def test_paths_command_json() -> None:
    result = CliRunner().invoke(cli, ["--project", str(PROJECT), "paths", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [p["role"] for p in data] == ["base", "bottom", "leaf", "left", "mid", "other", "right"]
    leaf = next(p for p in data if p["role"] == "leaf")
    assert leaf["total_minutes"] == 62
    assert leaf["modules"][0] == {
        "id": "prereq",
        "title": "Prerequisite from elsewhere",
        "stage": "onboarding",
        "order": 0,
        "duration": 7,
        "criteria": ["CC6.1"],
        "pulled_in": True,
        "required_by": ["advanced"],
    }


def test_paths_unknown_role_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["--project", str(PROJECT), "paths", "leaff"])
    assert result.exit_code == 2
    assert "unknown role 'leaff'; did you mean 'leaf'?" in result.output


def test_paths_refuses_invalid_content(copy_fixture) -> None:
    project: Path = copy_fixture("diagnostics/unknown-role")
    result = CliRunner().invoke(cli, ["--project", str(project), "paths"])
    assert result.exit_code == 1
    assert "content/role.md:6:20: error[unknown-role]" in result.output


# -- `order`: a module's place on a path (issue 19) --


def _add_module(project: Path, mid: str, title: str, extra: str = "") -> None:
    (project / "content" / f"{mid}.md").write_text(
        f"---\nid: {mid}\ntitle: {title}\nversion: 1\ncriteria: [CC2.2]\nroles: [base]\n"
        f"when: [onboarding]\nduration: 5\nreview_by: 2099-01-01\n{extra}---\n# {title}\n",
        encoding="utf-8",
    )


def _set_order(project: Path, mid: str, order: int) -> None:
    path = project / "content" / f"{mid}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("version: 1\n", f"version: 1\norder: {order}\n", 1), "utf-8")


def _onboarding(project: Path, role: str) -> list[str]:
    result = load_curriculum(load_settings(project))
    assert result.ok, result.diagnostics
    path = build_paths(result.curriculum)[role]
    return [s.module.id for s in path.steps if s.stage == "onboarding"]


def test_without_order_ties_go_by_title(copy_fixture) -> None:
    project: Path = copy_fixture("paths")
    _add_module(project, "aardvark", "Aardvark basics")
    assert _onboarding(project, "mid") == ["aardvark", "intro", "policy"]


def test_lower_order_comes_first_then_title(copy_fixture) -> None:
    project: Path = copy_fixture("paths")
    _add_module(project, "aardvark", "Aardvark basics")
    _set_order(project, "intro", -1)
    assert _onboarding(project, "mid") == ["intro", "aardvark", "policy"]
    _set_order(project, "aardvark", 5)  # higher: after everything at the default 0
    assert _onboarding(project, "mid") == ["intro", "policy", "aardvark"]


def test_order_never_puts_a_module_before_its_prerequisite(copy_fixture) -> None:
    project: Path = copy_fixture("paths")
    _add_module(project, "aardvark", "Aardvark basics")
    # "Alpha policy" requires "Zulu intro": placed first, it brings its prerequisite with it.
    _set_order(project, "policy", -5)
    assert _onboarding(project, "mid") == ["intro", "policy", "aardvark"]


def test_order_is_in_the_json_path(copy_fixture) -> None:
    project: Path = copy_fixture("paths")
    _set_order(project, "intro", -3)
    result = CliRunner().invoke(cli, ["--project", str(project), "paths", "mid", "--format",
                                      "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    mid = json.loads(result.output)
    assert [(m["id"], m["order"]) for m in mid["modules"]][:2] == [("intro", -3), ("policy", 0)]


def test_order_must_be_an_integer(copy_fixture) -> None:
    project: Path = copy_fixture("paths")
    _add_module(project, "aardvark", "Aardvark basics", "order: first\n")
    result = CliRunner().invoke(cli, ["--project", str(project), "validate"])
    assert result.exit_code == 1
    assert "content/aardvark.md:10:8: error[invalid-type]" in result.output
    assert "order" in result.output


def test_starter_manager_path_starts_with_welcome_after_a_module_without_requires(
    tmp_path: Path,
) -> None:
    """Issue 19's acceptance: a new module with no `requires`, whose title sorts before
    "Welcome", still comes after the starter `welcome` module (it has `order: -10`)."""
    from tests.conftest import REPO

    project = tmp_path / "starter"
    project.mkdir()
    for name in ("content", "roles"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "content" / "people").mkdir(exist_ok=True)
    (project / "content" / "people" / "access-reviews.md").write_text(
        "---\nid: access-reviews\ntitle: Access reviews for managers\nversion: 1\n"
        "criteria: [CC6.2]\nroles: [manager]\nwhen: [onboarding]\nduration: 10\n"
        "review_by: 2099-01-01\n---\n# Access reviews for managers\n\nReview access.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--project", str(project), "paths", "manager"])
    assert result.exit_code == 0, result.output
    numbered = [line.split()[1] for line in result.output.splitlines()
                if line.strip().split(".")[0].isdigit()]  # fmt: skip
    assert numbered[0] == "welcome"
    assert "access-reviews" in numbered
