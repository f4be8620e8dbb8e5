"""Partner benchmark (issue 6): signed pull-feed pages and webhook delivery throughput.

The production topology on one machine: `ronghub serve` (no in-process worker) and one
`ronghub worker` on the same embedded store. N stories are approved for the app channel;
the app channel's publications fill the partner log. Then a partner client (OAuth
client credentials) reads its subscription's feeds, each response signed (RFC 9421,
Ed25519), in every format, 50 items a page, each page after a different cursor; and a
webhook endpoint is replayed from the start of the log to a receiver on loopback that
verifies every delivery (v1 HMAC and v1a Ed25519): deliveries per second of the one
worker, in order, one ordered stream per endpoint.

`python -m bench.partners` (N from RONGHUB_BENCH_PARTNER_N, default 200).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench import load as loads
from bench.fanout import percentile
from bench.procs import child
from bench.readpath import _store_pid, role_cpu_seconds
from hub.embedded.store import free_port
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on

TOKEN = "bench-token"
FORMATS = ("feed.json", "feed.ninjs.json", "rss.xml", "atom.xml")
PAGE = 50
CONNECTIONS = 16  # partner feed pages at concurrency (issue 15: ≥ 300 req/s at 16 connections)
DURATION_S = float(os.environ.get("RONGHUB_BENCH_PARTNER_SECONDS", "10"))
WARMUP_S = 3.0
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"


async def _gql(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: Any = None,
) -> dict[str, Any]:
    body = (
        await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    ).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def run(n: int, workdir: Path, console: Console) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "RONGHUB_DATA_DIR": str(workdir / "data"),
        "RONGHUB_PORT": str(port),
        "RONGHUB_DEV_TOKEN": TOKEN,
        "RONGHUB_WORKER_IN_PROCESS": "false",
        "RONGHUB_OUTBOUND_ALLOW_LOOPBACK": "true",
        "RONGHUB_PUBLIC_URL": base,
    }
    # `python -m hub.cli` from the working directory: the checkout being measured (the
    # `ronghub` script runs whichever checkout the venv was installed from)
    ronghub = [sys.executable, "-m", "hub.cli"]
    with (
        child([*ronghub, "serve"], env, workdir / "serve.log", base + "/readyz") as serve,
        child([*ronghub, "worker"], env, workdir / "worker.log", base + "/healthz"),
    ):
        async with httpx.AsyncClient(
            base_url=base, headers={"authorization": f"Bearer {TOKEN}"}, timeout=60
        ) as http:
            creds = (
                await _gql(
                    http,
                    'mutation { createClient(name: "基准合作方", scopes: ["stories:read"]) { clientId clientSecret } }',
                )
            )["createClient"]
            tok = await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(creds["clientId"], creds["clientSecret"]),
            )
            tok.raise_for_status()
            partner = {"authorization": f"Bearer {tok.json()['access_token']}"}
            sub = (
                await _gql(
                    http,
                    'mutation { createFeedSubscription(name: "基准订阅") { id } }',
                    headers=partner,
                )
            )["createFeedSubscription"]["id"]

            console.print(f"  approving {n} stories for the app channel …")
            for i in range(n):
                s = (
                    await _gql(
                        http,
                        CREATE,
                        {
                            "i": {
                                "title": f"示例区民生实事第{i}项",
                                "summary": "示例摘要。",
                                "bodyText": "街道、社区与各部门协同推进各项民生工作。\n" * 20,
                                "tags": ["民生"],
                            }
                        },
                    )
                )["createStory"]
                await _gql(http, APPROVE, {"id": s["id"], "v": s["version"]})
            feed = f"/feeds/{sub}/feed.json"
            seqs: list[int] = []
            deadline = time.monotonic() + 600
            while len(seqs) < n and time.monotonic() < deadline:
                seqs, after = [], "0"
                while True:
                    r = await http.get(feed, params={"after": after, "limit": 100}, headers=partner)
                    items = r.json()["items"]
                    seqs += [int(i["_ronghub"]["seq"]) for i in items]
                    if not items:
                        break
                    after = r.headers["ronghub-cursor"]
                await asyncio.sleep(0.5)
            if len(seqs) < n:
                raise RuntimeError(f"only {len(seqs)} of {n} stories reached the partner log")

            pages: dict[str, dict[str, float]] = {}
            starts = [0, *seqs[: max(0, len(seqs) - PAGE)]][:40]
            for fmt in FORMATS:
                times = []
                for after in starts:
                    t0 = time.perf_counter()
                    r = await http.get(
                        f"/feeds/{sub}/{fmt}",
                        params={"after": after, "limit": PAGE},
                        headers=partner,
                    )
                    times.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200 or "signature" not in r.headers:
                        raise RuntimeError(f"{fmt}: {r.status_code} {r.text[:200]}")
                pages[fmt] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                }
            every_start = [0, *seqs[: max(0, len(seqs) - PAGE)]]
            concurrent = _concurrent_pages(
                base,
                f"/feeds/{sub}/feed.json",
                every_start,
                partner,
                {"hub": serve.pid, "store": _store_pid(workdir / "data")},
            )
            etag_r = await http.get(feed, params={"after": 0, "limit": PAGE}, headers=partner)
            t0 = time.perf_counter()
            not_modified = await http.get(
                feed,
                params={"after": 0, "limit": PAGE},
                headers={**partner, "if-none-match": etag_r.headers["etag"]},
            )
            not_modified_ms = (time.perf_counter() - t0) * 1000
            if not_modified.status_code != 304:
                raise RuntimeError(f"If-None-Match: expected 304, got {not_modified.status_code}")

            jwks = (await http.get("/feeds/jwks.json")).json()["keys"]
            receiver = WebhookReceiver(
                "", public_keys=[k for k in jwks if k.get("crv") == "Ed25519"]
            )
            async with serve_on(receiver.app()) as hook_base:
                created = (
                    await _gql(
                        http,
                        "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret } }",
                        {"i": {"subscriptionId": sub, "url": hook_base + "/hook"}},
                        headers=partner,
                    )
                )["createWebhookEndpoint"]
                receiver.secret = created["secret"]
                t0 = time.perf_counter()
                await _gql(
                    http,
                    "mutation($id: ID!, $s: Int!) { replayWebhookEndpoint(id: $id, fromSeq: $s) { id } }",
                    {"id": created["endpoint"]["id"], "s": min(seqs)},
                    headers=partner,
                )
                deadline = time.monotonic() + 600
                while len(receiver.received) < n and time.monotonic() < deadline:  # noqa: ASYNC110 (the receiver has no event to wait on)
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - t0
                arrived = [int(p["data"]["seq"]) for p in receiver.payloads()]
    return {
        "stories": n,
        "feed_page_of_50_ms": pages,
        "feed_page_of_50_concurrent": concurrent,
        "feed_not_modified_ms": round(not_modified_ms, 1),
        "webhooks": {
            "delivered": len(receiver.received),
            "in_log_order": arrived == sorted(arrived),
            "rejected_by_receiver": receiver.rejected,
            "v1a_verified": receiver.v1a_verified,
            "deliveries_per_second": round(len(receiver.received) / elapsed, 1) if elapsed else 0.0,
        },
        "notes": [
            "one worker process; the receiver verifies v1 and v1a on every delivery, in the bench process",
            "the concurrent row reads pages of the log's history: each API process asks the store "
            "for a cursor's numbers and renders its page once (hub/feeds/runs.py, rendered.py), "
            "later reads of it cost the client and subscription reads and a signature",
        ],
    }


def _concurrent_pages(
    base: str, path: str, starts: list[int], headers: dict[str, str], pids: dict[str, int | None]
) -> dict[str, Any]:
    """Signed JSON Feed pages of 50 after distinct cursors, CONNECTIONS at once with wrk
    (warm-up first), with the CPU milliseconds per page of the hub and the store."""
    wrk = loads.find_wrk()
    if wrk is None:
        return {"skipped": "wrk is not available (the concurrent row needs it)"}
    load = loads.Load(
        base + path, [], headers, paths=[f"{path}?after={a}&limit={PAGE}" for a in starts]
    )
    loads.run(wrk, load, CONNECTIONS, WARMUP_S, 1)
    known = {name: pid for name, pid in pids.items() if pid}
    before = {name: role_cpu_seconds(name, pid, known) for name, pid in known.items()}
    result = loads.run(wrk, load, CONNECTIONS, DURATION_S, 1).as_dict()
    served = max(int(result["requests"]), 1)  # type: ignore[call-overload]
    result["connections"] = CONNECTIONS
    result["cursors"] = len(starts)
    result["cpu_ms_per_request"] = {
        name: round((role_cpu_seconds(name, pid, known) - before[name]) * 1000 / served, 2)
        for name, pid in known.items()
    }
    return result


def main() -> dict[str, Any]:
    n = int(os.environ.get("RONGHUB_BENCH_PARTNER_N", "200"))
    console = Console(stderr=True)
    console.print(
        f"[bold]partner bench[/bold]: {n} stories, signed feed pages of {PAGE}, webhook replay"
    )
    with tempfile.TemporaryDirectory(prefix="ronghub-partners-") as tmp:
        result = asyncio.run(run(n, Path(tmp), console))
    pages = ", ".join(
        f"{f} p50 {v['p50_ms']} / p95 {v['p95_ms']} ms"
        for f, v in result["feed_page_of_50_ms"].items()
    )
    hooks = result["webhooks"]
    console.print(
        f"feeds (signed, {PAGE} items a page): {pages}; 304: {result['feed_not_modified_ms']} ms"
    )
    c = result["feed_page_of_50_concurrent"]
    if "rps" in c:
        console.print(
            f"feed.json pages of {PAGE} at {c['connections']} connections: {c['rps']} req/s, p50 {c['p50_ms']} ms, "
            f"p99 {c['p99_ms']} ms, {c['errors']} errors, CPU ms/req {c['cpu_ms_per_request']}"
        )
    console.print(
        f"webhooks: {hooks['delivered']}/{n} delivered in order={hooks['in_log_order']}, "
        f"{hooks['deliveries_per_second']} deliveries/s per worker process"
    )
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
