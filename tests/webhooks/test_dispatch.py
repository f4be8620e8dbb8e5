"""The durable dispatcher against the real store and real HTTP receivers on loopback."""

from __future__ import annotations

from hub.feeds import keys, log
from hub.feeds.content import ItemContent
from hub.feeds.webhooks.documents import DeliveryState, WebhookDeliveryDoc, WebhookEndpointDoc
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on
from tests.webhooks.conftest import Partner


def content(title: str, tags: list[str] | None = None) -> ItemContent:
    return ItemContent(title=title, body_html=f"<p>{title}</p>", tags=tags or ["民生"])


async def public_jwks(partner: Partner) -> list[dict[str, str]]:
    return list((await keys.jwks(partner.settings))["keys"])


async def test_items_arrive_in_order_signed_v1_and_v1a(partner: Partner) -> None:
    receiver = WebhookReceiver("", public_keys=await public_jwks(partner))
    async with serve_on(receiver.app()) as base:
        ep, secret = await partner.endpoints.create(str(partner.subscription.id), base + "/hook")
        receiver.secret = secret
        await log.put(partner.tenant, "app", "s1", content("一"))
        await log.put(partner.tenant, "app", "s2", content("二"))
        await log.put(partner.tenant, "app", "s1", content("一(更正)"))
        await log.withdraw(partner.tenant, "app", "s1", "撤稿")
        await partner.fast_forward(str(ep.id))
        await partner.run()
    got = [
        (p["type"], p["data"]["story_id"], p["data"]["content"]["title"])
        for p in receiver.payloads()
    ]
    assert got == [
        ("story.published", "s1", "一"),
        ("story.published", "s2", "二"),
        ("story.updated", "s1", "一(更正)"),
        ("story.withdrawn", "s1", "一(更正)"),
    ]
    assert receiver.rejected == 0 and receiver.v1a_verified == 4
    stored = await WebhookEndpointDoc.find_one({"_id": ep.id, "tenant": partner.tenant})
    assert stored is not None and stored.cursor == max(
        p["data"]["seq"] for p in receiver.payloads()
    )
    deliveries = await partner.endpoints.deliveries(str(ep.id))
    assert [d.state for d in deliveries] == [DeliveryState.DELIVERED] * 4
    assert {d.id for d in deliveries} == set(receiver.received)
    assert all(d.id == WebhookDeliveryDoc.make_id(str(ep.id), d.seq) for d in deliveries)
