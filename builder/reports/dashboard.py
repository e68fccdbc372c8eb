"""The HTML dashboard: one self-contained file, inline CSS and SVG, no script, no requests.

Written for an auditor: a cover block says whose records, as of when, from which content build
and ledger head, and whether the ledger verified; modules and questions are named by title
and prompt; every list that is cut says so ("showing 50 of 152"); every chart has a legend;
labels wrap instead of being cut; at 390 px wide nothing scrolls sideways. The data comes
from `dashboard_data.gather`. Every string from the roster, the ledger or feedback goes
through `esc`.
"""

from __future__ import annotations

import datetime as dt

from builder.course.model import Course
from builder.lifecycle.due import DueItem, Excused
from builder.markup import esc
from builder.reports.charts import BAR, OK, WARN, column_chart, hbar_chart, heatmap, legend
from builder.reports.dashboard_data import DashboardData

WEEKS = 12
LIST_ROWS = 50  # rows per list; a longer list says "showing 50 of N"
MISSED_ROWS = 10

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:980px;color:#212121;padding:0 1em}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#616161}.cover{display:grid;grid-template-columns:max-content 1fr;gap:2px 1em;
margin:1em 0;padding:.6em 1em;border:1px solid #ddd;background:#fafafa}.cover dt{font-weight:600}
.cover dd{margin:0;overflow-wrap:anywhere}.bad{color:#c62828;font-weight:600}
.good{color:#2e7d32;font-weight:600}.shown{color:#616161;font-style:italic}
body{overflow-wrap:anywhere}.chart{max-width:100%;height:auto}.lbl{font-size:11px;fill:#424242}
.val{font-size:11px;fill:#212121}table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
.kpi{display:inline-block;margin:0 2em .5em 0}.kpi b{display:block;font-size:1.8em}
.flag{color:#c62828;font-weight:600}.legend span{display:inline-block;margin-right:1.2em}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
section{break-inside:avoid;page-break-inside:avoid}
@media (max-width:600px){body{margin:1em auto}table,tbody,tr,td{display:block}
thead{display:none}tr{border-bottom:1px solid #ddd;padding:.3em 0}td{border:0;padding:1px 4px}
td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
.cover{grid-template-columns:1fr}.kpi{margin-right:1.2em}}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}
a{color:inherit;text-decoration:none}.chart rect{-webkit-print-color-adjust:exact;
print-color-adjust:exact}}
"""


def _due_per_week(data: DashboardData) -> list[tuple[str, int, bool]]:
    monday = data.as_of - dt.timedelta(days=data.as_of.weekday())
    weeks = [monday + dt.timedelta(weeks=i) for i in range(WEEKS)]
    counts = dict.fromkeys(weeks, 0)
    overdue = 0
    for item in data.due.items:
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


def _table(head: list[str], rows: list[list[str]], total: int | None = None, what: str = "") -> str:
    """An HTML table (cells already escaped); says "showing N of M" when rows were cut."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{h}">{c}</td>' if h else f"<td>{c}</td>"
            for h, c in zip(head, r, strict=True)
        )
        + "</tr>"
        for r in rows
    )
    shown = ""
    if total is not None and total > len(rows):
        shown = f'<p class="shown">showing {len(rows)} of {total} {esc(what)}</p>'
    return f"{shown}<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _excused(items: list[Excused]) -> str:
    return _table(["Person", "Department", "Status", "Reason"],
                  [[esc(e.name or e.email), esc(e.department), esc(e.status), esc(e.reason)]
                   for e in items[:LIST_ROWS]], len(items), "people")  # fmt: skip


def _title(course: Course, module: str) -> str:
    found = course.modules.get(module)
    return found.title if found else module


def _items(data: DashboardData, status: str) -> str:
    """The items of one status, soonest due first, at most LIST_ROWS of them."""
    chosen: list[DueItem] = sorted(
        (i for i in data.due.items if i.status == status), key=lambda i: (i.due, i.email)
    )
    rows = [[esc(i.name or i.email), esc(i.department), esc(_title(data.course, i.module)),
             esc(i.due)] for i in chosen[:LIST_ROWS]]  # fmt: skip
    return _table(["Person", "Department", "Module", "Due"], rows, len(chosen), "items")


def _campaigns(data: DashboardData) -> str:
    """Open campaigns (`records campaigns`): why, what, by when, and how far along."""
    rows = []
    for c in data.campaigns[:LIST_ROWS]:
        a, d = c.assignment, c.as_dict()
        titles = ", ".join(_title(data.course, m) for m in a.modules)
        rows.append([esc(a.campaign), esc(a.reason), esc(titles), esc(a.due), esc(d["people"]),
                     esc(d["done"]), esc(d["open"]), esc(d["overdue"])])  # fmt: skip
    head = ["Campaign", "Reason", "Modules", "Due", "People", "Done", "Open", "Overdue"]
    return _table(head, rows, len(data.campaigns), "campaigns")


def _cover(data: DashboardData) -> str:
    """Whose records, as of when, from which build and ledger head, and whether it verified."""
    if data.verification is None:
        verified = '<span class="bad">not run</span>'
    else:
        cls = "good" if data.verification.ok else "bad"
        verified = f'<span class="{cls}">{esc(data.verification.text)}</span>'
    head = esc(str(data.head)) if data.head else "–"
    zone = esc(data.course.timezone)
    fields = [
        ("Organisation", esc(data.course.organisation)),
        ("As of", f"{esc(data.as_of)} (end of day, {zone}): records made by then"),
        ("Generated at", esc(data.generated_at or "–")),
        ("Content commit", esc(data.course.commit or "unknown")),
        ("Ledger head", head),
        ("Verify", verified),
        ("Not on the roster", f"{esc(data.unknown)} identities with records "
                              "(<code>trustpath records unknown</code>)"),
    ]  # fmt: skip
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields)
    return f'<dl class="cover" aria-label="Report cover">{rows}</dl>'


def render_dashboard(data: DashboardData) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    items = data.due.items
    course = data.course
    status = {s: sum(i.status == s for i in items) for s in ("overdue", "due_soon", "upcoming")}
    current = sum(r.current for r in data.completion)
    assigned = sum(r.assigned for r in data.completion)
    share = f"{100 * current / assigned:.0f}%" if assigned else "–"
    figures = [
        ("complete", share),
        ("overdue", status["overdue"]),
        ("due in 14 days", status["due_soon"]),
        ("people counted", len({i.person_id for i in items})),
        ("on leave / exempt", len(data.due.excused)),
        ("not on the roster", data.unknown),
    ]
    kpis = "".join(f'<div class="kpi"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in figures)
    completion = legend([(BAR, "share of assigned items that are current"),
                         (WARN, "below 80%")]) + hbar_chart(
        [(r.group, r.share, f"{100 * r.share:.0f}% ({r.current}/{r.assigned})")
         for r in data.completion],
        "Completion by department", warn_below=0.8)  # fmt: skip
    rates = legend([(BAR, "share of attempts passed"), (WARN, "below 60%")]) + hbar_chart(
        [(_title(course, m), p / n if n else 0.0, f"{100 * p / n:.0f}% of {n}")
         for m, n, p in data.pass_rates],
        "Share of attempts passed, per module", warn_below=0.6)  # fmt: skip
    answered = [q for q in data.questions if q.attempts]
    missed = answered[:MISSED_ROWS]
    missed_chart = legend([(BAR, "share of attempts that missed the question"),
                           (WARN, "missed by more than half")]) + hbar_chart(
        [(f"{_title(course, q.module)} v{q.version}: {q.prompt or q.question}", q.miss_rate,
          f"{100 * q.miss_rate:.0f}% of {q.attempts}") for q in missed],
        "Most-missed questions", warn_above=0.5)  # fmt: skip
    missed_rows = [
        [
            esc(_title(course, q.module)),
            esc(q.version),
            esc(q.prompt or q.question),
            esc(f"{q.top_wrong_text or q.top_wrong or '–'}"),
            esc(f"{100 * q.top_wrong_share:.0f}%"),
            '<span class="flag">flag</span>' if q.flagged else "",
        ]
        for q in missed
    ]
    quality_rows = [
        [
            esc(_title(course, q.module)),
            esc(q.version),
            esc(q.prompt or q.question),
            esc(q.item.first_attempts),
            esc("–" if q.item.facility is None else f"{q.item.facility:.2f}"),
            esc("–" if q.item.discrimination is None else f"{q.item.discrimination:.2f}"),
            esc(", ".join(q.item.unpicked) or "–"),
            "".join(f'<span class="flag">{esc(f)}</span> ' for f in q.item.flags),
        ]
        for q in data.questions
        if q.item is not None and q.item.flags
    ]
    crit, roles, cells = _coverage(course)
    role_titles = [course.roles[r].title for r in roles]
    titled = {(c, course.roles[r].title): v for (c, r), v in cells.items()}
    stale = [m for m in course.modules.values() if m.review_by and m.review_by < data.as_of]
    stale_rows = [[esc(m.title), esc(m.review_by), esc(m.owner or "")] for m in stale]
    untracked = [m.title for m in course.modules.values() if not m.trackable]
    fb_rows = [[esc(_title(course, m)), esc(k), esc(n)]
               for m, kinds in data.feedback.items() for k, n in kinds.items()]  # fmt: skip
    fb_latest = [[esc(_title(course, e.module)), esc(e.kind), esc(e.text)]
                 for e in data.feedback_latest]  # fmt: skip
    heat_legend = legend([(OK, "required and covered"), (WARN, "required, not covered"),
                          ("#a5d6a7", "covered, not required"),
                          ("#f5f5f5", "neither")])  # fmt: skip
    weeks_legend = legend([(WARN, "overdue now (due date passed)"),
                           (BAR, "open items falling due that week")])  # fmt: skip
    sections = [
        ("Summary", kpis),
        ("Completion by department", completion),
        ("Overdue", _items(data, "overdue")),
        ("Due within 14 days", _items(data, "due_soon")),
        ("Open campaigns", _campaigns(data)),
        ("Items due per week", weeks_legend + column_chart(_due_per_week(data),
                                                           "Items due per week")),
        ("Pass rate per module", rates),
        ("Most-missed questions", missed_chart + _table(
            ["Module", "Version", "Question", "Most chosen wrong answer", "Share", ""],
            missed_rows, len(answered), "questions")),
        ("Question quality (first attempts)", _table(
            ["Module", "Version", "Question", "First attempts", "Facility", "Discrimination",
             "Distractors nobody picks", "Flags"], quality_rows, len(quality_rows), "questions")),
        ("Criteria × roles coverage",
         heat_legend + heatmap(crit, role_titles, titled, "Criteria by role")),
        ("Stale content (review date passed)", _table(["Module", "Review by", "Owner"],
                                                      stale_rows)),
        ("On leave or exempt", _excused(data.due.excused)),
        ("Feedback", _table(["Module", "Kind", "Count"], fb_rows)
         + _table(["Module", "Kind", "Latest feedback (anonymous in this report)"], fb_latest,
                  data.feedback_total, "feedback entries")),
    ]  # fmt: skip
    if untracked:
        sections.append(("Not tracked (no quiz or acknowledgement)", esc(", ".join(untracked))))
    body = "".join(f"<section><h2>{esc(t)}</h2>{html}</section>" for t, html in sections)
    org = esc(course.organisation)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{org}: training report as of {esc(data.as_of)}</title><style>{CSS}</style>"
        f"</head><body><h1>{org}: training report</h1>{_cover(data)}{body}</body></html>\n"
    )
