"""DataLoaders: a page of stories with their column, cover and assets costs the same number
of store round trips whether it holds 5 stories or 20 (no N+1)."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from litestar import Litestar

from hub.ids import new_id
from hub.settings import Settings
from hub.store.catalog import AssetRepository, ColumnRepository
from hub.store.documents import AssetDoc, ColumnDoc
from hub.store.scope import Scope
from tests.conftest import DEV_TOKEN, CommandCounter, GraphQLClient, drain_hub

PAGE = """query($n: Int!, $tag: String!) {
  stories(first: $n, filter: {tag: $tag}) { edges { node {
    id title column { name } cover { uri } assets { uri }
  } } } }"""
STORE_COLLECTIONS = {"stories", "published_stories", "columns", "assets", "revisions"}


@pytest.fixture(scope="module")
async def tagged_stories(hub_url: str, hub_settings: Settings, hub_app: Litestar) -> str:
    """20 published stories over 4 columns, each with a cover and 3 of 8 shared assets."""
    scope = Scope(tenant=hub_settings.default_tenant, actor="dev", public_only=False)
    tag = "rt-" + new_id()[-8:]
    columns = [
        await ColumnRepository(scope).add(
            ColumnDoc(tenant=scope.tenant, name=f"栏目{i}", slug=f"{tag}-{i}")
        )
        for i in range(4)
    ]
    assets = [
        await AssetRepository(scope).add(
            AssetDoc(tenant=scope.tenant, uri=f"asset:{tag}-{i}", title=f"图{i}")
        )
        for i in range(8)
    ]
    async with httpx.AsyncClient(
        base_url=hub_url, timeout=30
    ) as http:  # module scope: its own client
        editor = GraphQLClient(http, DEV_TOKEN)
        for i in range(20):
            story = (
                await editor(
                    "mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }",
                    {
                        "i": {
                            "title": f"稿件{i}",
                            "bodyText": "正文",
                            "tags": [tag],
                            "columnId": columns[i % 4].id,
                            "coverAssetId": assets[i % 8].id,
                            "assetIds": [assets[(i + k) % 8].id for k in range(3)],
                        }
                    },
                )
            )["createStory"]
            await editor(
                "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id } }",
                {"id": story["id"]},
            )
    await drain_hub(hub_app)  # the app channel publishes them into the public read model
    return tag


async def _round_trips(
    client: GraphQLClient, counter: CommandCounter, n: int, tag: str, app: Litestar
) -> Counter[tuple[str, str]]:
    app.state.column_cache.forget_tenant(
        tag_tenant(app)
    )  # measure the loader, not the column cache
    counter.clear()
    data = await client(PAGE, {"n": n, "tag": tag})
    trips = Counter(t for t in counter.targets if t[1] in STORE_COLLECTIONS)
    nodes = [e["node"] for e in data["stories"]["edges"]]
    assert len(nodes) == n
    assert all(node["column"]["name"].startswith("栏目") for node in nodes)
    assert all(node["cover"]["uri"].startswith("asset:") for node in nodes)
    assert all(len(node["assets"]) == 3 for node in nodes)
    return trips


def tag_tenant(app: Litestar) -> str:
    return str(app.state.settings.default_tenant)


async def test_an_editor_page_of_20_costs_no_more_round_trips_than_a_page_of_5(
    editor: GraphQLClient, command_counter: CommandCounter, tagged_stories: str, hub_app: Litestar
) -> None:
    five = await _round_trips(editor, command_counter, 5, tagged_stories, hub_app)
    twenty = await _round_trips(editor, command_counter, 20, tagged_stories, hub_app)
    assert twenty == five
    # one find for the page, one batched find per related collection
    assert twenty == Counter(
        {("find", "stories"): 1, ("find", "columns"): 1, ("find", "assets"): 1}
    )


async def test_an_anonymous_page_batches_the_same_way(
    public: GraphQLClient, command_counter: CommandCounter, tagged_stories: str, hub_app: Litestar
) -> None:
    # A fresh tag-and-size combination is a cache miss: this measures real execution.
    # Anonymous readers read the public read model (published_stories), not the heads.
    twenty = await _round_trips(public, command_counter, 20, tagged_stories, hub_app)
    assert twenty == Counter(
        {("find", "published_stories"): 1, ("find", "columns"): 1, ("find", "assets"): 1}
    )
    again = await _round_trips(public, command_counter, 20, tagged_stories, hub_app)
    assert again == Counter()  # served from the read-model cache
