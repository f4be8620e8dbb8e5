"""Browser tests: a real `ronghub demo` process and one headless Chromium per module."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.harness import Browser, browser_for, chromium_available
from tests.e2e.test_demo_cli import Demo

READY_SECONDS = 360.0
ROOT = Path(__file__).resolve().parents[2]


def seeded_data(tmp_path_factory: pytest.TempPathFactory, dest: Path) -> Path:
    """`dest`, a copy of a data folder where `ronghub demo` has seeded its center, made once
    per test run (shared by the xdist workers) and stopped cleanly. The console tests need
    the demo's stories and users, not its first start: seeding (37 stories through the
    review chain and their channels, the users, the search index) is ~15 CPU-s a demo,
    a start on seeded data ~4. The first start is tests/e2e/test_demo_cli.py's subject."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    source = shared / "seeded-demo" / "data"
    with open(shared / "seeded-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the one seeding
        if not (source.parent / "seeded").exists():
            shutil.rmtree(source.parent, ignore_errors=True)  # a seeding that failed before
            source.parent.mkdir()
            seeding = Demo(source, extra_env={"PYTHONPATH": str(ROOT)})
            try:
                wait_ready(seeding)
            finally:
                code = seeding.terminate()
            assert code == 0, seeding.output()
            (source.parent / "seeded").touch()
    # `run/` holds the stopped processes' records (pid files, doorbells): not data
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("run"))
    return dest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    reuse = os.environ.get("RONGHUB_CONSOLE_TEST_HUB")  # a demo already running (writing the tests)
    if reuse:
        existing = Demo.__new__(Demo)
        existing.url = reuse.rstrip("/")
        yield existing
        return
    data_dir = seeded_data(tmp_path_factory, tmp_path_factory.mktemp("console-demo") / "data")
    running = Demo(data_dir)
    try:
        wait_ready(running)
        yield running
    finally:
        running.terminate()


def wait_ready(demo: Demo, seconds: float = READY_SECONDS) -> None:
    """Like Demo.wait_ready, with more room: the demo seeds 37 stories and its users first,
    and the browser tests run beside the rest of the suite on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert demo.proc.poll() is None, f"ronghub demo exited early:\n{demo.output()}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{demo.url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"/readyz did not answer within {seconds}s:\n{demo.output()}")


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Browser]:
    if not chromium_available():  # scripts/test installs it; say so rather than skip quietly
        pytest.fail(
            "chromium and chromedriver are missing: run scripts/test (it installs them with apt-get)"
        )
    yield from browser_for(demo.url)
