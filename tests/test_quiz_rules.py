"""The pure quiz rules: draws and shuffles, attempt limits, the disclosure rule (issue 11)."""

from __future__ import annotations

import datetime as dt

from builder.course.quizrules import (
    PastAttempt,
    QuizPolicy,
    discloses_key,
    discloses_questions,
    draw_questions,
    policy_of,
    retry_at,
)
from tests.records_support import manifest

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def quiz(**extra):
    q = manifest()["modules"]["phishing"]["quiz"]
    return {**q, **extra}


def test_a_draw_is_deterministic_in_its_seed_and_varies_between_seeds():
    assert draw_questions(quiz(), 7) == draw_questions(quiz(), 7)
    seen = {
        (d.questions, tuple(d.order["q1"]))
        for d in map(lambda s: draw_questions(quiz(), s), range(50))
    }
    assert len(seen) > 10


def test_a_draw_of_n_picks_n_distinct_questions():
    for seed in range(20):
        d = draw_questions(quiz(draw=2), seed)
        assert len(d.questions) == 2 and len(set(d.questions)) == 2
        assert set(d.order) == set(d.questions)
    assert len(draw_questions(quiz(draw=99), 1).questions) == 5  # clamped to the pool


def test_shuffle_false_keeps_the_authored_choice_order():
    q = quiz()
    q["questions"][0]["shuffle"] = False
    orders = {tuple(draw_questions(q, seed).order["q1"]) for seed in range(40)}
    assert orders == {("a", "b", "c")}
    shuffled = {tuple(draw_questions(q, seed).order["q2"]) for seed in range(40)}
    assert len(shuffled) > 1


def test_policy_defaults_and_overrides():
    p = policy_of(quiz())
    assert (p.draw, p.max_attempts, p.window, p.cooldown, p.feedback) == (
        None,
        3,
        dt.timedelta(hours=24),
        dt.timedelta(minutes=5),
        "per_question",
    )
    p = policy_of(quiz(max_attempts=0, cooldown_minutes=0, attempt_window_hours=2, draw=3))
    assert (p.max_attempts, p.cooldown, p.window, p.draw) == (
        0,
        dt.timedelta(0),
        dt.timedelta(hours=2),
        3,
    )


def test_retry_at_sliding_window_and_cooldown():
    p = QuizPolicy()
    passed = [PastAttempt(T0 + dt.timedelta(hours=h), True) for h in (0, 1, 2)]
    assert retry_at(p, passed[:2], T0 + dt.timedelta(hours=3)) is None
    assert retry_at(p, passed, T0 + dt.timedelta(hours=3)) == T0 + dt.timedelta(hours=24)
    assert retry_at(p, passed, T0 + dt.timedelta(hours=24)) is None
    failed = [PastAttempt(T0, False)]
    assert retry_at(p, failed, T0 + dt.timedelta(minutes=1)) == T0 + dt.timedelta(minutes=5)
    assert retry_at(p, failed, T0 + dt.timedelta(minutes=5)) is None
    unlimited = QuizPolicy(max_attempts=0, cooldown=dt.timedelta(0))
    assert retry_at(unlimited, passed + failed, T0) is None


def test_the_disclosure_rule_table():
    # (questions, key) for a far miss (1 of 5), a near miss (3 of 5) and a pass (4 of 5)
    table = {
        ("per_question", "after_pass"): ((False, False), (True, False), (True, True)),
        ("per_question", "always"): ((True, True), (True, True), (True, True)),
        ("per_question", "never"): ((False, False), (False, False), (False, False)),
        ("score_only", "after_pass"): ((False, False), (False, False), (True, True)),
        ("score_only", "always"): ((False, True), (False, True), (True, True)),
        ("score_only", "never"): ((False, False), (False, False), (False, False)),
    }
    for (feedback, reveal), expected in table.items():
        p = QuizPolicy(feedback=feedback, reveal=reveal)
        got = tuple(
            (discloses_questions(p, passed, right, 5), discloses_key(p, passed))
            for passed, right in ((False, 1), (False, 3), (True, 4))
        )
        assert got == expected, (feedback, reveal)


def test_a_near_miss_is_one_right_answer_short_of_the_pass_mark():
    # (pass mark, questions): the fewest right answers that still get per-question results
    for (mark, total), fewest in {
        (80, 4): 3,  # the pass needs 4 of 4
        (80, 5): 3,  # the pass needs 4 of 5
        (75, 4): 2,  # the pass needs 3 of 4
        (100, 5): 4,
        (50, 10): 4,  # the pass needs 5 of 10
        (80, 1): 0,  # one question: its flag is the score, nothing more to hide
    }.items():
        p = QuizPolicy(pass_mark=mark)
        failing = [r for r in range(total + 1) if r * 100 < mark * total]
        shown = [r for r in failing if discloses_questions(p, False, r, total)]
        assert shown == list(range(fewest, len(failing))), (mark, total, shown)
    assert policy_of({"pass_mark": 75}).pass_mark == 75 and policy_of({}).pass_mark == 80
