"""The quiz rules of one module: draws and shuffles, attempt limits, what a result discloses.

Pure functions over a manifest module entry (see `builder.course.manifest`); no clock, no
storage, no web. The records service supplies the time, the person's recent attempts and a
seed; these functions decide.

Defaults (DESIGN §11, issue 11) are chosen so that a learner who reads the module never meets a
limit (they pass in one or two attempts, and re-reading takes longer than the cooldown: every
starter module is 10 minutes or more) while a script that guesses does: three attempts a day
turn the 50 requests of a key-extraction script into days (see `bench/key_extraction.py`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FEEDBACK_RULES = ("per_question", "score_only")
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_WINDOW_HOURS = 24
DEFAULT_COOLDOWN_MINUTES = 5
DEFAULT_FEEDBACK = "per_question"


@dataclass(frozen=True)
class QuizPolicy:
    """The limits and disclosure settings of one quiz, defaults filled in.

    `draw`: questions shown per attempt (None: all); `max_attempts` per `window` (0: no limit);
    `cooldown` after a failed attempt (zero: none); `feedback`: per_question | score_only;
    `reveal`: after_pass | never | always.
    """

    draw: int | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    window: dt.timedelta = dt.timedelta(hours=DEFAULT_WINDOW_HOURS)
    cooldown: dt.timedelta = dt.timedelta(minutes=DEFAULT_COOLDOWN_MINUTES)
    feedback: str = DEFAULT_FEEDBACK
    reveal: str = "after_pass"
    pass_mark: int = 80


def policy_of(quiz: Mapping[str, Any]) -> QuizPolicy:
    """The policy of a manifest quiz entry (keys absent from older manifests take defaults)."""
    draw = quiz.get("draw")
    return QuizPolicy(
        draw=int(draw) if draw else None,
        max_attempts=int(quiz.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
        window=dt.timedelta(hours=int(quiz.get("attempt_window_hours", DEFAULT_WINDOW_HOURS))),
        cooldown=dt.timedelta(minutes=int(quiz.get("cooldown_minutes", DEFAULT_COOLDOWN_MINUTES))),
        feedback=str(quiz.get("feedback") or DEFAULT_FEEDBACK),
        reveal=str(quiz.get("reveal") or "after_pass"),
        pass_mark=int(quiz.get("pass_mark", 80)),
    )


@dataclass(frozen=True)
class Draw:
    """The questions one attempt shows, in order, and each one's choice order."""

    questions: tuple[str, ...]
    order: dict[str, list[str]]


def draw_questions(quiz: Mapping[str, Any], seed: int) -> Draw:
    """The draw for `seed`: `draw` questions (all when unset) and their choices, shuffled.

    Deterministic in (quiz, seed), so the service re-derives a draw from its signed token.
    A question with `shuffle: false` keeps its authored choice order (scales, "none of these"
    last); questions are always shuffled. Uses `random.Random` (Mersenne Twister): the order
    is not a secret (it is sent to the page), it only has to differ between people and tries.
    """
    rng = random.Random(seed)
    questions = list(quiz.get("questions") or ())
    count = len(questions)
    draw = quiz.get("draw")
    if draw:
        count = min(int(draw), count)
    picked = rng.sample(questions, count)
    order: dict[str, list[str]] = {}
    for q in picked:
        ids = [str(c["id"]) for c in q.get("choices") or ()]
        if q.get("shuffle", True):
            rng.shuffle(ids)
        order[str(q["id"])] = ids
    return Draw(tuple(str(q["id"]) for q in picked), order)


@dataclass(frozen=True)
class PastAttempt:
    """One earlier attempt of the same person at the same quiz: when it was graded, passed?"""

    graded_at: dt.datetime
    passed: bool


def retry_at(
    policy: QuizPolicy, recent: Sequence[PastAttempt], now: dt.datetime
) -> dt.datetime | None:
    """When the person may try again, or None when they may try now.

    `recent` holds at least the person's last `max_attempts` attempts, oldest first. Two
    rules, the later time wins: no more than `max_attempts` attempts in any `window` (a
    sliding window: the oldest of the last `max_attempts` must be `window` old), and no
    attempt within `cooldown` of a failed one.
    """
    waits: list[dt.datetime] = []
    if policy.max_attempts > 0 and len(recent) >= policy.max_attempts:
        oldest = recent[-policy.max_attempts].graded_at
        if now < oldest + policy.window:
            waits.append(oldest + policy.window)
    if recent and not recent[-1].passed and now < recent[-1].graded_at + policy.cooldown:
        waits.append(recent[-1].graded_at + policy.cooldown)
    return max(waits) if waits else None


def discloses_questions(policy: QuizPolicy, passed: bool, right: int, total: int) -> bool:
    """Whether a result (`passed`, `right` of `total` questions) may carry per-question results.

    The one disclosure rule (issue 11; README "Quiz feedback and disclosure", DESIGN §11):

    - `reveal: never`: the score and pass/fail only, always;
    - after a pass: the results and explanations;
    - before a pass, `feedback: score_only`: the score only;
    - before a pass, `feedback: per_question`: the results when the attempt was a near miss,
      one more right answer short of the pass mark (`(right + 1) × 100 ≥ pass_mark × total`:
      3 of 4, 3 of 5 or 4 of 6 at the default 80; 4 of 5 passes), or always under
      `reveal: always` (the key is public then, so hiding the flags protects nothing).

    A reader who slipped learns which question and why; an attempt far from the pass mark
    (a guess) learns its score only, so the right/wrong flags cannot be mined from a blank
    start: a script must first climb to a near miss one question at a time by the score.
    """
    if policy.reveal == "never":
        return False
    if passed:
        return True
    if policy.feedback != "per_question":
        return False
    return policy.reveal == "always" or (right + 1) * 100 >= policy.pass_mark * total


def discloses_key(policy: QuizPolicy, passed: bool) -> bool:
    """Whether a result may name the correct choices: `reveal: always`, or after a pass."""
    return policy.reveal == "always" or (policy.reveal == "after_pass" and passed)
