"""Roles at work over HTTP: 融媒号 operators, correspondents, partners, field rules."""

from __future__ import annotations

from typing import Any

import httpx

from hub.store.documents import StoryDoc
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_account, make_tenant, make_user, sign_in, token_request

CREATE = (
    'mutation($t: String!) { createStory(input: {title: $t, bodyText: "正文"}) { id version } }'
)
UPDATE = 'mutation($id: ID!) { updateStory(input: {id: $id, expectedVersion: 1, title: "改"}) { version } }'
TITLES = "{ stories(first: 50) { edges { node { title status } } } }"


async def client_for(
    http: httpx.AsyncClient, tenant: str, *grants: str, email: str | None = None
) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, *grants, email=email)))["access_token"]
    )


def titles(data: dict) -> set[str]:
    return {e["node"]["title"] for e in data["stories"]["edges"]}


async def test_account_operators_work_inside_their_own_account_only(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    town, other = await make_account(tenant), await make_account(tenant)
    op = await client_for(http, tenant, f"account_operator@{town}")
    neighbour = await client_for(http, tenant, f"account_operator@{other}")
    editor = await client_for(http, tenant, "editor")

    mine = (await op(CREATE, {"t": "镇里的稿件"}))["createStory"]
    assert (await StoryDoc.get(mine["id"])).account_id == town  # type: ignore[union-attr]
    center = (await editor(CREATE, {"t": "中心的稿件"}))["createStory"]

    assert titles(await op(TITLES)) == {"镇里的稿件"}
    assert titles(await neighbour(TITLES)) == set()
    assert titles(await editor(TITLES)) == {"镇里的稿件", "中心的稿件"}
    assert (await op.errors(UPDATE, {"id": center["id"]}))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await neighbour.errors(UPDATE, {"id": mine["id"]}))[0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert (await op(UPDATE, {"id": mine["id"]}))["updateStory"]["version"] == 2
    publish = "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 2) { status } }"
    assert (await op.errors(publish, {"id": mine["id"]}))[0]["extensions"]["code"] == "FORBIDDEN"


async def test_correspondents_see_and_change_only_their_own_drafts(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a, b = (
        await client_for(http, tenant, "correspondent"),
        await client_for(http, tenant, "correspondent"),
    )
    editor = await client_for(http, tenant, "editor")
    sa = (await a(CREATE, {"t": "通讯员甲"}))["createStory"]
    await b(CREATE, {"t": "通讯员乙"})
    assert titles(await a(TITLES)) == {"通讯员甲"}
    assert (await b.errors(UPDATE, {"id": sa["id"]}))[0]["extensions"]["code"] == "FORBIDDEN"
    assert titles(await editor(TITLES)) == {"通讯员甲", "通讯员乙"}
    assert (await a.errors("{ users { id } }"))[0]["extensions"]["code"] == "FORBIDDEN"


async def test_final_reviewers_publish_first_reviewers_do_not(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    reporter = await client_for(http, tenant, "reporter")
    first, final = (
        await client_for(http, tenant, "reviewer:first"),
        await client_for(http, tenant, "reviewer:final"),
    )
    story = (await reporter(CREATE, {"t": "待签发"}))["createStory"]
    publish = "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { status } }"
    assert (await reporter.errors(publish, {"id": story["id"]}))[0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert (await first.errors(publish, {"id": story["id"]}))[0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert (await final(publish, {"id": story["id"]}))["approveStory"]["status"] == "APPROVED"


async def test_partners_read_published_stories_only_and_never_drafts_or_revisions(
    http: httpx.AsyncClient, drain: Any
) -> None:
    tenant = await make_tenant()
    admin = await client_for(http, tenant, "admin")
    creds = (
        await admin(
            'mutation { createClient(name: "新华社客户端", scopes: ["stories:read"]) { clientId clientSecret scopes } }'
        )
    )["createClient"]
    draft = (await admin(CREATE, {"t": "草稿"}))["createStory"]
    live = (await admin(CREATE, {"t": "已发布"}))["createStory"]
    await admin(
        "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { status } }",
        {"id": live["id"]},
    )
    await drain()  # the app channel publishes it

    response = await token_request(
        http,
        {"grant_type": "client_credentials", "scope": "stories:read"},
        auth=(creds["clientId"], creds["clientSecret"]),
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    partner = GraphQLClient(http, response.json()["access_token"])
    assert titles(await partner(TITLES)) == {"已发布"}
    drafts = await partner(
        "{ stories(first: 50, filter: {status: DRAFT}) { edges { node { title } } } }"
    )
    assert titles(drafts) == set()  # asking for drafts by status does not widen the view
    assert (await partner("query($id: ID!) { story(id: $id) { title } }", {"id": draft["id"]}))[
        "story"
    ] is None
    assert (
        await partner.errors(
            "query($id: ID!) { story(id: $id) { revisions { title } } }", {"id": live["id"]}
        )
    )[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await partner.errors(CREATE, {"t": "x"}))[0]["extensions"]["code"] == "FORBIDDEN"

    wrong = await token_request(
        http,
        {
            "grant_type": "client_credentials",
            "client_id": creds["clientId"],
            "client_secret": "nope",
        },
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    greedy = await token_request(
        http,
        {"grant_type": "client_credentials", "scope": "admin"},
        auth=(creds["clientId"], creds["clientSecret"]),
    )
    assert greedy.json()["error"] == "invalid_scope"


async def test_field_rules_hide_emails_from_non_managers(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    admin = await client_for(http, tenant, "admin", email="admin@example.org")
    chief = await client_for(http, tenant, "chief_editor")
    as_admin = {u["email"] for u in (await admin("{ users { email } }"))["users"]}
    as_chief = (await chief("{ users { email grants { label } } }"))["users"]
    assert "admin@example.org" in as_admin
    assert {u["email"] for u in as_chief} == {None} and any(u["grants"] for u in as_chief)


async def test_admins_cannot_make_platform_admins_or_act_in_other_tenants(
    http: httpx.AsyncClient,
) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    admin = await client_for(http, tenant, "admin")
    create = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }"
    up = await admin.errors(
        create, {"i": {"username": "escalate-1", "displayName": "x", "grants": ["platform_admin"]}}
    )
    assert up[0]["extensions"]["code"] == "FORBIDDEN"
    across = await admin.errors(
        create, {"i": {"username": "escalate-2", "displayName": "x", "tenant": other}}
    )
    assert across[0]["extensions"]["code"] == "FORBIDDEN"
    bad = await admin.errors(
        create, {"i": {"username": "bad-role", "displayName": "x", "grants": ["reviewer"]}}
    )
    assert bad[0]["extensions"]["code"] == "INVALID_INPUT"
