"""The media part of the graph: assets, their metadata and renditions."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from hub.errors import Codes, HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import Asset, Cursor, PageInfo
from hub.graphql.urls import rendition_url_for
from hub.media.assets import AssetStore
from hub.media.service import media_service
from hub.store.scope import Scope

DEFAULT_PAGE = 20


def _editor(info: Info[Context, None]) -> Scope:
    scope = info.context.scope
    if scope.anonymous:
        raise HubError(Codes.UNAUTHENTICATED)
    return scope


@strawberry.type
class AssetEdge:
    cursor: str
    node: Asset


@strawberry.type
class AssetConnection:
    edges: list[AssetEdge]
    page_info: PageInfo


@strawberry.input(
    description="Changes to an asset's description; fields left out stay, null clears"
)
class UpdateAssetInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    alt: str | None = strawberry.UNSET
    credit: str | None = strawberry.UNSET
    copyright: str | None = strawberry.UNSET
    caption: str | None = strawberry.UNSET
    focal_x: float | None = strawberry.UNSET
    focal_y: float | None = strawberry.UNSET


@strawberry.type
class MediaQuery:
    @strawberry.field(description="一个媒体资源 (newsroom token needed)")
    async def asset(self, info: Info[Context, None], id: strawberry.ID) -> Asset | None:
        doc = await AssetStore(_editor(info)).get(str(id))
        return Asset.from_doc(doc) if doc else None

    @strawberry.field(description="媒体资源列表, newest first (newsroom token needed)")
    async def assets(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        kind: str | None = None,
    ) -> AssetConnection:
        from hub.store.stories import check_page_size

        check_page_size(first, info.context.settings.graphql_max_page)
        page = await AssetStore(_editor(info)).page(first, after, kind)
        return AssetConnection(
            edges=[
                AssetEdge(cursor=c, node=Asset.from_doc(d))
                for d, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )

    @strawberry.field(
        description="衍生图链接: a signed URL of the rendition (made on first use, then cached)"
    )
    async def rendition_url(
        self, info: Info[Context, None], asset_id: strawberry.ID, spec: str
    ) -> str:
        _editor(info)
        return await rendition_url_for(info, str(asset_id), spec)


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="修改媒体资源的说明: alt text, credit, copyright, caption, focal point"
    )
    async def update_asset(self, info: Info[Context, None], input: UpdateAssetInput) -> Asset:
        changes: dict[str, Any] = {}
        for name in ("title", "alt", "credit", "copyright", "caption", "focal_x", "focal_y"):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                changes[name] = value
        if not changes:
            raise invalid("input", "没有要修改的内容", "nothing to change")
        doc = await AssetStore(_editor(info)).update(str(input.id), changes)
        return Asset.from_doc(doc)

    @strawberry.mutation(
        description="删除媒体资源; refused with ASSET_IN_USE while a story uses it"
    )
    async def delete_asset(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        await media_service(info.context.settings).delete_asset(_editor(info), str(id))
        return id
