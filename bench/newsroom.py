"""The newsroom mix (issue 15): signed-in editors reading and writing at once.

`python -m bench.newsroom` — seeds RONGHUB_BENCH_NEWSROOM_STORIES (10,000) published
stories, starts `ronghub serve` (worker in process) on them, signs in 8 editors (with
the first review stage, so the review queue is theirs) and runs
RONGHUB_BENCH_NEWSROOM_CLIENTS (64) closed-loop clients, each on its own keep-alive
connection with an editor's bearer token, for RONGHUB_BENCH_NEWSROOM_SECONDS (20) after
a warm-up of the same mix:

- 70 % reads: the draft list, the story list, the review queue and a search (a quarter each);
- 30 % writes: `updateStory` of the client's own story with `expectedVersion` (half) and
  `createStory` (half; the new story becomes the client's own).

Every answer that is not a 200 without GraphQL `errors` counts as an error. Reported:
rps, read and write p50/p95/p99, errors by code, and the CPU milliseconds the hub and
the store spent per request (from /proc, the figure a shared machine does not distort),
with the load average beside them. Afterwards the tenant's audit chain is verified.
RONGHUB_BENCH_HUB_PATH runs the server from another checkout (before/after a change);
RONGHUB_BENCH_PROFILE=<folder> records py-spy profiles (raw) of the hub and the store
during the measured run (RONGHUB_BENCH_PY_SPY: the py-spy to run, else the one beside
Python). RONGHUB_BENCH_NEWSROOM_SEEDED=<folder> keeps the seeded data folder there on the
first run and starts later runs from a copy of it (seeding 10,000 stories takes minutes on
a loaded machine; before/after pairs then start from the same stories).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench.fanout import percentile
from bench.procs import child
from bench.readpath import _store_pid, role_cpu_seconds
from bench.seed import seed_stories
from hub.embedded.store import free_port
from hub.runtime import store_for
from hub.settings import Settings

TOKEN = "bench-token"
TENANT = "default"
USERS = 8
PASSWORD = "bench newsroom 42"
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version } }"
READS = {
    "drafts": (
        "query { stories(first: 20, filter: {status: DRAFT}) { edges { node { id title version updatedAt } } "
        "pageInfo { endCursor hasNextPage } } }"
    ),
    "list": "query { stories(first: 20) { edges { node { id title status updatedAt column { name } } } pageInfo { endCursor } } }",
    "review_queue": "query { reviewQueue { storyId status currentStage { key name } } }",
    "search": 'query { search(query: "社区", first: 20) { edges { node { score story { id title } } } } }',
}
WRITE_SHARE = float(
    os.environ.get("RONGHUB_BENCH_NEWSROOM_WRITE_SHARE", "0.30")
)  # 1.0: writes only (profiling)
# targets of issue 15
TARGET_RPS, TARGET_WRITE_P99_MS, TARGET_READ_P99_MS = 200.0, 500.0, 200.0


class Conn:
    """One keep-alive HTTP/1.1 connection posting GraphQL (less client CPU than httpx)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        data = json.dumps(
            {"query": query, "variables": variables or {}}, ensure_ascii=False
        ).encode()
        request = self.head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data
        first = b""
        for _ in range(2):  # once more on a new connection when the server closed an idle one
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            self.writer.write(request)
            first = await self.reader.readline()
            if first:
                break
            self.close()
        status = int(first.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, json.loads(await self.reader.readexactly(length))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tally:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"read": [], "write": []}
        self.by_op: dict[str, list[float]] = {}
        self.codes: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()

    def add(self, kind: str, op: str, seconds: float, code: str, message: str = "") -> None:
        self.latencies[kind].append(seconds)
        self.by_op.setdefault(op, []).append(seconds)
        self.codes[code] += 1
        if message:
            self.messages[message[:160]] += 1


async def client(
    conn: Conn, n: int, story: dict[str, Any], stop: float, tally: Tally | None, seed: int
) -> dict[str, Any]:
    """One editor's loop until `stop`; returns its own story (id, version) for the next phase."""
    rnd = random.Random(seed)
    i = 0
    while time.perf_counter() < stop:
        i += 1
        roll = rnd.random()
        if roll < WRITE_SHARE / 2:
            kind, op, query = "write", "updateStory", UPDATE
            variables: dict[str, Any] = {
                "i": {
                    "id": story["id"],
                    "expectedVersion": story["version"],
                    "title": f"编辑部改稿 {n}.{i}",
                    "summary": f"第{i}次修改。",
                }
            }
        elif roll < WRITE_SHARE:
            kind, op, query = "write", "createStory", CREATE
            variables = {
                "i": {
                    "title": f"编辑部新稿 {n}.{i}",
                    "summary": "示例摘要。",
                    "bodyText": "社区服务示例正文。" * 40,
                    "tags": ["压测"],
                }
            }
        else:
            kind = "read"
            op = rnd.choice(list(READS))
            query, variables = READS[op], {}
        started = time.perf_counter()
        try:
            status, body = await conn.post(query, variables)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            conn.close()
            if tally is not None:
                tally.add(kind, op, time.perf_counter() - started, "TRANSPORT", type(exc).__name__)
            continue
        elapsed = time.perf_counter() - started
        errors = body.get("errors")
        if status != 200 or errors:
            ext = (errors or [{}])[0].get("extensions") or {}
            code = str(ext.get("code", f"HTTP_{status}"))
            if tally is not None:
                tally.add(
                    kind,
                    op,
                    elapsed,
                    code,
                    f"{op} {code}: {ext.get('message_en') or (errors or [{}])[0].get('message')}",
                )
            continue
        if tally is not None:
            tally.add(kind, op, elapsed, "ok")
        if kind == "write":
            story = body["data"][op]
    return story


async def _per_op(
    conn: Conn, story: dict[str, Any], pids: dict[str, int], n: int = 30
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """CPU ms of the hub and the store per request of each kind, one request at a time
    (RONGHUB_BENCH_NEWSROOM_PER_OP=1): where the mix's CPU goes. Also the client's story
    as the updates left it."""
    out: dict[str, dict[str, float]] = {}
    ops: list[tuple[str, str]] = [(op, q) for op, q in READS.items()] + [
        ("createStory", CREATE),
        ("updateStory", UPDATE),
    ]
    for op, query in ops:
        before = {name: role_cpu_seconds(name, pid, pids) for name, pid in pids.items()}
        for i in range(n):
            if op == "updateStory":
                variables: dict[str, Any] = {
                    "i": {
                        "id": story["id"],
                        "expectedVersion": story["version"],
                        "title": f"逐个 {i}",
                    }
                }
            elif op == "createStory":
                variables = {
                    "i": {
                        "title": f"逐个新稿 {i}",
                        "bodyText": "社区服务示例正文。" * 40,
                        "tags": ["压测"],
                    }
                }
            else:
                variables = {}
            status, body = await conn.post(query, variables)
            assert status == 200 and not body.get("errors"), body
            if op == "updateStory":
                story = body["data"][op]
        await asyncio.sleep(1.5)  # what the writes left behind (relay, search indexing) lands here
        out[op] = {
            name: round((role_cpu_seconds(name, pid, pids) - before[name]) * 1000 / n, 2)
            for name, pid in pids.items()
        }
    return out, story


def _profile(pids: dict[str, int], seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on each process for the measured run, when RONGHUB_BENCH_PROFILE names a folder."""
    folder = os.environ.get("RONGHUB_BENCH_PROFILE")
    if not folder:
        return []
    spy = os.environ.get("RONGHUB_BENCH_PY_SPY") or Path(sys.executable).with_name("py-spy")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(spy),
                "record",
                "-p",
                str(pid),
                "-d",
                str(int(seconds)),
                "-r",
                "50",
                "-f",
                "raw",
                "--nonblocking",
                "--subprocesses",  # the API workers of `ronghub serve`
                "-o",
                str(Path(folder) / f"{name}.raw"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def _ms(values: list[float], q: float) -> float:
    return round(percentile(values, q) * 1000, 1) if values else 0.0


async def _sign_in(http: httpx.AsyncClient, i: int) -> str:
    username = f"bench-newsroom-{i}"
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            "variables": {
                "i": {
                    "username": username,
                    "displayName": f"编辑 {i}",
                    "password": PASSWORD,
                    "grants": ["editor", "reviewer:first"],
                }
            },
        },
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert not response.json().get("errors"), response.text
    token = await http.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
    )
    assert token.status_code == 200, token.text
    return str(token.json()["access_token"])


async def measure(
    base: str, port: int, clients: int, warmup: float, seconds: float, pids: dict[str, int]
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        tokens = [await _sign_in(http, i) for i in range(USERS)]
    conns = [Conn("127.0.0.1", port, tokens[i % USERS]) for i in range(clients)]
    try:
        own = []
        for n, conn in enumerate(conns):  # every client starts with a draft of its own
            status, body = await conn.post(
                CREATE, {"i": {"title": f"编辑部稿件 {n}", "bodyText": "社区服务示例正文。"}}
            )
            assert status == 200 and not body.get("errors"), body
            own.append(body["data"]["createStory"])
        per_op = None
        if os.environ.get("RONGHUB_BENCH_NEWSROOM_PER_OP"):
            per_op, own[0] = await _per_op(conns[0], own[0], pids)
        stop = time.perf_counter() + warmup
        own = list(
            await asyncio.gather(
                *(client(c, n, own[n], stop, None, n) for n, c in enumerate(conns))
            )
        )
        tally = Tally()
        load_before = os.getloadavg()
        cpu_before = {name: role_cpu_seconds(name, pid, pids) for name, pid in pids.items()}
        profilers = _profile(pids, seconds)
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(
            *(client(c, n, own[n], stop, tally, 1000 + n) for n, c in enumerate(conns))
        )
        elapsed = time.perf_counter() - started
        cpu = {
            name: role_cpu_seconds(name, pid, pids) - cpu_before[name] for name, pid in pids.items()
        }
        load_after = os.getloadavg()
        for profiler in profilers:
            profiler.wait(timeout=60)
    finally:
        for c in conns:
            c.close()
    requests = sum(len(v) for v in tally.latencies.values())
    errors = requests - tally.codes["ok"]
    reads, writes = tally.latencies["read"], tally.latencies["write"]
    rps = requests / elapsed
    return {
        "clients": clients,
        "connections": clients,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "rps": round(rps, 1),
        "errors": errors,
        "codes": dict(tally.codes),
        "messages": dict(tally.messages.most_common(5)),
        "read": {
            "count": len(reads),
            "p50_ms": _ms(reads, 0.5),
            "p95_ms": _ms(reads, 0.95),
            "p99_ms": _ms(reads, 0.99),
        },
        "write": {
            "count": len(writes),
            "p50_ms": _ms(writes, 0.5),
            "p95_ms": _ms(writes, 0.95),
            "p99_ms": _ms(writes, 0.99),
        },
        "by_op": {
            op: {"count": len(v), "p50_ms": _ms(v, 0.5), "p99_ms": _ms(v, 0.99)}
            for op, v in sorted(tally.by_op.items())
        },
        "cpu_ms_per_request": {
            name: round(s * 1000 / max(requests, 1), 2) for name, s in cpu.items()
        },
        "cpu_percent": {name: round(s * 100 / elapsed, 1) for name, s in cpu.items()},
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        **({"per_op_cpu_ms": per_op} if per_op else {}),
        "targets": {
            "rps_at_least": TARGET_RPS,
            "write_p99_ms_at_most": TARGET_WRITE_P99_MS,
            "read_p99_ms_at_most": TARGET_READ_P99_MS,
            "errors": 0,
            "met": rps >= TARGET_RPS
            and errors == 0
            and _ms(writes, 0.99) <= TARGET_WRITE_P99_MS
            and _ms(reads, 0.99) <= TARGET_READ_P99_MS,
        },
    }


def run(
    stories: int, clients: int, warmup: float, seconds: float, workdir: Path, hub_path: str | None
) -> dict[str, Any]:
    data_dir = workdir / "data"
    settings = Settings(data_dir=data_dir, default_tenant=TENANT, mongodb_uri=None)
    seeded = os.environ.get("RONGHUB_BENCH_NEWSROOM_SEEDED")
    kept = Path(seeded) / str(stories) if seeded else None
    if kept is not None and kept.is_dir():
        shutil.copytree(kept, data_dir)
    else:
        with store_for(settings) as ready:
            asyncio.run(seed_stories(ready, stories))
        if kept is not None:  # the store has stopped: its files are whole
            shutil.copytree(data_dir, kept)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "RONGHUB_DATA_DIR": str(data_dir),
        "RONGHUB_MONGODB_URI": "",
        "RONGHUB_PORT": str(port),
        "RONGHUB_HOST": "127.0.0.1",
        "RONGHUB_DEV_TOKEN": TOKEN,
        "RONGHUB_ENV": "development",
        "RONGHUB_DEFAULT_TENANT": TENANT,
        "RONGHUB_LOG_LEVEL": "warning",
    }
    if hub_path:
        env["PYTHONPATH"] = hub_path
    cmd = [sys.executable, "-m", "hub.cli"]
    ready = float(os.environ.get("RONGHUB_BENCH_READY_SECONDS", "90"))  # more on a loaded machine
    with child(
        [*cmd, "serve"],
        env,
        workdir / "serve.log",
        base + "/readyz",
        cwd=hub_path,
        ready_timeout=ready,
    ) as proc:
        store = _store_pid(data_dir)
        pids = {"hub": proc.pid, **({"store": store} if store else {})}
        result = asyncio.run(measure(base, port, clients, warmup, seconds, pids))
    verify = subprocess.run(
        [*cmd, "audit", "verify"],
        env={**os.environ, **env},
        cwd=hub_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result.update(
        {
            "stories": stories,
            "audit_verify_exit": verify.returncode,
            "audit_verify": (verify.stdout + verify.stderr).strip()[-300:],
            "hub": hub_path or "this checkout",
        }
    )
    return result


def main() -> dict[str, Any]:
    stories = int(os.environ.get("RONGHUB_BENCH_NEWSROOM_STORIES", "10000"))
    clients = int(os.environ.get("RONGHUB_BENCH_NEWSROOM_CLIENTS", "64"))
    seconds = float(os.environ.get("RONGHUB_BENCH_NEWSROOM_SECONDS", "20"))
    warmup = float(os.environ.get("RONGHUB_BENCH_NEWSROOM_WARMUP", "5"))
    print(
        f"newsroom mix: {stories} stories, {clients} signed-in clients, {seconds:g} s …",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(prefix="ronghub-newsroom-") as tmp:
        result = run(
            stories, clients, warmup, seconds, Path(tmp), os.environ.get("RONGHUB_BENCH_HUB_PATH")
        )
    Console().print_json(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
