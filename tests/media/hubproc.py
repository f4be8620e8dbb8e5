"""A hub in its own process (`ronghub serve`), for tests that need other settings or
must measure the server's memory apart from the test runner's."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.embedded.store import free_port
from hub.ids import new_id
from tests.conftest import DEV_TOKEN, TEST_PASSWORD_COST


@dataclass
class HubProcess:
    url: str
    pid: int
    data_dir: Path

    def vm_hwm_kb(self) -> int:
        """Peak resident memory of the server process so far (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("VmHWM not found")

    def vm_rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("VmRSS not found")


@contextlib.contextmanager
def hub_process(store_uri: str, data_dir: Path, **settings: str) -> Iterator[HubProcess]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGHUB_")}
    env.update(
        {
            "RONGHUB_MONGODB_URI": store_uri,
            "RONGHUB_MONGODB_DB": "ronghub_proc_" + new_id()[-8:],
            "RONGHUB_DATA_DIR": str(data_dir),
            "RONGHUB_PORT": str(port),
            "RONGHUB_DEV_TOKEN": DEV_TOKEN,
            "RONGHUB_LOG_LEVEL": "warning",
            "RONGHUB_API_WORKERS": "1",  # one process (tests/process/procs.py says why)
            **TEST_PASSWORD_COST,
        }
    )
    env.update({f"RONGHUB_{k.upper()}": v for k, v in settings.items()})
    log = (data_dir / "hub.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"hub exited: {(data_dir / 'hub.log').read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("hub did not become ready")
            time.sleep(0.2)
        yield HubProcess(url=url, pid=proc.pid, data_dir=data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
