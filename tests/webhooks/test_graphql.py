"""Webhook endpoints driven through GraphQL on the real hub, with a real receiver on loopback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from hub.feeds import log
from hub.feeds.content import ItemContent
from hub.feeds.subscriptions import SelectionDoc, SubscriptionDoc
from hub.ids import new_id
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on
from tests.webhooks.conftest import Partner, make_partner

CREATE = """mutation($s: ID!, $url: String!) {
  createWebhookEndpoint(input: {subscriptionId: $s, url: $url, description: "省台"}) {
    secret endpoint { id url enabled cursor secrets { id expiresAt } sm2 }
  }
}"""
DELIVERIES = """query($id: ID!) { webhookDeliveries(endpointId: $id) {
  id seq eventType storyId state nextAttemptAt attempts { number statusCode verdict durationMs replay } } }"""


async def admin_client(http: httpx.AsyncClient, tenant: str, *grants: str) -> GraphQLClient:
    user = await make_user(tenant, *grants)
    return GraphQLClient(http, (await sign_in(http, user))["access_token"])


async def subscription_in(tenant: str) -> str:
    sub = SubscriptionDoc(
        id=new_id(),
        tenant=tenant,
        client_id="c-" + new_id()[-6:],
        name="省台",
        selection=SelectionDoc(tenants=[tenant]),
    )
    await sub.insert()
    return str(sub.id)


def content(title: str) -> ItemContent:
    return ItemContent(title=title, body_html=f"<p>{title}</p>")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/",
        "http://[::1]:8080/",
    ],
)
async def test_private_targets_are_refused_at_creation(http: httpx.AsyncClient, url: str) -> None:
    tenant = await make_tenant("whg")
    admin = await admin_client(http, tenant, "admin")
    errors = await admin.errors(CREATE, {"s": await subscription_in(tenant), "url": url})
    assert errors[0]["extensions"]["code"] == "WEBHOOK_URL_BLOCKED"
    assert "内网" in errors[0]["message"] or "内网" in str(errors[0]["extensions"])
    assert (await admin("{ webhookEndpoints { id } }"))[
        "webhookEndpoints"
    ] == []  # nothing half-written


async def test_endpoint_lifecycle_over_graphql(
    http: httpx.AsyncClient, loopback: Settings, drain: Callable[[], Awaitable[None]]
) -> None:
    tenant = await make_tenant("whg")
    admin = await admin_client(http, tenant, "admin")
    sub_id = await subscription_in(tenant)
    receiver = WebhookReceiver("")
    partner = Partner(tenant, None, None, loopback)  # type: ignore[arg-type]
    async with serve_on(receiver.app()) as base:
        created = (await admin(CREATE, {"s": sub_id, "url": base + "/hook"}))[
            "createWebhookEndpoint"
        ]
        secret, ep = created["secret"], created["endpoint"]
        receiver.secret = secret
        assert secret.startswith("whsec_") and ep["enabled"] and ep["sm2"] is False
        listed = (await admin("{ webhookEndpoints { id url secrets { id } } }"))["webhookEndpoints"]
        assert [e["id"] for e in listed] == [ep["id"]] and secret not in str(listed)  # shown once

        first = await log.put(tenant, "app", "st1", content("一"))
        await partner.fast_forward(ep["id"])
        await drain()
        assert [p["data"]["story_id"] for p in receiver.payloads()] == ["st1"]
        deliveries = (await admin(DELIVERIES, {"id": ep["id"]}))["webhookDeliveries"]
        assert (
            deliveries[0]["state"] == "delivered"
            and deliveries[0]["eventType"] == "story.published"
        )
        assert (
            deliveries[0]["attempts"][0]["statusCode"] == 200
            and deliveries[0]["id"] in receiver.received
        )

        # replay one delivery: same webhook-id, the receiver recognises the repeat
        await admin(
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }",
            {"id": deliveries[0]["id"]},
        )
        await drain()
        assert [a.id for a in receiver.arrivals] == [deliveries[0]["id"]] * 2 and len(
            receiver.received
        ) == 1
        attempts = (await admin(DELIVERIES, {"id": ep["id"]}))["webhookDeliveries"][0]["attempts"]
        assert [a["replay"] for a in attempts] == [False, True]

        # rotate: deliveries carry v1 signatures of the new and the old secret meanwhile
        rotated = (
            await admin(
                "mutation($id: ID!) { rotateWebhookSecret(id: $id, keepOldSeconds: 3600) { secret endpoint { secrets { expiresAt } } } }",
                {"id": ep["id"]},
            )
        )["rotateWebhookSecret"]
        assert rotated["secret"] != secret and [
            s["expiresAt"] is None for s in rotated["endpoint"]["secrets"]
        ] == [False, True]
        receiver.secret = rotated["secret"]
        await log.put(tenant, "app", "st2", content("二"))
        await partner.fast_forward(ep["id"])
        await drain()
        latest = receiver.arrivals[-1]
        assert latest.payload["data"]["story_id"] == "st2"
        assert Webhook(secret).verify(latest.body, latest.headers)  # the old secret still verifies

        # disabled: items wait; enabled: they arrive
        await admin(
            'mutation($id: ID!) { disableWebhookEndpoint(id: $id, note: "对方维护") { enabled } }',
            {"id": ep["id"]},
        )
        await log.put(tenant, "app", "st3", content("三"))
        await drain()
        assert "st3" not in [p["data"]["story_id"] for p in receiver.payloads()]
        shown = await admin(
            "query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason disabledNote } }",
            {"id": ep["id"]},
        )
        assert shown["webhookEndpoint"] == {
            "enabled": False,
            "disabledReason": "manual",
            "disabledNote": "对方维护",
        }
        await admin(
            "mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled } }", {"id": ep["id"]}
        )
        await drain()
        assert [p["data"]["story_id"] for p in receiver.payloads()] == ["st1", "st2", "st3"]

        # replay from a log number: everything again, in order, with the same ids
        before = len(receiver.arrivals)
        assert first is not None
        await admin(
            "mutation($id: ID!, $n: Int!) { replayWebhookEndpoint(id: $id, fromSeq: $n) { cursor } }",
            {"id": ep["id"], "n": first.seq},
        )
        await drain()
        again = receiver.arrivals[before:]
        assert [a.payload["data"]["story_id"] for a in again] == ["st1", "st2", "st3"]
        assert {a.id for a in again} == set(receiver.received) and len(receiver.received) == 3

    audit = (await admin("{ auditLog(first: 50) { action targetId } }"))["auditLog"]
    actions = {a["action"] for a in audit if a["targetId"] == ep["id"]}
    assert {
        "webhook.create",
        "webhook.replay",
        "webhook.rotate_secret",
        "webhook.disable",
        "webhook.enable",
        "webhook.replay_from",
    } <= actions


async def test_only_center_admins_manage_endpoints_and_tenants_stay_apart(
    http: httpx.AsyncClient, loopback: Settings
) -> None:
    tenant = await make_tenant("whg")
    other = await make_tenant("whg")
    admin = await admin_client(http, tenant, "admin")
    ep = (
        await admin(CREATE, {"s": await subscription_in(tenant), "url": "http://127.0.0.1:9/hook"})
    )["createWebhookEndpoint"]
    reporter = await admin_client(http, tenant, "reporter")
    errors = await reporter.errors("{ webhookEndpoints { id } }")
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    stranger = await admin_client(http, other, "admin")
    errors = await stranger.errors(
        "query($id: ID!) { webhookEndpoint(id: $id) { id url } }", {"id": ep["endpoint"]["id"]}
    )
    assert errors[0]["extensions"]["code"] == "WEBHOOK_ENDPOINT_NOT_FOUND"
    assert (await stranger("{ webhookEndpoints { id } }"))["webhookEndpoints"] == []
    # another center's subscription cannot get an endpoint from here
    errors = await stranger.errors(
        CREATE, {"s": ep["endpoint"]["id"], "url": "http://127.0.0.1:9/hook"}
    )
    assert errors[0]["extensions"]["code"] == "WEBHOOK_SUBSCRIPTION_NOT_FOUND"


async def test_sm2_endpoint_signs_with_the_hubs_sm2_key(
    http: httpx.AsyncClient, loopback: Settings, drain: Any
) -> None:
    from ronghub_sdk.verify import StaticKeys, WebhookVerifier
    from ronghub_sdk.verify.errors import InvalidSignature

    from hub.signing import keys

    partner = await make_partner(loopback)
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook", sm2=True
        )
        assert ep.sm2
        signing = [k.kid for k in await keys.signing_keys(loopback, keys.SM2)]
        await log.put(partner.tenant, "app", "gov1", content("政务"))
        await partner.fast_forward(str(ep.id))
        await drain()
        # an SM2 key rotation: during the overlap every delivery carries one `sm2` entry
        # per key, new key first, and a partner holding either key verifies
        new = await keys.rotate(loopback, immediate=True, alg=keys.SM2)
        await log.put(partner.tenant, "app", "gov2", content("政务二"))
        await partner.fast_forward(str(ep.id))
        await drain()
    jwks = (await http.get("/feeds/jwks.json")).json()

    def only(*kids: str) -> WebhookVerifier:
        return WebhookVerifier(
            keys=StaticKeys.from_jwks({"keys": [k for k in jwks["keys"] if k["kid"] in kids]})
        )

    first, second = receiver.arrivals
    schemes = [e.split(",")[0] for e in first.headers["webhook-signature"].split()]
    assert schemes.count("sm2") == len(signing) and schemes[-1] == "sm2"
    assert only(*signing).verify(first.headers, first.body).scheme == "sm2"

    entries = second.headers["webhook-signature"].split()
    assert [e.split(",")[0] for e in entries].count("sm2") == 2
    assert only(new.kid).verify(second.headers, second.body).scheme == "sm2"
    assert only(signing[0]).verify(second.headers, second.body).scheme == "sm2"
    with pytest.raises(InvalidSignature):
        only(new.kid).verify(first.headers, first.body)  # the new key did not sign the first
