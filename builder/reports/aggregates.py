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
    title: str = ""  # the role's or module's title; a department is its own
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
            "title": self.title or self.group,
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
                row = rows[group] = CompletionRow(group, _group_title(course, by, group))
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


def _group_title(course: Course, by: str, group: str) -> str:
    """The human name of a completion group: a role's or module's title, else the group."""
    if by == "role" and group in course.roles:
        return course.roles[group].title
    if by == "module" and group in course.modules:
        return course.modules[group].title
    return group


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
    item: ItemStat | None = None  # Moodle-style item analysis over first attempts
    module_title: str = ""

    @property
    def miss_rate(self) -> float:
        return self.misses / self.attempts if self.attempts else 0.0

    @property
    def flagged(self) -> bool:
        return self.attempts >= FLAG_MIN_ATTEMPTS and self.miss_rate > FLAG_MISS_RATE

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "module_title": self.module_title,
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
            **(self.item or ItemStat(0, None, None, ())).as_dict(),
        }


def question_stats(
    answers: Iterable[AnswerCount], course: Course, first: Iterable[FirstAnswer] = ()
) -> list[QuestionStat]:
    """Item analysis per module version and question, most missed first.

    `answers`: counts over all attempts (miss rate, most chosen wrong answer); `first`: each
    person's first attempt's answers, for facility, discrimination and choice shares
    (`item_stats`).
    """
    items = item_stats(first, course)
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
                items.get((module, version, question)),
                course.modules[module].title if module in course.modules else "",
            )
        )
    stats.sort(key=lambda s: (-s.miss_rate, -s.attempts, s.module, s.version, s.question))
    return stats


FirstAnswer = tuple[int, str, int, str, tuple[str, ...], bool]  # seq, module, version, q, sel, ok


@dataclass(frozen=True)
class ChoiceShare:
    id: str
    share: float  # of first attempts at the question that chose it
    correct: bool | None  # None: not in the current manifest (an older version's choice)
    text: str = ""  # the choice's label in the current manifest ("" when not in it)


@dataclass(frozen=True)
class ItemStat:
    """Facility and discrimination of one question over first attempts, and choice shares."""

    first_attempts: int
    facility: float | None
    discrimination: float | None
    choices: tuple[ChoiceShare, ...]

    @property
    def unpicked(self) -> list[str]:
        """Wrong choices nobody picked (once enough people answered to say so)."""
        if self.first_attempts < FLAG_MIN_ATTEMPTS:
            return []
        return [c.id for c in self.choices if c.correct is False and c.share == 0]

    @property
    def flags(self) -> list[str]:
        """`negative-discrimination` and `unpicked-distractor`, when they apply."""
        out = []
        if (
            self.first_attempts >= FLAG_MIN_ATTEMPTS
            and self.discrimination is not None
            and self.discrimination < 0
        ):
            out.append("negative-discrimination")
        if self.unpicked:
            out.append("unpicked-distractor")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_attempts": self.first_attempts,
            "facility": None if self.facility is None else round(self.facility, 4),
            "discrimination": (
                None if self.discrimination is None else round(self.discrimination, 4)
            ),
            "choices": [
                {"id": c.id, "text": c.text, "share": round(c.share, 4), "correct": c.correct}
                for c in self.choices
            ],
            "unpicked_distractors": self.unpicked,
            "flags": self.flags,
        }


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """The Pearson correlation of two equal-length samples; None when either is constant."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return float(sxy / (sxx * syy) ** 0.5)


def item_stats(
    first: Iterable[FirstAnswer], course: Course
) -> dict[tuple[str, int, str], ItemStat]:
    """Moodle's item statistics per (module, version, question), over first attempts.

    Source: Moodle developer documentation, "Quiz statistics calculations"
    (https://docs.moodle.org/dev/Quiz_statistics_calculations). With x_i(p) the score
    (1 right, 0 wrong) of question i in person p's first attempt and X_i(p) the score of the
    rest of that attempt: facility F_i = mean of x_i (the share right, 0..1); discrimination
    D_i = r(x_i, X_i), the Pearson correlation between the question and the rest of the
    attempt (-1..1; Moodle prints it as a percentage). With a draw, attempts hold different
    questions, so X_i is the share right among the attempt's other questions (the same
    correlation as the raw count when every attempt has the same questions). D_i is None
    when either side does not vary. Choice share: the share of those attempts that picked it.
    """
    attempts: dict[tuple[str, int], dict[int, dict[str, tuple[tuple[str, ...], bool]]]] = {}
    for seq, module, version, question, selected, correct in first:
        per = attempts.setdefault((module, version), {})
        per.setdefault(seq, {})[question] = (selected, correct)
    out: dict[tuple[str, int, str], ItemStat] = {}
    for (module, version), by_seq in attempts.items():
        current = course.modules.get(module)
        meta = (
            {q["id"]: q for q in course.questions(module)}
            if current is not None and current.version == version
            else {}
        )
        questions = sorted({q for answers in by_seq.values() for q in answers})
        for question in questions:
            xs: list[float] = []
            rests: list[float] = []
            picked: Counter[str] = Counter()
            n = 0
            for answers in by_seq.values():
                if question not in answers:
                    continue
                selected, right = answers[question]
                n += 1
                picked.update(set(selected))
                others = [ok for q, (_, ok) in answers.items() if q != question]
                if others:
                    xs.append(1.0 if right else 0.0)
                    rests.append(sum(others) / len(others))
            right_count = sum(1 for a in by_seq.values() if question in a and a[question][1])
            q_meta = meta.get(question) or {}
            key = set(q_meta.get("correct") or ())
            labels = {str(c["id"]): str(c.get("text") or "") for c in q_meta.get("choices") or ()}
            ids = [*labels, *sorted(set(picked) - set(labels))]
            choices = tuple(
                ChoiceShare(
                    c,
                    picked[c] / n if n else 0.0,
                    (c in key) if q_meta else None,
                    labels.get(c, ""),
                )
                for c in ids
            )
            out[(module, version, question)] = ItemStat(
                n, right_count / n if n else None, pearson(xs, rests), choices
            )
    return out


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
