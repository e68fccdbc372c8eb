"""Workshop attendance files: a meeting tool's or calendar's export, read like a roster. Pure.

`read_attendance` takes the file's bytes and decodes them with the roster's reader
(`roster_text`: UTF-8 with or without BOM, UTF-16, `,` `;` or tab), then reads the header
through a map in the roster map format (`roster_map.parse_map(kind="attendance")`, fields
`email`, `date` or `start`, `minutes`, `module`, `name`) or, without one, TrustPath's own
header `email,date,minutes[,module][,name]` (case-insensitive). Each row names a person (the
one email normaliser), the session's date (`date`, or the date part of a join time `start`,
read as written: the meeting tool's own zone), the minutes attended and the workshop
(`module`, or `--module` for a file of one session). Minutes are `45`, `45.5` (rounded
down), `1:05` / `1:05:30` (h:mm[:ss]) or `1h 5m` / `65 min`.

A meeting tool writes one row per join, so rows of one person, workshop and date are
summed: someone who dropped out and rejoined is counted for all their minutes. Every problem
is collected with its physical line; one bad row means nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from builder.errors import TrustPathError
from builder.lifecycle.email import InvalidEmail, normalise_email
from builder.lifecycle.roster import RosterProblem
from builder.lifecycle.roster_columns import HeaderError, mapped_header, parse_date
from builder.lifecycle.roster_map import ATTENDANCE_FIELDS, RosterMap
from builder.lifecycle.roster_text import RosterText, RosterTextError, read_text, records

NATIVE_ATTENDANCE = RosterMap(
    columns={f: f for f in ("email", "date", "minutes", "module", "name")},
    name="trustpath",
    native=True,
)
_CLOCK = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d))?")
_UNITS = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?)?"
    r"\s*(?:(\d+)\s*s(?:ec(?:ond)?s?)?)?"
)


class AttendanceError(TrustPathError):
    """The attendance file has problems; nothing was imported."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the attendance file; nothing imported")


@dataclass(frozen=True)
class Attendance:
    """One person's attendance at one workshop session (rows of rejoins summed)."""

    email: str  # normalised
    module: str
    date: dt.date
    minutes: int
    lines: tuple[int, ...]  # the file's lines it came from


@dataclass(frozen=True)
class AttendanceFile:
    """An attendance file read and checked."""

    rows: list[Attendance]
    text: RosterText


def parse_minutes(text: str) -> int:
    """Whole minutes of a duration cell (see the module docstring); ValueError otherwise."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return int(float(value))
    clock = _CLOCK.fullmatch(value)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    units = _UNITS.fullmatch(value)
    if value and units and any(units.groups()):
        hours, minutes, seconds = (float(g) if g else 0.0 for g in units.groups())
        return int(hours * 60 + minutes + seconds / 60)
    raise ValueError(f"'{text}' is not a duration like 45, 1:05:00 or 1h 5m")


def _start_date(text: str, date_format: str | None) -> dt.date:
    """The date part of a join time: ISO (`2026-03-04T10:02`), else `date_format`."""
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise ValueError(f"'{text}' does not match date_format '{date_format}'") from None
    return parse_date(text.split()[0] if text.split() else text, None)


def _native_header(header: list[str]) -> dict[str, int]:
    names = [h.casefold() for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n not in NATIVE_ATTENDANCE.columns]
    missing = [c for c in ("email", "date", "minutes") if c not in names]
    if missing or unknown:
        parts = [f"missing column(s) {', '.join(missing)}"] if missing else []
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise HeaderError(
            "; ".join(parts) + "; TrustPath's attendance header is email,date,minutes[,module]"
            "[,name]; a meeting tool's export? import it with --map MAP.yml (see README)"
        )
    return {n: i for i, n in enumerate(names)}


def read_attendance(
    data: bytes,
    workshops: Mapping[str, str],
    source: str = "attendance.csv",
    attendance_map: RosterMap | None = None,
    module: str | None = None,
    encoding: str | None = None,
) -> AttendanceFile:
    """The checked attendance of a file's bytes, or AttendanceError listing every problem.

    `workshops` maps each workshop's module id to its title (a row naming another module is
    an error); `module` is the workshop of every row when the file has no module column.
    """
    problems: list[RosterProblem] = []

    def fail(line: int, code: str, message: str) -> None:
        problems.append(RosterProblem(source, line, code, message))

    try:
        text = read_text(data, encoding)
    except RosterTextError as exc:
        raise AttendanceError([RosterProblem(source, exc.line, exc.code, exc.message)]) from None
    rmap = attendance_map or NATIVE_ATTENDANCE
    sums: dict[tuple[str, str, dt.date], tuple[int, tuple[int, ...]]] = {}
    try:
        found = records(text)
        first = next(found, None)
        if first is None or not any(c.strip() for c in first[1]):
            raise AttendanceError([RosterProblem(source, 1, "empty", "the file is empty")])
        header = [h.strip() for h in first[1]]
        try:
            index = (
                _native_header(header)
                if rmap.native
                else mapped_header(header, rmap, text.delimiter)
            )
        except HeaderError as exc:
            raise AttendanceError([RosterProblem(source, 1, "bad-header", str(exc))]) from None
        index = {f: i for f, i in index.items() if f in ATTENDANCE_FIELDS}
        if "module" not in index and module is None:
            why = "the file has no module column: name the workshop with --module ID"
            raise AttendanceError([RosterProblem(source, 1, "no-module", why)])
        for line, record in found:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                fail(line, "bad-row", f"{len(record)} cells, but the header has {len(header)}")
                continue
            cells = {f: record[i].strip() for f, i in index.items()}
            row = _check_row(cells, line, rmap, workshops, module, fail)
            if row is not None:
                key = (row[0], row[1], row[2])
                minutes, lines = sums.get(key, (0, ()))
                sums[key] = (minutes + row[3], (*lines, line))
    except RosterTextError as exc:
        fail(exc.line, exc.code, exc.message)
    if problems:
        raise AttendanceError(sorted(problems, key=lambda p: (p.line, p.code)))
    rows = [
        Attendance(email, mid, day, minutes, lines)
        for (email, mid, day), (minutes, lines) in sorted(sums.items())
    ]
    return AttendanceFile(rows, text)


def _check_row(
    cells: dict[str, str],
    line: int,
    rmap: RosterMap,
    workshops: Mapping[str, str],
    module: str | None,
    fail: Callable[[int, str, str], None],
) -> tuple[str, str, dt.date, int] | None:
    """(email, module, date, minutes) of one row, or None after reporting its problems."""
    bad = False
    email = ""
    try:
        email = normalise_email(cells.get("email", ""))
    except InvalidEmail as exc:
        fail(line, "bad-email", str(exc))
        bad = True
    day: dt.date | None = None
    try:
        if "date" in cells:
            day = parse_date(cells["date"], rmap.date_format)
        else:
            day = _start_date(cells.get("start", ""), rmap.date_format)
    except ValueError as exc:
        which = "date" if "date" in cells else "start"
        code = "ambiguous-date" if "month/day" in str(exc) else "bad-date"
        fail(line, code, f"{which} {exc}")
        bad = True
    minutes = 0
    try:
        minutes = parse_minutes(cells.get("minutes", ""))
    except ValueError as exc:
        fail(line, "bad-minutes", f"minutes {exc}")
        bad = True
    mid = cells.get("module") or module or ""
    if mid not in workshops:
        known = ", ".join(sorted(workshops)) or "none: set `delivery: workshop` on a module"
        fail(line, "not-a-workshop", f"module '{mid}' is not a workshop; workshops: {known}")
        bad = True
    if bad or day is None:
        return None
    return email, mid, day, minutes
