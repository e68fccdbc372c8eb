"""A single-value option given twice is a usage error, not "the last one wins" (tryout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli.main import cli


@pytest.mark.parametrize(
    "args",
    [
        ["records", "--database", "{db}", "due", "--module", "a", "--module", "b"],
        ["records", "--database", "{db}", "due", "--department=Sales", "--department", "IT"],
        ["records", "--database", "{db}", "completion", "--by", "role", "--by", "module"],
    ],
)
def test_a_single_value_option_given_twice_is_refused(tmp_path: Path, args: list[str]) -> None:
    db = str(tmp_path / "records.db")
    result = CliRunner().invoke(cli, [a.replace("{db}", db) for a in args])
    assert result.exit_code == 2, result.output
    name = next(a.split("=")[0] for a in reversed(args) if a.startswith("--"))
    assert f"{name} was given twice: give it once" in result.output
    assert not Path(db).exists()  # refused before any work


def test_an_option_value_that_looks_like_an_option_is_a_value(tmp_path: Path) -> None:
    # `--person --module` passes "--module" as the person; nothing is counted twice.
    db = str(tmp_path / "records.db")
    args = ["records", "--database", db, "due", "--person", "--module", "--module", "m1"]
    result = CliRunner().invoke(cli, args)
    assert "given twice" not in result.output
