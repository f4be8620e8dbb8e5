"""Disabling a partner client pauses the webhook deliveries of its subscriptions (kept, not
dropped); enabling it resumes them in log order, nothing lost or sent twice. Real hub,
GraphQL over HTTP, real receivers on loopback."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.feeds import log
from hub.feeds.content import ItemContent
from hub.identity.documents import ClientDoc
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on
from tests.feeds.helpers import make_partner, subscribe
from tests.webhooks.conftest import Partner

CREATE = """mutation($s: ID!, $url: String!) {
  createWebhookEndpoint(input: {subscriptionId: $s, url: $url}) { secret endpoint { id } } }"""
ENDPOINT = (
    "query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason disabledNote cursor } }"
)
COUNTS = "{ clients { id status webhookEndpointCount enabledWebhookEndpointCount pausedWebhookEndpointCount } }"
DISABLE = 'mutation($c: ID!) { disableClient(clientId: $c, reason: "合作方系统被入侵") { status pausedWebhookEndpointCount } }'
ENABLE = "mutation($c: ID!) { enableClient(clientId: $c) { status pausedWebhookEndpointCount enabledWebhookEndpointCount } }"


def content(title: str) -> ItemContent:
    return ItemContent(title=title, body_html=f"<p>{title}</p>")


def stories(receiver: WebhookReceiver) -> list[str]:
    return [p["data"]["story_id"] for p in receiver.payloads()]


async def endpoint(
    admin: GraphQLClient, receiver: WebhookReceiver, subscription: str, base: str
) -> str:
    created = (await admin(CREATE, {"s": subscription, "url": base + "/hook"}))[
        "createWebhookEndpoint"
    ]
    receiver.secret = created["secret"]
    return str(created["endpoint"]["id"])


async def test_disabling_a_client_pauses_its_webhooks_and_enabling_resumes_them_in_order(
    http: httpx.AsyncClient, loopback: Settings, drain: Callable[[], Awaitable[None]]
) -> None:
    partner = await make_partner(http, prefix="whc")
    tenant = partner.tenant
    sub = await subscribe(http, partner)
    admin = GraphQLClient(http, partner.admin["authorization"].split(" ", 1)[1])
    jobs = Partner(tenant, None, None, loopback)  # type: ignore[arg-type]
    main, side = WebhookReceiver(""), WebhookReceiver("")
    async with serve_on(main.app()) as main_url, serve_on(side.app()) as side_url:
        ep = await endpoint(admin, main, sub["id"], main_url)
        manual = await endpoint(admin, side, sub["id"], side_url)
        await admin(
            'mutation($id: ID!) { disableWebhookEndpoint(id: $id, note: "对方维护") { id } }',
            {"id": manual},
        )

        await log.put(tenant, "app", "s1", content("一"))
        await jobs.fast_forward(ep)
        await drain()
        assert stories(main) == ["s1"]

        paused = (await admin(DISABLE, {"c": partner.client_id}))["disableClient"]
        assert paused == {
            "status": "DISABLED",
            "pausedWebhookEndpointCount": 1,
        }  # the manual one is not counted
        shown = (await admin(ENDPOINT, {"id": ep}))["webhookEndpoint"]
        assert shown["enabled"] is False and shown["disabledReason"] == "client"
        assert "合作方系统被入侵" in shown["disabledNote"]
        cursor = shown["cursor"]

        # items keep coming while the partner is cut off: a new one, a correction, more
        await log.put(tenant, "app", "s2", content("二"))
        await log.put(tenant, "app", "s1", content("一(更正)"))
        await log.put(tenant, "app", "s3", content("三"))
        await jobs.fast_forward(ep)
        await drain()
        assert stories(main) == ["s1"] and len(main.arrivals) == 1  # nothing went out
        assert (await admin(ENDPOINT, {"id": ep}))["webhookEndpoint"][
            "cursor"
        ] == cursor  # nothing skipped either
        errors = await admin.errors(
            "mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id } }", {"id": ep}
        )
        ext = errors[0]["extensions"]
        assert (
            ext["code"] == "WEBHOOK_CLIENT_DISABLED"
            and "enableClient" in ext["message_zh"]
            and ext["message_en"]
        )

        resumed = (await admin(ENABLE, {"c": partner.client_id}))["enableClient"]
        assert resumed == {
            "status": "ACTIVE",
            "pausedWebhookEndpointCount": 0,
            "enabledWebhookEndpointCount": 1,
        }
        await drain()
        assert stories(main) == ["s1", "s2", "s1", "s3"]  # in log order, from where it stopped
        assert [p["type"] for p in main.payloads()][2] == "story.updated"
        assert len(main.arrivals) == len(main.received) == 4  # each once
        seqs = [int(a.id.rsplit("_", 1)[1]) for a in main.arrivals]
        assert seqs == sorted(seqs)
        # an endpoint disabled for another reason stays as its administrator left it
        left = (await admin(ENDPOINT, {"id": manual}))["webhookEndpoint"]
        assert (
            left["enabled"] is False and left["disabledReason"] == "manual" and side.arrivals == []
        )

    counts = (await admin(COUNTS))["clients"]
    assert counts == [
        {
            "id": partner.client_id,
            "status": "ACTIVE",
            "webhookEndpointCount": 2,
            "enabledWebhookEndpointCount": 1,
            "pausedWebhookEndpointCount": 0,
        }
    ]
    entries = (await admin("{ auditLog(first: 100) { action targetId details } }"))["auditLog"]
    mine: dict[str, Any] = {
        e["action"]: json.loads(e["details"]) for e in entries if e["targetId"] == partner.client_id
    }
    assert mine["client.disable"]["webhook_endpoints_paused"] == [
        ep
    ]  # not the manually disabled one
    assert mine["client.enable"]["webhook_endpoints_resumed"] == [ep]


async def test_the_dispatcher_sends_nothing_for_a_client_disabled_behind_its_back(
    http: httpx.AsyncClient, loopback: Settings, drain: Callable[[], Awaitable[None]]
) -> None:
    """A disabling that stopped between marking the client and pausing its endpoints (a
    crash): the dispatcher pauses the endpoint itself; enableClient resumes it."""
    partner = await make_partner(http, prefix="whc")
    sub = await subscribe(http, partner)
    admin = GraphQLClient(http, partner.admin["authorization"].split(" ", 1)[1])
    jobs = Partner(partner.tenant, None, None, loopback)  # type: ignore[arg-type]
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep = await endpoint(admin, receiver, sub["id"], base)
        await ClientDoc.get_pymongo_collection().update_one(
            {"_id": partner.client_id, "tenant": partner.tenant},
            {"$set": {"disabled": True, "disabled_reason": "泄露"}},
        )
        await log.put(partner.tenant, "app", "s1", content("一"))
        await jobs.fast_forward(ep)
        await drain()
        assert receiver.arrivals == []
        shown = (await admin(ENDPOINT, {"id": ep}))["webhookEndpoint"]
        assert shown["enabled"] is False and shown["disabledReason"] == "client"

        await admin(ENABLE, {"c": partner.client_id})
        await drain()
        assert stories(receiver) == ["s1"] and len(receiver.arrivals) == 1
