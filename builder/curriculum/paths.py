"""Per-role learning paths: inheritance, extra modules, prerequisites, stages."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from builder.curriculum.model import STAGES, Curriculum, Module, Role


@dataclass(frozen=True)
class PathStep:
    """One module on a path, in the stage where it is taken."""

    module: Module
    stage: str
    pulled_in: bool = False  # a prerequisite from outside the role's own modules
    required_by: tuple[str, ...] = ()  # modules on the path that need it, when pulled in


@dataclass
class LearningPath:
    role: Role
    ancestry: tuple[str, ...]  # the role and every role it extends, nearest first
    steps: list[PathStep] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(s.module.duration or 0 for s in self.steps)

    @property
    def module_ids(self) -> list[str]:
        return [s.module.id for s in self.steps]

    def covered_criteria(self) -> dict[str, list[str]]:
        """Criterion id -> ids of the modules on this path that teach it."""
        covered: dict[str, list[str]] = {}
        for step in self.steps:
            for cid in step.module.criteria:
                covered.setdefault(cid, []).append(step.module.id)
        return covered


def role_ancestry(curriculum: Curriculum, role_id: str) -> tuple[str, ...]:
    """The role and all roles it extends, breadth-first, each once (diamonds, cycles safe)."""
    order: list[str] = []
    queue = [role_id]
    while queue:
        rid = queue.pop(0)
        if rid in order or rid not in curriculum.roles:
            continue
        order.append(rid)
        queue.extend(curriculum.roles[rid].extends)
    return tuple(order)


def modules_by_role(curriculum: Curriculum) -> dict[str, list[Module]]:
    """Role id -> modules tagged with it (an index, so each path costs O(its size))."""
    index: dict[str, list[Module]] = {}
    for module in curriculum.modules.values():
        for rid in module.roles:
            index.setdefault(rid, []).append(module)
    return index


def _order(members: dict[str, Module], stage_of: dict[str, int]) -> list[str]:
    """Stable topological order: stage, then `order` (lower first), then title, then id.

    Prerequisites always come before the modules that need them: a prerequisite takes the
    lowest `order` of the modules on the path that need it (directly or further down), so a
    module placed early brings its prerequisites forward with it instead of waiting for them.
    """
    rank = _effective_order(members)
    indegree = dict.fromkeys(members, 0)
    dependents: dict[str, list[str]] = {mid: [] for mid in members}
    for mid, module in members.items():
        for req in dict.fromkeys(module.requires):
            if req in members and req != mid:
                indegree[mid] += 1
                dependents[req].append(mid)

    def key(mid: str) -> tuple[int, int, str, str]:
        return (stage_of[mid], rank[mid], members[mid].title, mid)

    heap = [key(m) for m, d in indegree.items() if d == 0]
    heapq.heapify(heap)
    ordered: list[str] = []
    while heap:
        mid = heapq.heappop(heap)[-1]
        ordered.append(mid)
        for dep in dependents[mid]:
            indegree[dep] -= 1
            if indegree[dep] == 0:
                heapq.heappush(heap, key(dep))
    # Modules in a prerequisite cycle (a validation error) still appear, in title order.
    rest = sorted((m for m in members if m not in ordered), key=lambda m: members[m].title)
    return ordered + rest


def _effective_order(members: dict[str, Module]) -> dict[str, int]:
    """Each module's `order`, lowered to the lowest `order` of the modules that require it."""
    rank = {mid: m.order for mid, m in members.items()}
    changed = True
    while changed:  # a fixed point; at most one pass per level of prerequisites (cycles end too)
        changed = False
        for mid, module in members.items():
            for req in module.requires:
                if req in rank and rank[req] > rank[mid]:
                    rank[req] = rank[mid]
                    changed = True
    return rank


def build_path(
    curriculum: Curriculum, role_id: str, index: dict[str, list[Module]] | None = None
) -> LearningPath:
    """The ordered learning path of one role."""
    index = index if index is not None else modules_by_role(curriculum)
    role = curriculum.roles[role_id]
    ancestry = role_ancestry(curriculum, role_id)
    members: dict[str, Module] = {}
    for rid in ancestry:
        for module in index.get(rid, ()):
            members[module.id] = module
    for rid in ancestry:
        for mid in curriculum.roles[rid].modules:
            if mid in curriculum.modules:
                members[mid] = curriculum.modules[mid]
    own = set(members)
    required_by: dict[str, list[str]] = {}
    pending = list(members)
    while pending:
        module = members[pending.pop()]
        for req in module.requires:
            if req not in curriculum.modules:
                continue
            required_by.setdefault(req, []).append(module.id)
            if req not in members:
                members[req] = curriculum.modules[req]
                pending.append(req)
    # A prerequisite is taken no later than the earliest stage of a module that needs it.
    stage_of = {mid: STAGES.index(m.stage) for mid, m in members.items()}
    changed = True
    while changed:
        changed = False
        for mid, module in members.items():
            for req in module.requires:
                if req in stage_of and stage_of[req] > stage_of[mid]:
                    stage_of[req] = stage_of[mid]
                    changed = True
    steps = [
        PathStep(
            module=members[mid],
            stage=STAGES[stage_of[mid]],
            pulled_in=mid not in own,
            required_by=tuple(sorted(set(required_by.get(mid, ())))) if mid not in own else (),
        )
        for mid in _order(members, stage_of)
    ]
    return LearningPath(role=role, ancestry=ancestry, steps=steps)


def build_paths(curriculum: Curriculum) -> dict[str, LearningPath]:
    """Every role's path, keyed by role id, in role id order."""
    index = modules_by_role(curriculum)
    return {rid: build_path(curriculum, rid, index) for rid in sorted(curriculum.roles)}


def format_path_text(path: LearningPath, curriculum: Curriculum) -> str:
    """A role's path for the terminal: stage headings, modules with minutes and criteria."""
    role = path.role
    extends = f" (extends {', '.join(path.ancestry[1:])})" if len(path.ancestry) > 1 else ""
    lines = [f"{role.id}: {role.title}{extends}"]
    for stage in STAGES:
        steps = [s for s in path.steps if s.stage == stage]
        if not steps:
            continue
        lines.append(f"  {stage}")
        for i, step in enumerate(steps, 1):
            m = step.module
            minutes = f"{m.duration} min" if m.duration else "-"
            note = f"  [prerequisite of {', '.join(step.required_by)}]" if step.pulled_in else ""
            lines.append(f"    {i:>2}. {m.id:<28} {minutes:>7}  {', '.join(m.criteria)}{note}")
    lines.append(f"  total: {len(path.steps)} modules, {path.total_minutes} min")
    return "\n".join(lines)


def path_to_json(path: LearningPath) -> dict[str, object]:
    """A role's path as JSON-ready data."""
    return {
        "role": path.role.id,
        "title": path.role.title,
        "ancestry": list(path.ancestry),
        "total_minutes": path.total_minutes,
        "modules": [
            {
                "id": s.module.id,
                "title": s.module.title,
                "stage": s.stage,
                "order": s.module.order,
                "duration": s.module.duration,
                "criteria": list(s.module.criteria),
                "pulled_in": s.pulled_in,
                "required_by": list(s.required_by),
            }
            for s in path.steps
        ],
    }
