"""`trustpath init DIR`: a new content repository that validates and builds as written.

The files are package data (`builder/curriculum/starter/`): `mkdocs.yml` naming the
`trustpath` plugin (which brings the widgets: no theme to copy), three sample modules (a quiz,
an acknowledgement, a role-specific module with a prerequisite), two roles, the CI workflow, a
README for authors, an empty `site_overrides/` and a `.gitignore`. Names starting with `dot-`
are written with a leading dot (package data keeps no hidden files).
"""

from __future__ import annotations

import json
from pathlib import Path

STARTER = Path(__file__).resolve().parent / "starter"
ORGANISATION = "{organisation}"


class InitError(Exception):
    """The starter cannot be written where asked."""


def starter_files() -> list[Path]:
    """The starter's files, relative to `STARTER`, sorted."""
    return sorted(p.relative_to(STARTER) for p in STARTER.rglob("*") if p.is_file())


def _target(relative: Path) -> Path:
    return Path(*("." + part[4:] if part.startswith("dot-") else part for part in relative.parts))


def write_starter(directory: Path, organisation: str) -> list[Path]:
    """Write the starter project into `directory` (new or empty); the paths written, relative.

    `organisation` is the name the site and its reports show; it is written once, in
    mkdocs.yml (as a YAML string), and in the README's title. Raises InitError when
    `directory` is a file or a folder with files in it, or the name is empty.
    """
    name = " ".join(organisation.split())
    if not name:
        raise InitError("the organisation's name is empty: pass --organisation NAME")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InitError(f"{directory} is not an empty folder: choose a new one")
    written = []
    for relative in starter_files():
        text = (STARTER / relative).read_text("utf-8")
        if relative.name == "mkdocs.yml":
            text = text.replace(f'"{ORGANISATION}"', json.dumps(name, ensure_ascii=False))
        text = text.replace(ORGANISATION, name)
        target = directory / _target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        written.append(_target(relative))
    return written
