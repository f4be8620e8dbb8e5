"""The command line's own behaviour (the serving commands are tested end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main


def test_worker_without_a_store_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


def test_an_admin_command_uses_the_store_of_the_hub_running_on_its_data_folder(
    tmp_path: Path,
) -> None:
    import os

    from hub.embedded.store import RECORD, StoreRecord
    from hub.runtime import command_store
    from hub.settings import Settings

    settings = Settings(data_dir=tmp_path, mongodb_uri=None)
    settings.store_dir.mkdir(parents=True)
    StoreRecord(os.getpid(), 47017, os.getpid(), str(settings.store_dir / "data")).write(
        settings.store_dir / RECORD
    )
    with command_store(settings) as ready:  # no store started: the running hub's is used
        assert ready.mongodb_uri == "mongodb://127.0.0.1:47017/?directConnection=true"
    assert (settings.store_dir / RECORD).exists()


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("busy", "数据目录 /x 正被另一个 Ronghub 进程(pid 1)使用。 / The data folder is in use"),
        (
            "unreachable",
            "STORE_UNAVAILABLE 数据库暂时不可用,请稍后重试。 / The document store is unavailable",
        ),
        ("refused", "SEARCH_INDEX_BUSY 搜索索引正被另一个进程写入"),
    ],
)
def test_a_store_command_that_cannot_run_says_why_in_one_line_without_a_traceback(
    failure: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    from pymongo.errors import ServerSelectionTimeoutError

    from hub import runtime
    from hub.embedded.store import EmbeddedStoreError
    from hub.errors import HubError
    from hub.search.errors import SearchCodes

    raised = {
        "busy": EmbeddedStoreError(
            "数据目录 /x 正被另一个 Ronghub 进程(pid 1)使用。 / The data folder is in use\n(details)"
        ),
        "unreachable": ServerSelectionTimeoutError("127.0.0.1:1: connection refused"),
        "refused": HubError(SearchCodes.SEARCH_INDEX_BUSY),
    }[failure]

    @contextlib.contextmanager
    def failing(settings: object) -> object:
        raise raised
        yield

    monkeypatch.setattr(runtime, "command_store", failing)
    for args in (
        ["audit", "verify"],
        ["client", "list", "--tenant", "default"],
        ["media", "gc"],
        ["seed-demo"],
    ):
        result = CliRunner().invoke(main, args)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(expected), (
            args,
            result.output,
        )
        assert "Traceback" not in result.output
