"""Story changes reach live newsroom screens: every stored create, edit, restore and state
change is announced on the bus (topic `story`) with the version it produced."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from hub.domain.story import StoryStatus
from hub.events.bus import NewsroomEvent, listen
from hub.ids import new_id
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import bus_listening, wait_until

pytestmark = pytest.mark.usefixtures("hub_url")


async def test_each_story_change_is_announced_after_it_is_stored() -> None:
    tenant = "events-" + new_id()
    repo = StoryRepository(Scope(tenant, actor="editor-7", public_only=False))
    seen: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(tenant, ["story"]):
            seen.append(event)

    task = asyncio.create_task(collect())
    await bus_listening(tenant)
    try:
        doc = await repo.create({"title": "暴雨预警", "body_text": "正文"})
        doc = await repo.update(doc.id, doc.version, {"title": "暴雨橙色预警"})
        doc = await repo.set_status(doc.id, doc.version, StoryStatus.IN_REVIEW)
        await wait_until(lambda: len(seen) >= 3, "three story events")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [(e.kind, e.subject_id, e.actor, e.data["version"]) for e in seen] == [
        ("story.create", doc.id, "editor-7", 1),
        ("story.update", doc.id, "editor-7", 2),
        ("story.status.in_review", doc.id, "editor-7", 3),
    ]
    assert seen[-1].data["status"] == "in_review"
