"""Which modules a person's roles put on their path (statuses come from the due engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_ROLE = "all-staff"


def path_modules(manifest: Mapping[str, Any], roles: Iterable[str]) -> list[str]:
    """Module ids on the union of the roles' paths, in path order, each once."""
    seen: dict[str, None] = {}
    for rid in roles:
        for step in manifest.get("roles", {}).get(rid, {}).get("path", ()):
            seen.setdefault(step["module"], None)
    return list(seen)


def default_roles(manifest: Mapping[str, Any]) -> list[str]:
    """Roles of someone not on the roster: all-staff, when the curriculum has it."""
    return [DEFAULT_ROLE] if DEFAULT_ROLE in manifest.get("roles", {}) else []
