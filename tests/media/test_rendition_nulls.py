"""`Asset.renditionUrl` is null for an asset without a picture, so one bad image never
empties a page; demo image assets get real pictures at seed time."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from hub.demo.pictures import demo_picture
from hub.demo.seed import _add_asset
from hub.ids import new_id
from hub.settings import Settings
from hub.store.catalog import AssetRepository
from hub.store.documents import AssetDoc
from hub.store.scope import Scope
from tests.conftest import GraphQLClient
from tests.media.test_asset_graph import new_asset

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }"
PAGE = """query($tag: String!) { stories(first: 10, filter: {tag: $tag}) {
  edges { node { title cover { renditionUrl(spec: "thumb") } } } } }"""


async def broken_asset(settings: Settings, kind: str = "image") -> str:
    """An asset whose file is gone (as a demo cover was before it had one)."""
    scope = Scope(tenant=settings.default_tenant, actor="test", public_only=False)
    doc = AssetDoc(
        tenant=scope.tenant,
        kind=kind,
        uri="demo/images/gone.jpg",
        mime="image/jpeg",
        blob_key=f"t/{scope.tenant}/a/{new_id()}/original",
    )
    return (await AssetRepository(scope).add(doc)).id


async def test_a_cover_without_a_file_is_null_and_the_page_keeps_its_other_stories(
    http: httpx.AsyncClient,
    editor: GraphQLClient,
    public: GraphQLClient,
    hub_settings: Settings,
    drain: Any,
) -> None:
    tag = "pic-" + new_id()[-8:]
    good, bad = await new_asset(http), await broken_asset(hub_settings)
    for title, asset in (("好图", good), ("坏图", bad)):
        story = (
            await editor(
                CREATE,
                {"i": {"title": title, "tags": [tag], "coverAssetId": asset, "bodyText": "x"}},
            )
        )["createStory"]
        await editor(APPROVE, {"id": story["id"], "v": story["version"]})
    await drain()
    response = await public.raw(PAGE, {"tag": tag})
    body = response.json()
    assert "errors" not in body  # nothing to report to a reader: the picture is just absent
    covers = {
        e["node"]["title"]: e["node"]["cover"]["renditionUrl"]
        for e in body["data"]["stories"]["edges"]
    }
    assert covers["坏图"] is None
    assert covers["好图"] and "/media/blobs/" in covers["好图"]


async def test_a_spec_outside_the_presets_errors_on_that_field_only_for_readers(
    http: httpx.AsyncClient, editor: GraphQLClient, public: GraphQLClient, drain: Any
) -> None:
    tag = "pic-" + new_id()[-8:]
    story = (
        await editor(
            CREATE,
            {
                "i": {
                    "title": "自定义尺寸",
                    "tags": [tag],
                    "coverAssetId": await new_asset(http),
                    "bodyText": "x",
                }
            },
        )
    )["createStory"]
    await editor(APPROVE, {"id": story["id"], "v": story["version"]})
    await drain()
    query = 'query($tag: String!) { stories(first: 5, filter: {tag: $tag}) { edges { node { title cover { renditionUrl(spec: "w=4000") } } } } }'
    body = (await public.raw(query, {"tag": tag})).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert body["data"]["stories"]["edges"] == [
        {"node": {"title": "自定义尺寸", "cover": {"renditionUrl": None}}}
    ]


def test_demo_pictures_are_real_distinct_jpegs() -> None:
    one, two = demo_picture("meili-xiangcun"), demo_picture("taohua-jie")
    assert one == demo_picture("meili-xiangcun") and one != two
    img = Image.open(io.BytesIO(one))
    assert (img.format, img.size) == ("JPEG", (960, 540))
    assert (
        len(img.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50
    )  # a picture, not a flat fill


async def test_a_seeded_demo_image_has_a_file_and_renditions(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    scope = Scope(tenant=hub_settings.default_tenant, actor="demo-seed", public_only=False)
    asset = {
        "kind": "image",
        "uri": "demo/images/ceshi-tupian.jpg",
        "title": "测试",
        "alt": "湖边的村庄",
        "credit": "许宁",
    }
    asset_id = await _add_asset(scope, hub_settings, AssetRepository(scope), asset)
    got = (
        await editor(
            'query($id: ID!) { asset(id: $id) { alt width height renditionUrl(spec: "thumb") } }',
            {"id": asset_id},
        )
    )["asset"]
    assert (got["alt"], got["width"], got["height"]) == ("湖边的村庄", 960, 540)
    async with httpx.AsyncClient() as anonymous:
        thumb = await anonymous.get(got["renditionUrl"])
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (320, 180)
