"""Writing the demo center into a store, idempotently.

Safe to run on every start: columns are matched by slug and stories by title, so a
second run (or a run after one that was interrupted half-way) creates only what is
missing and never duplicates. The tenant document is written last; once it exists
the whole seeding is skipped with a single read.
"""

from __future__ import annotations

from typing import Any

from hub.demo.content import CENTER_NAME, COLUMNS, STORIES
from hub.distribution.wiring import build_distribution
from hub.domain.story import StoryStatus
from hub.jobs.worker import Worker
from hub.settings import Settings
from hub.store.catalog import AssetRepository, ColumnRepository, TenantDirectory
from hub.store.database import connect
from hub.store.documents import AssetDoc, ColumnDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

DEMO_ACTOR = "demo-seed"
_NOT_CONTENT = ("column", "publish", "assets")


async def seed_demo(settings: Settings) -> int:
    """Create the demo tenant, columns and stories unless present. Returns stories created."""
    assert settings.mongodb_uri, "seed_demo needs a running store (see hub.runtime.store_for)"
    database = await connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        scope = Scope(tenant=settings.default_tenant, actor=DEMO_ACTOR, public_only=False)
        tenants = TenantDirectory(scope)
        if await tenants.get(scope.tenant) is not None:
            return 0
        column_ids = await _ensure_columns(scope)
        created = await _ensure_stories(scope, settings, column_ids)
        await _distribute(settings)
        # The tenant document last: its presence means the demo is complete.
        await tenants.ensure(CENTER_NAME)
        return created
    finally:
        await database.close()


async def _ensure_columns(scope: Scope) -> dict[str, str]:
    columns = ColumnRepository(scope)
    by_slug: dict[str, str] = {}
    for position, (slug, name) in enumerate(COLUMNS):
        doc = await columns.by_slug(slug) or await columns.add(
            ColumnDoc(tenant=scope.tenant, name=name, slug=slug, position=position)
        )
        by_slug[slug] = doc.id
    return by_slug


async def _ensure_stories(scope: Scope, settings: Settings, column_ids: dict[str, str]) -> int:
    stories = StoryRepository(scope, settings.max_body_chars)
    assets = AssetRepository(scope)
    titles = [item["title"] for item in STORIES]
    existing = {
        doc.title: doc
        for doc in await StoryDoc.find({"tenant": scope.tenant, "title": {"$in": titles}}).to_list()
    }
    created = 0
    for item in STORIES:
        doc = existing.get(item["title"])
        if doc is None:
            fields: dict[str, Any] = {k: v for k, v in item.items() if k not in _NOT_CONTENT}
            fields["column_id"] = column_ids[item["column"]]
            asset_ids = [
                (await assets.add(AssetDoc(tenant=scope.tenant, **asset))).id
                for asset in item.get("assets", ())
            ]
            if asset_ids:
                fields["asset_ids"] = asset_ids
                fields["cover_asset_id"] = asset_ids[0]
            doc = await stories.create(fields)
            created += 1
        # 签发 (also finishes a story an interrupted run did not reach); the distribution
        # engine then publishes it on the app channel, exactly as for a real story.
        if item.get("publish", True) and doc.status not in (StoryStatus.APPROVED, StoryStatus.PUBLISHED):
            await stories.set_status(doc.id, doc.version, StoryStatus.APPROVED)
    return created


async def _distribute(settings: Settings) -> None:
    """Run the distribution engine until the approvals are delivered, so the demo opens
    with its stories live in the app (and their publication records in the ledger)."""
    engine = build_distribution(settings)
    worker = Worker(engine.consumers(), idle_sleep=0)
    while await worker.run_once():
        pass
