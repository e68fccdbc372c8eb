"""Module sources as they were published, read from git: for the evidence pack.

A module version's source is the file at the commit that introduced the version: the oldest
commit, following renames, whose front matter says `version: N`. Its sha256 is compared with
the content hashes the ledger's `publication` entries recorded for that version, so the pack
says whether the text in it is byte for byte the text that was served (an edit made later
without a version bump shows as "differs").
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(r"^version:\s*['\"]?(\d+)['\"]?\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class VersionSource:
    """The source of one module version, or why it could not be found."""

    module: str
    version: int
    commit: str | None  # the commit that introduced the version
    committed_at: str | None  # its commit date (ISO 8601)
    path: str | None  # the file's path at that commit
    text: str | None
    problem: str = ""  # why there is no text

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest() if self.text else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def front_matter_version(text: str) -> int | None:
    """The `version:` of a module file's front matter, or None."""
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    found = _VERSION.search(text[3 : end if end > 0 else len(text)])
    return int(found.group(1)) if found else None


def commit_at(root: Path, until_utc: str) -> str | None:
    """The last commit of HEAD made at or before `until_utc` (ISO), or None without git."""
    out = _git(root, "rev-list", "-1", f"--before={until_utc}", "HEAD")
    return out.strip() or None if out is not None else None


def file_history(root: Path, path: str) -> list[tuple[str, str, str]]:
    """(commit, commit date, path at that commit) of every commit touching `path`, oldest
    first, following renames; empty without git or history."""
    out = _git(root, "log", "--follow", "--format=%x00%H %cI", "--name-only", "--", path)
    if not out:
        return []
    history = []
    for block in out.split("\x00")[1:]:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if len(lines) >= 2:
            commit, _, date = lines[0].partition(" ")
            history.append((commit, date, lines[-1]))
    return list(reversed(history))


def version_source(root: Path, module: str, path: str, version: int) -> VersionSource:
    """The source of `module` at `version` (see the module docstring)."""
    history = file_history(root, path)
    if not history:
        why = f"{path} has no git history here (not a git repository, or never committed)"
        return VersionSource(module, version, None, None, None, None, why)
    for commit, date, at_path in history:
        raw = _git(root, "show", f"{commit}:{at_path}")
        if raw is not None and front_matter_version(raw) == version:
            return VersionSource(module, version, commit, date, at_path, raw)
    why = f"no commit of {path} has version {version} in its front matter"
    return VersionSource(module, version, None, None, None, None, why)
