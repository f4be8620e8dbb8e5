"""The published read model's generation counter, as stored by the hub."""

from __future__ import annotations

from hub.readcache import Generations
from hub.store.documents import CounterDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository, read_model_counter_id


async def test_the_generation_counter_is_stored_with_its_tenant_and_polled(hub_url: str) -> None:
    tenant = "t-counter-" + hub_url.rsplit(":", 1)[-1]
    repo = StoryRepository(Scope(tenant=tenant, actor="dev", public_only=False))
    assert await repo.bump_read_model() == 1
    assert await repo.bump_read_model() == 2
    doc = await CounterDoc.get(read_model_counter_id(tenant))
    assert doc is not None and (doc.tenant, doc.value) == (tenant, 2)
    generations = Generations()
    assert await generations.refresh(tenant) == 2
    await repo.bump_read_model()
    await generations.refresh_all()  # the background poll: reads tenants back from the counters
    assert generations.get(tenant) == 3
