"""The read path with the app's read counting on and off, in the same run (issue 18).

`python -m bench.reach_reads` — seed RONGHUB_BENCH_STORIES (2,000) published stories
into a fresh embedded store, then start `ronghub serve` with
RONGHUB_REACH_COUNT_READS=true and =false in turn (on, off, on, off …,
RONGHUB_BENCH_ROUNDS rounds each) and load each with the same closed-loop client
(wrk, else bench.pyload): an anonymous `story(id)` read per request, ids cycled, with
a phone browser's user agent (so every request is counted; most are answered from the
response cache, the path counting must not slow). The median run of each mode is kept;
the target is on ≥ 90 % of off in requests per second.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench import load as loads
from bench.procs import child
from bench.readpath import METRICS_TOKEN, TOKEN, story_bodies
from bench.seed import seed_stories
from hub.embedded.store import free_port
from hub.runtime import store_for
from hub.settings import Settings

TENANT = "default"
AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 YunShang/3.2"


def _warm(hub: str, bodies: list[str]) -> None:
    with httpx.Client(
        timeout=30, headers={"content-type": "application/json", "user-agent": AGENT}
    ) as client:
        for body in bodies:
            client.post(f"{hub}/graphql", content=body).raise_for_status()


def main() -> dict[str, Any]:
    stories = int(os.environ.get("RONGHUB_BENCH_STORIES", "2000"))
    rounds = int(os.environ.get("RONGHUB_BENCH_ROUNDS", "2"))
    duration = float(os.environ.get("RONGHUB_BENCH_DURATION", "10"))
    connections = int(os.environ.get("RONGHUB_BENCH_CONNECTIONS", "32"))
    wrk = loads.find_wrk()
    with tempfile.TemporaryDirectory(prefix="reach-reads-") as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "data", default_tenant=TENANT, mongodb_uri=None)
        with store_for(settings) as ready:
            seeded = asyncio.run(seed_stories(ready, stories))
        port = free_port()
        hub = f"http://127.0.0.1:{port}"
        env = {
            "RONGHUB_DATA_DIR": str(tmp / "data"),
            "RONGHUB_MONGODB_URI": "",
            "RONGHUB_ENV": "production",
            "RONGHUB_KEY_ENCRYPTION_SECRET": "bench-only-key-encryption-secret",
            "RONGHUB_DEV_TOKEN": TOKEN,
            "RONGHUB_METRICS_TOKEN": METRICS_TOKEN,
            "RONGHUB_DEFAULT_TENANT": TENANT,
            "RONGHUB_HOST": "127.0.0.1",
            "RONGHUB_PORT": str(port),
        }
        load = loads.Load(
            f"{hub}/graphql",
            story_bodies(seeded),
            {"content-type": "application/json", "user-agent": AGENT},
        )
        runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
        for i in range(rounds):
            for mode in ("on", "off"):
                flag = "true" if mode == "on" else "false"
                with child(
                    [sys.executable, "-m", "hub.cli", "serve"],
                    {**env, "RONGHUB_REACH_COUNT_READS": flag},
                    tmp / f"hub-{mode}-{i}.log",
                    f"{hub}/readyz",
                ):
                    _warm(
                        hub, load.bodies
                    )  # every story into the response cache once (a busy machine's warm-up run may not reach them all)
                    loads.run(wrk, load, connections, duration, 2)  # warm-up as long as the run
                    result = loads.run(wrk, load, connections, duration, 2).as_dict()
                    runs[mode].append(result)
                    print(
                        f"round {i + 1} counting {mode:<3} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
                        f"p99 {result['p99_ms']:.2f} ms  errors {result['errors']}",
                        flush=True,
                    )
    chosen = {mode: sorted(rs, key=lambda r: r["rps"])[len(rs) // 2] for mode, rs in runs.items()}
    ratio = chosen["on"]["rps"] / chosen["off"]["rps"] if chosen["off"]["rps"] else 0.0
    out = {
        "stories": stories,
        "connections": connections,
        "duration_s": duration,
        "tool": chosen["on"]["tool"],
        "on": chosen["on"],
        "off": chosen["off"],
        "rounds_rps": {m: [r["rps"] for r in rs] for m, rs in runs.items()},
        "on_over_off": round(ratio, 3),
        "target_met": ratio >= 0.9,
    }
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    sys.exit(0 if main()["target_met"] else 1)
