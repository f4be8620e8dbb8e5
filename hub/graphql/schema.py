"""Queries and mutations of the content graph, and the schema that wires all parts together.

Subsystems define their own `@strawberry.type` query and mutation parts in their own
modules and list them in `query_parts()` / `mutation_parts()`; the schema merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import strawberry
from graphql import GraphQLObjectType, MiddlewareManager, default_field_resolver
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info

from hub.auth.policy import POLICY, ROOTS, Authorize, Rule, rule_for
from hub.domain import diff as domain_diff
from hub.errors import invalid
from hub.graphql.context import Context
from hub.graphql.document_cache import DocumentCache, make_document_cache_extension
from hub.graphql.errors import ShapeErrors
from hub.graphql.inputs import PlainTextInputs, input_fields
from hub.graphql.limits import Limits, make_limits_extension
from hub.graphql.types import (
    LONG,
    STORY_NODE,
    Column,
    CreateStoryInput,
    Cursor,
    FieldChange,
    Long,
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
from hub.settings import Settings
from hub.store import stories as story_store
from hub.store.idempotency import create_once

DEFAULT_PAGE = 20


@strawberry.type
class ContentQuery:
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
        edges = [
            StoryEdge(cursor=c, node=ctx.node(STORY_NODE, d, Story.from_doc))
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
class ContentMutation:
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


def query_parts() -> tuple[type, ...]:
    """Every subsystem's query type; their fields make up `Query`."""
    from hub.graphql.clients import ClientsQuery
    from hub.graphql.distribution import DistributionQuery
    from hub.graphql.editing import EditingQuery
    from hub.graphql.feeds import FeedsQuery
    from hub.graphql.identity import IdentityQuery
    from hub.graphql.links import LinksQuery
    from hub.graphql.media import MediaQuery
    from hub.graphql.node import NodeQuery
    from hub.graphql.persisted_api import PersistedQuery
    from hub.graphql.planning import PlanningQuery  # planning
    from hub.graphql.reach import ReachQuery  # 传播效果 and 绩效
    from hub.graphql.search import SearchQuery
    from hub.graphql.webhooks import WebhooksQuery
    from hub.graphql.wenzheng import WenzhengQuery  # 问政
    from hub.graphql.workflow import WorkflowQuery

    return (
        ContentQuery,
        DistributionQuery,
        SearchQuery,
        MediaQuery,
        IdentityQuery,
        ClientsQuery,
        WorkflowQuery,
        PlanningQuery,
        EditingQuery,
        FeedsQuery,
        WebhooksQuery,
        WenzhengQuery,
        PersistedQuery,
        NodeQuery,
        LinksQuery,
        ReachQuery,
    )


def mutation_parts() -> tuple[type, ...]:
    """Every subsystem's mutation type; their fields make up `Mutation`."""
    from hub.graphql.clients import ClientsMutation
    from hub.graphql.distribution import DistributionMutation
    from hub.graphql.editing import EditingMutation
    from hub.graphql.feeds import FeedsMutation
    from hub.graphql.identity import IdentityMutation
    from hub.graphql.links import LinksMutation
    from hub.graphql.media import MediaMutation
    from hub.graphql.persisted_api import PersistedMutation
    from hub.graphql.planning import PlanningMutation  # planning
    from hub.graphql.reach import ReachMutation  # 绩效 rules
    from hub.graphql.search import SearchMutation
    from hub.graphql.webhooks import WebhooksMutation
    from hub.graphql.wenzheng import WenzhengMutation  # 问政
    from hub.graphql.workflow import WorkflowMutation

    return (
        ContentMutation,
        DistributionMutation,
        SearchMutation,
        MediaMutation,
        IdentityMutation,
        ClientsMutation,
        WorkflowMutation,
        PlanningMutation,
        EditingMutation,
        FeedsMutation,
        WebhooksMutation,
        WenzhengMutation,
        PersistedMutation,
        LinksMutation,
        ReachMutation,
    )


def subscription_parts() -> tuple[type, ...]:
    """Every subsystem's subscription type (served over websockets: hub/rest/graphql_ws.py)."""
    from hub.graphql.live import LiveSubscription
    from hub.graphql.subscriptions import NewsroomSubscription

    return (NewsroomSubscription, LiveSubscription)


class GuardedMiddleware(MiddlewareManager):
    """The extensions' `resolve` hooks around the guarded fields' resolvers only.

    graphql-core wraps every field's resolver in every `resolve` hook, so a column page
    of 20 stories ran the authorizer and the input check about 190 times for fields no
    rule names (`Story.title` …). The hub's hooks act only on the root types' fields
    (`Authorize`'s default rules, `PlainTextInputs` on mutations) and on the fields its
    policy names (`hub/auth/policy.py`), so the others' resolvers are left bare."""

    def __init__(self, guarded: frozenset[Any], *middlewares: Any) -> None:
        super().__init__(*middlewares)
        self.guarded = guarded

    def get_field_resolver(self, field_resolver: Any) -> Any:
        if field_resolver not in self.guarded:
            return field_resolver
        return super().get_field_resolver(field_resolver)


def guarded_field(type_name: str, field_name: str, policy: Mapping[str, Rule] = POLICY) -> bool:
    """Whether the hub's `resolve` hooks (Authorize with `policy`, PlainTextInputs) act on
    this field: the root types' fields and the fields the policy names."""
    return type_name in ROOTS or rule_for(type_name, field_name, policy) is not None


class HubSchema(strawberry.Schema):
    """The hub's schema: `resolve` hooks only around the fields `guarded(type, field)`
    names (see GuardedMiddleware); every extension with such a hook must act on no others."""

    def __init__(
        self, *args: Any, guarded: Callable[[str, str], bool] = guarded_field, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # the resolvers of the fields the `resolve` hooks act on (strawberry gives every
        # field its own resolver function, fixed once the schema is built)
        resolvers = set()
        for named in self._schema.type_map.values():
            if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
                for field_name, field in named.fields.items():
                    if guarded(named.name, field_name):
                        # no resolver of its own: graphql-core's default one stands in
                        resolvers.add(field.resolve or default_field_resolver)
        self.guarded_resolvers = frozenset(resolvers)

    def _get_middleware_manager(self, extensions: list[SchemaExtension]) -> MiddlewareManager:
        return GuardedMiddleware(
            self.guarded_resolvers, *(e for e in extensions if e._implements_resolve())
        )

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Log nothing here: strawberry would log every refused input as an ERROR with a
        stack trace; ShapeErrors logs the unexpected ones, with the reference sent out."""


def build_schema(settings: Settings) -> strawberry.Schema:
    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_cost=settings.graphql_max_cost,
        max_page=settings.graphql_max_page,
        max_introspection_depth=settings.graphql_max_introspection_depth,
        max_repeats=settings.graphql_max_repeats,
        introspection=settings.introspection,
    )
    return HubSchema(
        config=StrawberryConfig(scalar_map={Long: LONG}),
        query=merge_types("Query", query_parts()),
        mutation=merge_types("Mutation", mutation_parts()),
        subscription=merge_types("Subscription", subscription_parts()),
        extensions=[
            # first: a known text skips parsing, the token limit, the limits and validation
            make_document_cache_extension(DocumentCache(settings.graphql_document_cache_entries)),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            make_limits_extension(limits),  # before graphql-core's validation, which it can skip
            ShapeErrors,
            PlainTextInputs,  # listed before Authorize: it runs after it (who, then what)
            Authorize,
        ],
    )
