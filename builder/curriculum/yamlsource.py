"""YAML with positions: plain values, and the line and column of any key or item on demand.

PyYAML's loaders throw positions away and silently keep the last of two duplicate keys, so
this module composes the node graph (in C where libyaml is present), builds the values
itself, and keeps the graph to say where a value stood when a diagnostic needs it.

Values follow the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution),
not PyYAML's YAML 1.1 rules: `010` is ten (not octal eight), `1:30` is text (not base-60
ninety), `yes`/`no`/`on`/`off` are text, dates stay the text the author wrote. Anchors,
aliases and merge keys are refused before anything expands (an alias bomb costs nothing).
Positions are what an editor shows: U+0085, U+2028 and U+2029, which libyaml counts as line
breaks and editors do not, are reported as invisible characters and do not shift lines.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from builder.curriculum.yamladvice import advise

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - libyaml is present on the supported platforms
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """libyaml's composer without YAML 1.1 tag resolution of untagged nodes.

    `_build` reads plain scalars by the YAML 1.2 core schema (`core_value`) and ignores the
    tag the composer gives them, so resolving each one with PyYAML's YAML 1.1 regexes was
    wasted work (a third of the compose time). Quoted scalars resolve to `str` either way;
    explicitly tagged nodes keep their tag (the composer does not ask for one).
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None  # no path resolvers are registered: nothing to track

    def ascend_resolver(self) -> None:
        return None


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
PathKey = tuple[str | int, ...]
Position = tuple[int, int]

_scalar_constructor = yaml.constructor.SafeConstructor()
# Characters libyaml reads as line breaks and editors show as (invisible) characters, plus a
# byte-order mark in mid-file: each is reported where it stands.
_INVISIBLE = {
    "\x85": "U+0085 NEXT LINE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\u2029": "U+2029 PARAGRAPH SEPARATOR",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
}
_INVISIBLE_RE = re.compile("[\x85\u2028\u2029\ufeff]")
_YAML_BREAKS = re.compile("\n|\x85|\u2028|\u2029")


def _has_invisible(text: str) -> bool:
    return any(char in text for char in _INVISIBLE)


def normalise_newlines(text: str) -> str:
    """LF, CRLF and lone CR (old Mac editors) all become LF, as editors count lines."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class _At:
    """A position made by hand, shaped like a libyaml mark (0-based)."""

    index: int
    line: int
    column: int


class YamlProblem(Exception):
    """The YAML could not be read; carries a 1-based position and a diagnostic code.

    `related` holds further problems found in the same document (every alias, for example).
    """

    def __init__(
        self,
        position: Position,
        code: str,
        message: str,
        related: list[YamlProblem] | None = None,
    ) -> None:
        super().__init__(message)
        self.position = position
        self.code = code
        self.message = message
        self.related = related or []

    @property
    def all(self) -> list[YamlProblem]:
        """This problem and the related ones."""
        return [self, *self.related]


class _Positions:
    """Turns libyaml marks into editor positions (1-based line and column)."""

    def __init__(self, text: str, line_offset: int) -> None:
        self.line_offset = line_offset
        # Only when libyaml and editors disagree on line breaks is the index needed.
        self.starts: list[int] | None = None
        if _has_invisible(text):
            self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, mark: Any) -> Position:
        if self.starts is None:
            return (mark.line + 1 + self.line_offset, mark.column + 1)
        return self.at_index(mark.index)

    def at_index(self, index: int) -> Position:
        if self.starts is None:  # pragma: no cover - only called when there are separators
            raise AssertionError("no index table")
        line = bisect.bisect_right(self.starts, index) - 1
        return (line + 1 + self.line_offset, index - self.starts[line] + 1)


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
    # Positions of a few keys that module-wide warnings point at, kept while building so that
    # such a warning does not compose the document again (key name -> position of its key).
    keys: dict[str, list[Position]] = field(default_factory=dict)
    # Problems that did not stop the document from loading (invisible separators).
    problems: list[YamlProblem] = field(default_factory=list)
    _root: yaml.Node | None = field(default=None, repr=False, compare=False)
    _positions: _Positions | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None and self.text:
            self._root = yaml.compose(self.text, Loader=_Loader)
        return self._root

    def position(self, mark: Any) -> Position:
        """The editor position of a libyaml mark (`line`, `column`, `index`) of this document."""
        if self._positions is None:
            self._positions = _Positions(self.text, self.line_offset)
        return self._positions.of(mark)

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
        return self.position(node.start_mark) if node is not None else (1 + self.line_offset, 1)

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


# Keys whose positions `SourceMap.keys` keeps, every occurrence (a reader uses them only when
# there is one: module front matter has a single `questions`).
REMEMBERED_KEYS = frozenset({"questions"})
# YAML 1.2 core schema, tag resolution of plain scalars (spec 1.2.2, section 10.3.2).
_CORE_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_CORE_TRUE = frozenset(("true", "True", "TRUE"))
_CORE_FALSE = frozenset(("false", "False", "FALSE"))
_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_CORE_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
# Only a plain scalar starting with one of these can be a number (or .inf / .nan).
_NUMERIC_FIRST = frozenset("-+.0123456789")
_WORDS: dict[str, Any] = {
    **dict.fromkeys(_CORE_NULL, None),
    **dict.fromkeys(_CORE_TRUE, True),
    **dict.fromkeys(_CORE_FALSE, False),
}


def core_value(text: str) -> Any:
    """A plain (unquoted) scalar as the YAML 1.2 core schema reads it."""
    if not text or text[0] not in _NUMERIC_FIRST:
        return _WORDS.get(text, text)
    if _CORE_INT.fullmatch(text):
        return int(text, 10)
    if _CORE_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _CORE_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_INF.fullmatch(text):
        return float("-inf") if text[0] == "-" else float("inf")
    if _CORE_NAN.fullmatch(text):
        return float("nan")
    return text


def _scalar_value(node: yaml.ScalarNode) -> Any:
    if not node.style:  # plain: '' from libyaml, None from the pure-Python parser
        return core_value(node.value)
    tag = node.tag
    if tag == _STR:
        return node.value
    try:  # a quoted scalar with an explicit tag (`!!int "3"`): the full constructor
        value = _scalar_constructor.construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError):
        return node.value
    if isinstance(value, dt.datetime | dt.date | bytes):
        return node.value
    return value


def _cut_by_comment(node: yaml.ScalarNode, lines: list[str]) -> int | None:
    """The 0-based column of a ` #word` that ended plain multi-word text, if there is one."""
    end = node.end_mark
    if node.style or " " not in node.value or end.line >= len(lines):
        return None
    rest = lines[end.line][end.column :]
    stripped = rest.lstrip(" ")
    if stripped.startswith("#") and rest != stripped and stripped[1:2] not in ("", " "):
        return end.column + len(rest) - len(stripped)
    return None


_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode


def _build(node: yaml.Node, smap: SourceMap, lines: list[str] | None) -> Any:
    # The hot loop of `validate` (a few hundred nodes per module): a plain scalar, the common
    # case, is read inline by its parent without a call of its own; `lines` (only when the
    # text has a `#`) sends every scalar through the full path, which checks for comment cuts.
    cls = type(node)
    if isinstance(node, _ScalarNode):
        if lines is not None and (column := _cut_by_comment(node, lines)) is not None:
            index = node.end_mark.index + (column - node.end_mark.column)
            mark = _At(index, node.end_mark.line, column)
            smap.cuts.append((smap.path_of(node), smap.position(mark)))
        if node.style:
            return _scalar_value(node)
        text = node.value
        if text and text[0] in _NUMERIC_FIRST:
            return core_value(text)
        return _WORDS.get(text, text)  # the common case, kept short: a plain word
    inline = lines is None
    if cls is _SequenceNode:
        items: list[Any] = []
        append = items.append
        for item in node.value:
            if inline and item.__class__ is _ScalarNode and not item.style:
                text = item.value
                append(
                    core_value(text)
                    if text and text[0] in _NUMERIC_FIRST
                    else _WORDS.get(text, text)
                )
            else:
                append(_build(item, smap, lines))
        return items
    if cls is _MappingNode:
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode:
                raise YamlProblem(
                    smap.position(key_node.start_mark),
                    "yaml-syntax",
                    "a mapping key must be a plain value",
                )
            if key_node.style:
                key = str(_scalar_value(key_node))
            else:
                key = key_node.value
                if key == "<<":
                    raise YamlProblem(
                        smap.position(key_node.start_mark),
                        "yaml-alias",
                        "merge keys ('<<') are not supported; write the keys out",
                    )
                if not key or key[0] in _NUMERIC_FIRST or key in _WORDS:
                    key = str(core_value(key))
            if key in seen:
                first = smap.position(seen[key].start_mark)
                raise YamlProblem(
                    smap.position(key_node.start_mark),
                    "duplicate-key",
                    f"key '{key}' appears twice (first at line {first[0]}); "
                    "YAML would silently keep only the last",
                )
            seen[key] = key_node
            if key in REMEMBERED_KEYS:
                smap.keys.setdefault(key, []).append(smap.position(key_node.start_mark))
            if inline and value_node.__class__ is _ScalarNode and not value_node.style:
                text = value_node.value
                result[key] = (
                    core_value(text)
                    if text and text[0] in _NUMERIC_FIRST
                    else _WORDS.get(text, text)
                )
            else:
                result[key] = _build(value_node, smap, lines)
        return result
    raise YamlProblem(smap.position(node.start_mark), "yaml-syntax", "unsupported YAML node")


def _invisible(text: str, smap: SourceMap) -> list[YamlProblem]:
    """One error per invisible line-break character (libyaml and editors disagree on them)."""
    found = []
    positions = _Positions(text, smap.line_offset)
    for match in _INVISIBLE_RE.finditer(text):
        pos = positions.at_index(match.start())
        name = _INVISIBLE[match.group()]
        found.append(
            YamlProblem(
                pos,
                "invisible-separator",
                f"an invisible {name} is here; YAML reads it as a line break, editors do not "
                "show it: delete it (or type a space)",
            )
        )
    return found


def _refuse_aliases(text: str, smap: SourceMap) -> list[YamlProblem]:
    """Every anchor (`&a`), alias (`*a`), merge key (`<<`) and tag (`!x`), from events only.

    Nothing is composed or expanded, so a document of nested aliases costs one linear scan.
    """
    found: list[YamlProblem] = []
    in_key: list[bool] = []  # per open mapping: whether the next scalar is a key
    for event in yaml.parse(text, Loader=_Loader):
        is_key = bool(in_key) and in_key[-1]
        if isinstance(event, yaml.AliasEvent):
            found.append(
                YamlProblem(
                    smap.position(event.start_mark),
                    "yaml-alias",
                    f"aliases ('*{event.anchor}') are not supported: write the value out "
                    "(an unquoted value starting with '*' must be quoted)",
                )
            )
        elif anchor := getattr(event, "anchor", None):
            found.append(
                YamlProblem(
                    smap.position(event.start_mark),
                    "yaml-alias",
                    f"anchors ('&{anchor}') are not supported: write each value out "
                    "(an unquoted value starting with '&' must be quoted)",
                )
            )
        tag = getattr(event, "tag", None)
        if tag and tag != "!":
            found.append(
                YamlProblem(
                    smap.position(event.start_mark),
                    "yaml-syntax",
                    "an unquoted value cannot start with '!' (YAML reads a tag); "
                    "quote the whole value",
                )
            )
        if (
            is_key
            and isinstance(event, yaml.ScalarEvent)
            and event.value == "<<"
            and not event.style
        ):
            found.append(
                YamlProblem(
                    smap.position(event.start_mark),
                    "yaml-alias",
                    "merge keys ('<<') are not supported; write the keys out",
                )
            )
        if in_key and isinstance(
            event,
            yaml.ScalarEvent | yaml.AliasEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent,
        ):
            in_key[-1] = not in_key[-1]
        if isinstance(event, yaml.MappingStartEvent):
            in_key.append(True)
        elif isinstance(event, yaml.MappingEndEvent):
            in_key.pop()
        elif isinstance(event, yaml.SequenceStartEvent):
            in_key.append(False)
        elif isinstance(event, yaml.SequenceEndEvent):
            in_key.pop()
    # One problem per line is enough: a line of nine aliases is one mistake to fix.
    first: dict[int, YamlProblem] = {}
    for problem in found:
        first.setdefault(problem.position[0], problem)
    return list(first.values())


def _syntax_problem(exc: yaml.YAMLError, text: str, smap: SourceMap) -> YamlProblem:
    """A libyaml error at the editor position, in plain words where we know them."""
    if isinstance(exc, yaml.reader.ReaderError):
        mark = _At(exc.position, 0, 0)
        before = text[: exc.position]
        line = before.count("\n")
        column = exc.position - (before.rfind("\n") + 1)
        mark = _At(exc.position, line, column)
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return YamlProblem(
            smap.position(mark),
            "yaml-syntax",
            f"control character U+{ord(char):04X} is here: delete it "
            "(it is invisible in most editors)",
        )
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlProblem((1 + smap.line_offset, 1), "yaml-syntax", str(exc))
    pm, cm = exc.problem_mark, exc.context_mark
    problem = exc.problem or "invalid YAML"
    lines = _YAML_BREAKS.split(text)
    advice = advise(
        problem,
        exc.context,
        (pm.line, pm.column) if pm else None,
        (cm.line, cm.column) if cm else None,
        lines,
    )
    if advice is not None:
        marks = [m for m in (pm, cm) if m is not None]
        exact = [m for m in marks if (m.line, m.column) == advice.mark]
        if exact:
            at: Any = exact[0]
        else:  # a column on the problem's line (where the value starts)
            base = next(m for m in marks if m.line == advice.mark[0])
            at = _At(base.index + advice.mark[1] - base.column, *advice.mark)
        return YamlProblem(smap.position(at), "yaml-syntax", advice.message)
    if exc.context:
        problem = f"{problem} ({exc.context})"
    raw = pm or cm
    pos = smap.position(raw) if raw else (1 + smap.line_offset, 1)
    return YamlProblem(pos, "yaml-syntax", problem)


def parse_yaml(text: str, *, line_offset: int = 0) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain values and a map of their positions.

    `line_offset` is added to every line (front matter starts below the `---` line).
    Raises `YamlProblem` (with every related problem) for syntax errors, anchors, aliases and
    merge keys (`yaml-alias`), invisible line separators, duplicate keys and multiple
    documents.
    """
    text = normalise_newlines(text)
    smap = SourceMap(text=text, line_offset=line_offset)
    invisible = _invisible(text, smap) if _has_invisible(text) else []
    try:
        scan = "&" in text or "*" in text or "!" in text
        aliases = _refuse_aliases(text, smap) if scan else []
        if aliases:
            found = sorted([*invisible, *aliases], key=lambda p: p.position)
            raise YamlProblem(found[0].position, found[0].code, found[0].message, found[1:])
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        problem = _syntax_problem(exc, text, smap)
        lines_with_separators = {p.position[0] for p in invisible}
        if problem.position[0] in lines_with_separators or (
            invisible and problem.position[0] == max(lines_with_separators) + 1
        ):
            # The separator is the cause: its own message says more than libyaml's.
            problem = invisible[0]
            others = invisible[1:]
        else:
            others = invisible
        raise YamlProblem(problem.position, problem.code, problem.message, others) from None
    if node is None:
        return None, smap
    smap._root = node  # while building; dropped below so that the node tree can be freed
    try:
        value = _build(node, smap, _YAML_BREAKS.split(text) if "#" in text else None)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = smap.position(mark) if mark else (1 + line_offset, 1)
        raise YamlProblem(pos, "yaml-syntax", exc.problem or "invalid value") from None
    except RecursionError:
        raise YamlProblem((1 + line_offset, 1), "yaml-syntax", "nesting is too deep") from None
    smap._root = None
    smap.problems = invisible
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
