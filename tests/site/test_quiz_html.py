"""Quiz, acknowledgement and feedback HTML: accessible, escaped, and without an answer key."""

from __future__ import annotations

import re

from builder.course.manifest import sha256_text
from builder.curriculum.model import Choice, Module, Question, Quiz
from builder.site.widgets import (
    render_ack,
    render_feedback,
    render_markdown,
    render_question,
    render_quiz,
)


def make_module(**kwargs: object) -> Module:
    base: dict[str, object] = dict(
        id="m",
        title="M",
        version=2,
        criteria=("CC1.1",),
        roles=("r",),
        path="content/m.md",
        doc_path="m.md",
    )
    base.update(kwargs)
    return Module(**base)  # type: ignore[arg-type]


def single() -> Question:
    return Question(
        "q-1",
        "single",
        "Pick *one*",
        (Choice("a", "Alpha", False, "SECRET-FB"), Choice("b", "Beta & co", True)),
        "SECRET-EXPLAIN",
    )


def test_question_is_a_fieldset_with_legend_and_labelled_radios() -> None:
    html = render_question(single(), 1, 3)
    assert html.startswith('<fieldset class="trustpath-question" id="tp-q1" data-question="q-1"')
    assert '<legend><span class="trustpath-qnum">Question 1 of 3</span> ' in html
    assert '<span class="trustpath-prompt">Pick <em>one</em></span></legend>' in html
    assert (
        '<input type="radio" id="tp-q1-c1" name="tp-q1" value="a"> '
        '<label for="tp-q1-c1">Alpha</label>' in html
    )
    assert '<label for="tp-q1-c2">Beta &amp; co</label>' in html


def test_question_markup_reveals_nothing_about_correctness() -> None:
    html = render_question(single(), 1, 1)
    assert "SECRET" not in html
    assert not re.search(r"correct|explain|feedback", html)
    swapped = Question(
        "q-1", "single", "Pick *one*", (Choice("a", "Alpha", True), Choice("b", "Beta & co", False))
    )
    assert render_question(swapped, 1, 1) == html


def test_multiple_uses_checkboxes_and_true_false_uses_true_false_values() -> None:
    multiple = Question("q", "multiple", "Which?", (Choice("x", "X", True), Choice("y", "Y", True)))
    html = render_question(multiple, 2, 2)
    assert html.count('type="checkbox"') == 2 and "Choose all that apply." in html
    tf = Question(
        "t",
        "true_false",
        "Sky is green.",
        (Choice("true", "True", False), Choice("false", "False", True)),
    )
    html = render_question(tf, 1, 1)
    assert 'value="true"> <label for="tp-q1-c1">True</label>' in html
    assert 'value="false"> <label for="tp-q1-c2">False</label>' in html


def test_multi_paragraph_prompt_goes_below_the_legend_and_describes_the_group() -> None:
    question = Question(
        "q", "single", "First.\n\nSecond.", (Choice("a", "A", True), Choice("b", "B", False))
    )
    html = render_question(question, 1, 1)
    assert 'aria-describedby="tp-q1-prompt"' in html
    assert (
        '<div class="trustpath-prompt" id="tp-q1-prompt"><p>First.</p>\n<p>Second.</p></div>'
        in html
    )


def test_prompt_markdown_shows_raw_html_as_text_and_drops_script_links() -> None:
    html = render_markdown(
        'Hi <img src=x onerror="alert(1)"> [go](javascript:alert(1)) [ok](https://example.com/a)'
    )
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript' not in html and "<a>go</a>" in html
    assert '<a href="https://example.com/a">ok</a>' in html


def test_quiz_form_carries_module_version_and_pass_mark() -> None:
    module = make_module(quiz=Quiz(70, "after_pass", (single(),)))
    assert module.quiz is not None
    html = render_quiz(module, module.quiz)
    assert (
        '<form class="trustpath-quiz" data-trustpath="quiz" data-module="m" data-version="2" '
        'data-pass-mark="70" novalidate>' in html
    )
    assert 'role="status" aria-live="polite"' in html
    assert "1 question; pass mark 70%." in html


def test_ack_box_carries_the_statement_hash_and_escapes_the_statement() -> None:
    statement = "I <promise> to be careful.\n"
    html = render_ack(make_module(), statement)
    assert f'data-statement-sha256="{sha256_text(statement)}"' in html
    assert "I &lt;promise&gt; to be careful." in html
    assert '<button type="button"' in html


def test_feedback_form_offers_three_kinds_text_and_anonymous() -> None:
    html = render_feedback(make_module())
    assert re.findall(r'<option value="(\w+)">', html) == ["question", "suggestion", "concern"]
    assert '<label for="tp-fb-text">Your message</label><textarea id="tp-fb-text"' in html
    assert (
        '<input type="checkbox" id="tp-fb-anon" name="anonymous"> '
        '<label for="tp-fb-anon">Send anonymously</label>' in html
    )
