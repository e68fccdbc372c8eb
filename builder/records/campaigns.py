"""`trustpath records assign` and `records campaign ID --cancel` (issue 18), without the CLI.

`assign` checks the modules, the due date and the reason, chooses the population on the
roster as of today (`lifecycle.campaigns.select_population`) and records one `assignment`
entry, all while holding the ledger's write lock; with `dry_run` it only says who would be
assigned. Every refusal is a `CampaignError` (or `PopulationError`) with a message that says
what to fix; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import difflib
import getpass
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from builder.course.model import Course
from builder.ledger.entries import PendingRecord
from builder.lifecycle.campaigns import Selector, select_population
from builder.lifecycle.due import Person
from builder.store.campaign_writes import (
    CampaignError,
    RosterToday,
    assignment_entry,
    cancel_campaign,
    plan_on_roster,
)
from builder.store.database import Store

OPERATOR_ENV = "TRUSTPATH_OPERATOR"
MAX_REASON = 500  # characters: a sentence or two, shown on every item and in every report


class UnknownModule(CampaignError):
    """A module named on the command line is not in the built course."""


class PastDueDate(CampaignError):
    """The due date is before today in the organisation's time zone."""


@dataclass(frozen=True)
class AssignPlan:
    """What `assign` did (or, with dry_run, would do)."""

    campaign: str
    modules: tuple[str, ...]
    due: dt.date
    reason: str
    assigned_by: str
    selector: Selector
    people: tuple[Person, ...]
    dry_run: bool


def operator_name() -> str:
    """Who runs the command: `$TRUSTPATH_OPERATOR`, else the OS user name, else 'unknown'."""
    name = os.environ.get(OPERATOR_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        return "unknown"


def check_modules(course: Course, modules: Sequence[str]) -> tuple[str, ...]:
    """The module ids, each once, in the order given; UnknownModule for one not in the
    course (with the closest ids) or one no record can complete."""
    out: list[str] = []
    for mid in modules:
        module = course.modules.get(mid)
        if module is None:
            close = difflib.get_close_matches(mid, list(course.modules), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise UnknownModule(
                f"unknown module '{mid}': {hint}(`trustpath paths` lists the modules; "
                "build the site after adding one)"
            )
        if not module.trackable:
            raise UnknownModule(
                f"module '{mid}' has no quiz or acknowledgement, so no record can complete it: "
                "assign a module people can complete"
            )
        if mid not in out:
            out.append(mid)
    if not out:
        raise UnknownModule("name at least one module to assign")
    return tuple(out)


def due_date(today: dt.date, due: dt.date | None, within: int | None) -> dt.date:
    """`due`, or `today + within` days; PastDueDate for a date before `today`."""
    if (due is None) == (within is None):
        raise CampaignError("give exactly one of a due date or a number of days")
    day = due if due is not None else today + dt.timedelta(days=int(within or 0))
    if day < today:
        raise PastDueDate(
            f"the due date {day.isoformat()} is in the past (today is {today.isoformat()} in "
            "the organisation's time zone): give a later date or --within DAYS"
        )
    return day


def check_reason(reason: str) -> str:
    """The reason, stripped; CampaignError when empty or longer than MAX_REASON."""
    text = " ".join(reason.split())
    if not text:
        raise CampaignError("give a reason: it is recorded with the campaign and shown to people")
    if len(text) > MAX_REASON:
        raise CampaignError(f"the reason has {len(text)} characters: keep it under {MAX_REASON}")
    return text


def new_campaign_id(today: dt.date) -> str:
    """A fresh campaign id such as `c-20261201-3fa9b2`: the day, then 24 random bits."""
    return f"c-{today:%Y%m%d}-{secrets.token_hex(3)}"


def assign(
    store: Store,
    course: Course,
    modules: Sequence[str],
    selector: Selector,
    reason: str,
    today: dt.date,
    *,
    due: dt.date | None = None,
    within: int | None = None,
    assigned_by: str | None = None,
    dry_run: bool = False,
) -> AssignPlan:
    """Assign `modules` to the people `selector` names on `today`'s roster, due on `due`
    (or `within` days); one `assignment` ledger entry unless `dry_run`.

    Raises UnknownModule, PastDueDate, CampaignError (reason) before reading the roster and
    PopulationError (empty population, unknown department, role or manager, people not on the
    roster) before writing anything.
    """
    mids = check_modules(course, modules)
    day = due_date(today, due, within)
    text = check_reason(reason)
    who = assigned_by or operator_name()
    campaign = new_campaign_id(today)

    def plan(roster: RosterToday) -> tuple[AssignPlan, PendingRecord | None]:
        chosen = select_population(roster.people, selector, today, course, roster.managers)
        result = AssignPlan(campaign, mids, day, text, who, selector, tuple(chosen), dry_run)
        if dry_run:
            return result, None
        ids = {p.email: p.person_id for p in roster.people}
        entry = assignment_entry(
            campaign,
            list(mids),
            [p.person_id for p in chosen],
            day,
            text,
            who,
            today,
            selector.describe(ids),
        )
        return result, entry

    return plan_on_roster(store, today, plan, write=not dry_run)


def cancel(store: Store, campaign: str, reason: str, cancelled_by: str | None = None) -> str:
    """Record the cancellation of `campaign`; its UTC time. UnknownCampaign, CampaignError."""
    stored = cancel_campaign(store, campaign, check_reason(reason), cancelled_by or operator_name())
    return stored.recorded_at
