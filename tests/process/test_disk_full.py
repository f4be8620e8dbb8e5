"""A full disk under the data folder, for real: a small tmpfs (needs root, else skipped).

The hub refuses to start on it with one plain line (no traceback) and starts once space
is freed; a running hub whose disk fills answers writes with STORAGE_FULL (what SQLite,
and so nx-27017, reports: "database or disk is full") and writes again once there is room.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.process.procs import HubProcess, store_pids

pytestmark = pytest.mark.slow

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here (needs root): {done.stderr.decode(errors='replace').strip()}"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no space left; removing it frees the disk."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65_536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 512)
    return filler


def serve_env(data: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGHUB_")}
    env.update(RONGHUB_DATA_DIR=str(data), RONGHUB_PORT=str(port), RONGHUB_ENV="development")
    return env


def test_the_hub_refuses_a_full_disk_plainly_then_starts_and_reports_storage_full_on_writes(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    filler = fill(small_disk)
    refused = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve"],
        env=serve_env(data, 1),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out = (refused.stdout + refused.stderr).strip()
    assert refused.returncode == 2, out
    assert "Traceback" not in out
    lines = [line for line in out.splitlines() if "磁盘已满" in line]
    assert len(lines) == 1 and "The disk is full" in lines[0], out
    assert not store_pids((data / "store" / "data").resolve())

    filler.unlink()  # space freed: the same folder starts
    hub = HubProcess(data, token="disk-token")
    hub.log_path = tmp_path / "hub.log"  # the hub's output is not on the disk being filled
    try:
        hub.start()
        headers = {"authorization": f"Bearer {hub.token}"}
        with httpx.Client(base_url=hub.url, headers=headers, timeout=60) as client:
            ok = client.post(
                "/graphql",
                json={"query": CREATE, "variables": {"i": {"title": "有空间", "bodyText": "x"}}},
            )
            assert "errors" not in ok.json(), ok.text

            filler = fill(small_disk)
            big = "满" * 20_000
            # the store may still have free pages of its own (how many depends on what it
            # wrote before): write until they are used up, a bounded number of times
            for _ in range(200):
                full = client.post(
                    "/graphql",
                    json={
                        "query": CREATE,
                        "variables": {"i": {"title": "磁盘满", "bodyText": big}},
                    },
                )
                errors = full.json().get("errors")
                if errors:
                    break
            assert errors, full.text
            assert {e["extensions"]["code"] for e in errors} == {"STORAGE_FULL"}, errors
            assert errors[0]["extensions"]["message_en"].startswith("The server's storage is full")

            filler.unlink()
            again = client.post(
                "/graphql",
                json={"query": CREATE, "variables": {"i": {"title": "又有空间", "bodyText": big}}},
            )
            assert "errors" not in again.json(), again.text
        assert hub.terminate() == 0
    finally:
        hub.cleanup()
