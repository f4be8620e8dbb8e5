"""A scheduled story publishes within seconds of its time although the hub (with its
in-process worker) was killed and restarted in between: the due time is a stored job."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.process.procs import HubProcess

pytestmark = pytest.mark.slow

CHAIN = 'mutation { createReviewChain(input: {name: "总编签发", stages: [{key: "final", name: "终审", role: "admin"}]}) { id } }'
CREATE = 'mutation { createStory(input: {title: "定时发布稿", bodyText: "正文"}) { id version } }'
SUBMIT = "mutation($id: ID!) { submitForReview(id: $id, expectedVersion: 1) { status } }"
SCHEDULE = "mutation($id: ID!, $at: DateTime!) { schedulePublication(storyId: $id, at: $at) { publishAt } }"
SIGN = 'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "签发") { status } }'
STORY = "query($id: ID!) { story(id: $id) { status publishedAt } }"


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    hub = HubProcess(tmp_path / "data", token="schedule-token")
    hub.data_dir.mkdir()
    try:
        yield hub
    finally:
        hub.cleanup()


async def test_a_scheduled_story_publishes_on_time_across_a_hub_restart(
    hub_process: HubProcess,
) -> None:
    hub = hub_process
    await asyncio.to_thread(hub.start)
    call = hub.graphql
    await asyncio.to_thread(call, CHAIN)
    sid = (await asyncio.to_thread(call, CREATE))["createStory"]["id"]  # type: ignore[index]
    await asyncio.to_thread(call, SUBMIT, {"id": sid})
    at = time.time() + 25
    await asyncio.to_thread(
        call, SCHEDULE, {"id": sid, "at": datetime.fromtimestamp(at, tz=UTC).isoformat()}
    )
    assert (await asyncio.to_thread(call, SIGN, {"id": sid}))["signOff"] == {"status": "approved"}
    assert (await asyncio.to_thread(call, STORY, {"id": sid}))["story"]["status"] == "SCHEDULED"  # type: ignore[index]

    await asyncio.to_thread(hub.kill)  # no shutdown code runs; nothing in memory survives
    await asyncio.to_thread(hub.start)
    back = time.time()
    due = max(at, back)  # had the restart taken longer than the wait, it is due at once
    while True:
        story = (await asyncio.to_thread(call, STORY, {"id": sid}))["story"]
        if story["status"] == "PUBLISHED":  # type: ignore[index]
            break
        assert time.time() < due + 15, f"not published 15 s after its time: {story}"
        await asyncio.sleep(0.25)
    published = datetime.fromisoformat(story["publishedAt"]).timestamp()  # type: ignore[index]
    assert at - 0.5 <= published <= due + 5, (published - at, back - at)
