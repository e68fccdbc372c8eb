"""The one safe renderer of author Markdown (builder.course.rendering), as the manifest uses it
for explanations and per-choice feedback."""

from __future__ import annotations

import pytest

from builder.course.manifest import module_entry
from builder.course.rendering import render_inline
from builder.curriculum.model import Choice, Module, Question, Quiz


def test_backticks_become_code_and_emphasis_stays_inline():
    assert render_inline("Check the `From:` header, *then* the **link**.") == (
        "Check the <code>From:</code> header, <em>then</em> the <strong>link</strong>."
    )


def test_html_in_author_text_is_escaped_not_rendered():
    out = render_inline('Never <script>alert("x")</script> or <b onclick="x()">bold</b> & `<i>`')
    assert "<script" not in out and "<b " not in out and "<b>" not in out
    assert out == (
        'Never &lt;script&gt;alert("x")&lt;/script&gt; or '
        '&lt;b onclick="x()"&gt;bold&lt;/b&gt; &amp; <code>&lt;i&gt;</code>'
    )


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<p>x</p>", "vbscript:x"],
)
def test_a_link_with_an_unsafe_scheme_keeps_its_text_and_loses_its_target(target: str):
    out = render_inline(f"See [the policy]({target}).")
    assert out == "See <a>the policy</a>."


def test_safe_links_are_kept():
    assert render_inline("See [the policy](https://example.com/p) or [mail](mailto:s@x.io).") == (
        'See <a href="https://example.com/p">the policy</a> or <a href="mailto:s@x.io">mail</a>.'
    )


def test_block_syntax_stays_text_and_paragraphs_join_on_one_line():
    assert render_inline("# not a heading\n\n- not a list") == "# not a heading - not a list"


def test_the_manifest_carries_explain_and_feedback_as_rendered_html():
    question = Question(
        id="q1",
        type="single",
        prompt="Which header?",
        choices=(
            Choice(id="a", text="`To:`", correct=False, feedback="`To:` is *you*"),
            Choice(id="b", text="`From:`", correct=True),
        ),
        explain="Read `From:` <first>.",
    )
    module = Module(
        id="headers",
        title="Headers",
        version=1,
        criteria=("CC2.2",),
        roles=("everyone",),
        path="content/headers.md",
        doc_path="headers.md",
        quiz=Quiz(pass_mark=80, reveal="after_pass", questions=(question,)),
    )
    entry = module_entry(module)
    q = entry["quiz"]["questions"][0]
    assert q["explain"] == "Read `From:` <first>."
    assert q["explain_html"] == "Read <code>From:</code> &lt;first&gt;."
    assert [(c["feedback"], c["feedback_html"]) for c in q["choices"]] == [
        ("`To:` is *you*", "<code>To:</code> is <em>you</em>"),
        (None, None),
    ]
