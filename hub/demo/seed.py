"""Writing the demo center into a store, idempotently.

Safe to run on every start: columns are matched by slug and stories by title, so a
second run (or a run after one that was interrupted half-way) creates only what is
missing and never duplicates. The tenant document is written last; once it exists
the whole seeding is skipped with a single read.

Every write goes through the repositories, so its outbox entries reach every consumer
the hub runs (distribution, search, audit, ...), as for any other change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import structlog

from hub.demo.content import CENTER_NAME, COLUMNS, STORIES
from hub.demo.pictures import demo_picture
from hub.distribution.wiring import build_distribution
from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.jobs.runner import WorkerState
from hub.jobs.worker import Worker
from hub.media.service import MediaService
from hub.search.errors import SearchCodes
from hub.search.service import SearchService, build_engine
from hub.settings import Settings
from hub.store.catalog import AssetRepository, ColumnRepository, TenantDirectory
from hub.store.documents import AssetDoc, ColumnDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.wiring import builtin_consumers, connect

log = structlog.get_logger(__name__)

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
        await _distribute(settings, database)
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
                await _add_asset(scope, settings, assets, asset) for asset in item.get("assets", ())
            ]
            if asset_ids:
                fields["asset_ids"] = asset_ids
                fields["cover_asset_id"] = asset_ids[0]
            doc = await stories.create(fields)
            created += 1
        # 签发 (also finishes a story an interrupted run did not reach); the distribution
        # engine then publishes it on the app channel, exactly as for a real story.
        if item.get("publish", True) and doc.status not in (
            StoryStatus.APPROVED,
            StoryStatus.PUBLISHED,
        ):
            await stories.set_status(doc.id, doc.version, StoryStatus.APPROVED)
    return created


async def _add_asset(
    scope: Scope, settings: Settings, assets: AssetRepository, asset: dict[str, Any]
) -> str:
    """A demo asset: pictures get a real file (drawn now, hub/demo/pictures.py) uploaded as
    an editor would, so covers and renditions work; other kinds stay descriptions only."""
    if asset["kind"] != "image":
        return (await assets.add(AssetDoc(tenant=scope.tenant, **asset))).id
    name = asset["uri"].rsplit("/", 1)[-1]
    data = demo_picture(name.rsplit(".", 1)[0])

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    meta = {k: asset[k] for k in ("title", "alt", "credit") if asset.get(k)}
    return (await MediaService(settings).upload(scope, chunks(), name, meta)).id


async def _distribute(settings: Settings, database: Any) -> None:
    """Run the hub's background work on the seeded writes until it is idle, with every
    consumer the hub runs: the outbox entries reach distribution (the approved stories go
    live in the app, with their publication records), search (the demo is searchable at
    once), audit and the others, exactly as for any write. When another process holds
    the search index (a hub running on this data folder), nothing runs here: the outbox
    stays for that hub's worker, which relays it to every consumer."""
    state = WorkerState(
        settings=settings, database=database, distribution=build_distribution(settings)
    )
    search = SearchService(build_engine(settings))
    try:
        try:
            await search.start()
        except HubError as err:
            if err.code != SearchCodes.SEARCH_INDEX_BUSY.code:
                raise
            log.info("demo.seed_left_to_running_hub", reason=err.message_en)
            return
        state.search = search
        worker = Worker(builtin_consumers(state), idle_sleep=0)
        while await worker.run_once():
            pass
    finally:
        await search.close()
        await state.distribution.aclose()
