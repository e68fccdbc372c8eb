"""Authoring warnings: quiz cues a test-wise learner exploits, missing teaching, placeholders.

Each rule gives a warning (never an error: `validate --strict` and `build --strict` make them
fail) with a stable code, at the line it is about, with a fix. The rules, and why:

- `longest-answer-cue`: in a module with at least 3 single-answer questions, the correct
  choice is the strictly longest (characters, surrounding whitespace ignored) in more than
  half of them.
  "Pick the longest" is the classic test-wise strategy (Millman, Bishop & Ebel, 1965).
- `position-cue`: among single-answer questions with `shuffle: false` (at least 3), one
  position holds the correct choice at least 3 times and more than twice its fair share. The
  fair share of position p is the sum over those questions of 1/k (k = the question's number
  of choices, counting only questions with at least p choices). Shuffled questions are
  exempt: the page draws their order per person.
- `true-false-balance`: in a module with at least 3 true/false questions, one answer is
  correct in more than two thirds of them ("answer false" should not pass a quiz).
- `all-of-the-above`: a choice such as "all of the above" or "none of these" in a question
  that is shuffled (the default), where "above" means nothing. Set `shuffle: false`.
- `missing-explain`: a question without `explain`: a learner who got it wrong learns nothing.
- `missing-feedback`: a wrong choice of a single or multiple question without `feedback`.
  Feedback says why that choice is wrong; a question most people are expected to miss, where
  `explain` does the teaching, may set `feedback_optional: true`.
- `placeholder-text`: a sentence the scaffold (`trustpath new module`) wrote is still there.
- `title-mismatch`: the body's first `# H1` differs from the front-matter `title`, which the
  page, the navigation and the path pages use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from builder.curriculum.diagnostics import Diagnostic, warning
from builder.curriculum.yamlsource import PathKey, SourceMap

MIN_QUESTIONS = 3
_ALL_OF_THE_ABOVE = re.compile(
    r"\b(?:all|none|both|neither|any)\s+of\s+(?:the\s+)?(?:above|below|these|those|others"
    r"|previous|preceding|following)\b|\ball\s+the\s+above\b",
    re.IGNORECASE,
)
# Every phrase `_ALL_OF_THE_ABOVE` finds ends in one of these words. On ASCII text a
# case-insensitive match is a match of the lower-cased text, so text with none of them cannot
# match and skips the regex (nearly every question: the regex is the costlier test).
_ABOVE_WORDS = ("above", "below", "these", "those", "others", "previous", "preceding", "following")
_ATX_H1 = re.compile(r"\A\s*#[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_SETEXT_H1 = re.compile(r"\A\s*(?P<title>[^\n]+)\n=+[ \t]*$", re.MULTILINE)


def _may_say_all_of_the_above(text: str) -> bool:
    """False only when `_ALL_OF_THE_ABOVE` cannot match `text` (a cheap pre-check)."""
    if not text.isascii():
        return True
    low = text.lower()
    return any(word in low for word in _ABOVE_WORDS)


def _length(text: str) -> int:
    return len(text.strip())


def _ids(items: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in items)


def check_quiz_quality(
    quiz: dict[str, Any], usable: list[int], smap: SourceMap, rel: str
) -> list[Diagnostic]:
    """Quiz-cue and teaching warnings for the schema-valid questions (indexes in `usable`)."""
    found: list[Diagnostic] = []
    questions = quiz["questions"]
    singles: list[tuple[int, dict[str, Any]]] = []
    true_false: list[dict[str, Any]] = []
    for qi in usable:
        q = questions[qi]
        qpath: PathKey = ("quiz", "questions", qi)
        kind = q["type"]
        if not str(q.get("explain", "")).strip():
            found.append(
                warning(
                    rel,
                    smap.at((*qpath, "id")),
                    "missing-explain",
                    f"question '{q['id']}' has no 'explain': add a sentence or two on why the "
                    "right answer is right",
                )
            )
        if kind == "true_false":
            if isinstance(q.get("answer"), bool):
                true_false.append(q)
            continue
        choices = q.get("choices") or []
        correct = [c for c in choices if c["correct"]]
        if kind == "single" and len(choices) >= 2 and len(correct) == 1:
            singles.append((qi, q))
        texts = "\n".join(c["text"] for c in choices)
        cued = (
            q.get("shuffle", True)
            and _may_say_all_of_the_above(texts)
            and _ALL_OF_THE_ABOVE.search(texts)
        )
        for ci, c in enumerate(choices if cued else ()):
            if _ALL_OF_THE_ABOVE.search(c["text"]):
                phrase = _ALL_OF_THE_ABOVE.search(c["text"])
                assert phrase is not None
                found.append(
                    warning(
                        rel,
                        smap.at((*qpath, "choices", ci, "text")),
                        "all-of-the-above",
                        f"choice '{c['id']}' says '{phrase.group()}', but question '{q['id']}' "
                        "shows its choices shuffled: set 'shuffle: false' on the question, or "
                        "rewrite the choice",
                    )
                )
        missing = [
            (ci, c["id"])
            for ci, c in enumerate(choices)
            if not c["correct"] and not str(c.get("feedback", "")).strip()
        ]
        if missing and not q.get("feedback_optional", False):
            found.append(
                warning(
                    rel,
                    smap.at((*qpath, "choices", missing[0][0], "id")),
                    "missing-feedback",
                    f"question '{q['id']}': wrong choice(s) {_ids(i for _, i in missing)} have "
                    "no 'feedback'; say why each is wrong (or set 'feedback_optional: true' on "
                    "a question most people are expected to miss)",
                )
            )
    # Module-wide warnings point at `questions:`; its position is looked up only when needed.
    module_wide = [
        *_longest(singles),
        *_positions([(qi, q) for qi, q in singles if q.get("shuffle", True) is False]),
        *_true_false(true_false),
    ]
    if module_wide:
        known = smap.keys.get("questions", [])
        where = known[0] if len(known) == 1 else smap.at(("quiz", "questions"), key=True)
        found += [warning(rel, where, code, message) for code, message in module_wide]
    return found


def _longest(singles: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, str]]:
    if len(singles) < MIN_QUESTIONS:
        return []
    cued = []
    for _, q in singles:
        right = next(c for c in q["choices"] if c["correct"])
        longest = max(_length(c["text"]) for c in q["choices"] if c is not right)
        if _length(right["text"]) > longest:
            cued.append(q["id"])
    if 2 * len(cued) <= len(singles):
        return []
    return [
        (
            "longest-answer-cue",
            f"the correct choice is the longest in {len(cued)} of {len(singles)} single-answer "
            f"questions ({_ids(cued)}): make the wrong choices as specific as the right one, or "
            "the right one shorter",
        )
    ]


def _positions(fixed: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, str]]:
    if len(fixed) < MIN_QUESTIONS:
        return []
    observed: dict[int, int] = {}
    fair: dict[int, float] = {}
    for _, q in fixed:
        k = len(q["choices"])
        for p in range(1, k + 1):
            fair[p] = fair.get(p, 0.0) + 1 / k
        p = next(i for i, c in enumerate(q["choices"], 1) if c["correct"])
        observed[p] = observed.get(p, 0) + 1
    for p in sorted(observed):
        if observed[p] >= MIN_QUESTIONS and observed[p] > 2 * fair[p]:
            return [
                (
                    "position-cue",
                    f"the correct choice is choice {p} in {observed[p]} of {len(fixed)} "
                    f"questions with 'shuffle: false' (a fair share is {fair[p]:.1f}): vary "
                    "where the right answer stands, or let the page shuffle",
                )
            ]
    return []


def _true_false(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    if len(items) < MIN_QUESTIONS:
        return []
    trues = sum(1 for q in items if q["answer"] is True)
    answer, count = ("true", trues) if 2 * trues > len(items) else ("false", len(items) - trues)
    if 3 * count <= 2 * len(items):
        return []
    return [
        (
            "true-false-balance",
            f"'{answer}' is the answer to {count} of {len(items)} true/false questions: "
            '"always answer ' + answer + '" should not pass; rewrite some statements the '
            "other way round",
        )
    ]


def body_title(body: str) -> tuple[str, int] | None:
    """The body's leading H1 (ATX `# T` or setext) and its 0-based line in the body."""
    for pattern in (_ATX_H1, _SETEXT_H1):
        match = pattern.match(body)
        if match:
            return match.group("title").strip(), body[: match.start("title")].count("\n")
    return None


def body_without_title(body: str) -> str:
    """The body with its leading H1 (if any) removed: the page shows the front-matter title."""
    for pattern in (_ATX_H1, _SETEXT_H1):
        match = pattern.match(body)
        if match:
            return body[match.end() :].lstrip("\n")
    return body


def check_title(title: str, body: str, body_line: int, rel: str) -> list[Diagnostic]:
    """`title-mismatch` when the body's first H1 differs from the front-matter title."""
    heading = body_title(body)
    if heading is None or " ".join(heading[0].split()) == " ".join(title.split()):
        return []
    return [
        warning(
            rel,
            (body_line + heading[1], 1),
            "title-mismatch",
            f"the heading '{heading[0]}' differs from the title '{title}', which the page, "
            "the navigation and the path pages use: delete the heading (the page shows the "
            "title) or make the two the same",
        )
    ]


def check_placeholders(
    data: dict[str, Any],
    smap: SourceMap,
    body: str,
    body_line: int,
    rel: str,
    placeholders: tuple[str, ...],
) -> list[Diagnostic]:
    """`placeholder-text` for every scaffold sentence left in a front-matter value or the body."""
    found: list[Diagnostic] = []

    def visit(value: Any, path: PathKey) -> None:
        if isinstance(value, str):
            for sentence in placeholders:
                if sentence in value:
                    found.append(_placeholder(rel, smap.at(path), sentence))
                    break
        elif isinstance(value, dict):
            for k, v in value.items():
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))

    for key in ("summary", "objective", "quiz"):
        if key in data:
            visit(data[key], (key,))
    for n, line in enumerate(body.split("\n")):
        for sentence in placeholders:
            if sentence in line:
                found.append(_placeholder(rel, (body_line + n, line.index(sentence) + 1), sentence))
                break
    return found


def _placeholder(rel: str, pos: tuple[int, int], sentence: str) -> Diagnostic:
    return warning(
        rel,
        pos,
        "placeholder-text",
        f"'{sentence}' is placeholder text from 'trustpath new module': replace it with the "
        "real content",
    )
