"""A small closed-loop HTTP/1.1 load generator: the fallback when wrk is not installed.

N keep-alive connections, each sending the next POST as soon as the previous answer
arrived, for a fixed time. One process, asyncio (uvloop when installed): it runs out
of CPU long before uvicorn does, so its rps are a lower bound.

    python -m bench.pyload --spec load.json --connections 64 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

MARK = "BENCH_JSON "


def _requests(spec: dict[str, object]) -> tuple[str, int, list[bytes]]:
    url = urlsplit(str(spec["url"]))
    host, port = url.hostname or "127.0.0.1", url.port or 80
    headers = {"Host": f"{host}:{port}", "Content-Type": "application/json", **spec["headers"]}  # type: ignore[dict-item]
    out = []
    for body in spec["bodies"]:  # type: ignore[attr-defined]
        data = str(body).encode()
        head = f"POST {url.path or '/'} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        out.append(head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return host, port, out


async def _connection(host: str, port: int, reqs: list[bytes], offset: int, stop: float, lat: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            writer.write(reqs[i % len(reqs)])
            i += 1
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            lat.append(time.perf_counter() - started)
            if not status_line.startswith(b"HTTP/1.1 2"):
                errors[0] += 1
    finally:
        writer.close()


async def _main(spec: dict[str, object], connections: int, duration: float) -> dict[str, float]:
    host, port, reqs = _requests(spec)
    lat: list[float] = []
    errors = [0]
    started = time.perf_counter()
    stop = started + duration
    results = await asyncio.gather(
        *(_connection(host, port, reqs, c * 997, stop, lat, errors) for c in range(connections)),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    errors[0] += sum(1 for r in results if isinstance(r, BaseException))
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(len(lat) * p))] * 1000, 3) if lat else 0.0

    return {
        "requests": len(lat),
        "duration_s": round(elapsed, 3),
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_main(spec, args.connections, args.duration))
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
