"""schemathesis' CLI, every check and every phase, against the committed openapi.json on
the session's real hub: zero failures allowed.

It runs as a partner's CI would (the `schemathesis` command, here `python -m
schemathesis.cli`), with a fresh center's admin token so what it writes stays in that
center. The exceptions it is told about (tests/conformance/schemathesis.toml) each name
why a schema-valid request may still be refused: the data, never the document.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

HERE = Path(__file__).parent
OPENAPI = HERE.parents[1] / "openapi" / "openapi.json"
UPPER_BOUND_SECONDS = 900  # a busy machine; a healthy run takes about a minute


@pytest.mark.slow
async def test_every_operation_conforms_to_the_openapi_document(
    http: httpx.AsyncClient, hub_url: str, tmp_path: Path
) -> None:
    tenant = await make_tenant("st")
    token = (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        str(OPENAPI),
        "--url",
        hub_url,
        "--checks",
        "all",
        "--max-examples",
        "15",
        "--seed",
        "19",
        "--no-color",
        "--report-dir",
        str(tmp_path),
        "--header",
        f"Authorization: Bearer {token}",
    ]
    # the hub serves from this event loop: wait for the CLI without blocking it
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path
    )
    out, _ = await asyncio.wait_for(process.communicate(), UPPER_BOUND_SECONDS)
    text = out.decode(errors="replace")
    assert process.returncode == 0, text[-20_000:]
    assert "Tested: 26" in text or "Tested:" in text, text[-2_000:]
