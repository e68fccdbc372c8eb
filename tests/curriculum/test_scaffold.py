"""`trustpath new module` (scaffolds that validate) and `trustpath schema` (for editors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from builder.cli.main import cli


def run(project: Path, *args: str) -> tuple[str, int]:
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output, result.exit_code


def test_new_module_validates_and_lands_beside_its_roles_modules(copy_fixture) -> None:
    project = copy_fixture("paths")
    output, status = run(
        project, "new", "module", "vendor-risk", "--title", "Working with vendors",
        "--role", "mid", "--criterion", "CC9.2",
    )  # fmt: skip
    assert status == 0, output
    assert output == "wrote content/vendor-risk.md\n"
    text = (project / "content" / "vendor-risk.md").read_text()
    assert "title: Working with vendors" in text and "criteria: [CC9.2]" in text
    assert text.count("Working with vendors") == 1  # one title: no H1 repeating it
    assert "\n# " not in text
    output, status = run(project, "validate")
    assert status == 0, output
    lines = output.splitlines()
    assert lines[-1] == "0 errors, 13 warnings in 16 files checked"
    assert all("warning[placeholder-text]" in line for line in lines[:-1])
    output, status = run(project, "validate", "--strict")
    assert status == 1


def test_a_scaffolded_module_with_its_placeholders_replaced_validates_strictly(
    copy_fixture,
) -> None:
    from builder.curriculum.scaffold import PLACEHOLDER_SUMMARY, PLACEHOLDERS

    project = copy_fixture("paths")
    assert (
        run(project, "new", "module", "vendor-risk", "--title", "Vendors", "--role", "mid")[1] == 0
    )
    path = project / "content" / "vendor-risk.md"
    text = path.read_text()
    for n, sentence in enumerate(PLACEHOLDERS):
        text = text.replace(
            sentence,
            "Who we buy from." if sentence == PLACEHOLDER_SUMMARY else f"Real sentence number {n}.",
        )
    path.write_text(text)
    output, status = run(project, "validate", "--strict")
    assert status == 0, output


def test_new_module_refuses_to_overwrite_or_reuse_an_id(copy_fixture) -> None:
    project = copy_fixture("paths")
    assert run(project, "new", "module", "fresh", "--role", "base")[1] == 0
    before = (project / "content" / "fresh.md").read_text()
    output, status = run(project, "new", "module", "fresh", "--role", "base")
    assert status == 1
    assert "module id 'fresh' is already used by content/fresh.md" in output
    output, status = run(project, "new", "module", "other", "--folder", ".", "--role", "base")
    assert status == 0
    (project / "content" / "other.md").write_text("# hand-written\n")
    output, status = run(project, "new", "module", "other", "--folder", ".", "--role", "base")
    assert status == 1 and "already exists; not overwriting it" in output
    assert (project / "content" / "fresh.md").read_text() == before
    assert (project / "content" / "other.md").read_text() == "# hand-written\n"


def test_new_module_rejects_bad_ids_and_unknown_references(copy_fixture) -> None:
    project = copy_fixture("paths")
    assert "lowercase letters" in run(project, "new", "module", "Bad_Id")[0]
    output, status = run(project, "new", "module", "ok-id", "--role", "leaff")
    assert status == 1 and "unknown role 'leaff'; did you mean 'leaf'?" in output
    output, status = run(project, "new", "module", "ok-id", "--role", "leaf", "--criterion", "CC10")
    assert status == 1 and "unknown criterion 'CC10'" in output
    assert not (project / "content" / "ok-id.md").exists()


def _properties(schema: Any, where: str = "") -> list[tuple[str, Any]]:
    found = []
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            found.append((f"{where}.{name}", sub))
            found += _properties(sub, f"{where}.{name}")
        for name, sub in schema.get("$defs", {}).items():
            found += _properties(sub, f"{where}$defs.{name}")
        if "items" in schema:
            found += _properties(schema["items"], f"{where}[]")
    return found


def test_schemas_are_draft_2020_12_and_describe_every_property(tmp_path: Path) -> None:
    for kind in ("module", "role"):
        output, status = run(tmp_path, "schema", kind)
        assert status == 0
        schema = json.loads(output)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        properties = _properties(schema)
        assert properties
        undescribed = [name for name, sub in properties if "description" not in sub]
        assert not undescribed, undescribed
