"""Grading against the manifest: exact-set scoring, reveal rules, and refusals."""

from __future__ import annotations

import pytest

from builder.course.grading import (
    StaleVersion,
    TooManyChoices,
    UnknownChoice,
    UnknownModule,
    UnknownQuestion,
    check_version,
    find_module,
    grade_attempt,
    question_feedback,
)
from builder.web.errors import STATUS
from tests.records_support import RIGHT, manifest

NEAR_MISS = {**RIGHT, "q1": ["a"], "q2": ["x", "z"]}  # 3 of 5, pass mark 80


def module(mid: str = "phishing"):
    return find_module(manifest(), mid)


def test_all_right_scores_one_and_passes():
    grade = grade_attempt(module(), RIGHT)
    assert (grade.score, grade.score_percent, grade.passed) == (1.0, 100, True)


def test_four_of_five_passes_at_pass_mark_80():
    grade = grade_attempt(module(), {**RIGHT, "q5": ["false"]})
    assert (grade.score, grade.score_percent, grade.passed) == (0.8, 80, True)


def test_three_of_five_fails():
    grade = grade_attempt(module(), {**RIGHT, "q4": ["false"], "q5": ["false"]})
    assert (grade.score, grade.passed) == (0.6, False)


def test_unanswered_questions_count_as_wrong():
    grade = grade_attempt(module(), {"q1": ["b"]})
    assert grade.right == 1 and grade.total == 5
    assert [q.correct for q in grade.questions] == [True, False, False, False, False]


def test_multiple_needs_the_exact_set():
    assert not grade_attempt(module(), {**RIGHT, "q2": ["x"]}).questions[1].correct
    assert not grade_attempt(module(), {**RIGHT, "q2": ["x", "y", "z"]}).questions[1].correct
    assert grade_attempt(module(), {**RIGHT, "q2": ["y", "x"]}).questions[1].correct


def test_single_with_two_choices_is_refused():
    with pytest.raises(TooManyChoices, match="question 'q1' takes one answer, 2 were selected"):
        grade_attempt(module(), {"q1": ["a", "b"]})


def test_true_false_with_both_is_refused():
    with pytest.raises(TooManyChoices):
        grade_attempt(module(), {"q3": ["true", "false"]})


def test_unknown_question_and_choice_are_refused():
    with pytest.raises(UnknownQuestion, match="module 'phishing' has no question 'q9'"):
        grade_attempt(module(), {"q9": ["a"]})
    with pytest.raises(
        UnknownChoice, match="question 'q1' has no choice 'd'; its choices are a, b, c"
    ):
        grade_attempt(module(), {"q1": ["d"]})


def test_unknown_module_is_404_and_stale_version_409():
    with pytest.raises(UnknownModule) as exc:
        find_module(manifest(), "nope")
    assert exc.value.code == "unknown_module" and STATUS[exc.value.code] == 404
    with pytest.raises(StaleVersion, match="reload the page") as stale:
        check_version(module(), 2)
    assert stale.value.code == "stale_version" and STATUS[stale.value.code] == 409


@pytest.mark.parametrize(
    ("mid", "answers", "revealed"),
    [
        ("phishing", RIGHT, True),
        ("phishing", NEAR_MISS, False),
        ("open-book", {}, True),
    ],
)
def test_correct_choices_follow_the_reveal_rule(mid, answers, revealed):
    m = module(mid)
    items = question_feedback(m, grade_attempt(m, answers))
    assert len(items) == 5 and all(("correct_choices" in q) == revealed for q in items)


@pytest.mark.parametrize(
    ("mid", "answers"),
    [("phishing", {}), ("phishing", {"q1": ["b"], "q2": ["x"]}), ("closed-book", RIGHT)],
)
def test_a_far_miss_or_reveal_never_gets_no_per_question_results(mid, answers):
    m = module(mid)
    assert question_feedback(m, grade_attempt(m, answers)) == []


def test_feedback_is_given_for_chosen_choices_only():
    m = module()
    items = question_feedback(m, grade_attempt(m, NEAR_MISS))
    assert len(items) == 5
    assert items[0]["feedback"] == [
        {"choice": "a", "text": "a is the lure", "text_html": "a is the lure"}
    ]
    assert items[1]["feedback"] == [{"choice": "z", "text": "not z", "text_html": "not z"}]
    assert items[0]["explain"] == "why q1" and items[1]["explain"] is None
    assert items[0]["explain_html"] == "why q1" and items[1]["explain_html"] is None


def test_feedback_html_is_the_built_rendering_else_the_text_escaped():
    m = module()
    q1 = m["quiz"]["questions"][0]
    q1["explain"] = "Check the `From:` header & <b>sender</b>"
    q1["choices"][0]["feedback"] = "a *looks* right"
    grade = grade_attempt(m, NEAR_MISS)  # a near miss: per-question results are disclosed
    # a manifest from before the HTML fields: the text, escaped, shows as plain text
    item = question_feedback(m, grade)[0]
    assert item["explain_html"] == "Check the `From:` header &amp; &lt;b&gt;sender&lt;/b&gt;"
    assert item["feedback"][0]["text_html"] == "a *looks* right"
    # a built manifest: its rendering, as written at build time
    q1["explain_html"] = "Check the <code>From:</code> header"
    q1["choices"][0]["feedback_html"] = "a <em>looks</em> right"
    item = question_feedback(m, grade)[0]
    assert item["explain"] == "Check the `From:` header & <b>sender</b>"
    assert item["explain_html"] == "Check the <code>From:</code> header"
    assert item["feedback"][0] == {
        "choice": "a",
        "text": "a *looks* right",
        "text_html": "a <em>looks</em> right",
    }
