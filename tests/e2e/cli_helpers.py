"""Running the `ronghub` command line against the test store, as an operator would."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from tests.conftest import TEST_PASSWORD_COST

RONGHUB = Path(sys.executable).with_name("ronghub")
# this checkout's code, even when the virtualenv's editable install points at another one
# (a git worktree sharing the main checkout's .venv)
CHECKOUT = str(Path(__file__).resolve().parents[2])


def _env(store_uri: str, db_name: str, env: dict[str, str] | None) -> dict[str, str]:
    return {
        **os.environ,
        "RONGHUB_MONGODB_URI": store_uri,
        "RONGHUB_MONGODB_DB": db_name,
        "COLUMNS": "200",
        **TEST_PASSWORD_COST,
        "PYTHONPATH": os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p),
        **(env or {}),
    }


async def ronghub(
    store_uri: str, db_name: str, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Exit code and combined output of `ronghub ARGS` (without blocking the test hub)."""
    proc = await asyncio.create_subprocess_exec(
        str(RONGHUB),
        *args,
        env=_env(store_uri, db_name, env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def ronghub_batch(
    store_uri: str, db_name: str, commands: list[list[str]], env: dict[str, str] | None = None
) -> list[tuple[int, str]]:
    """Exit code and output of each `ronghub` command, run in order in one process
    (tests/e2e/cli_batch.py): for a test of what commands do and say, not of the process
    start, which the `ronghub` script pays once a command (~1 CPU-s, #20 item 5)."""
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.cli_batch",
            str(result),
            env=_env(store_uri, db_name, env),
            cwd=CHECKOUT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate(json.dumps(commands).encode())
        assert proc.returncode == 0, out.decode()
        return [(code, output) for code, output in json.loads(result.read_text())]
