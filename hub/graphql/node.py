"""Relay Global Object Identification: `node(id:)` and `nodes(ids:)`.

Every id the hub hands out is already opaque and unique across types (ULIDs, hub/ids.py),
so a type's `id` is its global id: nothing a client stored changes. A lookup tries the
types in turn, each through its tenant-scoped repository, so an id of another center (or
a draft an anonymous reader may not see) resolves to null like an unknown one. Assets
resolve for the newsroom only (as `asset(id:)`); readers reach them through stories.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from hub.errors import invalid
from hub.graphql.context import Context
from hub.graphql.types import Asset, Column, Node, Story
from hub.media.assets import AssetStore


async def resolve_nodes(info: Info[Context, None], ids: list[str]) -> dict[str, Node]:
    ctx = info.context
    found: dict[str, Node] = {
        i: Story.from_doc(d) for i, d in (await ctx.stories.get_many(ids)).items()
    }
    rest = [i for i in dict.fromkeys(ids) if i not in found]
    if rest:
        columns = await ctx.column_loader.load_many(rest)
        found.update(
            {
                c.id: Column.from_doc(c)
                for c in columns
                if c is not None and c.tenant == ctx.scope.tenant
            }
        )
        rest = [i for i in rest if i not in found]
    if rest and not ctx.scope.anonymous:
        store = AssetStore(ctx.scope)
        for asset_id in rest:
            doc = await store.get(asset_id)
            if doc is not None:
                found[asset_id] = Asset.from_doc(doc)
    return found


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Relay: the object with this id (a story, column or asset), or null"
    )
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return (await resolve_nodes(info, [str(id)])).get(str(id))

    @strawberry.field(
        description="Relay: the objects with these ids, in their order; null for each not found"
    )
    async def nodes(self, info: Info[Context, None], ids: list[strawberry.ID]) -> list[Node | None]:
        limit = info.context.settings.graphql_max_page
        if len(ids) > limit:
            raise invalid("ids", f"一次最多查询 {limit} 个 id", f"at most {limit} ids at once")
        found = await resolve_nodes(info, [str(i) for i in ids])
        return [found.get(str(i)) for i in ids]
