"""JSON Schema validation of front matter and role files, reported at the offending line.

Valid files (nearly all of them) pass through a compiled validator in microseconds; only a
file that fails is re-checked with `jsonschema` to collect every problem with its path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from builder.curriculum.diagnostics import Diagnostic, error
from builder.curriculum.suggest import closest, did_you_mean
from builder.curriculum.yamladvice import type_hint
from builder.curriculum.yamlsource import PathKey, SourceMap, type_name

SCHEMA_NAMES = ("module", "role")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for `module` or `role` files."""
    # next to this module (importlib.resources costs validate 9 ms of imports)
    text = (Path(__file__).parent / "schemas" / f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast_validator(name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    # fastjsonschema speaks drafts 4-7; our schemas use only keywords those drafts share.
    schema = {k: v for k, v in load_schema(name).items() if k not in {"$schema", "$id"}}
    return fastjsonschema.compile(schema)  # type: ignore[no-any-return]


def label(path: PathKey) -> str:
    """A key path as authors write it: quiz.questions[2].id."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"


def _subschema(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return schema


def check_schema(
    name: str,
    data: Any,
    smap: SourceMap,
    rel_path: str,
    broken: set[PathKey] | None = None,
) -> list[Diagnostic]:
    """Diagnostics for every schema violation in `data` (empty when it is valid).

    `broken`, when given, receives the key path of every value that is wrong or missing (an
    unknown key breaks nothing else), so that checks of the other values can still run.
    """
    import fastjsonschema

    try:
        _fast_validator(name)(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    from jsonschema import Draft202012Validator

    root = load_schema(name)
    validator = Draft202012Validator(root)
    found: list[Diagnostic] = []
    errors = list(validator.iter_errors(data))
    # A misspelt required key reads better as one "unknown key, did you mean" than as two.
    misspelt: set[tuple[PathKey, str]] = set()
    for err in errors:
        if err.validator == "additionalProperties":
            allowed = list(_subschema(err.schema, root).get("properties", {}))
            for key in set(err.instance) - set(allowed):
                if (match := closest(key, allowed)) is not None:
                    misspelt.add((tuple(err.absolute_path), match))
    for err in errors:
        path: PathKey = tuple(err.absolute_path)
        where = label(path)
        kind = err.validator
        if broken is not None and kind != "additionalProperties":
            if kind == "required":
                broken.update((*path, key) for key in err.validator_value)
            else:
                broken.add(path)
        if kind == "additionalProperties":
            allowed = list(_subschema(err.schema, root).get("properties", {}))
            for key in sorted(set(err.instance) - set(allowed)):
                found.append(
                    error(
                        rel_path,
                        smap.at((*path, key), key=True),
                        "unknown-key",
                        f"unknown key '{key}'{' in ' + where if path else ''}"
                        f"{did_you_mean(key, allowed)}",
                    )
                )
        elif kind == "required":
            for key in err.validator_value:
                if key not in err.instance and (path, key) not in misspelt:
                    inside = f" in {where}" if path else ""
                    found.append(
                        error(
                            rel_path, smap.at(path), "missing-key", f"missing key '{key}'{inside}"
                        )
                    )
        elif kind == "type":
            expected = err.validator_value
            expected = " or ".join(expected) if isinstance(expected, list) else expected
            found.append(
                error(
                    rel_path,
                    smap.at(path),
                    "invalid-type",
                    f"'{where}' must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}, "
                    f"not {type_name(err.instance)} ({err.instance!r})"
                    f"{type_hint(expected, err.instance)}",
                )
            )
        elif kind == "enum":
            options = [str(o) for o in err.validator_value]
            found.append(
                error(
                    rel_path,
                    smap.at(path),
                    "invalid-value",
                    f"'{where}' is {err.instance!r}; expected one of {', '.join(options)}"
                    f"{did_you_mean(str(err.instance), options)}",
                )
            )
        elif kind == "pattern":
            hint = (
                "lowercase letters, digits and hyphens"
                if "a-z0-9" in str(err.validator_value) and "A-Z" not in str(err.validator_value)
                else (
                    "a date as YYYY-MM-DD"
                    if "{4}" in str(err.validator_value)
                    else "letters, digits, '-' and '_'"
                )
            )
            found.append(
                error(
                    rel_path,
                    smap.at(path),
                    "invalid-value",
                    f"'{where}' is {err.instance!r}; expected {hint}",
                )
            )
        else:
            found.append(
                error(rel_path, smap.at(path), "invalid-value", f"'{where}': {err.message}")
            )
    return found
