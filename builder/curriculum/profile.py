"""The company profile: placeholders such as `$company.name` in modules, checked and filled.

A module cites a company-specific fact (its name, the security contact, a fix deadline, a
deletion window) as a placeholder instead of writing the value, so an adopter edits the one
`company:` block of the `trustpath` plugin in mkdocs.yml and every page and quiz follows.

Syntax: `$company.KEY`, where KEY is a key of the `company` setting (lowercase letters, digits
and `_`), and `$training.onboarding_days`, `$training.grace_days` and `$training.categories`,
read from the settings of the same names (one source of truth for what the content quotes).
The syntax was chosen because YAML and Markdown both leave it alone: `$` is no YAML
indicator (a plain scalar may start with it, in block and flow context alike, where `{{ }}`
opens a flow mapping), Markdown gives `$` no meaning, and it does not collide with Jinja,
which mkdocs-macros applies to pages.

Placeholders are filled by the loader (`fill_text`, `fill_data`), so every consumer of the
model (the site, the path pages, the manifest's answer key and explanations, the
acknowledgement hash) sees the text as taught; values are inserted as written, as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from builder.config import Settings
from builder.curriculum.diagnostics import Diagnostic, error
from builder.curriculum.suggest import closest

PLACEHOLDER = re.compile(r"\$(?P<name>(?:company|training)\.[A-Za-z0-9_]+)")
# Settings a module may quote, under `training.`: the rules the due engine applies, and the
# Trust Services categories in scope (`categories`, written out as "Security, Availability and
# Privacy"; every category when the setting is empty).
TRAINING_SETTINGS = ("onboarding_days", "grace_days", "categories")
CATEGORY_NAMES = {
    "security": "Security",
    "availability": "Availability",
    "processing_integrity": "Processing Integrity",
    "confidentiality": "Confidentiality",
    "privacy": "Privacy",
}


def _categories(settings: Settings) -> str:
    names = [CATEGORY_NAMES.get(c, c) for c in settings.categories or tuple(CATEGORY_NAMES)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def placeholder_values(settings: Settings) -> dict[str, str]:
    """{'company.name': 'Northwind Cloud', 'training.onboarding_days': '30', ...}: every
    placeholder name (without `$`) a module may use, with the text it stands for."""
    values = {f"company.{key}": str(value) for key, value in settings.company.items()}
    values["training.onboarding_days"] = str(settings.onboarding_days)
    values["training.grace_days"] = str(settings.grace_days)
    values["training.categories"] = _categories(settings)
    return values


def iter_placeholders(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, name) of every placeholder in `text`, 1-based, in order."""
    if "$" not in text:
        return
    for number, line in enumerate(text.splitlines(), 1):
        if "$" in line:
            for match in PLACEHOLDER.finditer(line):
                yield number, match.start() + 1, match.group("name")


def check_profile_placeholders(text: str, rel: str, values: dict[str, str]) -> list[Diagnostic]:
    """`unknown-placeholder` errors for placeholders the profile does not define.

    `text` is the whole module file (front matter and body), so positions are the file's own
    and prose, quiz text, feedback and explanations are all checked.
    """
    found: list[Diagnostic] = []
    for line, column, name in iter_placeholders(text):
        if name in values:
            continue
        namespace, key = name.split(".", 1)
        keys = [n.split(".", 1)[1] for n in values if n.startswith(namespace + ".")]
        match = closest(key, keys)
        if namespace == "company":
            what = "is not in the company profile"
            fix = f"add '{key}' to the company: block of the trustpath plugin in mkdocs.yml"
        else:
            what = "is not a training setting"
            fix = f"the training placeholders are {', '.join(TRAINING_SETTINGS)}"
        hint = f"did you mean '${namespace}.{match}'?" if match else fix
        found.append(error(rel, (line, column), "unknown-placeholder", f"'${name}' {what}: {hint}"))
    return found


def fill_text(text: str, values: dict[str, str]) -> str:
    """`text` with every known placeholder replaced by its value (unknown ones left as they are)."""
    if "$" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: values.get(m.group("name"), m.group(0)), text)


def fill_data(data: Any, values: dict[str, str]) -> Any:
    """A copy of parsed YAML (`dict`, `list`, scalars) with placeholders filled in its strings."""
    if isinstance(data, str):
        return fill_text(data, values)
    if isinstance(data, dict):
        return {key: fill_data(value, values) for key, value in data.items()}
    if isinstance(data, list):
        return [fill_data(value, values) for value in data]
    return data


def placeholders_used(text: str, values: dict[str, str]) -> dict[str, str]:
    """{name: value} of the known placeholders `text` cites, sorted by name."""
    names = {name for _, _, name in iter_placeholders(text) if name in values}
    return {name: values[name] for name in sorted(names)}
