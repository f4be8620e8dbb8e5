"""The read path: an anonymous column page of 20 stories, against a bare endpoint.

1. Seed N published stories in 8 columns (bulk, through the store layer) into a fresh
   RONGHUB_DATA_DIR, then start `ronghub serve` on it in a child process: the embedded
   store and uvicorn exactly as a user gets them.
2. Fetch the column page once and start `bench.bare` serving those same bytes under the
   same uvicorn settings.
3. Load each with the same closed-loop client (wrk), warm-up first, then a bounded
   measured run: bare, hub (cached: the same page again and again).
4. The uncached rows, at the same concurrency, each on a freshly restarted hub (cold
   caches): a story by id, each id once, and a column page after a distinct cursor,
   each cursor once. Their warm-up uses a disjoint slice of the ids/cursors, so it
   warms the process (connections, parsed documents) but not the response cache for
   the measured requests; the measured cache hit ratio is reported beside them.
5. The newsroom mix: signed-in clients (the dev token, so the hub runs in development
   mode for this row), 70 % reads (a story by id, a column page) and 30 % writes
   (createStory), with bench.pyload in its own process for per-kind latencies and
   GraphQL errors counted as errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
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
from hub.embedded.store import RECORD, StoreRecord, free_port
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

#: Seconds a hub may take to answer /readyz: on a loaded machine (other benchmarks and
#: test runs beside it) starting 2 API workers took longer than bench.procs' 90 s.
READY_TIMEOUT = 600.0

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
    python_load: bool = False  # force the fallback client
    mix: bool = True  # the signed-in newsroom mix row
    api_workers: int | None = None  # RONGHUB_API_WORKERS of the hub (None: its default)


def column_page_query(column_id: str) -> str:
    return f'{{ stories(first: {PAGE_SIZE}, filter: {{columnId: "{column_id}"}}) {{ {PAGE_FIELDS} }} }}'


STORY_QUERY = "query($id: ID!) { story(id: $id) { id title summary body publishedAt column { name } cover { uri } } }"
NEWSROOM_PAGE = f"query($c: ID!) {{ stories(first: {PAGE_SIZE}, filter: {{columnId: $c}}) {{ {PAGE_FIELDS} }} }}"
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"


def story_bodies(seeded: Seeded) -> list[str]:
    """One request per seeded story, by id, in a fixed shuffled order."""
    ids = [story_id for _, _, story_id in seeded.stories]
    random.Random(11).shuffle(ids)
    return [json.dumps({"query": STORY_QUERY, "variables": {"id": i}}) for i in ids]


def mix_bodies(seeded: Seeded, count: int = 1_000) -> tuple[list[str], list[str]]:
    """`count` newsroom requests (bodies, tags): 70 % reads, half a story by id and half a
    column page, and 30 % writes (a new story each)."""
    rnd = random.Random(13)
    ids = [story_id for _, _, story_id in seeded.stories]
    bodies, tags = [], []
    for n in range(count):
        roll = rnd.random()
        if roll < 0.35:
            bodies.append(json.dumps({"query": STORY_QUERY, "variables": {"id": rnd.choice(ids)}}))
            tags.append("read")
        elif roll < 0.7:
            bodies.append(
                json.dumps(
                    {"query": NEWSROOM_PAGE, "variables": {"c": rnd.choice(seeded.column_ids)}}
                )
            )
            tags.append("read")
        else:
            fields = {
                "title": f"压测新稿{n}",
                "summary": "示例摘要。",
                "bodyText": "示例正文。" * 50,
                "columnId": rnd.choice(seeded.column_ids),
                "tags": ["压测"],
            }
            bodies.append(
                json.dumps({"query": CREATE, "variables": {"i": fields}}, ensure_ascii=False)
            )
            tags.append("write")
    return bodies, tags


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
            bodies.append(
                json.dumps({"query": MISS_QUERY, "variables": {"c": column_id, "a": after}})
            )
    random.Random(7).shuffle(bodies)
    return bodies[:limit]


METRICS_TOKEN = "bench-only-metrics-token"


def _counter(metrics: str, outcome: str) -> float:
    m = re.search(
        r'^ronghub_graphql_requests_total\{outcome="' + outcome + r'"\} (\S+)$', metrics, re.M
    )
    return float(m.group(1)) if m else 0.0


WORKER_LINE = re.compile(r'^ronghub_api_worker\{pid="(\d+)",worker="\d+"\} 1\.0$', re.M)


def _cache_counts(base: str) -> dict[str, float]:
    """The hub's request counters, summed over its API workers: each worker counts its
    own, so /metrics is read on new connections until every worker has answered once."""
    per_worker: dict[str, dict[str, float]] = {}
    workers = 1
    for _ in range(200):
        text = httpx.get(
            f"{base}/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
        ).text
        pids = WORKER_LINE.findall(text)
        per_worker[pids[0] if pids else ""] = {
            k: _counter(text, k) for k in ("cached", "ok", "error")
        }
        workers = _hub_workers or 1
        if len(per_worker) >= workers:
            break
    else:
        raise RuntimeError(f"/metrics answered by {len(per_worker)} of {workers} workers")
    return {k: sum(w[k] for w in per_worker.values()) for k in ("cached", "ok", "error")}


_hub_workers = 1  # the API workers of the hub being measured (run_read_path sets it)


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
    if len(edges) != PAGE_SIZE or not all(
        e["node"]["cover"] and e["node"]["column"] for e in edges
    ):
        raise RuntimeError(f"{what} is not a full page with columns and covers: {body[:500]!r}")
    return data


def role_cpu_seconds(name: str, pid: int, pids: dict[str, int]) -> float:
    """CPU so far of one of `pids` ("hub": the hub process and its API workers)."""
    if name == "hub":  # with RONGHUB_API_WORKERS the hub is its workers
        return _tree_cpu_seconds(pid, {p for n, p in pids.items() if n != "hub"})
    return cpu_seconds(pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_per_request(
    pids: dict[str, int], before: dict[str, float], requests: int
) -> dict[str, float]:
    """CPU milliseconds each process spent per request: on a shared machine the figure
    that does not depend on how much CPU the others left over."""
    return {
        name: round((role_cpu_seconds(name, pid, pids) - before[name]) * 1000 / max(requests, 1), 2)
        for name, pid in pids.items()
    }


def _store_pid(data_dir: Path) -> int | None:
    record = StoreRecord.read(data_dir / "store" / RECORD)
    return record.pid if record else None


def _measure(
    wrk: str | None,
    load: loads.Load,
    opts: Options,
    hub: str | None,
    connections: int,
    timeout: float = 5.0,
    warmup: loads.Load | None = None,
    pids: dict[str, int] | None = None,
) -> dict[str, Any]:
    loads.run(wrk, warmup or load, connections, opts.warmup, opts.threads, timeout)  # discarded
    before = _drained(hub, timeout) if hub else None
    pids = pids or {}
    cpu_before = {name: role_cpu_seconds(name, pid, pids) for name, pid in pids.items()}
    result = loads.run(wrk, load, connections, opts.duration, opts.threads, timeout).as_dict()
    result["connections"] = connections
    if hub and before:
        # the requests still in flight when the client stopped are finished (and their CPU
        # spent) before counting: CPU per request divides by what the hub answered
        after = _drained(hub, timeout)
        if pids:
            answered = sum(after.values()) - sum(before.values())
            result["cpu_ms_per_request"] = _cpu_per_request(pids, cpu_before, int(answered))
        hits = after["cached"] - before["cached"]
        executed = after["ok"] + after["error"] - before["ok"] - before["error"]
        result["cache_hits"] = int(hits)
        result["cache_misses"] = int(executed)
        result["hit_ratio"] = round(hits / (hits + executed), 4) if hits + executed else None
    elif pids:
        result["cpu_ms_per_request"] = _cpu_per_request(pids, cpu_before, int(result["requests"]))  # type: ignore[arg-type]
    if "hub" in pids:
        result["api_peak_rss_mb"] = api_peak_rss_mb(pids["hub"], but={pids.get("store", -1)})
    return result


def api_peak_rss_mb(pid: int, but: set[int]) -> float:
    """The largest peak RSS (VmHWM) among the hub process and its API workers (the store,
    in `but`, is left out): the issue's "API process stays within 300 MB"."""
    peaks = []
    for p in [pid, *(c for c in _children(pid) if c not in but)]:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


def _cold(
    wrk: str | None, url: str, hub: str, bodies: list[str], opts: Options, pids: dict[str, int]
) -> dict[str, Any]:
    """Distinct requests at full concurrency on a fresh hub: warm-up on the first tenth of
    `bodies`, measured on the rest (each once unless the run outlasts them: see hit ratio)."""
    split = max(1, len(bodies) // 10)
    return _measure(
        wrk,
        loads.Load(url, bodies[split:], {}),
        opts,
        hub,
        opts.connections,
        warmup=loads.Load(url, bodies[:split], {}),
        pids=pids,
    )


def _pids(hub_proc: Any, data_dir: Path) -> dict[str, int]:
    store = _store_pid(data_dir)
    return {"hub": hub_proc.pid, **({"store": store} if store else {})}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _tree_cpu_seconds(pid: int, but: set[int]) -> float:
    """CPU of `pid` and its children (the hub's API workers), less the `but` processes
    (the embedded store, also the hub's child, counted on its own)."""
    total = cpu_seconds(pid)
    for child_pid in _children(pid):
        if child_pid not in but:
            with contextlib.suppress(OSError):
                total += cpu_seconds(child_pid)
    return total


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
        global _hub_workers
        _hub_workers = opts.api_workers or (os.cpu_count() or 1)
        env["RONGHUB_API_WORKERS"] = str(_hub_workers)
        hub_cmd = [sys.executable, "-m", "hub.cli", "serve"]
        print("starting the hub (ronghub serve) …", file=sys.stderr)
        misses = miss_bodies(seeded, limit=opts.stories)
        stories = story_bodies(seeded)
        with child(
            hub_cmd, env, tmp / "hub.log", f"{hub}/readyz", ready_timeout=READY_TIMEOUT
        ) as hub_proc:
            column_id = seeded.column_ids[1]
            body = json.dumps({"query": column_page_query(column_id)})
            page = httpx.post(
                f"{hub}/graphql",
                content=body,
                headers={"content-type": "application/json"},
                timeout=30,
            )
            _check_page(page.content, "the hub's column page")
            for sample in (
                misses[-1],
                stories[-1],
            ):  # the last ones: the measured runs hardly reach them
                checked = json.loads(
                    httpx.post(
                        f"{hub}/graphql",
                        content=sample,
                        headers={"content-type": "application/json"},
                        timeout=30,
                    ).content
                )
                if checked.get("errors") or not checked.get("data"):
                    raise RuntimeError(f"a sample request answered with errors: {checked}")
            (tmp / "page.json").write_bytes(page.content)
            bare_cmd = [
                sys.executable,
                "-m",
                "bench.bare",
                "--port",
                str(bare_port),
                "--body",
                str(tmp / "page.json"),
            ]
            with child(bare_cmd, {}, tmp / "bare.log", f"{bare}/healthz") as bare_proc:
                same = (
                    httpx.post(f"{bare}/graphql", content=body, timeout=10).content == page.content
                )
                if not same:
                    raise RuntimeError("the bare endpoint does not serve the hub's bytes")
                bare_runs: list[dict[str, Any]] = []
                hub_runs: list[dict[str, Any]] = []
                for n in range(opts.rounds):
                    print(
                        f"round {n + 1}/{opts.rounds}: bare endpoint, hub (cached) …",
                        file=sys.stderr,
                    )
                    bare_runs.append(
                        _measure(
                            wrk,
                            loads.Load(f"{bare}/graphql", [body], {}),
                            opts,
                            None,
                            opts.connections,
                            pids={"bare": bare_proc.pid},
                        )
                    )
                    hub_runs.append(
                        _measure(
                            wrk,
                            loads.Load(f"{hub}/graphql", [body], {}),
                            opts,
                            hub,
                            opts.connections,
                            pids=_pids(hub_proc, data_dir),
                        )
                    )
        cold: dict[str, dict[str, Any]] = {}
        for name, bodies in (("story_by_id_cold", stories), ("page_cursor_cold", misses)):
            print(
                f"{name}: a fresh hub, {opts.connections} connections, distinct requests …",
                file=sys.stderr,
            )
            with child(
                hub_cmd, env, tmp / f"hub-{name}.log", f"{hub}/readyz", ready_timeout=READY_TIMEOUT
            ) as hub_proc:
                cold[name] = _cold(
                    wrk, f"{hub}/graphql", hub, bodies, opts, _pids(hub_proc, data_dir)
                )
        if opts.mix:
            print(
                "newsroom mix: a fresh hub (development mode, dev token), bench.pyload …",
                file=sys.stderr,
            )
            dev_env = {**env, "RONGHUB_ENV": "development"}
            with child(
                hub_cmd, dev_env, tmp / "hub-mix.log", f"{hub}/readyz", ready_timeout=READY_TIMEOUT
            ) as hub_proc:
                mix, tags = mix_bodies(seeded)
                auth = {"authorization": f"Bearer {TOKEN}"}
                load = loads.Load(f"{hub}/graphql", mix, auth, tags=tags, check_errors=True)
                loads.run(
                    None,
                    loads.Load(
                        f"{hub}/graphql",
                        [b for b, t in zip(mix, tags, strict=True) if t == "read"],
                        auth,
                    ),
                    opts.connections,
                    opts.warmup,
                    opts.threads,
                )
                pids = _pids(hub_proc, data_dir)
                before = _drained(hub, 30.0)
                cpu_before = {name: role_cpu_seconds(name, pid, pids) for name, pid in pids.items()}
                mixed = loads.run(
                    None, load, opts.connections, opts.duration, opts.threads, 30.0
                ).as_dict()
                answered = sum(_drained(hub, 30.0).values()) - sum(before.values())
                cold["newsroom_mix"] = {
                    **mixed,
                    "connections": opts.connections,
                    "cpu_ms_per_request": _cpu_per_request(pids, cpu_before, int(answered)),
                }
    scenarios = {"bare": _median(bare_runs), "hub_cached": _median(hub_runs), **cold}
    bare_rps = scenarios["bare"]["rps"]
    ratio = scenarios["hub_cached"]["rps"] / bare_rps
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
            **{f"{k}_over_bare_rps": round(v["rps"] / bare_rps, 4) for k, v in cold.items()},
        },
        "targets": {
            "hub_cached_over_bare_rps_at_least": TARGET_RATIO,
            "hub_cached_p99_ms_at_most": TARGET_P99_MS,
            "met": ratio >= TARGET_RATIO and scenarios["hub_cached"]["p99_ms"] <= TARGET_P99_MS,
        },
        "notes": notes,
    }
