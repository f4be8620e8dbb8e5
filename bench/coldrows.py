"""The read path's cold rows alone (bench.readpath), on a data folder seeded once.

`python -m bench.coldrows --data DIR [--rows story page] [--duration 10] [--probe DIR]`

Seeds DIR on first use (bench.seed, as bench.readpath does) and keeps it, so before/after
pairs can run back to back without seeding again; then, per row, starts `ronghub serve`
on it afresh and measures the distinct requests exactly as bench.readpath's cold rows do
(warm-up on a disjoint tenth, then the measured run; rate, p50/p99, CPU ms per request per
role, peak API RSS). With `--probe DIR` the hub's processes load bench.tailprobe, and the
measured window's in-hub timings are summarized after each row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import load as loads
from bench import readpath
from bench.procs import child
from bench.seed import seeded_once
from hub.embedded.store import free_port
from hub.settings import Settings

SITE = Path(__file__).parent / "tailprobe_site"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--rows", nargs="+", default=["story", "page"], choices=["story", "page"])
    p.add_argument("--stories", type=int, default=10_000)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--api-workers", type=int, default=2)
    p.add_argument("--probe", type=Path, default=None)
    args = p.parse_args()
    data_dir = args.data / "data"
    settings = Settings(data_dir=data_dir, default_tenant=readpath.TENANT, mongodb_uri=None)
    seeded = seeded_once(settings, args.data, args.stories)
    opts = readpath.Options(
        stories=args.stories,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        api_workers=args.api_workers,
    )
    readpath._hub_workers = args.api_workers
    port = free_port()
    hub = f"http://127.0.0.1:{port}"
    env = {
        "RONGHUB_DATA_DIR": str(data_dir),
        "RONGHUB_MONGODB_URI": "",
        "RONGHUB_ENV": "production",
        "RONGHUB_KEY_ENCRYPTION_SECRET": "bench-only-key-encryption-secret",
        "RONGHUB_DEV_TOKEN": readpath.TOKEN,
        "RONGHUB_METRICS_TOKEN": readpath.METRICS_TOKEN,
        "RONGHUB_DEFAULT_TENANT": readpath.TENANT,
        "RONGHUB_HOST": "127.0.0.1",
        "RONGHUB_PORT": str(port),
        "RONGHUB_API_WORKERS": str(args.api_workers),
    }
    if args.probe is not None:
        env["RONGHUB_TAILPROBE_DIR"] = str(args.probe)
        env["PYTHONPATH"] = os.pathsep.join([str(SITE), os.environ.get("PYTHONPATH", "")])
    windows: list[tuple[float, float]] = []
    run = loads.run

    def timed_run(*a: Any, **kw: Any) -> Any:
        t0 = time.time()
        try:
            return run(*a, **kw)
        finally:
            windows.append((t0, time.time()))

    loads.run = timed_run
    bodies = {
        "story": readpath.story_bodies(seeded),
        "page": readpath.miss_bodies(seeded, limit=args.stories),
    }
    results = {}
    for row in args.rows:
        log = args.data / f"hub-{row}.log"
        with child(
            [sys.executable, "-m", "hub.cli", "serve"],
            env,
            log,
            f"{hub}/readyz",
            ready_timeout=readpath.READY_TIMEOUT,
        ) as proc:
            load_before = os.getloadavg()
            result = readpath._cold(
                loads.find_wrk(),
                f"{hub}/graphql",
                hub,
                bodies[row],
                opts,
                readpath._pids(proc, data_dir),
            )
            result["load_before_after"] = [load_before, os.getloadavg()]
            results[row] = result
            measured = windows[-1]
            print(
                f"{row}: {result['rps']} req/s p50 {result['p50_ms']} p99 {result['p99_ms']} "
                f"max {result['max_ms']} ms; CPU ms/request {result.get('cpu_ms_per_request')}; "
                f"hit ratio {result.get('hit_ratio')}; API peak RSS {result.get('api_peak_rss_mb')} MB; "
                f"load {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if args.probe is not None:
                time.sleep(1.5)  # the probe writes every second
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.tailprobe",
                        str(args.probe),
                        "--since",
                        str(measured[0]),
                        "--until",
                        str(measured[1]),
                    ],
                    check=False,
                )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
