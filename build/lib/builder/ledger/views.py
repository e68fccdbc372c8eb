"""Typed views of ledger entries, as storage returns them to the reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (module, version, question, chosen choice ids, right, how many attempts chose exactly that)
AnswerCount = tuple[str, int, str, tuple[str, ...], bool, int]


@dataclass(frozen=True)
class FeedbackEntry:
    module: str
    version: int
    kind: str
    text: str
    recorded_at: str
    anonymous: bool
    email: str | None = None  # never set for anonymous feedback
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "version": self.version,
            "kind": self.kind,
            "text": self.text,
            "recorded_at": self.recorded_at,
            "from": "anonymous" if self.anonymous else (self.email or "unknown"),
        }
