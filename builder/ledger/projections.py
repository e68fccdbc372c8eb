"""Projections: the typed rows reports read, as pure functions of ledger entries.

Every table other than `ledger` and the personal data in `people` is a projection: the writer
inserts the rows these functions give in the same transaction as the entry, and
`trustpath records verify` runs the same functions over the whole chain and compares. So a
projection row that differs, is missing or has no ledger entry is found, and the reports never
count a record the chain does not hold.

| ledger kind   | projection rows                                                      |
|---------------|----------------------------------------------------------------------|
| `attempt`     | one `attempts` row (and `attempt_answers` rows, one per question)    |
| `ack`         | one `acknowledgements` row                                           |
| `feedback`    | one `feedback` row (person left out when anonymous)                  |
| `roster`      | one `roster_history` row per changed field                           |
| `publication` | one `module_versions` row for the first entry of a module version    |
| `link_revocation` | one `link_revocations` row: the person's new link epoch          |
| `assignment`  | one `assignments` row (the campaign) and one `assignment_people` row  |
|               | per person assigned                                                  |
| `assignment_cancel` | one `assignment_cancels` row                                   |
| `attendance`  | one `attendance` row: a person's minutes at a workshop session       |
| `reminder`    | one `reminders` row: a message sent (channel, items; never the body)  |
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from builder.ledger.chain import canonical_json

PROJECTED = {
    "attempt": "attempts",
    "ack": "acknowledgements",
    "feedback": "feedback",
    "roster": "roster_history",
    "publication": "module_versions",
    "link_revocation": "link_revocations",
    "assignment": "assignments",
    "assignment_cancel": "assignment_cancels",
    "attendance": "attendance",
    "reminder": "reminders",
}
# The roster fields a `roster` entry may carry: never a name or an email (DESIGN §11).
ROSTER_FIELDS = frozenset(
    {
        "department",
        "title",
        "manager",
        "roles",
        "start_date",
        "end_date",
        "status",
        "employment",
        "note",
    }
)


def email_commitment(salt: str, email: str) -> str:
    """sha256(salt ‖ normalised email), hex: ties a roster entry to an email without holding it.

    `salt` is the hex of 16 random bytes kept in the person's `people` row; erasing the salt
    and the email leaves the commitment in the chain unlinkable (DESIGN §11).
    """
    return hashlib.sha256(bytes.fromhex(salt) + email.encode("utf-8")).hexdigest()


def project(
    seq: int, recorded_at: str, payload: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) pairs that the entry at `seq` projects to (see the table above)."""
    kind = payload.get("kind")
    person = payload.get("person")
    if kind == "attempt":
        yield (
            "attempts",
            dict(zip(ATTEMPT_COLUMNS, attempt_row(seq, recorded_at, payload), strict=True)),
        )
        for row in project_answers(seq, payload):
            yield "attempt_answers", row
    elif kind == "ack":
        yield (
            "acknowledgements",
            dict(zip(ACK_COLUMNS, ack_row(seq, recorded_at, payload), strict=True)),
        )
    elif kind == "feedback":
        anonymous = bool(payload.get("anonymous"))
        yield (
            "feedback",
            {
                "seq": seq,
                "feedback_id": payload["id"],
                "person_id": None if anonymous else person,
                "module": payload["module"],
                "version": payload["version"],
                "kind": payload["feedback_kind"],
                "anonymous": anonymous,
                "text": payload["text"],
                "recorded_at": recorded_at,
            },
        )
    elif kind == "roster":
        effective = payload["effective"]
        previous = payload.get("previous") or {}
        changed_at = payload.get("imported_at") or recorded_at
        for name, value in sorted(payload["fields"].items()):
            yield (
                "roster_history",
                {
                    "seq": seq,
                    "person_id": person,
                    "field": name,
                    "old_value": previous.get(name, ""),
                    "new_value": value,
                    "effective_on": effective,
                    "changed_at": changed_at,
                },
            )
    elif kind == "link_revocation":
        yield (
            "link_revocations",
            {
                "seq": seq,
                "revocation_id": payload["id"],
                "person_id": person,
                "epoch": payload["epoch"],
                "reason": payload["reason"],
                "recorded_at": recorded_at,
            },
        )
    elif kind == "assignment":
        yield from project_assignment(seq, recorded_at, payload)
    elif kind == "assignment_cancel":
        yield (
            "assignment_cancels",
            {
                "seq": seq,
                "campaign_id": payload["campaign"],
                "reason": payload["reason"],
                "cancelled_by": payload["cancelled_by"],
                "recorded_at": recorded_at,
            },
        )
    elif kind == "attendance":
        yield (
            "attendance",
            {
                "seq": seq,
                "attendance_id": payload["id"],
                "person_id": person,
                "module": payload["module"],
                "version": payload["version"],
                "session_date": payload["date"],
                "minutes": payload["minutes"],
                "recorded_at": recorded_at,
            },
        )
    elif kind == "reminder":
        yield (
            "reminders",
            {
                "seq": seq,
                "reminder_id": payload["id"],
                "person_id": person,
                "channel": payload["channel"],
                "message": payload["message"],
                "items": canonical_json(payload["items"]),
                "as_of": payload["as_of"],
                "recorded_at": recorded_at,
            },
        )
    elif kind == "publication":
        yield (
            "module_versions",
            {
                "module": payload["module"],
                "version": payload["version"],
                "content_sha256": payload["content_sha256"],
                "first_seen_at": payload.get("first_seen_at") or recorded_at,
            },
        )


def project_assignment(
    seq: int, recorded_at: str, payload: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of an `assignment` entry (a campaign, issue 18): the campaign, then its people.

    Modules are stored `;`-joined in their entry's order; people by pseudonymous id only.
    """
    people = payload["people"]
    yield (
        "assignments",
        {
            "seq": seq,
            "campaign_id": payload["campaign"],
            "modules": ";".join(payload["modules"]),
            "due_on": payload["due"],
            "reason": payload["reason"],
            "assigned_by": payload["assigned_by"],
            "assigned_on": payload["assigned_on"],
            "selector": payload["selector"],
            "people": len(people),
            "recorded_at": recorded_at,
        },
    )
    for person in people:
        yield (
            "assignment_people",
            {"seq": seq, "person_id": person, "campaign_id": payload["campaign"]},
        )


# The columns of the three projections a million-row ledger is mostly made of, in the order
# of the tuples below: `records verify` compares these tuples with the stored rows directly
# (no dict per row), and `project` makes its dicts from the same tuples, so the writer and
# verify cannot disagree.
ATTEMPT_COLUMNS = (
    "seq", "attempt_id", "person_id", "module", "version", "content_sha256", "score", "passed",
    "started_at", "recorded_at",
)  # fmt: skip
ACK_COLUMNS = (
    "seq", "ack_id", "person_id", "module", "version", "statement_sha256", "recorded_at",
)  # fmt: skip
ANSWER_COLUMNS = ("seq", "question", "module", "version", "selected", "correct")


def attempt_row(seq: int, recorded_at: str, payload: dict[str, Any]) -> tuple[Any, ...]:
    """The `attempts` row of an attempt entry, as a tuple in ATTEMPT_COLUMNS order."""
    return (
        seq,
        payload["id"],
        payload.get("person"),
        payload["module"],
        payload["version"],
        payload["content_sha256"],
        payload["score"],
        bool(payload["passed"]),
        payload.get("started_at"),
        recorded_at,
    )


def ack_row(seq: int, recorded_at: str, payload: dict[str, Any]) -> tuple[Any, ...]:
    """The `acknowledgements` row of an ack entry, as a tuple in ACK_COLUMNS order."""
    return (
        seq,
        payload["id"],
        payload.get("person"),
        payload["module"],
        payload["version"],
        payload["statement_sha256"],
        recorded_at,
    )


def answer_rows(seq: int, payload: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The `attempt_answers` rows of an attempt entry (one per graded question), as tuples in
    ANSWER_COLUMNS order; a question that is not an object has no row."""
    questions = payload.get("questions")
    if not questions:
        return []
    module = payload.get("module")
    version = int(payload.get("version") or 0)
    rows = []
    for q in questions:
        if not isinstance(q, dict):
            continue
        chosen = q.get("selected") or ()
        if type(chosen) is list and len(chosen) == 1 and type(chosen[0]) is str:
            selected = chosen[0]  # one choice: what the join of the sorted one would give
        else:
            selected = ";".join(sorted(map(str, chosen)))
        rows.append((seq, str(q.get("id")), module, version, selected, bool(q.get("correct"))))
    return rows


def project_answers(seq: int, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The `attempt_answers` rows of an attempt entry: one per graded question."""
    return [dict(zip(ANSWER_COLUMNS, row, strict=True)) for row in answer_rows(seq, payload)]
