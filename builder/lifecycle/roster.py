"""The roster CSV: parse and check every row, then plan the upsert. Pure: no DB, no web.

Header (any order): `email,name,department,roles,start_date,end_date,status,employment`, plus an
optional `note` column. Roles are separated by `;`, dates are ISO (`2026-03-01`), status is
`active`, `leave` or `exempt` (leave and exempt need the reason in `note`), employment is
`employee` or `contractor`. Every problem is collected with its line number; one bad row
means nothing is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

COLUMNS = ("email", "name", "department", "roles", "start_date", "end_date", "status", "employment")
OPTIONAL_COLUMNS = ("note",)
STATUSES = ("active", "leave", "exempt")
EMPLOYMENTS = ("employee", "contractor")
TRACKED = ("name", "department", "roles", "start_date", "end_date", "status", "employment", "note")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str  # lower-cased
    name: str
    department: str
    roles: tuple[str, ...]
    start_date: dt.date
    end_date: dt.date | None
    status: str
    employment: str
    note: str = ""

    def values(self) -> dict[str, str]:
        """The tracked fields as the text stored in the roster and its history."""
        return {
            "name": self.name,
            "department": self.department,
            "roles": ";".join(self.roles),
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else "",
            "status": self.status,
            "employment": self.employment,
            "note": self.note,
        }


@dataclass(frozen=True)
class RosterProblem:
    source: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: error[{self.code}]: {self.message}"


class RosterError(Exception):
    """The roster file has problems; nothing was imported."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the roster; nothing imported")


@dataclass(frozen=True)
class Change:
    """What the import does to one person: add, update (old → new per field) or nothing."""

    email: str
    kind: str  # add | update | unchanged
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for `--dry-run`."""
        if self.kind == "add":
            return f"add {self.email}: " + ", ".join(
                f"{k}={v[1]!r}" for k, v in self.fields.items()
            )
        if self.kind == "unchanged":
            return f"unchanged {self.email}"
        parts = [f"{k} {old!r} -> {new!r}" for k, (old, new) in self.fields.items()]
        return f"update {self.email}: " + ", ".join(parts)


def _date(text: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError
    return dt.date.fromisoformat(text)


def _check_row(
    cells: dict[str, str],
    line: int,
    known_roles: Collection[str],
    problem: list[RosterProblem],
    source: str,
) -> RosterRow | None:
    """One row as a RosterRow, or None after adding its problems."""
    found: list[tuple[str, str]] = []
    email = cells["email"].strip().lower()
    if not _EMAIL.match(email):
        found.append(("bad-email", f"'{cells['email']}' is not an email address"))
    roles = tuple(r.strip() for r in cells["roles"].split(";") if r.strip())
    if not roles:
        found.append(("no-role", "no role given (separate several with ';')"))
    for role in roles:
        if role not in known_roles:
            close = difflib.get_close_matches(role, list(known_roles), n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; known: {', '.join(sorted(known_roles))}"
            )
            found.append(("unknown-role", f"unknown role '{role}'{hint}"))
    dates: dict[str, dt.date | None] = {}
    for col in ("start_date", "end_date"):
        text = cells[col].strip()
        dates[col] = None
        if text or col == "start_date":
            try:
                dates[col] = _date(text)
            except ValueError:
                found.append(("bad-date", f"{col} '{text}' is not a date like 2026-03-01"))
    start, end = dates["start_date"], dates["end_date"]
    if start and end and end < start:
        found.append(("end-before-start", f"end_date {end} is before start_date {start}"))
    status = cells["status"].strip().lower() or "active"
    if status not in STATUSES:
        found.append(
            ("bad-status", f"status '{cells['status']}' is not one of {', '.join(STATUSES)}")
        )
    employment = cells["employment"].strip().lower() or "employee"
    if employment not in EMPLOYMENTS:
        found.append(
            (
                "bad-employment",
                f"employment '{cells['employment']}' is not one of {', '.join(EMPLOYMENTS)}",
            )
        )
    note = cells.get("note", "").strip()
    if status in ("leave", "exempt") and not note:
        found.append(("missing-reason", f"status '{status}' needs the reason in the note column"))
    problem.extend(RosterProblem(source, line, code, msg) for code, msg in found)
    if found or start is None:
        return None
    return RosterRow(
        line,
        email,
        cells["name"].strip(),
        cells["department"].strip(),
        roles,
        start,
        end,
        status,
        employment,
        note,
    )


def parse_roster(
    text: str, known_roles: Collection[str], source: str = "roster.csv"
) -> list[RosterRow]:
    """Every row of the roster, or RosterError listing every problem with its line."""
    problems: list[RosterProblem] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise RosterError([RosterProblem(source, 1, "empty", "the file is empty")]) from None
    except csv.Error as exc:
        raise RosterError([RosterProblem(source, 1, "bad-csv", str(exc))]) from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        parts = [f"missing column(s) {', '.join(missing)}"] if missing else []
        parts += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise RosterError(
            [
                RosterProblem(
                    source,
                    1,
                    "bad-header",
                    "; ".join(parts) + f"; expected {','.join(COLUMNS)}[,note]",
                )
            ]
        )
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    line = reader.line_num + 1
    try:
        for record in reader:
            start_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(
                    RosterProblem(
                        source,
                        start_line,
                        "bad-row",
                        f"{len(record)} cells, but the header has {len(header)} columns",
                    )
                )
                continue
            row = _check_row(
                dict(zip(header, record, strict=True)), start_line, known_roles, problems, source
            )
            if row is None:
                continue
            if row.email in first_line:
                problems.append(
                    RosterProblem(
                        source,
                        start_line,
                        "duplicate-email",
                        f"{row.email} already appears on line {first_line[row.email]}",
                    )
                )
                continue
            first_line[row.email] = start_line
            rows.append(row)
    except csv.Error as exc:
        problems.append(RosterProblem(source, line, "bad-csv", str(exc)))
    if problems:
        raise RosterError(sorted(problems, key=lambda p: (p.line, p.code)))
    return rows


def plan_changes(rows: list[RosterRow], existing: Mapping[str, Mapping[str, str]]) -> list[Change]:
    """What the upsert changes, per row: `existing` maps email -> the stored tracked fields."""
    changes: list[Change] = []
    for row in rows:
        new = row.values()
        old = existing.get(row.email)
        if old is None:
            changes.append(Change(row.email, "add", {k: ("", v) for k, v in new.items() if v}))
            continue
        diff = {k: (str(old.get(k) or ""), v) for k, v in new.items() if str(old.get(k) or "") != v}
        changes.append(Change(row.email, "update" if diff else "unchanged", diff))
    return changes
