"""A hub killed with SIGKILL loses no acknowledged write and leaves no store behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.embedded.store import RECORD
from tests.process.procs import HubProcess, store_pids, wait_until

pytestmark = pytest.mark.slow

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }"
READ = "query($id: ID!) { story(id: $id) { title bodyText version revisions { number } } }"


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    hub = HubProcess(tmp_path / "data", token="durability-token")
    hub.data_dir.mkdir()
    try:
        yield hub
    finally:
        hub.cleanup()


async def test_acknowledged_writes_survive_sigkill_and_one_store_runs_after_restart(
    hub_process: HubProcess,
) -> None:
    hub = hub_process
    await asyncio.to_thread(hub.start)
    assert len(store_pids(hub.store_data)) == 1

    written: dict[str, tuple[str, int]] = {}
    for i in range(12):
        title = f"断电前第{i}篇"
        created = (
            await asyncio.to_thread(
                hub.graphql, CREATE, {"i": {"title": title, "bodyText": f"正文{i}\r\n第二行"}}
            )
        )["createStory"]
        written[created["id"]] = (title, 1)
    # the last acknowledged write of each kind happens just before the kill
    last_id = next(iter(written))
    await asyncio.to_thread(
        hub.graphql, UPDATE, {"i": {"id": last_id, "expectedVersion": 1, "title": "改过的标题"}}
    )
    written[last_id] = ("改过的标题", 2)

    await asyncio.to_thread(hub.kill)
    await asyncio.to_thread(hub.start)

    wait_until(
        lambda: len(store_pids(hub.store_data)) == 1, 30, "exactly one store for the data folder"
    )
    for story_id, (title, version) in written.items():
        story = (await asyncio.to_thread(hub.graphql, READ, {"id": story_id}))["story"]
        assert story is not None, f"acknowledged story {story_id} was lost"
        assert (story["title"], story["version"]) == (title, version)
        assert story["bodyText"].endswith("\r\n第二行")
        assert [r["number"] for r in story["revisions"]] == list(range(version, 0, -1))

    # A clean stop takes the store down too and removes the ownership record.
    assert await asyncio.to_thread(hub.terminate) == 0
    wait_until(lambda: not store_pids(hub.store_data), 30, "the store to stop with its hub")
    assert not (hub.data_dir / "store" / RECORD).exists()
