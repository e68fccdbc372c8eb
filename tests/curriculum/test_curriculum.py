"""The starter curriculum meets the bar set for it (issue: the starter curriculum)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from builder.config import load_settings
from builder.coverage.gate import compute_coverage
from builder.curriculum.loader import load_curriculum
from builder.curriculum.paths import build_paths

ROOT = Path(__file__).parent.parent.parent
REQUIRED_KEYS = (
    "id",
    "title",
    "summary",
    "version",
    "criteria",
    "roles",
    "when",
    "duration",
    "owner",
    "review_by",
    "objective",
)
ROLES = {
    "all-staff",
    "engineer",
    "it-operations",
    "hr",
    "customer-support",
    "manager",
    "incident-responder",
}


@pytest.fixture(scope="module")
def loaded():
    settings = load_settings(ROOT)
    result = load_curriculum(settings)
    assert result.ok, result.diagnostics
    return settings, result.curriculum


def _words(markdown: str) -> int:
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text))


def test_size_and_roles(loaded) -> None:
    _, curriculum = loaded
    assert len(curriculum.modules) >= 18
    assert set(curriculum.roles) >= ROLES
    paths = build_paths(curriculum)
    for rid in curriculum.roles:
        assert "all-staff" in paths[rid].ancestry, rid


def test_every_module_is_complete(loaded) -> None:
    _, curriculum = loaded
    for module in curriculum.modules.values():
        missing = [k for k in REQUIRED_KEYS if not module.source_map.has((k,))]
        assert not missing, f"{module.path} lacks {missing}"
        words = _words(module.body)
        assert 400 <= words <= 1500, f"{module.path}: {words} words"
        assert re.search(r"^#+ .*scenario", module.body, re.I | re.M), f"{module.path}: no scenario"
        assert module.quiz is not None and len(module.quiz.questions) >= 4, module.path
        for q in module.quiz.questions:
            assert q.explain, f"{module.path}: question {q.id} has no explanation"


def test_question_types_and_scenarios(loaded) -> None:
    _, curriculum = loaded
    questions = [q for m in curriculum.modules.values() for q in m.quiz.questions]
    assert Counter(q.type for q in questions).keys() == {"single", "multiple", "true_false"}
    scenario = [
        q for q in questions if re.search(r"\byou\b|colleague|customer|caller", q.prompt, re.I)
    ]
    assert len(scenario) > len(questions) / 2
    wrong = [c for q in questions for c in q.choices if not c.correct and q.type != "true_false"]
    assert sum(1 for c in wrong if c.feedback) > len(wrong) / 2


def test_policies_and_versioning(loaded) -> None:
    _, curriculum = loaded
    assert sum(1 for m in curriculum.modules.values() if m.acknowledge) >= 3
    bumped = [m for m in curriculum.modules.values() if m.version == 2]
    assert bumped and any(
        "version 2" in m.body.lower() or "what changed" in m.body.lower() for m in bumped
    )
    whens = {w for m in curriculum.modules.values() for w in m.when}
    assert {"onboarding", "annual", "semiannual", "offboarding"} <= whens


def test_training_relevant_security_criteria_are_required_and_covered(loaded) -> None:
    settings, curriculum = loaded
    paths = build_paths(curriculum)
    report = compute_coverage(curriculum, paths, settings)
    assert report.ok
    for criterion in curriculum.catalogue.criteria.values():
        if criterion.category == "security" and criterion.training_relevant:
            roles = [r for r, rc in report.roles.items() if criterion.id in rc.required]
            assert roles, f"no role requires {criterion.id}"
            assert all(criterion.id in report.roles[r].covered for r in roles)
