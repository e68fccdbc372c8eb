"""'Did you mean …?' suggestions for misspelt ids and keys."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to `word`, if any is close enough (case-insensitive)."""
    pool = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(pool), n=1, cutoff=0.6)
    return pool[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean X?' or the empty string."""
    match = closest(word, candidates)
    return f"; did you mean '{match}'?" if match else ""
