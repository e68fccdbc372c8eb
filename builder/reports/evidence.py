"""Audit evidence: the export of a window and the populations, one function each.

`export_lines` is the one writer behind `trustpath records export` and
`GET /api/reports/export`: it checks its arguments first (so nothing is written when they are
wrong), then yields the output line by line (CSV with a header, JSON lines, or xAPI
statements as JSON lines). Days are days in the organisation's zone: `--from D` starts at
midnight of D there, `--to D` ends at the end of D there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.lifecycle.populations import (
    POPULATIONS,
    PopulationItem,
    active_items,
    in_population,
    population_items,
)
from builder.reports.due import due_table, module_titles
from builder.reports.export import (
    EVIDENCE_COLUMNS,
    POPULATION_COLUMNS,
    check_org_iri,
    csv_lines,
    evidence_record,
    xapi_statement,
)
from builder.reports.period import as_of_for
from builder.store.database import Store
from builder.store.queries import load_people
from builder.store.report_queries import dated_records, evidence_rows

EXPORT_FORMATS = ("csv", "jsonl", "xapi")
ACTORS = ("person", "email")


class ExportError(TrustPathError, ValueError):
    """The export's arguments do not fit together (a usage error: nothing was written)."""


def default_org_iri(course: Course) -> str | None:
    """The site's `site_url` as the build recorded it in the manifest, if any."""
    settings = course.raw.get("settings") or {}
    value = settings.get("site_url")
    return str(value) if value else None


def evidence_records(
    store: Store, course: Course, start: dt.date, end: dt.date, as_of: dt.date | None = None
) -> Iterator[dict[str, Any]]:
    """Attempts and acknowledgements recorded from the start of `start` to the end of `end`
    (days in the org's zone, and never after the end of `as_of`), as evidence records."""
    period = as_of_for(course, as_of)
    last = min(end, period.day)
    since, until = period.clock.start_of(start), period.clock.end_of(last)
    titles = module_titles(course)
    for row in evidence_rows(store, since, until):
        yield evidence_record(row, titles)


def population_report(
    store: Store,
    course: Course,
    which: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date | None = None,
) -> list[PopulationItem]:
    """The `new-hires`, `leavers` or `active` population of the window, item by item, with
    the state of each item on `as_of` (default: today in the org's zone). Rules:
    `builder.lifecycle.populations`."""
    if which not in POPULATIONS:
        raise ExportError(f"population must be one of {', '.join(POPULATIONS)}, not '{which}'")
    period = as_of_for(course, as_of)
    if which == "active":
        table = due_table(store, course, min(end, period.day))
        people = {p.person_id: p for p in table.people}
        return active_items(table.items, people, min(end, period.day))
    with store.transaction() as conn:
        people_list = load_people(conn)
    window = (start, end)
    chosen = [p for p in people_list if in_population(p, which, window, period.day)]
    with store.transaction() as conn:
        rows = dated_records(
            conn, [p.person_id for p in chosen], period.until, course.workshop_minutes
        )
    dated: dict[tuple[str, str], list[tuple[str, dt.date]]] = {}
    for kind, pid, module, at in rows:
        dated.setdefault((pid, module), []).append((kind, period.clock.day_of(at)))
    return population_items(chosen, course, dated, which, window, period.day)


def population_row(item: PopulationItem, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One population item as a JSON-ready dict (`POPULATION_COLUMNS`); `module_title` from
    `titles` (module id -> title)."""
    person = item.person
    return {
        "email": person.email,
        "name": person.name,
        "department": person.department,
        "start_date": person.start_date.isoformat(),
        "end_date": person.end_date.isoformat() if person.end_date else None,
        "module": item.module,
        "module_title": (titles or {}).get(item.module, ""),
        "due": item.due.isoformat(),
        "completed": item.completed.isoformat() if item.completed else None,
        "state": item.state,
        "days_late": item.days_late,
        "after_end": item.after_end,
    }


def export_lines(
    store: Store,
    course: Course,
    start: dt.date,
    end: dt.date,
    *,
    fmt: str = "csv",
    population: str | None = None,
    org_iri: str | None = None,
    actor: str = "person",
    as_of: dt.date | None = None,
) -> Iterator[str]:
    """The export as pieces of text, one per row (a CSV header first), checked before the first.

    `fmt` is csv, jsonl or xapi; `population` (new-hires, leavers, active) replaces the
    records by the population's items (not with xapi). `org_iri` defaults to the manifest's
    `site_url`. Raises `ExportError` or `export.InvalidOrgIri` before yielding anything.
    """
    if end < start:
        raise ExportError("to is before from")
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not '{fmt}'")
    if actor not in ACTORS:
        raise ExportError(f"actor must be one of {', '.join(ACTORS)}, not '{actor}'")
    if population is not None and population not in POPULATIONS:
        raise ExportError(f"population must be one of {', '.join(POPULATIONS)}")
    if fmt == "xapi" and population:
        raise ExportError("--population exports CSV or JSON lines, not xAPI")
    iri = check_org_iri(org_iri or default_org_iri(course)) if fmt == "xapi" else ""
    as_of_for(course, as_of)  # a bad time zone fails here, not half-way through
    return _lines(store, course, start, end, fmt, population, iri, actor, as_of)


def _lines(
    store: Store,
    course: Course,
    start: dt.date,
    end: dt.date,
    fmt: str,
    population: str | None,
    iri: str,
    actor: str,
    as_of: dt.date | None,
) -> Iterator[str]:
    rows: Iterable[dict[str, Any]]
    columns: tuple[str, ...]
    if population:
        items = population_report(store, course, population, start, end, as_of)
        titles = module_titles(course)
        rows, columns = (population_row(i, titles) for i in items), POPULATION_COLUMNS
    else:
        rows, columns = evidence_records(store, course, start, end, as_of), EVIDENCE_COLUMNS
    if fmt == "csv":
        yield from csv_lines(rows, columns)
        return
    if fmt == "xapi":
        titles = {m.id: m.title for m in course.modules.values()}
        rows = (xapi_statement(r, iri, actor, titles.get(str(r["module"]))) for r in rows)
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, default=str) + "\n"
