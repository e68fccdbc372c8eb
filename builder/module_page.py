"""A module's published page: its source without front matter, header, quiz and widgets.

Front matter is read by the loader, never by MkDocs: the page source handed to MkDocs is the
title plus the Markdown body, so the answer key never reaches `page.meta` or the templates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from builder.model import Curriculum, Module
from builder.pages import CRITERIA_PAGE, criterion_anchor, role_page
from builder.quiz_html import esc, render_ack, render_feedback, render_quiz

QUIZ_MARKER = "<!-- quiz -->"
_H1_END = re.compile(r"</h1>")

# link(doc_path, anchor) -> URL of that page relative to the page being rendered.
Linker = Callable[[str, str | None], str]


def page_source(module: Module) -> str:
    """What MkDocs renders for the module: a title-only front matter and the body."""
    meta = f"title: {json.dumps(module.title)}\n"
    if module.summary:
        meta += f"description: {json.dumps(module.summary)}\n"
    return f"---\n{meta}---\n{module.body}"


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
    return (
        f'<div class="trustpath-module-header" data-module="{esc(module.id)}">'
        f'<dl class="trustpath-facts">{items}</dl>{objective}'
        f'<p class="trustpath-status-line">Your status: <span class="trustpath-status" '
        f'data-module="{esc(module.id)}">unknown</span></p></div>'
    )


def assemble_module_html(content: str, module: Module, curriculum: Curriculum, link: Linker) -> str:
    """The rendered body with the header after the title and the widgets where they belong."""
    header = render_header(module, curriculum, link)
    match = _H1_END.search(content)
    at = match.end() if match else 0
    content = content[:at] + header + content[at:]
    quiz = render_quiz(module, module.quiz) if module.quiz else ""
    if quiz and QUIZ_MARKER in content:
        content = content.replace(QUIZ_MARKER, quiz, 1)
        quiz = ""
    ack = render_ack(module, module.acknowledge) if module.acknowledge else ""
    return content + quiz + ack + render_feedback(module)
