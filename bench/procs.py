"""Child processes for benchmarks: start, wait until an URL answers, stop by pid."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    """Poll `url` until it answers 200; fail with the child's log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(
        f"{url} did not answer within {timeout}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


@contextlib.contextmanager
def child(
    cmd: list[str],
    env: dict[str, str],
    log: Path,
    ready_url: str,
    cwd: str | None = None,
    ready_timeout: float = 90.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `cmd` (in `cwd`) with its output in `log`; yield once `ready_url` answers
    (within `ready_timeout` seconds); SIGTERM it after."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, **env},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(ready_url, proc, log, ready_timeout)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
