"""What a change gains and loses in coverage, compared with a base revision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from builder.coverage.gate import CoverageReport
from builder.curriculum.model import Module
from builder.curriculum.paths import LearningPath


@dataclass
class RoleChange:
    role: str
    lost_required: list[str] = field(default_factory=list)  # was covered, now a gap
    gained_required: list[str] = field(default_factory=list)  # was a gap, now covered
    lost_covered: list[str] = field(default_factory=list)  # other criteria no longer taught
    gained_covered: list[str] = field(default_factory=list)
    newly_required: list[str] = field(default_factory=list)
    no_longer_required: list[str] = field(default_factory=list)
    modules_added: list[str] = field(default_factory=list)
    modules_removed: list[str] = field(default_factory=list)
    added_role: bool = False
    removed_role: bool = False
    # criterion -> the module changes responsible, e.g. ["advanced: module removed"]
    causes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.lost_required,
                self.gained_required,
                self.lost_covered,
                self.gained_covered,
                self.newly_required,
                self.no_longer_required,
                self.modules_added,
                self.modules_removed,
                self.added_role,
                self.removed_role,
            )
        )


@dataclass
class CoverageDiff:
    base: str
    roles: list[RoleChange]

    @property
    def lost_required(self) -> list[tuple[str, str]]:
        """(role, criterion) pairs that the base covered and the change leaves uncovered."""
        return [(rc.role, cid) for rc in self.roles for cid in rc.lost_required]


def _minus(a: object, b: object) -> list[str]:
    return sorted(set(a) - set(b))  # type: ignore[call-overload]


def _lost_because(cid: str, mids: list[str], head: Mapping[str, Module], role: str) -> list[str]:
    """Why each module that taught `cid` on the role's base path no longer does."""
    out = []
    for mid in mids:
        module = head.get(mid)
        if module is None:
            out.append(f"{mid}: module removed")
        elif cid not in module.criteria:
            out.append(f"{mid}: no longer lists {cid}")
        else:
            out.append(f"{mid}: no longer on {role}'s path (roles: {', '.join(module.roles)})")
    return out


def _gained_because(cid: str, mids: list[str], base: Mapping[str, Module], role: str) -> list[str]:
    """What each module that teaches `cid` on the role's head path changed to do so."""
    out = []
    for mid in mids:
        module = base.get(mid)
        if module is None:
            out.append(f"{mid}: new module")
        elif cid not in module.criteria:
            out.append(f"{mid}: now lists {cid}")
        else:
            out.append(f"{mid}: now on {role}'s path")
    return out


def diff_coverage(
    base_rev: str,
    base: CoverageReport,
    base_paths: dict[str, LearningPath],
    head: CoverageReport,
    head_paths: dict[str, LearningPath],
    base_modules: Mapping[str, Module] | None = None,
    head_modules: Mapping[str, Module] | None = None,
) -> CoverageDiff:
    """Per-role changes from `base` to `head`; roles with lost required criteria first.

    With the modules of both sides, every criterion lost or gained names the module changes
    responsible (`RoleChange.causes`): removed or new, criterion dropped or added, off or on
    the role's path.
    """
    changes = []
    for rid in sorted(set(base.roles) | set(head.roles)):
        b, h = base.roles.get(rid), head.roles.get(rid)
        change = RoleChange(role=rid, added_role=b is None, removed_role=h is None)
        if b is not None and h is not None:
            b_gaps, h_gaps = set(b.gaps), set(h.gaps)
            change.lost_required = [c for c in h.gaps if c not in b_gaps and c in b.covered]
            change.gained_required = [c for c in b.gaps if c not in h_gaps and c in h.covered]
            required = set(h.required) | set(b.required)
            change.lost_covered = [c for c in _minus(b.covered, h.covered) if c not in required]
            change.gained_covered = [c for c in _minus(h.covered, b.covered) if c not in required]
            change.newly_required = _minus(h.required, b.required)
            change.no_longer_required = _minus(b.required, h.required)
        b_mods = base_paths[rid].module_ids if rid in base_paths else []
        h_mods = head_paths[rid].module_ids if rid in head_paths else []
        change.modules_added = _minus(h_mods, b_mods)
        change.modules_removed = _minus(b_mods, h_mods)
        if base_modules is not None and head_modules is not None and b and h:
            b_cov, h_cov = b.covered, h.covered
            for cid in (*change.lost_required, *change.lost_covered):
                change.causes[cid] = _lost_because(cid, b_cov.get(cid, []), head_modules, rid)
            for cid in (*change.gained_required, *change.gained_covered):
                change.causes[cid] = _gained_because(cid, h_cov.get(cid, []), base_modules, rid)
        if not change.empty:
            changes.append(change)
    changes.sort(key=lambda c: (not c.lost_required, c.role))
    return CoverageDiff(base=base_rev, roles=changes)


def describe(change: RoleChange) -> list[str]:
    """One line per kind of change, most serious first."""
    lines = []
    if change.added_role:
        lines.append("new role")
    if change.removed_role:
        lines.append("role removed")
    labels = (
        ("LOST required", change.lost_required),
        ("newly required", change.newly_required),
        ("gained required", change.gained_required),
        ("no longer required", change.no_longer_required),
        ("no longer covered", change.lost_covered),
        ("newly covered", change.gained_covered),
        ("modules removed", change.modules_removed),
        ("modules added", change.modules_added),
    )
    for label, items in labels:
        if items:
            lines.append(f"{label}: {', '.join(_with_cause(change, i) for i in items)}")
    return lines


def _with_cause(change: RoleChange, item: str) -> str:
    causes = change.causes.get(item)
    return f"{item} ({'; '.join(causes)})" if causes else item
