"""The one roster reader (used by `roster import`, `serve --roster` and `records links`) and
the import planner. Pure: no DB, no web.

`read_roster` takes the file's bytes, decodes them (`roster_text`), reads the header through a
map (`roster_map`; without one, TrustPath's own header
`email,name,department,roles,start_date,end_date,status,employment[,note,title,manager_email]`,
matched case-insensitively), checks every row, grants roles from the file's `roles` column
(split on `;` or `,`, case-insensitive) and the `role_rules` setting, and checks manager
chains for loops. Every problem is collected with its physical line; one bad row means nothing
is imported. `plan_changes` turns the rows into the changes an import makes, with `--sync`
ending everyone absent from the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from builder.errors import TrustPathError
from builder.lifecycle.email import InvalidEmail, normalise_email
from builder.lifecycle.managers import manager_loops
from builder.lifecycle.role_rules import RoleRule, grant_roles
from builder.lifecycle.roster_columns import (
    HeaderError,
    mapped_header,
    mapped_value,
    native_header,
    parse_date,
    parse_roles,
)
from builder.lifecycle.roster_map import EMPLOYMENTS, NATIVE, STATUSES, RosterMap
from builder.lifecycle.roster_text import RosterText, RosterTextError, detect_delimiter, read_text
from builder.lifecycle.roster_text import records as csv_records

TRACKED = (
    "name", "department", "title", "manager_email", "roles", "start_date", "end_date", "status",
    "employment", "note",
)  # fmt: skip
DEFAULT_MAX_END_SHARE = 0.20  # a sync may end at most this share of the roster without --force


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str  # normalised (builder.lifecycle.email)
    name: str
    department: str
    roles: tuple[str, ...]  # from the file's roles column and the role rules
    start_date: dt.date
    end_date: dt.date | None
    status: str
    employment: str
    note: str = ""
    title: str = ""
    manager_email: str = ""

    def values(self) -> dict[str, str]:
        """The tracked fields as the text stored in the roster and its history."""
        return {
            "name": self.name,
            "department": self.department,
            "title": self.title,
            "manager_email": self.manager_email,
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


class RosterError(TrustPathError):
    """The roster file has problems; nothing was imported."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the roster; nothing imported")


class SyncLimitExceeded(TrustPathError):
    """A `--sync` would end more than the allowed share of the roster."""

    def __init__(self, ended: int, population: int, limit: float) -> None:
        self.ended, self.population, self.limit = ended, population, limit
        super().__init__(
            f"the sync would end {ended} of {population} people "
            f"({100 * ended / population:.0f} %), more than the {100 * limit:.0f} % limit; "
            "check that the file is the whole workforce, or pass --force"
        )


@dataclass(frozen=True)
class Roster:
    """A roster file read and checked: its rows, how it was decoded and where roles come from."""

    rows: list[RosterRow]
    text: RosterText
    role_sources: dict[str, dict[str, tuple[str, ...]]]  # email -> role -> sources


@dataclass(frozen=True)
class Change:
    """What the import does to one person: add, update, end (sync) or nothing."""

    email: str
    kind: str  # add | update | unchanged | end
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (old, new)

    def describe(self) -> str:
        """One line for `--dry-run` and the import's output."""
        if self.kind == "add":
            return f"add {self.email}: " + ", ".join(
                f"{k}={v[1]!r}" for k, v in self.fields.items()
            )
        if self.kind == "unchanged":
            return f"unchanged {self.email}"
        parts = ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in self.fields.items())
        if self.kind == "end":
            return f"end {self.email} (not in the file): {parts}"
        return f"update {self.email}: {parts}"


@dataclass
class _Reading:
    source: str
    rmap: RosterMap
    known: dict[str, str]  # casefolded role id -> role id
    rules: Sequence[RoleRule]
    problems: list[RosterProblem] = field(default_factory=list)
    role_sources: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


def _check_row(cells: dict[str, str], line: int, r: _Reading) -> RosterRow | None:
    """One row as a RosterRow, or None after adding its problems."""
    found: list[tuple[str, str]] = []
    email = ""
    try:
        email = normalise_email(cells.get("email", ""))
    except InvalidEmail as exc:
        found.append(("bad-email", str(exc)))
    manager = cells.get("manager_email", "")
    if manager:
        try:
            manager = normalise_email(manager)
        except InvalidEmail as exc:
            found.append(("bad-manager-email", f"manager_email {exc}"))
    name = cells.get("name") or " ".join(
        p for p in (cells.get("first_name", ""), cells.get("last_name", "")) if p
    )
    dates: dict[str, dt.date | None] = {"start_date": None, "end_date": None}
    for col in dates:
        text = cells.get(col, "")
        if not text and col == "start_date":
            found.append(("bad-date", "start_date is empty"))
        elif text:
            try:
                dates[col] = parse_date(text, r.rmap.date_format)
            except ValueError as exc:
                code = "ambiguous-date" if "month/day" in str(exc) else "bad-date"
                found.append((code, f"{col} {exc}"))
    start, end = dates["start_date"], dates["end_date"]
    if start and end and end < start:
        found.append(("end-before-start", f"end_date {end} is before start_date {start}"))
    raw_status = cells.get("status", "")
    status = mapped_value("status", raw_status, r.rmap, STATUSES) if raw_status else "active"
    if status is None:
        listed = ", ".join(STATUSES)
        found.append(("bad-status", f"status '{raw_status}' is not one of {listed}" + (
            "; add it to the map's values.status" if not r.rmap.native else ""
        )))  # fmt: skip
    elif status == "left" and not cells.get("end_date"):
        found.append(
            ("left-without-end", f"status '{raw_status}' means the person left: give end_date")
        )
    raw_kind = cells.get("employment", "")
    employment = mapped_value("employment", raw_kind, r.rmap, EMPLOYMENTS) if raw_kind else None
    if raw_kind and employment is None:
        listed = ", ".join(EMPLOYMENTS)
        found.append(("bad-employment", f"employment '{raw_kind}' is not one of {listed}" + (
            "; add it to the map's values.employment" if not r.rmap.native else ""
        )))  # fmt: skip
    employment = employment or "employee"
    note = cells.get("note", "")
    if end is not None or status == "left":
        status = "active"  # a person with an end date is a leaver whatever their status
    elif status in ("leave", "exempt") and not note:
        if "note" not in cells and raw_status.casefold() != status:
            note = raw_status  # the HR system's own wording ("Parental Leave") is the reason
        else:
            found.append(
                ("missing-reason", f"status '{status}' needs the reason in the note column")
            )
    file_roles, role_problems = parse_roles(cells.get("roles", ""), r.known)
    found += role_problems
    values = {
        "department": cells.get("department", ""),
        "title": cells.get("title", ""),
        "employment": employment,
    }
    sources = grant_roles(values, file_roles, r.rules)
    if not sources and not role_problems:
        found.append(("no-role", _no_role_message(values, r)))
    r.problems.extend(RosterProblem(r.source, line, code, msg) for code, msg in found)
    if found or start is None:
        return None
    r.role_sources[email] = sources
    return RosterRow(
        line, email, name, values["department"], tuple(sources), start, end,
        status or "active", employment, note, values["title"], manager,
    )  # fmt: skip


# C0 and C1 control characters but tab, newline and carriage return (a quoted multi-line
# note is fine): an escape sequence in a name would run in the terminal of whoever prints a
# report's CSV (`records due --format csv`), and no HR field needs one.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_problems(cells: Mapping[str, str]) -> list[str]:
    """One message per cell holding a control character (the first one found)."""
    out = []
    for column, text in cells.items():
        found = _CONTROL.search(text)
        if found:
            out.append(
                f"{column} holds the control character U+{ord(found.group()):04X} at "
                f"character {found.start() + 1}: remove it in the HR system and export again"
            )
    return out


def _no_role_message(values: Mapping[str, str], r: _Reading) -> str:
    facts = ", ".join(f"{k} '{v}'" for k, v in values.items() if v)
    if r.rules:
        return f"no role: the roles column is empty and no role_rules entry matches ({facts})"
    return "no role given (separate several with ';') and no role_rules are configured"


# -- the reader -----------------------------------------------------------------------------


def read_roster(
    data: bytes,
    known_roles: Collection[str],
    source: str = "roster.csv",
    roster_map: RosterMap | None = None,
    rules: Sequence[RoleRule] = (),
    encoding: str | None = None,
) -> Roster:
    """The checked roster of a file's bytes, or RosterError listing every problem by line.

    `known_roles` are the course's role ids; `roster_map` maps the file's columns (default:
    TrustPath's own header); `rules` are the parsed `role_rules`; `encoding` names a codec
    for a file that is not UTF-8 (see `roster_text.decode_roster`).
    """
    try:
        text = read_text(data, encoding)
    except RosterTextError as exc:
        raise RosterError([RosterProblem(source, exc.line, exc.code, exc.message)]) from None
    return _read(text, known_roles, source, roster_map or NATIVE, rules)


def parse_roster(
    text: str,
    known_roles: Collection[str],
    source: str = "roster.csv",
    roster_map: RosterMap | None = None,
    rules: Sequence[RoleRule] = (),
) -> list[RosterRow]:
    """The rows of an already decoded roster text (see `read_roster`)."""
    decoded = RosterText(text.removeprefix("\ufeff"), "utf-8", detect_delimiter(text))
    return _read(decoded, known_roles, source, roster_map or NATIVE, rules).rows


def _read(
    text: RosterText,
    known_roles: Collection[str],
    source: str,
    rmap: RosterMap,
    rules: Sequence[RoleRule],
) -> Roster:
    r = _Reading(source, rmap, {k.casefold(): k for k in known_roles}, rules)
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    try:
        found = csv_records(text)
        header_record = next(found, None)
        if header_record is None or not any(c.strip() for c in header_record[1]):
            raise RosterError([RosterProblem(source, 1, "empty", "the file is empty")])
        header = [h.strip() for h in header_record[1]]
        try:
            index = (
                native_header(header)
                if rmap.native
                else mapped_header(header, rmap, text.delimiter)
            )
        except HeaderError as exc:
            raise RosterError([RosterProblem(source, 1, "bad-header", str(exc))]) from None
        for line, record in found:
            if not any(cell.strip() for cell in record):
                continue  # blank and trailing empty rows (",,,,") are not people
            if len(record) != len(header):
                r.problems.append(RosterProblem(
                    source, line, "bad-row",
                    f"{len(record)} cells, but the header has {len(header)} columns",
                ))  # fmt: skip
                continue
            cells = {fld: record[i].strip() for fld, i in index.items()}
            controls = _control_problems(cells)
            if controls:
                r.problems.extend(
                    RosterProblem(source, line, "control-character", m) for m in controls
                )
                continue
            row = _check_row(cells, line, r)
            if row is None:
                continue
            if row.email in first_line:
                r.problems.append(RosterProblem(
                    source, line, "duplicate-email",
                    f"{row.email} already appears on line {first_line[row.email]}",
                ))  # fmt: skip
                continue
            first_line[row.email] = line
            rows.append(row)
    except RosterTextError as exc:
        r.problems.append(RosterProblem(source, exc.line, exc.code, exc.message))
    for loop in manager_loops({row.email: row.manager_email for row in rows}):
        chain = " -> ".join(f"{e} (line {first_line[e]})" for e in [*loop, loop[0]])
        r.problems.append(RosterProblem(
            source, min(first_line[e] for e in loop), "manager-loop",
            f"manager loop: {chain}; fix manager_email on one of these lines",
        ))  # fmt: skip
    if r.problems:
        raise RosterError(sorted(r.problems, key=lambda p: (p.line, p.code)))
    return Roster(rows, text, r.role_sources)


# -- planning -------------------------------------------------------------------------------


def plan_changes(
    rows: list[RosterRow],
    existing: Mapping[str, Mapping[str, str]],
    *,
    sync: bool = False,
    effective: dt.date | None = None,
    max_end_share: float | None = DEFAULT_MAX_END_SHARE,
) -> list[Change]:
    """What the import changes: `existing` maps email -> the stored tracked fields (text).

    With `sync`, everyone still on the roster after `effective` (not ended by then) and absent
    from the file gets an `end` change: end_date = `effective` (and status active, since a
    leaver is a leaver whatever their status). When those are more than `max_end_share` of
    that population, SyncLimitExceeded; `max_end_share=None` (--force) lifts the limit.
    """
    changes: list[Change] = []
    for row in rows:
        new = row.values()
        old = existing.get(row.email)
        if old is None:
            changes.append(Change(row.email, "add", {k: ("", v) for k, v in new.items() if v}))
            continue
        diff = {k: (str(old.get(k) or ""), v) for k, v in new.items() if str(old.get(k) or "") != v}
        changes.append(Change(row.email, "update" if diff else "unchanged", diff))
    if not sync:
        return changes
    if effective is None:
        raise ValueError("a sync needs the effective date")
    day = effective.isoformat()
    in_file = {row.email for row in rows}
    population = [  # on the roster after `effective`: the people a sync could end
        email
        for email, old in sorted(existing.items())
        if old.get("start_date") and not (old.get("end_date") and str(old["end_date"]) <= day)
    ]
    ends = []
    for email in population:
        if email in in_file:
            continue
        old = existing[email]
        fields = {"end_date": (str(old.get("end_date") or ""), day)}
        if old.get("status") in ("leave", "exempt"):
            fields["status"] = (str(old["status"]), "active")
        ends.append(Change(email, "end", fields))
    if max_end_share is not None and population and len(ends) > max_end_share * len(population):
        raise SyncLimitExceeded(len(ends), len(population), max_end_share)
    return changes + ends
