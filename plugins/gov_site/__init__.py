"""gov_site: 政府网站 政务公开 items pushed to the portal's 集约化 CMS import interface.

Each item carries the disclosure metadata (索引号 issued once and kept for corrections,
主题分类, 发文机关, 发文字号, 成文日期, 公开属性, 有效性) and an accessible HTML page that
must pass plugins.gov_site.accessibility before it may be delivered. Transport: a
Standard Webhooks signed push to the CMS import URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PlatformStatus,
    Problem,
    RenderContext,
    StatusState,
    StoryInput,
    TransientDeliveryError,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.transports import WebhookPush

from plugins._kit import compact, make_variant, problem, required, too_long
from plugins.gov_site.accessibility import check_html
from plugins.gov_site.disclosure import (
    DATE,
    DISCLOSURE,
    DOC_NUMBER,
    INDEX_NO,
    VALIDITY,
    index_number,
    sequence_key,
)
from plugins.gov_site.page import render_page, with_alt_text

NAME = "gov_site"
DEFAULTS: dict[str, Any] = {
    "org_code": "",  # 9-character organisation code of the publishing body
    "site_id": "",
    "column_code": "",
    "default_issuing_agency": "",
    "default_topic": "综合政务/其他",
    "url_template": "",  # e.g. "https://www.example.gov.cn/zwgk/{index_no}.html"
    "transport": {"url": "", "secrets": []},
    "limits": {"title_max": 100},
}
OVERRIDABLE = (
    "topic",
    "issuing_agency",
    "document_number",
    "written_date",
    "keywords",
    "disclosure",
    "validity",
    "validity_note",
    "title",
)


@hookimpl
def describe() -> ChannelInfo:
    """The 政府网站 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="政府网站",
        title_en="Government portal",
        transport=TransportKind.WEBHOOK,
        capabilities=frozenset(
            {
                Capability.TEXT,
                Capability.IMAGES,
                Capability.RETRACT,
                Capability.CORRECT,
                Capability.METRICS,
            }
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=OVERRIDABLE,
        config_schema={
            "type": "object",
            "required": ["org_code", "transport"],
            "properties": {
                "org_code": {"type": "string", "pattern": "^[0-9A-Z]{9}$"},
                "transport": {"type": "object", "required": ["url", "secrets"]},
                "limits": {"type": "object"},
            },
        },
    )


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


@hookimpl
def render(
    story: StoryInput,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any],
    previous: Variant | None,
    context: RenderContext,
) -> Variant:
    """Disclosure metadata and the accessible page; keeps the 索引号 of `previous`."""
    meta = story.metadata
    published = _date(story.approved_at_ms or context.now_ms)
    index_no = previous.get("index_no") if previous is not None else None
    if not index_no and config.get("org_code"):
        year = int(published[:4])
        index_no = index_number(
            config["org_code"], year, context.sequence(sequence_key(config["org_code"], year))
        )
    fields: dict[str, Any] = {
        "index_no": index_no or "",
        "title": story.title,
        "topic": meta.get("topic") or config["default_topic"],
        "issuing_agency": meta.get("issuing_agency") or config["default_issuing_agency"],
        "document_number": meta.get("document_number") or "",
        "written_date": meta.get("written_date") or published,
        "publish_date": published,
        "keywords": list(meta.get("keywords") or story.tags),
        "disclosure": meta.get("disclosure") or "主动公开",
        "validity": meta.get("validity") or "有效",
        "validity_note": meta.get("validity_note") or "",
        "site_id": config["site_id"],
        "column_code": config["column_code"],
    }
    fields.update(overrides)
    fields["body"] = with_alt_text(story.body, story.assets)
    fields["html"] = render_page(fields, fields["body"], story.language)
    return make_variant(NAME, story, fields, {k: fields[k] for k in overrides})


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Metadata present and well-formed, publishable 公开属性, and the page accessible."""
    f = variant.fields
    found = compact(
        [
            required("GOV_TITLE_REQUIRED", "title", "标题", f.get("title")),
            too_long(
                "GOV_TITLE_TOO_LONG", "title", "标题", f.get("title"), config["limits"]["title_max"]
            ),
            required("GOV_AGENCY_REQUIRED", "issuing_agency", "发文机关", f.get("issuing_agency")),
            required("GOV_TOPIC_REQUIRED", "topic", "主题分类", f.get("topic")),
        ]
    )
    if not INDEX_NO.match(f.get("index_no") or "") or len(f.get("index_no") or "") != 20:
        found.append(
            problem(
                "GOV_INDEX_NO_INVALID",
                "index_no",
                "索引号缺失或格式错误(应为 9 位机构代码/年份-5 位序号,共 20 位),请管理员在渠道设置中填写机构代码。",
                "the index number is missing or not org-code/YYYY-NNNNN (20 characters).",
            )
        )
    if f.get("document_number") and not DOC_NUMBER.match(f["document_number"]):
        found.append(
            problem(
                "GOV_DOC_NUMBER_FORMAT",
                "document_number",
                f"发文字号“{f['document_number']}”格式不规范,应如“样政发〔2026〕1号”(使用六角括号〔〕)。",
                "the document number should look like 样政发〔2026〕1号.",
            )
        )
    if not DATE.match(f.get("written_date") or ""):
        found.append(
            problem(
                "GOV_WRITTEN_DATE_FORMAT",
                "written_date",
                "成文日期应为 YYYY-MM-DD。",
                "written_date must be YYYY-MM-DD.",
            )
        )
    if f.get("disclosure") not in DISCLOSURE:
        found.append(
            problem(
                "GOV_DISCLOSURE_INVALID",
                "disclosure",
                f"公开属性须为:{'、'.join(DISCLOSURE)}。",
                "disclosure must be one of the three values.",
            )
        )
    elif f["disclosure"] == "不予公开":
        found.append(
            problem(
                "GOV_NOT_FOR_DISCLOSURE",
                "disclosure",
                "公开属性为“不予公开”的信息不能发布到政府网站。",
                "items marked 不予公开 cannot be published.",
            )
        )
    if f.get("validity") not in VALIDITY:
        found.append(
            problem(
                "GOV_VALIDITY_INVALID",
                "validity",
                f"有效性须为:{'、'.join(VALIDITY)}。",
                "validity must be one of 有效/已修改/已废止/已失效.",
            )
        )
    for issue in check_html(f.get("html") or ""):
        found.append(
            problem(
                f"GOV_A11Y_{issue.rule.upper().replace('-', '_')}",
                "html",
                issue.message_zh,
                issue.message_en,
            )
        )
    return found


def _payload(variant: Variant, action: str) -> dict[str, Any]:
    keep = (
        "index_no",
        "title",
        "topic",
        "issuing_agency",
        "document_number",
        "written_date",
        "publish_date",
        "keywords",
        "disclosure",
        "validity",
        "validity_note",
    )
    return {
        "action": action,
        "site_id": variant.get("site_id"),
        "column_code": variant.get("column_code"),
        "story_id": variant.story_id,
        "revision_id": variant.revision_id,
        "metadata": {k: variant.get(k) for k in keep},
        "html": variant.get("html"),
    }


@hookimpl
async def deliver(
    variant: Variant, config: Mapping[str, Any], transport: WebhookPush, idempotency_key: str
) -> DeliveryResult:
    """Push the item to the CMS import interface; the 索引号 is its external id."""
    await transport.push(
        _payload(variant, "publish"), message_id=idempotency_key, event="gov_site.publish"
    )
    index_no = variant.get("index_no")
    url = config["url_template"].format(index_no=index_no) if config.get("url_template") else None
    return DeliveryResult(
        index_no,
        PlatformStatus(StatusState.LIVE, final=True),
        url=url,
        details={"site_id": variant.get("site_id"), "story_id": variant.story_id},
    )


@hookimpl
async def fetch_metrics(delivery: DeliveryResult, transport: WebhookPush) -> Metrics:
    """Page views from the portal: a signed `stats` request to the same CMS interface,
    answered with {"views": n} (the 集约化 platform's 访问量 for the 索引号)."""
    ask = {
        "action": "stats",
        "index_no": delivery.external_id,
        "story_id": delivery.details.get("story_id"),
    }
    receipt = await transport.push(
        ask, message_id=f"stats-{delivery.external_id}-{time.time_ns()}", event="gov_site.stats"
    )
    try:
        answer = json.loads(receipt.body or "{}")
    except ValueError as exc:
        raise TransientDeliveryError(
            "政府网站返回的访问量无法读取,稍后再取", "unreadable stats answer"
        ) from exc
    views = answer.get("views") if isinstance(answer, dict) else None
    if isinstance(views, bool) or not isinstance(views, int):
        raise TransientDeliveryError(
            "政府网站暂未返回访问量,稍后再取", "no views in the stats answer"
        )
    return Metrics(views=views)


@hookimpl
async def retract(
    delivery: DeliveryResult, transport: WebhookPush, idempotency_key: str, reason: str
) -> DeliveryResult:
    """Ask the CMS to take the item down (the 索引号 stays issued)."""
    payload = {
        "action": "withdraw",
        "index_no": delivery.external_id,
        "reason": reason,
        "site_id": delivery.details.get("site_id"),
    }
    await transport.push(payload, message_id=idempotency_key, event="gov_site.withdraw")
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        url=delivery.url,
        details=delivery.details,
    )


@hookimpl
async def correct(
    variant: Variant,
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: WebhookPush,
    idempotency_key: str,
) -> DeliveryResult:
    """Update the item in place under the same 索引号 (修改 is shown on the page by 有效性)."""
    if variant.get("index_no") != delivery.external_id:
        variant = variant.with_fields(index_no=delivery.external_id)
    await transport.push(
        _payload(variant, "update"), message_id=idempotency_key, event="gov_site.update"
    )
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.LIVE, final=True),
        url=delivery.url,
        details=delivery.details,
    )
