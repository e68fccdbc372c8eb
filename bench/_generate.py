"""Synthetic curricula for the benchmarks: realistic sizes, valid content, fixed seed."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

CRITERIA = [
    "CC1.1",
    "CC1.4",
    "CC1.5",
    "CC2.2",
    "CC5.3",
    "CC6.1",
    "CC6.2",
    "CC6.3",
    "CC6.4",
    "CC6.7",
    "CC6.8",
    "CC7.2",
    "CC7.3",
    "CC7.4",
    "CC8.1",
    "C1.1",
    "C1.2",
]
WORDS = [
    "report",
    "phishing",
    "access",
    "data",
    "customer",
    "device",
    "password",
    "review",
    "change",
    "incident",
    "privacy",
    "policy",
    "secure",
    "confidential",
    "least",
    "privilege",
    "owner",
    "audit",
    "evidence",
]

MKDOCS = """site_name: bench
docs_dir: content
theme:
  name: material
  font: false
  features: [navigation.prune]
plugins:
  - search
{plugin}
"""


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def module_text(rng: random.Random, i: int, roles: list[str], with_quiz: bool) -> str:
    front: dict[str, object] = {
        "id": f"module-{i:04d}",
        "title": f"Module {i:04d}: {paragraph(rng, 3)[:-1]}",
        "summary": paragraph(rng, 12),
        "version": rng.randint(1, 3),
        "criteria": sorted(rng.sample(CRITERIA, 2)),
        "roles": sorted(rng.sample(roles, rng.randint(1, 2))),
        "when": ["onboarding", "annual"],
        "duration": rng.randint(5, 30),
        "owner": "security@example.com",
        "review_by": "2099-06-30",
        "objective": paragraph(rng, 10),
    }
    if i > 0 and rng.random() < 0.3:
        front["requires"] = [f"module-{rng.randrange(i):04d}"]
    if with_quiz:
        questions = []
        for q in range(5):
            if q == 4:
                questions.append(
                    {
                        "id": f"q{q}",
                        "type": "true_false",
                        "prompt": paragraph(rng, 12),
                        "answer": rng.random() < 0.5,
                        "explain": paragraph(rng, 15),
                    }
                )
                continue
            correct = rng.randrange(4)
            questions.append(
                {
                    "id": f"q{q}",
                    "type": "single",
                    "prompt": paragraph(rng, 20),
                    "choices": [
                        {
                            "id": f"c{c}",
                            "text": paragraph(rng, 6),
                            "correct": c == correct,
                            **({"feedback": paragraph(rng, 8)} if c != correct else {}),
                        }
                        for c in range(4)
                    ],
                    "explain": paragraph(rng, 15),
                }
            )
        front["quiz"] = {"pass_mark": 80, "reveal": "after_pass", "questions": questions}
    body = "\n\n".join(
        [f"# {front['title']}"] + [f"## Part {p}\n\n{paragraph(rng, 80)}" for p in range(5)]
    )
    return "---\n" + yaml.safe_dump(front, sort_keys=False, width=100) + "---\n" + body + "\n"


def generate(
    root: Path,
    modules: int,
    roles: int,
    quiz_share: float = 1.0,
    plugin: bool = True,
    seed: int = 7,
) -> Path:
    """Write mkdocs.yml, roles/*.yml and content/**/*.md under `root`."""
    rng = random.Random(seed)
    role_ids = ["all-staff"] + [f"role-{r:02d}" for r in range(1, roles)]
    (root / "roles").mkdir(parents=True, exist_ok=True)
    for r, rid in enumerate(role_ids):
        role = {
            "id": rid,
            "title": rid.replace("-", " ").title(),
            "extends": [] if r == 0 else ["all-staff"],
            "criteria": sorted(rng.sample(CRITERIA[:6], 2)),
        }
        (root / "roles" / f"{rid}.yml").write_text(yaml.safe_dump(role, sort_keys=False))
    for i in range(modules):
        folder = root / "content" / f"topic-{i % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = module_text(rng, i, role_ids, with_quiz=rng.random() < quiz_share)
        (folder / f"module-{i:04d}.md").write_text(text)
    plugin_entry = "  - trustpath:\n      categories: [security, confidentiality]" if plugin else ""
    (root / "mkdocs.yml").write_text(MKDOCS.format(plugin=plugin_entry))
    return root
