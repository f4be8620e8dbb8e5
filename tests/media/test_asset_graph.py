"""Assets in the graph: metadata edits, lists, and shared assets counted by reference."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import GraphQLClient
from tests.media.helpers import AUTH, image_bytes

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version cover { id usedBy } assets { id } } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version } }"
DELETE = "mutation($id: ID!) { deleteAsset(id: $id) }"
USED = "query($id: ID!) { asset(id: $id) { usedBy } }"


async def new_asset(http: httpx.AsyncClient, name: str = "a.png") -> str:
    response = await http.post(
        "/media/uploads", content=image_bytes(), params={"filename": name}, headers=AUTH
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_asset_shared_by_two_stories_is_deleted_only_when_neither_uses_it(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    asset = await new_asset(http)
    one = (await editor(CREATE, {"i": {"title": "一", "coverAssetId": asset}}))["createStory"]
    two = (await editor(CREATE, {"i": {"title": "二", "assetIds": [asset]}}))["createStory"]
    assert one["cover"] == {"id": asset, "usedBy": 1}
    assert two["assets"] == [{"id": asset}]
    assert (await editor(USED, {"id": asset}))["asset"]["usedBy"] == 2

    errors = await editor.errors(DELETE, {"id": asset})
    assert errors[0]["extensions"]["code"] == "ASSET_IN_USE"
    assert errors[0]["extensions"]["details"]["count"] == 2

    await editor(
        UPDATE, {"i": {"id": one["id"], "expectedVersion": one["version"], "coverAssetId": None}}
    )
    assert (await editor(USED, {"id": asset}))["asset"]["usedBy"] == 1
    errors = await editor.errors(DELETE, {"id": asset})
    assert errors[0]["extensions"]["code"] == "ASSET_IN_USE"
    assert (await editor(USED, {"id": asset}))["asset"] is not None

    await editor(
        UPDATE, {"i": {"id": two["id"], "expectedVersion": two["version"], "assetIds": []}}
    )
    assert (await editor(USED, {"id": asset}))["asset"]["usedBy"] == 0
    assert (await editor(DELETE, {"id": asset}))["deleteAsset"] == asset
    assert (await editor(USED, {"id": asset}))["asset"] is None


async def test_saving_a_story_twice_counts_its_reference_once(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    asset = await new_asset(http)
    story = (
        await editor(CREATE, {"i": {"title": "三", "assetIds": [asset], "coverAssetId": asset}})
    )["createStory"]
    await editor(UPDATE, {"i": {"id": story["id"], "expectedVersion": 1, "title": "三(改)"}})
    assert (await editor(USED, {"id": asset}))["asset"]["usedBy"] == 1


async def test_reference_lost_from_the_refs_list_still_blocks_the_delete(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    from hub.store.documents import AssetDoc

    asset = await new_asset(http)
    await editor(CREATE, {"i": {"title": "四", "assetIds": [asset]}})
    # as if the process died between saving the story and recording the reference
    await AssetDoc.get_pymongo_collection().update_one({"_id": asset}, {"$set": {"refs": []}})
    errors = await editor.errors(DELETE, {"id": asset})
    assert errors[0]["extensions"]["code"] == "ASSET_IN_USE"
    assert (await editor(USED, {"id": asset}))["asset"]["usedBy"] == 1  # healed


async def test_editor_updates_alt_credit_and_copyright(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    asset = await new_asset(http)
    data = await editor(
        "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { alt credit copyright caption focalX focalY } }",
        {
            "i": {
                "id": asset,
                "alt": " 会场全景 ",
                "credit": "县融媒体中心",
                "copyright": "©2026",
                "focalY": 0.2,
            }
        },
    )
    assert data["updateAsset"] == {
        "alt": "会场全景",
        "credit": "县融媒体中心",
        "copyright": "©2026",
        "caption": None,
        "focalX": 0.5,
        "focalY": 0.2,
    }
    errors = await editor.errors(
        "mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { id } }",
        {"i": {"id": asset, "focalX": 1.5}},
    )
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"


async def test_asset_list_pages_newest_first(
    http: httpx.AsyncClient, editor: GraphQLClient
) -> None:
    ids = [await new_asset(http, f"{i}.png") for i in range(3)]
    query = "query($after: String) { assets(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    first = (await editor(query))["assets"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[::-1][:2]
    assert first["pageInfo"]["hasNextPage"]
    second = (await editor(query, {"after": first["pageInfo"]["endCursor"]}))["assets"]
    assert second["edges"][0]["node"]["id"] == ids[0]


async def test_anonymous_readers_cannot_list_assets_or_ask_for_arbitrary_renditions(
    http: httpx.AsyncClient, public: GraphQLClient, editor: GraphQLClient, drain: Any
) -> None:
    errors = await public.errors("{ assets { edges { node { id } } } }")
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    asset = await new_asset(http)
    story = (await editor(CREATE, {"i": {"title": "公开", "coverAssetId": asset}}))["createStory"]
    await editor(
        "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }",
        {"id": story["id"], "v": 1},
    )
    await drain()  # the app channel publishes it
    q = "query($id: ID!, $s: String!) { story(id: $id) { cover { url renditionUrl(spec: $s) } } }"
    ok = await public(q, {"id": story["id"], "s": "wechat-cover"})
    assert "/media/blobs/" in ok["story"]["cover"]["renditionUrl"]
    errors = await public.errors(q, {"id": story["id"], "s": "w=4000,h=4000,fit=crop"})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"


async def test_another_center_cannot_see_or_delete_the_asset(http: httpx.AsyncClient) -> None:
    from hub.errors import HubError
    from hub.media.assets import AssetStore
    from hub.store.scope import Scope

    asset = await new_asset(http)
    other = AssetStore(Scope(tenant="another-center", actor="someone", public_only=False))
    assert await other.get(asset) is None
    with pytest.raises(HubError) as caught:
        await other.delete(asset)
    assert caught.value.code == "NOT_FOUND"
