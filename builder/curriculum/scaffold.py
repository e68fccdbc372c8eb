"""`trustpath new module`: a module file that validates as written."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path, PurePosixPath

import yaml

from builder.config import Settings
from builder.curriculum.model import Curriculum
from builder.curriculum.suggest import did_you_mean

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ScaffoldError(Exception):
    """The module cannot be written as asked."""


def _default_folder(curriculum: Curriculum, roles: tuple[str, ...]) -> str:
    """The folder holding most modules of the first role, else one named after the role."""
    role = roles[0]
    folders = Counter(
        str(PurePosixPath(m.doc_path).parent)
        for m in curriculum.modules.values()
        if role in m.roles
    )
    if folders:
        return folders.most_common(1)[0][0]
    return role


def render_module(
    module_id: str,
    title: str,
    roles: tuple[str, ...],
    criteria: tuple[str, ...],
    review_by: dt.date,
) -> str:
    """The text of a new module: front matter with a starter quiz, and a body outline."""
    front = {
        "id": module_id,
        "title": title,
        "summary": f"What everyone in these roles needs to know about {title.lower()}.",
        "version": 1,
        "criteria": list(criteria),
        "roles": list(roles),
        "when": ["onboarding", "annual"],
        "duration": 10,
        "owner": "security@example.com",
        "review_by": review_by.isoformat(),
        "objective": "Describe the business outcome this module serves.",
        "quiz": {
            "pass_mark": 80,
            "reveal": "after_pass",
            "questions": [
                {
                    "id": "first-question",
                    "type": "single",
                    "prompt": "Write a scenario: 'You receive ...'. What do you do?",
                    "choices": [
                        {"id": "right", "text": "The safe action", "correct": True},
                        {
                            "id": "wrong",
                            "text": "A tempting mistake",
                            "correct": False,
                            "feedback": "Say why this is tempting and why it is wrong.",
                        },
                    ],
                    "explain": "Explain the right answer in one or two sentences.",
                }
            ],
        },
    }
    text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=88)
    return (
        f"---\n{text}---\n# {title}\n\n"
        "Open with why this matters to the reader's daily work.\n\n"
        "## What to do\n\n- The first habit.\n- The second habit.\n\n"
        "## Scenario: a realistic situation\n\nTell a short story the reader will recognise.\n"
    )


def write_module(
    settings: Settings,
    curriculum: Curriculum,
    module_id: str,
    *,
    title: str | None,
    roles: tuple[str, ...],
    criteria: tuple[str, ...],
    folder: str | None,
    today: dt.date | None = None,
) -> Path:
    """Write `<docs>/<folder>/<id>.md`; refuse bad ids, unknown references and overwrites."""
    if not _SLUG.match(module_id):
        raise ScaffoldError(
            f"module id '{module_id}' must be lowercase letters, digits and hyphens"
        )
    if module_id in curriculum.modules:
        raise ScaffoldError(
            f"module id '{module_id}' is already used by {curriculum.modules[module_id].path}"
        )
    roles = roles or ("all-staff",)
    for role in roles:
        if role not in curriculum.roles:
            raise ScaffoldError(f"unknown role '{role}'{did_you_mean(role, curriculum.roles)}")
    criteria = criteria or ("CC2.2",)
    for cid in criteria:
        if cid not in curriculum.catalogue.criteria:
            raise ScaffoldError(
                f"unknown criterion '{cid}'{did_you_mean(cid, curriculum.catalogue.criteria)}"
            )
    folder = folder if folder is not None else _default_folder(curriculum, roles)
    target = settings.docs_path / folder / f"{module_id}.md"
    if target.exists():
        raise ScaffoldError(
            f"{target.relative_to(settings.root).as_posix()} already exists; not overwriting it"
        )
    today = today or dt.date.today()
    review_by = (
        today.replace(year=today.year + 1)
        if (today.month, today.day) != (2, 29)
        else (today + dt.timedelta(days=365))
    )
    text = render_module(
        module_id, title or module_id.replace("-", " ").capitalize(), roles, criteria, review_by
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as fh:
        fh.write(text)
    return target
