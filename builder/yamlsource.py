"""YAML with positions: plain values plus the line and column of every key and item.

PyYAML's loaders throw positions away and silently keep the last of two duplicate keys, so
this module composes the node graph (in C where libyaml is present) and builds the values
itself, recording where each one stood.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is present on the supported platforms
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]
Position = tuple[int, int]

_scalar_constructor = yaml.constructor.SafeConstructor()


class YamlProblem(Exception):
    """The YAML could not be read; carries a 1-based position and a diagnostic code."""

    def __init__(self, position: Position, code: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.code = code
        self.message = message


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a YAML document stood in its file."""

    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)
    # Unquoted text cut short by ` #`, which YAML reads as a comment: (path, where '#' is).
    cut_by_comment: list[tuple[PathKey, Position]] = field(default_factory=list)

    def at(self, path: PathKey, *, key: bool = False) -> Position:
        """The position of the value (or its key) at `path`, else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


def _mark(node: yaml.Node, line_offset: int) -> Position:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


_STR = "tag:yaml.org,2002:str"
_FAST = {
    "tag:yaml.org,2002:int": _scalar_constructor.construct_yaml_int,
    "tag:yaml.org,2002:bool": _scalar_constructor.construct_yaml_bool,
    "tag:yaml.org,2002:float": _scalar_constructor.construct_yaml_float,
    "tag:yaml.org,2002:null": _scalar_constructor.construct_yaml_null,
}


def _scalar_value(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
        # JSON Schema knows no dates; keep the ISO text the author wrote.
        return node.value
    fast = _FAST.get(tag)
    if fast is not None:
        return fast(node)
    try:  # anything else (binary, explicit tags) goes through the full constructor
        value = _scalar_constructor.construct_object(node, deep=True)
    except ValueError:
        return node.value
    if isinstance(value, dt.datetime | dt.date | bytes):
        return node.value
    return value


def _check_comment_cut(
    node: yaml.ScalarNode, path: PathKey, smap: SourceMap, lines: list[str], line_offset: int
) -> None:
    """Record plain multi-word text followed on its line by ` #word` (likely not a comment)."""
    end = node.end_mark
    if node.style or node.tag != _STR or " " not in node.value or end.line >= len(lines):
        return
    rest = lines[end.line][end.column :]
    stripped = rest.lstrip(" ")
    if stripped.startswith("#") and rest != stripped and stripped[1:2] not in ("", " "):
        column = end.column + len(rest) - len(stripped) + 1
        smap.cut_by_comment.append((path, (end.line + 1 + line_offset, column)))


def _build(
    node: yaml.Node, path: PathKey, smap: SourceMap, line_offset: int, lines: list[str] | None
) -> Any:
    smap.values[path] = _mark(node, line_offset)
    if isinstance(node, yaml.ScalarNode):
        if lines is not None:
            _check_comment_cut(node, path, smap, lines, line_offset)
        return _scalar_value(node)
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, i), smap, line_offset, lines) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(
                    _mark(key_node, line_offset),
                    "yaml-syntax",
                    "a mapping key must be a plain value",
                )
            key = str(_scalar_value(key_node))
            if key in result:
                first = smap.keys[(*path, key)]
                raise YamlProblem(
                    _mark(key_node, line_offset),
                    "duplicate-key",
                    f"key '{key}' appears twice (first at line {first[0]}); "
                    "YAML would silently keep only the last",
                )
            smap.keys[(*path, key)] = _mark(key_node, line_offset)
            result[key] = _build(value_node, (*path, key), smap, line_offset, lines)
        return result
    raise YamlProblem(_mark(node, line_offset), "yaml-syntax", "unsupported YAML node")


def parse_yaml(text: str, *, line_offset: int = 0) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain values and a map of their positions.

    `line_offset` is added to every line (front matter starts below the `---` line).
    Raises `YamlProblem` for syntax errors, duplicate keys and multiple documents.
    """
    smap = SourceMap()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        if "end of stream" in problem and "quoted scalar" in problem and exc.context_mark:
            mark, problem = exc.context_mark, "this quoted string is never closed"
        pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
            problem += "; this line has a tab: indent YAML with spaces"
        raise YamlProblem(pos, "yaml-syntax", problem) from None
    except yaml.YAMLError as exc:
        raise YamlProblem((1 + line_offset, 1), "yaml-syntax", str(exc)) from None
    if node is None:
        smap.values[()] = (1 + line_offset, 1)
        return None, smap
    try:
        source_lines = text.splitlines() if "#" in text else None
        value = _build(node, (), smap, line_offset, source_lines)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        raise YamlProblem(pos, "yaml-syntax", exc.problem or "invalid value") from None
    except RecursionError:
        raise YamlProblem((1 + line_offset, 1), "yaml-syntax", "nesting is too deep") from None
    return value, smap


def type_name(value: Any) -> str:
    """The YAML name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__
