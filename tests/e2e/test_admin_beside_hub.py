"""Issue 14 (6): a fresh `ronghub demo` is searchable at once (the seed goes through the
outbox to every consumer, search included), and the admin commands that open the store
work beside the running hub (they use its embedded store, found from the data folder)
or refuse in one clear line, never with a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_helpers import CHECKOUT
from tests.e2e.test_demo_cli import TOKEN, Demo, child_env, ronghub_command, running_demo

pytestmark = pytest.mark.slow

SEARCH = '{ search(query: "媒体融合") { totalCount edges { node { story { title } } } } }'
TITLE = "示例区召开全区媒体融合工作推进会"  # a demo story; searched by a word of its title
SEARCHABLE_WITHIN_S = 20.0  # a bound for a busy machine; it is searchable before the hub serves


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("demo") / "data") as running:
        yield running


def test_a_fresh_demo_finds_a_demo_story_by_a_word_of_its_title_right_after_start(
    demo: Demo,
) -> None:
    deadline = time.monotonic() + SEARCHABLE_WITHIN_S
    while True:
        found = demo.graphql(SEARCH, TOKEN)["search"]
        if found["totalCount"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert TITLE in [e["node"]["story"]["title"] for e in found["edges"]], found


ADMIN_COMMANDS: list[tuple[str, ...]] = [
    ("audit", "verify"),
    ("media", "gc", "--dry-run"),
    ("client", "list", "--tenant", "default"),
    ("client", "create", "--tenant", "default", "--name", "合作方"),
    ("tenant", "create", "beside", "旁路县融媒体中心"),
    (
        "user",
        "create",
        "--tenant",
        "default",
        "--username",
        "beside",
        "--display-name",
        "旁路",
        "--grant",
        "editor",
        "--password",
        "beside-password-1",
    ),
    ("keys", "rotate"),
    ("feeds", "rotate-key"),
    (
        "admin",
        "create-platform-admin",
        "--username",
        "platform-beside",
        "--password",
        "beside-password-1",
    ),
    ("seed-demo",),
    ("reindex",),
]


def run(demo: Demo, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [ronghub_command(), *args],
        env=child_env(data_dir=str(demo.data_dir)) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def admin_outputs(
    demo: Demo, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, ...], tuple[int, str]]:
    """Every admin command's exit code and output, run in order in one process beside the
    hub (tests/e2e/cli_batch.py): what they say is under test here, not the process start;
    the test below runs the `ronghub` script itself."""
    result = tmp_path_factory.mktemp("admin") / "result.json"
    subprocess.run(
        [sys.executable, "-m", "tests.e2e.cli_batch", str(result)],
        input=json.dumps(ADMIN_COMMANDS),
        env=child_env(data_dir=str(demo.data_dir)) | {"COLUMNS": "200"},
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    outputs = json.loads(result.read_text())
    return {
        args: (code, output) for args, (code, output) in zip(ADMIN_COMMANDS, outputs, strict=True)
    }


@pytest.mark.parametrize("args", ADMIN_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_admin_command_beside_the_running_hub_works_or_refuses_in_one_line(
    demo: Demo, admin_outputs: dict[tuple[str, ...], tuple[int, str]], args: tuple[str, ...]
) -> None:
    code, output = admin_outputs[args]
    assert "Traceback" not in output, output
    if code != 0:
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1, output
        assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]) and " / " in lines[0], (
            output
        )  # Chinese / English
    assert demo.proc.poll() is None, "the hub stopped"


def test_the_store_commands_work_beside_the_running_hub_and_reindex_says_why_it_cannot(
    demo: Demo,
) -> None:
    code, output = run(demo, "audit", "verify", "--tenant", "default")
    assert code == 0 and "ok default" in output, output
    code, output = run(demo, "client", "list", "--tenant", "default")
    assert code == 0 and "client(s) in default" in output, output
    code, output = run(demo, "reindex")
    assert code != 0 and output.strip().startswith("SEARCH_INDEX_BUSY"), output
    assert Path(demo.data_dir / "store" / "store.json").exists()  # the hub's store is untouched
