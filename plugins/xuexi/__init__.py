"""xuexi: 学习强国 强国号 through a signed pull feed, with adoption (采用) tracking.

There is no submission API: the hub puts each approved item into the signed pull feed
the provincial platform's operators read (JSON Feed 1.1 items with a `_ronghub`
extension), and records adoption when the operators report it back (receive_status).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PermanentDeliveryError,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import PullFeed

from plugins._kit import compact, make_variant, problem, required, too_long

NAME = "xuexi"
DEFAULTS: dict[str, Any] = {
    "account_name": "",  # the center's 强国号
    "limits": {"title_max": 40, "summary_max": 120, "body_min_chars": 50},
}


@dataclass(frozen=True, slots=True)
class AdoptionRecord:
    """One adoption report from the platform's operators for one feed item."""

    item_id: str
    adopted: bool
    reported_at_ms: int
    url: str | None = None
    channel_name: str | None = None  # the 学习强国 column that adopted it
    reason: str | None = None  # why it was not adopted
    score: int | None = None  # the points the adoption earned (学习强国 积分), when reported
    views: int | None = None  # reads on 学习强国, when reported


def _refuse(zh: str, en: str) -> PermanentDeliveryError:
    return PermanentDeliveryError(zh, en, platform_code="bad_report")


def _text(report: Mapping[str, Any], key: str) -> str | None:
    value = report.get(key)
    if value is not None and not isinstance(value, str):
        raise _refuse(f"{key} 应为文字", f"{key} must be a string")
    return value


def adoption_record(report: Mapping[str, Any]) -> AdoptionRecord:
    """Parse an operator's report {item_id, adopted, reported_at_ms, url?, column?, reason?}.

    `reported_at_ms` is milliseconds since the epoch (an integer, 0 or absent: unknown);
    a report that does not have this shape raises PermanentDeliveryError (the hub refuses it)."""
    if "adopted" not in report or not isinstance(report["adopted"], bool):
        raise _refuse("adopted 应为 true 或 false", "adopted must be true or false")
    at = report.get("reported_at_ms") or 0
    if isinstance(at, bool) or not isinstance(at, int) or at < 0:
        raise _refuse(
            "reported_at_ms 应为毫秒时间戳(非负整数)",
            "reported_at_ms must be a non-negative integer (ms)",
        )
    return AdoptionRecord(
        item_id=str(report["item_id"]),
        adopted=report["adopted"],
        reported_at_ms=at,
        url=_text(report, "url"),
        channel_name=_text(report, "column"),
        reason=_text(report, "reason"),
        score=_count(report, "score"),
        views=_count(report, "views"),
    )


def _count(report: Mapping[str, Any], key: str) -> int | None:
    value = report.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _refuse(f"{key} 应为非负整数", f"{key} must be a non-negative integer")
    return value


@hookimpl
def describe() -> ChannelInfo:
    """The 学习强国 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="学习强国",
        title_en="Xuexi Qiangguo",
        transport=TransportKind.PULL_FEED,
        capabilities=frozenset(
            {
                Capability.TEXT,
                Capability.IMAGES,
                Capability.RECEIVE_STATUS,
                Capability.RETRACT,
                Capability.CORRECT,
                Capability.METRICS,
            }
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=("title", "summary"),
        config_schema={
            "type": "object",
            "properties": {"account_name": {"type": "string"}, "limits": {"type": "object"}},
        },
    )


@hookimpl
def render(story: StoryInput, config: Mapping[str, Any], overrides: Mapping[str, Any]) -> Variant:
    """A feed item: title, summary, HTML and text, 来源 and the approval that allowed it."""
    fields = {
        "title": story.title,
        "summary": story.summary or "",
        "content_html": story.body,
        "content_text": story.body_text,
        "authors": [story.byline] if story.byline else [],
        "source_name": story.source.source_name or config.get("account_name") or "",
        "reprint": story.source.reprint,
        "original_title": story.source.original_title,
        "tags": list(story.tags),
        "date_published_ms": story.approved_at_ms,
        "approved_by": story.approved_by,
        "revision_number": story.revision_number,
    }
    return make_variant(NAME, story, fields, overrides)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Title and summary limits, a real body, 来源 always, 原标题 for reprints (转载)."""
    limits = config["limits"]
    found = compact(
        [
            required("XUEXI_TITLE_REQUIRED", "title", "标题", variant.get("title")),
            too_long(
                "XUEXI_TITLE_TOO_LONG",
                "title",
                "学习强国标题",
                variant.get("title"),
                limits["title_max"],
            ),
            too_long(
                "XUEXI_SUMMARY_TOO_LONG",
                "summary",
                "摘要",
                variant.get("summary"),
                limits["summary_max"],
            ),
            required("XUEXI_SOURCE_REQUIRED", "source_name", "来源", variant.get("source_name")),
        ]
    )
    if len(variant.get("content_text") or "") < limits["body_min_chars"]:
        found.append(
            problem(
                "XUEXI_BODY_TOO_SHORT",
                "content_text",
                f"正文少于 {limits['body_min_chars']} 字,学习强国通常不予采用,请补充内容。",
                f"the body is shorter than {limits['body_min_chars']} characters.",
            )
        )
    if variant.get("reprint") and not variant.get("original_title"):
        found.append(
            problem(
                "XUEXI_REPRINT_ORIGIN",
                "original_title",
                "转载稿件须注明原标题和来源。",
                "a reprint must name its original title.",
            )
        )
    return found


def feed_item(variant: Variant) -> dict[str, Any]:
    """The JSON Feed 1.1 item for a variant; the content digest lets operators check integrity."""
    f = variant.fields
    published = datetime.fromtimestamp((f.get("date_published_ms") or 0) / 1000, UTC).isoformat()
    return {
        "id": f"{variant.story_id}",
        "title": f["title"],
        "summary": f.get("summary") or None,
        "content_html": f["content_html"],
        "content_text": f["content_text"],
        "authors": [{"name": a} for a in f.get("authors") or []],
        "tags": f.get("tags") or [],
        "date_published": published,
        "_ronghub": {
            "revision_id": variant.revision_id,
            "revision_number": f.get("revision_number"),
            "source_name": f.get("source_name"),
            "approved_by": f.get("approved_by"),
            "content_sha256": hashlib.sha256(f["content_html"].encode()).hexdigest(),
        },
    }


@hookimpl
async def deliver(variant: Variant, transport: PullFeed) -> DeliveryResult:
    """Put the item into the feed: submitted, waiting for the operators (ACCEPTED)."""
    url = await transport.put_item(variant.story_id, feed_item(variant))
    return DeliveryResult(
        variant.story_id,
        PlatformStatus(StatusState.ACCEPTED),
        url=url,
        details={"revision_id": variant.revision_id},
    )


@hookimpl
def receive_status(delivery: DeliveryResult, report: Mapping[str, Any]) -> PlatformStatus | None:
    """An adoption report: adopted -> LIVE (with the record), not adopted -> REJECTED."""
    if str(report.get("item_id")) != delivery.external_id:
        return None
    record = adoption_record(report)
    if record.adopted:
        return PlatformStatus(
            StatusState.LIVE, platform_code="adopted", final=True, details=asdict(record)
        )
    return PlatformStatus(
        StatusState.REJECTED,
        reason_zh=record.reason or "未被采用",
        reason_en="not adopted",
        platform_code="not_adopted",
        final=True,
        details=asdict(record),
    )


@hookimpl
async def fetch_metrics(delivery: DeliveryResult) -> Metrics:
    """投稿 and 采用: what the operators last reported about the item (adopted or not yet,
    the score and reads they gave). 学习强国 has no API to ask; the report is the source."""
    details = delivery.status.details
    adopted = delivery.status.platform_code == "adopted"
    return Metrics(
        views=details.get("views") if adopted else None,
        adopted=adopted,
        score=(details.get("score") or 0) if adopted else 0,
        details={"submitted": 1},
    )


@hookimpl
async def retract(delivery: DeliveryResult, transport: PullFeed, reason: str) -> DeliveryResult:
    """Withdraw the feed item (operators see a tombstone and take it down)."""
    await transport.withdraw_item(delivery.external_id, reason)
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        url=delivery.url,
        details=delivery.details,
    )


@hookimpl
async def correct(variant: Variant, transport: PullFeed) -> DeliveryResult:
    """Replace the feed item with the corrected revision (same id, new revision)."""
    return await deliver(variant, transport)
