"""GraphQL output and input types for the content graph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NewType, TypeVar, overload

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.domain import diff as domain_diff
from hub.domain import html as body_html
from hub.domain.plaintext import readable, readable_values
from hub.domain.story import SOURCE_FIELDS, StoryContent, StoryStatus, StoryType
from hub.graphql.context import Context
from hub.graphql.memo import memo_safe
from hub.graphql.urls import original_url, rendition_url_or_none, story_url_for
from hub.store.documents import AssetDoc, ColumnDoc, RevisionDoc, StoryDoc
from hub.store.idempotency import IDEMPOTENCY_KEY_HELP

if TYPE_CHECKING:
    from hub.graphql.editing import StoryLock
    from hub.graphql.planning_types import Assignment

StoryTypeEnum = strawberry.enum(
    StoryType, name="StoryType", description="稿件类型: article, 图集, video, audio, live, 专题"
)
StoryStatusEnum = strawberry.enum(StoryStatus, name="StoryStatus", description="稿件状态")


@overload
def ms_to_dt(ms: int) -> datetime: ...
@overload
def ms_to_dt(ms: int | None) -> datetime | None: ...
def ms_to_dt(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


_Resolver = TypeVar("_Resolver", bound=Callable[..., Awaitable[Any]])

#: Resolvers of Story fields whose types live in a subsystem's module (派单 in
#: planning_types, 编辑锁 in editing), which imports this one: each registers its resolver
#: here when it is imported (`story_link`), and the field names its type lazily, so this
#: module imports no subsystem back. The schema imports both before it is built.
_STORY_LINKS: dict[str, Callable[[Info[Context, None], str], Awaitable[object]]] = {}


def story_link(field: str) -> Callable[[_Resolver], _Resolver]:
    """Register the resolver of `Story.<field>` (given the request and the story's id)."""

    def register(resolver: _Resolver) -> _Resolver:
        _STORY_LINKS[field] = resolver
        return resolver

    return register


async def _linked(field: str, info: Info[Context, None], story_id: str) -> Any:
    resolver = _STORY_LINKS.get(field)
    if resolver is None:  # a wiring mistake, not a request's: the module was never imported
        raise RuntimeError(
            f"Story.{field} has no registered resolver (hub.graphql.types.story_link)"
        )
    return await resolver(info, story_id)


def dt_to_ms(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


#: An integer that may exceed GraphQL's 32-bit Int (byte sizes, a platform's counts);
#: the schema maps it to the `Long` scalar (LONG, in build_schema's scalar_map).
Long = NewType("Long", int)
LONG = strawberry.scalar(
    name="Long",
    serialize=int,
    parse_value=int,
    description="An integer that may exceed 32 bits (up to 2^63 − 1), as a JSON number: byte sizes, a platform's counts",
)


@strawberry.type(description="来源信息: 来源, 原作者, 原标题, 责任编辑, 转载")
class Source:
    source_name: str | None = strawberry.field(description="来源")
    original_author: str | None = strawberry.field(description="原作者")
    original_title: str | None = strawberry.field(description="原标题")
    responsible_editor: str | None = strawberry.field(description="责任编辑")
    reprint: bool = strawberry.field(description="转载")


@strawberry.type
class Location:
    name: str
    latitude: float | None
    longitude: float | None


@strawberry.interface(
    description="Relay Global Object Identification: an object that `node(id:)` refetches by its `id`. "
    "Ids are opaque and unique across types; an id of another center, or one the caller may not see, "
    "resolves to null."
)
class Node:
    id: strawberry.ID


@strawberry.type(description="栏目")
class Column(Node):
    id: strawberry.ID
    name: str
    slug: str
    position: int

    @staticmethod
    def from_doc(doc: ColumnDoc) -> Column:
        return Column(id=strawberry.ID(doc.id), name=doc.name, slug=doc.slug, position=doc.position)


@strawberry.type(description="媒体资源: an uploaded image, video, audio or document")
class Asset(Node):
    id: strawberry.ID
    kind: str = strawberry.field(description="image, video, audio or document")
    uri: str
    title: str | None
    alt: str | None = strawberry.field(
        description="替代文字 (required for images on the government portal)"
    )
    credit: str | None = strawberry.field(description="署名 (photographer, agency)")
    copyright: str | None = strawberry.field(description="版权")
    caption: str | None = strawberry.field(description="图片说明")
    mime: str | None
    filename: str | None
    size: Long | None = strawberry.field(description="bytes (videos pass 2^31)")
    checksum: str | None = strawberry.field(description="sha256 of the original, hex")
    width: int | None
    height: int | None
    duration_ms: int | None
    codec: str | None
    focal_x: float = strawberry.field(description="focal point for crops, 0..1 from the left")
    focal_y: float = strawberry.field(description="focal point for crops, 0..1 from the top")
    used_by: int = strawberry.field(description="how many stories use this asset")
    created_at: datetime
    blob_key: strawberry.Private[str | None]

    @staticmethod
    def from_doc(doc: AssetDoc) -> Asset:
        return Asset(
            id=strawberry.ID(doc.id),
            kind=doc.kind,
            uri=doc.uri,
            title=readable(doc.title),
            alt=readable(doc.alt),
            credit=readable(doc.credit),
            copyright=readable(doc.copyright),
            caption=readable(doc.caption),
            mime=doc.mime,
            filename=readable(doc.filename),
            size=Long(doc.size) if doc.size is not None else None,
            checksum=doc.checksum,
            width=doc.width,
            height=doc.height,
            duration_ms=doc.duration_ms,
            codec=doc.codec,
            focal_x=doc.focal_x,
            focal_y=doc.focal_y,
            used_by=len(doc.refs),
            created_at=ms_to_dt(doc.created_at),
            blob_key=doc.blob_key,
        )

    @strawberry.field(
        description="signed, expiring URL of the original (no token needed to fetch it)"
    )
    async def url(self, info: Info[Context, None]) -> str | None:
        return await original_url(info, self)

    @strawberry.field(
        description="signed URL of a rendition (衍生图), made on first use: a preset "
        "(wechat-cover 900×383 crop JPEG, wechat-square 500×500 crop JPEG, douyin-vertical 1080×1920 crop JPEG, "
        "thumb within 320×320 WebP, large within 1600×1600 WebP) or, for the newsroom only, w=,h=,fit=crop|inside,"
        "fmt=jpeg|png|webp,q=. Anonymous readers may use the presets only. Null when there is no picture to "
        "render (not an image, no file, or its file cannot be read): one bad image never empties a page."
    )
    async def rendition_url(self, info: Info[Context, None], spec: str) -> str | None:
        return await rendition_url_or_none(info, self, spec)


@strawberry.interface(description="The editable content of a story, as saved in a revision")
class Content:
    type: StoryTypeEnum  # type: ignore[valid-type]
    title: str
    subtitle: str | None
    summary: str | None
    body: str = strawberry.field(description="正文 (sanitised HTML)")
    tags: list[str]
    byline: str | None
    source: Source
    language: str
    location: Location | None
    content_hash: str
    channels: list[str] = strawberry.field(description="planned channels (the publication plan)")
    channel_overrides: JSON = strawberry.field(
        description="per channel, the variant fields an editor overrode"
    )
    metadata: JSON = strawberry.field(
        description="channel-neutral facts (发文机关, 发文字号, 应急事件类型 …)"
    )

    @strawberry.field(description="正文纯文本 (the body's text, entities decoded)")
    def body_text(self) -> str:
        return body_html.html_to_text(self.body)


# kinds of the GraphQL objects built once per remembered document (Context.node)
STORY_NODE, COLUMN_NODE, ASSET_NODE = "story-node", "column-node", "asset-node"


def _content_kwargs(c: StoryContent | StoryDoc) -> dict[str, object]:
    """Plain-text fields as they may be shown (`readable`: values stored before the
    plain-text rule lose their script markup); the body is sanitised HTML already.
    A story head carries the same fields with the same types as its content."""
    src = c.source
    return {
        "type": c.type,
        "title": readable(c.title),
        "subtitle": readable(c.subtitle),
        "summary": readable(c.summary),
        "body": c.body,
        "tags": [readable(t) for t in c.tags],
        "byline": readable(c.byline),
        "source": Source(
            **{**src.model_dump(), **{f: readable(getattr(src, f)) for f in SOURCE_FIELDS}}
        ),
        "language": c.language,
        "location": Location(**{**c.location.model_dump(), "name": readable(c.location.name)})
        if c.location
        else None,
        "channels": list(c.channels),
        "channel_overrides": readable_values(c.channel_overrides),
        "metadata": readable_values(c.metadata),
    }


@strawberry.type(description="稿件")
class Story(Content, Node):
    id: strawberry.ID
    version: int = strawberry.field(
        description="the head revision's number; pass it back as expectedVersion"
    )
    status: StoryStatusEnum  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    column_id: strawberry.Private[str | None]
    cover_asset_id: strawberry.Private[str | None]
    asset_ids: strawberry.Private[list[str]]

    @staticmethod
    def from_doc(doc: StoryDoc) -> Story:
        return Story(
            id=strawberry.ID(doc.id),
            version=doc.version,
            status=doc.status,
            content_hash=doc.content_hash,
            created_at=ms_to_dt(doc.created_at),
            updated_at=ms_to_dt(doc.updated_at),
            published_at=ms_to_dt(doc.published_at),
            column_id=doc.column_id,
            cover_asset_id=doc.cover_asset_id,
            asset_ids=list(doc.asset_ids),
            # the head's own fields: validated when it was read, so not again as a StoryContent
            **_content_kwargs(doc),  # type: ignore[arg-type]
        )

    @strawberry.field(
        description="公开链接: the published story's URL on the center's site (its site pattern, "
        "setSiteUrlPattern); null until published or without a pattern"
    )
    async def url(self, info: Info[Context, None]) -> str | None:
        return await story_url_for(info, self)

    # `column` and `cover` answer at once, without a coroutine, when the process has the
    # document at hand (a page of 20 otherwise runs 40 coroutines and their tasks), and
    # return the loader's awaitable otherwise (graphql-core awaits what a resolver returns)
    @strawberry.field(description="栏目", graphql_type=Column | None, metadata=memo_safe())
    def column(self, info: Info[Context, None]) -> Column | Awaitable[Column | None] | None:
        if self.column_id is None:
            return None
        ctx = info.context
        known = ctx.known_column(self.column_id)
        if known is not None:
            return ctx.node(COLUMN_NODE, known, Column.from_doc)
        return self._load_column(ctx, self.column_id)

    @staticmethod
    async def _load_column(ctx: Context, column_id: str) -> Column | None:
        doc = await ctx.column_loader.load(column_id)
        return Column.from_doc(doc) if doc else None

    @strawberry.field(description="封面", graphql_type=Asset | None, metadata=memo_safe())
    def cover(self, info: Info[Context, None]) -> Asset | Awaitable[Asset | None] | None:
        if self.cover_asset_id is None:
            return None
        ctx = info.context
        known = ctx.known_asset(self.cover_asset_id)
        if known is not None:
            return ctx.node(ASSET_NODE, known, Asset.from_doc)
        return self._load_cover(ctx, self.cover_asset_id)

    @staticmethod
    async def _load_cover(ctx: Context, asset_id: str) -> Asset | None:
        doc = await ctx.asset_loader.load(asset_id)
        return ctx.node(ASSET_NODE, doc, Asset.from_doc) if doc else None

    @strawberry.field(description="正文引用的媒体资源")
    async def assets(self, info: Info[Context, None]) -> list[Asset]:
        docs = await info.context.asset_loader.load_many(self.asset_ids)
        return [Asset.from_doc(d) for d in docs if d is not None]

    @strawberry.field(description="全部版本, 新的在前")
    async def revisions(self, info: Info[Context, None]) -> list[Revision]:
        docs = await info.context.stories.revisions(str(self.id))
        return [Revision.from_doc(d) for d in docs]

    @strawberry.field(
        description="派单: the assignment this story was filed for (newsroom only; null if none)"
    )
    async def assignment(
        self, info: Info[Context, None]
    ) -> Annotated[Assignment, strawberry.lazy("hub.graphql.planning_types")] | None:
        return await _linked("assignment", info, str(self.id))  # hub/graphql/planning_types.py

    @strawberry.field(
        description="编辑锁: who is editing the story now (newsroom only; null if nobody holds a live lock)"
    )
    async def lock(
        self, info: Info[Context, None]
    ) -> Annotated[StoryLock, strawberry.lazy("hub.graphql.editing")] | None:
        return await _linked("lock", info, str(self.id))  # hub/graphql/editing.py


@strawberry.type(description="版本: an immutable saved state of a story")
class Revision(Content):
    story_id: strawberry.ID
    number: int
    created_at: datetime
    author: str | None
    restored_from: int | None = strawberry.field(
        description="the revision this one restored, if any"
    )

    @staticmethod
    def from_doc(doc: RevisionDoc) -> Revision:
        return Revision(
            story_id=strawberry.ID(doc.story_id),
            number=doc.number,
            content_hash=doc.content_hash,
            created_at=ms_to_dt(doc.created_at),
            author=doc.author,
            restored_from=doc.restored_from,
            **_content_kwargs(doc.content),  # type: ignore[arg-type]
        )


@strawberry.type
class DiffHunk:
    op: str = strawberry.field(description="insert, delete or replace")
    before: str
    after: str
    before_start: int = strawberry.field(description="character offset in the older text")
    after_start: int = strawberry.field(description="character offset in the newer text")


@strawberry.type
class FieldChange:
    field: str
    before: str | None
    after: str | None
    hunks: list[DiffHunk]

    @staticmethod
    def from_domain(c: domain_diff.FieldChange) -> FieldChange:
        return FieldChange(
            field=c.field,
            before=c.before,
            after=c.after,
            hunks=[
                DiffHunk(
                    op=h.op,
                    before=h.before,
                    after=h.after,
                    before_start=h.before_start,
                    after_start=h.after_start,
                )
                for h in c.hunks
            ],
        )


@strawberry.type(description="两个版本之间的差异")
class StoryDiff:
    story_id: strawberry.ID
    from_revision: int
    to_revision: int
    changes: list[FieldChange]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class StoryEdge:
    cursor: str
    node: Story


@strawberry.type
class StoryConnection:
    edges: list[StoryEdge]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int | None]] | None] = None

    @strawberry.field(
        description="how many stories the list holds over all pages (one count, made only when "
        "asked for); null where it is not cheap (newsroom roles limited to their own stories or accounts)"
    )
    async def total_count(self) -> int | None:
        return None if self.counter is None else await self.counter()


@strawberry.enum(description="Order of a story list (newest first)")
class StoryOrder(Enum):
    UPDATED_AT = "updated_at"
    PUBLISHED_AT = "published_at"


@strawberry.input(description="Filters for the story list; all given filters must match")
class StoryFilter:
    column_id: strawberry.ID | None = None
    type: StoryTypeEnum | None = None  # type: ignore[valid-type]
    status: StoryStatusEnum | None = None  # type: ignore[valid-type]
    tag: str | None = None
    since: datetime | None = strawberry.field(
        default=None, description="on the order's time, inclusive"
    )
    until: datetime | None = strawberry.field(
        default=None, description="on the order's time, exclusive"
    )
    mine: bool = strawberry.field(
        default=False, description="我的稿件: only stories the caller created"
    )


@strawberry.input(description="来源信息")
class SourceInput:
    source_name: str | None = None
    original_author: str | None = None
    original_title: str | None = None
    responsible_editor: str | None = None
    reprint: bool = False


@strawberry.input
class LocationInput:
    name: str
    latitude: float | None = None
    longitude: float | None = None


@strawberry.input(
    description="A new story. Give `body` (HTML) or `bodyText` (plain text, kept exactly)."
)
class CreateStoryInput:
    title: str
    type: StoryTypeEnum = StoryType.ARTICLE  # type: ignore[valid-type]
    subtitle: str | None = None
    summary: str | None = None
    body: str | None = None
    body_text: str | None = None
    column_id: strawberry.ID | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    cover_asset_id: strawberry.ID | None = None
    asset_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    byline: str | None = None
    source: SourceInput | None = None
    language: str = "zh-CN"
    location: LocationInput | None = None
    channels: list[str] = strawberry.field(
        default_factory=list, description="planned channels; empty: the center's defaults"
    )
    channel_overrides: JSON | None = strawberry.field(
        default=None, description='e.g. {"douyin": {"text": "…"}}'
    )
    metadata: JSON | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_HELP)


@strawberry.input(description="Changes to a story; fields left out stay as they are, null clears.")
class UpdateStoryInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(
        description="the version you edited (optimistic concurrency)"
    )
    title: str | None = strawberry.UNSET
    type: StoryTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    subtitle: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    body: str | None = strawberry.UNSET
    body_text: str | None = strawberry.UNSET
    column_id: strawberry.ID | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    cover_asset_id: strawberry.ID | None = strawberry.UNSET
    asset_ids: list[strawberry.ID] | None = strawberry.UNSET
    byline: str | None = strawberry.UNSET
    source: SourceInput | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    channels: list[str] | None = strawberry.UNSET
    channel_overrides: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


Cursor = Annotated[str, strawberry.argument(description="endCursor of the previous page")]
