"""Audit exports: evidence rows as CSV (formula-safe), JSON lines or xAPI statements. Pure.

xAPI: one statement per line (JSON lines, `.jsonl`), xAPI 1.0.3 shape. The actor is an
`account` agent whose homePage is the organisation IRI and whose name is the pseudonymous
person id (or the email with `actor="email"`). Attempts use the ADL verbs `passed` / `failed`
on the activity `{org}/xapi/modules/{module}` with `result.score.scaled` and `success`;
acknowledgements use the ADL verb `completed` on the activity
`{org}/xapi/acknowledgements/{module}` (an organisation IRI: ADL has no "acknowledged" verb).
The statement id is a UUID derived from the record hash, so exporting twice yields the same
ids; `context.registration` is the attempt (or acknowledgement) id; context extensions under
`{org}/xapi/extensions/` carry the department and the content version.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

from builder.errors import TrustPathError
from builder.markup import safe_cell

EVIDENCE_COLUMNS = (
    "seq", "kind", "record_id", "email", "name", "department", "person_id", "module",
    "module_title", "version", "content_sha256", "commit", "criteria", "score", "pass_mark",
    "passed", "started_at", "recorded_at", "record_hash",
)  # fmt: skip
POPULATION_COLUMNS = (
    "email", "name", "department", "start_date", "end_date", "module", "module_title", "due",
    "completed", "state", "days_late", "after_end",
)  # fmt: skip
ADL = "http://adlnet.gov/expapi/verbs/"
# Characters RFC 3987 allows nowhere in an IRI: controls, space and the "unwise" set.
_NOT_IRI = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`\s]')


class InvalidOrgIri(TrustPathError, ValueError):
    """The organisation IRI for xAPI is not an absolute http(s) IRI without query or fragment."""


def check_org_iri(iri: str | None) -> str:
    """`iri` when it is an absolute http(s) IRI with a host and no spaces, query or fragment.

    It becomes the xAPI actor's `account.homePage` and the prefix of every activity id, so a
    statement store (an LRS) must accept it as an IRI (RFC 3987, xAPI 1.0.3 §4.1.2).
    Raises `InvalidOrgIri` with the reason otherwise.
    """
    if not iri:
        raise InvalidOrgIri(
            "xapi needs an organisation IRI: pass --org-iri https://… (or set "
            "$TRUSTPATH_ORG_IRI, or site_url in mkdocs.yml)"
        )
    bad = _NOT_IRI.search(iri)
    if bad:
        raise InvalidOrgIri(f"org IRI '{iri}' contains {bad.group()!r}: an IRI has no spaces")
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidOrgIri(f"org IRI '{iri}' is not absolute: use https://host/…")
    if "?" in iri or "#" in iri:
        raise InvalidOrgIri(f"org IRI '{iri}' has a query or fragment: drop what follows ? or #")
    return iri


def evidence_record(row: dict[str, Any], titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One ledger row (joined with its person) as an evidence record; `module_title` from
    `titles` (module id -> title; "" for a module the course no longer has)."""
    p = row["payload"]
    return {
        "seq": row["seq"],
        "kind": row["kind"],
        "record_id": row["client_id"],
        "email": row.get("email"),
        "name": row.get("name"),
        "department": row.get("department"),
        "person_id": row.get("person_id"),
        "module": p.get("module"),
        "module_title": (titles or {}).get(str(p.get("module")), ""),
        "version": p.get("version"),
        "content_sha256": p.get("content_sha256"),
        "commit": p.get("build_commit") or p.get("commit"),
        "criteria": list(p.get("criteria") or ()),
        "score": p.get("score"),
        "pass_mark": p.get("pass_mark"),
        "passed": p.get("passed") if row["kind"] == "attempt" else None,
        "started_at": p.get("started_at"),
        "recorded_at": row["recorded_at"],
        "record_hash": row["hash"],
    }


def _csv_value(value: Any) -> Any:
    if type(value) is str:
        return safe_cell(value)
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    elif value is None:
        value = ""
    return safe_cell(value)


def write_csv(records: Iterable[dict[str, Any]], out: TextIO, columns: tuple[str, ...]) -> int:
    """Write records as CSV with a header; the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for rec in records:
        writer.writerow([_csv_value(rec.get(c)) for c in columns])
        count += 1
    return count


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line; the number of lines."""
    count = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def csv_lines(records: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> Iterator[str]:
    """CSV text in pieces: the header, then one piece per record (a cell may hold newlines)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for rec in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_value(rec.get(c)) for c in columns])
        yield buffer.getvalue()


def csv_text(records: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """CSV as a string (for the API)."""
    buffer = io.StringIO()
    write_csv(records, buffer, columns)
    return buffer.getvalue()


def _registration(record_id: str, record_hash: str) -> str:
    try:
        return str(uuid.UUID(record_id))
    except ValueError:  # not a UUID: derive a stable one
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"trustpath:{record_id}:{record_hash}"))


def xapi_statement(
    rec: dict[str, Any], org_iri: str, actor: str = "person", title: str | None = None
) -> dict[str, Any]:
    """An xAPI statement for one evidence record."""
    org = org_iri.rstrip("/")
    name = rec["email"] if actor == "email" and rec.get("email") else rec.get("person_id")
    if rec["kind"] == "attempt":
        verb = "passed" if rec.get("passed") else "failed"
        verb_obj = {"id": ADL + verb, "display": {"en-US": verb}}
        score = rec.get("score")
        result: dict[str, Any] = {"success": bool(rec.get("passed")), "completion": True}
        if isinstance(score, int | float):
            result["score"] = {"scaled": round(max(0.0, min(1.0, float(score))), 4)}
        activity_type = "http://adlnet.gov/expapi/activities/assessment"
        activity = f"{org}/xapi/modules/{rec.get('module')}"
    else:
        verb_obj = {"id": ADL + "completed", "display": {"en-US": "completed"}}
        result = {"completion": True}
        activity_type = "http://adlnet.gov/expapi/activities/module"
        activity = f"{org}/xapi/acknowledgements/{rec.get('module')}"
    ext = f"{org}/xapi/extensions/"
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org}/xapi/records/{rec['record_hash']}")),
        "actor": {"objectType": "Agent", "account": {"homePage": org, "name": str(name or "")}},
        "verb": verb_obj,
        "object": {
            "objectType": "Activity",
            "id": activity,
            "definition": {
                "name": {"en-US": title or str(rec.get("module"))},
                "type": activity_type,
            },
        },
        "result": result,
        "context": {
            "registration": _registration(str(rec["record_id"]), str(rec["record_hash"])),
            "extensions": {
                ext + "department": rec.get("department"),
                ext + "content-version": {
                    "version": rec.get("version"),
                    "content_sha256": rec.get("content_sha256"),
                    "commit": rec.get("commit"),
                },
                ext + "record-hash": rec.get("record_hash"),
            },
        },
        "timestamp": rec.get("recorded_at"),
    }
