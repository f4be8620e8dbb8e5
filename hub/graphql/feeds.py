"""GraphQL for partner feed subscriptions (订阅): list, create, update, disable.

A partner client (client_credentials token, scope stories:read) manages its own; a
center admin manages its clients' (and the platform admin the platform's clients').
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.feeds import manage
from hub.feeds.subscriptions import SubscriptionDoc
from hub.graphql.context import Context
from hub.graphql.types import ms_to_dt
from hub.store.idempotency import IDEMPOTENCY_KEY_HELP, create_once


@strawberry.type(
    description="订阅选择: what a subscription reads (empty lists: any; channels default to app)"
)
class FeedSelection:
    tenants: list[str]
    columns: list[str]
    tags: list[str]
    types: list[str]
    channels: list[str]


@strawberry.type(description="合作方订阅: a partner client's subscription to signed pull feeds")
class FeedSubscription:
    id: strawberry.ID
    client_id: str
    name: str
    selection: FeedSelection
    formats: list[str] = strawberry.field(description="json_feed, ninjs, rss, atom")
    signature_algorithm: str = strawberry.field(
        description="ed25519 (default) or sm2 (SM2/SM3 for government partners)"
    )
    version: int
    enabled: bool
    created_at: datetime | None
    updated_at: datetime | None
    disabled_at: datetime | None
    feed_paths: list[str] = strawberry.field(
        description="where to read it: /feeds/{id}/feed.json …"
    )

    @staticmethod
    def from_doc(doc: SubscriptionDoc) -> FeedSubscription:
        s = doc.selection
        paths = {
            "json_feed": "feed.json",
            "ninjs": "feed.ninjs.json",
            "rss": "rss.xml",
            "atom": "atom.xml",
        }
        return FeedSubscription(
            id=strawberry.ID(doc.id),
            client_id=doc.client_id,
            name=doc.name,
            selection=FeedSelection(
                tenants=list(s.tenants),
                columns=list(s.columns),
                tags=list(s.tags),
                types=list(s.types),
                channels=list(s.channels),
            ),
            formats=[f.value for f in doc.formats],
            signature_algorithm=doc.signature_algorithm.value,
            version=doc.version,
            enabled=not doc.disabled,
            created_at=ms_to_dt(doc.created_at),
            updated_at=ms_to_dt(doc.updated_at),
            disabled_at=ms_to_dt(doc.disabled_at),
            feed_paths=[f"/feeds/{doc.id}/{paths[f.value]}" for f in doc.formats],
        )


@strawberry.input(
    description="订阅选择; omitted fields keep their value on update (tenants default to the client's own)"
)
class FeedSelectionInput:
    tenants: list[str] | None = None
    columns: list[str] | None = None
    tags: list[str] | None = None
    types: list[str] | None = None
    channels: list[str] | None = None


def _selection(value: FeedSelectionInput | None) -> dict[str, list[str] | None]:
    if value is None:
        return {}
    return {
        "tenants": value.tenants,
        "columns": value.columns,
        "tags": value.tags,
        "types": value.types,
        "channels": value.channels,
    }


@strawberry.type
class FeedsQuery:
    @strawberry.field(
        description="合作方订阅: a client's own subscriptions; admins: their tenant's (optionally one client's); "
        "the platform admin may name another center (`tenant`)"
    )
    async def feed_subscriptions(
        self, info: Info[Context, None], client_id: str | None = None, tenant: str | None = None
    ) -> list[FeedSubscription]:
        ctx = info.context
        found = await manage.visible(ctx.scope, ctx.settings, client_id, tenant)
        return [FeedSubscription.from_doc(d) for d in found]


@strawberry.type
class FeedsMutation:
    @strawberry.mutation(
        description="新建订阅: a partner client subscribes (admins name the client)"
    )
    async def create_feed_subscription(
        self,
        info: Info[Context, None],
        name: str,
        selection: FeedSelectionInput | None = None,
        formats: list[str] | None = None,
        client_id: str | None = None,
        signature_algorithm: str = "ed25519",
        idempotency_key: Annotated[
            str | None, strawberry.argument(description=IDEMPOTENCY_KEY_HELP)
        ] = None,
    ) -> FeedSubscription:
        ctx = info.context
        sel = _selection(selection)
        values = {
            "name": name,
            "selection": sel,
            "formats": formats,
            "client_id": client_id,
            "signature_algorithm": signature_algorithm,
        }
        doc = await create_once(
            ctx.scope,
            "createFeedSubscription",
            idempotency_key,
            values,
            lambda subscription_id: manage.create(
                ctx.scope,
                ctx.settings,
                client_id=client_id,
                name=name,
                selection=sel,
                formats=formats,
                signature_algorithm=signature_algorithm,
                subscription_id=subscription_id,
            ),
            lambda subscription_id: manage.find(ctx.scope, subscription_id),
        )
        return FeedSubscription.from_doc(doc)

    @strawberry.mutation(
        description="修改订阅 (compare-and-set on expectedVersion); enabled: re-enable or disable"
    )
    async def update_feed_subscription(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        expected_version: int,
        name: str | None = None,
        selection: FeedSelectionInput | None = None,
        formats: list[str] | None = None,
        signature_algorithm: str | None = None,
        enabled: bool | None = None,
    ) -> FeedSubscription:
        ctx = info.context
        doc = await manage.update(
            ctx.scope,
            ctx.settings,
            str(id),
            expected_version,
            name=name,
            selection=_selection(selection),
            formats=formats,
            signature_algorithm=signature_algorithm,
            enabled=enabled,
        )
        return FeedSubscription.from_doc(doc)

    @strawberry.mutation(description="停用订阅: its feeds answer 410 until it is enabled again")
    async def disable_feed_subscription(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int
    ) -> FeedSubscription:
        return FeedSubscription.from_doc(
            await manage.disable(info.context.scope, str(id), expected_version)
        )
