"""A module's published page: its source without front matter, header, quiz and widgets.

Front matter is read by the loader, never by MkDocs: the page source handed to MkDocs is the
Markdown body alone, so the answer key never reaches `page.meta` or the templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from builder.curriculum.model import Curriculum, Module
from builder.curriculum.quality import body_without_title
from builder.site.pages import CRITERIA_PAGE, criterion_anchor, md_text, role_page
from builder.markup import esc
from builder.site.widgets import render_ack, render_feedback, render_quiz

QUIZ_MARKER = "<!-- quiz -->"
HEADER_SLOT = '<div class="trustpath-slot" data-slot="header"></div>'
QUIZ_SLOT = '<div class="trustpath-slot" data-slot="quiz"></div>'
WIDGETS_SLOT = '<div class="trustpath-slot" data-slot="widgets"></div>'
_H1_END = re.compile(r"</h1>")

# link(doc_path, anchor) -> URL of that page relative to the page being rendered.
Linker = Callable[[str, str | None], str]


def page_source(module: Module) -> str:
    """What MkDocs renders for the module: the front-matter title as its H1, then the body.

    The title comes from the front matter alone (nav, page and path pages agree): a leading
    `# H1` in the body is optional and replaced (`validate` warns when it differs).
    No front matter at all: with an empty `page.meta`, Material's templates skip their
    per-item metadata lookups, which at 1,000 pages costs a third of the build.
    """
    return f"# {md_text(module.title)}\n\n{body_without_title(module.body)}"


def _minutes(duration: int | None) -> str:
    return f"{duration} min" if duration else "not set"


def render_header(module: Module, curriculum: Curriculum, link: Linker) -> str:
    """Facts about the module: duration, version, owner, objective, roles and criteria."""
    roles = ", ".join(
        f'<a href="{esc(link(role_page(rid), None))}">{esc(curriculum.roles[rid].title)}</a>'
        if rid in curriculum.roles
        else esc(rid)
        for rid in module.roles
    )
    catalogue = curriculum.catalogue.criteria
    criteria = ", ".join(
        f'<a href="{esc(link(CRITERIA_PAGE, criterion_anchor(cid)))}"'
        f' title="{esc(catalogue[cid].title if cid in catalogue else cid)}">{esc(cid)}</a>'
        for cid in module.criteria
    )
    facts = [
        ("Duration", esc(_minutes(module.duration))),
        *(
            [("Delivery", esc(f"Live workshop; attend at least {module.min_minutes} min"))]
            if module.delivery == "workshop"
            else []
        ),
        ("Version", str(module.version)),
        ("Owner", esc(module.owner or "not set")),
        ("Roles", roles),
        ("Criteria", criteria),
    ]
    items = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts)
    objective = (
        f'<p class="trustpath-objective"><strong>Objective:</strong> {esc(module.objective)}</p>'
        if module.objective
        else ""
    )
    # A module with neither quiz nor acknowledgement has nothing to record: no status line.
    status = (
        f'<p class="trustpath-status-line" data-trustpath="status">Your status: '
        f'<span class="trustpath-status" data-module="{esc(module.id)}"></span> '
        f'<span class="trustpath-left" data-module="{esc(module.id)}"></span></p>'
        if module.quiz is not None or module.acknowledge
        else ""
    )
    return (
        f'<div class="trustpath-module-header" data-module="{esc(module.id)}">'
        f'<dl class="trustpath-facts">{items}</dl>{objective}{status}</div>'
    )


def place_slots(content: str, module: Module) -> str:
    """The rendered body with empty slots for the header (after the title) and the widgets."""
    match = _H1_END.search(content)
    at = match.end() if match else 0
    content = content[:at] + HEADER_SLOT + content[at:]
    if module.quiz is not None:
        if QUIZ_MARKER in content:
            content = content.replace(QUIZ_MARKER, QUIZ_SLOT, 1)
        else:
            content += QUIZ_SLOT
    return content + WIDGETS_SLOT


def fill_slots(page_html: str, module: Module, curriculum: Curriculum, link: Linker) -> str:
    """Put the header, quiz, acknowledgement and feedback form into the finished page.

    Done after the search plugin has indexed the content, so the search index stays small and
    holds the module's text rather than its quiz.
    """
    page_html = page_html.replace(HEADER_SLOT, render_header(module, curriculum, link), 1)
    if module.quiz is not None:
        page_html = page_html.replace(QUIZ_SLOT, render_quiz(module, module.quiz), 1)
    ack = render_ack(module, module.acknowledge) if module.acknowledge else ""
    return page_html.replace(WIDGETS_SLOT, ack + render_feedback(module), 1)
