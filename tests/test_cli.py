"""Every command explains itself: help text with an example."""

from __future__ import annotations

import click
from click.testing import CliRunner

from pipeline.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        path = prefix + (name,)
        if isinstance(cmd, click.Group):
            found += _commands(cmd, path)
        else:
            found.append(path)
    return found


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    commands = _commands(main)
    assert len(commands) >= 3
    for path in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "示例" in result.output, f"jiafang {' '.join(path)} --help has no example"


def test_top_level_help_lists_the_quick_start() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "jiafang init" in result.output
