"""The questions (item analysis) and feedback reports: one function each, for CLI and web."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builder.course.model import Course
from builder.ledger.views import FeedbackEntry
from builder.reports.aggregates import QuestionStat, feedback_digest, question_stats
from builder.reports.filters import check_module
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.item_queries import first_attempt_answers
from builder.store.report_queries import answer_counts_until, feedback_until

QUESTION_COLUMNS = (
    "module", "module_title", "version", "question", "prompt", "attempts", "miss_rate",
    "top_wrong_choice", "top_wrong_text", "top_wrong_share", "facility", "discrimination",
    "flagged",
)  # fmt: skip
FEEDBACK_COLUMNS = (
    "module", "module_title", "version", "kind", "from", "name", "recorded_at", "text",
)  # fmt: skip


def question_report(
    store: Store,
    course: Course,
    module: str | None = None,
    flagged: bool = False,
    as_of: dt.date | None = None,
) -> list[QuestionStat]:
    """Per question and module version, most missed first, over attempts recorded by the end
    of `as_of` (default: today in the org's zone). `flagged` keeps questions most people miss
    (`aggregates.FLAG_MISS_RATE` over at least `FLAG_MIN_ATTEMPTS` attempts), or whose item
    analysis over first attempts flags them (negative discrimination, a distractor nobody
    picks). A `module` that is neither in the course nor in the records raises
    `filters.UnknownFilter`."""
    check_module(course, module, store)
    until = as_of_for(course, as_of).until
    with store.transaction() as conn:
        counts = answer_counts_until(conn, module, until)
        first = first_attempt_answers(conn, module, until)
    return [
        s
        for s in question_stats(counts, course, first)
        if not flagged or s.flagged or (s.item is not None and s.item.flags)
    ]


def feedback_report(
    store: Store,
    course: Course,
    module: str | None = None,
    kind: str | None = None,
    as_of: dt.date | None = None,
) -> list[FeedbackEntry]:
    """Feedback recorded by the end of `as_of`, grouped by module then kind, newest first
    within a kind; anonymous entries carry no identity. `module` as for `question_report`."""
    check_module(course, module, store)
    until = as_of_for(course, as_of).until
    with store.transaction() as conn:
        rows = feedback_until(conn, module, kind, until)
    digest = feedback_digest(FeedbackEntry(*row) for row in rows)
    return [e for kinds in digest.values() for group in kinds.values() for e in group]


def feedback_row(entry: FeedbackEntry, course: Course) -> dict[str, Any]:
    """One feedback entry as a JSON-ready dict (`FEEDBACK_COLUMNS`): `from` is "anonymous" or
    the email, `name` the person's name (None when anonymous or unknown)."""
    module = course.modules.get(entry.module)
    return {
        **entry.as_dict(),
        "module_title": module.title if module else "",
        "name": None if entry.anonymous else entry.name,
    }
