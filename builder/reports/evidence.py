"""Audit evidence from storage: ledger rows for exports, and new-hire / leaver populations."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from builder.course.model import Course, CourseModule
from builder.lifecycle.due import Person, spans_of
from builder.reports.export import population_rows
from builder.store.database import Store
from builder.store.queries import ACKS, ATTEMPTS, LEDGER, PEOPLE, load_people

Dated = dict[tuple[str, str], list[tuple[str, dt.date]]]  # (person, module) -> (kind, day)


def evidence_rows(store: Store, start: dt.date, end: dt.date) -> Iterator[dict[str, Any]]:
    """Attempts and acknowledgements recorded from `start` to `end` inclusive, in seq order."""
    query = (
        sa.select(
            LEDGER.c.seq,
            LEDGER.c.kind,
            LEDGER.c.client_id,
            LEDGER.c.recorded_at,
            LEDGER.c.person_id,
            LEDGER.c.payload,
            LEDGER.c.hash,
            PEOPLE.c.email,
            PEOPLE.c.name,
            PEOPLE.c.department,
        )
        .select_from(LEDGER.outerjoin(PEOPLE, PEOPLE.c.person_id == LEDGER.c.person_id))
        .where(
            LEDGER.c.kind.in_(("attempt", "ack")),
            LEDGER.c.recorded_at >= start.isoformat(),
            LEDGER.c.recorded_at < (end + dt.timedelta(days=1)).isoformat(),
        )
        .order_by(LEDGER.c.seq)
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
        for row in result.mappings():
            yield dict(row, payload=json.loads(row["payload"]))


def _dated(store: Store, person_ids: list[str]) -> Dated:
    """Every pass and acknowledgement of the given people, by day."""
    out: Dated = {}
    if not person_ids:
        return out
    passes = sa.select(ATTEMPTS.c.person_id, ATTEMPTS.c.module, ATTEMPTS.c.recorded_at).where(
        ATTEMPTS.c.passed.is_(True), ATTEMPTS.c.person_id.in_(person_ids)
    )
    acks = sa.select(ACKS.c.person_id, ACKS.c.module, ACKS.c.recorded_at).where(
        ACKS.c.person_id.in_(person_ids)
    )
    with store.transaction() as conn:
        for kind, query in (("pass", passes), ("ack", acks)):
            for pid, module, at in conn.execute(query):
                out.setdefault((pid, module), []).append((kind, dt.date.fromisoformat(at[:10])))
    return out


def first_done(
    module: CourseModule, records: list[tuple[str, dt.date]], since: dt.date | None
) -> dt.date | None:
    """The first day the module counted as completed (both kinds when it needs both)."""
    firsts: dict[str, dt.date] = {}
    for kind, day in records:
        if (since is None or day >= since) and (kind not in firsts or day < firsts[kind]):
            firsts[kind] = day
    needed = [k for k, need in (("pass", module.has_quiz), ("ack", module.has_ack)) if need]
    if not needed or any(k not in firsts for k in needed):
        return None
    return max(firsts[k] for k in needed)


def population(
    store: Store, course: Course, start: dt.date, end: dt.date, leavers: bool
) -> list[dict[str, Any]]:
    """New hires (or leavers) of the window with their onboarding (offboarding) items."""
    with store.transaction() as conn:
        people = load_people(conn)
    chosen = [
        p
        for p in people
        if (p.end_date if leavers else p.start_date) is not None
        and start <= (p.end_date if leavers else p.start_date) <= end  # type: ignore[operator]
    ]
    dated = _dated(store, [p.person_id for p in chosen])

    def items_of(person: Person) -> Iterator[tuple[str, dt.date, dt.date | None]]:
        if leavers:
            assert person.end_date is not None
            window = person.end_date - dt.timedelta(days=course.onboarding_days)
            for mid in course.path_of(spans_of(person, person.end_date)[-1].roles):
                module = course.modules.get(mid)
                if module is None or not module.trackable or "offboarding" not in module.when:
                    continue
                since = None if module.offboarding_only else window
                recs = dated.get((person.person_id, mid), [])
                yield mid, person.end_date, first_done(module, recs, since)
            return
        due = person.start_date + dt.timedelta(days=course.onboarding_days)
        for mid in course.path_of(spans_of(person, person.start_date)[0].roles):
            module = course.modules.get(mid)
            if module is None or not module.trackable or module.offboarding_only:
                continue
            yield mid, due, first_done(module, dated.get((person.person_id, mid), []), None)

    return list(population_rows(chosen, (start, end), leavers, items_of))
