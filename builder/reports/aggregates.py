"""Report aggregations over due items, answers and feedback. Pure: no DB, no web."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.course.model import Course
from builder.ledger.views import AnswerCount, FeedbackEntry
from builder.lifecycle.due import DueItem, Person

FLAG_MISS_RATE = 0.5  # a question most people miss is flagged for its authors
FLAG_MIN_ATTEMPTS = 5  # ... once enough people have answered it to say so


@dataclass
class CompletionRow:
    """Assigned items of one group and how many are current (done and not overdue)."""

    group: str
    assigned: int = 0
    current: int = 0
    overdue: int = 0
    due_soon: int = 0
    upcoming: int = 0
    people: set[str] = field(default_factory=set, repr=False)

    @property
    def share(self) -> float:
        return self.current / self.assigned if self.assigned else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "people": len(self.people),
            "assigned": self.assigned,
            "current": self.current,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "upcoming": self.upcoming,
            "share": round(self.share, 4),
        }


def is_current(item: DueItem) -> bool:
    """Completed, and the completion still counts (not overdue for its next round)."""
    return item.completed is not None and item.status in ("done", "due_soon", "upcoming")


def completion_table(
    items: Iterable[DueItem], by: str, people: Mapping[str, Person], course: Course
) -> list[CompletionRow]:
    """Completion by department, role or module, sorted by group name."""
    rows: dict[str, CompletionRow] = {}
    path_sets = {rid: set(r.path) for rid, r in course.roles.items()}
    for item in items:
        if by == "department":
            groups = [item.department or "(none)"]
        elif by == "module":
            groups = [item.module]
        else:
            person = people.get(item.person_id)
            roles = person.roles if person else ()
            groups = [r for r in roles if item.module in path_sets.get(r, ())] or ["(none)"]
        for group in groups:
            row = rows.get(group)
            if row is None:
                row = rows[group] = CompletionRow(group)
            row.assigned += 1
            row.people.add(item.person_id)
            if is_current(item):
                row.current += 1
            if item.status == "overdue":
                row.overdue += 1
            elif item.status == "due_soon":
                row.due_soon += 1
            elif item.status == "upcoming":
                row.upcoming += 1
    return [rows[g] for g in sorted(rows)]


@dataclass
class QuestionStat:
    module: str
    version: int
    question: str
    prompt: str
    attempts: int
    misses: int
    top_wrong: str | None  # the most chosen wrong choice id
    top_wrong_text: str
    top_wrong_share: float  # of all attempts at the question

    @property
    def miss_rate(self) -> float:
        return self.misses / self.attempts if self.attempts else 0.0

    @property
    def flagged(self) -> bool:
        return self.attempts >= FLAG_MIN_ATTEMPTS and self.miss_rate > FLAG_MISS_RATE

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "version": self.version,
            "question": self.question,
            "prompt": self.prompt,
            "attempts": self.attempts,
            "misses": self.misses,
            "miss_rate": round(self.miss_rate, 4),
            "top_wrong_choice": self.top_wrong,
            "top_wrong_text": self.top_wrong_text,
            "top_wrong_share": round(self.top_wrong_share, 4),
            "flagged": self.flagged,
        }


def question_stats(answers: Iterable[AnswerCount], course: Course) -> list[QuestionStat]:
    """Item analysis per module version and question, most missed first."""
    groups: dict[tuple[str, int, str], list[tuple[tuple[str, ...], bool, int]]] = defaultdict(list)
    for module, version, question, selected, correct, count in answers:
        groups[(module, version, question)].append((selected, correct, count))
    stats = []
    for (module, version, question), rows in groups.items():
        meta = {q["id"]: q for q in course.questions(module)}.get(question, {})
        right_set = {c for sel, ok, _ in rows if ok for c in sel}
        if (
            not right_set
            and course.modules.get(module)
            and course.modules[module].version == version
        ):
            right_set = set(meta.get("correct") or ())
        attempts = sum(n for _, _, n in rows)
        misses = sum(n for _, ok, n in rows if not ok)
        wrong: Counter[str] = Counter()
        for sel, ok, n in rows:
            if not ok:
                for choice in set(sel) - right_set:
                    wrong[choice] += n
        top = wrong.most_common(1)[0] if wrong else None
        texts = {c["id"]: c.get("text") or "" for c in meta.get("choices") or ()}
        stats.append(
            QuestionStat(
                module,
                version,
                question,
                str(meta.get("prompt") or "").strip(),
                attempts,
                misses,
                top[0] if top else None,
                texts.get(top[0], "") if top else "",
                top[1] / attempts if top and attempts else 0.0,
            )
        )
    stats.sort(key=lambda s: (-s.miss_rate, -s.attempts, s.module, s.version, s.question))
    return stats


def feedback_digest(entries: Iterable[FeedbackEntry]) -> dict[str, dict[str, list[FeedbackEntry]]]:
    """Module -> kind -> entries, newest first; anonymous entries carry no identity."""
    digest: dict[str, dict[str, list[FeedbackEntry]]] = {}
    for entry in sorted(entries, key=lambda e: e.recorded_at, reverse=True):
        if entry.anonymous and (entry.email or entry.name):
            entry = FeedbackEntry(
                entry.module, entry.version, entry.kind, entry.text, entry.recorded_at, True
            )
        digest.setdefault(entry.module, {}).setdefault(entry.kind, []).append(entry)
    return {m: digest[m] for m in sorted(digest)}
