"""The root of every domain exception."""

from __future__ import annotations


class TrustPathError(Exception):
    """A problem TrustPath reports to a person; the CLI, web adapter and plugin render it."""
