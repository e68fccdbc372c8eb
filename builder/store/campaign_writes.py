"""Campaign entries and their appends (issue 18): `assignment` and `assignment_cancel` in the chain.

An `assignment` entry holds the campaign id (also its client id, so one id is one campaign),
the modules, the pseudonymous ids of the people (never an email or a name), the due date, the
reason, who assigned it, the organisation's day and how the population was chosen. An
`assignment_cancel` entry holds the campaign id (its client id too: a campaign is cancelled
once), the reason and who cancelled it. Reads are in `campaign_queries`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from builder.errors import TrustPathError
from builder.ledger.chain import canonical_json
from builder.ledger.entries import Duplicate, PendingRecord, StoredRecord
from builder.lifecycle.due import Person
from builder.store.chain_writes import append_entries, lock_for_writing
from builder.store.database import Store
from builder.store.queries import load_people, roster_state

ENTRY_FORMAT = 1
ASSIGNMENT, CANCEL = "assignment", "assignment_cancel"
T = TypeVar("T")


class CampaignError(TrustPathError):
    """A campaign cannot be recorded or changed as asked (the message says why)."""


class UnknownCampaign(CampaignError, LookupError):
    """No `assignment` entry has this campaign id."""


@dataclass(frozen=True)
class RosterToday:
    """What a population is chosen from: the roster on one day, and who manages whom."""

    day: dt.date
    people: list[Person]
    managers: dict[str, str]  # normalised email -> manager's email ('' for none)


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def assignment_entry(
    campaign: str,
    modules: list[str],
    people: list[str],
    due: dt.date,
    reason: str,
    assigned_by: str,
    assigned_on: dt.date,
    selector: str,
) -> PendingRecord:
    """The `assignment` entry of a campaign; `people` are pseudonymous person ids."""
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "campaign": campaign,
        "modules": list(modules),
        "people": sorted(people),
        "due": due.isoformat(),
        "reason": reason,
        "assigned_by": assigned_by,
        "assigned_on": assigned_on.isoformat(),
        "selector": selector,
    }
    return PendingRecord(ASSIGNMENT, campaign, None, None, _digest(payload), payload)


def cancel_entry(campaign: str, reason: str, cancelled_by: str) -> PendingRecord:
    """The `assignment_cancel` entry of a campaign."""
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "campaign": campaign,
        "reason": reason,
        "cancelled_by": cancelled_by,
    }
    return PendingRecord(CANCEL, campaign, None, None, _digest(payload), payload)


def plan_on_roster(
    store: Store,
    day: dt.date,
    plan: Callable[[RosterToday], tuple[T, PendingRecord | None]],
    *,
    write: bool = True,
) -> T:
    """Run `plan` on the roster as of `day`; append the entry it returns, in one transaction.

    With `write`, the ledger's write lock is held from reading the roster to appending, so
    the population is exactly the roster the entry was chosen from. `plan` returns (result,
    entry or None); an entry whose id already exists raises CampaignError.
    """
    with store.transaction(write=write) as conn:
        if write:
            lock_for_writing(conn)
        managers = {e: v.get("manager_email", "") for e, v in roster_state(conn).items()}
        result, entry = plan(RosterToday(day, load_people(conn, day), managers))
        if entry is not None:
            if not write:
                raise ValueError("plan_on_roster: an entry to append needs write=True")
            (outcome,) = append_entries(conn, [entry])
            if isinstance(outcome, Duplicate):
                raise CampaignError(f"a campaign with id '{entry.client_id}' already exists")
    return result


def cancel_campaign(store: Store, campaign: str, reason: str, cancelled_by: str) -> StoredRecord:
    """Append the `assignment_cancel` entry of `campaign`; the stored entry.

    UnknownCampaign when no campaign has that id; CampaignError when it was cancelled already.
    """
    with store.transaction(write=True) as conn:
        lock_for_writing(conn)
        found = conn.execute(
            sa.text("SELECT 1 FROM assignments WHERE campaign_id = :c"), {"c": campaign}
        ).first()
        if found is None:
            raise UnknownCampaign(f"no campaign with id '{campaign}' (see `records campaigns`)")
        (outcome,) = append_entries(conn, [cancel_entry(campaign, reason, cancelled_by)])
        if isinstance(outcome, Duplicate):
            raise CampaignError(
                f"campaign '{campaign}' was already cancelled on {outcome.existing.recorded_at}"
            )
        return outcome
