"""emergency: 应急广播 (村村响) EBD/EBM messages signed with SM2/SM3, dropped as a package.

The urgent path skips the three-stage review but requires dual control: the variant's
`dual_control` flag must name two different approvers, and validation refuses it
otherwise. Delivery writes `EBD_<EBDID>.tar` (EBDB_<EBDID>.xml + its EBDS signature)
into the emergency-broadcast platform's pickup directory; takedown and correction
send a cancelling or superseding EBM that refers to the first one (RelatedEBM).
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from ronghub_sdk import (
    Capability,
    ChannelInfo,
    DeliveryResult,
    Metrics,
    PermanentDeliveryError,
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
from ronghub_sdk.transports import FileDrop

from plugins._kit import compact, first_chars, make_variant, problem, required, too_long
from plugins.emergency import signing
from plugins.emergency.ebd import MSG_BROADCAST, MSG_CANCEL, ebd_xml, signature_xml

NAME = "emergency"
AREA_CODE = re.compile(r"^\d{6}(\d{6})?$")  # GB/T 2260 county (6) or township-level (12)
DEFAULTS: dict[str, Any] = {
    "src_ebrid": "",  # our platform's resource code (GY/T 386)
    "dest_ebrid": "",
    "sender_name": "",
    "sender_code": "",
    "require_dual_control": True,
    "signing": {"private_key_hex": "", "cert_sn": ""},
    "transport": {"directory": ""},
    "limits": {"title_max": 60, "desc_max": 500, "valid_hours_max": 72},
}


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _whole(value: Any) -> Any:
    """A whole number from metadata typed by hand (3, "3", 3.0); anything else unchanged,
    so `validate` can name it (render never fails on a value an editor typed)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def _id(ebrid: str, serial: int) -> str:
    return f"01{ebrid}{serial:016d}"


@hookimpl
def describe() -> ChannelInfo:
    """The 应急广播 channel."""
    return ChannelInfo(
        name=NAME,
        title_zh="应急广播",
        title_en="Emergency broadcast",
        transport=TransportKind.FILE_DROP,
        capabilities=frozenset(
            {
                Capability.TEXT,
                Capability.DUAL_CONTROL,
                Capability.RETRACT,
                Capability.CORRECT,
                Capability.METRICS,
            }
        ),
        defaults=DEFAULTS,
        version="0.1.0",
        overridable=("title", "desc", "area_codes", "severity", "end_time"),
        config_schema={
            "type": "object",
            "required": ["src_ebrid", "signing", "transport"],
            "properties": {
                "signing": {"type": "object", "required": ["private_key_hex", "cert_sn"]},
                "transport": {"type": "object", "required": ["directory"]},
                "limits": {"type": "object"},
            },
        },
    )


@hookimpl
def render(
    story: StoryInput,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any],
    previous: Variant | None,
    context: RenderContext,
) -> Variant:
    """An EBM asking to broadcast; its EBD/EBM ids come from a durable sequence."""
    meta = story.metadata
    start_ms = story.approved_at_ms or context.now_ms
    hours = _whole(meta.get("valid_hours") or 6)
    if not isinstance(
        hours, int
    ):  # validate names the bad value; the message times assume 6 h meanwhile
        hours = 6
    ebrid = config["src_ebrid"]
    serial = context.sequence(f"emergency:ebd:{ebrid}")
    fields = {
        "ebd_id": _id(ebrid, serial),
        "ebm_id": _id(ebrid, serial),
        "msg_type": MSG_BROADCAST,
        "related_ebm_id": previous.get("ebm_id") if previous is not None else None,
        "src_ebrid": ebrid,
        "dest_ebrid": config["dest_ebrid"],
        "sender_name": meta.get("sender_name") or config["sender_name"],
        "sender_code": meta.get("sender_code") or config["sender_code"],
        "sent_time": _time(start_ms),
        "start_time": _time(start_ms),
        "end_time": (
            datetime.fromtimestamp(start_ms / 1000, UTC) + timedelta(hours=hours)
        ).strftime("%Y-%m-%d %H:%M:%S"),
        "event_type": meta.get("event_type") or "",
        "severity": _whole(meta.get("severity") or 4),
        "valid_hours": _whole(meta.get("valid_hours") or 6),
        "language_code": "zho",
        "title": story.title,
        "desc": story.summary or first_chars(story.body_text, config["limits"]["desc_max"]),
        "area_codes": list(meta.get("area_codes") or []),
    }
    approvers = list(dict.fromkeys(meta.get("dual_control_approvers") or []))
    flags = {"urgent": bool(meta.get("urgent", True)), "dual_control": {"approvers": approvers}}
    return make_variant(NAME, story, fields, overrides, **flags)


@hookimpl
def validate(variant: Variant, config: Mapping[str, Any]) -> list[Problem]:
    """Message fields per GY/T 385, area codes per GB/T 2260, and dual control on the urgent path."""
    f, limits = variant.fields, config["limits"]
    found = compact(
        [
            required("EMERGENCY_TITLE_REQUIRED", "title", "预警标题", f.get("title")),
            too_long(
                "EMERGENCY_TITLE_TOO_LONG", "title", "预警标题", f.get("title"), limits["title_max"]
            ),
            required("EMERGENCY_DESC_REQUIRED", "desc", "播发内容", f.get("desc")),
            too_long(
                "EMERGENCY_DESC_TOO_LONG", "desc", "播发内容", f.get("desc"), limits["desc_max"]
            ),
            required(
                "EMERGENCY_EVENT_TYPE_REQUIRED", "event_type", "事件类型编码", f.get("event_type")
            ),
            required("EMERGENCY_AREA_REQUIRED", "area_codes", "播发区域", f.get("area_codes")),
            required(
                "EMERGENCY_SOURCE_REQUIRED",
                "src_ebrid",
                "本平台资源编码(渠道设置)",
                f.get("src_ebrid"),
            ),
        ]
    )
    bad = [c for c in f.get("area_codes") or [] if not AREA_CODE.match(str(c))]
    if bad:
        found.append(
            problem(
                "EMERGENCY_AREA_CODE_FORMAT",
                "area_codes",
                f"区域编码 {'、'.join(map(str, bad))} 不符合 GB/T 2260(6 位或 12 位数字)。",
                f"area codes {bad} are not GB/T 2260 codes.",
            )
        )
    if isinstance(f.get("severity"), bool) or f.get("severity") not in (1, 2, 3, 4):
        found.append(
            problem(
                "EMERGENCY_SEVERITY",
                "severity",
                f"事件级别须为 1(特别重大)至 4(一般),现为“{f.get('severity')}”。",
                "severity must be 1..4.",
            )
        )
    hours = f.get("valid_hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or hours < 1:
        found.append(
            problem(
                "EMERGENCY_VALID_HOURS",
                "valid_hours",
                f"播发有效期(小时)须为正整数,现为“{hours}”。",
                "valid_hours must be a positive whole number.",
            )
        )
    elif hours > limits["valid_hours_max"]:
        found.append(
            problem(
                "EMERGENCY_TOO_LONG_VALID",
                "end_time",
                f"播发有效期不超过 {limits['valid_hours_max']} 小时。",
                "the broadcast is valid for too long.",
            )
        )
    approvers = (variant.flags.get("dual_control") or {}).get("approvers") or []
    if config["require_dual_control"] and variant.flags.get("urgent") and len(set(approvers)) < 2:
        found.append(
            problem(
                "EMERGENCY_DUAL_CONTROL_REQUIRED",
                "flags.dual_control",
                "紧急播发须双人确认:请由两名不同的值班负责人分别确认后再播发。",
                "the urgent path needs dual control: two different approvers.",
            )
        )
    return found


def package(fields: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[str, bytes]:
    """The signed package (file name, tar bytes) of one EBD."""
    key = config["signing"]["private_key_hex"]
    if not key:
        raise PermanentDeliveryError(
            "未配置应急广播签名私钥,请管理员在渠道设置中配置。", "no SM2 signing key configured"
        )
    body = ebd_xml(fields)
    try:
        signature_value = signing.sign(body, key)
    except (RuntimeError, ValueError) as exc:
        raise PermanentDeliveryError(
            "应急广播签名私钥无效,请管理员更换密钥。", f"SM2 signing failed: {exc}"
        ) from exc
    signature = signature_xml(fields["ebd_id"], config["signing"]["cert_sn"], signature_value)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in (
            (f"EBDB_{fields['ebd_id']}.xml", body),
            (f"EBDS_EBDB_{fields['ebd_id']}.xml", signature),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return f"EBD_{fields['ebd_id']}.tar", out.getvalue()


@hookimpl
async def deliver(
    variant: Variant, config: Mapping[str, Any], transport: FileDrop
) -> DeliveryResult:
    """Drop the signed package; the same EBDID on a retry overwrites, never duplicates."""
    name, data = package(variant.fields, config)
    path = await transport.write(name, data)
    return DeliveryResult(
        variant.get("ebm_id"),
        PlatformStatus(StatusState.ACCEPTED, final=True),
        url=path,
        details={"ebd_id": variant.get("ebd_id"), "fields": dict(variant.fields)},
    )


@hookimpl
async def fetch_metrics(delivery: DeliveryResult, transport: FileDrop) -> Metrics:
    """The broadcast platform's state response (播发状态反馈, EBMStateResponse) the
    gateway leaves as `EBDS_<EBDID>.xml`: `Coverage/ResBrdStat` "terminals,played"
    and `Coverage/CoverageRate`. Terminals that played it are its reach."""
    raw = await transport.read(f"EBDS_{delivery.details.get('ebd_id')}.xml")
    if raw is None:
        raise TransientDeliveryError(
            "应急广播平台尚未反馈播发状态,稍后再取", "no state response yet"
        )
    try:
        root = ElementTree.fromstring(raw)
        stat = (root.findtext(".//Coverage/ResBrdStat") or "").split(",")
        terminals, played = int(stat[0]), int(stat[1])
        rate = root.findtext(".//Coverage/CoverageRate")
    except (ElementTree.ParseError, ValueError, IndexError) as exc:
        raise TransientDeliveryError(
            "应急广播播发状态反馈无法读取,稍后再取", f"unreadable state response: {exc}"
        ) from exc
    return Metrics(
        views=played,
        completion_rate=float(rate) if rate else None,
        details={
            "terminals": terminals,
            "played": played,
            "state": root.findtext(".//BrdStateCode"),
        },
    )


def _follow_up(
    delivery: DeliveryResult, idempotency_key: str, fields: Mapping[str, Any], msg_type: str
) -> dict[str, Any]:
    serial = int(hashlib.sha256(idempotency_key.encode()).hexdigest(), 16) % 10**16
    ebd_id = _id(fields["src_ebrid"], serial)
    return {
        **fields,
        "ebd_id": ebd_id,
        "ebm_id": ebd_id,
        "msg_type": msg_type,
        "related_ebm_id": delivery.external_id,
    }


@hookimpl
async def retract(
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: FileDrop,
    idempotency_key: str,
    reason: str,
) -> DeliveryResult:
    """Send a cancelling EBM (MsgType 2) that refers to the broadcast one."""
    fields = _follow_up(delivery, idempotency_key, delivery.details["fields"], MSG_CANCEL)
    name, data = package(fields, config)
    await transport.write(name, data)
    return DeliveryResult(
        delivery.external_id,
        PlatformStatus(StatusState.REMOVED, reason_zh=reason, final=True),
        details={**delivery.details, "cancel_ebd_id": fields["ebd_id"]},
    )


@hookimpl
async def correct(
    variant: Variant,
    delivery: DeliveryResult,
    config: Mapping[str, Any],
    transport: FileDrop,
    idempotency_key: str,
) -> DeliveryResult:
    """Send the corrected message as a new EBM whose RelatedEBM is the first one."""
    fields = _follow_up(delivery, idempotency_key, variant.fields, MSG_BROADCAST)
    name, data = package(fields, config)
    path = await transport.write(name, data)
    return DeliveryResult(
        fields["ebm_id"],
        PlatformStatus(StatusState.ACCEPTED, final=True),
        url=path,
        details={"ebd_id": fields["ebd_id"], "fields": fields},
    )
