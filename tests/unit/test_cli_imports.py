"""The store commands (`ronghub client list`, `audit verify`, `media gc`, `reindex`, ...)
import only what they use: not the web app (hub.app), strawberry or litestar (the server
imports them where it starts, hub/runtime.py `serve`), nor boto3 (only with S3 configured,
hub/media/service.py). Each `ronghub` process paid over a second of CPU for them (#20 item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = str(Path(__file__).resolve().parents[2])
UNUSED = ("hub.app", "strawberry", "litestar", "boto3", "botocore")
# what a store command imports before and while it runs (hub/cli/runner.run_with_store)
STORE_COMMANDS = (
    "hub.cli",
    "hub.cli.identity",
    "hub.cli.feeds",
    "hub.cli.media",
    "hub.cli.reindex",
    "hub.cli.runner",
    "hub.runtime",
    "hub.wiring",
)


def _loaded_after(module: str) -> set[str]:
    probe = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": CHECKOUT},
        cwd=CHECKOUT,
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", STORE_COMMANDS)
def test_a_store_command_module_does_not_import_the_web_stack_or_boto3(module: str) -> None:
    loaded = _loaded_after(module)
    assert module in loaded
    heavy = sorted(name for name in loaded if name in UNUSED or name.split(".")[0] in UNUSED)
    assert heavy == [], f"{module} imports {heavy}"


def test_the_probe_sees_the_web_stack_where_it_is_used() -> None:
    """The check above can fail: importing the app and the S3 backend brings them in."""
    loaded = _loaded_after("hub.app, hub.media.s3")
    assert set(UNUSED) <= loaded


# Imported where they are used (#20 item 5): ~0.5 CPU-s every hub process and every
# `ronghub` command paid at start-up, most of them never cutting a word or writing a sheet.
WHERE_USED = ("pypinyin", "rjieba", "openpyxl", "av")


def test_the_hub_imports_its_segmenter_pinyin_spreadsheet_and_video_libraries_where_used() -> None:
    loaded = _loaded_after("hub.app, hub.wiring")
    assert "hub.search.analysis" in loaded and "hub.media.probe" in loaded
    early = sorted(name for name in loaded if name.split(".")[0] in WHERE_USED)
    assert early == [], f"importing the hub loads {early}"


def test_importing_the_hub_hashes_no_password() -> None:
    """The unknown-user hash (argon2 at the production cost, ~0.2 CPU-s) is made when the
    hub starts (hub/identity/state.py `running`) or at the first verify, not at import."""
    probe = (
        "import hub.app; from hub.identity import passwords as p; "
        "print(p._DUMMY is None); p.verify_secret(None, 'x'); print(p._DUMMY is None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": CHECKOUT},
        cwd=CHECKOUT,
    )
    assert done.stdout.split() == ["True", "False"]
