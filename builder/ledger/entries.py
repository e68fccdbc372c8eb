"""Ledger entries as the storage layer takes and returns them."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from builder.errors import DomainError
from builder.ledger.chain import Head, canonical_json, chain_hash
from builder.ledger.projections import project


@dataclass
class PendingRecord:
    """A ledger row waiting for its seq: the writer adds kind, id, person and time to payload."""

    kind: str
    client_id: str
    email: str | None  # None: not linked to anyone (anonymous feedback)
    module: str | None  # None: not about a module (roster entries)
    body_sha256: str
    payload: dict[str, Any]
    projection: dict[str, Any] = field(default_factory=dict)  # unused: see ledger.projections
    # An attempt: the person's attempt count at the module when its draw was issued. The writer
    # stores it only while the count still is that, inside its locked transaction (see
    # `chain_batch`), so one draw serves one attempt across every worker and host.
    attempts_before: int | None = None


class DrawAlreadyUsed(DomainError):
    """An attempt whose draw another attempt used first (found inside the writer's lock)."""

    code = "draw_used"


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


@dataclass
class ChainedBatch:
    """A batch turned into rows: the ledger rows, the projection rows, one outcome a record."""

    ledger: list[dict[str, Any]]
    projections: dict[str, list[dict[str, Any]]]
    outcomes: list[StoredRecord | Duplicate]


def chain_batch(
    batch: list[PendingRecord],
    head: Head,
    existing: dict[tuple[str, str], StoredRecord],
    people: dict[str, str],
    now: str,
    attempts: dict[tuple[str, str], int] | None = None,
) -> ChainedBatch:
    """Give each new record the next seq and hash after `head`; known ids become Duplicate.

    `attempts`: (person id, module) -> attempts stored, for the records that carry
    `attempts_before` (read in the same locked transaction). A new record whose count no
    longer holds raises DrawAlreadyUsed: the caller rolls the batch back, and the group
    writer retries the others without it (`records.writer.write_batch`).
    """
    seq, prev = head.seq, head.hash
    out = ChainedBatch([], {}, [])
    counts = dict(attempts or {})
    for rec in batch:
        key = (rec.kind, rec.client_id)
        if key in existing:
            out.outcomes.append(Duplicate(existing[key]))
            continue
        person = people[rec.email] if rec.email else None
        if rec.attempts_before is not None and person is not None and rec.module is not None:
            done = counts.get((person, rec.module), 0)
            if done != rec.attempts_before:
                raise DrawAlreadyUsed(
                    "this draw was already used for an attempt (perhaps in another tab): "
                    "reload the page for a new one",
                    {"module": rec.module},
                )
            counts[(person, rec.module)] = done + 1
        seq += 1
        payload = dict(
            rec.payload,
            kind=rec.kind,
            id=rec.client_id,
            person=person,
            recorded_at=now,
            module=rec.module,
        )
        text = canonical_json(payload)
        digest = chain_hash(seq, prev, text)
        out.ledger.append(
            {
                "seq": seq,
                "kind": rec.kind,
                "client_id": rec.client_id,
                "recorded_at": now,
                "person_id": person,
                "module": rec.module,
                "body_sha256": rec.body_sha256,
                "payload": text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
        for table, row in project(seq, now, payload):
            out.projections.setdefault(table, []).append(row)
        stored = StoredRecord(
            seq, rec.kind, rec.client_id, now, person, rec.body_sha256, payload, digest
        )
        existing[key] = stored
        out.outcomes.append(stored)
    return out


def new_person_id() -> str:
    """A random pseudonymous id: nothing about the person can be derived from it."""
    return "p_" + secrets.token_hex(10)
