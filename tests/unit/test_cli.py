"""The command line's own behaviour (the serving commands are tested end to end)."""

from __future__ import annotations

from click.testing import CliRunner

from hub.cli import main


def test_worker_is_not_available_yet_and_says_so() -> None:
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code != 0
    assert "not available yet" in result.output


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "worker", "openapi", "seed-demo"):
        assert command in result.output
