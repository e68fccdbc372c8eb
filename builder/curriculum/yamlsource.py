"""YAML with positions: plain values, and the line and column of any key or item on demand.

PyYAML's loaders throw positions away and silently keep the last of two duplicate keys, so
this module composes the node graph (in C where libyaml is present), builds the values
itself, and keeps the graph to say where a value stood when a diagnostic needs it.
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
    """Where each value (and each mapping key) of a YAML document stood in its file.

    Positions are needed only for the few values a diagnostic points at, so the map keeps the
    document's text and composes it again on the first question (keeping every node of every
    file alive would cost more, in memory and in garbage-collector time, than it saves).
    """

    text: str = ""
    line_offset: int = 0
    # Unquoted text cut short by ` #`, which YAML reads as a comment: (path, where '#' is).
    cuts: list[tuple[PathKey, Position]] = field(default_factory=list)
    _root: yaml.Node | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None and self.text:
            self._root = yaml.compose(self.text, Loader=_Loader)
        return self._root

    def _walk(self, path: PathKey) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(deepest node on `path`, its key node, whether the whole path was found)."""
        node, key_node = self.root, None
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == part:
                        child, key_node = v, k
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child, key_node = node.value[part], None
            if child is None:
                return node, None, False
            node = child
        return node, key_node, True

    def at(self, path: PathKey, *, key: bool = False) -> Position:
        """The position of the value (or its key) at `path`, else of its nearest ancestor."""
        node, key_node, whole = self._walk(path)
        if key and whole and key_node is not None:
            node = key_node
        return _mark(node, self.line_offset) if node is not None else (1 + self.line_offset, 1)

    def has(self, path: PathKey) -> bool:
        """Whether the document has a value at `path`."""
        return self._walk(path)[2]

    def path_of(self, target: yaml.Node) -> PathKey:
        """The path of a node of this document (for messages about it)."""
        stack: list[tuple[yaml.Node, PathKey]] = [(self.root, ())] if self.root else []
        while stack:
            node, path = stack.pop()
            if node is target:
                return path
            if isinstance(node, yaml.MappingNode):
                stack.extend((v, (*path, str(k.value))) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((v, (*path, i)) for i, v in enumerate(node.value))
        return ()


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


def _cut_by_comment(node: yaml.ScalarNode, lines: list[str]) -> int | None:
    """The 1-based column of a ` #word` that ended plain multi-word text, if there is one."""
    end = node.end_mark
    if node.style or node.tag != _STR or " " not in node.value or end.line >= len(lines):
        return None
    rest = lines[end.line][end.column :]
    stripped = rest.lstrip(" ")
    if stripped.startswith("#") and rest != stripped and stripped[1:2] not in ("", " "):
        return end.column + len(rest) - len(stripped) + 1
    return None


def _build(node: yaml.Node, smap: SourceMap, lines: list[str] | None) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if lines is not None and (column := _cut_by_comment(node, lines)) is not None:
            position = (node.end_mark.line + 1 + smap.line_offset, column)
            smap.cuts.append((smap.path_of(node), position))
        return _scalar_value(node)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, smap, lines) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(
                    _mark(key_node, smap.line_offset),
                    "yaml-syntax",
                    "a mapping key must be a plain value",
                )
            key = str(_scalar_value(key_node))
            if key in seen:
                first = _mark(seen[key], smap.line_offset)
                raise YamlProblem(
                    _mark(key_node, smap.line_offset),
                    "duplicate-key",
                    f"key '{key}' appears twice (first at line {first[0]}); "
                    "YAML would silently keep only the last",
                )
            seen[key] = key_node
            result[key] = _build(value_node, smap, lines)
        return result
    raise YamlProblem(_mark(node, smap.line_offset), "yaml-syntax", "unsupported YAML node")


def parse_yaml(text: str, *, line_offset: int = 0) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain values and a map of their positions.

    `line_offset` is added to every line (front matter starts below the `---` line).
    Raises `YamlProblem` for syntax errors, duplicate keys and multiple documents.
    """
    smap = SourceMap(text=text, line_offset=line_offset)
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
        return None, smap
    smap._root = node  # while building; dropped below so that the node tree can be freed
    try:
        value = _build(node, smap, text.splitlines() if "#" in text else None)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        raise YamlProblem(pos, "yaml-syntax", exc.problem or "invalid value") from None
    except RecursionError:
        raise YamlProblem((1 + line_offset, 1), "yaml-syntax", "nesting is too deep") from None
    smap._root = None
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
