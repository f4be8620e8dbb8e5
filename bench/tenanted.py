"""What the tenant-scoped collection (hub/store/tenanted.py) costs per call.

The same operations through the raw collection (the tenant written by hand, as the call
sites did) and through `Tenanted` (the tenant added), interleaved in rounds on one
embedded store: a story by `_id` (the read path of #15) and a compare-and-set update.
Reports CPU microseconds per call of this process and of the store process (from
/proc: the figure a shared machine does not distort), and the wrapper alone without I/O.

`python -m bench.tenanted` (calls per round from RONGHUB_BENCH_TENANTED_N, default 500).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient

from bench.readpath import cpu_seconds
from hub.embedded.store import EmbeddedStore
from hub.store.documents import StoryDoc
from hub.store.tenanted import Tenanted, across_tenants

TENANT = "bench-center"
ROUNDS = 4


def _store_pid(store: EmbeddedStore) -> int:
    proc = store._proc
    assert proc is not None
    return proc.pid


async def _timed(store_pid: int, n: int, call: Any) -> tuple[float, float]:
    """(this process's, the store's) CPU microseconds per call over `n` calls."""
    hub0, store0 = time.process_time(), cpu_seconds(store_pid)
    for i in range(n):
        await call(i)
    hub1, store1 = time.process_time(), cpu_seconds(store_pid)
    return (hub1 - hub0) / n * 1e6, (store1 - store0) / n * 1e6


async def run(uri: str, store_pid: int, n: int) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    await init_beanie(database=client["bench_tenanted"], document_models=[StoryDoc])
    raw = across_tenants(StoryDoc, reason="the benchmark compares the raw collection")
    await raw.delete_many({})
    ids = [f"s{i}" for i in range(100)]
    await raw.insert_many(
        [
            {"_id": i, "tenant": TENANT, "title": "标题", "version": 1, "body": "正文" * 200}
            for i in ids
        ]
    )

    async def raw_get(i: int) -> None:
        await raw.find_one({"_id": ids[i % 100], "tenant": TENANT})

    async def scoped_get(i: int) -> None:
        await Tenanted(StoryDoc, TENANT).find_one({"_id": ids[i % 100]})

    async def raw_set(i: int) -> None:
        await raw.update_one({"_id": ids[i % 100], "tenant": TENANT}, {"$inc": {"version": 1}})

    async def scoped_set(i: int) -> None:
        await Tenanted(StoryDoc, TENANT).update_one({"_id": ids[i % 100]}, {"$inc": {"version": 1}})

    figures: dict[str, list[tuple[float, float]]] = {}
    for _ in range(ROUNDS):  # interleaved: the machine's load falls on both alike
        for name, call in (
            ("find_one raw", raw_get),
            ("find_one Tenanted", scoped_get),
            ("update_one raw", raw_set),
            ("update_one Tenanted", scoped_set),
        ):
            figures.setdefault(name, []).append(await _timed(store_pid, n, call))
    await client.close()

    t0 = time.process_time()
    for i in range(100_000):
        Tenanted(StoryDoc, TENANT).scoped({"_id": ids[i % 100]})
    wrapper_us = (time.process_time() - t0) / 100_000 * 1e6
    t0 = time.process_time()
    for i in range(100_000):
        _ = {"_id": ids[i % 100], "tenant": TENANT}
    by_hand_us = (time.process_time() - t0) / 100_000 * 1e6
    return {
        "calls": n * ROUNDS,
        "median_us": {
            k: tuple(sorted(v)[len(v) // 2] for v in zip(*rows, strict=True))
            for k, rows in figures.items()
        },
        "wrapper_us": wrapper_us,
        "filter_by_hand_us": by_hand_us,
    }


def main() -> None:
    n = int(os.environ.get("RONGHUB_BENCH_TENANTED_N", "500"))
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp)) as store:
        result = asyncio.run(run(store.uri, _store_pid(store), n))
    print(f"{result['calls']} calls per operation and path, {ROUNDS} interleaved rounds")
    print(f"{'operation':24} {'hub CPU µs/call':>16} {'store CPU µs/call':>18}")
    for name, (hub, store_us) in result["median_us"].items():
        print(f"{name:24} {hub:16.1f} {store_us:18.1f}")
    print(
        f"Tenanted(...) + scoped(filter), no I/O: {result['wrapper_us']:.2f} µs"
        f" (the filter written by hand: {result['filter_by_hand_us']:.2f} µs)"
    )
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
