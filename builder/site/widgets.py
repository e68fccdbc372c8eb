"""Module widgets as HTML: the quiz (without its answer key), acknowledgement and feedback.

Nothing rendered here may tell a correct choice from a wrong one: every choice of a question
gets the same markup, in authored order (the quiz widget shows them in the order the records
service draws, or shuffles them itself without one), and differs only in its id, value and
label text.
Explanations and per-choice feedback stay in the course manifest, for the records service.
"""

from __future__ import annotations

import re

from builder.course.manifest import sha256_text
from builder.course.rendering import render_inline, render_markdown
from builder.curriculum.model import Module, Question, Quiz
from builder.markup import esc

_SINGLE_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*)</p>\Z", re.DOTALL)
FEEDBACK_KINDS = (("question", "Question"), ("suggestion", "Suggestion"), ("concern", "Concern"))


def _choice_type(question: Question) -> str:
    return "checkbox" if question.type == "multiple" else "radio"


def render_question(question: Question, number: int, total: int) -> str:
    """One question: a fieldset, its legend, and one identical input + label per choice."""
    prefix = f"tp-q{number}"
    prompt = render_markdown(question.prompt)
    single = _SINGLE_PARAGRAPH.match(prompt)
    hint = (
        ' <span class="trustpath-hint">Choose all that apply.</span>'
        if question.type == "multiple" and "all that apply" not in question.prompt.lower()
        else ""
    )
    counter = f'<span class="trustpath-qnum">Question {number} of {total}</span>'
    if single:
        prompt_span = f'<span class="trustpath-prompt">{single.group(1)}</span>'
        head = f"<legend>{counter} {prompt_span}{hint}</legend>"
        described = ""
    else:
        head = (
            f"<legend>{counter}{hint}</legend>"
            f'<div class="trustpath-prompt" id="{prefix}-prompt">{prompt}</div>'
        )
        described = f' aria-describedby="{prefix}-prompt"'
    kind = _choice_type(question)
    # the page shuffles choices unless the author needs their order (`shuffle: false`)
    keep = "" if getattr(question, "shuffle", True) else ' data-shuffle="false"'

    choices = "".join(
        f'<li class="trustpath-choice"><input type="{kind}" id="{prefix}-c{i}" '
        f'name="{prefix}" value="{esc(choice.id)}"> '
        f'<label for="{prefix}-c{i}">{render_inline(choice.text)}</label></li>'
        for i, choice in enumerate(question.choices, start=1)
    )
    return (
        f'<fieldset class="trustpath-question" id="{prefix}" data-question="{esc(question.id)}" '
        f'data-type="{esc(question.type)}"{keep}{described}>{head}'
        f'<ul class="trustpath-choices">{choices}</ul>'
        f'<div class="trustpath-question-result" id="{prefix}-result"></div></fieldset>'
    )


def render_quiz(module: Module, quiz: Quiz) -> str:
    """The quiz form; the widget posts its answers to the records service for grading."""
    total = len(quiz.questions)
    questions = "".join(render_question(q, n, total) for n, q in enumerate(quiz.questions, 1))
    shown = min(quiz.draw or total, total)
    plural = "question" if shown == 1 else "questions"
    pool = f" drawn from {total} for each attempt" if shown < total else ""
    draw = f' data-draw="{shown}"' if shown < total else ""
    return (
        '<section class="trustpath-quiz-section" aria-labelledby="tp-quiz-title">'
        '<h2 id="tp-quiz-title">Check your understanding</h2>'
        f'<p class="trustpath-quiz-intro">{shown} {plural}{pool}; pass mark {quiz.pass_mark}%. '
        "Your answers are graded by the training records service.</p>"
        f'<form class="trustpath-quiz" data-trustpath="quiz" data-module="{esc(module.id)}" '
        f'data-version="{module.version}" data-pass-mark="{quiz.pass_mark}"{draw} novalidate>'
        f"{questions}"
        '<div class="trustpath-actions"><button type="submit" '
        'class="md-button md-button--primary">Submit answers</button></div>'
        '<div class="trustpath-quiz-result" role="status" aria-live="polite" '
        'tabindex="-1"></div></form></section>'
    )


def render_ack(module: Module, statement: str) -> str:
    """The acknowledgement box: the statement, its build-time hash, and a button."""
    return (
        f'<section class="trustpath-ack" data-trustpath="ack" data-module="{esc(module.id)}" '
        f'data-version="{module.version}" data-statement-sha256="{sha256_text(statement)}" '
        'aria-labelledby="tp-ack-title">'
        '<h2 id="tp-ack-title">Acknowledgement</h2>'
        f'<div class="trustpath-ack-statement">{statement_paragraphs(statement)}</div>'
        '<button type="button" class="md-button md-button--primary">'
        "I acknowledge this statement</button>"
        '<p class="trustpath-ack-status" role="status" aria-live="polite"></p>'
        f'<p class="trustpath-left" data-module="{esc(module.id)}"></p></section>'
    )


def statement_paragraphs(statement: str) -> str:
    """An acknowledgement statement as HTML paragraphs: blank lines part them, and the line
    ends inside one (where the YAML was wrapped) become spaces."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", statement.strip())]
    return "".join(f"<p>{esc(p)}</p>" for p in paragraphs if p)


def render_feedback(module: Module) -> str:
    """The feedback form: kind, text, and an optional anonymous flag."""
    options = "".join(
        f'<option value="{value}">{label}</option>' for value, label in FEEDBACK_KINDS
    )
    return (
        '<section class="trustpath-feedback-section" aria-labelledby="tp-fb-title">'
        '<h2 id="tp-fb-title">Questions and feedback</h2>'
        '<p class="trustpath-feedback-note">Messages become part of the training records and '
        "cannot be deleted later, so leave out personal details you would not want kept. "
        "Anonymous messages are never linked to you.</p>"
        '<form class="trustpath-feedback" data-trustpath="feedback" '
        f'data-module="{esc(module.id)}" novalidate>'
        '<p><label for="tp-fb-kind">Kind</label> '
        f'<select id="tp-fb-kind" name="kind">{options}</select></p>'
        '<p><label for="tp-fb-text">Your message</label>'
        '<textarea id="tp-fb-text" name="text" rows="4" maxlength="4000" required></textarea></p>'
        '<p><input type="checkbox" id="tp-fb-anon" name="anonymous"> '
        '<label for="tp-fb-anon">Send anonymously</label></p>'
        '<button type="submit" class="md-button md-button--primary">Send</button>'
        '<p class="trustpath-feedback-status" role="status" aria-live="polite"></p>'
        "</form></section>"
    )
