"""sms: 手机报 — a short digest per story and a daily edition assembled from several.

Segments: 70 characters fit one SMS; longer messages are sent concatenated at 67
characters per segment (the rest carries the joining header). Both are configuration.
Delivery drops the text as a file into the operator's pickup directory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransientDeliveryError,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import FileDrop

from plugins._kit import compact, first_chars, make_variant, problem, required

NAME = "sms"
DEFAULTS: dict[str, Any] = {
    "edition_name": "手机报",
    "footer": "回复TD退订",
    "limits": {
        "segment_chars": 70,
        "concat_segment_chars": 67,
        "story_max_segments": 2,
        "edition_max_segments": 10,
        "edition_max_stories": 8,
    },
}


def segments(text: str, limits: Mapping[str, Any]) -> int:
    """How many SMS segments `text` takes."""
    if len(text) <= limits["segment_chars"]:
        return 1
    return math.ceil(len(text) / limits["concat_segment_chars"])


def digest(story: StoryInput, max_chars: int) -> str:
    """【title】summary, cut to fit."""
    body = story.summary or story.body_text
    return first_chars(f"【{story.title}】{body}", max_chars)


@hookimpl
def describe() -> ChannelInfo:
    """The 手机报 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="手机报",
        title_en="SMS digest",
        transport=TransportKind.FILE_DROP,
        capabilities=frozenset(
            {Capability.TEXT, Capability.EDITIONS, Capability.RETRACT, Capability.METRICS}
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=("text",),
        config_schema={
            "type": "object",
            "properties": {
                "transport": {"type": "object", "required": ["directory"]},
                "limits": {"type": "object"},
            },
        },
    )


@hookimpl
def render(story: StoryInput, config: Mapping[str, Any], overrides: Mapping[str, Any]) -> Variant:
    """One story's digest, sized to the per-story segment budget."""
    limits = config["limits"]
    budget = limits["story_max_segments"] * limits["concat_segment_chars"]
    return make_variant(NAME, story, {"text": digest(story, budget), "kind": "story"}, overrides)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Text present and within the story's (or the edition's) segment budget."""
    limits = config["limits"]
    text = variant.get("text") or ""
    found = compact([required("SMS_TEXT_REQUIRED", "text", "短信内容", text)])
    edition = variant.get("kind") == "edition"
    budget = limits["edition_max_segments"] if edition else limits["story_max_segments"]
    n = segments(text, limits)
    if n > budget:
        found.append(
            problem(
                "SMS_TOO_MANY_SEGMENTS",
                "text",
                f"{'本期手机报' if edition else '短信摘要'}需 {n} 条短信,上限 {budget} 条,请删减约 "
                f"{len(text) - budget * limits['concat_segment_chars']} 字。",
                f"needs {n} SMS segments, limit {budget}.",
            )
        )
    if edition and len(variant.get("story_ids") or []) > limits["edition_max_stories"]:
        found.append(
            problem(
                "SMS_EDITION_TOO_MANY_STORIES",
                "story_ids",
                f"每期最多 {limits['edition_max_stories']} 条稿件。",
                "too many stories in one edition.",
            )
        )
    return found


@hookimpl
def assemble_edition(
    variants: Sequence[Variant], config: Mapping[str, Any], edition_date: str
) -> Variant:
    """The day's edition: header, numbered digests, footer."""
    lines = [f"【{config['edition_name']}】{edition_date}"]
    lines += [f"{i}. {v.get('text')}" for i, v in enumerate(variants, start=1)]
    lines.append(config["footer"])
    first = variants[0] if variants else None
    return Variant(
        channel=NAME,
        story_id=f"edition-{edition_date}",
        revision_id="+".join(v.revision_id for v in variants),
        fields={
            "kind": "edition",
            "edition_date": edition_date,
            "text": "\n".join(lines),
            "story_ids": [v.story_id for v in variants],
        },
        tenant=first.tenant if first else "",
    )


@hookimpl
async def deliver(variant: Variant, transport: FileDrop) -> DeliveryResult:
    """Drop the text for the operator; the file name is stable, so a retry overwrites it."""
    name = f"{variant.story_id}.txt"
    path = await transport.write(name, (variant.get("text") or "").encode("utf-8"))
    return DeliveryResult(name, PlatformStatus(StatusState.ACCEPTED, final=True), url=path)


@hookimpl
async def fetch_metrics(delivery: DeliveryResult, transport: FileDrop) -> Metrics:
    """The operator's delivery receipt (回执) `<file>.receipt.json`, {"sent": n,
    "delivered": m}, left beside the dropped text: messages delivered are its reach.
    No receipt yet: nothing new (TransientDeliveryError, fetched again later)."""
    raw = await transport.read(f"{delivery.external_id}.receipt.json")
    if raw is None:
        raise TransientDeliveryError("手机报运营方尚未回执,稍后再取", "no delivery receipt yet")
    try:
        receipt = json.loads(raw)
        delivered, sent = int(receipt["delivered"]), int(receipt.get("sent", receipt["delivered"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise TransientDeliveryError(
            "手机报回执格式不对,稍后再取", f"unreadable receipt: {exc}"
        ) from exc
    return Metrics(views=delivered, details={"sent": sent, "delivered": delivered})


@hookimpl
async def retract(delivery: DeliveryResult, transport: FileDrop, reason: str) -> DeliveryResult:
    """Remove the file if the operator has not picked it up yet (sent SMS cannot be recalled)."""
    removed = await transport.remove(delivery.external_id)
    state = StatusState.REMOVED
    note = reason if removed else f"{reason}(短信可能已发出,无法撤回)"
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(state, reason_zh=note, final=True),
        details={"file_removed": removed},
    )
