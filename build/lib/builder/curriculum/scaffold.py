"""`trustpath new module`: a module file that validates as written."""

from __future__ import annotations

import datetime as dt
import json
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


# Sentences the scaffold writes for the author to replace; `validate` warns while any is left
# (`placeholder-text`). Each starts with PLACEHOLDER_MARK, so one scan of a file tells whether
# any can be there (validate stays fast), and says to the author what to do with it.
PLACEHOLDER_MARK = "Replace this"
PLACEHOLDER_SUMMARY = "Replace this with what everyone in these roles needs to know about"
PLACEHOLDERS = (
    PLACEHOLDER_SUMMARY,
    "Replace this with the business outcome this module serves.",
    "Replace this with a scenario: 'You receive ...'. What do you do?",
    "Replace this with the safe action, as specific as the mistakes.",
    "Replace this with a tempting mistake that sounds reasonable.",
    "Replace this with why this is tempting and why it is wrong.",
    "Replace this with another common mistake, about as long as the others.",
    "Replace this with why this one is wrong too.",
    "Replace this with why the right answer is right, in one or two sentences.",
    "Replace this with why this matters to the reader's daily work.",
    "Replace this with the first habit.",
    "Replace this with the second habit.",
    "Replace this with a short story the reader will recognise.",
)


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when YAML 1.2 reads it back unchanged, else quoted."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10_000).removesuffix("\n...\n")
    dumped = dumped.rstrip("\n")
    if dumped == value and ":" not in value and not value[:1].isdigit():
        return value
    return json.dumps(value, ensure_ascii=False)


def render_module(
    module_id: str,
    title: str,
    roles: tuple[str, ...],
    criteria: tuple[str, ...],
    review_by: dt.date,
) -> str:
    """The text of a new module in the house style of the starter curriculum.

    The title is written once, in the front matter (the page shows it as the heading). Every
    sentence for the author to replace is one of `PLACEHOLDERS`, which `validate` warns about.
    """
    p = PLACEHOLDERS
    summary = f"{PLACEHOLDER_SUMMARY} {title[:1].lower()}{title[1:]}."
    return f"""---
id: {module_id}
title: {_scalar(title)}
summary: {_scalar(summary)}
version: 1
criteria: [{", ".join(criteria)}]
roles: [{", ".join(roles)}]
when: [onboarding, annual]
duration: 10
owner: security@example.com
review_by: {review_by.isoformat()}
objective: {p[1]}
quiz:
  pass_mark: 80
  reveal: after_pass
  questions:
    - id: first-question
      type: single
      prompt: |
        {p[2]}
      choices:
        - id: right
          text: {p[3]}
          correct: true
        - id: tempting
          text: {p[4]}
          correct: false
          feedback: {p[5]}
        - id: other
          text: {p[6]}
          correct: false
          feedback: {p[7]}
      explain: |
        {p[8]}
---
{p[9]}

## What to do

- {p[10]}
- {p[11]}

## Scenario: a realistic situation

{p[12]}
"""


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
