"""A small closed-loop HTTP/1.1 load generator: the fallback when wrk is not installed.

N keep-alive connections, each sending the next POST as soon as the previous answer
arrived, for a fixed time. One process, asyncio (uvloop when installed): it runs out
of CPU long before uvicorn does, so its rps are a lower bound.

    python -m bench.pyload --spec load.json --connections 64 --duration 10

With `tags` in the spec (one per body) it also reports each tag's figures (e.g. reads
and writes of a mix) under `by_tag`; with `check_errors` a 200 answer whose body
holds a GraphQL `errors` member counts as an error too.
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
        head = f"POST {url.path or '/'} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        out.append(head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return host, port, out


async def _connection(
    host: str,
    port: int,
    reqs: list[bytes],
    offset: int,
    stop: float,
    lat: list[float],
    errors: list[int],
    tags: list[str] | None = None,
    by_tag: dict[str, list[float]] | None = None,
    tag_errors: dict[str, int] | None = None,
    check_errors: bool = False,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            n = i % len(reqs)
            writer.write(reqs[n])
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
            body = await reader.readexactly(length)
            took = time.perf_counter() - started
            lat.append(took)
            failed = not status_line.startswith(b"HTTP/1.1 2") or (
                check_errors and b'"errors"' in body
            )
            if failed:
                errors[0] += 1
            if tags is not None and by_tag is not None and tag_errors is not None:
                by_tag.setdefault(tags[n], []).append(took)
                tag_errors[tags[n]] = tag_errors.get(tags[n], 0) + failed
    finally:
        writer.close()


def _pct(lat: list[float], p: float) -> float:
    return round(lat[min(len(lat) - 1, int(len(lat) * p))] * 1000, 3) if lat else 0.0


async def _main(spec: dict[str, object], connections: int, duration: float) -> dict[str, object]:
    host, port, reqs = _requests(spec)
    lat: list[float] = []
    errors = [0]
    tags = spec.get("tags")
    by_tag: dict[str, list[float]] = {}
    tag_errors: dict[str, int] = {}
    started = time.perf_counter()
    stop = started + duration
    results = await asyncio.gather(
        *(
            _connection(
                host,
                port,
                reqs,
                c * 997,
                stop,
                lat,
                errors,
                tags,
                by_tag,
                tag_errors,  # type: ignore[arg-type]
                bool(spec.get("check_errors")),
            )
            for c in range(connections)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    errors[0] += sum(1 for r in results if isinstance(r, BaseException))
    lat.sort()
    out: dict[str, object] = {
        "requests": len(lat),
        "duration_s": round(elapsed, 3),
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": _pct(lat, 0.50),
        "p90_ms": _pct(lat, 0.90),
        "p99_ms": _pct(lat, 0.99),
        "max_ms": _pct(lat, 1.0),
        "errors": errors[0],
    }
    if tags is not None:
        out["by_tag"] = {
            tag: {
                "requests": len(ls),
                "rps": round(len(ls) / elapsed, 1),
                "p50_ms": _pct(sorted(ls), 0.5),
                "p95_ms": _pct(sorted(ls), 0.95),
                "p99_ms": _pct(sorted(ls), 0.99),
                "errors": tag_errors.get(tag, 0),
            }
            for tag, ls in by_tag.items()
        }
    return out


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
