"""What the dashboard shows, gathered once (`gather`); `dashboard.py` renders it.

Every count is as of one day in the organisation's zone: the due engine's items on that day,
and attempts, answers and feedback recorded by its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from builder.course.model import Course
from builder.ledger.chain import Head
from builder.ledger.views import FeedbackEntry
from builder.reports.aggregates import CompletionRow, QuestionStat, completion_table
from builder.reports.answers import feedback_report, question_report
from builder.reports.campaigns import CampaignSummary, summarise
from builder.reports.due import DueTable, due_table
from builder.reports.period import as_of_for
from builder.reports.unknown import unknown_total
from builder.store.database import Store
from builder.store.report_queries import pass_rates
from builder.store.verify import verify_all

LATEST_FEEDBACK = 10


@dataclass
class Verification:
    """The verify result the cover block shows."""

    ok: bool
    text: str


@dataclass
class DashboardData:
    as_of: dt.date
    course: Course
    due: DueTable
    completion: list[CompletionRow]
    pass_rates: list[tuple[str, int, int]]  # module, attempts, passed
    questions: list[QuestionStat]
    generated_at: str = ""  # UTC, ISO 8601
    head: Head | None = None
    verification: Verification | None = None
    unknown: int = 0  # identities with records and no roster row
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)  # module -> kind -> n
    feedback_latest: list[FeedbackEntry] = field(default_factory=list)
    feedback_total: int = 0
    campaigns: list[CampaignSummary] = field(default_factory=list)  # open ones, oldest first


def verify_ledger(store: Store, course: Course) -> Verification:
    """The verify result for the cover block: the chain and every projection
    (`builder.store.verify.verify_all`)."""
    report = verify_all(store)
    return Verification(report.ok, str(report))


def gather(
    store: Store, course: Course, as_of: dt.date | None = None, *, verify: bool = True
) -> DashboardData:
    """Everything the dashboard shows on `as_of` (default: today in the org's zone).

    `verify=False` skips the ledger walk (the cover then says it was not run).
    """
    period = as_of_for(course, as_of)
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    table = due_table(store, course, period.day)
    by_id = {p.person_id: p for p in table.people}
    with store.transaction() as conn:
        rates = pass_rates(conn, period.until)
    questions = question_report(store, course, as_of=period.day)
    entries = feedback_report(store, course, as_of=period.day)
    digest: dict[str, dict[str, int]] = {}
    for e in entries:
        kinds = digest.setdefault(e.module, {})
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    latest = sorted(entries, key=lambda e: e.recorded_at, reverse=True)[:LATEST_FEEDBACK]
    return DashboardData(
        as_of=period.day,
        course=course,
        due=table,
        completion=completion_table(table.items, "department", by_id, course),
        pass_rates=rates,
        questions=questions,
        generated_at=generated,
        head=store.head(),
        verification=verify_ledger(store, course) if verify else None,
        unknown=unknown_total(store, course, period.day),
        feedback=digest,
        feedback_latest=latest,
        feedback_total=len(entries),
        campaigns=[
            c
            for c in summarise(
                period.day, table.items, table.people, table.assignments, course
            ).campaigns
            if c.state == "open"
        ],
    )
