"""Each path module's status for one person: the one place `/api/me` asks "is it done?".

This is the stand-in until the due engine (DESIGN §8) replaces `module_statuses`; the
signature is the contract. Rules for now:

- a module with a quiz is `done` when the person passed its current version;
- a module with an acknowledgement is `done` when they acknowledged its current version
  (both, when it has both);
- a read-only module (neither quiz nor acknowledgement) records nothing, so it is `done`;
- anything else is `upcoming`, with no due date.
"""

from __future__ import annotations

import datetime as dt
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


def module_statuses(
    manifest: Mapping[str, Any],
    person: Mapping[str, Any] | None,
    module_ids: Iterable[str],
    passed: set[tuple[str, int]],
    acknowledged: set[tuple[str, int]],
    today: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """module id -> {"status", "due", "version"} for one person (`person` is their people row)."""
    out: dict[str, dict[str, Any]] = {}
    for mid in module_ids:
        module = manifest.get("modules", {}).get(mid)
        if module is None:
            continue
        key = (mid, int(module["version"]))
        done = True
        if module.get("quiz"):
            done = done and key in passed
        if module.get("acknowledge"):
            done = done and key in acknowledged
        out[mid] = {
            "status": "done" if done else "upcoming",
            "due": None,
            "version": module["version"],
        }
    return out
