"""Webhook test helpers: a partner tenant with a subscription, and driving the dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hub.feeds.subscriptions import SelectionDoc, SubscriptionDoc
from hub.feeds.webhooks import dispatch
from hub.feeds.webhooks.dispatch import Dispatcher
from hub.feeds.webhooks.endpoints import WebhookEndpoints
from hub.ids import new_id, now_ms
from hub.jobs.documents import JobDoc
from hub.jobs.worker import Worker
from hub.settings import Settings
from hub.store.scope import Scope
from tests.conftest import run_until_idle


@pytest.fixture
def loopback(hub_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The session hub may call receivers on 127.0.0.1 for this test (private ranges stay refused)."""
    monkeypatch.setattr(hub_settings, "outbound_allow_loopback", True)
    yield hub_settings


@dataclass
class Partner:
    tenant: str
    subscription: SubscriptionDoc
    endpoints: WebhookEndpoints
    settings: Settings

    async def run(self) -> None:
        """Run the webhook jobs that are due until nothing is left to do now."""
        await run_until_idle(Worker(Dispatcher(self.settings).consumers(), idle_sleep=0))

    async def fast_forward(self, endpoint_id: str) -> int | None:
        """Make the endpoint's waiting run due now (time passes); returns how far ahead it was (ms)."""
        coll = JobDoc.get_pymongo_collection()
        job = await coll.find_one(
            {"consumer": dispatch.CONSUMER, "open": True, "payload.endpoint_id": endpoint_id}
        )
        if job is None:
            return None
        await coll.update_one({"_id": job["_id"]}, {"$set": {"ready_at": now_ms()}})
        return int(job["ready_at"]) - now_ms()


async def make_partner(settings: Settings, **selection: Any) -> Partner:
    tenant = "wh-" + new_id()
    sub = SubscriptionDoc(
        id=new_id(),
        tenant=tenant,
        client_id="client-" + new_id()[-6:],
        name="合作方",
        selection=SelectionDoc(tenants=[tenant], **selection),
    )
    await sub.insert()
    scope = Scope(tenant, actor="admin-test", public_only=False)
    return Partner(tenant, sub, WebhookEndpoints(scope, settings), settings)


@pytest.fixture
async def partner(hub_url: str, loopback: Settings) -> Partner:
    return await make_partner(loopback)
