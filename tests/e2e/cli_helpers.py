"""Running the `ronghub` command line against the test store, as an operator would."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import TEST_PASSWORD_COST

RONGHUB = Path(sys.executable).with_name("ronghub")
# this checkout's code, even when the virtualenv's editable install points at another one
# (a git worktree sharing the main checkout's .venv)
CHECKOUT = str(Path(__file__).resolve().parents[2])


async def ronghub(
    store_uri: str, db_name: str, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Exit code and combined output of `ronghub ARGS` (without blocking the test hub)."""
    proc = await asyncio.create_subprocess_exec(
        str(RONGHUB),
        *args,
        env={
            **os.environ,
            "RONGHUB_MONGODB_URI": store_uri,
            "RONGHUB_MONGODB_DB": db_name,
            "COLUMNS": "200",
            **TEST_PASSWORD_COST,
            "PYTHONPATH": os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p),
            **(env or {}),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()
