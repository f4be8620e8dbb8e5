"""The durable dispatcher against the real store and real HTTP receivers on loopback."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ronghub_sdk.verify import InvalidSignature, ReplayedMessage, StaleTimestamp, WebhookVerifier
from standardwebhooks.webhooks import Webhook

from hub.feeds import log
from hub.feeds.content import ItemContent
from hub.feeds.webhooks import dispatch
from hub.feeds.webhooks.documents import DeliveryState, WebhookDeliveryDoc, WebhookEndpointDoc
from hub.ids import now_ms
from hub.jobs.documents import JobDoc
from hub.signing import keys
from tests.conftest import CommandCounter
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


async def test_a_receiver_down_for_a_while_gets_everything_in_order_once_each(
    partner: Partner,
) -> None:
    """503 with Retry-After, then connection refused, then back: every event arrives, in log
    order (so in order per story), once each by id; the waits follow the schedule."""
    receiver = WebhookReceiver("", script=[(503, "120"), (503, "120")])
    async with serve_on(receiver.app()) as base:
        port = int(base.rsplit(":", 1)[1])
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        endpoint_id = str(ep.id)
        for story, title in [
            ("s1", "一"),
            ("s2", "二"),
            ("s1", "一更"),
            ("s3", "三"),
            ("s2", "二更"),
        ]:
            await log.put(partner.tenant, "app", story, content(title))
        await log.withdraw(partner.tenant, "app", "s3", "撤稿")
        await partner.fast_forward(endpoint_id)
        await partner.run()  # attempt 1: 503, Retry-After 120 s beats the schedule's 5 s
        ahead = await partner.fast_forward(endpoint_id)
        assert ahead is not None and 110_000 < ahead <= 120_000
        await partner.run()  # attempt 2: 503; the schedule's 5 min (±10 %) beats 120 s
    ahead = await partner.fast_forward(endpoint_id)
    assert ahead is not None and 260_000 < ahead <= 330_000
    await partner.run()  # attempt 3: the receiver is down (connection refused): 30 min
    ahead = await partner.fast_forward(endpoint_id)
    assert ahead is not None and 1_600_000 < ahead <= 1_980_000
    await partner.run()  # attempt 4: still down: 2 h
    ahead = await partner.fast_forward(endpoint_id)
    assert ahead is not None and 6_400_000 < ahead <= 7_920_000
    stored = await partner.endpoints.get(endpoint_id)
    assert stored.enabled and stored.attempt == 4 and stored.next_attempt_at is not None
    assert receiver.received == {}
    first = (await partner.endpoints.deliveries(endpoint_id))[0]
    assert [a.status_code for a in first.attempts] == [503, 503, None, None]
    assert (
        first.attempts[0].retry_after_s == 120 and first.next_attempt_at == stored.next_attempt_at
    )
    await log.put(partner.tenant, "app", "s4", content("四"))  # arrives while the receiver is down
    async with serve_on(receiver.app(), port):  # back on the same address
        await partner.run()
    got = [
        (p["type"], p["data"]["story_id"], p["data"]["content"]["title"])
        for p in receiver.payloads()
    ]
    assert got == [
        ("story.published", "s1", "一"),
        ("story.published", "s2", "二"),
        ("story.updated", "s1", "一更"),
        ("story.published", "s3", "三"),
        ("story.updated", "s2", "二更"),
        ("story.withdrawn", "s3", "三"),
        ("story.published", "s4", "四"),
    ]
    seqs = [p["data"]["seq"] for p in receiver.payloads()]
    assert seqs == sorted(seqs)
    assert len(receiver.arrivals) == len(receiver.received) == 7  # once each by id
    assert receiver.rejected == 0
    deliveries = await partner.endpoints.deliveries(endpoint_id)
    assert all(d.state == DeliveryState.DELIVERED for d in deliveries)
    assert [len(d.attempts) for d in sorted(deliveries, key=lambda d: d.seq)] == [
        5,
        1,
        1,
        1,
        1,
        1,
        1,
    ]
    stored = await partner.endpoints.get(endpoint_id)
    assert stored.attempt == 0 and stored.cursor == seqs[-1]


async def test_410_disables_and_enabling_resumes_with_the_same_item(partner: Partner) -> None:
    receiver = WebhookReceiver("", script=[(410, None)])
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        endpoint_id = str(ep.id)
        await log.put(partner.tenant, "app", "g1", content("一"))
        await log.put(partner.tenant, "app", "g2", content("二"))
        await partner.fast_forward(endpoint_id)
        await partner.run()
        stored = await partner.endpoints.get(endpoint_id)
        assert not stored.enabled and stored.disabled_reason == "gone"
        assert await partner.fast_forward(endpoint_id) is None  # no run is waiting
        assert receiver.attempts == 1
        await partner.endpoints.enable(endpoint_id)
        await partner.run()
    assert [p["data"]["story_id"] for p in receiver.payloads()] == ["g1", "g2"]
    first = next(d for d in await partner.endpoints.deliveries(endpoint_id) if d.story_id == "g1")
    assert [a.verdict for a in first.attempts] == ["gone", "delivered"]


async def test_an_exhausted_schedule_disables_without_losing_the_item(partner: Partner) -> None:
    from hub.embedded.store import free_port

    ep, _ = await partner.endpoints.create(
        str(partner.subscription.id), f"http://127.0.0.1:{free_port()}/hook"
    )
    endpoint_id = str(ep.id)
    await log.put(partner.tenant, "app", "x1", content("一"))
    for _ in range(8):
        assert await partner.fast_forward(endpoint_id) is not None
        await partner.run()
    stored = await partner.endpoints.get(endpoint_id)
    assert not stored.enabled and stored.disabled_reason == "failing" and stored.attempt == 8
    delivery = (await partner.endpoints.deliveries(endpoint_id))[0]
    assert delivery.state == DeliveryState.FAILED and len(delivery.attempts) == 8
    assert stored.cursor < delivery.seq  # enabling again starts with this item


async def test_send_time_guard_refuses_a_private_target(partner: Partner) -> None:
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        await log.put(partner.tenant, "app", "b1", content("一"))
        await partner.fast_forward(str(ep.id))
        # the address became forbidden after the endpoint was saved (e.g. DNS now points inside)
        partner.settings.outbound_allow_loopback = False
        await partner.run()
    assert receiver.attempts == 0
    stored = await partner.endpoints.get(str(ep.id))
    assert (
        not stored.enabled
        and stored.disabled_reason == "blocked"
        and "refused" in (stored.disabled_note or "")
    )
    delivery = (await partner.endpoints.deliveries(str(ep.id)))[0]
    assert delivery.attempts[0].verdict == "blocked" and delivery.state == DeliveryState.FAILED


async def test_real_deliveries_through_the_sdk_verifier(partner: Partner) -> None:
    """Real deliveries verify (v1 with the independent library, v1a with the SDK); tampered
    body, wrong key, replayed id and stale timestamp are each refused by the SDK."""
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        await log.put(partner.tenant, "app", "v1", content("一"))
        await partner.fast_forward(str(ep.id))
        await partner.run()
    arrival = receiver.arrivals[0]
    jwks = await public_jwks(partner)
    assert Webhook(receiver.secret).verify(arrival.body, arrival.headers)
    verifier = WebhookVerifier(public_keys=jwks)
    assert verifier.verify(arrival.headers, arrival.body).scheme == "v1a"
    with pytest.raises(ReplayedMessage):
        verifier.verify(arrival.headers, arrival.body)
    with pytest.raises(InvalidSignature):
        WebhookVerifier(public_keys=jwks).verify(
            arrival.headers, arrival.body.replace("一".encode(), "二".encode())
        )
    stranger = (
        Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    with pytest.raises(InvalidSignature):
        WebhookVerifier(public_keys=["whpk_" + base64.b64encode(stranger).decode()]).verify(
            arrival.headers, arrival.body
        )
    with pytest.raises(InvalidSignature):
        WebhookVerifier(secrets=["whsec_" + base64.b64encode(b"w" * 32).decode()]).verify(
            arrival.headers, arrival.body
        )
    with pytest.raises(StaleTimestamp):
        WebhookVerifier(public_keys=jwks, clock=lambda: time.time() + 301).verify(
            arrival.headers, arrival.body
        )


async def test_an_edit_during_a_run_does_not_break_the_chain(partner: Partner) -> None:
    """An administrator rotating the secret while the dispatcher delivers: the run picks up
    the stored endpoint again and goes on; later items still arrive."""
    receiver = WebhookReceiver("")
    rotated: list[str] = []

    async def rotate_once() -> None:
        if not rotated:
            _, secret = await partner.endpoints.rotate_secret(endpoint_id, keep_old_seconds=600)
            rotated.append(secret)

    receiver.on_request = rotate_once
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        endpoint_id = str(ep.id)
        for n in range(3):
            await log.put(partner.tenant, "app", f"e{n}", content(str(n)))
        await partner.fast_forward(endpoint_id)
        await partner.run()
        assert [p["data"]["story_id"] for p in receiver.payloads()] == ["e0", "e1", "e2"]
        await log.put(partner.tenant, "app", "e3", content("3"))
        assert await partner.fast_forward(endpoint_id) is not None  # the chain is alive
        receiver.secret = rotated[0]
        await partner.run()
    assert [p["data"]["story_id"] for p in receiver.payloads()] == ["e0", "e1", "e2", "e3"]
    assert receiver.rejected == 0


async def test_story_events_wake_a_caught_up_endpoint_and_a_disabled_subscription_stops_it(
    partner: Partner,
) -> None:
    from hub.feeds.webhooks.dispatch import wake
    from hub.feeds.webhooks.documents import DisabledReason

    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        ep, receiver.secret = await partner.endpoints.create(
            str(partner.subscription.id), base + "/hook"
        )
        endpoint_id = str(ep.id)
        await partner.run()  # nothing yet: the endpoint polls again in webhook_poll_seconds
        ahead = await partner.fast_forward(endpoint_id)
        assert ahead is not None and ahead > 0
        await partner.run()  # caught up again; the next poll is in the future
        await log.put(partner.tenant, "app", "w1", content("一"))
        assert await wake() >= 1  # what a story event does (webhooks.wake consumer)
        await partner.run()
        assert [p["data"]["story_id"] for p in receiver.payloads()] == ["w1"]
        await partner.subscription.set({"disabled_at": 1})
        assert await wake() >= 1
        await partner.run()
    stored = await partner.endpoints.get(endpoint_id)
    assert not stored.enabled and stored.disabled_reason == DisabledReason.SUBSCRIPTION


async def test_an_endpoint_whose_run_was_lost_is_healed_by_the_next_wake(partner: Partner) -> None:
    """A crash between saving an endpoint and scheduling its first run must not leave it
    silent: the next wake (any story event) gives it a run again."""
    receiver = WebhookReceiver("", public_keys=await public_jwks(partner))
    async with serve_on(receiver.app()) as base:
        ep, secret = await partner.endpoints.create(str(partner.subscription.id), base + "/hook")
        receiver.secret = secret
        await JobDoc.get_pymongo_collection().delete_many(
            {"consumer": dispatch.CONSUMER, "payload.endpoint_id": str(ep.id)}
        )
        await log.put(partner.tenant, "app", "s1", content("丢失的调度"))
        await partner.run()
        assert receiver.payloads() == []  # nothing runs for it
        assert await dispatch.heal() >= 1
        await partner.fast_forward(str(ep.id))
        await partner.run()
    assert [p["data"]["content"]["title"] for p in receiver.payloads()] == ["丢失的调度"]


async def test_wakes_made_before_a_wake_began_are_covered_by_it_and_later_ones_wake_again(
    partner: Partner, command_counter: CommandCounter
) -> None:
    """A burst of story events makes a wake each (relay sweep): one wake that began after
    they were made did their work (it ran every idle poll as it was after them); a wake
    made after it began runs again."""
    dispatcher = dispatch.Dispatcher(partner.settings)
    made = [
        JobDoc(
            id=f"wake-{n}-{partner.tenant}",
            tenant=partner.tenant,
            consumer=dispatch.WAKE_CONSUMER,
            kind="story.status",
            key=f"w{n}",
            created_at=now_ms() - 1_000,  # made before the first wake began
        )
        for n in range(3)
    ]
    command_counter.clear()
    assert "covered" not in await dispatcher.handle_wake(made[0])
    ran = len(command_counter.commands)
    assert ran >= 2  # heal's reads and the wake's write
    for job in made[1:]:
        assert await dispatcher.handle_wake(job) == {"woken": 0, "covered": True}
    assert len(command_counter.commands) == ran  # the covered ones asked the store nothing
    later = JobDoc(
        id=f"wake-later-{partner.tenant}",
        tenant=partner.tenant,
        consumer=dispatch.WAKE_CONSUMER,
        kind="story.status",
        key="later",
        created_at=now_ms() + 1,  # made after the wake began
    )
    assert "covered" not in await dispatcher.handle_wake(later)
    assert len(command_counter.commands) > ran
