"""Helpers for tests that start hubs and stores as real processes (and stop them again)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.embedded.store import free_port
from tests.conftest import TEST_PASSWORD_COST


def store_pids(data_dir: Path) -> list[int]:
    """Live nx-27017 processes serving `data_dir` (from /proc command lines)."""
    wanted = str(data_dir.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        parts = [p.decode(errors="replace") for p in cmd if p]
        if state != "Z" and any("nx_27017" in p for p in parts) and wanted in parts:
            found.append(int(entry.name))
    return found


def wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def occupy_port(port: int, timeout: float = 30.0) -> socket.socket:
    """Listen on `port` so a restarted store cannot bind it (its restarts fail)."""
    return hold_store_down(port, None, timeout)


def hold_store_down(port: int, data_dir: Path | None, timeout: float = 30.0) -> socket.socket:
    """Kill the store serving `data_dir` (if given) and listen on its `port`, so that its
    restarts fail until the returned socket is closed. A restart that took the port
    first is killed too, until the port is ours: the outage lasts as long as the test
    needs, however late this thread gets a core."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.monotonic() + timeout
    while True:
        if data_dir is not None:
            for pid in store_pids(data_dir):
                kill_pid(pid)
        try:
            sock.bind(("127.0.0.1", port))
            break
        except OSError:
            if time.monotonic() >= deadline:
                sock.close()
                raise AssertionError(f"port {port} stayed busy") from None
            time.sleep(0.05)
    sock.listen(1)
    return sock


def cpu_time(pid: int) -> float:
    """CPU seconds process `pid` has used (user + system; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


class HubProcess:
    """`ronghub serve` on its own data folder and port, with the embedded store."""

    def __init__(self, data_dir: Path, token: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.token = token
        self.extra_env = dict(env or {})  # more RONGHUB_* settings for this hub
        self.port = free_port()
        self.log_path = data_dir.parent / f"hub-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store_data(self) -> Path:
        return (self.data_dir / "store" / "data").resolve()

    def start(self, timeout: float = 900.0, cpu_seconds: float = 90.0) -> None:
        """Start the hub and wait until /readyz answers 200. The wait ends on that or on the
        hub's exit; it fails when the hub has used `cpu_seconds` of CPU without getting
        ready (stuck busy), or after `timeout` wall seconds (stuck idle). Not on wall time
        alone: beside a CPU hog on a loaded machine one start took over 90 s (it needs
        under 10 s of CPU), which is slowness, not a fault."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RONGHUB_")}
        env.update(
            RONGHUB_DATA_DIR=str(self.data_dir),
            RONGHUB_PORT=str(self.port),
            RONGHUB_DEV_TOKEN=self.token,
            RONGHUB_ENV="development",
            # one API process unless a test asks for more (tests/process/test_api_workers.py):
            # the default, one per core, would double every hub's start-up in the suite
            RONGHUB_API_WORKERS="1",
            **TEST_PASSWORD_COST,
        )
        env.update(self.extra_env)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"hub exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                return httpx.get(self.url + "/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        def ready_or_stuck() -> bool:
            if ready():
                return True
            assert self.proc is not None
            used = cpu_time(self.proc.pid)
            assert used < cpu_seconds, f"the hub used {used:.0f} s of CPU without getting ready"
            return False

        wait_until(ready_or_stuck, timeout, "the hub's /readyz")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs in the hub."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=30)
            self.proc = None

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        code = self.proc.wait(timeout=60)
        self.proc = None
        return code

    def cleanup(self) -> None:
        """Stop everything this hub started, whatever state the test left it in."""
        self.kill()
        for pid in store_pids(self.store_data):
            kill_pid(pid)

    def graphql(self, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = httpx.post(
            self.url + "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


def accepted_connections(pid: int, port: int) -> int:
    """TCP connections on local `port` that process `pid` has accepted and holds open
    (from /proc): a request a client sent is in the hub's hands, not in a queue."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            established = state == "01"
            if established and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                count += 1
    return count
