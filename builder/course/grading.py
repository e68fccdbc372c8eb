"""Server-side grading of quiz attempts against the course manifest. No web import.

The manifest (see `builder.course.manifest`) holds each module's answer key. A question is right
only when the set of chosen choice ids equals its set of correct ids; an unanswered
question is wrong. The score is right answers / questions; the attempt passes when
score × 100 ≥ pass_mark (compared in integers, so 4/5 at pass mark 80 passes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from builder.course.quizrules import discloses_key, discloses_questions, policy_of
from builder.errors import DomainError
from builder.markup import esc

REVEAL_RULES = ("always", "after_pass", "never")
SINGLE_ANSWER_TYPES = ("single", "true_false")


class GradingError(DomainError):
    """A submission the manifest cannot grade: a stable code, a message, details."""

    code = "invalid_submission"


class UnknownModule(GradingError):
    """The module id is not in the manifest."""

    code = "unknown_module"


class StaleVersion(GradingError):
    """The page was built from a version that is no longer current."""

    code = "stale_version"


class NoQuiz(GradingError):
    """The module has no quiz to grade."""

    code = "no_quiz"


class UnknownQuestion(GradingError):
    """An answer names a question the quiz does not have."""

    code = "unknown_question"


class UnknownChoice(GradingError):
    """An answer names a choice the question does not have."""

    code = "unknown_choice"


class TooManyChoices(GradingError):
    """More than one choice for a single-answer question."""

    code = "too_many_choices"


@dataclass(frozen=True)
class QuestionResult:
    id: str
    selected: tuple[str, ...]
    correct: bool


@dataclass(frozen=True)
class Grade:
    right: int
    total: int
    pass_mark: int
    questions: tuple[QuestionResult, ...]

    @property
    def score(self) -> float:
        return round(self.right / self.total, 4) if self.total else 1.0

    @property
    def score_percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 100

    @property
    def passed(self) -> bool:
        return self.right * 100 >= self.pass_mark * self.total


def find_module(manifest: Mapping[str, Any], module_id: str) -> dict[str, Any]:
    """The manifest entry of a module, or UnknownModule."""
    module: dict[str, Any] | None = manifest.get("modules", {}).get(module_id)
    if module is None:
        raise UnknownModule(f"unknown module '{module_id}'", {"module": module_id})
    return module


def check_version(module: Mapping[str, Any], version: int) -> None:
    """StaleVersion unless `version` is the module's current version."""
    current = module["version"]
    if version != current:
        raise StaleVersion(
            f"module '{module['id']}' is at version {current}, the page sent version {version}: "
            "reload the page to get the current version",
            {"module": module["id"], "version": version, "current_version": current},
        )


def quiz_of(module: Mapping[str, Any]) -> dict[str, Any]:
    """The module's quiz, or NoQuiz."""
    quiz: dict[str, Any] | None = module.get("quiz")
    if not quiz:
        raise NoQuiz(f"module '{module['id']}' has no quiz", {"module": module["id"]})
    return quiz


class NotDrawn(GradingError):
    """An answer names a question of the quiz that the attempt's draw did not show."""

    code = "draw_mismatch"


def grade_attempt(
    module: Mapping[str, Any],
    answers: Mapping[str, Sequence[str]],
    drawn: Sequence[str] | None = None,
) -> Grade:
    """Grade `answers` (question id -> chosen choice ids) against the module's quiz.

    `drawn`: the question ids the attempt's draw showed, in the order shown; the score is over
    those alone (None: every question, in authored order). Raises UnknownQuestion,
    NotDrawn, UnknownChoice or TooManyChoices.
    """
    quiz = quiz_of(module)
    by_id = {q["id"]: q for q in quiz["questions"]}
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise UnknownQuestion(
            f"module '{module['id']}' has no question '{unknown[0]}'",
            {"module": module["id"], "questions": unknown},
        )
    questions = quiz["questions"] if drawn is None else [by_id[q] for q in drawn if q in by_id]
    outside = sorted(set(answers) - {q["id"] for q in questions})
    if outside:
        raise NotDrawn(
            f"question '{outside[0]}' was not in this attempt's draw: answer the questions "
            "the page showed, or reload the page for a new draw",
            {"module": module["id"], "questions": outside},
        )
    results = []
    for q in questions:
        selected = tuple(dict.fromkeys(answers.get(q["id"], ())))
        choice_ids = [c["id"] for c in q["choices"]]
        bad = [s for s in selected if s not in choice_ids]
        if bad:
            raise UnknownChoice(
                f"question '{q['id']}' has no choice '{bad[0]}'; its choices are "
                + ", ".join(choice_ids),
                {"question": q["id"], "choices": bad},
            )
        if q["type"] in SINGLE_ANSWER_TYPES and len(selected) > 1:
            raise TooManyChoices(
                f"question '{q['id']}' takes one answer, {len(selected)} were selected",
                {"question": q["id"], "selected": list(selected)},
            )
        right = bool(selected) and set(selected) == set(q["correct"])
        results.append(QuestionResult(q["id"], selected, right))
    return Grade(
        right=sum(r.correct for r in results),
        total=len(results),
        pass_mark=int(quiz.get("pass_mark", 80)),
        questions=tuple(results),
    )


def _html_of(item: Mapping[str, Any], field: str) -> str | None:
    """`<field>_html` as the build rendered it (`builder.course.rendering.render_inline`);
    from a manifest written before there was one, the text escaped (shown as plain text)."""
    text = item.get(field)
    if not text:
        return None
    rendered = item.get(f"{field}_html")
    return str(rendered) if isinstance(rendered, str) else esc(str(text))


def question_feedback(module: Mapping[str, Any], grade: Grade) -> list[dict[str, Any]]:
    """Per-question results for the page: correctness, explanation, chosen-choice feedback.

    Follows the one disclosure rule (`builder.course.quizrules`): an empty list when the quiz
    discloses the score and pass/fail only; `correct_choices` only where `reveal` allows.
    Each text comes twice: as written (`explain`, `feedback[].text`) and as safe inline HTML
    rendered at build time (`explain_html`, `feedback[].text_html`; None with no text).
    """
    quiz = quiz_of(module)
    policy = policy_of(quiz)
    if not discloses_questions(policy, grade.passed, grade.right, grade.total):
        return []
    by_id = {q["id"]: q for q in quiz["questions"]}
    reveal = discloses_key(policy, grade.passed)
    out = []
    for result in grade.questions:
        q = by_id.get(result.id)
        choices = {c["id"]: c for c in q["choices"]} if q else {}
        item: dict[str, Any] = {
            "id": result.id,
            "correct": result.correct,
            "selected": list(result.selected),
            "explain": q.get("explain") if q else None,
            "explain_html": _html_of(q, "explain") if q else None,
            "feedback": [
                {
                    "choice": cid,
                    "text": choices[cid]["feedback"],
                    "text_html": _html_of(choices[cid], "feedback"),
                }
                for cid in result.selected
                if cid in choices and choices[cid].get("feedback")
            ],
        }
        if reveal and q is not None:
            item["correct_choices"] = list(q["correct"])
        out.append(item)
    return out


def grade_from_record(questions: Sequence[Mapping[str, Any]], pass_mark: int) -> Grade:
    """Rebuild a Grade from a stored attempt's per-question results (for replays)."""
    results = tuple(
        QuestionResult(str(q["id"]), tuple(q["selected"]), bool(q["correct"])) for q in questions
    )
    return Grade(sum(r.correct for r in results), len(results), pass_mark, results)
