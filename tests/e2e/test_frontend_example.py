"""The front-end example (examples/frontend) against the session hub, when Node.js is here.

GraphQL Code Generator (client-preset, persisted documents) runs against the SDL in
openapi/, TypeScript compiles the client in strict mode, the build's persisted-documents
manifest is registered for a client, and the compiled client reads (GET with documentId,
ETag revalidation, paging both ways, node), signs in and writes against the running hub;
its live reader follows a story (liveStory over graphql-ws) through an update and a takedown.

Without `node` and `npm` the test is skipped with that reason. The first run installs the
pinned packages (`npm ci`, package-lock.json, about 300 packages / 110 MB, ~1 min from
npm's cache); later runs reuse examples/frontend/node_modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.ids import new_id
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import PASSWORD, make_user
from tests.e2e.test_read_cache import APPROVE, UPDATE, published

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "frontend"
STEP_TIMEOUT = 900  # npm ci on a cold cache, tsc on a busy 2-core machine


def run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=EXAMPLE, capture_output=True, text=True, timeout=STEP_TIMEOUT, env=env
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def built_example() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(
            "Node.js (node and npm) is not installed: the front-end example in examples/frontend was not run"
        )
    if not (EXAMPLE / "node_modules" / ".package-lock.json").exists():
        run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
    run("npx", "--no-install", "graphql-codegen", "--config", "codegen.ts")
    run("npx", "--no-install", "tsc", "-p", "tsconfig.json")  # strict: any type error fails here
    return EXAMPLE


async def test_the_typescript_client_reads_pages_revalidates_signs_in_and_writes(
    built_example: Path,
    hub_url: str,
    hub_settings: Settings,
    editor: GraphQLClient,
    http: httpx.AsyncClient,
    drain: Any,
) -> None:
    manifest = json.loads((built_example / "src" / "gql" / "persisted-documents.json").read_text())
    client = (
        await editor(
            'mutation { createClient(name: "前端示例", scopes: ["stories:read"]) { clientId } }'
        )
    )["createClient"]
    registered = await editor(
        "mutation($c: ID!, $m: JSON!) { registerPersistedDocuments(clientId: $c, manifest: $m) { documents } }",
        {"c": client["clientId"], "m": manifest},
    )
    assert registered["registerPersistedDocuments"]["documents"] == len(manifest)

    tag = "fe-" + new_id()[-8:]
    titles = [f"前端第{n}篇" for n in range(5)]
    for title in titles:
        await published(editor, title, tag, drain)
    user = await make_user(hub_settings.default_tenant, "editor")

    env = {
        **os.environ,
        "HUB_URL": hub_url,
        "HUB_TAG": tag,
        "HUB_USER": user,
        "HUB_PASSWORD": PASSWORD,
    }
    out = await _node(built_example, env)
    found = json.loads(out.strip().splitlines()[-1])
    assert found["forward"] == titles[::-1]
    assert found["notModified"] >= 1
    assert found["code"] == "VERSION_CONFLICT"
    story = await editor("query($id: ID!) { story(id: $id) { title } }", {"id": found["created"]})
    assert story["story"] == {"title": "前端示例"}


async def _node(example: Path, env: dict[str, str]) -> str:
    """Run the compiled client without blocking the hub, which serves it in this event loop."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        "node",
        "dist/smoke.js",
        cwd=example,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), STEP_TIMEOUT)
    assert proc.returncode == 0, (
        f"node dist/smoke.js failed:\n{stdout.decode()[-3000:]}\n{stderr.decode()[-3000:]}"
    )
    return stdout.decode()


TAKEDOWN = 'mutation($id: ID!, $v: Int!) { takedownStory(id: $id, expectedVersion: $v, reason: "直播结束") { id } }'


async def test_the_typescript_live_reader_follows_a_story_through_an_update_and_its_takedown(
    built_example: Path, hub_url: str, editor: GraphQLClient, drain: Any
) -> None:
    import asyncio

    story = await published(editor, "图文直播:开幕", "fe-live-" + new_id()[-8:], drain)
    proc = await asyncio.create_subprocess_exec(
        "node",
        "dist/follow.js",
        cwd=built_example,
        env={**os.environ, "HUB_URL": hub_url, "HUB_STORY": story["id"]},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None

    async def message() -> Any:
        line = await asyncio.wait_for(proc.stdout.readline(), STEP_TIMEOUT)  # type: ignore[union-attr]
        assert line, (await proc.stderr.read()).decode()[-3000:]  # type: ignore[union-attr]
        return json.loads(line)["story"]

    try:
        assert (await message())[
            "title"
        ] == "图文直播:开幕"  # subscribed: the story as published now
        edited = (
            await editor(
                UPDATE,
                {
                    "input": {
                        "id": story["id"],
                        "expectedVersion": story["version"],
                        "title": "图文直播:决赛",
                    }
                },
            )
        )["updateStory"]
        await editor(APPROVE, {"id": story["id"], "v": edited["version"]})
        await drain()
        assert (await message())["title"] == "图文直播:决赛"
        now = (await editor("query($id: ID!) { story(id: $id) { version } }", {"id": story["id"]}))[
            "story"
        ]
        await editor(TAKEDOWN, {"id": story["id"], "v": now["version"]})
        await drain()
        assert await message() is None
        assert (
            await asyncio.wait_for(proc.wait(), STEP_TIMEOUT) == 0
        )  # it disposes of its socket and ends
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
