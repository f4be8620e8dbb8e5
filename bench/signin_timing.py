"""How long /oauth/token takes to refuse an unknown username and a wrong password.

Both should cost the same (the password hash runs on a dummy for unknown names), so the
time does not tell which usernames exist. Runs the hub in process on an embedded store
with the production argon2 cost; the throttle is set high so every attempt is checked.

    python -m bench.signin_timing --rounds 40
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn

from hub.app import create_app
from hub.domain.permissions import Grant
from hub.embedded.store import EmbeddedStore, free_port
from hub.identity import directory
from hub.ids import new_id
from hub.settings import Settings
from hub.store.scope import Scope


async def measure(uri: str, data_dir: Path, rounds: int) -> dict[str, list[float]]:
    settings = Settings(
        mongodb_uri=uri,
        mongodb_db="bench_" + new_id()[-8:],
        data_dir=data_dir,
        worker_in_process=False,
        token_rate_limit_ip="",
        signin_free_failures_per_address=100_000,
        signin_free_failures_per_name=100_000,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    times: dict[str, list[float]] = {"unknown username": [], "wrong password": []}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        tenant = "bench-" + new_id()[-8:].lower()
        await directory.create_tenant(tenant, "bench", actor="bench")
        name = "u-" + new_id()[-8:].lower()
        scope = Scope(tenant=tenant, actor="bench", public_only=False)
        await directory.UserRepository(scope).create(
            name, "bench", "correct horse 42", [Grant.parse("reporter")]
        )
        for n in range(rounds + 3):  # the first rounds warm up
            for label, username in (("unknown username", f"nobody-{n}"), ("wrong password", name)):
                started = time.perf_counter()
                response = await http.post(
                    "/oauth/token",
                    data={
                        "grant_type": "password",
                        "username": username,
                        "password": "wrong password",
                    },
                )
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 400 and response.json()["code"] == "INVALID_GRANT", (
                    response.text
                )
                if n >= 3:
                    times[label].append(elapsed)
    server.should_exit = True
    await task
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "store") as store:
        times = asyncio.run(measure(store.uri, Path(tmp) / "data", args.rounds))
    for label, values in times.items():
        values.sort()
        print(
            f"{label:17} n={len(values)} median={statistics.median(values):.1f} ms "
            f"p90={values[int(len(values) * 0.9) - 1]:.1f} ms mean={statistics.fmean(values):.1f} ms"
        )


if __name__ == "__main__":
    main()
