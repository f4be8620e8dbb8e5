"""Browser tests: a real `ronghub demo` process and one headless Chromium per module."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.harness import Browser, browser_for, chromium_available
from tests.e2e.test_demo_cli import Demo

READY_SECONDS = 360.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    reuse = os.environ.get("RONGHUB_CONSOLE_TEST_HUB")  # a demo already running (writing the tests)
    if reuse:
        existing = Demo.__new__(Demo)
        existing.url = reuse.rstrip("/")
        yield existing
        return
    data_dir: Path = tmp_path_factory.mktemp("console-demo") / "data"
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
