"""The distribution engine: from one approved revision, a publication per channel,
rendered, validated, delivered, followed and, when asked, corrected or taken down.

It runs as three job consumers (hub/jobs): `distribution.plan` reacts to story events
(签发 → publish or correct on each planned channel; takedown → retract everywhere the
story went), `distribution.deliver` moves one publication through its states, and
`distribution.poll` follows the platform's review until a final status. Each step is
idempotent: a crashed worker's job is re-run and continues where the stored state
says, and deliveries carry the publication's idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import asdict
from typing import Any, cast

import structlog
from pymongo.errors import PyMongoError
from ronghub_sdk import (
    Asset,
    Capability,
    DeliveryResult,
    PermanentDeliveryError,
    PlatformStatus,
    StatusState,
    TransientDeliveryError,
    TransportKind,
)

from hub.channels.errors import ChannelCodes
from hub.channels.manager import ChannelManager
from hub.distribution import publications as pubs
from hub.distribution.channel_config import deep_merge
from hub.distribution.checkpoints import StoredCheckpoints
from hub.distribution.documents import PublicationDoc
from hub.distribution.render_input import (
    REACHED,
    approval_of,
    render,
    render_input,
    standing,
)
from hub.distribution.render_input import variant_data as _variant_data
from hub.distribution.render_input import variant_from as _variant_from
from hub.distribution.states import Action, PubState, can_move
from hub.distribution.transports import TransportProvider
from hub.domain import payloads, release
from hub.domain.plaintext import readable
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.errors import ErrorKind, HubError
from hub.group_commit import failure_seen
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer, Deferred, PermanentFailure, RetryLater
from hub.jobs.documents import JobDoc
from hub.reach.collect import StoryFacts, record_point, take_rate_slot
from hub.reach.measures import values_of
from hub.reach.schedule import COLLECTION_SCHEDULE_S
from hub.store.catalog import AssetRepository
from hub.store.coalesce import coalescer, find_by_id, find_by_ids
from hub.store.cursor import eq
from hub.store.documents import RevisionDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import EVENT_TAKEDOWN
from hub.store.tenanted import Tenanted

log = structlog.get_logger(__name__)

ACTOR = "distribution"

_STATUS_TO_STATE = {
    StatusState.ACCEPTED: PubState.ACCEPTED,
    StatusState.UNDER_REVIEW: PubState.SUBMITTED,
    StatusState.LIVE: PubState.LIVE,
    StatusState.REJECTED: PubState.REJECTED,
    StatusState.REMOVED: PubState.RETRACTED,
}
_REACHED = REACHED

REPORTS_UNSUPPORTED = ErrorKind(
    "CHANNEL_NO_STATUS_REPORTS",
    "「{channel}」渠道不接收平台回报。",
    "The {channel} channel takes no status reports.",
)
REPORT_NOT_FOR_THIS = ErrorKind(
    "STATUS_REPORT_MISMATCH",
    "这份平台回报说的不是发布记录 {id} 的稿件。",
    "The report is not about publication {id}.",
)
REPORT_INVALID = ErrorKind(
    "STATUS_REPORT_INVALID",
    "平台回报无法处理:{reason_zh}。发布记录没有改动,请核对回报内容后重新提交。",
    "The status report cannot be applied: {reason_en}. Nothing was changed.",
)
REPORT_NOT_APPLICABLE = ErrorKind(
    "STATUS_REPORT_NOT_APPLICABLE",
    "发布记录当前为「{current}」,不能按回报改为「{reported}」。",
    "The publication is {current}; the report ({reported}) cannot be applied.",
    409,
)


def _status_data(status: PlatformStatus) -> dict[str, Any]:
    data = payloads.storable(asdict(status))  # a platform's own large integers are kept as text
    data["state"] = status.state.value
    return dict(data)


def _delivery_from(pub: PublicationDoc) -> DeliveryResult:
    d = pub.delivery
    # the platform's latest word (a poll or a report since the delivery), e.g. the article_id
    # WeChat gives only once published, which its takedown needs
    st = pub.platform_status or d.get("status") or {}
    status = PlatformStatus(
        state=StatusState(st.get("state", StatusState.ACCEPTED.value)),
        reason_zh=st.get("reason_zh"),
        reason_en=st.get("reason_en"),
        platform_code=st.get("platform_code"),
        final=bool(st.get("final", False)),
        details=dict(st.get("details") or {}),
    )
    return DeliveryResult(
        external_id=d.get("external_id", ""),
        status=status,
        url=d.get("url"),
        details=dict(d.get("details") or {}),
    )


def _delivery_data(result: DeliveryResult) -> dict[str, Any]:
    return {
        "external_id": result.external_id,
        "url": result.url,
        "details": payloads.storable(dict(result.details)),
        "status": _status_data(result.status),
    }


#: When to fetch a delivered item's counts (hub/reach/schedule.py: often while fresh, rarely after).
METRICS_AFTER_S: tuple[float, ...] = COLLECTION_SCHEDULE_S
#: Fetching counts never gives up on a platform that is down (a lost fetch would be a
#: lost period): it backs off to one try an hour and goes on until the platform answers.
METRICS_POLICY = RetryPolicy(max_attempts=100_000, base_seconds=30.0, cap_seconds=3_600.0)


#: Publications one worker delivers (and polls) at once. Each waits mostly on its platform,
#: one after the other a burst of 40 stories × 7 channels went at ~15 publications/s and a
#: lone story's seven channels took seven platform calls in a row; each is its own leased
#: job (as with several workers), so they need no more coordination side by side.
DELIVERY_CONCURRENCY = 8
#: revisions kept in memory for rendering (a story's channels render the same one)
REVISIONS_KEPT = 64
#: publications read ahead for claimed deliveries, at most (see `Distribution.read_ahead`)
READ_AHEAD_KEPT = 1_024

#: the channel configurations one delivery job has read, (tenant, channel) -> config:
#: rendering and sending both need it, and each read is a store round trip and a decryption
_job_configs: ContextVar[dict[tuple[str, str], dict[str, Any]] | None] = ContextVar(
    "distribution_job_configs", default=None
)


class Distribution:
    """Builds the consumers; holds the channels, transports and their configuration."""

    def __init__(
        self,
        channels: ChannelManager,
        transports: TransportProvider,
        channel_config: Mapping[str, Mapping[str, Any]] | None = None,
        default_channels: tuple[str, ...] = ("app",),
        policy: RetryPolicy | None = None,
        poll_interval_s: float = 5.0,
        max_polls: int = 200,
        prefix: str = "distribution",
        lease_seconds: float = 120.0,
        media_urls: Any = None,  # async (blob_key, mime) -> URL, from the media service
        tenant_config: Any = None,  # async (tenant, channel) -> the center's own settings
        metrics_after_s: tuple[float, ...] = METRICS_AFTER_S,
        metrics_policy: RetryPolicy | None = None,
        clock: Callable[[], int] = now_ms,  # ms; tests pass their own to move time without waiting
        concurrency: int = DELIVERY_CONCURRENCY,
    ) -> None:
        self.channels = channels
        self.transports = transports
        self.channel_config = {k: dict(v) for k, v in (channel_config or {}).items()}
        self.default_channels = default_channels
        self.policy = policy or RetryPolicy(max_attempts=10, base_seconds=2.0, cap_seconds=1_800.0)
        self.poll_interval_s = poll_interval_s
        self.max_polls = max_polls
        self.lease_seconds = lease_seconds
        self.media_urls = media_urls
        self.tenant_config = tenant_config
        self.metrics_after_s = metrics_after_s
        self.metrics_policy = metrics_policy or METRICS_POLICY
        self.clock = clock
        self.concurrency = concurrency
        self.plan_name, self.deliver_name, self.poll_name = (
            f"{prefix}.plan",
            f"{prefix}.deliver",
            f"{prefix}.poll",
        )
        self.metrics_name = f"{prefix}.metrics"
        self._revisions: OrderedDict[tuple[str, str], RevisionDoc] = OrderedDict()
        self._reading: dict[tuple[str, str], asyncio.Future[RevisionDoc | None]] = {}
        # delivery job id -> the read of its publication started when it was claimed
        self._ahead: OrderedDict[str, asyncio.Future[dict[str, Any]]] = OrderedDict()

    def consumers(self) -> list[Consumer]:
        return [
            # plans side by side too: a burst's approvals were planned one after the other
            # (a few round trips each) while their deliveries waited; plans of one story
            # at once were possible already with two workers (each takes its own job)
            Consumer(
                self.plan_name,
                ("story.status", EVENT_TAKEDOWN),
                self.handle_plan,
                self.policy,
                needed=_plans_something,
                concurrency=self.concurrency,
            ),
            Consumer(
                self.deliver_name,
                (),
                self.handle_deliver,
                self.policy,
                lease_seconds=self.lease_seconds,
                concurrency=self.concurrency,
                claimed=self.read_ahead,
            ),
            Consumer(
                self.poll_name, (), self.handle_poll, self.policy, concurrency=self.concurrency
            ),
            # counts one at a time: a fetch records growth against the point before it, so two
            # fetches of one publication side by side could file a period twice or not at all
            Consumer(self.metrics_name, (), self.handle_metrics, self.metrics_policy),
        ]

    async def aclose(self) -> None:
        """Release the transports' connections (process shutdown)."""
        await self.transports.aclose()

    async def config_for(self, tenant: str, channel: str) -> dict[str, Any]:
        """Plugin defaults ← deployment settings ← the center's own settings (渠道设置)."""
        memo = _job_configs.get()
        if memo is not None and (tenant, channel) in memo:
            return copy.deepcopy(memo[(tenant, channel)])
        config = await self._config_for(tenant, channel)
        if memo is not None:
            memo[(tenant, channel)] = copy.deepcopy(config)
        return config

    async def _config_for(self, tenant: str, channel: str) -> dict[str, Any]:
        deployment = self.channel_config.get(channel, {})
        center = await self.tenant_config(tenant, channel) if self.tenant_config is not None else {}
        return self.channels.config(
            channel, deep_merge(deployment, center) if center else deployment
        )

    # ---- planning ------------------------------------------------------------------
    async def handle_plan(self, job: JobDoc) -> dict[str, Any]:
        p = job.payload
        if p["event"] == EVENT_TAKEDOWN:
            return await self._plan_takedown(
                job.tenant, p["story_id"], str(p["data"].get("reason") or "")
            )
        if p["data"].get("to") != StoryStatus.APPROVED.value:
            return {"skipped": p["data"].get("to")}
        return await self._plan_approval(job.tenant, p["story_id"], int(p["revision"]), p["data"])

    async def _plan_approval(
        self, tenant: str, story_id: str, revision: int, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        # read through the revisions kept for rendering: the deliveries that follow render it
        rev = await self._revision(tenant, RevisionDoc.make_id(story_id, revision))
        if rev is None:
            raise PermanentFailure(f"approved revision {revision} of {story_id} not found")
        targets = [c for c in (rev.content.channels or self.default_channels)]
        if data.get("urgent"):  # 应急广播 urgent path: only the channels it was confirmed for
            targets = [c for c in targets if c in set(data.get("only_channels") or ())]
        approval = approval_of(data)
        unknown = [c for c in targets if c not in self.channels.names()]
        earlier = await standing(tenant, story_id)
        wanted = []
        for channel in targets:
            if channel in unknown:
                continue
            prior = earlier.get(channel)
            if prior is not None and prior.revision >= revision:
                continue  # this revision (or a newer one) is already out there
            wanted.append(
                pubs.Planned(
                    channel=channel,
                    action=Action.CORRECT if prior is not None else Action.PUBLISH,
                    revision=revision,
                    revision_id=rev.id,
                    overrides=dict(rev.content.channel_overrides.get(channel, {})),
                    replaces=prior.id if prior else None,
                    approval=approval,
                )
            )
        # every channel's publication and delivery job in one write each (one per channel
        # before: fourteen round trips for a story planned for seven channels)
        planned = [p.id for p in await pubs.plan_many(tenant, story_id, wanted)]
        await queue.enqueue_many(
            tenant, self.deliver_name, "publication", [(i, {"publication_id": i}) for i in planned]
        )
        if unknown:
            log.warning("distribution.unknown_channels", story=story_id, channels=unknown)
        return {"planned": planned, "unknown_channels": unknown}

    async def _plan_takedown(self, tenant: str, story_id: str, reason: str) -> dict[str, Any]:
        latest: dict[str, PublicationDoc] = {}
        for prior in await pubs.of_story(tenant, story_id):
            if prior.action != Action.RETRACT and prior.state in _REACHED:
                latest[prior.channel] = prior  # in creation order: the newest wins
        retracts = [
            pubs.Planned(
                channel=prior.channel,
                action=Action.RETRACT,
                revision=prior.revision,
                revision_id=prior.revision_id,
                overrides={"reason": reason},
                replaces=prior.id,
            )
            for prior in latest.values()
        ]
        planned = [p.id for p in await pubs.plan_many(tenant, story_id, retracts)]
        await queue.enqueue_many(
            tenant, self.deliver_name, "publication", [(i, {"publication_id": i}) for i in planned]
        )
        return {"planned": planned}

    # ---- delivery ------------------------------------------------------------------
    async def handle_deliver(self, job: JobDoc) -> dict[str, Any]:
        token = _job_configs.set({})  # render and send read the channel's configuration once
        try:
            return await self._handle_deliver(job)
        finally:
            _job_configs.reset(token)

    def read_ahead(self, jobs: list[JobDoc]) -> None:
        """Start reading the publications of delivery jobs just claimed, one find for all
        (per tenant): a worker claims a slot's worth at once and starts each as a slot
        frees, so their own reads went one by one. A publication read a moment before its
        job runs is safe to go on from: while the job holds its lease only it moves the
        publication (a move is a compare-and-set on `seq`: a stale one reloads), and
        whether it may be sent is read from its story right before the send."""
        by_tenant: dict[str, list[str]] = {}
        for job in jobs:
            by_tenant.setdefault(job.tenant, []).append(str(job.payload["publication_id"]))
        for tenant, ids in by_tenant.items():
            read = asyncio.ensure_future(find_by_ids(PublicationDoc, {"tenant": tenant}, ids))
            read.add_done_callback(failure_seen)
            for job in jobs:
                if job.tenant == tenant:
                    self._ahead[job.id] = read
        while len(self._ahead) > READ_AHEAD_KEPT:  # jobs claimed that never ran (lease lost)
            self._ahead.popitem(last=False)

    async def _publication(self, job: JobDoc) -> PublicationDoc | None:
        """The job's publication: from the read started when it was claimed (`read_ahead`),
        else read now (joined with the reads of other deliveries starting with it)."""
        pub_id = str(job.payload["publication_id"])
        ahead = self._ahead.pop(job.id, None)
        if ahead is not None:
            with contextlib.suppress(Exception):  # that read failed: read it again now
                found = (await asyncio.shield(ahead)).get(pub_id)  # shared with the others
                if found is not None:
                    return cast(PublicationDoc, found.model_copy(deep=True))
        return await pubs.get_shared(job.tenant, pub_id)

    async def _handle_deliver(self, job: JobDoc) -> dict[str, Any]:
        # read with the other deliveries claimed with it, as one find
        pub = await self._publication(job)
        if pub is None:
            raise PermanentFailure(f"publication {job.payload['publication_id']} not found")
        for _ in range(8):  # each pass moves one step; a stale move reloads
            try:
                if (
                    pub.action != Action.RETRACT
                    and pub.state in (PubState.PLANNED, PubState.RENDERING)
                    and self._embargoed(pub)
                ):
                    # an embargoed send is rendered when its embargo ends (its media URLs
                    # are minted then); otherwise the render goes ahead unchecked: the
                    # check comes before any number it draws (`_render`) and right before
                    # the send (`_deliver`). Checking before every render too read the
                    # story three times a send; at every step it was four.
                    refused = await self._refuse_if_not_sendable(pub)
                    if refused is not None:
                        return refused
                if pub.state == PubState.FAILED:  # replayed from dead letter
                    pub = await pubs.move(
                        pub, PubState.PLANNED, actor=ACTOR, note="重新投递 / replay"
                    )
                elif pub.state == PubState.PLANNED and pub.action == Action.RETRACT:
                    pub = await pubs.move(pub, PubState.DELIVERING, actor=ACTOR)
                elif pub.state in (PubState.PLANNED, PubState.RENDERING):
                    pub = await self._render(pub)
                elif pub.state == PubState.VALIDATED:
                    pub = await pubs.move(pub, PubState.DELIVERING, actor=ACTOR)
                elif pub.state == PubState.DELIVERING:
                    pub = await self._deliver(pub, job)
                else:
                    return {"state": pub.state.value}
            except _Refused as refused:
                return refused.result
            except pubs.StaleTransition:
                reloaded = await pubs.get(pub.id)
                assert reloaded is not None
                pub = reloaded
        return {"state": pub.state.value}

    # ---- the send-time check ----------------------------------------------------------
    async def sendable(self, pub: PublicationDoc) -> release.Refusal | None:
        """Why `pub` must not be sent now (its story was taken down, or a later approval
        superseded its revision for this channel), or None. Takedowns always may."""
        if pub.action == Action.RETRACT:
            return None
        return self._refusal(pub, await _release_of(pub))

    def _refusal(
        self, pub: PublicationDoc, record: Mapping[str, Any] | None
    ) -> release.Refusal | None:
        """`sendable` once the story's release record has been read (None: no story)."""
        if record is None:
            return release.Refusal(
                release.ReleaseCodes.NOT_APPROVED,
                {"revision": pub.revision, "channel": pub.channel},
            )
        return release.refusal(record, pub.channel, pub.revision, self.default_channels)

    async def _refuse_if_not_sendable(self, pub: PublicationDoc) -> dict[str, Any] | None:
        """Cancel `pub` with the reason in its ledger when it must not be sent; raise
        Deferred while an embargo (禁发期) holds it back from an outside platform (the job
        runs again when it ends, and then checks the embargo as it is by then). None: go on."""
        own_app = self.channels.info(pub.channel).transport == TransportKind.READ_MODEL
        # the story's record read once for both checks (it was read twice)
        record = None if pub.action == Action.RETRACT and own_app else await _release_of(pub)
        refusal = None if pub.action == Action.RETRACT else self._refusal(pub, record)
        if refusal is None:
            if own_app:
                return None  # the center's own app publishes at once; its partner log holds embargoed items itself
            until = release.hold_until(record, pub.channel, self.default_channels, self.clock())
            if until is not None:
                raise Deferred(f"禁发期至 {until} / embargoed until {until}", until)
            return None
        await pubs.move(
            pub,
            PubState.CANCELLED,
            actor=ACTOR,
            note=refusal.message_zh,
            last_error=refusal.message_zh,
            evidence={"code": refusal.code, "reason_en": refusal.message_en},
        )
        log.info("distribution.send_refused", publication=pub.id, code=refusal.code)
        return {"refused": refusal.code}

    def _embargoed(self, pub: PublicationDoc) -> bool:
        """Whether the publication's copy of its approval holds it back now (the send-time
        check reads the story's own record; `move_embargo` keeps this copy in step)."""
        until = pub.approval.get("embargo_until")
        return until is not None and int(until) > self.clock()

    async def _retract_if_withdrawn_meanwhile(self, pub: PublicationDoc) -> None:
        """A takedown recorded while this send was on its way found nothing to take down
        here yet: take this item down now (the same retract publication the takedown plans)."""
        if pub.state not in _REACHED:
            return
        record = await _release_of(pub)
        if record is None or not release.withdrawn(
            record, release.approval_for(record, pub.channel, self.default_channels)
        ):
            return
        retract = await pubs.plan(
            tenant=pub.tenant,
            story_id=pub.story_id,
            revision=pub.revision,
            revision_id=pub.revision_id,
            channel=pub.channel,
            action=Action.RETRACT,
            replaces=pub.id,
            overrides={"reason": "撤稿 / taken down"},
        )
        await queue.enqueue(
            pub.tenant, self.deliver_name, "publication", retract.id, {"publication_id": retract.id}
        )

    async def _render(self, pub: PublicationDoc) -> PublicationDoc:
        # planned → rendering is recorded with the rendering's outcome, in the same write (a
        # write of its own before was one round trip more per publication; a render cut
        # short is done again from planned as it was from rendering)
        via = PubState.RENDERING if pub.state == PubState.PLANNED else None
        rev = await self._revision(pub.tenant, pub.revision_id)
        if rev is None:
            pub = await pubs.move(
                pub, PubState.FAILED, actor=ACTOR, via=via, last_error="revision missing"
            )
            raise PermanentFailure("revision missing")

        async def before_numbers() -> None:
            # a number (索引号, EBD id) is issued once: never to a send that must not go
            refused = await self._refuse_if_not_sendable(pub)
            if refused is not None:
                raise _Refused(refused)

        inp = await render_input(
            self,
            tenant=pub.tenant,
            story_id=pub.story_id,
            rev=rev,
            channel=pub.channel,
            overrides=pub.overrides,
            approval=pub.approval,
            replaces=pub.replaces,
            take_numbers=True,
            before_numbers=before_numbers,
        )
        try:
            variant, problems = await render(self, inp)
        except (PyMongoError, _Refused, Deferred):
            raise  # the store (a sequence number): transient, retried; or refused, or held
        except (
            Exception
        ) as exc:  # a plugin that cannot render this revision will not on a retry either
            error = HubError(
                ChannelCodes.CHANNEL_PLUGIN_FAILED,
                channel=pub.channel,
                hook="render",
                reason=_describe(exc),
            )
            await pubs.move(
                pub,
                PubState.FAILED,
                actor=ACTOR,
                via=via,
                note=error.message_zh,
                last_error=error.message_zh,
                evidence={"code": error.code, "reason_en": error.message_en},
            )
            raise PermanentFailure(error.message_zh) from exc
        problem_data = [asdict(p) | {"severity": p.severity.value} for p in problems]
        blocking = [p for p in problems if p.blocking]
        if blocking:
            reason = ";".join(p.message_zh for p in blocking)
            await pubs.move(
                pub,
                PubState.FAILED,
                actor=ACTOR,
                via=via,
                note=reason,
                evidence={"problems": problem_data},
                problems=problem_data,
                last_error=reason,
            )
            raise PermanentFailure(reason)
        # validated and on to delivering in one write (the send is checked right before it)
        return await pubs.move(
            pub,
            PubState.VALIDATED,
            actor=ACTOR,
            via=via,
            variant=_variant_data(variant),
            problems=problem_data,
            then=PubState.DELIVERING,
        )

    async def _revision(self, tenant: str, revision_id: str) -> RevisionDoc | None:
        """A revision to render, read once for all of a story's channels: revisions are
        written once and never changed, so the few most recent are kept, and deliveries
        side by side share the one read in flight (each delivery of a fan-out read the
        same revision: a store round trip per channel)."""
        key = (tenant, revision_id)
        rev = self._revisions.get(key)
        if rev is not None:
            self._revisions.move_to_end(key)
            return rev.model_copy(deep=True)  # each render has its own
        reading = self._reading.get(key)
        if reading is None:
            reading = self._reading[key] = asyncio.ensure_future(
                RevisionDoc.find_one({"_id": revision_id, "tenant": eq(tenant)})
            )
            reading.add_done_callback(lambda _: self._reading.pop(key, None))
        rev = await asyncio.shield(reading)
        if rev is None:
            return None
        self._revisions[key] = rev
        while len(self._revisions) > REVISIONS_KEPT:
            self._revisions.popitem(last=False)
        return rev.model_copy(deep=True)

    async def assets_for(self, tenant: str, content: Any) -> list[Asset]:
        """The revision's media as channels fetch it: signed, expiring URLs (none without media)."""
        if self.media_urls is None:
            return []
        ids = [*([content.cover_asset_id] if content.cover_asset_id else []), *content.asset_ids]
        found = await AssetRepository(Scope(tenant, ACTOR, public_only=False)).get_many(
            list(dict.fromkeys(ids))
        )
        out = []
        for asset_id in dict.fromkeys(ids):
            doc = found.get(asset_id)
            if doc is None or getattr(doc, "blob_key", None) is None:
                continue
            out.append(
                Asset(
                    id=doc.id,
                    kind=doc.kind,
                    url=await self.media_urls(doc.blob_key, doc.mime),
                    mime=doc.mime or "application/octet-stream",
                    size=doc.size or 0,
                    alt=readable(doc.alt),
                    width=doc.width,
                    height=doc.height,
                    duration_s=doc.duration_ms / 1000 if doc.duration_ms else None,
                )
            )
        return out

    async def _deliver(self, pub: PublicationDoc, job: JobDoc) -> PublicationDoc:
        info = self.channels.info(pub.channel)
        config = await self.config_for(pub.tenant, pub.channel)
        try:
            transport = self.transports.get(info.transport, pub.channel, config, pub.tenant)
            if pub.action != Action.RETRACT:
                # the one check every send passes, right before the platform is called
                refused = await self._refuse_if_not_sendable(pub)
                if refused is not None:
                    raise _Refused(refused)
            if pub.action == Action.RETRACT:
                prior = await pubs.get(pub.replaces or "")
                if prior is None:
                    raise PermanentDeliveryError(
                        "找不到要撤下的发布记录", "the publication to take down is missing"
                    )
                result = await self.channels.retract(
                    pub.channel,
                    _delivery_from(prior),
                    transport=transport,
                    idempotency_key=pub.idempotency_key,
                    reason=str(pub.overrides.get("reason", "")),
                    config=config,
                )
            elif pub.action == Action.CORRECT and self.channels.implements(pub.channel, "correct"):
                prior = await pubs.get(pub.replaces or "")
                assert prior is not None
                result = await self.channels.correct(
                    pub.channel,
                    _variant_from(pub.variant),
                    _delivery_from(prior),
                    transport=transport,
                    idempotency_key=pub.idempotency_key,
                    config=config,
                    checkpoints=StoredCheckpoints(pub),
                )
            else:
                result = await self.channels.deliver(
                    pub.channel,
                    _variant_from(pub.variant),
                    transport=transport,
                    idempotency_key=pub.idempotency_key,
                    config=config,
                    checkpoints=StoredCheckpoints(pub),
                )
        except TransientDeliveryError as exc:
            if self.policy.exhausted(job.attempts):
                await pubs.move(
                    pub,
                    PubState.FAILED,
                    actor=ACTOR,
                    note=exc.reason_zh,
                    last_error=exc.reason_zh,
                    evidence={"platform_code": exc.platform_code, "reason_en": exc.reason_en},
                )
                raise PermanentFailure(exc.reason_zh) from exc
            raise RetryLater(exc.reason_zh, exc.retry_after_s) from exc
        except PermanentDeliveryError as exc:
            await pubs.move(
                pub,
                PubState.FAILED,
                actor=ACTOR,
                note=exc.reason_zh,
                last_error=exc.reason_zh,
                evidence={"platform_code": exc.platform_code, "reason_en": exc.reason_en},
            )
            raise PermanentFailure(exc.reason_zh) from exc
        except (_Refused, Deferred, PyMongoError, pubs.StaleTransition):
            raise
        except (
            Exception
        ) as exc:  # a plugin's own bug: permanent for this publication, never an endless retry
            error = HubError(
                ChannelCodes.CHANNEL_PLUGIN_FAILED,
                channel=pub.channel,
                hook=pub.action.value,
                reason=_describe(exc),
            )
            await pubs.move(
                pub,
                PubState.FAILED,
                actor=ACTOR,
                note=error.message_zh,
                last_error=error.message_zh,
                evidence={"code": error.code, "reason_en": error.message_en},
            )
            raise PermanentFailure(error.message_zh) from exc
        pub = await self._record_result(pub, result, info)
        if pub.action != Action.RETRACT:
            await self._retract_if_withdrawn_meanwhile(pub)
        return pub

    async def _record_result(
        self, pub: PublicationDoc, result: DeliveryResult, info: Any
    ) -> PublicationDoc:
        to = (
            PubState.RETRACTED
            if pub.action == Action.RETRACT
            else _STATUS_TO_STATE[result.status.state]
        )
        evidence = {
            "external_id": result.external_id,
            "url": result.url,
            "platform_status": result.status.state.value,
            "platform_code": result.status.platform_code,
        }
        pub = await pubs.move(
            pub,
            to,
            actor=ACTOR,
            note=result.status.reason_zh,
            evidence=evidence,
            external_id=result.external_id,
            url=result.url,
            delivery=_delivery_data(result),
            platform_status=_status_data(result.status),
        )
        if pub.action == Action.RETRACT and pub.replaces:
            await self._retire_prior(pub, "已撤稿 / taken down")
        elif pub.action == Action.CORRECT and pub.replaces:
            await self._retire_prior(
                pub, "已被更正版本替换 / replaced by a correction", unless_same_item=True
            )
        if (
            to in (PubState.SUBMITTED, PubState.ACCEPTED)
            and not result.status.final
            and Capability.POLL_STATUS in info.capabilities
        ):
            await self._schedule_poll(pub, 1)
        if to == PubState.LIVE or (
            to == PubState.ACCEPTED
            and Capability.POLL_STATUS not in info.capabilities
            and pub.action != Action.RETRACT
        ):
            # delivered for good: live, or accepted by a channel that reports no more
            # (学习强国 投稿 waiting for 采用, 手机报 and 应急广播 handed over)
            await self._schedule_metrics(pub, 1)
        return pub

    async def _retire_prior(
        self, pub: PublicationDoc, note: str, unless_same_item: bool = False
    ) -> None:
        """The publication `pub` acted upon no longer stands (taken down, or replaced by a
        correction that is a new item on the platform): record that in its own ledger."""
        prior = await pubs.get(pub.replaces or "")
        if prior is None or prior.state not in (PubState.ACCEPTED, PubState.LIVE):
            return
        if unless_same_item and prior.external_id == pub.external_id:
            return  # corrected in place: the same item stays up
        try:
            await pubs.move(
                prior, PubState.RETRACTED, actor=ACTOR, note=note, evidence={"by": pub.id}
            )
        except pubs.StaleTransition:
            log.info("distribution.retire_stale", publication=prior.id)

    def poll_delay_s(self, n: int) -> float:
        """Seconds from the previous answer to poll number `n` (1-based): `poll_interval_s`
        growing by half each time, from the 11th on every `poll_interval_s` × 1.5^10, and
        never more than an hour (documented in sdk/README.md, "When poll_status is called")."""
        return min(self.poll_interval_s * (1.5 ** min(n - 1, 10)), 3_600.0)

    async def _schedule_poll(self, pub: PublicationDoc, n: int) -> None:
        if n > self.max_polls:
            return
        await queue.enqueue(
            pub.tenant,
            self.poll_name,
            "publication.poll",
            f"{pub.id}:poll:{n}",
            {"publication_id": pub.id, "n": n},
            ready_at=self.clock() + int(self.poll_delay_s(n) * 1000),
        )

    # ---- following the platform ------------------------------------------------------
    async def receive_report(
        self, pub: PublicationDoc, report: Mapping[str, Any], actor: str
    ) -> PublicationDoc:
        """A status report sent to the hub about a delivered item (e.g. 学习强国 adoption,
        采用), read by the channel's `receive_status` hook and recorded in the ledger."""
        if not self.channels.implements(pub.channel, "receive_status"):
            raise HubError(REPORTS_UNSUPPORTED, channel=pub.channel)
        bad = payloads.out_of_range(report)
        if bad is not None:  # refused before anything is read or written
            raise HubError(
                REPORT_INVALID,
                reason_zh=f"字段 {bad} 的值超出可保存的范围(整数须在 ±2^63 以内)",
                reason_en=f"{bad} cannot be stored (integers must fit in 64 bits)",
            )
        config = await self.config_for(pub.tenant, pub.channel)
        try:
            status = self.channels.receive_status(
                pub.channel, _delivery_from(pub), report, config=config
            )
        except (
            PermanentDeliveryError
        ) as exc:  # the plugin's own words on what is wrong with the report
            raise HubError(
                REPORT_INVALID, reason_zh=exc.reason_zh, reason_en=exc.reason_en
            ) from exc
        except (TypeError, ValueError, KeyError) as exc:
            raise HubError(
                REPORT_INVALID, reason_zh="回报内容的字段或类型不对", reason_en=_describe(exc)
            ) from exc
        if status is None:
            raise HubError(REPORT_NOT_FOR_THIS, id=pub.id)
        to = _STATUS_TO_STATE[status.state]
        evidence = {
            "platform_status": status.state.value,
            "platform_code": status.platform_code,
            "report": dict(report),
        }
        if to == pub.state or not can_move(pub.state, to):
            raise HubError(REPORT_NOT_APPLICABLE, current=pub.state.value, reported=to.value)
        return await pubs.move(
            pub,
            to,
            actor=actor,
            note=status.reason_zh,
            evidence=evidence,
            platform_status=_status_data(status),
        )

    async def handle_poll(self, job: JobDoc) -> dict[str, Any]:
        pub = await pubs.get_shared(job.tenant, job.payload["publication_id"])
        if pub is None or pub.state not in (PubState.SUBMITTED, PubState.ACCEPTED):
            return {"skipped": pub.state.value if pub else "missing"}
        info = self.channels.info(pub.channel)
        config = await self.config_for(pub.tenant, pub.channel)
        try:
            transport = self.transports.get(info.transport, pub.channel, config, pub.tenant)
            status = await self.channels.poll_status(
                pub.channel, _delivery_from(pub), transport=transport, config=config
            )
        except TransientDeliveryError as exc:
            raise RetryLater(exc.reason_zh, exc.retry_after_s) from exc
        except PyMongoError:
            raise
        except Exception as exc:  # the item is delivered: following it stops, visibly (dead letter)
            raise PermanentFailure(f"poll_status: {_describe(exc)}") from exc
        to = _STATUS_TO_STATE[status.state]
        if to != pub.state and not can_move(pub.state, to):
            # e.g. "under review" after we recorded "accepted": a platform's status may lag
            # or repeat itself; keep our state and keep following it
            log.info(
                "distribution.status_not_applied",
                publication=pub.id,
                state=pub.state.value,
                reported=to.value,
            )
        elif to != pub.state:
            try:
                pub = await pubs.move(
                    pub,
                    to,
                    actor=ACTOR,
                    note=status.reason_zh,
                    evidence={
                        "platform_status": status.state.value,
                        "platform_code": status.platform_code,
                        "reason_en": status.reason_en,
                    },
                    platform_status=_status_data(status),
                )
            except pubs.StaleTransition:
                return {"stale": True}
            if to == PubState.LIVE:
                await self._schedule_metrics(pub, 1)
        if not status.final and pub.state in (PubState.SUBMITTED, PubState.ACCEPTED):
            await self._schedule_poll(pub, int(job.payload.get("n", 1)) + 1)
        return {"state": pub.state.value}

    # ---- 传播效果: the platform's counts, fetched on a schedule after delivery -----------
    async def _schedule_metrics(self, pub: PublicationDoc, n: int) -> None:
        """Fetch counts `metrics_after_s[n-1]` seconds after the item was delivered for good
        (a stored due time: the schedule survives restarts), for channels that report them."""
        if n > len(self.metrics_after_s) or not self.channels.implements(
            pub.channel, "fetch_metrics"
        ):
            return
        since = next(
            (e.at for e in pub.entries() if e.to_state in (PubState.LIVE, PubState.ACCEPTED)),
            self.clock(),
        )
        await queue.enqueue(
            pub.tenant,
            self.metrics_name,
            "publication.metrics",
            f"{pub.id}:metrics:{n}",
            {"publication_id": pub.id, "n": n},
            ready_at=since + int(self.metrics_after_s[n - 1] * 1000),
        )

    async def handle_metrics(self, job: JobDoc) -> dict[str, Any]:
        """One scheduled fetch: ask the platform, record the point (hub/reach/collect.py),
        store the next fetch. Any failure but a permanent one is retried with backoff and
        never given up (METRICS_POLICY), so an outage delays points but loses none."""
        pub = await pubs.get(job.payload["publication_id"])
        if pub is None or pub.state not in (
            PubState.LIVE,
            PubState.ACCEPTED,
        ):  # taken down or replaced: stop
            return {"skipped": pub.state.value if pub else "missing"}
        n = int(job.payload.get("n", 1))
        if (
            int((pub.metrics or {}).get("slot") or 0) >= n
        ):  # recorded to the end already (a re-run): go on
            await self._schedule_metrics(pub, n + 1)
            return {"skipped": f"fetch {n} recorded"}
        info = self.channels.info(pub.channel)
        config = await self.config_for(pub.tenant, pub.channel)
        per_minute = int((config.get("metrics") or {}).get("per_minute") or 0)
        if per_minute > 0:  # the platform's rate limit, shared by every worker
            wait_s = await take_rate_slot(pub.tenant, pub.channel, per_minute, self.clock())
            if wait_s is not None:
                raise Deferred("rate limit", self.clock() + int(wait_s * 1000))
        try:
            transport = self.transports.get(info.transport, pub.channel, config, pub.tenant)
            m = await self.channels.fetch_metrics(
                pub.channel, _delivery_from(pub), transport=transport, config=config
            )
        except TransientDeliveryError as exc:
            raise RetryLater(exc.reason_zh, exc.retry_after_s) from exc
        except PyMongoError:
            raise
        except PermanentDeliveryError as exc:
            raise PermanentFailure(f"fetch_metrics: {exc.reason_zh}") from exc
        except (
            Exception
        ) as exc:  # a platform that is down or answers nonsense for a while: try again later
            raise RetryLater(f"fetch_metrics: {_describe(exc)}") from exc
        values = values_of(m)
        at = self.clock()
        previous = {
            k: v
            for k, v in (pub.metrics or {}).items()
            if k not in ("fetched_at", "details", "slot")
        }
        point = await record_point(
            tenant=pub.tenant,
            publication_id=pub.id,
            story_id=pub.story_id,
            channel=pub.channel,
            slot=n,
            at_ms=at,
            previous=previous,
            values=values,
            story=await _story_facts(pub),
        )
        data = {
            **point.values,
            "fetched_at": point.at_ms,
            "slot": n,
            "details": payloads.storable(dict(m.details)),
        }
        await pubs.set_metrics(pub, data)
        await self._schedule_metrics(pub, n + 1)
        return {"metrics": point.values, "gain": point.gain, "corrections": point.corrections}


async def _story_facts(pub: PublicationDoc) -> StoryFacts:
    """The story's title, column and people for the reach rollups: the reporter who
    created it, the editor who wrote the published revision, the person who signed it
    off (the publication's first ledger entry)."""
    story = await _story(pub)
    rev = await RevisionDoc.find_one({"tenant": pub.tenant, "_id": pub.revision_id})
    entries = pub.entries()
    reviewer = (
        entries[0].actor
        if entries and not entries[0].actor.startswith(("system", "channel:"))
        else None
    )
    return StoryFacts(
        title=(rev.content.title if rev else story.title if story else ""),
        column_id=(rev.content.column_id if rev else story.column_id if story else None),
        people={
            "reporter": story.created_by if story else None,
            "editor": rev.author if rev else None,
            "reviewer": reviewer,
        },
    )


async def _plans_something(tenant: str, payload: Mapping[str, Any]) -> bool:
    """Whether a story event gives the planner work (asked by the relay before it makes a
    job): a takedown, or a change of state to approved. The others (submitted, published by
    the app channel …) were each a job that only said "skipped"."""
    data = payload.get("data") or {}
    return payload.get("event") == EVENT_TAKEDOWN or data.get("to") == StoryStatus.APPROVED.value


async def _story(pub: PublicationDoc) -> StoryDoc | None:
    """The story of `pub` as stored now (the reach rollups' facts)."""
    return cast(StoryDoc | None, await find_by_id(StoryDoc, {"tenant": pub.tenant}, pub.story_id))


async def _release_of(pub: PublicationDoc) -> Mapping[str, Any] | None:
    """The release record of `pub`'s story as stored now (None: no such story; read only), for the
    send-time checks: only that field is read (the whole story, its body and metadata, was
    sent by the store and validated here twice per send). The channels of a story deliver
    side by side: their reads go together as one find (hub/store/coalesce.py), which is
    sent after each of them began, so each sees every change (an approval, a takedown)
    committed before it asked."""
    stories = Tenanted(StoryDoc, pub.tenant)

    async def fetch(ids: list[str]) -> dict[str, Any]:
        rows = await stories.find({"_id": {"$in": ids}}, {"release": 1}).to_list()
        return {str(r["_id"]): dict(r.get("release") or {}) for r in rows}

    # shared with the reads joined to the same find: the checks only read it
    found = await coalescer().get_many(("story-release", pub.tenant), [pub.story_id], fetch)
    return cast(Mapping[str, Any] | None, found.get(pub.story_id))


class _Refused(Exception):
    """The send-time check refused the publication (already cancelled, reason in its ledger)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(str(result))
        self.result = result


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
