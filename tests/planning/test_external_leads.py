"""报料 from outside the newsroom: the center's app backend (citizens' tips) and 舆情监测
systems send leads as OAuth2 clients with the `leads:submit` scope. A resend with the
same external id gives the same lead; the client never reads the newsroom's planning."""

from __future__ import annotations

import httpx

from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in, token_request

CREATE = """mutation($i: CreateLeadInput!) { createLead(input: $i) {
  id title source status contact createdBy externalId triagedBy rejectReason topics { id } } }"""
ACCEPT = "mutation($id: ID!) { acceptLead(id: $id) { status } }"
LEADS = "{ leads(first: 50) { edges { node { id title contact createdBy externalId source } } } }"


async def user(http: httpx.AsyncClient, tenant: str, *grants: str) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, *grants)))["access_token"]
    )


async def client_with(
    http: httpx.AsyncClient, admin: GraphQLClient, scopes: list[str]
) -> tuple[GraphQLClient, str]:
    creds = (
        await admin(
            'mutation($s: [String!]!) { createClient(name: "县融媒APP", scopes: $s) { clientId clientSecret } }',
            {"s": scopes},
        )
    )["createClient"]
    r = await token_request(
        http,
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        auth=(creds["clientId"], creds["clientSecret"]),
    )
    assert r.status_code == 200, r.text
    return GraphQLClient(http, r.json()["access_token"]), creds["clientId"]


def tip(external_id: str, title: str = "岚溪路口积水严重") -> dict[str, object]:
    return {
        "i": {
            "title": title,
            "source": "CITIZEN",
            "description": "早高峰积水没过脚踝。",
            "contact": "王女士 138****0000",
            "externalId": external_id,
        }
    }


async def test_the_app_backend_sends_citizens_tips_once_each_and_sees_no_planning(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin = await user(http, tenant, "admin")
    editor = await user(http, tenant, "editor")
    app, client_id = await client_with(http, admin, ["leads:submit"])

    first = (await app(CREATE, tip("BL-0001")))["createLead"]
    assert (
        first["status"] == "NEW"
        and first["source"] == "CITIZEN"
        and first["externalId"] == "BL-0001"
    )
    assert first["contact"] is None  # the contact goes in, but reads are newsroom-only
    again = (await app(CREATE, tip("BL-0001", title="岚溪路口积水严重(重发)")))["createLead"]
    assert (
        again["id"] == first["id"] and again["title"] == "岚溪路口积水严重"
    )  # a resend, not a new tip
    other = (await app(CREATE, tip("BL-0002", title="菜市场秤不准")))["createLead"]
    assert other["id"] != first["id"]

    seen = {n["node"]["id"]: n["node"] for n in (await editor(LEADS))["leads"]["edges"]}
    assert set(seen) == {first["id"], other["id"]}
    assert seen[first["id"]]["contact"] == "王女士 138****0000" and seen[first["id"]][
        "createdBy"
    ].endswith(client_id)

    # the newsroom triages it into a topic; the app's resend shows no triage or plans
    await editor(ACCEPT, {"id": first["id"]})
    await editor(
        'mutation($l: [ID!]!) { proposeTopic(input: {title: "城区内涝调查", leadIds: $l}) { id } }',
        {"l": [first["id"]]},
    )
    resent = (await app(CREATE, tip("BL-0001")))["createLead"]
    assert resent["status"] == "ACCEPTED" and resent["triagedBy"] is None and resent["topics"] == []

    for refused in (
        "{ leads(first: 5) { edges { node { id } } } }",
        "{ dispatchBoard { leadsAwaitingTriageCount } }",
    ):
        assert (await app.errors(refused))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await app.errors(ACCEPT, {"id": other["id"]}))[0]["extensions"]["code"] == "FORBIDDEN"

    audit = (await admin("{ auditLog(first: 50) { action targetId details } }"))["auditLog"]
    created = [e for e in audit if e["action"] == "lead.create" and e["targetId"] == first["id"]]
    assert len(created) == 1  # the resends recorded nothing new


async def test_a_client_needs_the_scope_and_external_ids_are_per_center(
    http: httpx.AsyncClient,
) -> None:
    tenant, elsewhere = await make_tenant(), await make_tenant()
    reader, _ = await client_with(http, await user(http, tenant, "admin"), ["stories:read"])
    assert (await reader.errors(CREATE, tip("BL-9")))[0]["extensions"]["code"] == "FORBIDDEN"

    here, _ = await client_with(http, await user(http, tenant, "admin"), ["leads:submit"])
    there, _ = await client_with(http, await user(http, elsewhere, "admin"), ["leads:submit"])
    a = (await here(CREATE, tip("BL-9")))["createLead"]["id"]
    b = (await there(CREATE, tip("BL-9")))["createLead"]["id"]
    assert a != b  # the same number at two centers is two tips
    long_id = await here.errors(CREATE, tip("x" * 201))
    assert (
        long_id[0]["extensions"]["code"] == "INVALID_INPUT"
        and "200" in long_id[0]["extensions"]["message_zh"]
    )
