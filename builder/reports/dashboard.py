"""The HTML dashboard: one self-contained file, inline CSS and SVG, no script, no requests.

Every string from the roster, the ledger or feedback goes through `charts.esc`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from builder.course.model import Course
from builder.lifecycle.due import DueReport, Excused
from builder.markup import esc
from builder.reports.aggregates import (
    CompletionRow,
    QuestionStat,
    completion_table,
    feedback_digest,
    question_stats,
)
from builder.reports.charts import column_chart, hbar_chart, heatmap
from builder.store.database import Store
from builder.store.item_queries import first_attempt_answers
from builder.store.queries import ATTEMPTS, answer_counts, due_report, refresh_answers

WEEKS = 12
OVERDUE_ROWS = 50

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:980px;color:#212121;padding:0 1em}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#616161}.chart{max-width:100%;height:auto}.lbl{font-size:11px;fill:#424242}
.val{font-size:11px;fill:#212121}table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
.kpi{display:inline-block;margin:0 2em .5em 0}.kpi b{display:block;font-size:1.8em}
.flag{color:#c62828;font-weight:600}.legend span{display:inline-block;margin-right:1.2em}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
section{break-inside:avoid;page-break-inside:avoid}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}
a{color:inherit;text-decoration:none}.chart rect{-webkit-print-color-adjust:exact;
print-color-adjust:exact}}
"""


@dataclass
class DashboardData:
    as_of: dt.date
    course: Course
    report: DueReport
    completion: list[CompletionRow]
    pass_rates: list[tuple[str, int, int]]  # module, attempts, passed
    questions: list[QuestionStat]
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)
    feedback_latest: list[tuple[str, str, str]] = field(default_factory=list)


def gather(store: Store, course: Course, as_of: dt.date) -> DashboardData:
    """Everything the dashboard shows, read in a few aggregate queries."""
    from builder.store.queries import feedback_entries

    report, people = due_report(store, course, as_of)
    by_id = {p.person_id: p for p in people}
    refresh_answers(store, course)
    passed = sa.func.sum(sa.case((ATTEMPTS.c.passed.is_(True), 1), else_=0))
    with store.transaction() as conn:
        rates = conn.execute(
            sa.select(ATTEMPTS.c.module, sa.func.count(), passed)
            .group_by(ATTEMPTS.c.module)
            .order_by(ATTEMPTS.c.module)
        ).all()
        counts = answer_counts(conn)
        first = first_attempt_answers(conn)
        entries = feedback_entries(conn, None, None)
    digest = feedback_digest(entries)
    latest = sorted(entries, key=lambda e: e.recorded_at, reverse=True)[:10]
    return DashboardData(
        as_of=as_of,
        course=course,
        report=report,
        completion=completion_table(report.items, "department", by_id, course),
        pass_rates=[(m, int(n), int(p or 0)) for m, n, p in rates],
        questions=question_stats(counts, course, first),
        feedback={m: {k: len(v) for k, v in kinds.items()} for m, kinds in digest.items()},
        feedback_latest=[
            (e.module, e.kind, e.text)
            for e in latest  # never who: the digest is anonymous here
        ],
    )


def _due_per_week(data: DashboardData) -> list[tuple[str, int, bool]]:
    monday = data.as_of - dt.timedelta(days=data.as_of.weekday())
    weeks = [monday + dt.timedelta(weeks=i) for i in range(WEEKS)]
    counts = dict.fromkeys(weeks, 0)
    overdue = 0
    for item in data.report.items:
        if item.status == "overdue":
            overdue += 1
        elif item.status != "done":
            week = item.due - dt.timedelta(days=item.due.weekday())
            if week in counts:
                counts[week] += 1
    return [("overdue", overdue, True)] + [
        (w.strftime("%d %b"), n, False) for w, n in counts.items()
    ]


def _coverage(course: Course) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    roles = sorted(course.roles)
    cells: dict[tuple[str, str], str] = {}
    criteria: dict[str, None] = {}
    for rid in roles:
        required, covered = set(course.required_criteria(rid)), set(course.covered_criteria(rid))
        for cid in required | covered:
            criteria.setdefault(cid, None)
            state = "covered" if cid in required and cid in covered else (
                "gap" if cid in required else "extra")  # fmt: skip
            cells[(cid, rid)] = state
    order = list(course.raw.get("criteria") or {})
    ranked = sorted(criteria, key=lambda c: (order.index(c) if c in order else len(order), c))
    return ranked, roles, cells


def _table(head: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells must already be escaped."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _excused(items: list[Excused]) -> str:
    return _table(["Person", "Department", "Status", "Reason"],
                  [[esc(e.name or e.email), esc(e.department), esc(e.status), esc(e.reason)]
                   for e in items])  # fmt: skip


def render_dashboard(data: DashboardData) -> str:
    """The whole report as one HTML document."""
    items = data.report.items
    status = {s: sum(i.status == s for i in items) for s in ("overdue", "due_soon", "upcoming")}
    current = sum(r.current for r in data.completion)
    assigned = sum(r.assigned for r in data.completion)
    share = f"{100 * current / assigned:.0f}%" if assigned else "–"
    kpis = "".join(f'<div class="kpi"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in (
        ("complete", share), ("overdue", status["overdue"]), ("due in 14 days", status["due_soon"]),
        ("people counted", len({i.person_id for i in items})),
        ("on leave / exempt", len(data.report.excused))))  # fmt: skip
    completion = hbar_chart(
        [(r.group, r.share, f"{100 * r.share:.0f}% ({r.current}/{r.assigned})")
         for r in data.completion],
        "Completion by department", warn_below=0.8)  # fmt: skip
    rates = hbar_chart(
        [(m, p / n if n else 0.0, f"{100 * p / n:.0f}% of {n}") for m, n, p in data.pass_rates],
        "Share of attempts passed, per module", warn_below=0.6)  # fmt: skip
    missed = [q for q in data.questions if q.attempts][:10]
    missed_chart = hbar_chart(
        [(f"{q.module} v{q.version} · {q.question}", q.miss_rate,
          f"{100 * q.miss_rate:.0f}% of {q.attempts}") for q in missed],
        "Most-missed questions", warn_above=0.5)  # fmt: skip
    missed_rows = [
        [
            esc(q.module),
            esc(q.version),
            esc(q.question),
            esc(q.prompt),
            esc(f"{q.top_wrong or '–'} {q.top_wrong_text}".strip()),
            esc(f"{100 * q.top_wrong_share:.0f}%"),
            '<span class="flag">flag</span>' if q.flagged else "",
        ]
        for q in missed
    ]
    quality_rows = [
        [
            esc(q.module),
            esc(q.version),
            esc(q.question),
            esc(q.item.first_attempts),
            esc("–" if q.item.facility is None else f"{q.item.facility:.2f}"),
            esc("–" if q.item.discrimination is None else f"{q.item.discrimination:.2f}"),
            esc(", ".join(q.item.unpicked) or "–"),
            "".join(f'<span class="flag">{esc(f)}</span> ' for f in q.item.flags),
        ]
        for q in data.questions
        if q.item is not None and q.item.flags
    ]
    crit, roles, cells = _coverage(data.course)
    stale = [m for m in data.course.modules.values() if m.review_by and m.review_by < data.as_of]
    stale_rows = [[esc(m.id), esc(m.title), esc(m.review_by), esc(m.owner or "")] for m in stale]
    untracked = [m.id for m in data.course.modules.values() if not m.trackable]
    fb_rows = [
        [esc(m), esc(k), esc(n)] for m, kinds in data.feedback.items() for k, n in kinds.items()
    ]
    fb_latest = [[esc(m), esc(k), esc(t)] for m, k, t in data.feedback_latest]
    legend = "".join(f'<span><i class="sw" style="background:{c}"></i>{w}</span>' for c, w in (
        ("#2e7d32", "required and covered"), ("#c62828", "required, not covered"),
        ("#a5d6a7", "covered, not required")))  # fmt: skip
    sections = [
        ("Summary", kpis),
        ("Completion by department", completion),
        ("Items due per week", column_chart(_due_per_week(data), "Items due per week")),
        ("Pass rate per module", rates),
        ("Most-missed questions", missed_chart + _table(
            ["Module", "Version", "Question", "Prompt", "Most chosen wrong answer", "Share", ""],
            missed_rows)),
        ("Question quality (first attempts)", _table(
            ["Module", "Version", "Question", "First attempts", "Facility", "Discrimination",
             "Distractors nobody picks", "Flags"], quality_rows)),
        ("Criteria × roles coverage",
         f'<p class="legend">{legend}</p>' + heatmap(crit, roles, cells, "Criteria by role")),
        ("Stale content (review date passed)", _table(["Module", "Title", "Review by", "Owner"],
                                                      stale_rows)),
        ("On leave or exempt", _excused(data.report.excused)),
        ("Feedback", _table(["Module", "Kind", "Count"], fb_rows)
         + _table(["Module", "Kind", "Latest feedback (anonymous in this report)"], fb_latest)),
    ]  # fmt: skip
    late = [i for i in items if i.status in ("overdue", "due_soon")]
    late = sorted(late, key=lambda i: i.due)[:OVERDUE_ROWS]
    late_rows = [[esc(i.name or i.email), esc(i.department), esc(i.module), esc(i.due),
                  esc(i.status.replace("_", " "))] for i in late]  # fmt: skip
    sections.insert(3, ("Overdue and due within 14 days", _table(
        ["Person", "Department", "Module", "Due", "Status"], late_rows)))  # fmt: skip
    if untracked:
        sections.append(("Not tracked (no quiz or acknowledgement)", esc(", ".join(untracked))))
    body = "".join(f"<section><h2>{esc(t)}</h2>{html}</section>" for t, html in sections)
    commit = esc(data.course.commit or "unknown")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>TrustPath training report {esc(data.as_of)}</title><style>{CSS}</style></head>"
        f'<body><h1>Training report</h1><p class="meta">As of {esc(data.as_of)} · content '
        f"build {commit}</p>{body}</body></html>\n"
    )
