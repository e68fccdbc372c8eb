"""Every libyaml error an author can cause gets its position and advice in plain words."""

from __future__ import annotations

import pytest

from builder.curriculum.yamlsource import YamlProblem, parse_yaml

CASES = [
    # (YAML, line, column, code, message)
    (
        "title: Passwords: the basics\n",
        1,
        17,
        "yaml-syntax",
        "': ' inside an unquoted value starts a new key; quote the whole value: "
        '"Passwords: the basics"',
    ),
    (
        "text: `.env` files\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '`'; quote the whole value",
    ),
    (
        "text: @home\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '@'; quote the whole value",
    ),
    (
        "text: *Only* in the manager\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '*' (YAML reads an alias); quote the whole value",
    ),
    (
        "text: &Only& in the manager\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '&' (YAML reads an anchor); quote the whole value",
    ),
    (
        "text: *Only in the manager\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '*' (YAML reads an alias); quote the whole value",
    ),
    (
        "text: *Only\n",
        1,
        7,
        "yaml-alias",
        "aliases ('*Only') are not supported: write the value out "
        "(an unquoted value starting with '*' must be quoted)",
    ),
    (
        "a: 1\nprompt: [Report Phish](https://example.com) is used for what?\n",
        2,
        9,
        "yaml-syntax",
        "a value starting with '[' is read as a list; quote the whole value",
    ),
    (
        "prompt: {name} is here\n",
        1,
        9,
        "yaml-syntax",
        "a value starting with '{' is read as a mapping; quote the whole value",
    ),
    (
        'prompt: "Your branch" is behind\n',
        1,
        9,
        "yaml-syntax",
        "text goes on after the closing \": quote the whole value with ' instead, e.g. "
        "'\"Your branch\" is behind'",
    ),
    (
        "a:\n  b: 1\n c: 2\n",
        3,
        2,
        "yaml-syntax",
        "this line is not indented like the keys above it (the mapping starts on line 1): "
        "start every key of a mapping in the same column, with spaces",
    ),
    (
        "a: 1\nplain line\nb: 2\n",
        2,
        1,
        "yaml-syntax",
        "this line has no 'key: value': indent it under the value it continues, or add the key",
    ),
    (
        "title: - foo\n",
        1,
        8,
        "yaml-syntax",
        "'- ' here starts a list, which must begin on its own line; quote the whole value if "
        "the dash is part of the text",
    ),
    (
        "a: ? x\n",
        1,
        4,
        "yaml-syntax",
        "'? ' starts a complex key in YAML; quote the whole value",
    ),
    (
        "a:\n  - x\n  y: 1\n",
        3,
        3,
        "yaml-syntax",
        "this line breaks the list above it: start every item with '- ' in the same column",
    ),
    (
        "a: [x, y\nb: 1\n",
        1,
        4,
        "yaml-syntax",
        "this [list] or {mapping} is not closed properly: separate items with ', ', close it on "
        "the same line, and quote items that contain ':', ',', '[' or '{'",
    ),
    (
        "a: [x, , y]\n",
        1,
        8,
        "yaml-syntax",
        "an item is missing here: remove the extra ',' or write the item",
    ),
    (
        'text: "C:\\path"\n',
        1,
        10,
        "yaml-syntax",
        "inside double quotes a backslash starts an escape: write '\\\\' for a backslash, or use "
        "single quotes",
    ),
    ("text: 'abc\n", 1, 7, "yaml-syntax", "this quoted string is never closed"),
    (
        "prompt: | text\n  more\n",
        1,
        9,
        "yaml-syntax",
        "'|' and '>' start a block of text on the next lines: put the text on the next line, "
        "indented, or quote the whole value if it starts with '|' or '>'",
    ),
    (
        "a: 1\n---\nb: 2\n",
        2,
        1,
        "yaml-syntax",
        "a second YAML document starts here: a file holds one; remove this '---' line",
    ),
    (
        "text: !important thing\n",
        1,
        7,
        "yaml-syntax",
        "an unquoted value cannot start with '!' (YAML reads a tag); quote the whole value",
    ),
    (
        "a:\n\tb: 1\n",
        2,
        1,
        "yaml-syntax",
        "this line is indented with a tab: indent YAML with spaces",
    ),
    (
        "a: b\x07c\n",
        1,
        5,
        "yaml-syntax",
        "control character U+0007 is here: delete it (it is invisible in most editors)",
    ),
    (
        "q:\n  - &base\n    id: q1\n",
        2,
        5,
        "yaml-alias",
        "anchors ('&base') are not supported: write each value out "
        "(an unquoted value starting with '&' must be quoted)",
    ),
    (
        "q:\n  <<: {id: q1}\n",
        2,
        3,
        "yaml-alias",
        "merge keys ('<<') are not supported; write the keys out",
    ),
    (
        "a: x\u2028y\nb: 1\n",
        1,
        5,
        "invisible-separator",
        "an invisible U+2028 LINE SEPARATOR is here; YAML reads it as a line break, editors do "
        "not show it: delete it (or type a space)",
    ),
    (
        "a: 1\n\ufeffb: 2\n",
        2,
        1,
        "invisible-separator",
        "an invisible U+FEFF ZERO WIDTH NO-BREAK SPACE is here; YAML reads it as a line break, "
        "editors do not show it: delete it (or type a space)",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "code", "message"), CASES)
def test_each_yaml_error_gets_its_position_and_advice(
    text: str, line: int, column: int, code: str, message: str
) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert (caught.value.position, caught.value.code, caught.value.message) == (
        (line, column),
        code,
        message,
    )


def test_separator_in_a_quoted_value_does_not_shift_later_positions() -> None:
    value, smap = parse_yaml("a: 'x\u2028y\u2029z'\nb: [1, 2]\nc: 3\n", line_offset=1)
    assert value == {"a": "x\u2028y\u2029z", "b": [1, 2], "c": 3}
    assert smap.at(("c",)) == (4, 4)
    assert [(p.position, p.code) for p in smap.problems] == [
        ((2, 6), "invisible-separator"),
        ((2, 8), "invisible-separator"),
    ]
