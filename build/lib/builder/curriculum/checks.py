"""Checks beyond the schema: quiz answer keys and cross-references between files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from builder.curriculum.criteria import Catalogue
from builder.curriculum.diagnostics import Diagnostic, error, warning
from builder.curriculum.suggest import did_you_mean
from builder.curriculum.yamlsource import PathKey, SourceMap

if TYPE_CHECKING:
    from builder.config import Settings
    from builder.curriculum.model import Curriculum, Module, Role


@dataclass(frozen=True)
class References:
    """What a module that failed its own checks refers to, so those references are checked too.

    Only fields that passed the schema are filled; the others are empty.
    """

    path: str
    source_map: SourceMap
    criteria: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    review_by: dt.date | None = None


def check_quiz(
    quiz: dict[str, Any],
    smap: SourceMap,
    rel: str,
    usable: list[int] | None = None,
    check_pass_mark: bool = True,
) -> list[Diagnostic]:
    """Answer-key problems of a quiz; only the questions in `usable` (schema-valid) are read."""
    found: list[Diagnostic] = []
    base: PathKey = ("quiz",)
    pass_mark = quiz.get("pass_mark", 80)
    if check_pass_mark and not 0 <= pass_mark <= 100:
        found.append(
            error(
                rel,
                smap.at((*base, "pass_mark")),
                "pass-mark-range",
                f"pass_mark is {pass_mark}; it is a percentage from 0 to 100",
            )
        )
    questions = quiz["questions"]
    if not questions:
        found.append(
            error(
                rel,
                smap.at((*base, "questions")),
                "empty-quiz",
                "quiz has no questions; add at least one or remove the quiz",
            )
        )
    seen_q: dict[str, int] = {}
    for qi in range(len(questions)) if usable is None else usable:
        q = questions[qi]
        qpath: PathKey = (*base, "questions", qi)
        qid = q["id"]
        if qid in seen_q:
            first = smap.at((*base, "questions", seen_q[qid], "id"))
            found.append(
                error(
                    rel,
                    smap.at((*qpath, "id")),
                    "duplicate-question-id",
                    f"question id '{qid}' is already used at line {first[0]}",
                )
            )
        else:
            seen_q[qid] = qi
        choices = q.get("choices")
        if q["type"] == "true_false":
            if choices is not None:
                found.append(
                    error(
                        rel,
                        smap.at((*qpath, "choices"), key=True),
                        "true-false-choices",
                        f"question '{qid}' is true_false: give 'answer: true|false', not choices",
                    )
                )
            if "answer" not in q:
                found.append(
                    error(
                        rel,
                        smap.at(qpath),
                        "missing-key",
                        f"question '{qid}' is true_false but has no 'answer: true|false'",
                    )
                )
            continue
        if "answer" in q:
            found.append(
                error(
                    rel,
                    smap.at((*qpath, "answer"), key=True),
                    "unexpected-answer",
                    f"question '{qid}' is {q['type']}: mark choices 'correct: true' "
                    "instead of giving 'answer'",
                )
            )
        if not choices or len(choices) < 2:
            found.append(
                error(
                    rel,
                    smap.at(qpath),
                    "too-few-choices",
                    f"question '{qid}' needs at least two choices",
                )
            )
            continue
        seen_c: set[str] = set()
        for ci, c in enumerate(choices):
            if c["id"] in seen_c:
                found.append(
                    error(
                        rel,
                        smap.at((*qpath, "choices", ci, "id")),
                        "duplicate-choice-id",
                        f"question '{qid}' has choice id '{c['id']}' twice",
                    )
                )
            seen_c.add(c["id"])
        correct = [c["id"] for c in choices if c["correct"]]
        if q["type"] == "single" and len(correct) != 1:
            marked = f"marks {len(correct)} ({', '.join(correct)})" if correct else "marks none"
            found.append(
                error(
                    rel,
                    smap.at((*qpath, "type")),
                    "single-answer-count",
                    f"question '{qid}' is single but {marked} correct; mark exactly one, "
                    "or make it 'multiple'",
                )
            )
        if q["type"] == "multiple" and not correct:
            found.append(
                error(
                    rel,
                    smap.at((*qpath, "type")),
                    "multiple-no-correct",
                    f"question '{qid}' is multiple but no choice is marked correct",
                )
            )
    return found


def _check_ids(
    items: Iterable[Any], where: Callable[[Any], tuple[int, int]], kind: str, code: str
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """First definition wins; every later one (and the first) names the other places."""
    by_id: dict[str, list[Any]] = {}
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    found = []
    for item_id, group in by_id.items():
        if len(group) < 2:
            continue
        places = [f"{i.path}:{where(i)[0]}" for i in group]
        for item, place in zip(group, places, strict=True):
            others = ", ".join(p for p in places if p != place)
            found.append(
                error(
                    item.path,
                    where(item),
                    code,
                    f"{kind} id '{item_id}' is also defined at {others}",
                )
            )
    return {k: v[0] for k, v in by_id.items()}, found


def _find_cycles(graph: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Every elementary cycle reachable by DFS, each reported once (rotated to its least id)."""
    cycles: dict[tuple[str, ...], list[str]] = {}
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                k = cycle.index(min(cycle))
                rotated = cycle[k:] + cycle[:k]
                cycles.setdefault(tuple(rotated), rotated)
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return list(cycles.values())


def _refs(
    path: str,
    smap: SourceMap,
    key: str,
    values: tuple[str, ...],
    known: Iterable[str],
    code: str,
    noun: str,
    found: list[Diagnostic],
) -> None:
    known = list(known)
    known_set = set(known)
    for i, value in enumerate(values):
        if value not in known_set:
            found.append(
                error(
                    path,
                    smap.at((key, i)),
                    code,
                    f"unknown {noun} '{value}' in {key}{did_you_mean(value, known)}",
                )
            )


def check_cross_references(
    modules: list[Module],
    roles: list[Role],
    catalogue: Catalogue,
    settings: Settings,
    *,
    known_module_ids: set[str],
    today: dt.date,
    unbuilt: list[References] | None = None,
) -> tuple[Curriculum, list[Diagnostic]]:
    """Ids, references, cycles and staleness across files; returns the curriculum too.

    `unbuilt` are the references of modules that failed their own checks: their criteria,
    roles, prerequisites and review dates are checked too, so one run reports everything.
    """
    from builder.curriculum.model import Curriculum

    found: list[Diagnostic] = []
    by_module, problems = _check_ids(
        modules, lambda m: m.source_map.at(("id",)), "module", "duplicate-module-id"
    )
    found += problems
    by_role, problems = _check_ids(
        roles, lambda r: r.source_map.at(("id",)), "role", "duplicate-role-id"
    )
    found += problems
    module_ids = sorted(known_module_ids | set(by_module))
    criteria = list(catalogue.criteria)

    def check_criteria(path: str, smap: SourceMap, values: tuple[str, ...]) -> None:
        _refs(path, smap, "criteria", values, criteria, "unknown-criterion", "criterion", found)
        for i, cid in enumerate(values):
            if cid in catalogue.criteria and not catalogue.in_scope(cid):
                found.append(
                    warning(
                        path,
                        smap.at(("criteria", i)),
                        "criterion-out-of-scope",
                        f"criterion '{cid}' is in category "
                        f"'{catalogue.criteria[cid].category}', which is not in scope "
                        f"({', '.join(catalogue.categories)})",
                    )
                )

    referrers: list[Module | References] = [*modules, *(unbuilt or ())]
    for m in referrers:
        check_criteria(m.path, m.source_map, m.criteria)
        _refs(m.path, m.source_map, "roles", m.roles, by_role, "unknown-role", "role", found)
        _refs(
            m.path,
            m.source_map,
            "requires",
            m.requires,
            module_ids,
            "unknown-module",
            "module",
            found,
        )
        if m.review_by is not None and m.review_by < today:
            found.append(
                warning(
                    m.path,
                    m.source_map.at(("review_by",)),
                    "review-overdue",
                    f"review_by {m.review_by.isoformat()} has passed: review the "
                    "content, then move the date forward",
                )
            )
    for r in roles:
        check_criteria(r.path, r.source_map, r.criteria)
        _refs(r.path, r.source_map, "extends", r.extends, by_role, "unknown-role", "role", found)
        _refs(
            r.path,
            r.source_map,
            "modules",
            r.modules,
            module_ids,
            "unknown-module",
            "module",
            found,
        )
    for cid in settings.required_criteria:
        if cid not in catalogue.criteria:
            found.append(
                error(
                    "mkdocs.yml",
                    (1, 1),
                    "unknown-criterion",
                    f"unknown criterion '{cid}' in required_criteria{did_you_mean(cid, criteria)}",
                )
            )

    prereqs = {m.id: m.requires for m in by_module.values()}
    for cycle in _find_cycles(prereqs):
        m = by_module[cycle[0]]
        i = m.requires.index(cycle[1 % len(cycle)])
        found.append(
            error(
                m.path,
                m.source_map.at(("requires", i)),
                "prerequisite-cycle",
                f"prerequisite cycle: {' → '.join([*cycle, cycle[0]])}",
            )
        )
    parents = {r.id: r.extends for r in by_role.values()}
    for cycle in _find_cycles(parents):
        r = by_role[cycle[0]]
        i = r.extends.index(cycle[1 % len(cycle)])
        found.append(
            error(
                r.path,
                r.source_map.at(("extends", i)),
                "role-cycle",
                f"roles extend each other in a cycle: {' → '.join([*cycle, cycle[0]])}",
            )
        )
    return Curriculum(modules=by_module, roles=by_role, catalogue=catalogue), found


_RAW_HTML = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*|/[A-Za-z][A-Za-z0-9-]*|!--)[^<>]*>?")


def check_raw_html(curriculum: Curriculum) -> list[Diagnostic]:
    """A `raw-html` warning for each front-matter or role string holding an HTML tag.

    TrustPath escapes these strings wherever it shows them (titles, summaries, quiz text), so
    the tag is shown as text, never run; the warning says so before readers see `<b>` on the
    page. Called by `trustpath validate`, not by the site build (strict builds fail on
    warnings, and escaping already makes the site safe).
    """
    found: list[Diagnostic] = []

    def scan(rel: str, smap: SourceMap, path: PathKey, value: str | None) -> None:
        match = _RAW_HTML.search(value or "")
        if match is not None:
            found.append(
                warning(
                    rel,
                    smap.at(path),
                    "raw-html",
                    f"'{'.'.join(str(p) for p in path)}' holds raw HTML {match.group()!r}: it is "
                    "shown as text, never rendered; write plain text (or Markdown where allowed)",
                )
            )

    for m in curriculum.modules.values():
        for name in ("title", "summary", "objective", "owner"):
            scan(m.path, m.source_map, (name,), getattr(m, name))
        scan(m.path, m.source_map, ("acknowledge", "statement"), m.acknowledge)
        for qi, q in enumerate(m.quiz.questions if m.quiz else ()):
            base: PathKey = ("quiz", "questions", qi)
            scan(m.path, m.source_map, (*base, "prompt"), q.prompt)
            scan(m.path, m.source_map, (*base, "explain"), q.explain)
            for ci, c in enumerate(q.choices):
                scan(m.path, m.source_map, (*base, "choices", ci, "text"), c.text)
                scan(m.path, m.source_map, (*base, "choices", ci, "feedback"), c.feedback)
    for r in curriculum.roles.values():
        scan(r.path, r.source_map, ("title",), r.title)
        scan(r.path, r.source_map, ("description",), r.description)
    return found
