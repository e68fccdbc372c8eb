"""Ledger entries as the storage layer takes and returns them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PendingRecord:
    """A ledger row waiting for its seq: the writer adds kind, id, person and time to payload."""

    kind: str
    client_id: str
    email: str | None  # None: not linked to anyone (anonymous feedback)
    module: str
    body_sha256: str
    payload: dict[str, Any]
    projection: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredRecord:
    seq: int
    kind: str
    client_id: str
    recorded_at: str
    person_id: str | None
    body_sha256: str
    payload: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class Duplicate:
    """The client id was already recorded (found inside the writer): the stored row."""

    existing: StoredRecord


def _stored(row: Any) -> StoredRecord:
    return StoredRecord(
        row.seq,
        row.kind,
        row.client_id,
        row.recorded_at,
        row.person_id,
        row.body_sha256,
        json.loads(row.payload),
        row.hash,
    )
