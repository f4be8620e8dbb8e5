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


def test_the_embedded_store_never_takes_the_port_the_hub_will_bind() -> None:
    from hub.embedded.store import free_port

    taken = {free_port() for _ in range(5)}
    for _ in range(50):
        assert free_port(avoid=frozenset(taken)) not in taken
