"""Ledger entries the storage side writes itself: roster changes and module publications.

Attempts, acknowledgements and feedback are built by the records service (`records/`); these
two come from `trustpath records roster import` and from `serve` publishing a build.
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
