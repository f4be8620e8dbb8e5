"""Writing the demo center into a store, idempotently."""

from __future__ import annotations

from hub.demo.content import CENTER_NAME, COLUMNS, STORIES
from hub.domain.story import StoryStatus
from hub.settings import Settings
from hub.store.catalog import ColumnRepository, TenantDirectory
from hub.store.database import connect
from hub.store.documents import ColumnDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

DEMO_ACTOR = "demo-seed"


async def seed_demo(settings: Settings) -> int:
    """Create the demo tenant, columns and stories unless present. Returns stories created."""
    assert settings.mongodb_uri
    database = await connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        scope = Scope(tenant=settings.default_tenant, actor=DEMO_ACTOR, public_only=False)
        tenants = TenantDirectory(scope)
        if await tenants.get(scope.tenant) is not None:
            return 0
        columns = ColumnRepository(scope)
        by_slug: dict[str, str] = {}
        for position, (slug, name) in enumerate(COLUMNS):
            existing = await columns.by_slug(slug)
            doc = existing or await columns.add(ColumnDoc(tenant=scope.tenant, name=name, slug=slug, position=position))
            by_slug[slug] = doc.id
        stories = StoryRepository(scope, settings.max_body_chars)
        for item in STORIES:
            fields = {k: v for k, v in item.items() if k not in ("column", "publish")}
            fields["column_id"] = by_slug[item["column"]]
            doc = await stories.create(fields)
            if item.get("publish", True):
                await stories.set_status(doc.id, doc.version, StoryStatus.PUBLISHED)
        # The tenant document last: its presence means the demo is complete.
        await tenants.ensure(CENTER_NAME)
        return len(STORIES)
    finally:
        await database.close()
