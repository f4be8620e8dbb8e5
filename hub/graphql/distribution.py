"""GraphQL for distribution: channels, variant previews, publications with their ledger,
and the editor's actions (签发 stand-in, 撤稿, replay)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.distribution import channel_config, precheck, render_input, urgent
from hub.distribution import publications as pubs
from hub.distribution.documents import PublicationDoc
from hub.domain.story import StoryStatus
from hub.errors import HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import Long, Story, ms_to_dt
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.store.after_commit import after_commit
from hub.workflow import actions, rounds


@strawberry.type(description="渠道: a loaded channel plugin")
class Channel:
    name: str
    title_zh: str
    title_en: str
    transport: str
    version: str
    capabilities: list[str]
    limits: JSON
    overridable: list[str]
    config_schema: JSON = strawberry.field(
        description="渠道设置的 JSON Schema the plugin declares: configureChannel "
        "checks a center's settings against it (a console builds its form from it)"
    )


@strawberry.type(description="插件加载失败: a channel or check plugin that did not load, and why")
class PluginFailure:
    source: str = strawberry.field(
        description="entry point `name = module`, or where it was registered"
    )
    error: str = strawberry.field(description="the exception it raised (type: message)")


@strawberry.type(description="A problem a channel found in a variant")
class VariantProblem:
    code: str
    field: str
    message_zh: str
    message_en: str
    severity: str
    blocking: bool


@strawberry.type(description="多种生成: one channel's variant of a story, with its problems")
class VariantPreview:
    channel: str
    fields: JSON
    overridden: list[str]
    problems: list[VariantProblem]
    deliverable: bool


@strawberry.type(description="发布台账: one transition of a publication")
class LedgerEntry:
    seq: int
    at: datetime
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    evidence: JSON


@strawberry.type(description="传播效果: a platform's counts for one delivered item")
class PublicationMetrics:
    views: Long | None  # a viral item passes 2^31
    likes: Long | None
    comments: Long | None
    shares: Long | None
    fetched_at: datetime | None

    @staticmethod
    def from_data(data: dict[str, Any]) -> PublicationMetrics | None:
        if not data:
            return None
        return PublicationMetrics(
            views=data.get("views"),
            likes=data.get("likes"),
            comments=data.get("comments"),
            shares=data.get("shares"),
            fetched_at=ms_to_dt(data.get("fetched_at")),
        )


@strawberry.type(description="发布记录: one story revision on one channel")
class Publication:
    id: strawberry.ID
    story_id: strawberry.ID
    revision: int
    channel: str
    action: str
    state: str
    external_id: str | None
    url: str | None
    platform_status: JSON
    problems: JSON
    last_error: str | None
    updated_at: datetime
    ledger: list[LedgerEntry]
    metrics: PublicationMetrics | None = strawberry.field(
        description="传播效果: the platform's latest counts, fetched on a schedule after going live"
    )

    @staticmethod
    def from_doc(doc: PublicationDoc) -> Publication:
        return Publication(
            id=strawberry.ID(doc.id),
            story_id=strawberry.ID(doc.story_id),
            revision=doc.revision,
            channel=doc.channel,
            action=doc.action.value,
            state=doc.state.value,
            external_id=doc.external_id,
            url=doc.url,
            platform_status=JSON(doc.platform_status),
            problems=JSON(doc.problems),
            last_error=doc.last_error,
            updated_at=ms_to_dt(doc.updated_at),
            metrics=PublicationMetrics.from_data(doc.metrics),
            ledger=[
                LedgerEntry(
                    seq=e.seq,
                    at=ms_to_dt(e.at),
                    from_state=e.from_state.value if e.from_state else None,
                    to_state=e.to_state.value,
                    actor=e.actor,
                    note=e.note,
                    evidence=JSON(e.evidence),
                )
                for e in doc.entries()
            ],
        )


@strawberry.type(description="渠道设置: a center's own settings for one channel (secrets masked)")
class ChannelSettings:
    channel: str
    config: JSON
    effective: JSON = strawberry.field(
        description="defaults ← deployment ← this center, secrets masked"
    )
    updated_at: datetime | None
    updated_by: str | None


async def _channel_settings(info: Info[Context, None], channel: str) -> ChannelSettings:
    engine = _engine(info)
    engine.channels.get(channel)  # unknown → CHANNEL_UNKNOWN
    tenant = info.context.scope.tenant
    doc = await channel_config.get(tenant, channel)
    mine = channel_config.redacted(doc) if doc else {}
    effective = channel_config.masked(
        engine.channels.config(
            channel, channel_config.deep_merge(engine.channel_config.get(channel, {}), mine)
        )
    )
    return ChannelSettings(
        channel=channel,
        config=JSON(mine),
        effective=JSON(effective),
        updated_at=ms_to_dt(doc.updated_at) if doc else None,
        updated_by=doc.updated_by if doc else None,
    )


def _engine(info: Info[Context, None]) -> Any:
    return info.context.services.distribution


@strawberry.type
class DistributionQuery:
    @strawberry.field(description="已加载的渠道")
    def channels(self, info: Info[Context, None]) -> list[Channel]:
        manager = _engine(info).channels
        out = []
        for name in manager.names():
            ch = manager.get(name)
            out.append(
                Channel(
                    name=name,
                    title_zh=ch.info.title_zh,
                    title_en=ch.info.title_en,
                    transport=ch.info.transport.value,
                    version=ch.version,
                    capabilities=sorted(c.value for c in ch.info.capabilities),
                    limits=ch.info.limits,
                    overridable=list(ch.info.overridable),
                    config_schema=JSON(ch.info.config_schema),
                )
            )
        return out

    @strawberry.field(
        description="插件加载失败: channel and check plugins the hub skipped at start (the others "
        "run without them); empty when all loaded. The same list as `ronghub plugins`."
    )
    def plugin_failures(self, info: Info[Context, None]) -> list[PluginFailure]:
        return [
            PluginFailure(source=f.source, error=f.error) for f in _engine(info).channels.failures
        ]

    @strawberry.field(description="渠道设置: this center's settings for a channel (secrets masked)")
    async def channel_settings(self, info: Info[Context, None], channel: str) -> ChannelSettings:
        return await _channel_settings(info, channel)

    @strawberry.field(description="稿件的发布记录 (每个渠道、每个动作一条), with the ledger")
    async def publications(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> list[Publication]:
        docs = await pubs.PublicationRepository(info.context.scope).of_story(str(story_id))
        return [Publication.from_doc(d) for d in docs]

    @strawberry.field(
        description="预览: each planned channel's variant of the story's current revision, "
        "with the problems that would stop delivery (before approval)"
    )
    async def preview_story(
        self, info: Info[Context, None], id: strawberry.ID, channels: list[str] | None = None
    ) -> list[VariantPreview]:
        ctx = info.context
        repo = ctx.stories
        story = await repo.require(str(id))
        rev = await repo.revision(story.id, story.revision)
        engine = _engine(info)
        targets = channels or list(rev.content.channels) or list(engine.default_channels)
        pending = await rounds.pending_approval(story.tenant, story.id)
        out = []
        for name in targets:
            engine.channels.get(name)  # unknown → CHANNEL_UNKNOWN
            # the same input delivery renders from (hub/distribution/render_input.py)
            inp = await render_input.preview_input(
                engine, story.tenant, story.id, rev, name, pending
            )
            variant, problems = await render_input.render(engine, inp)
            out.append(
                VariantPreview(
                    channel=name,
                    fields=JSON(variant.fields),
                    overridden=list(variant.overridden),
                    problems=[
                        VariantProblem(
                            **{**asdict(p), "severity": p.severity.value}, blocking=p.blocking
                        )
                        for p in problems
                    ],
                    deliverable=not any(p.blocking for p in problems),
                )
            )
        return out


@strawberry.type
class DistributionMutation:
    @strawberry.mutation(
        description="签发 in one step: hand the current revision to distribution. Refused when the story "
        "has a review round not approved on this revision, or was never submitted but a configured review "
        "chain applies to it (use submitForReview / signOff), and when a planned channel would refuse the "
        "revision (APPROVAL_CHANNEL_PROBLEMS, every problem in details.problems). Approving the revision "
        "already approved and published again changes nothing."
    )
    async def approve_story(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int
    ) -> Story:
        repo = info.context.stories
        # review: refused (REVIEW_NOT_APPROVED / REVIEW_CHAIN_REQUIRED) where it would bypass a chain
        data = await rounds.check_direct(repo, str(id), info.context.settings.default_channels)
        story = await repo.require(str(id))
        # what the channels' validate can know is refused now (APPROVAL_CHANNEL_PROBLEMS), not after
        await precheck.refuse_undeliverable(
            _engine(info), await repo.revision(story.id, story.revision), data
        )
        doc = await repo.set_status(str(id), expected_version, StoryStatus.APPROVED, data)
        # the approval is committed; a schedule this leaves unspent is skipped when due (the
        # story is no longer `scheduled`: scheduling.publish_due), so a failure here is logged
        await after_commit(
            "review.handed_over", rounds.mark_handed_over(repo.scope.tenant, str(id)), story=str(id)
        )
        return Story.from_doc(doc)

    @strawberry.mutation(description="撤稿: take the story down on every channel it reached")
    async def takedown_story(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int, reason: str
    ) -> Story:
        await actions.check_direct_takedown(
            info.context.stories, str(id), info.context.settings.default_channels
        )  # review
        doc = await info.context.stories.request_takedown(str(id), expected_version, reason)
        return Story.from_doc(doc)

    @strawberry.mutation(
        description="应急广播 urgent path, step 1: request an urgent broadcast of the current content "
        "(dual control: a different person must confirm)"
    )
    async def request_urgent_broadcast(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int, reason: str
    ) -> Story:
        return Story.from_doc(
            await urgent.request_urgent(info.context.stories, str(id), expected_version, reason)
        )

    @strawberry.mutation(
        description="应急广播 urgent path, step 2: a second person confirms; the requested content is "
        "approved for the emergency channel only (refused with APPROVAL_CHANNEL_PROBLEMS while the channel "
        "would refuse it)"
    )
    async def confirm_urgent_broadcast(
        self, info: Info[Context, None], id: strawberry.ID, expected_version: int
    ) -> Story:
        repo = info.context.stories

        async def deliverable(
            story: Any, data: dict[str, Any]
        ) -> None:  # APPROVAL_CHANNEL_PROBLEMS
            await precheck.refuse_undeliverable(
                _engine(info), await repo.revision(story.id, story.revision), data
            )

        return Story.from_doc(
            await urgent.confirm_urgent(
                repo, str(id), expected_version, before_approval=deliverable
            )
        )

    @strawberry.mutation(
        description="平台回报: record what a platform reported about a delivered item (e.g. 学习强国 "
        "adoption 采用: {item_id, adopted, column?, reason?}); the channel reads it"
    )
    async def report_platform_status(
        self, info: Info[Context, None], publication_id: strawberry.ID, report: JSON
    ) -> Publication:
        pub = await pubs.PublicationRepository(info.context.scope).get(str(publication_id))
        if not isinstance(report, dict):
            raise invalid("report", "回报应为 JSON 对象", "the report must be a JSON object")
        actor = info.context.scope.actor or "unknown"
        return Publication.from_doc(await _engine(info).receive_report(pub, report, actor))

    @strawberry.mutation(
        description="渠道设置: replace this center's settings for a channel (accounts, endpoints, limits); "
        "credentials and signing keys are stored encrypted and never returned (sent back as the mask `******`, a "
        "secret section or transport secret keeps its stored value). Checked against the channel's "
        "declared schema (over the defaults and deployment settings) when saved: CHANNEL_CONFIG_INVALID names the key"
    )
    async def configure_channel(
        self, info: Info[Context, None], channel: str, config: JSON
    ) -> ChannelSettings:
        engine = _engine(info)
        engine.channels.get(channel)
        if not isinstance(config, dict):
            raise invalid(
                "config", "渠道设置应为 JSON 对象", "the channel configuration must be an object"
            )
        # a secret sent back as the mask keeps the stored one (a form never sees secrets)
        given = channel_config.unmask(
            config,
            await channel_config.load(info.context.scope.tenant, channel, info.context.settings),
        )
        effective = engine.channels.config(
            channel, channel_config.deep_merge(engine.channel_config.get(channel, {}), given)
        )
        channel_config.check(
            channel, engine.channels.info(channel).config_schema, effective
        )  # CHANNEL_CONFIG_INVALID
        await channel_config.save(info.context.scope, info.context.settings, channel, given)
        return await _channel_settings(info, channel)

    @strawberry.mutation(
        description="重新投递: send a failed publication (dead letter) again. Refused (PUBLICATION_WITHDRAWN, "
        "PUBLICATION_SUPERSEDED) when the story was taken down or a later revision was approved for the channel"
    )
    async def replay_publication(self, info: Info[Context, None], id: strawberry.ID) -> Publication:
        pub = await pubs.PublicationRepository(info.context.scope).get(str(id))
        refusal = await _engine(info).sendable(pub)  # the worker checks again right before it sends
        if refusal is not None:
            raise HubError(refusal.kind, **refusal.params)
        await queue.replay(info.context.scope, JobDoc.make_id(_engine(info).deliver_name, pub.id))
        return Publication.from_doc(pub)
