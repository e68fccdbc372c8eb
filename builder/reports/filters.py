"""Report filters that must name something: modules, departments, roles, managers, people.

A typo in a filter used to read as "nothing to worry about" (an empty table, exit 0). Every
report checks its filters first: a value that names nothing raises `UnknownFilter`, which
names the value and suggests the closest one that exists (`builder.suggest`); the CLI turns
it into exit 1, the API into a 404 in the one error shape. A filter that does name something
and finds nothing is not an error: `nothing_found` says so in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from builder.course.model import Course
from builder.errors import TrustPathError
from builder.lifecycle.email import try_normalise_email
from builder.lifecycle.managers import reports_of
from builder.store.database import Store
from builder.store.report_queries import recorded_modules, roster_names
from builder.suggest import closest

KINDS = ("module", "department", "role", "manager", "person")
SHOWN = 10  # known values listed when nothing is close enough to suggest
_WHERE = {
    "module": "no module '{}' in the course",
    "department": "no department '{}' on the roster",
    "role": "no role '{}' in the course",
    "manager": "no person with email '{}' on the roster",
    "person": "no person with email '{}' on the roster",
}


class UnknownFilter(TrustPathError, LookupError):
    """A report filter names nothing that exists.

    `kind` is one of `KINDS`, `value` what was asked for, `suggestion` the closest value that
    exists (or None), `details` the same as JSON-ready data for the API's error envelope.
    """

    def __init__(self, kind: str, value: str, known: Iterable[str]) -> None:
        names = sorted(set(known))
        self.kind, self.value = kind, value
        self.suggestion = closest(value, names)
        if self.suggestion:
            hint = f"; did you mean '{self.suggestion}'?"
        elif kind in ("manager", "person"):
            hint = "; check the spelling, or import the roster that has them"
        elif names:
            more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
            hint = f"; known {kind}s: {', '.join(names[:SHOWN])}{more}"
        else:
            hint = f"; there are no {kind}s yet"
        super().__init__(_WHERE[kind].format(value) + hint)
        self.details: dict[str, Any] = {"kind": kind, "value": value,
                                        "suggestion": self.suggestion}  # fmt: skip


@dataclass(frozen=True)
class Roster:
    """What the filters check people-side names against: everyone the roster imported."""

    names: dict[str, str]  # normalised email -> name
    departments: frozenset[str]
    managers: dict[str, str]  # email -> manager's email ("" for none)

    @classmethod
    def load(cls, store: Store) -> Roster:
        """The roster as stored now (leavers included: their records still count)."""
        with store.transaction() as conn:
            rows = roster_names(conn)
        return cls(
            names={e: n for e, n, _, _ in rows},
            departments=frozenset(d for _, _, d, _ in rows if d),
            managers={e: m for e, _, _, m in rows},
        )


def check_module(course: Course, module: str | None, store: Store | None = None) -> None:
    """`UnknownFilter` unless `module` is None, in the course, or (with `store`) has records."""
    if module is None or module in course.modules:
        return
    recorded: set[str] = set()
    if store is not None:
        with store.transaction() as conn:
            recorded = recorded_modules(conn)
    if module not in recorded:
        raise UnknownFilter("module", module, [*course.modules, *recorded])


def check_role(course: Course, role: str | None) -> None:
    """`UnknownFilter` unless `role` is None or a role id of the course."""
    if role is not None and role not in course.roles:
        raise UnknownFilter("role", role, course.roles)


def check_department(roster: Roster, department: str | None) -> None:
    """`UnknownFilter` unless `department` is None or someone on the roster's department."""
    if department is not None and department not in roster.departments:
        raise UnknownFilter("department", department, roster.departments)


def person_email(roster: Roster, person: str | None, kind: str = "person") -> str | None:
    """The normalised email of `person` (None stays None); `UnknownFilter` when nobody on the
    roster has it (the value as typed is named)."""
    if person is None:
        return None
    email = try_normalise_email(person)
    if email is None or email not in roster.names:
        raise UnknownFilter(kind, person, roster.names)
    return email


def manager_team(roster: Roster, manager: str | None) -> set[str] | None:
    """The emails of a manager's direct and indirect reports (None without a manager).

    The manager must be on the roster or be someone's `manager_email`; `UnknownFilter`
    (kind `manager`) otherwise. Rules: `builder.lifecycle.managers.reports_of`.
    """
    if manager is None:
        return None
    email = try_normalise_email(manager)
    bosses = set(roster.managers.values()) - {""}
    if email is None or (email not in roster.names and email not in bosses):
        raise UnknownFilter("manager", manager, [*roster.names, *bosses])
    return set(reports_of(email, roster.managers).everyone)


def describe(filters: Mapping[str, object]) -> str:
    """The filters that are set, in words: "department 'Sales', status 'overdue'"."""
    return ", ".join(f"{k} '{v}'" for k, v in filters.items() if v not in (None, False, ""))


def nothing_found(what: str, filters: Mapping[str, object], as_of: dt.date | None) -> str:
    """The sentence for an empty result: "no items for department 'Sales' as of 2026-06-15"."""
    said = describe(filters)
    when = f" as of {as_of.isoformat()}" if as_of else ""
    return f"no {what}{f' for {said}' if said else ''}{when}"
