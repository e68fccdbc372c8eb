"""The roster's columns and cells: header matching (TrustPath's own or through a map), dates,
mapped values and role lists. Pure; `roster.py` collects the problems with their lines.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence

from builder.errors import TrustPathError
from builder.lifecycle.roster_map import RosterMap, builtin_names

COLUMNS = ("email", "name", "department", "roles", "start_date", "end_date", "status", "employment")
OPTIONAL_COLUMNS = ("note", "title", "manager_email", "first_name", "last_name")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_ROLE_SPLIT = re.compile(r"[;,]")


class HeaderError(TrustPathError):
    """The header does not fit TrustPath's columns or the map (a line-1 `bad-header`)."""


# -- header ---------------------------------------------------------------------------------


def native_header(header: list[str]) -> dict[str, int]:
    """field -> column index for TrustPath's own header (case-insensitive)."""
    names = [h.casefold() for h in header]
    known = COLUMNS + OPTIONAL_COLUMNS
    unknown = [h for h, n in zip(header, names, strict=True) if n not in known]
    has_name = "name" in names or ("first_name" in names and "last_name" in names)
    missing = [
        c
        for c in ("email", "name", "start_date")
        if c not in names and (c != "name" or not has_name)
    ]
    if missing or unknown:
        parts = [f"missing column(s) {', '.join(missing)}"] if missing else []
        if unknown:
            hints = []
            for h in unknown:
                close = difflib.get_close_matches(h.casefold(), known, n=1)
                few = len(unknown) < 3  # many unknown columns: a foreign header, not typos
                hints.append(f"{h} (did you mean {close[0]}?)" if close and few else h)
            parts.append(f"unknown column(s) {', '.join(hints)}")
        message = "; ".join(parts) + (
            "; required: email, name (or first_name and last_name), start_date; optional: "
            "department, title, manager_email, roles, end_date, status, employment, note"
        )
        if len(unknown) >= 3:
            message += (
                "; an HR system's export? import it with --map NAME (built in: "
                f"{', '.join(builtin_names())}), or start a map of your own from "
                "`trustpath records roster map NAME`"
            )
        raise HeaderError(message)
    return _index(header, names, {n: n for n in names})


def _index(header: list[str], keys: list[str], wanted: Mapping[str, str]) -> dict[str, int]:
    """field -> index, refusing a wanted column that appears twice."""
    index: dict[str, int] = {}
    for fld, col in wanted.items():
        hits = [i for i, k in enumerate(keys) if k == col]
        if len(hits) > 1:
            raise HeaderError(f"column '{header[hits[0]]}' appears {len(hits)} times")
        index[fld] = hits[0]
    return index


def mapped_header(header: list[str], rmap: RosterMap, delimiter: str) -> dict[str, int]:
    """field -> column index through a map (exact headers after trimming)."""
    missing = [(f, c) for f, c in rmap.columns.items() if c not in header]
    if missing:
        parts = []
        for fld, col in missing:
            folded = [h for h in header if h.casefold() == col.casefold()]
            hint = f" (the file has '{folded[0]}': headers match exactly)" if folded else ""
            parts.append(f"'{col}' (for {fld}){hint}")
        message = f"the map {rmap.name} names column(s) the file lacks: {', '.join(parts)}"
        if len(header) == 1:
            message += f"; the header is one column: is the file separated by '{delimiter}'?"
        else:
            message += f"; the file's columns: {', '.join(header)}"
        raise HeaderError(message)
    return _index(header, header, rmap.columns)


# -- cells ----------------------------------------------------------------------------------


def parse_date(text: str, date_format: str | None) -> dt.date:
    """An ISO date, or one in `date_format` (strftime); ValueError with the reason otherwise.

    Without a format, `03/04/2024` is refused as ambiguous (March 4 or 3 April?): TrustPath
    never guesses the order of day and month.
    """
    if _ISO.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a real date") from None
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            example = dt.date(2026, 3, 1).strftime(date_format)
            raise ValueError(
                f"'{text}' does not match date_format '{date_format}' (like {example})"
            ) from None
    if _SLASHED.fullmatch(text):
        raise ValueError(
            f"'{text}' could be month/day or day/month; give the map a date_format "
            "('%m/%d/%Y' for US dates, '%d/%m/%Y' otherwise) or write ISO dates like 2026-03-01"
        )
    raise ValueError(f"'{text}' is not a date like 2026-03-01")


def mapped_value(fld: str, raw: str, rmap: RosterMap, allowed: Sequence[str]) -> str | None:
    """The TrustPath value of a status / employment cell, or None when it is not one."""
    folded = raw.casefold()
    target = rmap.values.get(fld, {}).get(folded)
    if target is not None:
        return target
    return folded if folded in allowed else None


def parse_roles(raw: str, known: Mapping[str, str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(role ids, problems) of a roles cell: `;` or `,` separated, case-insensitive."""
    roles: list[str] = []
    found: list[tuple[str, str]] = []
    for part in _ROLE_SPLIT.split(raw):
        name = part.strip()
        if not name:
            continue
        role = known.get(name.casefold())
        if role is None:
            close = difflib.get_close_matches(name.casefold(), list(known), n=1)
            hint = (
                f"; did you mean '{known[close[0]]}'?"
                if close
                else (f"; known: {', '.join(sorted(known.values()))}")
            )
            found.append(("unknown-role", f"unknown role '{name}'{hint}"))
        elif role not in roles:
            roles.append(role)
    return roles, found
