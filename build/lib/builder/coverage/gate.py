"""Criteria coverage: what each role must cover against what its path teaches."""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.config import Settings
from builder.curriculum.criteria import Criterion
from builder.curriculum.model import Curriculum
from builder.curriculum.paths import LearningPath


@dataclass
class RoleCoverage:
    role: str
    title: str
    required: dict[str, str]  # criterion id -> why: "own", "from ROLE", "configuration"
    covered: dict[str, list[str]]  # criterion id -> module ids on the path teaching it

    @property
    def gaps(self) -> list[str]:
        """Required criteria that no module on the path covers, in catalogue order."""
        return [cid for cid in self.required if cid not in self.covered]


@dataclass
class CoverageReport:
    criteria: list[Criterion]  # in scope, catalogue order
    roles: dict[str, RoleCoverage]
    unrequired: list[str] = field(default_factory=list)  # training-relevant, no role requires
    orphans: list[str] = field(default_factory=list)  # modules on no role's path

    @property
    def gaps(self) -> list[tuple[str, str]]:
        """(role, criterion) pairs missing, roles in id order."""
        return [(rid, cid) for rid, rc in self.roles.items() for cid in rc.gaps]

    @property
    def ok(self) -> bool:
        return not self.gaps


def required_criteria(
    curriculum: Curriculum, path: LearningPath, settings: Settings
) -> dict[str, str]:
    """The criteria a role must cover and why: its own, inherited, or required of every role."""
    required: dict[str, str] = {}
    for rid in path.ancestry:
        role = curriculum.roles[rid]
        for cid in role.criteria:
            required.setdefault(cid, "own" if rid == path.role.id else f"from {rid}")
    for cid in settings.required_criteria:
        required.setdefault(cid, "configuration")
    order = {cid: i for i, cid in enumerate(curriculum.catalogue.criteria)}
    return dict(sorted(required.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def compute_coverage(
    curriculum: Curriculum, paths: dict[str, LearningPath], settings: Settings
) -> CoverageReport:
    """Coverage of every role, plus unrequired training-relevant criteria and orphan modules."""
    roles = {
        rid: RoleCoverage(
            role=rid,
            title=path.role.title,
            required=required_criteria(curriculum, path, settings),
            covered=path.covered_criteria(),
        )
        for rid, path in paths.items()
    }
    scoped = curriculum.catalogue.scoped()
    all_required = {cid for rc in roles.values() for cid in rc.required}
    unrequired = [c.id for c in scoped if c.training_relevant and c.id not in all_required]
    on_paths = {mid for path in paths.values() for mid in path.module_ids}
    orphans = sorted(mid for mid in curriculum.modules if mid not in on_paths)
    return CoverageReport(criteria=scoped, roles=roles, unrequired=unrequired, orphans=orphans)
