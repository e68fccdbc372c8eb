"""The hash-chained ledger: canonical payloads, the chain hash, verification against an anchor.

Every attempt, acknowledgement and feedback is one ledger row with a gapless `seq` (1, 2, …).
Its `payload` is canonical JSON: `json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`, stored as text. The payload repeats the row's kind,
client id, person id, module and recorded_at, so those columns are covered by the hash too.

The chain hash of row `seq` is the lowercase hex SHA-256 of these bytes:

    b"trustpath-ledger-v1" 0x00 ascii(decimal seq) 0x00 ascii(prev_hash) 0x00 utf8(payload)

where `prev_hash` is the previous row's hash (64 lowercase hex digits) and, for seq 1, 64
zeros (`GENESIS`). Changing any byte of any row changes its hash and breaks the link to the
next row. Rewriting the whole chain after an edit, or cutting rows off the end, is caught only
against an anchor kept outside the database: `trustpath records head` prints `SEQ:HASH`, and
`trustpath records verify --head SEQ:HASH` checks the ledger still reaches it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

HASH_TAG = b"trustpath-ledger-v1"
GENESIS = "0" * 64
KINDS = ("attempt", "ack", "feedback")
_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def canonical_json(obj: Any) -> str:
    """The one text form of a payload that gets hashed."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def chain_hash(seq: int, prev_hash: str, payload: str) -> str:
    """sha256(tag ‖ 0x00 ‖ seq ‖ 0x00 ‖ prev_hash ‖ 0x00 ‖ payload), lowercase hex."""
    return _hash_of(seq, prev_hash, payload.encode("utf-8"))


def _hash_of(seq: int, prev_hash: str, payload: bytes) -> str:
    """`chain_hash` of a payload already encoded as UTF-8 (verify encodes each payload once)."""
    data = b"%b\x00%d\x00%b\x00%b" % (HASH_TAG, seq, prev_hash.encode("ascii"), payload)
    return hashlib.sha256(data).hexdigest()  # one buffer, one update: a million per verify


@dataclass(frozen=True)
class Head:
    """The last row of the chain (seq 0 and GENESIS for an empty ledger)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_anchor(text: str) -> Head:
    """`SEQ:HASH` as printed by `records head`; ValueError otherwise."""
    match = _ANCHOR.match(text.strip().lower())
    if not match:
        raise ValueError(f"'{text}' is not SEQ:HASH (a number, a colon, 64 hex digits)")
    return Head(int(match.group(1)), match.group(2))


class LedgerRow(NamedTuple):
    """One stored row, as verification reads it (a tuple: a million are made per verify)."""

    seq: int
    kind: str
    client_id: str
    recorded_at: str
    person_id: str | None
    module: str | None
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    """The result of verifying the chain: ok, or the first bad seq and why."""

    ok: bool
    head: Head
    rows: int
    bad_seq: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ledger ok: {self.rows} rows, head {self.head}"
        return f"ledger broken at seq {self.bad_seq}: {self.reason}"


def parse_payload(text: str) -> Any:
    """A stored payload as Python values (orjson; the standard library past its limits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # e.g. integers beyond 64 bits; ValueError if not JSON at all


def is_canonical(body: dict[str, Any], text: str) -> bool:
    """Whether `text` is `canonical_json(body)`.

    orjson with sorted keys writes the same bytes for the payloads TrustPath stores (compact
    separators, UTF-8, shortest float repr) at a fraction of the cost; only when it differs is
    the definition itself, `canonical_json`, asked.
    """
    try:
        if orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode("utf-8") == text:
            return True
    except TypeError:
        pass
    return canonical_json(body) == text


def _row_problem(
    row: LedgerRow, expected_seq: int, prev_hash: str
) -> tuple[str | None, dict[str, Any] | None]:
    """(the row's first problem or None, its parsed payload when it parsed)."""
    seq, kind, client_id, recorded_at, person_id, module, payload, row_prev, row_hash = row
    if seq != expected_seq:
        return f"seq {expected_seq} is missing (the next row is seq {seq})", None
    if row_prev != prev_hash:
        return "prev_hash does not match the hash of the row before", None
    raw = payload.encode("utf-8")
    if _hash_of(seq, row_prev, raw) != row_hash:
        return "hash does not match the row's content (the row was changed)", None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            body = parse_payload(payload)
        except ValueError:
            return "payload is not JSON", None
    if not isinstance(body, dict):
        return "payload is not a JSON object", None
    try:  # `is_canonical` on the bytes at hand: orjson's sorted output is the canonical text
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS) == raw
    except TypeError:
        canonical = False
    if not canonical and not is_canonical(body, payload):
        return "payload is not in canonical form", body
    get = body.get
    if (
        get("kind") == kind
        and get("id") == client_id
        and get("recorded_at") == recorded_at
        and get("person") == person_id
        and get("module") == module
    ):  # the common case: every column matches, no tuple of pairs to walk
        return None, body
    columns = (
        ("kind", kind),
        ("id", client_id),
        ("recorded_at", recorded_at),
        ("person", person_id),
        ("module", module),
    )
    for key, value in columns:
        if get(key) != value:
            return f"column '{key}' ({value!r}) differs from the payload ({get(key)!r})", body
    return None, body


def verify_rows(
    rows: Iterable[LedgerRow],
    anchor: Head | None = None,
    on_row: Callable[[LedgerRow, dict[str, Any]], None] | None = None,
    after: Head = Head(0, GENESIS),
) -> Verdict:
    """Walk the chain in seq order; the first problem wins. Checks the anchor when given.

    `on_row(row, payload)` sees each good row with its parsed payload (so a caller that
    re-derives projections parses each payload once). `after` is the row before the first
    one (default: none, so `rows` starts at seq 1): a range of the chain is checked from the
    stored hash of the row before it, and the ranges of one chain checked apart say together
    what one walk says. The anchor, when given, is checked if it falls in the range; "cut off"
    is reported only when `rows` end before it.
    """
    prev_hash, expected, count = after.hash, after.seq + 1, 0
    anchor_seen = anchor is None or anchor.seq <= after.seq
    for row in rows:
        problem, body = _row_problem(row, expected, prev_hash)
        if problem:
            return Verdict(False, Head(expected - 1, prev_hash), count, expected, problem)
        if on_row is not None and body is not None:
            on_row(row, body)
        if anchor is not None and row.seq == anchor.seq:
            if row.hash != anchor.hash:
                return Verdict(
                    False,
                    Head(row.seq, row.hash),
                    count,
                    row.seq,
                    f"hash differs from the anchor {anchor} (history was rewritten)",
                )
            anchor_seen = True
        prev_hash, expected, count = row.hash, expected + 1, count + 1
    head = Head(expected - 1, prev_hash)
    if not anchor_seen and anchor is not None:
        return Verdict(
            False,
            head,
            count,
            head.seq + 1,
            f"the ledger ends at seq {head.seq} but the anchor names seq {anchor.seq}: "
            "rows were cut off the end",
        )
    return Verdict(True, head, count)
