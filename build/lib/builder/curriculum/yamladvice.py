"""Plain-words advice for every libyaml error an author can cause.

libyaml's messages name its own machinery ("while scanning an alias", "cannot start any
token"); an author wrote a title with a colon or a choice starting with a backtick. Each
function here maps one libyaml message (`problem`, `context`) to the position an editor
shows and a message that says what happened and what to do. Every message has a test in
tests/curriculum/test_yaml_messages.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Position = tuple[int, int]
# (line index, column index) of a libyaml mark, 0-based, in libyaml's own line numbering.
RawMark = tuple[int, int]

# `key: value` or `- value` at the start of a line: where the value begins.
_VALUE_START = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)*(?:(?:[^\s:#][^:#]*?|\"[^\"]*\"|'[^']*'):\s+)?"
)
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
YAML11_BOOLEANS = frozenset(
    v for w in ("yes", "no", "on", "off", "y", "n") for v in (w, w.capitalize(), w.upper())
)


@dataclass(frozen=True)
class Advice:
    """Where to point and what to say."""

    mark: RawMark
    message: str


def _value_at(line: str, column: int) -> tuple[int, str]:
    """(0-based column where the value holding `column` starts, that value's text)."""
    match = _VALUE_START.match(line)
    start = match.end() if match else 0
    if start > column:
        start = len(line) - len(line.lstrip())
    return start, line[start:].rstrip()


def _quoted(value: str) -> str:
    """`value` as a double-quoted YAML string, for a copy-and-paste fix."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cannot_start(problem_line: str, mark: RawMark) -> Advice | None:
    char = problem_line[mark[1] : mark[1] + 1]
    if char == "\t":
        return None  # the tab advice below is more precise
    return Advice(mark, f"an unquoted value cannot start with '{char}'; quote the whole value")


def advise(
    problem: str,
    context: str | None,
    problem_mark: RawMark | None,
    context_mark: RawMark | None,
    lines: list[str],
) -> Advice | None:
    """Advice for one libyaml error, or None when the raw message is all there is to say.

    `lines` are the document's lines in libyaml's numbering (marks index into them).
    """
    pm = problem_mark or context_mark
    if pm is None:
        return None
    line = lines[pm[0]] if pm[0] < len(lines) else ""
    context = context or ""
    for matches, make in _RULES:
        if matches(problem, context):
            advice = make(line, pm, context_mark, lines)
            if advice is not None:
                return advice
    return None


Rule = Callable[[str, RawMark, RawMark | None, list[str]], Advice | None]


def _colon(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    start, value = _value_at(line, pm[1])
    if start < pm[1] and value and value[0] not in "\"'[{":
        return Advice(
            pm,
            f"': ' inside an unquoted value starts a new key; quote the whole value: "
            f"{_quoted(value)}",
        )
    return Advice(
        pm,
        "a key is not expected here: indent it like the keys above it, or quote the value "
        "if ': ' is part of the text",
    )


def _alias(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark,
        "an unquoted value cannot start with '*' (YAML reads an alias); quote the whole value",
    )


def _anchor(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark,
        "an unquoted value cannot start with '&' (YAML reads an anchor); quote the whole value",
    )


def _cannot(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice | None:
    return _cannot_start(line, pm)


def _tab(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice | None:
    if "\t" not in line:
        return None
    return Advice(pm, "this line is indented with a tab: indent YAML with spaces")


def _block_scalar(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark,
        "'|' and '>' start a block of text on the next lines: put the text on the next line, "
        "indented, or quote the whole value if it starts with '|' or '>'",
    )


def _flow_or_quote(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    """ "did not find expected key": a value opened as a list, mapping or quote, then went on."""
    start, value = _value_at(line, pm[1])
    first = value[:1]
    if start < pm[1] and first in ("[", "{"):
        kind = "a list" if first == "[" else "a mapping"
        return Advice(
            (pm[0], start),
            f"a value starting with '{first}' is read as {kind}; quote the whole value",
        )
    if start < pm[1] and first in ("*", "&"):
        what = "an alias" if first == "*" else "an anchor"
        return Advice(
            (pm[0], start),
            f"an unquoted value cannot start with '{first}' (YAML reads {what}); "
            "quote the whole value",
        )
    if start < pm[1] and first in ('"', "'"):
        other = "'" if first == '"' else '"'
        return Advice(
            (pm[0], start),
            f"text goes on after the closing {first}: quote the whole value with {other} "
            f"instead, e.g. {other}{value}{other}",
        )
    above = cm[0] + 1 if cm is not None else None
    where = f" (the mapping starts on line {above})" if above else ""
    return Advice(
        pm,
        f"this line is not indented like the keys above it{where}: "
        "start every key of a mapping in the same column, with spaces",
    )


def _no_colon(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark,
        "this line has no 'key: value': indent it under the value it continues, or add the key",
    )


def _dash(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(
        pm,
        "'- ' here starts a list, which must begin on its own line; quote the whole value "
        "if the dash is part of the text",
    )


def _question(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(pm, "'? ' starts a complex key in YAML; quote the whole value")


def _sequence_item(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(
        pm,
        "this line breaks the list above it: start every item with '- ' in the same column",
    )


def _flow_end(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark,
        "this [list] or {mapping} is not closed properly: separate items with ', ', close it "
        "on the same line, and quote items that contain ':', ',', '[' or '{'",
    )


def _empty_flow(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(pm, "an item is missing here: remove the extra ',' or write the item")


def _escape(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(
        pm,
        "inside double quotes a backslash starts an escape: write '\\\\' for a backslash, "
        "or use single quotes",
    )


def _unclosed(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(cm if cm is not None else pm, "this quoted string is never closed")


def _undefined_alias(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return _alias(line, pm, None, lines)


def _second_document(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(
        pm, "a second YAML document starts here: a file holds one; remove this '---' line"
    )


def _tag(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    mark = cm if cm is not None else pm
    return Advice(
        mark, "an unquoted value cannot start with '!' (YAML reads a tag); quote the whole value"
    )


def _control(line: str, pm: RawMark, cm: RawMark | None, lines: list[str]) -> Advice:
    return Advice(pm, "a control character is here: delete it (it is invisible in most editors)")


_RULES: list[tuple[Callable[[str, str], bool], Rule]] = [
    (lambda p, c: "mapping values are not allowed" in p, _colon),
    (lambda p, c: "while scanning an alias" in c, _alias),
    (lambda p, c: "while scanning an anchor" in c, _anchor),
    (lambda p, c: "found undefined alias" in p, _undefined_alias),
    (lambda p, c: "tab" in p or ("cannot start any token" in p), _tab),
    (lambda p, c: "cannot start any token" in p, _cannot),
    (lambda p, c: "while scanning a block scalar" in c, _block_scalar),
    (lambda p, c: "did not find expected key" in p, _flow_or_quote),
    (lambda p, c: "could not find expected ':'" in p, _no_colon),
    (lambda p, c: "block sequence entries are not allowed" in p, _dash),
    (lambda p, c: "mapping keys are not allowed" in p, _question),
    (lambda p, c: "expected '-' indicator" in p, _sequence_item),
    (lambda p, c: "expected ',' or" in p, _flow_end),
    (lambda p, c: "expected node content" in p, _empty_flow),
    (lambda p, c: "unknown escape character" in p, _escape),
    (lambda p, c: "end of stream" in p and "quoted scalar" in c, _unclosed),
    (lambda p, c: "another document" in p, _second_document),
    (lambda p, c: "while scanning a tag" in c or "undefined tag handle" in p, _tag),
    (lambda p, c: "control characters" in p or "special characters" in p, _control),
]


def type_hint(expected: str, value: object) -> str:
    """Extra words for a type error caused by YAML 1.1 habits ('' when there is nothing to add).

    YAML 1.2 reads `yes`/`no`/`on`/`off` as text and `1:30` (base 60 in YAML 1.1) as text.
    """
    if expected == "boolean" and isinstance(value, str) and value in YAML11_BOOLEANS:
        return f"; '{value}' is text in YAML 1.2: write true or false"
    if expected in ("integer", "number") and isinstance(value, str):
        if _SEXAGESIMAL.match(value):
            return (
                f"; '{value}' is not a number in YAML 1.2 (YAML 1.1 read it in base 60): "
                "write a plain number, e.g. the minutes"
            )
        if re.fullmatch(r"[-+]?[0-9][0-9_]*", value) and "_" in value:
            return f"; write the number without '_': {value.replace('_', '')}"
        if re.fullmatch(r"0b[01_]+", value):
            return f"; binary numbers are not YAML 1.2: write {int(value[2:].replace('_', ''), 2)}"
    return ""
