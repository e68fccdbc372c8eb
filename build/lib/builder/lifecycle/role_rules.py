"""Role rules (the `role_rules` setting, DESIGN §11): roles granted by department, title or
employment, as HR thinks of them, instead of typed per person. Pure.

    role_rules:
      - {department: Engineering, roles: [engineer]}
      - {title: "*Manager*", roles: [manager]}
      - {employment: contractor, roles: [contractor]}

Each of `department`, `title` and `employment` is an exact value or a glob (`fnmatch`: `*`,
`?`, `[...]`), compared case-insensitively; a rule needs at least one of them and matches when
all it names match. A person gets the roles of every matching rule plus their roster `roles`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from builder.errors import TrustPathError

MATCH_KEYS = ("department", "title", "employment")
FILE_SOURCE = "roster file"


class RoleRuleError(TrustPathError):
    """The `role_rules` setting is wrong (a configuration error); one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "mkdocs.yml: trustpath option 'role_rules':\n" + "\n".join(f"  {p}" for p in problems)
        )
        self.problems = problems


@dataclass(frozen=True)
class RoleRule:
    """One rule: glob per matched field (casefolded) and the roles it grants."""

    number: int  # 1-based position in the list, as `roster roles` names it
    match: tuple[tuple[str, str], ...]  # (field, casefolded glob)
    roles: tuple[str, ...]

    def matches(self, values: Mapping[str, str]) -> bool:
        """True when every field the rule names matches `values[field]` (case-insensitive)."""
        return all(fnmatchcase(values.get(k, "").casefold(), glob) for k, glob in self.match)

    def describe(self) -> str:
        """`rule 2 (title '*manager*')` for reports."""
        parts = ", ".join(f"{k} '{g}'" for k, g in self.match)
        return f"rule {self.number} ({parts})"


def parse_role_rules(raw: Any, known_roles: Collection[str]) -> tuple[RoleRule, ...]:
    """The rules of the setting, checked against the course's role ids; RoleRuleError if wrong.

    `raw` is the setting as read from YAML: a list of mappings. Unknown keys, a rule without a
    matching key, an empty `roles` list and role ids the course does not define are errors.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RoleRuleError(["must be a list of {department?, title?, employment?, roles}"])
    problems: list[str] = []
    rules: list[RoleRule] = []
    by_fold = {r.casefold(): r for r in known_roles}
    for number, entry in enumerate(raw, start=1):
        where = f"rule {number}"
        if not isinstance(entry, dict):
            problems.append(
                f"{where}: must be a mapping such as {{department: Sales, roles: [sales]}}"
            )
            continue
        unknown = sorted(str(k) for k in entry if k not in (*MATCH_KEYS, "roles"))
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(MATCH_KEYS)}, roles"
            )
        match = []
        for key in MATCH_KEYS:
            if key in entry:
                if not isinstance(entry[key], str) or not entry[key].strip():
                    problems.append(f"{where}: {key} must be a text (a value or a glob)")
                else:
                    match.append((key, entry[key].strip().casefold()))
        if not match and not unknown:
            problems.append(f"{where}: needs at least one of {', '.join(MATCH_KEYS)}")
        roles = entry.get("roles")
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            problems.append(f"{where}: roles must be a non-empty list of role ids")
            continue
        granted = []
        for role in roles:
            known = by_fold.get(role.strip().casefold())
            if known is None:
                close = difflib.get_close_matches(role, list(known_roles), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(f"{where}: unknown role '{role}'{hint}")
            else:
                granted.append(known)
        rules.append(RoleRule(number, tuple(match), tuple(dict.fromkeys(granted))))
    if problems:
        raise RoleRuleError(problems)
    return tuple(rules)


def grant_roles(
    values: Mapping[str, str], file_roles: Sequence[str], rules: Sequence[RoleRule]
) -> dict[str, tuple[str, ...]]:
    """role -> where it comes from (`roster file`, `rule 2 (...)`), file roles first.

    `values` holds the person's department, title and employment as the roster gives them.
    """
    sources: dict[str, list[str]] = {}
    for role in file_roles:
        sources.setdefault(role, []).append(FILE_SOURCE)
    for rule in rules:
        if rule.matches(values):
            for role in rule.roles:
                sources.setdefault(role, []).append(rule.describe())
    return {role: tuple(where) for role, where in sources.items()}
