"""Roster maps (DESIGN §11): which source column holds which TrustPath field. Pure.

A map is YAML:

    columns: {email: Work Email, first_name: First Name, last_name: Last Name, ...}
    values:  {status: {"On Leave": leave}, employment: {Full-Time: employee}}
    date_format: "%m/%d/%Y"

Column headers match exactly (after trimming surrounding spaces). Value-map keys match
case-insensitively. Without a map, the file uses TrustPath's own header (`NATIVE`), matched
case-insensitively. Built-in maps for common HR systems live in `builder/lifecycle/maps/`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from builder.errors import TrustPathError

FIELDS = (
    "email", "name", "first_name", "last_name", "department", "title", "manager_email",
    "roles", "start_date", "end_date", "status", "employment", "note",
)  # fmt: skip
# `records attendance import --map`: the same format, these fields (DESIGN §11).
ATTENDANCE_FIELDS = ("email", "name", "date", "start", "minutes", "module")
STATUSES = ("active", "leave", "exempt")
EMPLOYMENTS = ("employee", "contractor")
# `left` is a value-map target only: HR's "Terminated"; the row must then carry an end date.
VALUE_TARGETS = {"status": (*STATUSES, "left"), "employment": EMPLOYMENTS}
_SAMPLE_DAY = dt.date(2026, 11, 23)  # day 23 > 12: a format that confuses day and month fails


class RosterMapError(TrustPathError):
    """The map file is wrong; `problems` are `source:line: error[code]: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RosterMap:
    """field -> source column; field -> {source value (casefolded) -> TrustPath value}."""

    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str | None = None
    name: str = "trustpath"  # the built-in name or the file it came from
    native: bool = False  # TrustPath's own header: matched case-insensitively, unknown refused


NATIVE = RosterMap(
    columns={f: f for f in FIELDS if f not in ("first_name", "last_name")}, native=True
)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """(key path) -> 1-based line of each mapping key, up to two levels deep."""
    lines: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode) and len(path) < 3:
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines[(*path, str(key.value))] = key.start_mark.line + 1
                    walk(value, (*path, str(key.value)))

    if root is not None:
        walk(root, ())
    return lines


def _check_date_format(fmt: str) -> str | None:
    """Why `fmt` cannot read dates, or None when a date survives a round trip through it."""
    try:
        back = dt.datetime.strptime(_SAMPLE_DAY.strftime(fmt), fmt).date()
    except ValueError as exc:
        return str(exc)
    if back != _SAMPLE_DAY:
        return "it does not name the day, month and year (%d, %m, %Y or %y)"
    return None


def parse_map(text: str, source: str, kind: str = "roster") -> RosterMap:
    """A RosterMap from YAML text; RosterMapError listing every problem with its line.

    `kind` is `roster` (the roster's fields) or `attendance` (`ATTENDANCE_FIELDS`: email,
    date or start, minutes, optionally module and name; no `values:`).
    """
    lines = _key_lines(text)
    problems: list[tuple[int, str, str]] = []

    def problem(path: tuple[str, ...], code: str, message: str) -> None:
        problems.append((lines.get(path, 1), code, message))

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise RosterMapError([f"{source}:{line}: error[map-yaml]: {exc}"]) from None
    if not isinstance(data, dict):
        raise RosterMapError(
            [f"{source}:1: error[map-shape]: expected a mapping with `columns:` (see DESIGN §11)"]
        )
    for key in data:
        if key not in ("columns", "values", "date_format"):
            problem(
                (str(key),), "map-key", f"unknown key '{key}'; known: columns, values, date_format"
            )
    if kind == "attendance":
        columns = _attendance_columns(data.get("columns"), problem)
        if data.get("values"):
            problem(("values",), "map-values", "an attendance map has no `values:`")
        values: dict[str, dict[str, str]] = {}
    else:
        columns = _columns(data.get("columns"), problem)
        values = _values(data.get("values") or {}, problem)
    date_format = data.get("date_format")
    if date_format is not None:
        why = _check_date_format(date_format) if isinstance(date_format, str) else "not text"
        if why:
            problem(("date_format",), "map-date-format", f"date_format {date_format!r}: {why}")
    if problems:
        raise RosterMapError(
            [f"{source}:{line}: error[{code}]: {msg}" for line, code, msg in sorted(problems)]
        )
    return RosterMap(columns, values, date_format, name=source)


def _columns(raw: Any, problem: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        problem(
            ("columns",), "map-columns", "`columns:` must map TrustPath fields to column headers"
        )
        return {}
    columns: dict[str, str] = {}
    for key, header in raw.items():
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(FIELDS)}"
            problem(("columns", str(key)), "map-field", f"'{key}' is not a TrustPath field{hint}")
        elif not isinstance(header, str) or not header.strip():
            problem(("columns", key), "map-columns", f"column for '{key}' must be a header text")
        else:
            columns[key] = header.strip()
    for needed in ("email", "start_date"):
        if needed not in raw:
            problem(("columns",), "map-missing", f"`columns:` needs '{needed}'")
    has_parts = "first_name" in raw or "last_name" in raw
    if "name" in raw and has_parts:
        problem(
            ("columns", "name"), "map-name", "give `name` or `first_name` + `last_name`, not both"
        )
    elif "name" not in raw and not ("first_name" in raw and "last_name" in raw):
        problem(
            ("columns",), "map-name", "`columns:` needs `name`, or `first_name` and `last_name`"
        )
    return columns


def _attendance_columns(raw: Any, problem: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        problem(
            ("columns",), "map-columns", "`columns:` must map attendance fields to column headers"
        )
        return {}
    columns: dict[str, str] = {}
    for key, header in raw.items():
        if key not in ATTENDANCE_FIELDS:
            close = difflib.get_close_matches(str(key), ATTENDANCE_FIELDS, n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; known: {', '.join(ATTENDANCE_FIELDS)}"
            )
            problem(("columns", str(key)), "map-field", f"'{key}' is not an attendance field{hint}")
        elif not isinstance(header, str) or not header.strip():
            problem(("columns", key), "map-columns", f"column for '{key}' must be a header text")
        else:
            columns[key] = header.strip()
    for needed in ("email", "minutes"):
        if needed not in raw:
            problem(("columns",), "map-missing", f"`columns:` needs '{needed}'")
    if ("date" in raw) == ("start" in raw):
        problem(
            ("columns",),
            "map-date",
            "`columns:` needs either `date` (the session's date) or `start` (a join time)",
        )
    return columns


def _values(raw: Any, problem: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        problem(("values",), "map-values", "`values:` must map status / employment to value maps")
        return {}
    values: dict[str, dict[str, str]] = {}
    for key, mapping in raw.items():
        if key not in VALUE_TARGETS:
            problem(
                ("values", str(key)),
                "map-values",
                f"no value map for '{key}'; only status, employment",
            )
            continue
        if not isinstance(mapping, dict):
            problem(
                ("values", key),
                "map-values",
                f"values.{key} must map source values to TrustPath values",
            )
            continue
        allowed = VALUE_TARGETS[key]
        values[key] = {}
        for source_value, target in mapping.items():
            if str(target) not in allowed:
                problem(
                    ("values", key, str(source_value)),
                    "map-values",
                    f"values.{key}: '{source_value}' maps to '{target}', which is not one of "
                    f"{', '.join(allowed)}",
                )
            values[key][str(source_value).strip().casefold()] = str(target)
    return values


def builtin_names() -> list[str]:
    """Names of the maps shipped in builder/lifecycle/maps/, sorted."""
    folder = resources.files("builder.lifecycle").joinpath("maps")
    return sorted(p.name.removesuffix(".yml") for p in folder.iterdir() if p.name.endswith(".yml"))


def builtin_text(name: str) -> str:
    """The YAML of a built-in map; RosterMapError naming the known ones."""
    if name not in builtin_names():
        raise RosterMapError(
            [f"no built-in roster map '{name}'; built in: {', '.join(builtin_names())}"]
        )
    return resources.files("builder.lifecycle").joinpath("maps", f"{name}.yml").read_text("utf-8")


def builtin_map(name: str) -> RosterMap:
    """A built-in map by name (`bamboohr`, `gusto`, ...)."""
    parsed = parse_map(builtin_text(name), f"{name}.yml")
    return RosterMap(parsed.columns, parsed.values, parsed.date_format, name=name)
