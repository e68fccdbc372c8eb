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
from builder.store.database import Store

_LEDGER_COLS = (
    "seq", "kind", "client_id", "recorded_at", "person_id", "module", "body_sha256",
    "payload", "prev_hash", "hash",
)  # fmt: skip
_PROJECTION_COLS = {
    "attempt": ("attempts", ("seq", "attempt_id", "person_id", "module", "version",
                             "content_sha256", "score", "passed", "started_at", "recorded_at")),
    "ack": ("acknowledgements", ("seq", "ack_id", "person_id", "module", "version",
                                 "statement_sha256", "recorded_at")),
    "feedback": ("feedback", ("seq", "feedback_id", "person_id", "module", "version", "kind",
                              "anonymous", "text", "recorded_at")),
}  # fmt: skip


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
    projection = {
        "attempt_id": rid,
        "version": version,
        "content_sha256": sha,
        "score": score,
        "passed": passed,
        "started_at": payload["started_at"],
    }
    return {
        "kind": "attempt",
        "client_id": rid,
        "person_id": person,
        "module": module,
        "recorded_at": at,
        "payload": payload,
        "projection": projection,
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
        "projection": {"ack_id": rid, "version": version, "statement_sha256": statement_sha256},
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
        "projection": {
            "feedback_id": rid,
            "version": version,
            "kind": kind,
            "anonymous": anonymous,
            "text": text,
        },
    }


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def append_records(store: Store, records: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
    """Chain and insert records in one transaction; the number of rows written."""
    mark = "%s" if store.kind == "postgresql" else "?"

    def insert_sql(table: str, cols: tuple[str, ...]) -> str:
        return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"

    ledger_sql = insert_sql("ledger", _LEDGER_COLS)
    projection_sql = {k: insert_sql(t, c) for k, (t, c) in _PROJECTION_COLS.items()}
    count = 0
    with store.transaction(write=True) as conn:
        if store.kind == "sqlite":  # random-key index inserts need more than the 2 MB default
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        head = store.head(conn)
        seq, prev = head.seq, head.hash
        for batch in _chunks(records, chunk):
            ledger_rows: list[tuple[Any, ...]] = []
            projections: dict[str, list[tuple[Any, ...]]] = {}
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
                proj = dict(
                    rec["projection"],
                    seq=seq,
                    person_id=rec["person_id"],
                    module=rec["module"],
                    recorded_at=rec["recorded_at"],
                )
                cols = _PROJECTION_COLS[rec["kind"]][1]
                projections.setdefault(rec["kind"], []).append(tuple(proj[c] for c in cols))
            conn.exec_driver_sql(ledger_sql, ledger_rows)  # type: ignore[arg-type]
            for kind, rows in projections.items():
                conn.exec_driver_sql(projection_sql[kind], rows)  # type: ignore[arg-type]
            count += len(batch)
    return count


def record_version(store: Store, module: str, version: int, first_seen_at: str) -> None:
    """Say when a module version was first served (module_versions)."""
    mark = "%s" if store.kind == "postgresql" else "?"
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql(
            "INSERT INTO module_versions (module, version, content_sha256, first_seen_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark})",
            (module, version, f"{module}-{version}".ljust(64, "0")[:64], first_seen_at),
        )
