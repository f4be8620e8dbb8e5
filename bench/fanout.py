"""Fan-out benchmark (issue 5): approval → delivered on every built-in channel.

The production topology on one machine: `ronghub serve` (API and media, no in-process
worker) and one separate `ronghub worker` process on the same embedded store; the
third-party platforms are the local stand-ins the tests use (抖音, WeChat, a portal
webhook receiver), here in this process on loopback. N stories with a cover image and a
video, each planned for all seven built-in channels, are approved at once; the bench
polls their publications and reports approval-to-all-delivered p50/p95 and the
sustained stories per second of the single worker process. Before the burst,
RONGHUB_BENCH_FANOUT_IDLE (10) stories are approved one at a time on an idle queue
(each waited for): approval-to-all-delivered p50/p95 of a lone story. The CPU the
worker, the API process and the store spent per publication of the burst is reported
beside it (from /proc: the figure a shared machine does not distort), and with
RONGHUB_BENCH_PROFILE=<folder> py-spy records the worker and the store during the burst.

`python -m bench.fanout` (N from RONGHUB_BENCH_FANOUT_N, default 40).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from rich.console import Console

from bench.procs import child
from hub.embedded.store import free_port
from plugins.emergency import signing
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.media.helpers import image_bytes, tiny_video

if TYPE_CHECKING:
    from pymongo import AsyncMongoClient

CHANNELS = ["app", "douyin", "wechat", "xuexi", "gov_site", "sms", "emergency"]
TOKEN = "bench-token"
SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()
DELIVERED = {"live", "accepted", "submitted"}  # the platform has it (its review may be pending)
LIVE = {"live", "accepted"}
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"
PUBS = "query($id: ID!) { publications(storyId: $id) { channel state lastError ledger { at toState } } }"


#: runs a script (argv[2:]) under cProfile timed by process CPU, the stats to argv[1]
CPU_PROFILED = """
import cProfile, runpy, sys, time
out, sys.argv = sys.argv[1], sys.argv[2:]
profile = cProfile.Profile(timer=time.process_time)
profile.enable()
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    profile.disable()
    profile.dump_stats(out)
"""


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile of `samples` (nearest rank), as every bench reports it."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _store_client(workdir: Path) -> AsyncMongoClient[dict[str, Any]]:
    """A PyMongo client of the bench hub's embedded store (its port from the store's record)."""
    from pymongo import AsyncMongoClient

    from bench.readpath import RECORD, StoreRecord

    record = StoreRecord.read(workdir / "data" / "store" / RECORD)
    assert record is not None
    return AsyncMongoClient(f"mongodb://127.0.0.1:{record.port}/")


async def _publications(
    workdir: Path, story_ids: list[str], fields: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """The stories' publications (with `fields`), by story id, in one find."""
    client = _store_client(workdir)
    try:
        rows = (
            await client["ronghub"]["publications"]
            .find({"story_id": {"$in": story_ids}}, dict.fromkeys(("story_id", *fields), 1))
            .to_list()
        )
    finally:
        await client.close()
    by_story: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_story.setdefault(row["story_id"], []).append(row)
    return by_story


async def _ledgers(
    workdir: Path, story_ids: list[str]
) -> dict[str, tuple[int | None, int | None, list[str]]]:
    """story id -> (epoch ms all channels were delivered, ... were live, errors), from the
    ledgers of the stories' publications."""
    by_story = await _publications(workdir, story_ids, ("channel", "state", "last_error", "ledger"))
    out: dict[str, tuple[int | None, int | None, list[str]]] = {}
    for story_id, pubs in by_story.items():
        errors = [
            f"{p['channel']}: {p.get('last_error')}"
            for p in pubs
            if p["state"] in ("failed", "rejected")
        ]
        reached: dict[str, list[int | None]] = {"delivered": [], "live": []}
        for p in pubs:
            times = sorted((e["at"], e["to_state"]) for e in (p.get("ledger") or {}).values())
            reached["delivered"].append(
                next((at for at, state in times if state in DELIVERED), None)
            )
            reached["live"].append(next((at for at, state in times if state in LIVE), None))
        full = len({p["channel"] for p in pubs}) == len(CHANNELS)
        delivered, live = (
            max(v) if full and None not in v else None
            for v in (reached["delivered"], reached["live"])
        )  # type: ignore[type-var]
        out[story_id] = (delivered, live, errors)
    return out


async def _states(workdir: Path, story_ids: list[str]) -> dict[str, tuple[bool, list[str]]]:
    """story id -> (delivered on every channel, errors), from the publications' states only:
    what the burst's polling needs to know (when each got there is read from the ledgers
    once, at the end). Reading every waiting story's ledgers five times a second cost the
    store CPU that was counted per publication of the burst, more the longer it took."""
    by_story = await _publications(workdir, story_ids, ("channel", "state"))
    out: dict[str, tuple[bool, list[str]]] = {}
    for story_id, pubs in by_story.items():
        errors = [
            f"{p['channel']}: {p['state']}" for p in pubs if p["state"] in ("failed", "rejected")
        ]
        channels = {p["channel"] for p in pubs if p["state"] in DELIVERED}
        out[story_id] = (len(channels) == len(CHANNELS), errors)
    return out


async def _trace(workdir: Path, story_id: str, approved_ms: float) -> list[str]:
    """Where a lone story's time went: each step from approval (ms after the approval
    was sent) to each channel's delivery, from the jobs' and the publications' own
    records (the relay's plan job, the planner's delivery jobs, each ledger entry)."""
    client = _store_client(workdir)
    try:
        db = client["ronghub"]
        pubs = await db["publications"].find({"story_id": story_id}).to_list()
        jobs = await (
            db["jobs"]
            .find(
                {
                    "$or": [
                        {"payload.story_id": story_id},
                        {"payload.publication_id": {"$in": [p["_id"] for p in pubs]}},
                    ]
                }
            )
            .to_list()
        )
    finally:
        await client.close()
    steps: list[tuple[float, str]] = []
    for j in jobs:
        what = j["consumer"].split(".")[-1] + ":" + str(j["key"]).split(":")[-1][-12:]
        steps.append((j["created_at"], f"job {what} made"))
        if j.get("finished_at"):
            steps.append((j["finished_at"], f"job {what} finished (attempts {j['attempts']})"))
    for p in pubs:
        for e in (p.get("ledger") or {}).values():
            steps.append((e["at"], f"{p['channel']:9} -> {e['to_state']}"))
    return [f"{at - approved_ms:8.0f} ms  {what}" for at, what in sorted(steps)]


async def _settled(workdir: Path, log: Path, limit_s: float = 180.0) -> float:
    """Wait until the worker process is working and the queue is idle: its start line is in
    its log, no story has events waiting for the relay and no job is due. Returns the
    seconds waited. (The bench waited for the API's /healthz only: the first lone story
    was approved while the worker was still starting, and its latency counted the
    worker's start-up, 5 s and more on a loaded machine: most of the lone p95.) The
    search index's jobs are left out: this hub runs no worker, so nobody runs them."""
    client = _store_client(workdir)
    t0 = time.perf_counter()
    try:
        db = client["ronghub"]
        while time.perf_counter() - t0 < limit_s:
            started = "started" in await asyncio.to_thread(log.read_text, errors="replace")
            if started and not await db["stories"].find_one({"has_outbox": True}, {"_id": 1}):
                due = await db["jobs"].find_one(
                    {
                        "open": True,
                        "ready_at": {"$lte": int(time.time() * 1000)},
                        # the API process indexes (the embedded index has one writer); this
                        # hub runs no worker of its own, so those jobs wait (as they did)
                        "consumer": {"$ne": "search.index"},
                    },
                    {"_id": 1},
                )
                if due is None:
                    return time.perf_counter() - t0
            await asyncio.sleep(0.1)
    finally:
        await client.close()
    raise RuntimeError(f"the worker did not settle within {limit_s} s: {log}")


async def _tallies(folder: Path, worker_pid: int) -> dict[str, dict[str, int]]:
    """{"worker": …, "api": …}: the store commands ({"command collection": count}) the worker
    process and the API processes (all other hub processes: `ronghub serve` and its API
    workers) have sent so far, from tallies written after this call began
    (hub/store/tally.py: each process every 0.25 s)."""
    from hub.store.tally import INTERVAL_S, read

    asked = time.time()
    for _ in range(100):
        found = read(folder / f"{worker_pid}.json")
        if found is not None and found["written_at"] > asked:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(INTERVAL_S * 1.5)  # the others have written since, too
    out: dict[str, dict[str, int]] = {"worker": {}, "api": {}}
    for path in await asyncio.to_thread(lambda: list(folder.glob("*.json"))):
        tally = read(path)
        if tally is None:
            continue
        into = out["worker" if tally["pid"] == worker_pid else "api"]
        for k, n in tally["counts"].items():
            into[k] = into.get(k, 0) + n
    return out


def _minus(
    after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    return {
        name: {k: n - before.get(name, {}).get(k, 0) for k, n in counts.items()}
        for name, counts in after.items()
    }


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    from bench.readpath import cpu_seconds

    return {name: cpu_seconds(pid) for name, pid in pids.items()}


async def run(n: int, workdir: Path, console: Console, idle: int = 0) -> dict[str, Any]:
    fake_douyin, fake_wechat, portal = (
        dy.FakeDouyin(min_chunk_bytes=1),
        wx.FakeWeChat(),
        WebhookReceiver(SECRET),
    )
    async with (
        serve(fake_douyin.app()) as dy_url,
        serve(fake_wechat.app()) as wx_url,
        serve(portal.app()) as portal_url,
    ):
        config = {
            "douyin": {
                "transport": {"base_url": dy_url},
                "credentials": {
                    "client_key": dy.CLIENT_KEY,
                    "open_id": dy.OPEN_ID,
                    "refresh_token": dy.REFRESH_TOKEN,
                },
            },
            "wechat": {
                "transport": {"base_url": wx_url},
                "credentials": {"appid": wx.APPID, "secret": wx.SECRET},
            },
            "gov_site": {
                "org_code": "00250436X",
                "transport": {"url": portal_url + "/hook", "secrets": [SECRET]},
            },
            "sms": {"transport": {"directory": str(workdir / "sms")}},
            "emergency": {
                "src_ebrid": "10433010000000000010101",
                "transport": {"directory": str(workdir / "ebd")},
                "signing": {"private_key_hex": signing.new_private_key(), "cert_sn": "SN1"},
            },
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            "RONGHUB_DATA_DIR": str(workdir / "data"),
            "RONGHUB_PORT": str(port),
            "RONGHUB_DEV_TOKEN": TOKEN,
            "RONGHUB_WORKER_IN_PROCESS": "false",
            "RONGHUB_OUTBOUND_ALLOW_LOOPBACK": "true",
            "RONGHUB_CHANNEL_CONFIG": json.dumps(config),
            "RONGHUB_PUBLIC_URL": base,
            # each hub process writes the store commands it sends (hub/store/tally.py)
            "RONGHUB_STORE_COMMAND_TALLY": str(workdir / "tally"),
        }
        ronghub = str(Path(sys.executable).with_name("ronghub"))
        with child([ronghub, "serve"], env, workdir / "serve.log", base + "/readyz"):
            auth = {"authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=base, headers=auth, timeout=60) as http:

                async def gql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
                    body = (
                        await http.post("/graphql", json={"query": query, "variables": variables})
                    ).json()
                    if body.get("errors"):
                        raise RuntimeError(body["errors"])
                    return body["data"]

                async def upload(data: bytes, name: str) -> str:
                    r = await http.post(
                        "/media/uploads", content=data, params={"filename": name, "alt": "现场"}
                    )
                    r.raise_for_status()
                    return str(r.json()["id"])

                cover = await upload(image_bytes("JPEG", (940, 400)), "cover.jpg")
                video = await upload(tiny_video(workdir / "v.mp4").read_bytes(), "clip.mp4")
                stories = []
                for i in range(n + idle):
                    created = (
                        await gql(
                            CREATE,
                            {
                                "i": {
                                    "title": f"示例区防汛演练第{i}场",
                                    "bodyText": "示例区今天举行防汛应急演练,各街道同步参与。\n" * 5,
                                    "summary": "示例区举行防汛应急演练。",
                                    "tags": ["防汛"],
                                    "source": {"sourceName": "示例区融媒体中心"},
                                    "coverAssetId": cover,
                                    "assetIds": [cover, video],
                                    "channels": CHANNELS,
                                    "channelOverrides": {
                                        "douyin": {"text": f"防汛演练第{i}场 #防汛"}
                                    },
                                    "metadata": {
                                        "issuing_agency": "示例区应急管理局",
                                        "topic": "综合政务",
                                        "event_type": "11B03",
                                        "severity": 3,
                                        "area_codes": ["330100000000"],
                                        "dual_control_approvers": ["甲", "乙"],
                                    },
                                }
                            },
                        )
                    )["createStory"]
                    stories.append(created)
                console.print(
                    f"  {n} stories created; starting one worker process and approving all"
                )
                # RONGHUB_BENCH_WORKER_CPROFILE=<file>: the worker runs under cProfile timed
                # by the process's CPU (its whole life: start, lone stories, burst; on a
                # loaded machine wall time is mostly waiting for a core), written as it stops
                profile_to = os.environ.get("RONGHUB_BENCH_WORKER_CPROFILE")
                under = [sys.executable, "-c", CPU_PROFILED, profile_to] if profile_to else []
                with child(
                    [*under, ronghub, "worker"], {**env}, workdir / "worker.log", base + "/healthz"
                ) as worker:
                    from bench.newsroom import _profile
                    from bench.readpath import _store_pid

                    store_pid = _store_pid(workdir / "data")
                    pids = {"worker": worker.pid, **({"store": store_pid} if store_pid else {})}
                    lone: list[float] = []
                    lone_failed: dict[str, list[str]] = {}
                    wall_ms = (
                        time.time() * 1000 - time.perf_counter() * 1000
                    )  # perf_counter -> epoch ms
                    traces: dict[str, list[str]] = {}
                    settle_s = await _settled(workdir, workdir / "worker.log")
                    console.print(
                        f"  the worker is working and the queue idle after {settle_s:.1f} s"
                    )
                    for s in stories[n:]:  # one at a time, the queue idle
                        sent_ms = time.time() * 1000
                        await gql(APPROVE, {"id": s["id"], "v": s["version"]})
                        t0 = time.perf_counter()
                        delivered, errors = None, []
                        while time.perf_counter() - t0 < 120 and delivered is None and not errors:
                            await asyncio.sleep(0.05)
                            delivered, _, errors = (await _ledgers(workdir, [s["id"]])).get(
                                s["id"], (None, None, [])
                            )
                        if os.environ.get("RONGHUB_BENCH_FANOUT_TRACE"):
                            traces[s["id"]] = await _trace(workdir, s["id"], sent_ms)
                        if delivered is not None:
                            lone.append(delivered / 1000 - wall_ms / 1000 - t0)
                        else:
                            lone_failed[s["id"]] = errors or ["not delivered within 120 s"]
                    stories = stories[:n]
                    await asyncio.sleep(1.0)  # what the lone stories left (status polls) settles
                    commands_before = await _tallies(workdir / "tally", worker.pid)
                    cpu_before = _cpu(pids)
                    profilers = _profile(pids, 20)
                    approved_at: dict[str, float] = {}
                    for s in stories:
                        await gql(APPROVE, {"id": s["id"], "v": s["version"]})
                        approved_at[s["id"]] = time.perf_counter()
                    # when each story was delivered everywhere, from the publications' own ledgers
                    # (read straight from the store, one query per look: polling every story
                    # through the API would load the processes measured)
                    done_at: dict[str, float] = {}
                    live_at: dict[str, float] = {}
                    failures: dict[str, list[str]] = {}
                    deadline = time.perf_counter() + 600
                    arrived: set[str] = set()
                    while len(arrived) + len(failures) < n and time.perf_counter() < deadline:
                        await asyncio.sleep(0.2)
                        # the stories still on their way, by their publications' states
                        # only: their times come from the ledgers, read once at the end
                        # (reading them at every look was store CPU charged to the burst)
                        waiting = [
                            s["id"] for s in stories if s["id"] not in arrived | set(failures)
                        ]
                        for story_id, (everywhere, errors) in (
                            await _states(workdir, waiting)
                        ).items():
                            if errors:
                                failures.setdefault(story_id, errors)
                            elif everywhere:
                                arrived.add(story_id)
                    burst_end = time.perf_counter()
                    cpu_burst = {k: v - cpu_before[k] for k, v in _cpu(pids).items()}
                    for story_id, (delivered, live, errors) in (
                        await _ledgers(workdir, [s["id"] for s in stories])
                    ).items():
                        if errors:
                            failures.setdefault(story_id, errors)
                        if delivered is not None:
                            done_at.setdefault(story_id, delivered / 1000 - wall_ms / 1000)
                        if live is not None:
                            live_at.setdefault(story_id, live / 1000 - wall_ms / 1000)
                    commands_burst = _minus(
                        await _tallies(workdir / "tally", worker.pid), commands_before
                    )
                    for profiler in profilers:
                        profiler.wait(timeout=60)
                    # where the time goes: planned → delivered, per channel (from the ledgers)
                    per_channel: dict[str, list[float]] = {}
                    for s in stories[: min(10, n)]:
                        for p in (await gql(PUBS, {"id": s["id"]}))["publications"]:
                            times = {e["toState"]: e["at"] for e in p["ledger"]}
                            end = next(
                                (times[k] for k in ("submitted", "accepted", "live") if k in times),
                                None,
                            )
                            if end and "planned" in times:
                                per_channel.setdefault(p["channel"], []).append(
                                    _seconds(end) - _seconds(times["planned"])
                                )
    latencies = [done_at[i] - approved_at[i] for i in done_at]
    to_live = [live_at[i] - approved_at[i] for i in live_at]
    first, last = min(approved_at.values()), max(done_at.values(), default=time.perf_counter())
    publications = max(1, len(done_at) * len(CHANNELS))
    return {
        "lone_story": {
            "stories": len(lone),
            "failed": lone_failed,
            "approval_to_all_delivered_ms": {
                "p50": round(statistics.median(lone) * 1000, 1) if lone else None,
                "p95": round(percentile(lone, 0.95) * 1000, 1) if lone else None,
            },
            **({"traces": traces} if traces else {}),
        },
        "burst_cpu_ms_per_publication": {
            k: round(v * 1000 / publications, 2) for k, v in cpu_burst.items()
        },
        "burst_store_commands_per_publication": {
            name: round(sum(counts.values()) / publications, 2)
            for name, counts in commands_burst.items()
        },
        "burst_store_commands_by_kind_per_publication": {
            name: {
                k: round(n / publications, 2)
                for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
                if n
            }
            for name, counts in commands_burst.items()
        },
        "burst_cpu_percent": {
            k: round(v * 100 / max(burst_end - first, 1e-9), 1) for k, v in cpu_burst.items()
        },
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "stories": n,
        "channels": CHANNELS,
        "delivered": len(done_at),
        "failed": failures,
        "approval_to_all_delivered_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        },
        "approval_to_live_everywhere_ms": {
            "p50": round(statistics.median(to_live) * 1000, 1) if to_live else None,
            "p95": round(percentile(to_live, 0.95) * 1000, 1) if to_live else None,
            "note": "of the stories live everywhere by the time all were delivered (the platforms' review is followed by status polls every 5 s × 1.5ⁿ)",
            "stories": len(to_live),
        },
        "stories_per_second_per_worker": round(len(done_at) / (last - first), 2)
        if done_at
        else 0.0,
        "publications_per_second_per_worker": round(
            len(done_at) * len(CHANNELS) / (last - first), 1
        )
        if done_at
        else 0.0,
        "planned_to_delivered_ms_p50_by_channel": {
            c: round(statistics.median(v) * 1000, 1) for c, v in sorted(per_channel.items())
        },
        "notes": ["one worker process; platform stand-ins run in the bench process on loopback"],
    }


def main() -> dict[str, Any]:
    n = int(os.environ.get("RONGHUB_BENCH_FANOUT_N", "40"))
    idle = int(os.environ.get("RONGHUB_BENCH_FANOUT_IDLE", "10"))
    console = Console(stderr=True)
    console.print(
        f"[bold]fan-out bench[/bold]: {n} stories × {len(CHANNELS)} channels, one worker process"
    )
    with tempfile.TemporaryDirectory(prefix="ronghub-fanout-") as tmp:
        result = asyncio.run(run(n, Path(tmp), console, idle))
    lat = result["approval_to_all_delivered_ms"]
    live = result["approval_to_live_everywhere_ms"]
    alone = result["lone_story"]["approval_to_all_delivered_ms"]
    console.print(
        f"a lone story (idle queue): approval → all {len(CHANNELS)} channels delivered p50 {alone['p50']} ms, "
        f"p95 {alone['p95']} ms; burst CPU ms per publication {result['burst_cpu_ms_per_publication']}, "
        f"store commands per publication {result['burst_store_commands_per_publication']}"
    )
    console.print(
        f"approval → all {len(CHANNELS)} channels delivered: p50 {lat['p50']} ms, p95 {lat['p95']} ms "
        f"(live everywhere after platform review: p50 {live['p50']} ms, p95 {live['p95']} ms); "
        f"{result['stories_per_second_per_worker']} stories/s ({result['publications_per_second_per_worker']} publications/s) "
        f"per worker process; delivered {result['delivered']}/{n}, failed {len(result['failed'])}"
    )
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))
