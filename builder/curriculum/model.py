"""The curriculum as plain data: modules, quizzes, roles. No MkDocs, no web framework."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from builder.curriculum.criteria import Catalogue
from builder.curriculum.yamlsource import SourceMap

STAGES = ("onboarding", "recurring", "offboarding")
RECURRING = ("annual", "semiannual", "quarterly")
DEFAULT_WHEN = ("onboarding", "annual")


def recurrence_of(when: tuple[str, ...] | list[str]) -> str | None:
    """The shortest recurring cadence among `when` triggers, or None."""
    for cadence in ("quarterly", "semiannual", "annual"):
        if cadence in when:
            return cadence
    return None


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # single | multiple | true_false
    prompt: str
    choices: tuple[Choice, ...]
    explain: str | None = None
    shuffle: bool = True  # False keeps the authored order (scales, "none of these" last)

    @property
    def correct_ids(self) -> frozenset[str]:
        """The ids of the correct choices (for true_false: 'true' or 'false')."""
        return frozenset(c.id for c in self.choices if c.correct)


@dataclass(frozen=True)
class Quiz:
    pass_mark: int
    reveal: str  # after_pass | never | always
    questions: tuple[Question, ...]
    # The records service's rules (issue 11); None: the service's default (course.quizrules).
    draw: int | None = None  # questions shown per attempt
    max_attempts: int | None = None  # per attempt_window_hours; 0: no limit
    attempt_window_hours: int | None = None
    cooldown_minutes: int | None = None  # after a failed attempt
    feedback: str | None = None  # per_question | score_only


@dataclass
class Module:
    id: str
    title: str
    version: int
    criteria: tuple[str, ...]
    roles: tuple[str, ...]
    path: str  # relative to the project root, POSIX separators
    doc_path: str  # relative to docs_dir, as MkDocs names the page
    summary: str = ""
    when: tuple[str, ...] = DEFAULT_WHEN
    requires: tuple[str, ...] = ()
    order: int = 0  # place on a path within its stage: lower first (see paths._order)
    duration: int | None = None
    owner: str | None = None
    review_by: dt.date | None = None
    objective: str | None = None
    retrain_on_change: bool = True
    quiz: Quiz | None = None
    acknowledge: str | None = None
    delivery: str = "online"  # online | workshop (completed by attendance)
    min_minutes: int | None = None  # a workshop's attendance that counts as attended
    # Placeholders the file cites and the text they stood for in this build (profile.py)
    placeholders: dict[str, str] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    # of the whole file with its placeholders filled: records name the exact text taken
    content_sha256: str = ""
    source_map: SourceMap = field(default_factory=SourceMap, repr=False)

    @property
    def stage(self) -> str:
        """onboarding, recurring or offboarding: where the module sits on a path."""
        if "onboarding" in self.when:
            return "onboarding"
        if any(w in RECURRING for w in self.when):
            return "recurring"
        return "offboarding"

    @property
    def recurrence(self) -> str | None:
        """annual, semiannual or quarterly, if the module recurs (the shortest cadence wins)."""
        return recurrence_of(self.when)


@dataclass
class Role:
    id: str
    title: str
    path: str
    description: str = ""
    extends: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    source_map: SourceMap = field(default_factory=SourceMap, repr=False)


@dataclass
class Curriculum:
    """Every module and role that loaded, keyed by id (first definition wins on duplicates)."""

    modules: dict[str, Module]
    roles: dict[str, Role]
    catalogue: Catalogue
    plain_pages: tuple[str, ...] = ()
    files_checked: int = 0
