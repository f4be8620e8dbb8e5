"""The lifecycle of partner/integration OAuth clients over real HTTP: listing, secret
rotation with an overlap, ending a client's sessions, disabling (token issuance, live
tokens and feeds refused) and enabling, isolation between centers, and the CLI."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

import httpx

from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.cli_helpers import ronghub, ronghub_batch
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in, token_request
from tests.feeds.helpers import make_partner, subscribe

CREATE = "mutation($n: String!, $s: [String!]!) { createClient(name: $n, scopes: $s) { clientId clientSecret } }"
CLIENT_FIELDS = """id tenantId name scopes status createdAt secretRotatedAt disabledAt disabledBy disabledReason
  previousSecrets { retiredAt expiresAt lastUsedAt } feedSubscriptionCount webhookEndpointCount
  enabledWebhookEndpointCount pausedWebhookEndpointCount"""
LIST = "query($t: ID) { clients(tenant: $t) { " + CLIENT_FIELDS + " } }"
ROTATE = (
    """mutation($c: ID!, $k: Int!, $e: Boolean!, $t: ID) {
  rotateClientSecret(clientId: $c, keepOldSeconds: $k, endSessions: $e, tenant: $t) {
    clientSecret oldSecretExpiresAt sessionsEnded client { """
    + CLIENT_FIELDS
    + " } } }"
)
DISABLE = (
    "mutation($c: ID!, $r: String!, $t: ID) { disableClient(clientId: $c, reason: $r, tenant: $t) { "
    + CLIENT_FIELDS
    + " } }"
)
ENABLE = (
    "mutation($c: ID!, $t: ID) { enableClient(clientId: $c, tenant: $t) { " + CLIENT_FIELDS + " } }"
)
ME = "{ me { kind subject } }"


async def admin_of(http: httpx.AsyncClient, tenant: str, role: str = "admin") -> GraphQLClient:
    return GraphQLClient(http, (await sign_in(http, await make_user(tenant, role)))["access_token"])


async def new_client(
    admin: GraphQLClient, name: str = "学习强国运营方", scopes: list[str] | None = None
) -> tuple[str, str]:
    creds = (await admin(CREATE, {"n": name, "s": scopes or ["stories:read"]}))["createClient"]
    return creds["clientId"], creds["clientSecret"]


async def client_token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await token_request(http, {"grant_type": "client_credentials"}, auth=(client_id, secret))


async def token_of(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await client_token(http, client_id, secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
    )


def refused(response: httpx.Response, code: str, zh: str, status: int = 401) -> dict[str, Any]:
    """The hub's error of a refused request (GraphQL or feed body, or the token endpoint's)."""
    assert response.status_code == status, response.text
    body = response.json()
    ext = body if "code" in body else body["errors"][0]["extensions"]
    assert ext["code"] == code, body
    assert zh in ext["message_zh"] and ext["message_en"], body
    return dict(body)


def error_of(errors: list[dict[str, Any]], code: str, zh: str) -> dict[str, Any]:
    ext = errors[0]["extensions"]
    assert ext["code"] == code and zh in ext["message_zh"] and ext["message_en"], errors
    return dict(ext)


def ms(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp() * 1000)


async def audit(admin: GraphQLClient, client_id: str) -> list[dict[str, Any]]:
    entries = (await admin("{ auditLog(first: 100) { action actor targetId details } }"))[
        "auditLog"
    ]
    return [
        dict(e, details=json.loads(e["details"])) for e in entries if e["targetId"] == client_id
    ]


async def test_rotation_with_an_overlap_accepts_both_secrets_and_rotating_with_none_ends_the_old_ones(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("cl")
    admin = await admin_of(http, tenant)
    cid, first = await new_client(admin)
    issued = await token_of(http, cid, first)

    started = time.time() * 1000
    rotated = (await admin(ROTATE, {"c": cid, "k": 3600, "e": False}))["rotateClientSecret"]
    second = rotated["clientSecret"]
    assert second != first and rotated["sessionsEnded"] is False
    expires = ms(rotated["oldSecretExpiresAt"])
    assert started + 3_600_000 - 1_000 <= expires <= time.time() * 1000 + 3_600_000
    shown = rotated["client"]
    assert shown["status"] == "ACTIVE" and shown["secretRotatedAt"] is not None
    assert [ms(p["expiresAt"]) for p in shown["previousSecrets"]] == [expires]
    assert shown["previousSecrets"][0]["lastUsedAt"] is None

    # during the overlap both secrets get tokens; the token issued before stays valid
    assert await token_of(http, cid, first) and await token_of(http, cid, second)
    assert (await me(http, issued)).status_code == 200
    listed = (await admin(LIST, {"t": None}))["clients"]
    assert [c["id"] for c in listed] == [cid]
    assert (
        listed[0]["previousSecrets"][0]["lastUsedAt"] is not None
    )  # the partner still uses the old one
    assert first not in json.dumps(listed) and second not in json.dumps(listed)  # never a secret

    # a leak: rotating with no overlap ends every old secret at once
    third = (await admin(ROTATE, {"c": cid, "k": 0, "e": False}))["rotateClientSecret"]
    assert third["oldSecretExpiresAt"] is None and third["client"]["previousSecrets"] == []
    for old in (first, second):
        body = refused(await client_token(http, cid, old), "INVALID_CLIENT", "客户端身份验证失败")
        assert body["error"] == "invalid_client"
    assert await token_of(http, cid, third["clientSecret"])
    assert (await me(http, issued)).status_code == 200  # issued tokens live until they expire

    entries = [e for e in await audit(admin, cid) if e["action"] == "client.rotate_secret"]
    assert [e["details"]["keep_old_seconds"] for e in entries] == [0, 3600]  # newest first
    assert {e["actor"] for e in entries} == {
        (await admin(ME))["me"]["subject"]
    }  # the admin who rotated
    previous = [
        e
        for e in await audit(admin, cid)
        if e["action"] == "signin.client" and e["details"].get("secret")
    ]
    assert previous and all(e["details"]["secret"] == "previous" for e in previous)


async def test_an_old_secret_is_refused_once_its_overlap_has_ended(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant("cl")
    admin = await admin_of(http, tenant)
    cid, old = await new_client(admin)
    rotated = (await admin(ROTATE, {"c": cid, "k": 1, "e": False}))["rotateClientSecret"]
    expires = ms(rotated["oldSecretExpiresAt"])
    deadline = time.monotonic() + 15
    while True:
        response = await client_token(http, cid, old)
        if response.status_code != 200:
            break
        assert time.monotonic() < deadline, "the old secret still works 15 s after a 1 s overlap"
        await asyncio.sleep(0.1)
    assert time.time() * 1000 >= expires  # not refused before its overlap ended
    refused(response, "INVALID_CLIENT", "客户端身份验证失败")
    assert await token_of(http, cid, rotated["clientSecret"])


async def test_ending_sessions_on_rotation_refuses_the_tokens_already_issued(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("cl")
    admin = await admin_of(http, tenant)
    cid, secret = await new_client(admin, "报料后台", ["leads:submit"])
    other, other_secret = await new_client(admin, "省级平台")
    issued = await token_of(http, cid, secret)
    bystander = await token_of(http, other, other_secret)

    pointless = await admin.errors(ROTATE, {"c": cid, "k": 60, "e": True})
    error_of(pointless, "INVALID_INPUT", "keepOldSeconds")
    for keep in (-1, 7 * 86_400 + 1):
        error_of(
            await admin.errors(ROTATE, {"c": cid, "k": keep, "e": False}), "INVALID_INPUT", "7 天"
        )
    assert (await me(http, issued)).status_code == 200  # refused rotations changed nothing
    assert await token_of(http, cid, secret)

    rotated = (await admin(ROTATE, {"c": cid, "k": 0, "e": True}))["rotateClientSecret"]
    assert rotated["sessionsEnded"] is True
    refused(await me(http, issued), "CLIENT_SESSION_ENDED", "合作方访问令牌已失效")
    assert (await me(http, bystander)).status_code == 200  # another client's tokens are untouched
    fresh = await token_of(http, cid, rotated["clientSecret"])
    assert (await me(http, fresh)).json()["data"]["me"] == {"kind": "client", "subject": cid}
    entry = next(e for e in await audit(admin, cid) if e["action"] == "client.rotate_secret")
    assert entry["details"]["end_sessions"] is True and entry["details"]["session_epoch"] == 1


async def test_a_disabled_client_gets_no_token_its_live_token_and_feeds_are_refused_until_enabled(
    http: httpx.AsyncClient,
) -> None:
    partner = await make_partner(http, prefix="cl")
    sub = await subscribe(http, partner)
    admin = GraphQLClient(http, partner.admin["authorization"].split(" ", 1)[1])
    feed = sub["feedPaths"][0]
    live = partner.headers["authorization"].split(" ", 1)[1]
    assert (await http.get(feed, headers=partner.headers)).status_code == 200

    error_of(
        await admin.errors(DISABLE, {"c": partner.client_id, "r": "  "}),
        "INVALID_INPUT",
        "停用原因",
    )
    shown = (await admin(DISABLE, {"c": partner.client_id, "r": "合作到期"}))["disableClient"]
    assert shown["status"] == "DISABLED" and shown["disabledReason"] == "合作到期"
    assert shown["disabledBy"] not in (None, "cli") and shown["disabledAt"] is not None
    assert shown["feedSubscriptionCount"] == 1

    # /oauth/token: the right secret is told why; a wrong one learns nothing more
    denied = await client_token(http, partner.client_id, partner.client_secret)
    body = refused(denied, "CLIENT_DISABLED", "合作方账号已停用")
    assert body["error"] == "invalid_client" and "disabled" in body["message_en"]
    assert denied.headers["www-authenticate"].startswith("Basic")
    assert denied.headers["cache-control"] == "no-store"
    refused(
        await client_token(http, partner.client_id, "not the secret"),
        "INVALID_CLIENT",
        "客户端身份验证失败",
    )

    # the live token: refused at once, on GraphQL and on the feed (signed like every feed answer)
    refused(await me(http, live), "CLIENT_DISABLED", "合作方账号已停用")
    feed_answer = await http.get(feed, headers=partner.headers)
    refused(feed_answer, "CLIENT_DISABLED", "合作方账号已停用")
    assert feed_answer.headers["signature"] and feed_answer.headers["www-authenticate"].startswith(
        "Bearer"
    )

    # its administrator cannot add subscriptions for it meanwhile
    errors = await admin.errors(
        'mutation($c: String) { createFeedSubscription(name: "新订阅", clientId: $c) { id } }',
        {"c": partner.client_id},
    )
    error_of(errors, "FEED_CLIENT_DISABLED", "已停用")
    again = (await admin(DISABLE, {"c": partner.client_id, "r": "再次停用"}))["disableClient"]
    assert again["disabledReason"] == "合作到期"  # disabling twice keeps the first reason

    enabled = (await admin(ENABLE, {"c": partner.client_id}))["enableClient"]
    assert enabled["status"] == "ACTIVE" and enabled["disabledReason"] is None
    refused(
        await me(http, live), "CLIENT_SESSION_ENDED", "合作方访问令牌已失效"
    )  # old tokens stay dead
    fresh = await token_of(http, partner.client_id, partner.client_secret)
    assert (await http.get(feed, headers={"authorization": f"Bearer {fresh}"})).status_code == 200

    entries = await audit(admin, partner.client_id)
    disabled = [e for e in entries if e["action"] == "client.disable"]
    assert len(disabled) == 1 and disabled[0]["details"]["reason"] == "合作到期"
    assert (
        disabled[0]["actor"] == shown["disabledBy"] and disabled[0]["details"]["session_epoch"] == 1
    )
    assert [e["action"] for e in entries if e["action"] == "client.enable"] == ["client.enable"]


async def test_a_center_admin_never_sees_or_touches_another_centers_clients(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    here, there = await make_tenant("cl"), await make_tenant("cl")
    admin, stranger = await admin_of(http, here), await admin_of(http, there)
    cid, secret = await new_client(admin, "合作方甲")
    theirs, _ = await new_client(stranger, "合作方乙")
    issued = await token_of(http, cid, secret)

    assert [c["id"] for c in (await admin(LIST, {"t": None}))["clients"]] == [cid]
    assert [c["id"] for c in (await stranger(LIST, {"t": None}))["clients"]] == [theirs]
    for query, variables in (
        (ROTATE, {"c": cid, "k": 0, "e": True}),
        (DISABLE, {"c": cid, "r": "越权"}),
        (ENABLE, {"c": cid}),
    ):
        error_of(await stranger.errors(query, variables), "NOT_FOUND", "找不到合作方客户端")
        # naming the other center is for platform admins only
        errors = await stranger.errors(query, {**variables, "t": here})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await stranger.errors(LIST, {"t": here}))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await me(http, issued)).status_code == 200 and await token_of(
        http, cid, secret
    )  # untouched

    # neither newsroom staff nor the partner itself manage clients
    reporter = await admin_of(http, here, "reporter")
    assert (await reporter.errors(LIST, {"t": None}))[0]["extensions"]["code"] == "FORBIDDEN"
    partner = GraphQLClient(http, issued)
    assert (await partner.errors(DISABLE, {"c": cid, "r": "x"}))[0]["extensions"][
        "code"
    ] == "FORBIDDEN"

    # the platform admin may act in any center, naming it
    platform = hub_settings.platform_tenant
    boss = GraphQLClient(
        http, (await sign_in(http, await make_user(platform, "platform_admin")))["access_token"]
    )
    assert [c["id"] for c in (await boss(LIST, {"t": here}))["clients"]] == [cid]
    cut = (await boss(DISABLE, {"c": cid, "r": "省平台停用", "t": here}))["disableClient"]
    assert cut["status"] == "DISABLED" and cut["tenantId"] == here
    refused(await me(http, issued), "CLIENT_DISABLED", "合作方账号已停用")
    error_of(
        await boss.errors(ENABLE, {"c": cid}), "NOT_FOUND", "找不到合作方客户端"
    )  # without `tenant`: its own
    assert (await boss(ENABLE, {"c": cid, "t": here}))["enableClient"]["status"] == "ACTIVE"


async def test_the_cli_lists_rotates_disables_and_enables_clients_of_one_center(
    http: httpx.AsyncClient, store_uri: str, db_name: str, hub_settings: Settings
) -> None:
    partner = await make_partner(http, prefix="cl")
    sub = await subscribe(http, partner)
    other = await make_partner(http, prefix="cl")
    tenant, cid = partner.tenant, partner.client_id

    # commands with no check between them run in one process (cli_helpers.ronghub_batch)
    client = ["--tenant", tenant, "--client-id", cid]
    listed, rotated = await ronghub_batch(
        store_uri,
        db_name,
        [
            ["client", "list", "--tenant", tenant],
            ["client", "rotate-secret", *client, "--keep-old-seconds", "600"],
        ],
    )
    code, out = listed
    assert code == 0 and cid in out and "active" in out and other.client_id not in out, out
    assert partner.client_secret not in out

    code, out = rotated
    assert code == 0, out
    secret = next(
        line.split("=", 1)[1] for line in out.splitlines() if line.startswith("client_secret=")
    )
    assert await token_of(http, cid, secret) and await token_of(http, cid, partner.client_secret)
    assert "old secret accepted until" in out

    live = await token_of(http, cid, secret)
    code, out = await ronghub(
        store_uri,
        db_name,
        "client",
        "disable",
        "--tenant",
        tenant,
        "--client-id",
        cid,
        "--reason",
        "密钥泄露",
    )
    assert code == 0 and "disabled" in out, out
    # feeds read the client: refused at once, even before this hub re-reads the epochs
    refused(
        await http.get(sub["feedPaths"][0], headers={"authorization": f"Bearer {live}"}),
        "CLIENT_DISABLED",
        "合作方账号已停用",
    )
    refused(await client_token(http, cid, secret), "CLIENT_DISABLED", "合作方账号已停用")
    started = time.monotonic()
    while (await me(http, live)).status_code == 200:
        assert time.monotonic() - started < hub_settings.key_refresh_seconds + 3, (
            "the token still works"
        )
        await asyncio.sleep(0.05)
    refused(await me(http, live), "CLIENT_DISABLED", "合作方账号已停用")

    other_id = other.client_id
    listed, other_disabled, rotated_badly, enabled = await ronghub_batch(
        store_uri,
        db_name,
        [
            ["client", "list", "--tenant", tenant],
            ["client", "disable", "--tenant", tenant, "--client-id", other_id, "--reason", "越权"],
            ["client", "rotate-secret", *client, "--keep-old-seconds", "60", "--end-sessions"],
            ["client", "enable", *client],
        ],
    )
    code, out = listed
    assert code == 0 and "disabled" in out and "密钥泄露" in out, out
    code, out = other_disabled  # a client of another center: not found in this one
    assert code == 2 and "NOT_FOUND" in out, out
    assert await token_of(
        http, other.client_id, other.client_secret
    )  # the other center's client is untouched
    code, out = rotated_badly
    assert code == 2 and "INVALID_INPUT" in out, out

    code, out = enabled
    assert code == 0 and "enabled" in out, out
    assert await token_of(http, cid, secret)
    admin = GraphQLClient(http, partner.admin["authorization"].split(" ", 1)[1])
    actions = [
        (e["action"], e["actor"])
        for e in await audit(admin, cid)
        if e["action"].startswith("client.")
    ]
    assert ("client.disable", "cli") in actions and ("client.enable", "cli") in actions
    assert ("client.rotate_secret", "cli") in actions
