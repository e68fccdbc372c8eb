"""The course as reports see it: modules, roles and paths read from the course manifest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from builder.curriculum.model import recurrence_of

RECURRENCE_MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3}


class CourseError(Exception):
    """The course manifest is missing or unreadable."""


@dataclass(frozen=True)
class CourseModule:
    """What the due engine and the reports need to know about one module."""

    id: str
    title: str
    version: int
    when: tuple[str, ...] = ("onboarding", "annual")
    criteria: tuple[str, ...] = ()
    retrain_on_change: bool = True
    has_quiz: bool = False
    has_ack: bool = False
    review_by: dt.date | None = None
    owner: str | None = None
    delivery: str = "online"  # online | workshop
    min_minutes: int = 1  # a workshop: minutes of attendance that complete it
    url: str = ""  # the page's URL relative to the site root

    @cached_property
    def recurrence(self) -> str | None:
        """annual, semiannual or quarterly (the shortest cadence wins), or None."""
        return recurrence_of(self.when)

    @cached_property
    def offboarding_only(self) -> bool:
        """True when the module is only taken on the way out."""
        return "offboarding" in self.when and not (
            "onboarding" in self.when or self.recurrence is not None
        )

    @cached_property
    def workshop(self) -> bool:
        """A live session (`delivery: workshop`): attendance completes it."""
        return self.delivery == "workshop"

    @cached_property
    def needs(self) -> tuple[str, ...]:
        """The record kinds that together complete the module: `pass` (its quiz), `ack` (its
        acknowledgement), `attend` (a workshop: attendance of at least `min_minutes`)."""
        kinds = (("pass", self.has_quiz), ("ack", self.has_ack), ("attend", self.workshop))
        return tuple(kind for kind, needed in kinds if needed)

    @cached_property
    def trackable(self) -> bool:
        """A module is tracked when records can complete it: a quiz, an acknowledgement or
        attendance (a workshop)."""
        return bool(self.needs)


@dataclass(frozen=True)
class CourseRole:
    id: str
    title: str
    ancestry: tuple[str, ...]
    departments: tuple[str, ...]
    criteria: tuple[str, ...]  # the role's own required criteria
    path: tuple[str, ...]  # module ids in path order
    required: tuple[str, ...] = ()  # all it must cover, as `trustpath coverage` computed it


@dataclass
class Course:
    """Modules and roles of one build, plus the lifecycle settings of the project."""

    modules: dict[str, CourseModule]
    roles: dict[str, CourseRole]
    onboarding_days: int = 30
    grace_days: int = 30
    due_soon_days: int = 14
    timezone: str = "UTC"  # IANA name; see builder.lifecycle.clock
    programme_start: dt.date | None = None
    organisation: str = "TrustPath"
    built_at: dt.date | None = None
    commit: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def onboarding_window(self) -> dt.timedelta:
        return dt.timedelta(days=self.onboarding_days)

    @cached_property
    def grace_window(self) -> dt.timedelta:
        return dt.timedelta(days=self.grace_days)

    def path_of(self, roles: tuple[str, ...] | list[str]) -> list[str]:
        """Module ids on the union of the given roles' paths, first appearance first."""
        seen: dict[str, None] = {}
        for rid in roles:
            role = self.roles.get(rid)
            if role is not None:
                for mid in role.path:
                    seen.setdefault(mid, None)
        return list(seen)

    def required_criteria(self, role_id: str) -> list[str]:
        """Criteria the role must cover: as the build computed them, else its own and inherited."""
        if self.roles[role_id].required:
            return list(self.roles[role_id].required)
        out: dict[str, None] = {}
        for rid in self.roles[role_id].ancestry:
            if rid in self.roles:
                out.update(dict.fromkeys(self.roles[rid].criteria))
        return list(out)

    def covered_criteria(self, role_id: str) -> list[str]:
        """Criteria taught by the modules on the role's path."""
        out: dict[str, None] = {}
        for mid in self.roles[role_id].path:
            if mid in self.modules:
                out.update(dict.fromkeys(self.modules[mid].criteria))
        return list(out)

    @cached_property
    def workshop_minutes(self) -> dict[str, int]:
        """module id -> the minutes of attendance that complete it, for every workshop."""
        return {mid: m.min_minutes for mid, m in self.modules.items() if m.workshop}

    @property
    def site_url(self) -> str:
        """The site's `site_url` as the build recorded it ('' when none)."""
        return str((self.raw.get("settings") or {}).get("site_url") or "")

    def module_link(self, module_id: str, base: str | None = None) -> str:
        """The absolute URL of a module's page under `base` (default: the site URL), or its
        path relative to the site root when there is no base."""
        module = self.modules.get(module_id)
        path = module.url if module is not None else ""
        root = base if base is not None else self.site_url
        return (root.rstrip("/") + "/" + path) if root else path

    def questions(self, module_id: str) -> list[dict[str, Any]]:
        """The manifest's questions of a module (prompt, choices, correct ids)."""
        entry = self.raw.get("modules", {}).get(module_id) or {}
        quiz = entry.get("quiz") or {}
        return list(quiz.get("questions") or [])


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def course_from_manifest(manifest: dict[str, Any]) -> Course:
    """A Course from a manifest dict as written by `builder.course.manifest.build_manifest`."""
    modules = {
        mid: CourseModule(
            id=mid,
            title=str(m.get("title") or mid),
            version=int(m.get("version") or 1),
            when=tuple(m.get("when") or ("onboarding", "annual")),
            criteria=tuple(m.get("criteria") or ()),
            retrain_on_change=bool(m.get("retrain_on_change", True)),
            has_quiz=bool(m.get("quiz")),
            has_ack=bool(m.get("acknowledge")),
            review_by=_date(m.get("review_by")),
            owner=m.get("owner"),
            delivery=str(m.get("delivery") or "online"),
            min_minutes=int(m.get("min_minutes") or m.get("duration") or 1),
            url=str(m.get("url") or ""),
        )
        for mid, m in (manifest.get("modules") or {}).items()
    }
    roles = {
        rid: CourseRole(
            id=rid,
            title=str(r.get("title") or rid),
            ancestry=tuple(r.get("ancestry") or (rid,)),
            departments=tuple(r.get("departments") or ()),
            criteria=tuple(r.get("criteria") or ()),
            required=tuple(r.get("required_criteria") or ()),
            path=tuple(step["module"] for step in r.get("path") or ()),
        )
        for rid, r in (manifest.get("roles") or {}).items()
    }
    settings = manifest.get("settings") or {}
    return Course(
        modules=modules,
        roles=roles,
        onboarding_days=int(settings.get("onboarding_days", 30)),
        grace_days=int(settings.get("grace_days", 30)),
        due_soon_days=int(settings.get("due_soon_days", 14)),
        timezone=str(settings.get("timezone") or "UTC"),
        programme_start=_date(settings.get("programme_start")),
        organisation=str(settings.get("organisation") or "TrustPath"),
        built_at=_date(manifest.get("built_at")),
        commit=manifest.get("commit"),
        raw=manifest,
    )


def load_course(root: Path) -> Course:
    """The course of the project at `root`: its built manifest, else the content loaded now."""
    from builder.config import load_settings
    from builder.course.manifest import MANIFEST_NAME, build_manifest, git_commit, read_manifest

    settings = load_settings(root)
    manifest_path = settings.state_path / MANIFEST_NAME
    if manifest_path.exists():
        try:
            return course_from_manifest(read_manifest(manifest_path))
        except (OSError, ValueError) as exc:
            raise CourseError(f"cannot read the course manifest {manifest_path}: {exc}") from None
    from builder.curriculum.loader import load_curriculum
    from builder.curriculum.paths import build_paths

    result = load_curriculum(settings)
    if not result.ok:
        raise CourseError("the content has errors: run `trustpath validate` and fix them first")
    curriculum = result.curriculum
    manifest = build_manifest(
        settings, curriculum, build_paths(curriculum), commit=git_commit(settings.root)
    )
    return course_from_manifest(manifest)
