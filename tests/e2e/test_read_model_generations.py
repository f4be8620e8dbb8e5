"""The read-model generation poll sees other processes' publishing (keyed by counter id)."""

from __future__ import annotations

from hub.ids import new_id
from hub.readcache import Generations
from hub.store.scope import Scope
from hub.store.stories import StoryRepository


async def test_polling_picks_up_a_generation_bumped_elsewhere(hub_url: str) -> None:
    tenant = "t-" + new_id()
    generations = Generations()
    assert await generations.refresh(tenant) == 0
    # Another process publishing: the counter document is created by an upsert.
    bumped = await StoryRepository(Scope(tenant=tenant, actor="other", public_only=False)).bump_read_model()
    assert bumped == 1
    await generations.refresh_all()
    assert generations.get(tenant) == 1
