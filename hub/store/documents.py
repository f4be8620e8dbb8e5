"""Stored documents. Every one carries `tenant`; ids are strings; times are integer ms.

Keeps to the portable subset in docs/storage.md: no ObjectId outside `_id`, no Link/DBRef,
no `use_revision` (an explicit integer `version` instead), no UUID/Decimal values.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pymongo
from beanie import Document
from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.domain.story import Location, SourceInfo, StoryContent, StoryStatus, StoryType
from hub.ids import new_id, now_ms


class TenantDocument(Document):
    """Base of every stored document: a string id and the tenant it belongs to."""

    id: str = Field(default_factory=new_id)  # type: ignore[assignment]
    tenant: str

    tenant_scoped: ClassVar[bool] = True


class TenantDoc(TenantDocument):
    """A center (融媒体中心). Its own `tenant` is its id, so the rule holds for it too."""

    name: str
    created_at: int = Field(default_factory=now_ms)
    kind: str = "center"  # center (融媒体中心) | platform (the provincial platform itself)
    # the center's public story URLs (hub/domain/permalink.py); None: RONGHUB_SITE_URL_PATTERN
    site_url_pattern: str | None = None

    class Settings:
        name = "tenants"


class ColumnDoc(TenantDocument):
    """A column (栏目) of the app or site."""

    name: str
    slug: str
    position: int = 0
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "columns"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("slug", 1)], unique=True),
            IndexModel([("tenant", 1), ("position", 1)]),
        ]


class AssetDoc(TenantDocument):
    """A media asset: the original's blob, what it is, who made it and who uses it.

    `refs` holds the ids of the stories that use the asset; it changes only by
    `$addToSet`/`$pull` (idempotent, atomic per asset), and an asset is deleted only
    while it is empty (hub/media/refs.py).
    """

    kind: str = "image"
    uri: str = ""
    title: str | None = None
    alt: str | None = None
    credit: str | None = None
    created_at: int = Field(default_factory=now_ms)
    # the media subsystem (hub/media) fills these in
    mime: str | None = None
    filename: str | None = None
    size: int | None = None
    checksum: str | None = None  # sha256 hex of the original
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    codec: str | None = None
    copyright: str | None = None
    caption: str | None = None
    focal_x: float = 0.5  # focal point for crops, 0..1 from the left
    focal_y: float = 0.5  # 0..1 from the top
    blob_key: str | None = None
    renditions: list[str] = Field(default_factory=list)  # blob keys of cached renditions
    refs: list[str] = Field(default_factory=list)  # ids of stories that use the asset
    updated_at: int = Field(default_factory=now_ms)
    created_by: str | None = None

    class Settings:
        name = "assets"
        # no projection: Beanie otherwise lists every field, which the embedded store applies
        # in Python to each document read (a page of 22: 4.8 -> 3.4 ms of its CPU; 20 by id:
        # 4.4 -> 3.3 ms); the whole document is what the model reads anyway
        projection = None
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("created_at", pymongo.DESCENDING)]),
        ]


class OutboxEntry(BaseModel):
    """An event written in the same atomic update as the change it describes.

    The relay (hub/jobs/relay.py) turns each entry into one job per interested consumer
    and then removes it: no change is ever made without its event, or the reverse.
    """

    id: str = Field(default_factory=new_id)
    kind: str  # e.g. story.created, story.updated, story.status
    version: int
    revision: int
    created_at: int = Field(default_factory=now_ms)
    data: dict[str, Any] = Field(default_factory=dict)
    # the audit entry of this change (actor, action, details), stored with the change: the
    # writer appends it at once, and `audit.recover` appends it if the writer died first
    audit: dict[str, Any] | None = None


class StoryDoc(TenantDocument):
    """The head of a story: its current content and its state.

    `version` counts every change (content or state); each change is a compare-and-set
    on it, which gives optimistic concurrency. `revision` is the number of the head
    revision (content changes only).
    """

    version: int = 1
    revision: int = 1
    status: StoryStatus = StoryStatus.DRAFT
    content_hash: str
    # content (mirrors StoryContent; flattened so filters and indexes can use it)
    type: StoryType = StoryType.ARTICLE
    title: str
    subtitle: str | None = None
    summary: str | None = None
    body: str = ""
    column_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    cover_asset_id: str | None = None
    asset_ids: list[str] = Field(default_factory=list)
    byline: str | None = None
    source: SourceInfo = SourceInfo()
    language: str = "zh-CN"
    location: Location | None = None
    channels: list[str] = Field(default_factory=list)
    channel_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    # 应急广播 urgent path: the first person's request, waiting for a second to confirm
    urgent: dict[str, Any] | None = None
    # what each channel may receive: approvals per channel and the last takedown, written
    # with the approval/takedown event (hub/domain/release.py); checked at every send
    release: dict[str, Any] = Field(default_factory=dict)
    # bookkeeping
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    published_at: int | None = None
    created_by: str | None = None
    updated_by: str | None = None
    account_id: str | None = None  # the 融媒号 the story belongs to, if any
    # transactional outbox (see OutboxEntry), keyed by event id: entries are added with
    # `$set: {"outbox.<id>": ...}` (nx-27017 mangles $push of sub-documents);
    # `has_outbox` is indexed for the relay
    outbox: dict[str, OutboxEntry] = Field(default_factory=dict)
    has_outbox: bool = False

    class Settings:
        name = "stories"
        # no projection: Beanie otherwise lists every field, which the embedded store applies
        # in Python to each document read (a page of 22: 4.8 -> 3.4 ms of its CPU; 20 by id:
        # 4.4 -> 3.3 ms); the whole document is what the model reads anyway
        projection = None
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("updated_at", pymongo.DESCENDING)]),
            # the newsroom's column page (newest change first): 5.8 -> 2.2 ms at 10,000 stories
            IndexModel([("tenant", 1), ("column_id", 1), ("updated_at", pymongo.DESCENDING)]),
            # a reporter's or an account's own stories (StoryRepository._page_of_alternatives):
            # 210 ms -> 0.2 ms at 10,000 stories
            IndexModel([("tenant", 1), ("created_by", 1), ("updated_at", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("account_id", 1), ("updated_at", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("status", 1), ("published_at", pymongo.DESCENDING)]),
            IndexModel(
                [
                    ("tenant", 1),
                    ("column_id", 1),
                    ("status", 1),
                    ("published_at", pymongo.DESCENDING),
                ]
            ),
            IndexModel([("tenant", 1), ("tags", 1)]),
            IndexModel([("has_outbox", 1)]),
        ]

    def content(self) -> StoryContent:
        return StoryContent.model_validate(
            {name: getattr(self, name) for name in StoryContent.model_fields}
        )


class PublishedStoryDoc(StoryDoc):
    """The public read model (what the center's app reads): the approved revision's
    content of each published story, written only by the `app` channel's delivery.
    Unreviewed edits to the newsroom head never show here. `revision` says which one."""

    class Settings:
        name = "published_stories"
        # no projection: Beanie otherwise lists every field, which the embedded store applies
        # in Python to each document read (a page of 22: 4.8 -> 3.4 ms of its CPU; 20 by id:
        # 4.4 -> 3.3 ms); the whole document is what the model reads anyway
        projection = None
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("published_at", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("column_id", 1), ("published_at", pymongo.DESCENDING)]),
            IndexModel([("tenant", 1), ("tags", 1)]),
        ]


class RevisionDoc(TenantDocument):
    """An immutable saved state of a story (版本). `_id` is `{story_id}:{number}`."""

    story_id: str
    number: int
    content: StoryContent
    content_hash: str
    created_at: int = Field(default_factory=now_ms)
    author: str | None = None
    restored_from: int | None = None

    class Settings:
        name = "revisions"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("story_id", 1), ("number", pymongo.DESCENDING)]),
        ]

    @staticmethod
    def make_id(story_id: str, number: int) -> str:
        return f"{story_id}:{number}"


class CounterDoc(TenantDocument):
    """A named counter (e.g. the published read model's generation), bumped atomically."""

    value: int = 0

    class Settings:
        name = "counters"


CORE_MODELS: list[type[Document]] = [
    TenantDoc,
    ColumnDoc,
    AssetDoc,
    StoryDoc,
    PublishedStoryDoc,
    RevisionDoc,
    CounterDoc,
]
