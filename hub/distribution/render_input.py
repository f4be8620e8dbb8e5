"""What a channel renders from, built in one place for delivery and for preview.

The worker's render step and `previewStory` both call `render_input`, so an editor
previews exactly what the channel will be given: the revision's content and source
fields, its media (as `Asset`s with fetchable URLs), its metadata with the approval's
facts (the urgent path's approvers, the embargo, the 更正说明), the channel's
overrides, the center's configuration, the variant it replaces (a correction keeps
e.g. its 索引号) and the render context (time, numbering).

Legitimately decided at delivery time, so a preview may differ from the delivered
variant only here:
- numbers issued once (`RenderContext.sequence`: 政府网站 索引号, 应急广播 EBD/EBM
  ids): a preview shows the next number without taking it, a delivery takes it; a
  delivery of another story in between moves it on;
- the media URLs in `Variant.assets`: signed and expiring, minted per render;
- the approval itself: a preview before approval shows the approval the story's
  review round will hand over (embargo, 更正说明) on the normal path; the urgent
  path's approvers exist only once a second person confirms;
- what a plugin's `deliver` does with the variant (uploaded media ids, platform item
  ids): never part of a variant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ronghub_sdk import Asset, Problem, RenderContext, StoryInput, Variant

from hub.channels.story_input import story_input
from hub.distribution import publications as pubs
from hub.distribution.documents import PublicationDoc
from hub.distribution.states import DELIVERED, Action, PubState
from hub.domain import payloads
from hub.domain.plaintext import readable_values
from hub.store.documents import CounterDoc, RevisionDoc
from hub.store.tenanted import Tenanted

if TYPE_CHECKING:
    from hub.distribution.engine import Distribution

#: Publications whose item stands on the platform (a later revision corrects it).
REACHED = DELIVERED | {PubState.LIVE}


@dataclass(frozen=True, slots=True)
class RenderInput:
    """Everything `ChannelManager.render` is called with for one channel."""

    channel: str
    story: StoryInput
    config: dict[str, Any]
    overrides: dict[str, Any]
    previous: Variant | None
    context: RenderContext


def approval_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of an approval event (story.status → approved) a publication keeps and
    its channels see (through `channel_metadata`)."""
    approval: dict[str, Any] = {}
    if data.get("urgent"):  # 应急广播 urgent path: the two people who requested and confirmed
        approval = {"urgent": True, "approvers": list(data.get("approvers") or [])}
    if data.get(
        "embargo_until"
    ):  # review: 禁发 until then (ms); feeds and partners must respect it
        approval["embargo_until"] = int(data["embargo_until"])
    if data.get("correction"):  # review: the 更正说明 of an approved correction
        approval["correction"] = str(data["correction"])
    return approval


def channel_metadata(
    content_metadata: Mapping[str, Any], approval: Mapping[str, Any]
) -> dict[str, Any]:
    """The story's metadata as a channel sees it. On the urgent path the two people who
    actually requested and confirmed the broadcast are the dual-control approvers (never
    names typed into the story); otherwise the broadcast is not urgent (full chain)."""
    meta = dict(content_metadata)
    if approval.get("urgent"):
        meta["urgent"] = True
        meta["dual_control_approvers"] = list(approval.get("approvers") or [])
    else:
        meta["urgent"] = False
        meta.pop("dual_control_approvers", None)
    if approval.get("embargo_until"):  # review: the embargo end (ms) of the approved revision
        meta["embargo_until"] = int(approval["embargo_until"])
    if approval.get("correction"):  # review: 更正说明, for channels that show it
        meta["correction_note"] = str(approval["correction"])
    return meta


async def standing(tenant: str, story_id: str) -> dict[str, PublicationDoc]:
    """Per channel, the publication whose item is out there now (the newest one reached)."""
    return standing_among(await pubs.of_story(tenant, story_id))


def standing_among(of_story: Sequence[PublicationDoc]) -> dict[str, PublicationDoc]:
    """`standing` of a story's publications already read (in creation order)."""
    return {p.channel: p for p in of_story if p.state in REACHED and p.action != Action.RETRACT}


async def render_input(
    engine: Distribution,
    *,
    tenant: str,
    story_id: str,
    rev: RevisionDoc,
    channel: str,
    overrides: Mapping[str, Any],
    approval: Mapping[str, Any],
    replaces: str | None,
    take_numbers: bool,
    before_numbers: Callable[[], Awaitable[None]] | None = None,
) -> RenderInput:
    """The one builder of a channel's render input. `take_numbers`: a delivery takes the
    numbers it is issued; a preview only looks at the next ones. `before_numbers` is
    awaited before the render takes its first number (a delivery's send-time check: it
    raises to stop the render)."""
    story = story_input(
        rev.content,
        tenant=tenant,
        story_id=story_id,
        revision_id=rev.id,
        revision_number=rev.number,
        approved_at_ms=rev.created_at,
        assets=await engine.assets_for(tenant, rev.content),
        metadata=channel_metadata(rev.content.metadata, approval),
    )
    prior = await pubs.get(replaces) if replaces else None
    previous = variant_from(prior.variant) if prior is not None and prior.variant else None
    context = RenderContext(
        now_ms=engine.clock(), sequence_fn=_sequence_fn(tenant, take_numbers, before_numbers)
    )
    config = await engine.config_for(tenant, channel)
    return RenderInput(channel, story, config, readable_values(dict(overrides)), previous, context)


async def render(engine: Distribution, inp: RenderInput) -> tuple[Variant, list[Problem]]:
    """Render and validate (plugins block: in a worker thread)."""
    return await asyncio.to_thread(
        engine.channels.preview,
        inp.channel,
        inp.story,
        config=inp.config,
        overrides=inp.overrides,
        previous=inp.previous,
        context=inp.context,
    )


async def preview_input(
    engine: Distribution,
    tenant: str,
    story_id: str,
    rev: RevisionDoc,
    channel: str,
    pending: Mapping[str, Any],
    of_story: Sequence[PublicationDoc] | None = None,
) -> RenderInput:
    """The input delivery would render `rev` on `channel` from: the planned publication's
    own (overrides, approval, what it replaces) once the revision is planned; before
    that, what planning would decide (see Distribution._plan_approval), with `pending`
    the approval event's data the story's review round would hand over. `of_story`: the
    story's publications when the caller read them already (once for all its channels)."""
    if of_story is None:
        of_story = await pubs.of_story(tenant, story_id)
    mine = [
        p
        for p in of_story
        if p.revision == rev.number and p.channel == channel and p.action != Action.RETRACT
    ]
    if mine:
        pub = mine[-1]
        overrides, approval, replaces = pub.overrides, pub.approval, pub.replaces
    else:
        prior = standing_among(of_story).get(channel)
        overrides = dict(rev.content.channel_overrides.get(channel, {}))
        approval = approval_of(pending)
        replaces = prior.id if prior is not None and prior.revision < rev.number else None
    return await render_input(
        engine,
        tenant=tenant,
        story_id=story_id,
        rev=rev,
        channel=channel,
        overrides=overrides,
        approval=approval,
        replaces=replaces,
        take_numbers=False,
    )


def _sequence_fn(
    tenant: str, take: bool, before_take: Callable[[], Awaitable[None]] | None = None
) -> Any:
    loop = asyncio.get_running_loop()
    coll = Tenanted(CounterDoc, tenant)
    looked: dict[str, int] = {}
    checked: list[bool] = []

    async def next_value(key: str) -> int:
        _id = f"{tenant}:seq:{key}"
        if take and before_take is not None and not checked:
            await before_take()  # raises when no number may be taken
            checked.append(True)
        if take:
            raw = await coll.find_one_and_update(
                {"_id": _id, "tenant": tenant},
                {"$inc": {"value": 1}},
                upsert=True,
                return_document=True,
            )
            assert raw is not None  # upsert with the document after: always returned
            return int(raw["value"])
        # a preview: the number the next delivery would take (and the one after, if asked twice)
        raw = await coll.find_one({"_id": _id, "tenant": tenant})
        looked[key] = looked.get(key, 0) + 1
        return int(raw["value"] if raw else 0) + looked[key]

    def sequence(key: str) -> int:  # called by render, which runs in a thread
        return asyncio.run_coroutine_threadsafe(next_value(key), loop).result(timeout=30)

    return sequence


def variant_data(v: Variant) -> dict[str, Any]:
    """A variant as a publication stores it."""
    return {
        "channel": v.channel,
        "story_id": v.story_id,
        "revision_id": v.revision_id,
        "tenant": v.tenant,
        "fields": payloads.storable(dict(v.fields)),
        "overridden": list(v.overridden),
        "flags": payloads.storable(dict(v.flags)),
        "assets": [asdict(a) for a in v.assets],
    }


def variant_from(data: Mapping[str, Any]) -> Variant:
    """A stored variant."""
    return Variant(
        channel=data["channel"],
        story_id=data["story_id"],
        revision_id=data["revision_id"],
        tenant=data.get("tenant", ""),
        fields=dict(data.get("fields") or {}),
        overridden=tuple(data.get("overridden") or ()),
        flags=dict(data.get("flags") or {}),
        assets=tuple(Asset(**a) for a in data.get("assets") or ()),
    )
