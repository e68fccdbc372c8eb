"""Generated pages: home, role paths, criteria index and My training, as Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.config import load_settings
from builder.curriculum.loader import load_curriculum
from builder.curriculum.model import Curriculum
from builder.curriculum.paths import LearningPath, build_paths
from builder.site.pages import (
    criterion_anchor,
    doc_url,
    generate_pages,
    md_text,
    relative_url,
    render_criteria_index,
    render_role_page,
)
from tests.sitefixture import FIXTURE


@pytest.fixture(scope="module")
def loaded() -> tuple[Curriculum, dict[str, LearningPath]]:
    result = load_curriculum(load_settings(FIXTURE))
    assert result.ok, result.diagnostics
    return result.curriculum, build_paths(result.curriculum)


def test_md_text_escapes_html_and_markdown() -> None:
    assert md_text("a <b> & *c* [d](e) | f") == r"a &lt;b&gt; &amp; \*c\* \[d\]\(e\) \| f"


def test_criterion_anchor() -> None:
    assert criterion_anchor("CC6.1") == "cc6-1"
    assert criterion_anchor("PI1.5") == "pi1-5"


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        ("threats/phishing/", "my-training/", "../threats/phishing/"),
        ("threats/phishing.html", "my-training.html", "threats/phishing.html"),
        ("./", "paths/x/", "../../"),
    ],
)
def test_relative_url(target: str, source: str, expected: str) -> None:
    assert relative_url(target, source) == expected


def test_doc_url_follows_mkdocs() -> None:
    assert doc_url("index.md") == "./"
    assert doc_url("a/index.md") == "a/"
    assert doc_url("a/b.md") == "a/b/"
    assert doc_url("a/b.md", directory_urls=False) == "a/b.html"


def test_role_page_orders_stages_and_marks_pulled_in_prerequisites(
    loaded: tuple[Curriculum, dict[str, LearningPath]],
) -> None:
    curriculum, paths = loaded
    text = render_role_page(paths["operator"], curriculum)
    assert text.index("## Onboarding") < text.index("## Recurring")
    # status third (first on a narrow screen), each cell labelled for the reflowed cards
    assert (
        '<tr><td class="col-n" data-label="#">1</td><td class="col-module" data-label="Module">'
        '<a href="../../basics/intro/">Introduction to security</a></td>'
        '<td class="col-status" data-label="Status">'
        '<span class="trustpath-status" data-module="intro"></span></td>'
        '<td class="col-duration" data-label="Duration">'
        '<span class="trustpath-nowrap">10 min</span></td>'
        '<td class="col-criteria" data-label="Criteria">CC2.2</td>'
        '<td class="col-notes" data-label="Notes"></td></tr>'
    ) in text
    assert '<table class="trustpath-table" data-trustpath="path">' in text
    assert "Includes the paths of: [Everyone](everyone.md)." in text
    assert "3 modules, about 35 minutes in all." in text


def test_pulled_in_prerequisite_is_noted(
    loaded: tuple[Curriculum, dict[str, LearningPath]],
) -> None:
    curriculum, _ = loaded
    from dataclasses import replace

    on_call = curriculum.modules["on-call"]
    lonely = replace(curriculum.roles["operator"], extends=())
    curriculum2 = Curriculum(
        dict(curriculum.modules), {**curriculum.roles, "operator": lonely}, curriculum.catalogue
    )
    text = render_role_page(build_paths(curriculum2)["operator"], curriculum2)
    assert "Prerequisite of Second steps" in text  # intro, needed by second
    assert "Prerequisite of Being on call" in text  # second, needed by on-call
    assert on_call.title in text


def test_criteria_index_lists_gaps_and_coverage(
    loaded: tuple[Curriculum, dict[str, LearningPath]],
) -> None:
    curriculum, paths = loaded
    text = render_criteria_index(curriculum, paths)
    assert (
        "- [Operator &lt;ops&gt;](paths/operator.md) must cover [CC7\\.4](criteria.md#cc7-4)"
        in text
    )
    assert (
        '<td class="col-criterion" data-label="Criterion"><span id="cc1-4"></span>CC1.4</td>'
        in text
    )
    assert '<a href="../basics/second/">Second steps</a>' in text
    flat = render_criteria_index(curriculum, paths, directory_urls=False)
    assert '<a href="basics/second.html">Second steps</a>' in flat


def test_generate_pages_skips_home_when_the_author_wrote_one(
    loaded: tuple[Curriculum, dict[str, LearningPath]],
) -> None:
    curriculum, paths = loaded
    names = [p.doc_path for p in generate_pages("S", curriculum, paths, with_home=False)]
    assert names == ["paths/everyone.md", "paths/operator.md", "criteria.md", "my-training.md"]
    assert Path(names[0]).suffix == ".md"
