"""Every command issue 13 adds has an `Example:` and a help string for every option."""

from __future__ import annotations

import click
import pytest

from builder.cli.records import records

COMMANDS = [
    ["remind"], ["attendance"], ["attendance", "import"], ["transcript"], ["evidence-pack"],
]  # fmt: skip


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_an_example_and_every_option_is_explained(path: list[str]) -> None:
    command: click.Command = records
    ctx = click.Context(records, info_name="records")
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None, name
        command = found
    text = command.help or ""
    assert "Example: " in text and "trustpath records" in text.split("Example:")[1]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
