"""Browser tests: a real `ronghub demo` process and one headless Chromium per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import Browser, browser_for, chromium_available
from tests.e2e.test_demo_cli import Demo, running_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    reuse = os.environ.get("RONGHUB_CONSOLE_TEST_HUB")  # a demo already running (writing the tests)
    if reuse:
        existing = Demo.__new__(Demo)
        existing.url = reuse.rstrip("/")
        yield existing
        return
    data_dir: Path = tmp_path_factory.mktemp("console-demo") / "data"
    with running_demo(data_dir) as running:
        yield running


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Browser]:
    if not chromium_available():  # scripts/test installs it; say so rather than skip quietly
        pytest.fail("chromium and chromedriver are missing: run scripts/test (it installs them with apt-get)")
    yield from browser_for(demo.url)
