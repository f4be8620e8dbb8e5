"""Where a hub's latency tail comes from: per-request timings inside its API workers.

`RONGHUB_TAILPROBE_DIR=<folder> PYTHONPATH=bench/tailprobe_site:… python -m hub.cli serve`
(or any benchmark starting the hub with that environment) makes every hub process load
this probe at start-up (`bench/tailprobe_site/sitecustomize.py`). It changes nothing the
hub does; it records, with wall-clock times so a measured window can be cut out later:

- per /graphql request: when the ASGI call began and ended, the client's port (which
  connection: how the kernel spread them over the workers) and its size;
- every garbage collection: generation and duration;
- event-loop lag: how late a 5 ms timer fires (the loop was busy with something else);
- every coalesced read's find (hub/store/coalesce.py): ids in it and its round trip;

and writes them as JSON to `<folder>/<pid>.json` every second. `python -m bench.tailprobe
<folder> --since T0 --until T1` then summarizes them per process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.abc
import importlib.machinery
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

_REQUESTS: list[tuple[float, float, int, int]] = []  # start, end, client port, body bytes
_GCS: list[tuple[float, int, float, int]] = []  # at, generation, seconds, collected
_LAGS: list[tuple[float, float]] = []  # at, seconds late
_FINDS: list[tuple[float, float, int]] = []  # start, end, ids
_gc_started = [0.0]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        _GCS.append(
            (
                time.time(),
                info["generation"],
                time.perf_counter() - _gc_started[0],
                info.get("collected", 0),
            )
        )


async def _lag_monitor() -> None:
    step = 0.005
    while True:
        before = time.perf_counter()
        await asyncio.sleep(step)
        late = time.perf_counter() - before - step
        if late > 0.002:
            _LAGS.append((time.time(), late))


def _patch_graphql(module: Any) -> None:
    cls = module.CachedReads
    original = cls.__call__
    started = [False]

    async def timed(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != "/graphql":
            return await original(self, scope, receive, send)
        if not started[0]:
            started[0] = True
            asyncio.get_running_loop().create_task(_lag_monitor())
        t0 = time.time()
        size = [0]

        async def sized(message: Any) -> None:
            if message["type"] == "http.response.body":
                size[0] += len(message.get("body", b""))
            await send(message)

        try:
            await original(self, scope, receive, sized)
        finally:
            client = scope.get("client") or ("", 0)
            _REQUESTS.append((t0, time.time(), int(client[1] or 0), size[0]))

    cls.__call__ = timed


def _patch_coalesce(module: Any) -> None:
    cls = module.Coalescer
    original = cls._fetch

    async def timed(self: Any, key: Any, batch: Any) -> None:
        t0 = time.time()
        try:
            await original(self, key, batch)
        finally:
            _FINDS.append((t0, time.time(), len(batch.ids)))

    cls._fetch = timed


_PATCHES = {"hub.rest.graphql": _patch_graphql, "hub.store.coalesce": _patch_coalesce}


class _Finder(importlib.abc.MetaPathFinder):
    """Patches a module of `_PATCHES` right after it is executed."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        patch = _PATCHES.get(name)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            patch(module)

        setattr(loader, "exec_module", exec_module)  # noqa: B010
        return spec


def _dumper(folder: Path) -> None:
    out = folder / f"{os.getpid()}.json"
    while True:
        time.sleep(1.0)
        data = {
            "pid": os.getpid(),
            "argv": sys.argv,
            "requests": list(_REQUESTS),
            "gcs": list(_GCS),
            "lags": list(_LAGS),
            "finds": list(_FINDS),
        }
        if data["requests"] or data["finds"]:
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(out)


def install() -> None:
    """Called at interpreter start-up when RONGHUB_TAILPROBE_DIR is set."""
    folder = Path(os.environ["RONGHUB_TAILPROBE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    gc.callbacks.append(_on_gc)
    sys.meta_path.insert(0, _Finder())
    threading.Thread(target=_dumper, args=(folder,), daemon=True).start()


# ---- the summary -----------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarize(folder: Path, since: float, until: float) -> None:
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        reqs = [r for r in data["requests"] if since <= r[0] <= until]
        if not reqs:
            continue
        ms = [(e - s) * 1000 for s, e, _, _ in reqs]
        conns = {p for _, _, p, _ in reqs}
        span = max(e for _, e, _, _ in reqs) - min(s for s, _, _, _ in reqs)
        gcs = [g for g in data["gcs"] if since <= g[0] <= until]
        lags = [g for g in data["lags"] if since <= g[0] <= until]
        finds = [f for f in data["finds"] if since <= f[0] <= until]
        print(
            f"pid {data['pid']}: {len(reqs)} requests on {len(conns)} connections, "
            f"{len(reqs) / max(span, 1e-9):.0f}/s; in-hub ms p50 {_pct(ms, 0.5):.1f} "
            f"p90 {_pct(ms, 0.9):.1f} p99 {_pct(ms, 0.99):.1f} max {max(ms):.1f}; "
            f"mean body {sum(r[3] for r in reqs) / len(reqs):.0f} B"
        )
        for gen in (0, 1, 2):
            these = [g[2] * 1000 for g in gcs if g[1] == gen]
            if these:
                print(
                    f"  gc gen{gen}: {len(these)} collections, total {sum(these):.0f} ms, "
                    f"max {max(these):.1f} ms"
                )
        if lags:
            late = [lag * 1000 for _, lag in lags]
            print(
                f"  loop late >2 ms: {len(late)} times, p50 {_pct(late, 0.5):.1f} "
                f"p99 {_pct(late, 0.99):.1f} max {max(late):.1f} ms, total {sum(late):.0f} ms"
            )
        if finds:
            rt = [(e - s) * 1000 for s, e, _ in finds]
            ids = [n for _, _, n in finds]
            print(
                f"  coalesced finds: {len(finds)}, ids mean {sum(ids) / len(ids):.1f} "
                f"max {max(ids)}; round trip ms p50 {_pct(rt, 0.5):.1f} "
                f"p99 {_pct(rt, 0.99):.1f} max {max(rt):.1f}"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--since", type=float, default=0.0)
    p.add_argument("--until", type=float, default=float("inf"))
    args = p.parse_args()
    summarize(args.folder, args.since, args.until)


if __name__ == "__main__":
    main()
