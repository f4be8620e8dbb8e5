"""我的稿件: `stories(filter: {mine: true})` lists only the caller's own stories (the console's 工作台 needs it)."""

from __future__ import annotations

import httpx

from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

CREATE = 'mutation($t: String!) { createStory(input: {title: $t, bodyText: "正文"}) { id } }'
MINE = "{ stories(first: 50, filter: {mine: true}) { edges { node { title } } } }"
ALL = "{ stories(first: 50) { edges { node { title } } } }"


async def test_mine_lists_only_the_callers_own_stories_even_for_a_tenant_wide_editor(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editor = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "editor")))["access_token"]
    )
    reporter = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "reporter")))["access_token"]
    )
    await editor(CREATE, {"t": "编辑自己的稿"})
    await reporter(CREATE, {"t": "记者的稿"})

    def titles(data: dict) -> set[str]:  # type: ignore[type-arg]
        return {e["node"]["title"] for e in data["stories"]["edges"]}

    assert titles(await editor(ALL)) == {"编辑自己的稿", "记者的稿"}
    assert titles(await editor(MINE)) == {"编辑自己的稿"}
    assert titles(await reporter(MINE)) == {"记者的稿"}
