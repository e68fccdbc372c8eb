"""Ledger entries the storage side writes itself: roster changes, module publications,
workshop attendance and reminders sent.

Attempts, acknowledgements and feedback are built by the records service (`records/`); these
come from `trustpath records roster import`, `serve` publishing a build,
`records attendance import` and `records remind`.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from builder.ledger.chain import canonical_json
from builder.ledger.entries import PendingRecord
from builder.ledger.projections import ROSTER_FIELDS, email_commitment

ENTRY_FORMAT = 1


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def roster_entry(
    email: str,
    salt: str,
    fields: dict[str, Any],
    previous: dict[str, Any],
    effective: str,
    imported_at: str | None = None,
) -> PendingRecord:
    """A `roster` entry: a person's changed fields (never name or email) as of `effective`.

    `fields` and `previous` map roster field -> new and old value (text); `salt` is the hex
    salt of the person's email commitment. ValueError for a field that may not be chained.
    """
    bad = sorted(set(fields) - ROSTER_FIELDS)
    if bad:
        raise ValueError(f"roster entries cannot carry {', '.join(bad)}")
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "effective": effective,
        "fields": dict(sorted(fields.items())),
        "previous": {k: previous.get(k, "") for k in sorted(fields)},
        "email_commitment": email_commitment(salt, email),
    }
    if imported_at:
        payload["imported_at"] = imported_at
    return PendingRecord("roster", uuid.uuid4().hex, email, None, _digest(payload), payload)


def publication_entry(
    module: str, version: int, content_sha256: str, first_seen_at: str | None = None
) -> PendingRecord:
    """A `publication` entry: a module version served for the first time."""
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "version": version,
        "content_sha256": content_sha256,
    }
    if first_seen_at:
        payload["first_seen_at"] = first_seen_at
    client_id = f"{module}@{version}@{content_sha256}"
    return PendingRecord("publication", client_id, None, module, _digest(payload), payload)


def attendance_entry(
    email: str,
    person_id: str,
    module: str,
    version: int,
    date: str,
    minutes: int,
    source: str,
) -> PendingRecord:
    """An `attendance` entry: a person's minutes at a workshop session on `date` (ISO).

    One entry per person, workshop and session date (its client id); `source` is the
    imported file's name. Whether it completes the workshop is decided by `min_minutes`.
    """
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "version": version,
        "date": date,
        "minutes": minutes,
        "source": source,
    }
    client_id = f"{module}@{date}@{person_id}"
    return PendingRecord("attendance", client_id, email, module, _digest(payload), payload)


def reminder_entry(
    email: str, channel: str, message: str, items: list[dict[str, Any]], as_of: str
) -> PendingRecord:
    """A `reminder` entry: one message sent to `email` on `channel` (email | webhook).

    `message` is `reminder` (the person's own items) or `digest` (a manager's reports'
    items, each naming the report by pseudonymous person id); `items` are
    `{module, version, due, status[, person]}`. The message body is never recorded.
    """
    payload: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "channel": channel,
        "message": message,
        "items": items,
        "as_of": as_of,
    }
    return PendingRecord("reminder", uuid.uuid4().hex, email, None, _digest(payload), payload)
