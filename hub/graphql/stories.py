"""GraphQL root fields of stories: the list and one story, revisions and their diff, columns;
creating, changing and restoring a story. Storage is `hub/store/stories.py`, the types are
in `types.py`; this module only translates.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.domain import diff as domain_diff
from hub.errors import invalid
from hub.graphql.context import Context
from hub.graphql.inputs import input_fields
from hub.graphql.types import (
    STORY_NODE,
    Column,
    CreateStoryInput,
    Cursor,
    FieldChange,
    PageInfo,
    Revision,
    Story,
    StoryConnection,
    StoryDiff,
    StoryEdge,
    StoryFilter,
    StoryOrder,
    UpdateStoryInput,
    dt_to_ms,
)
from hub.reach import reads
from hub.store import stories as story_store
from hub.store.idempotency import create_once

DEFAULT_PAGE = 20


def _edge(ctx: Context, node: Story, cursor: str) -> StoryEdge:
    return ctx.companion(node, cursor, lambda: StoryEdge(cursor=cursor, node=node))


@strawberry.type
class StoriesQuery:
    @strawberry.field(
        description="稿件列表 (Relay connection, newest first). Forward: `first`/`after`; "
        "backward: `last`/`before` (the page right before `before`, or the oldest page), "
        "still newest first within the page. `after` and `before` together are refused."
    )
    async def stories(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        filter: StoryFilter | None = None,
        order: StoryOrder | None = None,
        last: int | None = None,
        before: Annotated[
            str | None, strawberry.argument(description="startCursor of the next page")
        ] = None,
    ) -> StoryConnection:
        ctx = info.context
        if after is not None and before is not None:
            raise invalid(
                "before", "after 与 before 不能同时使用", "after and before cannot be combined"
            )
        backward = last is not None or before is not None
        size = last if last is not None else first
        if last is not None:
            story_store.check_page_size(last, ctx.settings.graphql_max_page, "last")
        story_store.check_page_size(first, ctx.settings.graphql_max_page)
        flt = filter or StoryFilter()
        if order is None:
            order_key = "published_at" if ctx.scope.public_only else "updated_at"
        else:
            order_key = order.value if isinstance(order, StoryOrder) else str(order)
        flt_store = story_store.StoryFilter(
            column_id=str(flt.column_id) if flt.column_id else None,
            type=flt.type,
            status=flt.status,
            tag=flt.tag,
            since=dt_to_ms(flt.since),
            until=dt_to_ms(flt.until),
            created_by=(ctx.scope.actor or "") if flt.mine else None,
        )
        page = await ctx.stories.page(
            flt_store,
            first=size,
            after=after,
            order=order_key,
            before=before,
            backward=backward,
        )
        # for anonymous readers, a remembered story's edge (its cursor and itself) is built
        # once, so its completed selection is kept too (hub/graphql/memo.py)
        edges = [
            _edge(ctx, ctx.node(STORY_NODE, d, Story.from_doc), c)
            for d, c in zip(page.items, page.cursors, strict=True)
        ]
        return StoryConnection(
            counter=lambda: ctx.stories.count(flt_store, order_key),
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )

    @strawberry.field(description="一篇稿件; null if it does not exist or is not visible to you")
    async def story(self, info: Info[Context, None], id: strawberry.ID) -> Story | None:
        doc = await info.context.stories.get(str(id))
        if doc is not None and info.context.scope.anonymous:
            reads.note_read(doc.id)  # 传播效果: the app's anonymous reads (hub/reach/reads.py)
        return info.context.node(STORY_NODE, doc, Story.from_doc) if doc else None

    @strawberry.field(description="一个版本")
    async def revision(
        self, info: Info[Context, None], story_id: strawberry.ID, number: int
    ) -> Revision:
        return Revision.from_doc(await info.context.stories.revision(str(story_id), number))

    @strawberry.field(description="两个版本之间的差异 (from → to)")
    async def diff_story(
        self, info: Info[Context, None], id: strawberry.ID, from_revision: int, to_revision: int
    ) -> StoryDiff:
        repo = info.context.stories
        old = await repo.revision(str(id), from_revision)
        new = await repo.revision(str(id), to_revision)
        changes = domain_diff.diff_contents(old.content, new.content)
        return StoryDiff(
            story_id=id,
            from_revision=from_revision,
            to_revision=to_revision,
            changes=[FieldChange.from_domain(c) for c in changes],
        )

    @strawberry.field(description="栏目列表")
    async def columns(self, info: Info[Context, None]) -> list[Column]:
        return [Column.from_doc(c) for c in await info.context.columns.all()]


@strawberry.type
class StoriesMutation:
    @strawberry.mutation(description="新建稿件 (revision 1)")
    async def create_story(self, info: Info[Context, None], input: CreateStoryInput) -> Story:
        fields = input_fields(input, skip=("idempotency_key",))
        if fields.get("body") is None:
            fields.pop("body", None)
        if fields.get("body_text") is None:
            fields.pop("body_text", None)
        stories = info.context.stories
        doc = await create_once(
            info.context.scope,
            "createStory",
            input.idempotency_key,
            fields,
            lambda story_id: stories.create(fields, story_id=story_id),
            stories.get,
        )
        return Story.from_doc(doc)

    @strawberry.mutation(
        description="修改稿件; fails with VERSION_CONFLICT if expectedVersion is stale"
    )
    async def update_story(self, info: Info[Context, None], input: UpdateStoryInput) -> Story:
        changes = input_fields(input, skip=("id", "expected_version"))
        for required in ("title", "type", "language"):
            if required in changes and changes[required] is None:
                raise invalid(required, "不能为空", "must not be null")
        if changes.get("tags", ...) is None:
            changes["tags"] = []
        if changes.get("asset_ids", ...) is None:
            changes["asset_ids"] = []
        if not changes:
            raise invalid("input", "没有要修改的内容", "nothing to change")
        doc = await info.context.stories.update(str(input.id), input.expected_version, changes)
        return Story.from_doc(doc)

    @strawberry.mutation(description="恢复旧版本: its content becomes a new revision")
    async def restore_revision(
        self, info: Info[Context, None], id: strawberry.ID, number: int, expected_version: int
    ) -> Story:
        doc = await info.context.stories.restore(str(id), number, expected_version)
        return Story.from_doc(doc)
