"""sendWebhookTestEvent: a signed `webhook.test` event to one endpoint, on the real hub with
a real receiver on loopback (verified by the independent standardwebhooks library)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from hub.audit import log as audit
from hub.errors import HubError
from hub.feeds.webhooks import events
from hub.feeds.webhooks.endpoints import TEST_INTERVAL_S, WebhookEndpoints, probe_window
from hub.feeds.webhooks.errors import WebhookCodes
from hub.identity.documents import ClientDoc
from hub.settings import Settings
from hub.store.scope import Scope
from tests.e2e.identity_helpers import make_tenant
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on
from tests.webhooks.test_graphql import CREATE, DELIVERIES, admin_client, subscription_in

SEND = "mutation($id: ID!) { sendWebhookTestEvent(id: $id) { id seq eventType storyId state attempts { statusCode verdict error } } }"
ENDPOINT = (
    "query($id: ID!) { webhookEndpoint(id: $id) { cursor failedAttempts enabled lastStatus } }"
)


def test_the_window_and_the_wait_are_whole_seconds_to_its_end() -> None:
    span = TEST_INTERVAL_S * 1000
    assert probe_window(5 * span) == (5, TEST_INTERVAL_S)  # at its start: the whole interval
    assert probe_window(5 * span + 1) == (5, TEST_INTERVAL_S)  # 9.999 s left: 10 whole seconds
    assert probe_window(6 * span - 1) == (5, 1)  # never "0 seconds"
    assert probe_window(6 * span) == (6, TEST_INTERVAL_S)


async def test_a_test_event_arrives_signed_and_is_in_the_log_without_moving_the_endpoint(
    http: httpx.AsyncClient, loopback: Settings
) -> None:
    tenant = await make_tenant("wht")
    admin = await admin_client(http, tenant, "admin")
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        created = (
            await admin(CREATE, {"s": await subscription_in(tenant), "url": base + "/hook"})
        )["createWebhookEndpoint"]
        receiver.secret = created["secret"]
        ep = created["endpoint"]
        sent = (await admin(SEND, {"id": ep["id"]}))["sendWebhookTestEvent"]
        assert (
            sent["state"] == "delivered" and sent["eventType"] == events.TEST and sent["seq"] == 0
        )
        assert sent["attempts"] == [{"statusCode": 200, "verdict": "delivered", "error": None}]
        arrival = receiver.arrivals[-1]
        assert arrival.id == sent["id"] and Webhook(created["secret"]).verify(
            arrival.body, arrival.headers
        )
        assert (
            arrival.payload["type"] == "webhook.test"
            and arrival.payload["data"]["endpoint_id"] == ep["id"]
        )
        assert (
            arrival.payload["data"]["tenant"] == tenant and arrival.payload["data"]["test"] is True
        )
        log = (await admin(DELIVERIES, {"id": ep["id"]}))["webhookDeliveries"]
        assert [d["id"] for d in log] == [sent["id"]]
        after = (await admin(ENDPOINT, {"id": ep["id"]}))["webhookEndpoint"]
        assert (
            after["cursor"] == ep["cursor"] and after["failedAttempts"] == 0
        )  # the stream is untouched
        # a test delivery is not replayed (it has no log item): a new test is sent instead
        errors = await admin.errors(
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }", {"id": sent["id"]}
        )
        assert (
            errors[0]["extensions"]["code"] == "WEBHOOK_BAD_INPUT"
            and "测试事件" in errors[0]["message"]
        )
    entries = await audit.entries(tenant, 20, None)
    assert any(e.action == "webhook.test" and e.target_id == ep["id"] for e in entries)


async def test_a_receiver_that_fails_is_reported_and_the_endpoint_stays_as_it_was(
    http: httpx.AsyncClient, loopback: Settings
) -> None:
    tenant = await make_tenant("wht")
    admin = await admin_client(http, tenant, "admin")
    receiver = WebhookReceiver("", script=[500])
    async with serve_on(receiver.app()) as base:
        created = (
            await admin(CREATE, {"s": await subscription_in(tenant), "url": base + "/hook"})
        )["createWebhookEndpoint"]
        ep = created["endpoint"]
        sent = (await admin(SEND, {"id": ep["id"]}))["sendWebhookTestEvent"]
    assert sent["state"] == "failed" and sent["attempts"][0]["statusCode"] == 500
    after = (await admin(ENDPOINT, {"id": ep["id"]}))["webhookEndpoint"]
    assert after["enabled"] and after["failedAttempts"] == 0 and after["lastStatus"] is None


async def test_a_disabled_endpoint_can_be_tested_but_not_one_of_a_disabled_partner(
    http: httpx.AsyncClient, loopback: Settings
) -> None:
    tenant = await make_tenant("wht")
    admin = await admin_client(http, tenant, "admin")
    sub = await subscription_in(tenant)
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        created = (await admin(CREATE, {"s": sub, "url": base + "/hook"}))["createWebhookEndpoint"]
        receiver.secret = created["secret"]
        ep = created["endpoint"]
        await admin(
            "mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled } }", {"id": ep["id"]}
        )
        assert (await admin(SEND, {"id": ep["id"]}))["sendWebhookTestEvent"]["state"] == "delivered"
        assert (await admin(ENDPOINT, {"id": ep["id"]}))["webhookEndpoint"][
            "enabled"
        ] is False  # still disabled
        # the subscription's partner client is cut off: no test either
        from hub.feeds.subscriptions import get_subscription

        subscription = await get_subscription(tenant, sub)
        assert subscription is not None
        await ClientDoc(
            id=subscription.client_id,
            tenant=tenant,
            name="合作方",
            secret_hash="x",
            scopes=[],
            disabled=True,
        ).insert()
        errors = await admin.errors(SEND, {"id": ep["id"]})
        assert (
            errors[0]["extensions"]["code"] == "WEBHOOK_CLIENT_DISABLED"
            and "已停用" in errors[0]["message"]
        )
    assert len(receiver.arrivals) == 1


async def test_tests_in_a_burst_and_in_a_race_send_one_per_window(
    hub_url: str, loopback: Settings
) -> None:
    tenant = await make_tenant("wht")
    receiver = WebhookReceiver("")
    at = 1_900_000_000_000  # a fixed clock inside one window
    repo = WebhookEndpoints(
        Scope(tenant, actor="admin-test", public_only=False), loopback, clock=lambda: at
    )
    async with serve_on(receiver.app()) as base:
        ep, secret = await repo.create(await subscription_in(tenant), base + "/hook")
        receiver.secret = secret
        outcomes = await asyncio.gather(
            *(repo.send_test(str(ep.id)) for _ in range(6)), return_exceptions=True
        )
    sent = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, HubError)]
    assert len(sent) == 1 and len(refused) == 5 and len(receiver.arrivals) == 1
    assert {e.kind for e in refused} == {WebhookCodes.TEST_TOO_SOON}
    assert "秒后再试" in refused[0].message_zh and "seconds" in refused[0].message_en


async def test_another_centers_endpoint_and_a_reporter_get_nothing(
    http: httpx.AsyncClient, loopback: Settings
) -> None:
    tenant, other = await make_tenant("wht"), await make_tenant("wht")
    admin = await admin_client(http, tenant, "admin")
    foreign = await admin_client(http, other, "admin")
    reporter = await admin_client(http, tenant, "reporter")
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep = (await admin(CREATE, {"s": await subscription_in(tenant), "url": base + "/hook"}))[
            "createWebhookEndpoint"
        ]["endpoint"]
        assert (await foreign.errors(SEND, {"id": ep["id"]}))[0]["extensions"][
            "code"
        ] == "WEBHOOK_ENDPOINT_NOT_FOUND"
        assert (await reporter.errors(SEND, {"id": ep["id"]}))[0]["extensions"][
            "code"
        ] == "FORBIDDEN"
        assert (await admin.errors(SEND, {"id": "x" * 5000}))[0]["extensions"][
            "code"
        ] == "WEBHOOK_ENDPOINT_NOT_FOUND"
    assert receiver.arrivals == [] and receiver.attempts == 0


async def test_a_receiver_address_that_turned_private_is_blocked_and_nothing_is_sent(
    http: httpx.AsyncClient, loopback: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await make_tenant("wht")
    admin = await admin_client(http, tenant, "admin")
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep = (await admin(CREATE, {"s": await subscription_in(tenant), "url": base + "/hook"}))[
            "createWebhookEndpoint"
        ]["endpoint"]
        monkeypatch.setattr(
            loopback, "outbound_allow_loopback", False
        )  # the address is no longer allowed at send time
        sent = (await admin(SEND, {"id": ep["id"]}))["sendWebhookTestEvent"]
    assert (
        sent["state"] == "failed"
        and sent["attempts"][0]["verdict"] == "blocked"
        and sent["attempts"][0]["statusCode"] is None
    )
    assert receiver.attempts == 0
