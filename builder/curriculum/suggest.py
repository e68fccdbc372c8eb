"""'Did you mean …?' suggestions: kept here for the curriculum's imports; see `builder.suggest`."""

from __future__ import annotations

from builder.suggest import closest, did_you_mean

__all__ = ["closest", "did_you_mean"]
