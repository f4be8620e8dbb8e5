"""Run every benchmark: `python -m bench.run [options]`.

Prints a table and writes `.bench/bench-<UTC time>.json` (and `.bench/latest.json`)
with the figures, the exact command, the load generator's commands and the machine's
load average before and after, since on a shared machine that is the noise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.readpath import Options, run_read_path

OUT = Path(".bench")


def _args(argv: list[str] | None) -> argparse.Namespace:
    d = Options()
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--stories", type=int, default=d.stories, help="published stories to seed")
    p.add_argument("--connections", type=int, default=d.connections, help="concurrent connections")
    p.add_argument("--duration", type=float, default=d.duration, help="seconds per measured run")
    p.add_argument(
        "--warmup", type=float, default=d.warmup, help="seconds of warm-up before each run"
    )
    p.add_argument("--threads", type=int, default=d.threads, help="wrk threads")
    p.add_argument(
        "--rounds", type=int, default=d.rounds, help="bare/hub rounds; the median is kept"
    )
    p.add_argument("--no-mix", action="store_true", help="skip the signed-in newsroom mix row")
    p.add_argument(
        "--python-load", action="store_true", help="use bench.pyload even if wrk is there"
    )
    p.add_argument(
        "--api-workers",
        type=int,
        default=None,
        help="the hub's API processes (RONGHUB_API_WORKERS; default: the hub's, one per core)",
    )
    p.add_argument("--out", type=Path, default=OUT, help="folder for the JSON results")
    p.add_argument(
        "--also",
        nargs="*",
        default=["newsroom", "fanout", "search_bench", "partners", "writers"],
        choices=["newsroom", "fanout", "search_bench", "partners", "writers"],
        help="further benchmarks in the same run (the signed-in newsroom mix: RONGHUB_BENCH_NEWSROOM_CLIENTS, "
        "_SECONDS, _STORIES; fan-out: RONGHUB_BENCH_FANOUT_N, RONGHUB_BENCH_FANOUT_IDLE; search: RONGHUB_BENCH_SEARCH_N; "
        "partners: RONGHUB_BENCH_PARTNER_N; concurrent writers: RONGHUB_BENCH_WRITERS, RONGHUB_BENCH_UPDATES)",
    )
    return p.parse_args(argv)


def _table(result: dict[str, Any]) -> Table:
    table = Table(title=result["what"], title_justify="left")
    for col in (
        "scenario",
        "tool",
        "conns",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "errors",
        "cache hit ratio",
        "vs bare",
        "CPU ms/req",
    ):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    bare_rps = result["scenarios"]["bare"]["rps"]
    for name, s in result["scenarios"].items():
        hit = s.get("hit_ratio")
        table.add_row(
            name,
            s.get("tool", ""),
            str(s["connections"]),
            f"{s['rps']:,.1f}" if s["rps"] < 100 else f"{s['rps']:,.0f}",
            f"{s['p50_ms']:.2f}",
            f"{s['p90_ms']:.2f}",
            f"{s['p99_ms']:.2f}",
            str(s["errors"]),
            "—" if hit is None else f"{hit:.1%}",
            f"{s['rps'] / bare_rps:.3f}",
            " ".join(f"{k} {v:g}" for k, v in (s.get("cpu_ms_per_request") or {}).items()),
        )
        for tag, t in (s.get("by_tag") or {}).items():
            table.add_row(
                f"  {name}: {tag}",
                "",
                "",
                f"{t['rps']:,.1f}",
                f"{t['p50_ms']:.2f}",
                f"p95 {t['p95_ms']:.0f}",
                f"{t['p99_ms']:.2f}",
                str(t["errors"]),
                "",
                "",
                "",
            )
    return table


def _writes_table(others: dict[str, Any]) -> Table | None:
    """The newsroom mix and the fan-out, beside their issue-15 targets."""
    if "newsroom" not in others and "fanout" not in others:
        return None
    table = Table(title="signed-in writes and fan-out (issue 15 targets)", title_justify="left")
    for col in (
        "scenario",
        "conns",
        "rate",
        "read p99 ms",
        "write p99 ms",
        "p95 ms",
        "errors",
        "CPU ms",
        "load",
        "target",
    ):
        table.add_column(col, justify="left" if col in ("scenario", "target") else "right")
    if (m := others.get("newsroom")) is not None:
        cpu = " ".join(f"{k} {v:g}" for k, v in m["cpu_ms_per_request"].items())
        table.add_row(
            "newsroom mix (70 % reads / 30 % writes)",
            str(m["connections"]),
            f"{m['rps']:.1f} req/s",
            f"{m['read']['p99_ms']:.0f}",
            f"{m['write']['p99_ms']:.0f}",
            "",
            str(m["errors"]),
            f"{cpu} /req",
            str(m["loadavg_before"][0]),
            "≥ 200 req/s, 0 errors, write p99 ≤ 500, read p99 ≤ 200: "
            + ("MET" if m["targets"]["met"] else "NOT MET"),
        )
    if (f := others.get("fanout")) is not None:
        cpu = " ".join(f"{k} {v:g}" for k, v in f["burst_cpu_ms_per_publication"].items())
        lone = f["lone_story"]["approval_to_all_delivered_ms"]["p95"]
        table.add_row(
            "fan-out: a lone story, 7 channels",
            "",
            "",
            "",
            "",
            f"{lone}",
            str(len(f["lone_story"]["failed"])),
            "",
            "",
            "p95 ≤ 1000 ms: " + ("MET" if lone is not None and lone <= 1000 else "NOT MET"),
        )
        table.add_row(
            f"fan-out: a burst of {f['stories']} stories",
            "",
            f"{f['publications_per_second_per_worker']} pub/s",
            "",
            "",
            f"{f['approval_to_all_delivered_ms']['p95']}",
            str(len(f["failed"])),
            f"{cpu} /pub",
            str(f["loadavg"][0]),
            "≥ 50 publications/s per worker: "
            + ("MET" if f["publications_per_second_per_worker"] >= 50 else "NOT MET"),
        )
    return table


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    opts = Options(
        stories=args.stories,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        threads=args.threads,
        rounds=args.rounds,
        mix=not args.no_mix,
        python_load=args.python_load,
        api_workers=args.api_workers,
    )
    command = shlex.join(
        [Path(sys.executable).name, "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)]
    )
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_before = os.getloadavg()
    read_path = run_read_path(opts)
    others: dict[str, Any] = {}
    for name in args.also:
        module = importlib.import_module(f"bench.{name}")
        others[name] = module.main()
    report: dict[str, Any] = {
        "command": command,
        "started_at": started,
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "benchmarks": {"read_path": read_path, **others},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{started.replace(':', '')}.json"
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    (args.out / "latest.json").write_text(text, encoding="utf-8")

    console = Console(width=max(120, Console().width))
    console.print(_table(read_path))
    ratios, targets = read_path["ratios"], read_path["targets"]
    hub = read_path["scenarios"]["hub_cached"]
    console.print(
        f"hub/bare rps ratio [bold]{ratios['hub_cached_over_bare_rps']:.3f}[/bold] "
        f"(target ≥ {targets['hub_cached_over_bare_rps_at_least']}), "
        f"hub p99 [bold]{hub['p99_ms']:.2f} ms[/bold] (target ≤ {targets['hub_cached_p99_ms_at_most']:g} ms) at "
        f"{opts.connections} connections: {'MET' if targets['met'] else 'NOT MET'}"
    )
    console.print("vs bare: " + ", ".join(f"{k} {v:.4f}" for k, v in ratios.items()))
    feed = (others.get("partners") or {}).get("feed_page_of_50_concurrent") or {}
    if "rps" in feed:
        console.print(
            f"partner feed.json pages of 50 at {feed['connections']} connections: {feed['rps']:,.1f} req/s, "
            f"p99 {feed['p99_ms']:.1f} ms, {feed['errors']} errors, vs bare {feed['rps'] / read_path['scenarios']['bare']['rps']:.4f}, "
            f"CPU ms/req {feed['cpu_ms_per_request']}"
        )
    writes = _writes_table(others)
    if writes is not None:
        console.print(writes)
    console.print(
        f"load average {report['machine']['loadavg_before']} → {report['machine']['loadavg_after']} on {report['machine']['cpus']} CPUs"
    )
    for note in read_path["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(f"written {path} ({command})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
