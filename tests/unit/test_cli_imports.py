"""The store commands (`ronghub client list`, `audit verify`, `media gc`, `reindex`, ...)
import only what they use: not the web app (hub.app), strawberry or litestar (the server
imports them where it starts, hub/runtime.py `serve`), nor boto3 (only with S3 configured,
hub/media/service.py). Each `ronghub` process paid over a second of CPU for them (#20 item 5).

The probes run in children forked from one interpreter that has imported hub.wiring (what
every store command loads), not in an interpreter each: ~1 CPU-s a probe less (#20 item 5).
A forked child starts with its parent's modules, so whatever the preload brought in is in
every probe's `sys.modules`: a heavy module imported by the preload fails every probe (the
`hub.wiring` case says where it came from), never hides one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
PRELOAD = "hub.wiring"

# One request a line (Python source setting `result`), one answer a line (JSON): each
# request runs in a child forked for it, so no probe sees another's imports.
FORK_SERVER = """
import json, os, sys, traceback
import {preload}
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            scope = {{}}
            exec(json.loads(line), scope)
            answer = {{"result": scope["result"]}}
        except BaseException:
            answer = {{"error": traceback.format_exc()}}
        sys.stdout.write(json.dumps(answer) + "\\n")
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
"""

Probe = Callable[[str], Any]


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    """`probe(source)`: `result` after running `source` in a fresh child of the preloaded server."""
    server = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER.format(preload=PRELOAD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": CHECKOUT},
        cwd=CHECKOUT,
    )
    assert server.stdin is not None and server.stdout is not None
    requests, answers = server.stdin, server.stdout

    def run(source: str) -> Any:
        requests.write(json.dumps(source) + "\n")
        requests.flush()
        line = answers.readline()
        assert line, f"the probe server exited ({server.poll()})"
        answer = json.loads(line)
        assert "error" not in answer, answer["error"]
        return answer["result"]

    try:
        yield run
    finally:
        requests.close()
        server.wait(timeout=60)
        answers.close()


def _loaded_after(probe: Probe, module: str) -> set[str]:
    return set(probe(f"import sys, {module}\nresult = sorted(sys.modules)"))


@pytest.mark.parametrize("module", STORE_COMMANDS)
def test_a_store_command_module_does_not_import_the_web_stack_or_boto3(
    probe: Probe, module: str
) -> None:
    loaded = _loaded_after(probe, module)
    assert module in loaded
    heavy = sorted(name for name in loaded if name in UNUSED or name.split(".")[0] in UNUSED)
    where = f" (or the preloaded {PRELOAD} does)" if module != PRELOAD else ""
    assert heavy == [], f"{module} imports {heavy}{where}"


# The web app, imported once for the three checks below (~2 CPU-s a time).
WEB_PROBE = """
import sys, hub.app, hub.wiring
from hub.identity import passwords
hub_modules = sorted(sys.modules)
hashed_at_import = passwords._DUMMY is not None
passwords.verify_secret(None, "x")
hashed_at_verify = passwords._DUMMY is not None
import hub.media.s3
result = {
    "hub": hub_modules,
    "with_s3": sorted(sys.modules),
    "hashed_at_import": hashed_at_import,
    "hashed_at_verify": hashed_at_verify,
}
"""


@pytest.fixture(scope="module")
def web(probe: Probe) -> dict[str, Any]:
    answer: dict[str, Any] = probe(WEB_PROBE)
    return answer


def test_the_probe_sees_the_web_stack_where_it_is_used(web: dict[str, Any]) -> None:
    """The check above can fail: importing the app and the S3 backend brings them in."""
    assert set(UNUSED) <= set(web["with_s3"])


# Imported where they are used (#20 item 5): ~0.5 CPU-s every hub process and every
# `ronghub` command paid at start-up, most of them never cutting a word or writing a sheet.
WHERE_USED = ("pypinyin", "rjieba", "openpyxl", "av")


def test_the_hub_imports_its_segmenter_pinyin_spreadsheet_and_video_libraries_where_used(
    web: dict[str, Any],
) -> None:
    loaded = set(web["hub"])
    assert "hub.search.analysis" in loaded and "hub.media.probe" in loaded
    early = sorted(name for name in loaded if name.split(".")[0] in WHERE_USED)
    assert early == [], f"importing the hub loads {early}"


def test_importing_the_hub_hashes_no_password(web: dict[str, Any]) -> None:
    """The unknown-user hash (argon2 at the production cost, ~0.2 CPU-s) is made when the
    hub starts (hub/identity/state.py `running`) or at the first verify, not at import."""
    assert (web["hashed_at_import"], web["hashed_at_verify"]) == (False, True)
