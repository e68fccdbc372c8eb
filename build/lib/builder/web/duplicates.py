"""Duplicate keys in a JSON body: RFC 8259 leaves them undefined, so the service refuses them.

orjson keeps the last of two equal keys, another parser may keep the first: a body that means
two things is refused (400 `duplicate_key`). Checking costs almost nothing for the bodies the
widgets send: the members and colons of the parsed value are counted and compared with the
colons of the raw text, which equal when no key was dropped (and no colon was written as an
escape). Only when the counts differ, or the text has a backslash, does the slower exact check
run (`json.loads` with an `object_pairs_hook`).
"""

from __future__ import annotations

import json
from typing import Any


def _members_and_colons(value: Any) -> int:
    """Object members plus colons inside decoded strings, over the whole parsed value."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            total += len(item)
            for key, sub in item.items():
                total += key.count(":")
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            total += item.count(":")
    return total


class DuplicateKey(ValueError):
    """A JSON object with the same key twice; `key` names it."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def check_duplicate_keys(raw: bytes | bytearray, parsed: Any) -> None:
    """Raise DuplicateKey when the JSON text `raw` (already parsed as `parsed`) repeats a key."""
    if b"\\" not in raw and raw.count(b":") == _members_and_colons(parsed):
        return
    json.loads(raw, object_pairs_hook=_refuse_duplicates)
