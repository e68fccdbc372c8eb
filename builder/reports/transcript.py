"""One person's training transcript: the report behind `trustpath records transcript` and
`GET /api/me/transcript`, and its HTML (the PDF is `transcript_pdf.py`).

A transcript lists every module on the person's path with its current version, status, due
and completion dates, the score and number of attempts, the acknowledgements (version and
the sha256 of the statement signed) and the workshop sessions attended; then every record
itself with its ledger seq; and the ledger head, so anyone can check it against
`trustpath records verify --head SEQ:HASH`. The HTML is one self-contained file (inline CSS,
no script, no request) that prints on A4 and Letter alike (`@page` sets margins, not a size).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.ledger.chain import Head
from builder.lifecycle.due import Person
from builder.markup import esc
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.person_records import person_records

STATUS_TEXT = {
    "done": "Done", "upcoming": "Upcoming", "due_soon": "Due soon", "overdue": "Overdue",
    "untracked": "Reading only",
}  # fmt: skip


class UnknownPerson(TrustPathError):
    """No roster person has this email (on the as-of day)."""


@dataclass(frozen=True)
class ModuleLine:
    """One module on the path, as the transcript shows it."""

    module: str
    title: str
    version: int
    delivery: str
    status: str  # done | upcoming | due_soon | overdue | untracked
    due: dt.date | None
    completed: dt.date | None
    score: float | None  # of the latest passing attempt (0..1), else of the latest attempt
    attempts: int
    acks: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordLine:
    """One ledger entry of the person: seq, when, what."""

    seq: int
    recorded_at: str
    kind: str  # attempt | acknowledgement | attendance
    module: str
    version: int
    detail: str


@dataclass(frozen=True)
class Transcript:
    organisation: str
    person: Person
    as_of: dt.date
    head: Head
    commit: str | None
    modules: list[ModuleLine]
    records: list[RecordLine]
    generated_at: str

    @property
    def done(self) -> int:
        return sum(m.status == "done" for m in self.modules)


def _percent(score: float | None) -> str:
    return "" if score is None else f"{round(100 * score)} %"


def transcript(
    store: Store,
    course: Course,
    email: str,
    as_of: dt.date | None = None,
    generated_at: dt.datetime | None = None,
) -> Transcript:
    """The transcript of the roster person with `email` as of `as_of` (default: today in the
    org's zone): records made by the end of that day. UnknownPerson when nobody on the roster
    has that email; ProjectionMismatch when the projections do not match the ledger."""
    period = as_of_for(course, as_of)
    found = person_records(store, course, email, period.day)
    if found is None:
        raise UnknownPerson(f"nobody on the roster has the email '{email}' on {period.day}")
    head = store.head()
    items = {i.module: i for i in found.items}
    lines: list[ModuleLine] = []
    for mid in course.path_of(found.person.roles):
        module = course.modules.get(mid)
        if module is None:
            continue
        tries = [a for a in found.attempts if a["module"] == mid]
        passed = [a for a in tries if a["passed"]]
        best = passed[-1] if passed else (tries[-1] if tries else None)
        item = items.get(mid)
        lines.append(
            ModuleLine(
                mid, module.title, module.version, module.delivery,
                item.status if item else ("untracked" if not module.trackable else "upcoming"),
                item.due if item else None, item.completed if item else None,
                float(best["score"]) if best else None, len(tries),
                [a for a in found.acks if a["module"] == mid],
                [s for s in found.attendance if s["module"] == mid],
            )
        )  # fmt: skip
    records = [
        RecordLine(a["seq"], a["recorded_at"], "attempt", a["module"], a["version"],
                   f"score {_percent(float(a['score']))}, {'passed' if a['passed'] else 'failed'}")
        for a in found.attempts
    ] + [
        RecordLine(a["seq"], a["recorded_at"], "acknowledgement", a["module"], a["version"],
                   f"statement sha256 {a['statement_sha256']}")
        for a in found.acks
    ] + [
        RecordLine(s["seq"], s["recorded_at"], "attendance", s["module"], s["version"],
                   f"session {s['session_date']}, {s['minutes']} min")
        for s in found.attendance
    ]  # fmt: skip
    now = generated_at or dt.datetime.now(dt.UTC)
    return Transcript(
        course.organisation, found.person, period.day, head, course.commit, lines,
        sorted(records, key=lambda r: r.seq), now.strftime("%Y-%m-%d %H:%M UTC"),
    )  # fmt: skip


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:60em;color:#212121;padding:0 1em;overflow-wrap:anywhere}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin-top:1.6em;
border-bottom:1px solid #bbb}.cover{display:grid;grid-template-columns:max-content 1fr;
gap:2px 1em;padding:.6em 1em;border:1px solid #bbb;background:#f7f7f7}
.cover dt{font-weight:600}.cover dd{margin:0}table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #ddd;vertical-align:top}
.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.overdue{color:#b71c1c;font-weight:600}.done{color:#1b5e20;font-weight:600}
@page{margin:14mm 12mm}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}
tr{break-inside:avoid}}
"""


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def render_html(t: Transcript) -> str:
    """The transcript as one self-contained HTML page (every stored string escaped)."""
    p = t.person
    name = p.name or p.email
    cover = [
        ("Person", esc(f"{p.name} <{p.email}>") if p.name else esc(p.email)),
        ("Department", esc(p.department)),
        ("Roles", esc(", ".join(p.roles))),
        ("Started", esc(_date(p.start_date)) + (f", left {esc(_date(p.end_date))}"
                                                if p.end_date else "")),
        ("As of", f"{esc(t.as_of.isoformat())} (records made by the end of this day)"),
        ("Completed", f"{t.done} of {len(t.modules)} modules on the path"),
        ("Ledger head", f'<span class="hash">{t.head.seq}:{esc(t.head.hash)}</span>'),
        ("Content build", f'<span class="hash">{esc(t.commit or "unknown")}</span>'),
        ("Generated", esc(t.generated_at)),
    ]  # fmt: skip
    rows = []
    for m in t.modules:
        acks = "; ".join(
            f"v{a['version']} on {esc(a['recorded_at'][:10])} (seq {a['seq']}, statement "
            f'<span class="hash">{esc(a["statement_sha256"])}</span>)'
            for a in m.acks
        )
        sessions = "; ".join(
            f"{esc(s['session_date'])}, {s['minutes']} min (seq {s['seq']})" for s in m.sessions
        )
        status = STATUS_TEXT.get(m.status, m.status)
        rows.append(
            f'<tr><td>{esc(m.title)}<br><span class="hash">{esc(m.module)}</span></td>'
            f'<td>{m.version}</td><td class="{esc(m.status)}">{esc(status)}</td>'
            f"<td>{esc(_date(m.due))}</td><td>{esc(_date(m.completed))}</td>"
            f"<td>{esc(_percent(m.score))}</td><td>{m.attempts}</td>"
            f"<td>{acks or ''}</td><td>{sessions or ''}</td></tr>"
        )
    records = [
        f"<tr><td>{r.seq}</td><td>{esc(r.recorded_at)}</td><td>{esc(r.kind)}</td>"
        f"<td>{esc(r.module)}</td><td>{r.version}</td><td>{esc(r.detail)}</td></tr>"
        for r in t.records
    ]
    module_head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Module", "Version", "Status", "Due", "Completed", "Score", "Attempts",
                  "Acknowledgements", "Workshop attendance")
    )  # fmt: skip
    record_head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Seq", "Recorded (UTC)", "Kind", "Module", "Version", "Detail")
    )
    cover_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in cover)
    empty = '<tr><td colspan="6">No records yet.</td></tr>'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Training transcript: {esc(name)} - {esc(t.organisation)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>Training transcript</h1>\n<p>{esc(t.organisation)}</p>\n"
        f'<dl class="cover">{cover_html}</dl>\n'
        "<h2>Modules on the path</h2>\n"
        f"<table><caption>Every module on the path of {esc(name)}, as of "
        f"{esc(t.as_of.isoformat())}</caption><thead><tr>{module_head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>\n"
        "<h2>Records in the ledger</h2>\n"
        "<table><caption>Every attempt, acknowledgement and workshop attendance, by ledger "
        f"seq</caption><thead><tr>{record_head}</tr></thead>"
        f"<tbody>{''.join(records) or empty}</tbody></table>\n"
        "<p>Each seq is an entry of the hash-chained ledger; <code>trustpath records verify "
        f"--head {t.head.seq}:{esc(t.head.hash)}</code> checks that the chain still holds "
        "them.</p>\n</main>\n</body>\n</html>\n"
    )
