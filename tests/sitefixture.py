"""Helpers for tests that build a site: copy a fixture project somewhere writable."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "website"
OVERRIDES = REPO / "site_overrides"


def copy_fixture(target: Path, source: Path = FIXTURE) -> Path:
    """Copy a fixture project to `target`, pointing its theme at the repo's site_overrides."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("site", ".trustpath"))
    config = target / "mkdocs.yml"
    text = config.read_text("utf-8")
    text = text.replace("custom_dir: ../../../site_overrides", f"custom_dir: {OVERRIDES}")
    config.write_text(text, "utf-8")
    return target


def copy_project(target: Path) -> Path:
    """Copy the starter project (mkdocs.yml, content, roles, overrides) to `target`."""
    target.mkdir(parents=True)
    for name in ("content", "roles", "site_overrides"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    return target
