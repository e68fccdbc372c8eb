"""'Did you mean …?' suggestions for misspelt ids, names, keys and filter values.

Written once, at the base layer, so the author diagnostics (`builder.curriculum`) and the
report filters (`builder.reports`) suggest the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6  # difflib's ratio: 2·matches / total length (0..1); 0.6 is difflib's default


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to `word`, if any is close enough (case-insensitive).

    Similarity is `difflib.SequenceMatcher.ratio()` (Ratcliff/Obershelp) at `CUTOFF`; an
    exact match apart from case is always the answer.
    """
    pool = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(pool), n=1, cutoff=CUTOFF)
    return pool[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean X?' or the empty string."""
    match = closest(word, candidates)
    return f"; did you mean '{match}'?" if match else ""
