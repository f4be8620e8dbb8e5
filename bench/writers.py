"""Concurrent writers benchmark (issue 13): signed-in editors create and update stories at
once through the real HTTP server; every write is counted as ok, refused (a coded error
the client can act on, e.g. VERSION_CONFLICT) or failed (INTERNAL, a transport error),
with its latency. Afterwards the tenant's audit chain is verified: one entry per
successful write and no problem.

`python -m bench.writers` — `ronghub serve` (worker in process) on a fresh embedded
store; RONGHUB_BENCH_WRITERS (64) writers, each creating a story and updating it
RONGHUB_BENCH_UPDATES (11) times. RONGHUB_BENCH_HUB_PATH runs the server from another
checkout (e.g. /work/main), to measure before and after a change with the same bench.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench.fanout import percentile
from bench.procs import child
from hub.embedded.store import free_port

TOKEN = "bench-token"
USERS = 8
PASSWORD = "bench writers 42"
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version } }"


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.codes: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()

    async def call(
        self, http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
    ) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self.latencies.append(time.perf_counter() - started)
            self.codes["TRANSPORT"] += 1
            self.messages[type(exc).__name__] += 1
            return None
        self.latencies.append(time.perf_counter() - started)
        if body.get("errors"):
            ext = body["errors"][0].get("extensions") or {}
            code = str(ext.get("code", "UNCODED"))
            self.codes[code] += 1
            self.messages[
                f"{code}: {body['errors'][0].get('message_en') or ext.get('message_en') or body['errors'][0].get('message')}"
            ] += 1
            return None
        self.codes["ok"] += 1
        return body["data"]


async def writer(http: httpx.AsyncClient, token: str, n: int, updates: int, tally: Tally) -> None:
    data = await tally.call(
        http, token, CREATE, {"i": {"title": f"并发写入 {n}", "bodyText": "正文。"}}
    )
    if data is None:
        return
    story = data["createStory"]
    for u in range(updates):
        data = await tally.call(
            http,
            token,
            UPDATE,
            {
                "i": {
                    "id": story["id"],
                    "expectedVersion": story["version"],
                    "title": f"并发写入 {n}.{u}",
                }
            },
        )
        if data is not None:
            story = data["updateStory"]


async def run(
    writers: int, updates: int, workdir: Path, hub_path: str | None, console: Console
) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "RONGHUB_DATA_DIR": str(workdir / "data"),
        "RONGHUB_PORT": str(port),
        "RONGHUB_DEV_TOKEN": TOKEN,
        "RONGHUB_ENV": "development",
        "RONGHUB_LOG_LEVEL": "warning",
    }
    if hub_path:
        env["PYTHONPATH"] = hub_path
    cmd = [sys.executable, "-m", "hub.cli"]
    # `python -m` puts the working directory first on the path: run in the checkout measured
    with child([*cmd, "serve"], env, workdir / "serve.log", base + "/readyz", cwd=hub_path):
        limits = httpx.Limits(max_connections=writers + 8, max_keepalive_connections=writers + 8)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
            tokens = [await _signed_in_editor(http, i) for i in range(USERS)]
            tally = Tally()
            started = time.perf_counter()
            await asyncio.gather(
                *(writer(http, tokens[i % USERS], i, updates, tally) for i in range(writers))
            )
            elapsed = time.perf_counter() - started
    # after the server has stopped: the command starts the embedded store on the same folder
    verify = await asyncio.to_thread(
        subprocess.run,
        [*cmd, "audit", "verify"],
        env={**os.environ, **env},
        cwd=hub_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    failed = sum(v for k, v in tally.codes.items() if k in ("INTERNAL", "TRANSPORT", "UNCODED"))
    result = {
        "writers": writers,
        "writes": sum(tally.codes.values()),
        "ok": tally.codes["ok"],
        "failed": failed,
        "codes": dict(tally.codes),
        "messages": dict(tally.messages.most_common(5)),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
        "max_ms": round(max(tally.latencies) * 1000, 1),
        "seconds": round(elapsed, 1),
        "audit_verify_exit": verify.returncode,
        "audit_verify": (verify.stdout + verify.stderr).strip()[-500:],
        "hub": hub_path or "this checkout",
        "hub_module": _hub_file(cmd, env, hub_path),
    }
    console.print_json(json.dumps(result, ensure_ascii=False))
    return result


async def _signed_in_editor(http: httpx.AsyncClient, i: int) -> str:
    """A user with the editor grant, created by the development admin, signed in with a password."""
    username = f"bench-writer-{i}"
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            "variables": {
                "i": {
                    "username": username,
                    "displayName": f"写手 {i}",
                    "password": PASSWORD,
                    "grants": ["editor"],
                }
            },
        },
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert not response.json().get("errors"), response.text
    token = await http.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
    )
    assert token.status_code == 200, token.text
    return str(token.json()["access_token"])


def _hub_file(cmd: list[str], env: dict[str, str], cwd: str | None) -> str:
    """Where the measured server's `hub` package came from (proof of the checkout measured)."""
    probe = subprocess.run(
        [cmd[0], "-c", "import hub; print(hub.__file__)"],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return probe.stdout.strip()


def main() -> dict[str, Any]:
    writers = int(os.environ.get("RONGHUB_BENCH_WRITERS", "64"))
    updates = int(os.environ.get("RONGHUB_BENCH_UPDATES", "11"))
    console = Console()
    with tempfile.TemporaryDirectory(prefix="ronghub-writers-") as tmp:
        return asyncio.run(
            run(writers, updates, Path(tmp), os.environ.get("RONGHUB_BENCH_HUB_PATH"), console)
        )


if __name__ == "__main__":
    main()
