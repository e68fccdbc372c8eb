"""Campaign reads (issue 18): the campaigns the due engine and the campaign reports use.

The projections of `assignment` and `assignment_cancel` entries (`campaign_tables`), read
with an as-of cutoff like every report query; writes are in `campaign_writes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from builder.lifecycle.campaigns import Assignment


def load_assignments(
    conn: Connection,
    cutoff: str | None = None,
    person_id: str | None = None,
) -> list[Assignment]:
    """The campaigns recorded by `cutoff` (UTC timestamp text), oldest first, with the
    cancellations recorded by then; only those naming `person_id` when given.
    """
    bound = cutoff or "9999-12-31T23:59:59.999999Z"
    params: dict[str, Any] = {"cutoff": bound}
    mine = ""
    if person_id is not None:
        mine = (
            " AND a.campaign_id IN (SELECT campaign_id FROM assignment_people"
            " WHERE person_id = :person)"
        )
        params["person"] = person_id
    rows = conn.execute(
        sa.text(
            "SELECT a.campaign_id, a.modules, a.due_on, a.reason, a.assigned_by, a.selector,"
            " a.recorded_at, a.assigned_on FROM assignments a WHERE a.recorded_at <= :cutoff"
            f"{mine} ORDER BY a.seq"
        ),
        params,
    ).all()
    if not rows:
        return []
    wanted = [str(r[0]) for r in rows]
    people: dict[str, set[str]] = {c: set() for c in wanted}
    cancels: dict[str, tuple[str, str, str]] = {}
    in_list: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)
    for campaign, pid in conn.execute(
        sa.text(
            "SELECT campaign_id, person_id FROM assignment_people WHERE campaign_id IN :ids"
        ).bindparams(in_list),
        {"ids": wanted},
    ):
        people[str(campaign)].add(str(pid))
    for campaign, reason, by, at in conn.execute(
        sa.text(
            "SELECT campaign_id, reason, cancelled_by, recorded_at FROM assignment_cancels"
            " WHERE recorded_at <= :cutoff AND campaign_id IN :ids"
        ).bindparams(in_list),
        {"cutoff": bound, "ids": wanted},
    ):
        cancels[str(campaign)] = (str(at), str(reason), str(by))
    out = []
    for campaign, modules, due, reason, by, selector, at, on in rows:
        cancel = cancels.get(str(campaign))
        out.append(
            Assignment(
                str(campaign),
                tuple(m for m in str(modules).split(";") if m),
                frozenset(people[str(campaign)]),
                dt.date.fromisoformat(str(due)),
                str(reason),
                str(at),
                dt.date.fromisoformat(str(on)),
                str(by),
                str(selector),
                cancel[0] if cancel else None,
                cancel[1] if cancel else "",
                cancel[2] if cancel else "",
            )
        )
    return out
