"""The company profile (issue 17, item 1): placeholders checked, filled, hashed and recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from builder.config import ConfigError, load_settings
from builder.course.grading import grade_attempt, question_feedback
from builder.course.manifest import build_manifest
from builder.curriculum.loader import load_curriculum
from builder.curriculum.paths import build_paths
from builder.curriculum.profile import fill_text, iter_placeholders, placeholder_values

MKDOCS = """\
site_name: fixture
docs_dir: content
plugins:
  - trustpath:
      categories: [security]
      onboarding_days: 21
      company:
        name: {name}
        security_contact: security@example.org
        vuln_fix_days_critical: {days}
"""

# Placeholders at the start of plain scalars, inside flow mappings, in block scalars, in
# feedback, explanations, the acknowledgement and the body: YAML must parse all of them.
MODULE = """\
---
id: profiled
title: Profiled
version: 1
criteria: [CC2.2]
roles: [all-staff]
acknowledge:
  statement: I follow $company.name's rules.
quiz:
  reveal: always
  questions:
    - id: q1
      type: single
      prompt: |
        A critical flaw is found at $company.name. By when is it fixed?
      choices:
        - {id: a, text: $company.vuln_fix_days_critical days, correct: true}
        - {id: b, text: 90 days, correct: false, feedback: Not at $company.name.}
      explain: Critical fixes ship within $company.vuln_fix_days_critical days.
---
# Profiled

Report to $company.security_contact; onboarding is due in $training.onboarding_days days.
A price such as $5.00 or a shell variable like $HOME is left alone.
"""


def _project(root: Path, name: str = "Example Ltd", days: int = 7) -> Path:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "roles").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(MKDOCS.format(name=name, days=days), "utf-8")
    (root / "content" / "profiled.md").write_text(MODULE, "utf-8")
    (root / "roles" / "all-staff.yml").write_text(
        "id: all-staff\ntitle: Everyone\ncriteria: [CC2.2]\n", "utf-8"
    )
    return root


def _load(root: Path):
    settings = load_settings(root)
    result = load_curriculum(settings)
    assert result.ok, result.diagnostics
    return settings, result.curriculum


def test_the_model_holds_the_text_as_taught(tmp_path: Path) -> None:
    _, curriculum = _load(_project(tmp_path))
    module = curriculum.modules["profiled"]
    assert "Report to security@example.org; onboarding is due in 21 days." in module.body
    assert "$5.00" in module.body and "$HOME" in module.body
    assert module.acknowledge == "I follow Example Ltd's rules."
    assert module.quiz is not None
    q = module.quiz.questions[0]
    assert q.prompt == "A critical flaw is found at Example Ltd. By when is it fixed?\n"
    assert [c.text for c in q.choices] == ["7 days", "90 days"]
    assert q.choices[1].feedback == "Not at Example Ltd."
    assert q.explain == "Critical fixes ship within 7 days."
    assert module.placeholders == {
        "company.name": "Example Ltd",
        "company.security_contact": "security@example.org",
        "company.vuln_fix_days_critical": "7",
        "training.onboarding_days": "21",
    }


def test_the_content_hash_is_of_the_text_as_taught(tmp_path: Path) -> None:
    settings, curriculum = _load(_project(tmp_path / "a"))
    taught = fill_text(MODULE, placeholder_values(settings))
    expected = hashlib.sha256(taught.encode("utf-8")).hexdigest()
    assert curriculum.modules["profiled"].content_sha256 == expected
    _, other = _load(_project(tmp_path / "b", days=5))
    assert other.modules["profiled"].content_sha256 != expected


def test_the_manifest_records_the_values_and_grades_with_the_taught_text(tmp_path: Path) -> None:
    settings, curriculum = _load(_project(tmp_path))
    manifest = build_manifest(settings, curriculum, build_paths(curriculum))
    entry = manifest["modules"]["profiled"]
    assert entry["placeholders"]["company.vuln_fix_days_critical"] == "7"
    assert manifest["settings"]["company"] == {
        "name": "Example Ltd",
        "security_contact": "security@example.org",
        "vuln_fix_days_critical": 7,
    }
    assert entry["quiz"]["questions"][0]["choices"][0]["text"] == "7 days"
    statement = entry["acknowledge"]["statement"]
    assert statement == "I follow Example Ltd's rules."
    assert (
        entry["acknowledge"]["statement_sha256"] == hashlib.sha256(statement.encode()).hexdigest()
    )
    grade = grade_attempt(entry, {"q1": ["b"]})
    shown = question_feedback(entry, grade)
    assert shown[0]["explain"] == "Critical fixes ship within 7 days."
    assert "Not at Example Ltd." in str(shown[0]["feedback"])


def test_placeholder_positions_are_the_files_own() -> None:
    found = list(iter_placeholders(MODULE))
    assert found[0] == (8, 23, "company.name")
    assert (23, 11, "company.security_contact") in found


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("{'Security Contact': a@b.c}", "key 'Security Contact' is not a placeholder name"),
        ("{strict_mode: true}", "'strict_mode' must be text or a number"),
        (
            "{contacts: [a, b]}",
            "'contacts' must be text or a number (modules print it as written), not list",
        ),
        ("[a, b]", "trustpath option 'company' must be a dict"),
    ],
)
def test_a_malformed_profile_is_a_config_error(tmp_path: Path, profile: str, message: str) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: x\nplugins:\n  - trustpath:\n      company: {profile}\n", "utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value)
