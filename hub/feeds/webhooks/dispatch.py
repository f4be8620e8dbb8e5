"""The durable webhook dispatcher: each enabled endpoint gets its subscription's items from
the partner log, in log order, each once by id, retried on the Standard Webhooks schedule.

One job chain per endpoint on the jobs queue (`webhooks.dispatch`, key
`{endpoint}:{tick}`): a run delivers items after the endpoint's cursor one by one (the
item after a failed one waits: no reordering, so order per story holds), then schedules
the next run — soon when more items wait, at the retry time after a failure (stored as
the job's `ready_at`, so it survives restarts), after `webhook_poll_seconds` when caught
up. Outbox story events wake idle endpoints at once (`webhooks.wake`).

Moving an endpoint on (a new tick) is: create the next job, then compare-and-set the
endpoint to that tick. A run that finds the endpoint on another tick is stale and stops,
so at most one chain runs per endpoint whatever crashes in between.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import structlog
from pymongo.errors import DuplicateKeyError

from hub.audit.deferred import record as audit
from hub.domain.retry import RetryPolicy
from hub.feeds.log import FeedItemDoc, items_after
from hub.feeds.subscriptions import get_subscription
from hub.feeds.webhooks import events
from hub.feeds.webhooks.documents import (
    DeliveryAttempt,
    DeliveryState,
    DisabledReason,
    EndpointState,
    WebhookDeliveryDoc,
    WebhookEndpointDoc,
)
from hub.feeds.webhooks.schedule import Outcome, RetrySchedule, Verdict, classify, next_wait
from hub.identity.documents import ClientDoc
from hub.identity.keys import decrypt_text
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer, PermanentFailure, RetryLater
from hub.jobs.documents import JobDoc, JobState
from hub.settings import Settings
from hub.signing import SM2, sign_webhook, signed_content, signing_keys
from hub.store.tenanted import Tenanted, across_tenants
from hub.transports.outbound import OutboundPolicy, guarded_client
from hub.transports.webhook import (
    Attempt,
    encode_payload,
    send_signed,
    webhook_headers,
)

log = structlog.get_logger(__name__)

CONSUMER = "webhooks.dispatch"
REPLAY_CONSUMER = "webhooks.replay"
WAKE_CONSUMER = "webhooks.wake"
SYSTEM_ACTOR = "system:webhooks"
BATCH = 25  # items delivered by one run before it hands over to the next
RUN_BUDGET_S = 30.0


def _jobs(tenant: str) -> Tenanted:
    return Tenanted(JobDoc, tenant)


def _endpoints(tenant: str) -> Tenanted:
    return Tenanted(WebhookEndpointDoc, tenant)


async def schedule_run(
    tenant: str, endpoint_id: str, tick: int, ready_at: int, *, poll: bool = False
) -> None:
    """Make sure the job of `tick` exists and is open (re-opened if a stale run closed it)."""
    key = f"{endpoint_id}:{tick}"
    payload = {"endpoint_id": endpoint_id, "tick": tick, "poll": poll}
    if not await queue.enqueue(
        tenant, CONSUMER, "webhooks.dispatch", key, payload, ready_at=ready_at
    ):
        await _jobs(tenant).update_one(
            {"_id": JobDoc.make_id(CONSUMER, key), "open": False},
            {
                "$set": {
                    "state": JobState.PENDING.value,
                    "open": True,
                    "ready_at": ready_at,
                    "attempts": 0,
                    "finished_at": None,
                    "payload": payload,
                    "updated_at": now_ms(),
                }
            },
        )
    # keep the queue small: closed runs of this endpoint older than the previous one go
    await _jobs(tenant).delete_many(
        {
            "consumer": CONSUMER,
            "payload.endpoint_id": endpoint_id,
            "open": False,
            "payload.tick": {"$lt": tick - 1},
        }
    )


async def save(ep: WebhookEndpointDoc, **changes: Any) -> WebhookEndpointDoc | None:
    """Compare-and-set `changes` on the endpoint (same version and tick). None: it changed."""
    now = now_ms()
    fields = {**changes, "version": ep.version + 1, "updated_at": now}
    stored = {k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()}
    res = await _endpoints(ep.tenant).update_one(
        {"_id": ep.id, "version": ep.version, "tick": ep.tick},
        {"$set": stored},
    )
    if res.matched_count == 0:
        return None
    return ep.model_copy(update=fields)


async def move(
    ep: WebhookEndpointDoc, *, ready_at: int | None, poll: bool = False, **changes: Any
) -> WebhookEndpointDoc | None:
    """Move the endpoint to its next tick with `changes`; its next run at `ready_at` (None:
    no run, e.g. disabled). The job is created first, so a crash cannot lose the chain."""
    tick = ep.tick + 1
    if ready_at is not None:
        await schedule_run(ep.tenant, str(ep.id), tick, ready_at, poll=poll)
    saved = await save(ep, tick=tick, **changes)
    if saved is not None:
        return saved.model_copy(update={"tick": tick})
    return None


async def _reload(ep: WebhookEndpointDoc) -> WebhookEndpointDoc | None:
    """The stored endpoint if the chain is still ours (same tick), else None (stale)."""
    fresh = await WebhookEndpointDoc.find_one({"_id": ep.id, "tenant": ep.tenant})
    return fresh if fresh is not None and fresh.tick == ep.tick and fresh.enabled else None


async def save_ours(ep: WebhookEndpointDoc, **changes: Any) -> WebhookEndpointDoc | None:
    """`save` for the running chain: an administrator's change of other fields (URL,
    description, a rotated secret) only bumps the version, so reload and write again."""
    for _ in range(10):
        saved = await save(ep, **changes)
        if saved is not None:
            return saved
        fresh = await _reload(ep)
        if fresh is None:
            return None
        ep = fresh
    return None


async def move_ours(
    ep: WebhookEndpointDoc, *, ready_at: int | None, poll: bool = False, **changes: Any
) -> WebhookEndpointDoc | None:
    """`move` for the running chain, retried over concurrent edits like `save_ours`."""
    for _ in range(10):
        moved = await move(ep, ready_at=ready_at, poll=poll, **changes)
        if moved is not None:
            return moved
        fresh = await _reload(ep)
        if fresh is None:
            return None
        ep = fresh
    return None


def disabled_fields(reason: DisabledReason, note: str | None) -> dict[str, Any]:
    return {
        "state": EndpointState.DISABLED,
        "disabled_reason": reason,
        "disabled_note": note,
        "disabled_at": now_ms(),
        "next_attempt_at": None,
    }


async def previous_entry(entry: FeedItemDoc) -> FeedItemDoc | None:
    return await FeedItemDoc.find_one(
        {
            "tenant": entry.tenant,
            "feed": entry.feed,
            "item_id": entry.item_id,
            "seq": {"$lt": entry.seq},
        },
        sort=[("seq", -1)],
    )


class Dispatcher:
    """Runs the webhook jobs with the hub's settings (outbound policy, schedule, keys)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # when the last wake that completed in this process began (see `handle_wake`)
        self._woke_at = 0

    @property
    def schedule(self) -> RetrySchedule:
        return RetrySchedule.of(
            self.settings.webhook_retry_schedule_s, self.settings.webhook_retry_jitter
        )

    @property
    def policy(self) -> OutboundPolicy:
        return OutboundPolicy.from_settings(self.settings)

    def consumers(self) -> list[Consumer]:
        return [
            Consumer(
                CONSUMER,
                (),
                self.handle,
                RetryPolicy(max_attempts=1_000, base_seconds=1, cap_seconds=60),
                lease_seconds=max(120.0, self.settings.webhook_timeout_s * 4),
            ),
            Consumer(
                REPLAY_CONSUMER,
                (),
                self.handle_replay,
                RetryPolicy(max_attempts=5, base_seconds=5, cap_seconds=600),
            ),
            Consumer(
                WAKE_CONSUMER,
                ("story.",),
                self.handle_wake,
                RetryPolicy(max_attempts=3, base_seconds=1),
            ),
        ]

    # -- signing and one attempt -----------------------------------------------------------

    async def headers_for(
        self, ep: WebhookEndpointDoc, message_id: str, body: bytes, kind: str
    ) -> dict[str, str]:
        now = now_ms()
        secrets = [
            decrypt_text(self.settings, s.secret_enc)
            for s in ep.secrets
            if s.expires_at is None or s.expires_at > now
        ]
        timestamp = int(time.time())
        keys = await signing_keys(self.settings)
        extra = []
        if ep.sm2:  # one `sm2` entry per SM2 key that signs now (two during a rotation)
            content = signed_content(message_id, timestamp, body)
            for key in await signing_keys(self.settings, SM2):
                extra.append("sm2," + base64.b64encode(key.sign(content)).decode())
        signature = sign_webhook(
            secrets, message_id, timestamp, body, ed25519_keys=keys, extra=extra
        )
        return webhook_headers(message_id, timestamp, signature, kind)

    async def attempt(
        self, client: Any, ep: WebhookEndpointDoc, entry: FeedItemDoc, *, replay: bool = False
    ) -> tuple[Outcome, Attempt, WebhookDeliveryDoc]:
        kind = events.event_type(entry, await previous_entry(entry))
        message_id = WebhookDeliveryDoc.make_id(str(ep.id), entry.seq)
        body = encode_payload(events.payload(entry, kind))
        headers = await self.headers_for(ep, message_id, body, kind)
        result = await send_signed(client, ep.url, body, headers)
        outcome = classify(result.status, result.retry_after)
        delivery = await self.record(ep, entry, message_id, kind, result, outcome, replay=replay)
        log.info(
            "webhooks.attempt",
            endpoint=ep.id,
            seq=entry.seq,
            status=result.status,
            verdict=outcome.verdict.value,
        )
        return outcome, result, delivery

    async def record(
        self,
        ep: WebhookEndpointDoc,
        entry: FeedItemDoc,
        message_id: str,
        kind: str,
        result: Attempt,
        outcome: Outcome,
        *,
        replay: bool,
    ) -> WebhookDeliveryDoc:
        delivery = await WebhookDeliveryDoc.find_one({"_id": message_id, "tenant": ep.tenant})
        if delivery is None:
            delivery = WebhookDeliveryDoc(
                id=message_id,
                tenant=ep.tenant,
                endpoint_id=str(ep.id),
                seq=entry.seq,
                event_type=kind,
                story_id=entry.story_id,
                item_key=entry.key,
            )
            try:
                await delivery.insert()
            except DuplicateKeyError:
                found = await WebhookDeliveryDoc.find_one({"_id": message_id, "tenant": ep.tenant})
                assert found is not None
                delivery = found
        now = now_ms()
        verdict = "blocked" if result.blocked else outcome.verdict.value
        delivery.attempts.append(
            DeliveryAttempt(
                n=len(delivery.attempts) + 1,
                at=now,
                status_code=result.status,
                duration_ms=result.duration_ms,
                error=result.error,
                verdict=verdict,
                retry_after_s=outcome.retry_after_s,
                replay=replay,
            )
        )
        if outcome.verdict is Verdict.DELIVERED:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = delivery.delivered_at or now
            delivery.next_attempt_at = None
        delivery.updated_at = now
        await delivery.save()
        return delivery

    # -- the ordered chain -------------------------------------------------------------------

    async def handle(self, job: JobDoc) -> dict[str, object]:
        ep = await WebhookEndpointDoc.find_one(
            {"_id": job.payload["endpoint_id"], "tenant": job.tenant}
        )
        if ep is None or ep.tick != int(job.payload["tick"]) or not ep.enabled:
            return {"stale": True}
        subscription = await get_subscription(ep.tenant, ep.subscription_id)
        if subscription is None or subscription.disabled:
            await move_ours(
                ep,
                ready_at=None,
                **disabled_fields(DisabledReason.SUBSCRIPTION, "订阅已停用或删除"),
            )
            return {"disabled": "subscription"}
        partner = await ClientDoc.find_one({"_id": subscription.client_id, "tenant": ep.tenant})
        if (
            partner is not None and partner.disabled
        ):  # disableClient pauses it too; this closes the races
            await move_ours(
                ep, ready_at=None, **disabled_fields(DisabledReason.CLIENT, partner.disabled_reason)
            )
            return {"disabled": "client"}
        selection = subscription.selection.to_selection()
        started = time.monotonic()
        sent = 0
        async with guarded_client(self.policy, timeout_s=self.settings.webhook_timeout_s) as client:
            while True:
                entries = await items_after(ep.cursor, tenants=selection.tenants, limit=BATCH)
                cursor, head = ep.cursor, None
                for entry in entries:
                    if selection.selects(entry):
                        head = entry
                        break
                    cursor = entry.seq
                now = now_ms()
                if head is None:
                    more = len(entries) >= BATCH
                    ready = now if more else now + int(self.settings.webhook_poll_seconds * 1000)
                    await move_ours(
                        ep,
                        ready_at=ready,
                        poll=not more,
                        cursor=cursor,
                        attempt=0,
                        next_attempt_at=None,
                    )
                    return {"sent": sent, "cursor": cursor}
                outcome, result, delivery = await self.attempt(client, ep, head)
                common = {"last_status": result.status, "last_error": result.error}
                if outcome.verdict is Verdict.DELIVERED:
                    sent += 1
                    saved = await save_ours(
                        ep, cursor=head.seq, attempt=0, next_attempt_at=None, **common
                    )
                    if saved is None:
                        return {"sent": sent, "stale": True}
                    ep = saved
                    if sent >= BATCH or time.monotonic() - started > RUN_BUDGET_S:
                        await move_ours(ep, ready_at=now_ms())
                        return {"sent": sent, "cursor": ep.cursor}
                    continue
                return await self._failed(ep, head, cursor, outcome, result, delivery, sent, common)

    async def _failed(
        self,
        ep: WebhookEndpointDoc,
        head: FeedItemDoc,
        cursor: int,
        outcome: Outcome,
        result: Attempt,
        delivery: WebhookDeliveryDoc,
        sent: int,
        common: dict[str, Any],
    ) -> dict[str, object]:
        failures = ep.attempt + 1
        reason: DisabledReason | None = None
        wait: float | None = None
        if result.blocked:
            reason = DisabledReason.BLOCKED
        elif outcome.verdict is Verdict.GONE:
            reason = DisabledReason.GONE
        else:
            wait = next_wait(self.schedule, failures, outcome)
            if wait is None:
                reason = DisabledReason.FAILING
        if reason is not None:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            await delivery.save()
            note = result.error or (f"HTTP {result.status}" if result.status else None)
            await move_ours(
                ep,
                ready_at=None,
                cursor=cursor,
                attempt=failures,
                **common,
                **disabled_fields(reason, note),
            )
            log.warning("webhooks.disabled", endpoint=ep.id, reason=reason.value, seq=head.seq)
            await audit(
                ep.tenant,
                SYSTEM_ACTOR,
                "webhook.disabled",
                "webhook_endpoint",
                str(ep.id),
                {
                    "reason": reason.value,
                    "seq": head.seq,
                    "status": result.status,
                    "error": result.error,
                },
            )
            return {"sent": sent, "disabled": reason.value}
        assert wait is not None
        due = now_ms() + int(wait * 1000)
        delivery.next_attempt_at = due
        await delivery.save()
        await move_ours(
            ep, ready_at=due, cursor=cursor, attempt=failures, next_attempt_at=due, **common
        )
        return {"sent": sent, "retry_at": due, "failures": failures}

    # -- replay of one delivery, and waking idle endpoints --------------------------------

    async def handle_replay(self, job: JobDoc) -> dict[str, object]:
        delivery = await WebhookDeliveryDoc.find_one(
            {"_id": job.payload["delivery_id"], "tenant": job.tenant}
        )
        if delivery is None:
            raise PermanentFailure("delivery not found")
        ep = await WebhookEndpointDoc.find_one({"_id": delivery.endpoint_id, "tenant": job.tenant})
        entry = await FeedItemDoc.find_one({"_id": FeedItemDoc.make_id(delivery.seq)})
        if ep is None or entry is None:
            raise PermanentFailure("endpoint or item gone")
        async with guarded_client(self.policy, timeout_s=self.settings.webhook_timeout_s) as client:
            outcome, result, _ = await self.attempt(client, ep, entry, replay=True)
        if outcome.verdict is Verdict.DELIVERED:
            return {"status": result.status}
        if result.blocked or outcome.verdict is Verdict.GONE:
            raise PermanentFailure(result.error or f"HTTP {result.status}")
        raise RetryLater(result.error or f"HTTP {result.status}", outcome.retry_after_s)

    async def handle_wake(self, job: JobDoc) -> dict[str, object]:
        """Wake the idle endpoints for a story event, unless a wake that began after this
        job was made has done it already: that one ran every idle poll and healed every
        endpoint as they were after the event. A relay sweep makes a wake per story event,
        a burst of approvals dozens of them at once (three round trips each); one does."""
        if job.created_at < self._woke_at:
            return {"woken": 0, "covered": True}
        began = now_ms()
        woken = await wake()
        self._woke_at = max(self._woke_at, began)
        return {"woken": woken}


async def heal() -> int:
    """Give a run to every enabled endpoint that has none open.

    An endpoint's runs form a chain (each schedules the next); a crash between saving a
    new endpoint and scheduling its first run would leave it without one, silently.
    Every wake checks for that, so the chain is back within one story event."""
    open_ids = {
        str(j["payload"]["endpoint_id"])
        async for j in across_tenants(
            JobDoc, reason="healing looks at every tenant's endpoints"
        ).find({"consumer": CONSUMER, "open": True}, {"payload": 1})
    }
    healed = 0
    endpoints = across_tenants(
        WebhookEndpointDoc, reason="healing looks at every tenant's endpoints"
    )
    async for ep in endpoints.find(
        {"state": EndpointState.ENABLED.value}, {"tenant": 1, "tick": 1}
    ):
        if str(ep["_id"]) not in open_ids:
            await schedule_run(
                ep["tenant"], str(ep["_id"]), int(ep.get("tick") or 0), now_ms(), poll=True
            )
            healed += 1
    return healed


async def wake() -> int:
    """Run idle (caught-up) endpoints' next poll now: new items go out without waiting."""
    await heal()
    res = await across_tenants(JobDoc, reason="a wake runs every tenant's idle polls").update_many(
        {
            "consumer": CONSUMER,
            "open": True,
            "state": JobState.PENDING.value,
            "payload.poll": True,
            "ready_at": {"$gt": now_ms()},
        },
        {"$set": {"ready_at": now_ms()}},
    )
    return int(res.modified_count)
