"""While bombs arrive concurrently, the hub keeps answering: a normal read and /healthz
complete within a generous bound, and every bomb is refused with its code."""

from __future__ import annotations

import asyncio
import time

import httpx

from hub.settings import Settings
from tests.hostile.helpers import BOUND, refused
from tests.hostile.test_graphql_bombs import bombs

NORMAL = "{ stories(first: 5) { edges { cursor node { id title column { name } } } pageInfo { hasNextPage } } }"


async def test_normal_reads_stay_fast_while_bombs_run(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    catalogue = bombs(hub_settings)
    chosen = [
        "fan-out-18",
        "fan-out-30",
        "fan-out-on-query",
        "alias-flood",
        "field-duplication",
        "field-duplication-at-the-limit",
        "directive-flood",
        "deep-introspection",
        "long-field-name",
    ]
    deep_json = (
        b'{"query": "{ columns { id } }", "variables": {"v": '
        + b"[" * 50_000
        + b"]" * 50_000
        + b"}}"
    )

    async def bomb(name: str, n: int) -> None:
        query, code = catalogue[name]
        # distinct bytes each time: no cached answer may hide the work
        response = await http.post("/graphql", json={"query": f"# {n}\n{query}"})
        refused(response, code)

    async def deep(n: int) -> None:
        response = await http.post(
            "/graphql", content=deep_json + b" " * n, headers={"content-type": "application/json"}
        )
        refused(response, "JSON_TOO_DEEP", 400)

    async def timed_read() -> float:
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": NORMAL})
        assert response.status_code == 200 and "errors" not in response.json(), response.text[:300]
        health = await http.get("/healthz")
        assert health.status_code == 200
        return time.perf_counter() - started

    await http.post("/graphql", json={"query": NORMAL})  # warm
    started = time.perf_counter()
    storm = [bomb(name, n) for n in range(3) for name in chosen] + [deep(n) for n in range(5)]
    reads = [timed_read() for _ in range(5)]
    results = await asyncio.gather(*reads, *storm)
    # The test client and the hub share one event loop, so a read also waits for the
    # client's side of every bomb: twice the single-request bound. One bomb that still
    # expanded (an 18-level fan-out took 16 s) is far beyond it.
    assert max(results[: len(reads)]) < 2 * BOUND, f"normal reads took {results[: len(reads)]}"
    assert time.perf_counter() - started < 3 * BOUND, "the bombs together must not take long either"
