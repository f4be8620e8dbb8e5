"""The schema that wires all parts of the graph together.

Stories (`stories.py`) and every other subsystem define their own `@strawberry.type` query
and mutation parts in their own modules, listed in `query_parts()` / `mutation_parts()`;
the schema merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, MiddlewareManager, default_field_resolver
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.tools import merge_types
from strawberry.types.field import StrawberryField

from hub.graphql.document_cache import DocumentCache, make_document_cache_extension
from hub.graphql.errors import ShapeErrors
from hub.graphql.inputs import PlainTextInputs
from hub.graphql.limits import Limits, make_limits_extension
from hub.graphql.memo import MEMO_SAFE, Shapes, memoizing_context
from hub.graphql.types import LONG, Long
from hub.identity.policy import POLICY, ROOTS, Authorize, Rule, rule_for
from hub.settings import Settings


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
    from hub.graphql.stories import StoriesQuery
    from hub.graphql.webhooks import WebhooksQuery
    from hub.graphql.wenzheng import WenzhengQuery  # 问政
    from hub.graphql.workflow import WorkflowQuery

    return (
        StoriesQuery,
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
    from hub.graphql.stories import StoriesMutation
    from hub.graphql.webhooks import WebhooksMutation
    from hub.graphql.wenzheng import WenzhengMutation  # 问政
    from hub.graphql.workflow import WorkflowMutation

    return (
        StoriesMutation,
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
    policy names (`hub/identity/policy.py`), so the others' resolvers are left bare."""

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


def _pure_field(field: GraphQLField) -> bool:
    """Whether a field's value depends on its object only (and the request's remembered
    view): an attribute, or a resolver declared memo-safe (hub/graphql/memo.py)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return False
    return definition.base_resolver is None or bool(definition.metadata.get(MEMO_SAFE))


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
        pure = set()
        for named in self._schema.type_map.values():
            if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
                for field_name, field in named.fields.items():
                    if guarded(named.name, field_name):
                        # no resolver of its own: graphql-core's default one stands in
                        resolvers.add(field.resolve or default_field_resolver)
                    elif _pure_field(field):
                        pure.add((named.name, field_name))
        self.guarded_resolvers = frozenset(resolvers)
        # anonymous reads keep completed selections of the remembered read model's objects
        self.execution_context_class = memoizing_context(Shapes(frozenset(pure)))

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
