"""Closed-loop HTTP load in a separate process: wrk when available, else a Python client.

`find_wrk()` looks for wrk and, when running as root on Debian, installs it with
apt-get; without it the benchmark falls back to `bench.pyload` (asyncio, one process)
and says so, since that client saturates long before uvicorn does: its ratios are
lower bounds, not comparable to wrk's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

MARK = "BENCH_JSON "


@dataclass(frozen=True)
class Load:
    """What to send: POST bodies cycled across requests (one body = the same request)."""

    url: str
    bodies: list[str]
    headers: dict[str, str]
    tags: list[str] | None = None  # bench.pyload only: figures per tag (e.g. "read", "write")
    check_errors: bool = False  # bench.pyload only: a GraphQL `errors` member counts as an error
    paths: list[str] | None = (
        None  # wrk only: GET these paths (with the query) of `url`'s host, cycled
    )


@dataclass
class LoadResult:
    tool: str
    command: str
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    by_tag: dict[str, dict[str, float]] | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def find_wrk(install: bool = True) -> str | None:
    """The wrk binary, installing Debian's package first if we may (root, apt-get)."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("wrk not found: installing it with apt-get (Debian package 'wrk') …", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (
            ["apt-get", "install", "-y", "-qq", "wrk"],
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "wrk"],
        ):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if cmd[1] == "install" and done.returncode == 0:
                break
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def _wrk_script(load: Load) -> str:
    # a space inside the brackets: `t[[==[k]==]]` would be read as a call of t with a long string
    headers = "\n".join(
        f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in load.headers.items()
    )
    if load.paths:
        return _wrk_get_script(load, headers)
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"', headers]
    if len(load.bodies) == 1:
        # A static request: wrk formats it once, which is what a cache-friendly client looks like.
        lines.append(f"wrk.body = {_lua_string(load.bodies[0])}")
    else:
        lines += [
            "local bodies = {",
            *(f"  {_lua_string(b)}," for b in load.bodies),
            "}",
            "local n = #bodies",
            "local threads = 0",
            "setup = function(thread) thread:set('tid', threads); threads = threads + 1 end",
            "local i = 0",
            "init = function(args) i = ((tonumber(tid) or 0) * 997) % n end",
            "request = function()",
            "  i = (i + 1) % n",
            "  return wrk.format(nil, nil, nil, bodies[i + 1])",
            "end",
        ]
    return "\n".join([*lines, *_wrk_done()]) + "\n"


def _wrk_get_script(load: Load, headers: str) -> str:
    """GET requests cycling over `load.paths` (each thread from its own offset)."""
    assert load.paths
    lines = [
        'wrk.method = "GET"',
        headers,
        "local paths = {",
        *(f"  {_lua_string(p)}," for p in load.paths),
        "}",
        "local n = #paths",
        "local threads = 0",
        "setup = function(thread) thread:set('tid', threads); threads = threads + 1 end",
        "local i = 0",
        "init = function(args) i = ((tonumber(tid) or 0) * 997) % n end",
        "request = function()",
        "  i = (i + 1) % n",
        '  return wrk.format("GET", paths[i + 1])',
        "end",
    ]
    return "\n".join([*lines, *_wrk_done()]) + "\n"


def _wrk_done() -> list[str]:
    return [
        "done = function(summary, latency, requests)",
        "  local e = summary.errors",
        '  io.write(string.format("' + MARK + '{\\"requests\\":%d,\\"duration_us\\":%d,'
        '\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,'
        '\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d,\\"max\\":%d}\\n",',
        "    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,",
        "    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))",
        "end",
    ]


def _parse(stdout: str) -> dict[str, float]:
    for line in stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(f"the load generator printed no result:\n{stdout[-2000:]}")


def run_wrk(
    wrk: str, load: Load, connections: int, duration: float, threads: int, timeout: float = 5.0
) -> LoadResult:
    """One bounded wrk run against `load.url`."""
    with tempfile.TemporaryDirectory(prefix="ronghub-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(_wrk_script(load), encoding="utf-8")
        cmd = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            f"{timeout:g}s",
            "-s",
            str(script),
            load.url,
        ]
        done = subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=duration + timeout + 60
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    raw = _parse(done.stdout)
    seconds = raw["duration_us"] / 1e6
    errors = int(raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"])
    shown = " ".join(cmd[:-3]) + " -s <generated load.lua> " + load.url
    return LoadResult(
        tool="wrk",
        command=shown,
        requests=int(raw["requests"]),
        duration_s=round(seconds, 3),
        rps=round(raw["requests"] / seconds, 1),
        p50_ms=raw["p50"] / 1000,
        p90_ms=raw["p90"] / 1000,
        p99_ms=raw["p99"] / 1000,
        max_ms=raw["max"] / 1000,
        errors=errors,
    )


def run_python(load: Load, connections: int, duration: float, timeout: float = 5.0) -> LoadResult:
    """The fallback: bench.pyload in its own process (so it does not share the GIL)."""
    with tempfile.TemporaryDirectory(prefix="ronghub-pyload-") as tmp:
        spec = Path(tmp) / "load.json"
        spec.write_text(json.dumps(asdict(load), ensure_ascii=False), encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "bench.pyload",
            "--spec",
            str(spec),
            "--connections",
            str(connections),
            "--duration",
            f"{duration:g}",
        ]
        done = subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=duration + timeout + 60
        )
    if done.returncode != 0:
        raise RuntimeError(f"bench.pyload failed ({done.returncode}): {done.stderr}")
    raw = _parse(done.stdout)
    return LoadResult(tool="bench.pyload", command=" ".join(cmd[:3]) + " …", **raw)  # type: ignore[arg-type]


def run(
    wrk: str | None,
    load: Load,
    connections: int,
    duration: float,
    threads: int,
    timeout: float = 5.0,
) -> LoadResult:
    """One bounded closed-loop run with wrk if given, else with bench.pyload."""
    if wrk:
        return run_wrk(wrk, load, connections, duration, threads, timeout)
    return run_python(load, connections, duration, timeout)
