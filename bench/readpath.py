"""The read path: an anonymous column page of 20 stories, against a bare endpoint.

1. Seed N published stories in 8 columns (bulk, through the store layer) into a fresh
   RONGHUB_DATA_DIR, then start `ronghub serve` on it in a child process: the embedded
   store and uvicorn exactly as a user gets them.
2. Fetch the column page once and start `bench.bare` serving those same bytes under the
   same uvicorn settings.
3. Load each with the same closed-loop client (wrk), warm-up first, then a bounded
   measured run: bare, hub (cached: the same page again and again), and hub with a
   distinct `after` cursor per request (cache misses: GraphQL + store every time).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import load as loads
from bench.procs import child
from bench.seed import Seeded, seed_stories
from hub.embedded.store import free_port
from hub.runtime import store_for
from hub.settings import Settings
from hub.store import cursor as cursors

PAGE_SIZE = 20
PAGE_FIELDS = (
    "edges { node { id title summary publishedAt column { name } cover { uri } } } "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
)
TOKEN = "bench-token"
TENANT = "default"

# Targets from issue 2, item 10.
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0


@dataclass
class Options:
    stories: int = 10_000
    connections: int = 64
    duration: float = 10.0
    warmup: float = 3.0
    threads: int = 1
    rounds: int = 1
    # Misses take the store hundreds of ms each (it sorts on one core), so a timed run
    # at 64 connections would only time out: they are sampled one at a time instead.
    miss_requests: int = 30
    python_load: bool = False  # force the fallback client


def column_page_query(column_id: str) -> str:
    return f'{{ stories(first: {PAGE_SIZE}, filter: {{columnId: "{column_id}"}}) {{ {PAGE_FIELDS} }} }}'


MISS_QUERY = (
    f"query($c: ID!, $a: String) {{ stories(first: {PAGE_SIZE}, after: $a, filter: {{columnId: $c}}) "
    f"{{ {PAGE_FIELDS} }} }}"
)


def miss_bodies(seeded: Seeded, limit: int) -> list[str]:
    """Distinct requests: the page after some story, for stories with a full page after them."""
    by_column: dict[str, list[tuple[int, str]]] = {}
    for column_id, at, story_id in seeded.stories:
        by_column.setdefault(column_id, []).append((at, story_id))
    bodies = []
    for column_id, items in by_column.items():
        items.sort()  # oldest first: skip the oldest PAGE_SIZE, whose next pages are short
        for at, story_id in items[PAGE_SIZE:]:
            after = cursors.encode("published_at", at, story_id)
            bodies.append(json.dumps({"query": MISS_QUERY, "variables": {"c": column_id, "a": after}}))
    random.Random(7).shuffle(bodies)
    return bodies[:limit]


METRICS_TOKEN = "bench-only-metrics-token"


def _counter(metrics: str, outcome: str) -> float:
    m = re.search(r'^ronghub_graphql_requests_total\{outcome="' + outcome + r'"\} (\S+)$', metrics, re.M)
    return float(m.group(1)) if m else 0.0


def _cache_counts(base: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10).text
    return {k: _counter(text, k) for k in ("cached", "ok", "error")}


def _drained(base: str, timeout: float) -> dict[str, float]:
    """Counters once the hub has finished what the warm-up left in flight (up to `timeout`)."""
    last = _cache_counts(base)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cache_counts(base)
        if now == last:
            break
        last = now
    return last


def _check_page(body: bytes, what: str) -> dict[str, Any]:
    data = json.loads(body)
    if data.get("errors"):
        raise RuntimeError(f"{what} answered with errors: {data['errors']}")
    edges = data["data"]["stories"]["edges"]
    if len(edges) != PAGE_SIZE or not all(e["node"]["cover"] and e["node"]["column"] for e in edges):
        raise RuntimeError(f"{what} is not a full page with columns and covers: {body[:500]!r}")
    return data


def _measure(
    wrk: str | None,
    load: loads.Load,
    opts: Options,
    hub: str | None,
    connections: int,
    timeout: float = 5.0,
    warmup: loads.Load | None = None,
) -> dict[str, Any]:
    loads.run(wrk, warmup or load, connections, opts.warmup, opts.threads, timeout)  # discarded
    before = _drained(hub, timeout) if hub else None
    result = loads.run(wrk, load, connections, opts.duration, opts.threads, timeout).as_dict()
    result["connections"] = connections
    if hub and before:
        after = _cache_counts(hub)
        hits = after["cached"] - before["cached"]
        executed = after["ok"] + after["error"] - before["ok"] - before["error"]
        result["cache_hits"] = int(hits)
        result["cache_misses"] = int(executed)
        result["hit_ratio"] = round(hits / (hits + executed), 4) if hits + executed else None
    return result


def _sample_misses(hub: str, bodies: list[str], count: int) -> dict[str, Any]:
    """Uncached cost: `count` distinct page requests, sequentially (latency of one miss)."""
    before = _cache_counts(hub)
    latencies = []
    errors = 0
    started = time.perf_counter()
    with httpx.Client(base_url=hub, timeout=120, headers={"content-type": "application/json"}) as client:
        for body in bodies[:count]:
            t0 = time.perf_counter()
            response = client.post("/graphql", content=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 200 or b'"errors"' in response.content
    elapsed = time.perf_counter() - started
    after = _cache_counts(hub)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 2)

    hits = after["cached"] - before["cached"]
    executed = after["ok"] + after["error"] - before["ok"] - before["error"]
    return {
        "tool": "httpx, sequential",
        "command": f"{count} POST /graphql with distinct `after` cursors, one at a time",
        "connections": 1,
        "requests": len(latencies),
        "duration_s": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 2),
        "p50_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 2),
        "errors": errors,
        "cache_hits": int(hits),
        "cache_misses": int(executed),
        "hit_ratio": round(hits / (hits + executed), 4) if hits + executed else None,
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rps (kept whole, so its latencies belong to it)."""
    ordered = sorted(runs, key=lambda r: r["rps"])
    chosen = dict(ordered[len(ordered) // 2])
    if len(runs) > 1:
        chosen["rounds_rps"] = [r["rps"] for r in runs]
    return chosen


def run_read_path(opts: Options) -> dict[str, Any]:
    """Run the read-path benchmark; returns the figures (see bench.run for the output)."""
    wrk = None if opts.python_load else loads.find_wrk()
    notes = []
    if wrk is None:
        notes.append(
            "wrk is not available (install Debian's 'wrk'); fell back to bench.pyload, a "
            "single-process Python client that saturates first: ratios are lower bounds."
        )
        print("NOTE: " + notes[-1], file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ronghub-bench-") as tmp_name:
        tmp = Path(tmp_name)
        data_dir = tmp / "data"
        settings = Settings(data_dir=data_dir, default_tenant=TENANT, mongodb_uri=None)
        t0 = time.perf_counter()
        print(f"seeding {opts.stories} published stories …", file=sys.stderr)
        with store_for(settings) as ready:
            seeded = asyncio.run(seed_stories(ready, opts.stories))
        seed_s = time.perf_counter() - t0

        hub_port, bare_port = free_port(), free_port()
        hub = f"http://127.0.0.1:{hub_port}"
        bare = f"http://127.0.0.1:{bare_port}"
        env = {
            "RONGHUB_DATA_DIR": str(data_dir),
            "RONGHUB_MONGODB_URI": "",  # always the embedded store, as on a fresh machine
            "RONGHUB_ENV": "production",
            "RONGHUB_KEY_ENCRYPTION_SECRET": "bench-only-key-encryption-secret",
            "RONGHUB_DEV_TOKEN": TOKEN,
            "RONGHUB_METRICS_TOKEN": METRICS_TOKEN,  # production: /metrics needs it
            "RONGHUB_DEFAULT_TENANT": TENANT,
            "RONGHUB_HOST": "127.0.0.1",
            "RONGHUB_PORT": str(hub_port),
        }
        hub_cmd = [sys.executable, "-m", "hub.cli", "serve"]
        print("starting the hub (ronghub serve) …", file=sys.stderr)
        with child(hub_cmd, env, tmp / "hub.log", f"{hub}/readyz"):
            column_id = seeded.column_ids[1]
            body = json.dumps({"query": column_page_query(column_id)})
            page = httpx.post(f"{hub}/graphql", content=body, headers={"content-type": "application/json"}, timeout=30)
            _check_page(page.content, "the hub's column page")
            misses = miss_bodies(seeded, limit=opts.stories)
            for sample in misses[:3]:
                paged = httpx.post(f"{hub}/graphql", content=sample, headers={"content-type": "application/json"}, timeout=30)
                _check_page(paged.content, "a page after a cursor")
            (tmp / "page.json").write_bytes(page.content)
            bare_cmd = [sys.executable, "-m", "bench.bare", "--port", str(bare_port), "--body", str(tmp / "page.json")]
            with child(bare_cmd, {}, tmp / "bare.log", f"{bare}/healthz"):
                same = httpx.post(f"{bare}/graphql", content=body, timeout=10).content == page.content
                if not same:
                    raise RuntimeError("the bare endpoint does not serve the hub's bytes")
                bare_runs: list[dict[str, Any]] = []
                hub_runs: list[dict[str, Any]] = []
                for n in range(opts.rounds):
                    print(f"round {n + 1}/{opts.rounds}: bare endpoint, hub (cached) …", file=sys.stderr)
                    bare_runs.append(_measure(wrk, loads.Load(f"{bare}/graphql", [body], {}), opts, None, opts.connections))
                    hub_runs.append(_measure(wrk, loads.Load(f"{hub}/graphql", [body], {}), opts, hub, opts.connections))
                print(f"hub (cache misses: {opts.miss_requests} distinct cursors, one at a time) …", file=sys.stderr)
                miss = _sample_misses(hub, misses[3:], opts.miss_requests)
    scenarios = {"bare": _median(bare_runs), "hub_cached": _median(hub_runs), "hub_miss": miss}
    ratio = scenarios["hub_cached"]["rps"] / scenarios["bare"]["rps"]
    miss_ratio = miss["rps"] / scenarios["bare"]["rps"]
    return {
        "benchmark": "read_path",
        "what": f"anonymous GraphQL column page of {PAGE_SIZE} stories (with column and cover) "
        f"on {opts.stories} published stories in {len(seeded.column_ids)} columns",
        "load_tool": "wrk" if wrk else "bench.pyload",
        "options": opts.__dict__,
        "seed_seconds": round(seed_s, 1),
        "page_bytes": len(page.content),
        "scenarios": scenarios,
        "ratios": {
            "hub_cached_over_bare_rps": round(ratio, 3),
            "hub_miss_over_bare_rps": round(miss_ratio, 4),
        },
        "targets": {
            "hub_cached_over_bare_rps_at_least": TARGET_RATIO,
            "hub_cached_p99_ms_at_most": TARGET_P99_MS,
            "met": ratio >= TARGET_RATIO and scenarios["hub_cached"]["p99_ms"] <= TARGET_P99_MS,
        },
        "notes": notes,
    }
