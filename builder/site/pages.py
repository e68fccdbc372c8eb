"""Generated site pages as Markdown: home (your path, the roles), role paths, criteria, My training.

Links are relative `.md` links so MkDocs resolves, validates and rewrites them for any base
path. Author text is escaped for Markdown and HTML alike.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass

from builder.curriculum.model import STAGES, Curriculum
from builder.curriculum.paths import LearningPath
from builder.markup import esc

HOME_PAGE = "index.md"
CRITERIA_PAGE = "criteria.md"
MY_TRAINING_PAGE = "my-training.md"
PATHS_FOLDER = "paths"
STAGE_TITLES = {"onboarding": "Onboarding", "recurring": "Recurring", "offboarding": "Offboarding"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def role_page(role_id: str) -> str:
    """The doc path of a role's path page."""
    return f"{PATHS_FOLDER}/{role_id}.md"


def criterion_anchor(criterion_id: str) -> str:
    """The anchor of a criterion on the criteria index: `CC6.1` -> `cc6-1`."""
    return re.sub(r"[^a-z0-9]+", "-", criterion_id.lower()).strip("-")


def md_text(text: str) -> str:
    """Author text as literal Markdown: HTML escaped, Markdown punctuation backslashed."""
    flat = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def md_link(text: str, source: str, target: str, anchor: str | None = None) -> str:
    """A Markdown link from the page `source` to the page `target` (both doc paths)."""
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    return f"[{md_text(text)}]({rel}{'#' + anchor if anchor else ''})"


def doc_url(doc_path: str, directory_urls: bool = True) -> str:
    """The URL of a page relative to the site root, as MkDocs builds it."""
    stem = doc_path.removesuffix(".md")
    parent, name = posixpath.split(stem)
    if name in ("index", "README"):
        return f"{parent}/" if parent else "./"
    return f"{stem}/" if directory_urls else f"{stem}.html"


def relative_url(target: str, source: str) -> str:
    """URL of `target` relative to `source` (both site-root relative URLs, as MkDocs does it)."""
    folder, name = posixpath.split(source)
    base = folder if "." in name else source
    rel = posixpath.relpath("/" + target, "/" + base)
    return rel + "/" if target.endswith("/") else rel


def html_link(text: str, source: str, target: str, directory_urls: bool, anchor: str = "") -> str:
    """An HTML link between two pages (doc paths), for raw HTML that MkDocs does not rewrite."""
    url = relative_url(doc_url(target, directory_urls), doc_url(source, directory_urls))
    return f'<a href="{esc(url)}{"#" + anchor if anchor else ""}">{esc(text)}</a>'


def html_table(headers: list[str], rows: list[list[str]], attrs: str = "") -> str:
    """A raw HTML table on one line: Markdown passes it through untouched (and fast).

    With `attrs` (say `class="trustpath-table"`) each cell names its column in `data-label`,
    so the stylesheet can reflow rows into cards on a narrow screen, and `col-<name>` classes
    let it reorder them (status first). Material scrolls only tables without a class.
    """
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    if attrs:
        cells = [
            f' class="col-{re.sub(r"[^a-z]+", "-", h.lower()).strip("-") or "n"}"'
            f' data-label="{esc(h)}"'
            for h in headers
        ]
    else:
        cells = [""] * len(headers)
    body = "".join(
        "<tr>" + "".join(f"<td{a}>{c}</td>" for a, c in zip(cells, row, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table{' ' + attrs if attrs else ''}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def status_span(module_id: str) -> str:
    """A placeholder the status widget fills from GET /api/me."""
    return (
        f'<span class="trustpath-status" data-module="{html.escape(module_id, quote=True)}"></span>'
    )


@dataclass(frozen=True)
class GeneratedPage:
    doc_path: str
    content: str


def render_home(site_name: str, paths: dict[str, LearningPath], organisation: str = "") -> str:
    """The employee's home: their path and progress (filled once they are known), then roles.

    The criteria index is for reviewers: it stays in the navigation, not on this page.
    """
    at = f" at {md_text(organisation)}" if organisation and organisation != site_name else ""
    lines = [
        f"# {md_text(site_name)}",
        "",
        f"Security and privacy training for everyone{at}, tailored to what you do.",
        "",
        "## Your training",
        "",
        '<div class="trustpath-me" id="trustpath-me" data-trustpath="me">'
        '<p class="trustpath-me-status" role="status" aria-live="polite">'
        "Loading your training…</p>"
        "<noscript><p>This page needs JavaScript to show your training status.</p></noscript>"
        "</div>",
        "",
        "## Learning paths",
        "",
        "Each role has its path: the modules to take, in order, with how long each takes.",
        "",
    ]
    for rid, path in paths.items():
        role = path.role
        count = len(path.steps)
        summary = f"{count} module{'s' if count != 1 else ''}, about {path.total_minutes} min"
        desc = f": {md_text(role.description)}" if role.description else ""
        lines.append(f"- **{md_link(role.title, HOME_PAGE, role_page(rid))}** ({summary}){desc}")
    lines.append("")
    return "\n".join(lines)


def render_role_page(
    path: LearningPath, curriculum: Curriculum, directory_urls: bool = True
) -> str:
    """One role's learning path: stages, ordered modules, durations, criteria, prerequisites."""
    role = path.role
    source = role_page(role.id)
    lines = [f"# {md_text(role.title)}", ""]
    if role.description:
        lines += [md_text(role.description), ""]
    if len(path.ancestry) > 1:
        parents = ", ".join(
            md_link(curriculum.roles[r].title, source, role_page(r)) for r in path.ancestry[1:]
        )
        lines += [f"Includes the paths of: {parents}.", ""]
    lines += [f"{len(path.steps)} modules, about {path.total_minutes} minutes in all.", ""]
    number = 0
    for stage in STAGES:
        steps = [s for s in path.steps if s.stage == stage]
        if not steps:
            continue
        rows = []
        for step in steps:
            number += 1
            module = step.module
            note = ""
            if step.pulled_in:
                needers = ", ".join(
                    esc(curriculum.modules[m].title)
                    for m in step.required_by
                    if m in curriculum.modules
                )
                note = f"Prerequisite of {needers}" if needers else "Prerequisite"
            rows.append(
                [
                    str(number),
                    html_link(module.title, source, module.doc_path, directory_urls),
                    status_span(module.id),
                    f'<span class="trustpath-nowrap">{module.duration} min</span>'
                    if module.duration
                    else "",
                    _folded_criteria(module.criteria),
                    note,
                ]
            )
        headers = ["#", "Module", "Status", "Duration", "Criteria", "Notes"]
        table = html_table(headers, rows, 'class="trustpath-table" data-trustpath="path"')
        lines += [f"## {STAGE_TITLES[stage]}", "", table, ""]
    covered = path.covered_criteria()
    if covered:
        items = ", ".join(
            md_link(cid, source, CRITERIA_PAGE, criterion_anchor(cid)) for cid in sorted(covered)
        )
        lines += ["## Criteria this path covers", "", items, ""]
    return "\n".join(lines)


def _folded_criteria(criteria: tuple[str, ...] | list[str]) -> str:
    """A module's criteria folded under a summary ("3 criteria"): read on demand."""
    if len(criteria) <= 1:
        return esc(", ".join(criteria))
    return (
        f'<details class="trustpath-criteria"><summary>{len(criteria)} criteria</summary>'
        f"{esc(', '.join(criteria))}</details>"
    )


def render_criteria_index(
    curriculum: Curriculum, paths: dict[str, LearningPath], directory_urls: bool = True
) -> str:
    """Every in-scope criterion with the modules and roles that cover it; gaps first."""
    modules_for: dict[str, list[str]] = {}
    for mid in sorted(curriculum.modules, key=lambda m: curriculum.modules[m].title):
        for cid in curriculum.modules[mid].criteria:
            modules_for.setdefault(cid, []).append(mid)
    roles_for: dict[str, list[str]] = {}
    gaps: list[str] = []
    for rid, path in paths.items():
        covered = path.covered_criteria()
        for cid in covered:
            roles_for.setdefault(cid, []).append(rid)
        for cid in path.role.criteria:
            if cid not in covered:
                gaps.append(
                    f"- {md_link(path.role.title, CRITERIA_PAGE, role_page(rid))} must cover "
                    f"{md_link(cid, CRITERIA_PAGE, CRITERIA_PAGE, criterion_anchor(cid))}, "
                    "but no module on its path does."
                )
    scoped = curriculum.catalogue.scoped()
    uncovered = [c for c in scoped if c.id not in modules_for]
    lines = [
        "# Criteria index",
        "",
        f"{len(scoped)} criteria in scope; {len(scoped) - len(uncovered)} taught by at least one "
        f"module; {len(uncovered)} taught by none.",
        "",
        "## Gaps",
        "",
    ]
    lines += gaps or ["No role misses a criterion it must cover."]
    rows = []
    for criterion in scoped:
        mods = ", ".join(
            html_link(
                curriculum.modules[m].title,
                CRITERIA_PAGE,
                curriculum.modules[m].doc_path,
                directory_urls,
            )
            for m in modules_for.get(criterion.id, ())
        ) or (
            "<strong>gap</strong>: no module"
            if criterion.training_relevant
            else "none (rarely shown by training)"
        )
        roles = ", ".join(
            html_link(paths[r].role.title, CRITERIA_PAGE, role_page(r), directory_urls)
            for r in roles_for.get(criterion.id, ())
        )
        anchor = f'<span id="{criterion_anchor(criterion.id)}"></span>'
        rows.append([anchor + esc(criterion.id), esc(criterion.title), mods, roles or "none"])
    table = html_table(
        ["Criterion", "Title", "Modules", "Roles"], rows, 'class="trustpath-table trustpath-criteria-table"'
    )
    lines += ["", "## All criteria", "", table, ""]
    return "\n".join(lines)


def render_my_training() -> str:
    """The My training page: filled by the status widget from GET /api/me and course.json."""
    return "\n".join(
        [
            "# My training",
            "",
            '<div class="trustpath-me" id="trustpath-me" data-trustpath="me">'
            '<p class="trustpath-me-status" role="status" aria-live="polite">'
            "Loading your training status from the records service…</p>"
            "<noscript><p>This page needs JavaScript to show your training status.</p></noscript>"
            "</div>",
            "",
            '<p class="trustpath-transcript"><a id="trustpath-transcript" href="#" hidden>'
            "Download my transcript (printable HTML)</a> "
            '<span id="trustpath-transcript-status" role="status" aria-live="polite"></span></p>',
            "",
        ]
    )


def generate_pages(
    site_name: str,
    curriculum: Curriculum,
    paths: dict[str, LearningPath],
    *,
    directory_urls: bool = True,
    with_home: bool = True,
    organisation: str = "",
) -> list[GeneratedPage]:
    """All generated pages, home first."""
    home = render_home(site_name, paths, organisation)
    pages = [GeneratedPage(HOME_PAGE, home)] if with_home else []
    pages += [
        GeneratedPage(role_page(rid), render_role_page(p, curriculum, directory_urls))
        for rid, p in paths.items()
    ]
    pages.append(
        GeneratedPage(CRITERIA_PAGE, render_criteria_index(curriculum, paths, directory_urls))
    )
    pages.append(GeneratedPage(MY_TRAINING_PAGE, render_my_training()))
    return pages
