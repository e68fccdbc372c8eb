"""Export formatting: formula-safe CSV cells, evidence records, xAPI statements."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from builder.markup import safe_cell
from builder.reports.export import (
    EVIDENCE_COLUMNS,
    csv_text,
    evidence_record,
    xapi_statement,
)

ROW = {
    "seq": 7, "kind": "attempt", "client_id": "0b0e5a52-8a0e-4a38-9a39-0f5a6f3c9d11",
    "recorded_at": "2026-06-01T09:00:00.000000Z", "person_id": "p_abc", "hash": "f" * 64,
    "email": "ann@example.com", "name": "@SUM(A1)", "department": "-Ops",
    "payload": {"module": "phishing", "version": 2, "content_sha256": "a" * 64,
                "build_commit": "abc1234", "criteria": ["CC2.2", "CC1.4"], "score": 0.8,
                "pass_mark": 80, "passed": True, "started_at": None},
}  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), ("a=b", "a=b"), (3, 3)],
)  # fmt: skip
def test_safe_cell_escapes_formula_starts(cell: object, safe: object) -> None:
    assert safe_cell(cell) == safe


def test_evidence_record_and_csv() -> None:
    rec = evidence_record(ROW)
    assert rec["commit"] == "abc1234" and rec["criteria"] == ["CC2.2", "CC1.4"]
    assert rec["record_hash"] == "f" * 64 and rec["passed"] is True
    text = csv_text([rec], EVIDENCE_COLUMNS)
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["name"] == "'@SUM(A1)" and row["department"] == "'-Ops"
    assert row["criteria"] == "CC2.2;CC1.4" and row["passed"] == "true" and row["score"] == "0.8"
    assert text.splitlines()[0] == ",".join(EVIDENCE_COLUMNS)


def test_xapi_attempt_statement() -> None:
    stmt = xapi_statement(evidence_record(ROW), "https://acme.example/", title="Phishing")
    assert uuid.UUID(stmt["id"]).version == 5
    assert stmt["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://acme.example", "name": "p_abc"},
    }
    assert stmt["verb"] == {"id": "http://adlnet.gov/expapi/verbs/passed",
                            "display": {"en-US": "passed"}}  # fmt: skip
    assert stmt["object"]["id"] == "https://acme.example/xapi/modules/phishing"
    assert stmt["object"]["definition"]["name"] == {"en-US": "Phishing"}
    assert stmt["result"] == {"success": True, "completion": True, "score": {"scaled": 0.8}}
    assert stmt["context"]["registration"] == ROW["client_id"]
    ext = stmt["context"]["extensions"]
    assert ext["https://acme.example/xapi/extensions/department"] == "-Ops"
    assert ext["https://acme.example/xapi/extensions/content-version"] == {
        "version": 2, "content_sha256": "a" * 64, "commit": "abc1234"}  # fmt: skip
    assert stmt["timestamp"] == "2026-06-01T09:00:00.000000Z"
    again = xapi_statement(evidence_record(ROW), "https://acme.example/", title="Phishing")
    assert again["id"] == stmt["id"]  # stable ids: re-exporting does not duplicate


def test_xapi_failed_and_acknowledged() -> None:
    failed = evidence_record({**ROW, "payload": {**ROW["payload"], "passed": False,
                                                 "score": 0.4}})  # fmt: skip
    stmt = xapi_statement(failed, "https://acme.example", actor="email")
    assert stmt["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert stmt["result"]["success"] is False and stmt["result"]["score"] == {"scaled": 0.4}
    assert stmt["actor"]["account"]["name"] == "ann@example.com"
    ack = evidence_record({**ROW, "kind": "ack", "client_id": "not-a-uuid"})
    stmt = xapi_statement(ack, "https://acme.example")
    assert stmt["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert stmt["object"]["id"] == "https://acme.example/xapi/acknowledgements/phishing"
    assert stmt["result"] == {"completion": True}
    assert uuid.UUID(stmt["context"]["registration"])  # derived, still a UUID
