"""The command line's own behaviour (the serving commands are tested end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main


def test_worker_without_a_store_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RONGHUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RONGHUB_MONGODB_URI", raising=False)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert "RONGHUB_MONGODB_URI" in result.output and "ronghub serve" in result.output


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "worker", "openapi", "seed-demo"):
        assert command in result.output
