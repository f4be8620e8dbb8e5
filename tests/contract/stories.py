"""Story documents shaped exactly as the hub stores them, without going through Beanie."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from hub.ids import new_id
from hub.store.documents import ColumnDoc, StoryDoc


def story(tenant: str, **fields: Any) -> dict[str, Any]:
    """A stored StoryDoc as raw BSON: string `_id`, integer-ms times, nested source."""
    doc: dict[str, Any] = {
        "_id": new_id(),
        "tenant": tenant,
        "version": 1,
        "status": "draft",
        "content_hash": "sha256:0",
        "type": "article",
        "title": "标题",
        "subtitle": None,
        "summary": None,
        "body": "<p>正文</p>",
        "column_id": None,
        "tags": [],
        "cover_asset_id": None,
        "asset_ids": [],
        "byline": None,
        "source": {
            "source_name": None,
            "original_author": None,
            "original_title": None,
            "responsible_editor": None,
            "reprint": False,
        },
        "language": "zh-CN",
        "location": None,
        "created_at": 1_700_000_000_000,
        "updated_at": 1_700_000_000_000,
        "published_at": None,
        "created_by": "dev",
        "updated_by": "dev",
    }
    doc.update(fields)
    return doc


async def with_story_indexes(coll: AsyncCollection) -> AsyncCollection:  # type: ignore[type-arg]
    """The collection with the hub's real story indexes (the array index matters: see quirks)."""
    await coll.create_indexes(list(StoryDoc.Settings.indexes))
    return coll


async def with_column_indexes(coll: AsyncCollection) -> AsyncCollection:  # type: ignore[type-arg]
    await coll.create_indexes(list(ColumnDoc.Settings.indexes))
    return coll
