"""ARCHITECTURE.md rule 4: no HTTP status code outside `builder/web/`; every domain error code
the core can raise has its status in the one table (builder.web.errors.STATUS)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from builder.web.errors import STATUS

BUILDER = Path(__file__).parent.parent / "builder"
HTTP_NAMES = {"ApiError", "status_code", "HTTPException", "JSONResponse"}


def _code_outside_web() -> list[tuple[Path, ast.AST]]:
    found = []
    for path in BUILDER.rglob("*.py"):
        if "web" in path.relative_to(BUILDER).parts[:1]:
            continue
        found.append((path, ast.parse(path.read_text("utf-8"))))
    return found


def test_no_http_vocabulary_outside_the_web_adapter() -> None:
    offenders = []
    for path, tree in _code_outside_web():
        for node in ast.walk(tree):
            name = getattr(node, "id", None) or getattr(node, "attr", None)
            if name in HTTP_NAMES:
                offenders.append(f"{path.relative_to(BUILDER)}:{node.lineno}: {name}")  # type: ignore[attr-defined]
    assert offenders == []


def test_every_domain_error_code_has_a_status() -> None:
    codes = set()
    for _, tree in _code_outside_web():
        for node in ast.walk(tree):
            # class attributes `code = "…"` of error classes, and RecordsError("…", …) calls
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                codes.add(node.value.value)
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "RecordsError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "_unauthorized"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    request_codes = {c for c in codes if re.fullmatch(r"[a-z_]+", str(c))}
    # codes of errors that never reach HTTP (CLI-only domain errors) are listed here explicitly
    cli_only = {"invalid_request"}
    missing = sorted(request_codes - set(STATUS) - cli_only)
    assert missing == [], f"add these codes to builder.web.errors.STATUS: {missing}"
