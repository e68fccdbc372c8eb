"""Direct, fast ledger appends with chosen times: for demos, tests and benchmarks only.

The service appends through `Store.append` (server time, group commit). This writes the same
rows — canonical payload, chain hash, projections — in one transaction with executemany, so a
million rows take seconds, not an HTTP round trip each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from builder.ledger.chain import canonical_json, chain_hash
from builder.ledger.projections import project
from builder.store.database import Store

_LEDGER_COLS = (
    "seq", "kind", "client_id", "recorded_at", "person_id", "module", "body_sha256",
    "payload", "prev_hash", "hash",
)  # fmt: skip


def attempt(
    person: str,
    module: str,
    version: int,
    at: str,
    passed: bool,
    score: float,
    questions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An attempt record as the service stores it (`at` is the recorded_at text)."""
    rid = extra.pop("client_id", None) or str(uuid.uuid4())
    sha = extra.pop("content_sha256", "0" * 64)
    payload = {
        "v": 1, "version": version, "content_sha256": sha,
        "build_commit": extra.pop("build_commit", "abc1234"),
        "criteria": extra.pop("criteria", []), "score": score,
        "score_percent": round(100 * score), "pass_mark": extra.pop("pass_mark", 80),
        "passed": passed, "started_at": extra.pop("started_at", None),
        "questions": questions or [],
    }  # fmt: skip
    return {
        "kind": "attempt",
        "client_id": rid,
        "person_id": person,
        "module": module,
        "recorded_at": at,
        "payload": payload,
    }


def ack(
    person: str,
    module: str,
    version: int,
    at: str,
    statement_sha256: str = "1" * 64,
    client_id: str | None = None,
) -> dict[str, Any]:
    """An acknowledgement record."""
    rid = client_id or str(uuid.uuid4())
    payload = {
        "v": 1,
        "version": version,
        "content_sha256": "0" * 64,
        "build_commit": "abc1234",
        "criteria": [],
        "statement_sha256": statement_sha256,
    }
    return {
        "kind": "ack",
        "client_id": rid,
        "person_id": person,
        "module": module,
        "recorded_at": at,
        "payload": payload,
    }


def feedback(
    person: str | None,
    module: str,
    version: int,
    at: str,
    kind: str,
    text: str,
    anonymous: bool = False,
) -> dict[str, Any]:
    """A feedback record (`person` None and `anonymous` True for anonymous feedback)."""
    rid = str(uuid.uuid4())
    payload = {
        "v": 1,
        "version": version,
        "feedback_kind": kind,
        "text": text,
        "anonymous": anonymous,
    }
    return {
        "kind": "feedback",
        "client_id": rid,
        "person_id": None if anonymous else person,
        "module": module,
        "recorded_at": at,
        "payload": payload,
    }


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def publication(
    module: str, version: int, at: str, content_sha256: str | None = None
) -> dict[str, Any]:
    """A publication record: `module` at `version` first served at `at`."""
    sha = content_sha256 or f"{module}-{version}".ljust(64, "0")[:64]
    return {
        "kind": "publication",
        "client_id": f"{module}@{version}@{sha}",
        "person_id": None,
        "module": module,
        "recorded_at": at,
        "payload": {"v": 1, "version": version, "content_sha256": sha},
    }


def append_records(store: Store, records: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
    """Chain and insert records in one transaction; the number of rows written.

    Projection rows come from `ledger.projections`, as the service's writer makes them.
    """
    mark = "%s" if store.kind == "postgresql" else "?"

    def insert_sql(table: str, cols: tuple[str, ...]) -> str:
        return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"

    ledger_sql = insert_sql("ledger", _LEDGER_COLS)
    count = 0
    with store.transaction(write=True) as conn:
        if store.kind == "sqlite":  # random-key index inserts need more than the 2 MB default
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        head = store.head(conn)
        seq, prev = head.seq, head.hash
        for batch in _chunks(records, chunk):
            ledger_rows: list[tuple[Any, ...]] = []
            projections: dict[str, list[dict[str, Any]]] = {}
            for rec in batch:
                seq += 1
                payload = dict(
                    rec["payload"],
                    kind=rec["kind"],
                    id=rec["client_id"],
                    person=rec["person_id"],
                    recorded_at=rec["recorded_at"],
                    module=rec["module"],
                )
                text = canonical_json(payload)
                digest = chain_hash(seq, prev, text)
                ledger_rows.append(
                    (
                        seq,
                        rec["kind"],
                        rec["client_id"],
                        rec["recorded_at"],
                        rec["person_id"],
                        rec["module"],
                        "0" * 64,
                        text,
                        prev,
                        digest,
                    )
                )
                prev = digest
                for table, row in project(seq, rec["recorded_at"], payload):
                    projections.setdefault(table, []).append(row)
            conn.exec_driver_sql(ledger_sql, ledger_rows)  # type: ignore[arg-type]
            for table, rows in projections.items():
                cols = tuple(rows[0])
                conn.exec_driver_sql(
                    insert_sql(table, cols),
                    [tuple(r[c] for c in cols) for r in rows],  # type: ignore[arg-type]
                )
            count += len(batch)
    return count


def record_version(store: Store, module: str, version: int, first_seen_at: str) -> None:
    """Say when a module version was first served: a publication entry at that time."""
    append_records(store, [publication(module, version, first_seen_at)])


def attendance(
    person: str, module: str, version: int, date: str, minutes: int, at: str
) -> dict[str, Any]:
    """An attendance record: `person` attended `module`'s session on `date` for `minutes`."""
    payload = {"v": 1, "version": version, "date": date, "minutes": minutes, "source": "seed"}
    return {
        "kind": "attendance",
        "client_id": f"{module}@{date}@{person}",
        "person_id": person,
        "module": module,
        "recorded_at": at,
        "payload": payload,
    }


def reminder(
    person: str, channel: str, message: str, items: list[dict[str, Any]], as_of: str, at: str
) -> dict[str, Any]:
    """A reminder record: a message sent to `person` on `channel` about `items`."""
    payload = {"v": 1, "channel": channel, "message": message, "items": items, "as_of": as_of}
    return {
        "kind": "reminder",
        "client_id": uuid.uuid4().hex,
        "person_id": person,
        "module": None,
        "recorded_at": at,
        "payload": payload,
    }
