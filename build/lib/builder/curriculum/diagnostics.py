"""Diagnostics for authors: collected, sorted, and printed like a compiler's."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place: `path:line:col: severity[code]: message`."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.column}: {self.severity}[{self.code}]: {self.message}"
        )


def error(path: str, pos: tuple[int, int], code: str, message: str) -> Diagnostic:
    """An error at `pos` (1-based line and column)."""
    return Diagnostic(path, pos[0], pos[1], "error", code, message)


def warning(path: str, pos: tuple[int, int], code: str, message: str) -> Diagnostic:
    """A warning at `pos` (1-based line and column)."""
    return Diagnostic(path, pos[0], pos[1], "warning", code, message)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by path, then line, then column; duplicates dropped."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.column, d.code, d.message))


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for d in diagnostics:
        if d.severity == "error":
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def summary_line(diagnostics: list[Diagnostic], files_checked: int) -> str:
    """The closing line: counts of errors, warnings and files."""
    errors, warnings = count(diagnostics)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')} "
        f"in {plural(files_checked, 'file')} checked"
    )


def _escape_github(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(d: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the file in the pull request."""
    props = ",".join(
        [
            f"file={_escape_github(d.path, property_value=True)}",
            f"line={d.line}",
            f"col={d.column}",
            f"title={_escape_github(d.code, property_value=True)}",
        ]
    )
    return f"::{d.severity} {props}::{_escape_github(d.message)}"


def format_json(diagnostics: list[Diagnostic]) -> str:
    """A JSON list of objects with path, line, column, severity, code and message."""
    return json.dumps([asdict(d) for d in diagnostics], indent=2, ensure_ascii=False)
