"""Fast bulk data for benchmarks: a tenant with N published stories in 8 columns.

Stories are built the way `StoryRepository.create` builds them (same validation,
sanitised body, content hash, document shape) but written with `insert_many`, so
10,000 of them take seconds instead of 10,000 GraphQL round trips. Every story gets
its own cover asset, so a page resolves columns and covers through the DataLoaders.
"""

from __future__ import annotations

import asyncio
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from hub.demo.content import COLUMNS
from hub.domain.story import StoryStatus, build_content
from hub.ids import new_id
from hub.settings import Settings
from hub.store.documents import AssetDoc, ColumnDoc, PublishedStoryDoc, StoryDoc, TenantDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.wiring import connect

SEED_ACTOR = "bench-seed"
BATCH = 1_000
# Base time of the generated stories (2025-01-01T00:00Z); one story a minute after it.
T0_MS = 1_735_689_600_000


@dataclass
class Seeded:
    """What the benchmark needs to know about the data it seeded."""

    tenant: str
    column_ids: list[str]
    # (column_id, published_at, story_id) of every story, for building cursors
    stories: list[tuple[str, int, str]] = field(default_factory=list)


def _fields(i: int, column_id: str, cover_id: str) -> dict[str, object]:
    # Invented placeholder text of typical length; no real articles.
    return {
        "title": f"示例区第{i}号稿件:社区服务与城市更新的进展",
        "summary": f"第{i}篇示例摘要,用于压力测试的栏目列表页。" * 2,
        "body_text": f"示例正文第{i}篇。\n\n" + "街道、社区与各部门协同推进各项民生工作。" * 40,
        "column_id": column_id,
        "cover_asset_id": cover_id,
        "tags": ["示例", f"批次{i % 50}"],
        "byline": "示例区融媒体中心",
    }


async def seed_stories(
    settings: Settings, count: int = 10_000, max_body_chars: int = 200_000
) -> Seeded:
    """Write the tenant, 8 columns, `count` cover assets and `count` published stories."""
    assert settings.mongodb_uri, "seed_stories needs a store (use hub.runtime.store_for)"
    database = await connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        tenant = settings.default_tenant
        scope = Scope(tenant=tenant, actor=SEED_ACTOR, public_only=False)
        columns = [
            ColumnDoc(tenant=tenant, name=name, slug=slug, position=pos)
            for pos, (slug, name) in enumerate(COLUMNS)
        ]
        await ColumnDoc.insert_many(columns)
        seeded = Seeded(tenant=tenant, column_ids=[c.id for c in columns])
        for start in range(0, count, BATCH):
            assets: list[AssetDoc] = []
            stories: list[StoryDoc] = []
            for i in range(start, min(start + BATCH, count)):
                column_id = seeded.column_ids[i % len(columns)]
                cover = AssetDoc(
                    tenant=tenant, uri=f"asset://bench/cover-{i}.jpg", title=f"封面{i}"
                )
                content = build_content(_fields(i, column_id, cover.id), max_body_chars)
                at = T0_MS + i * 60_000
                doc = StoryDoc(
                    id=new_id(),
                    tenant=tenant,
                    version=1,
                    status=StoryStatus.PUBLISHED,
                    content_hash=content.content_hash(),
                    created_at=at,
                    updated_at=at,
                    published_at=at,
                    created_by=SEED_ACTOR,
                    updated_by=SEED_ACTOR,
                    **{
                        **content.model_dump(),
                        "tags": list(content.tags),
                        "asset_ids": list(content.asset_ids),
                    },
                )
                assets.append(cover)
                stories.append(doc)
                seeded.stories.append((column_id, at, doc.id))
            await AssetDoc.insert_many(assets)
            await StoryDoc.insert_many(stories)
            # the public read model, as the app channel would have written it on approval
            await PublishedStoryDoc.insert_many(
                [PublishedStoryDoc(**s.model_dump()) for s in stories]
            )
        await StoryRepository(scope).bump_read_model()
        await TenantDoc(id=tenant, tenant=tenant, name="示例区融媒体中心(压测)").insert()
        return seeded
    finally:
        await database.close()


def seeded_once(settings: Settings, folder: Path, count: int = 10_000) -> Seeded:
    """`seed_stories` into `settings`' data folder the first time, remembered in `folder`
    (seeded.pickle) and reused after: before/after pairs then run on the same data without
    seeding again. `settings` must not point at a running store (the embedded one is
    started here for the seeding)."""
    from hub.runtime import store_for

    remembered = folder / "seeded.pickle"
    if not remembered.exists():
        with store_for(settings) as ready:
            seeded = asyncio.run(seed_stories(ready, count))
        remembered.write_bytes(pickle.dumps(seeded))
    loaded: Seeded = pickle.loads(remembered.read_bytes())
    return loaded
