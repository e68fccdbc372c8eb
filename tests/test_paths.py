"""Learning paths: inheritance, diamonds, stages, prerequisite order, pulled-in modules."""

from __future__ import annotations

import json
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
