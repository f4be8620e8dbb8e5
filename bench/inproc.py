"""The read path's hub CPU per request, in process: ASGI calls straight into the hub app.

`python -m bench.inproc page|story [-n N] [--stories S] [--warm-div D] [--profile OUT]`

Seeds S published stories (bench.seed) in an embedded store, builds the hub app as
`ronghub serve` does (heap settled), warms it on the first 1/D of the distinct requests
of bench.readpath (a column page after a cursor, or a story by id) and measures the
process's CPU over the next N, 16 at a time. No HTTP server or load client shares the
process, so on a loaded machine it is a steadier figure than the wrk rows (which also
count the hub's idle work); the store's own process is not counted. `--profile` writes
cProfile statistics of the measured requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.readpath import miss_bodies, story_bodies
from bench.seed import seeded_once
from hub import heap
from hub.app import create_app
from hub.runtime import store_for
from hub.settings import Settings

CONCURRENCY = 16


async def call(app: Any, body: bytes) -> bytes:
    """One anonymous POST /graphql through the app's ASGI interface."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = asyncio.Event()
    out: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if not sent.is_set():
            sent.set()
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while answering
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            out.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(out)


async def _measure(settings: Settings, bodies: list[bytes], args: argparse.Namespace) -> None:
    app = create_app(settings)
    heap.settle()  # as `ronghub serve` does once the app is built
    async with app.lifespan():  # litestar runs the startup and shutdown hooks
        split = len(bodies) // args.warm_div
        warm, measured = bodies[:split], bodies[split:][: args.n]
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(body: bytes) -> None:
            async with limit:
                answer = await call(app, body)
                if b'"errors"' in answer:
                    raise RuntimeError(answer[:300])

        await asyncio.gather(*(one(b) for b in warm))
        collected = [0.0]
        started = [0.0]
        pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}

        def timing(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                started[0] = time.process_time()
            else:
                spent = time.process_time() - started[0]
                collected[0] += spent
                pauses[info["generation"]].append(spent)

        gc.callbacks.append(timing)
        profile = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        await asyncio.gather(*(one(b) for b in measured))
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.callbacks.remove(timing)
        count = max(len(measured), 1)
        print(
            f"{args.kind}: {len(measured)} requests after {len(warm)} warm-up ones: "
            f"{cpu * 1000 / count:.3f} ms of CPU a request (of it the garbage collector "
            f"{collected[0] * 1000 / count:.3f}), wall {wall:.1f} s"
        )
        for gen, spent in pauses.items():
            if spent:
                print(
                    f"  gc generation {gen}: {len(spent)} collections, {sum(spent) * 1000:.0f} ms "
                    f"of CPU, the longest {max(spent) * 1000:.1f} ms"
                )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("kind", choices=["page", "story"])
    p.add_argument("-n", type=int, default=2500, help="measured requests")
    p.add_argument("--stories", type=int, default=10_000, help="published stories to seed")
    p.add_argument("--warm-div", type=int, default=10, help="warm up on 1/D of the requests")
    p.add_argument("--profile", type=str, default=None, help="cProfile statistics to write")
    p.add_argument(
        "--data", type=Path, default=None, help="a folder seeded once and reused (bench.seed)"
    )
    args = p.parse_args()
    with contextlib.ExitStack() as stack:
        folder = args.data or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="ronghub-inproc-"))
        )
        settings = Settings(
            data_dir=folder / "data",
            default_tenant="default",
            mongodb_uri=None,
            env="production",
            key_encryption_secret="bench-only-key-encryption-secret",
            worker_in_process=False,
        )
        seeded = seeded_once(settings, folder, args.stories)
        texts = story_bodies(seeded) if args.kind == "story" else miss_bodies(seeded, args.stories)
        with store_for(settings) as ready:
            asyncio.run(_measure(ready, [t.encode() for t in texts], args))


if __name__ == "__main__":
    main()
