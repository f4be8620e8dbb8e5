"""Per-center channel configuration (渠道设置): each center's own accounts and limits.

A provincial deployment hosts many centers, each with its own WeChat 公众号, 抖音 account,
portal endpoint and signing keys. A center's settings are merged over the deployment's
(`RONGHUB_CHANNEL_CONFIG`), which are merged over the plugin's defaults. Secret sections
(credentials, signing keys, transport secrets) are stored encrypted with the hub's key
encryption secret and never returned by the API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, cast

import jsonschema
from pydantic import Field
from pymongo import IndexModel

from hub.domain import payloads
from hub.domain.names import check_path
from hub.errors import ErrorKind, HubError, invalid
from hub.identity.keys import decrypt_text, encrypt_text
from hub.ids import now_ms
from hub.settings import Settings
from hub.store.coalesce import find_by_id
from hub.store.documents import TenantDocument
from hub.store.scope import Scope
from hub.transports.outbound import (
    BlockedAddress,
    OutboundPolicy,
    UnresolvableHost,
    check_outbound_url,
)

SECRET_SECTIONS = ("credentials", "signing")
SECRET_TRANSPORT_KEYS = ("secrets", "token", "client_secret", "password")
REDACTED = "******"
SECRET_PATHS = "_secret_paths"  # recorded in the stored public part, for redaction

CONFIG_INVALID = ErrorKind(
    "CHANNEL_CONFIG_INVALID",
    "「{channel}」渠道设置中的 {key} 不符合要求:{reason_zh}。设置未保存,请按渠道说明修改后再提交。",
    "The {channel} settings are invalid at {key}: {reason_en}. Nothing was saved.",
)


URL_BLOCKED = ErrorKind(
    "CHANNEL_URL_BLOCKED",
    "渠道设置 {field} 的地址 {url} 不能使用:{reason_zh}请填写平台可从公网访问的 http(s) 地址。",
    "Channel setting {field} ({url}) is refused: {reason_en}",
)


class ChannelConfigDoc(TenantDocument):
    """One center's settings for one channel (`_id` = `{tenant}:{channel}`)."""

    channel: str
    config: dict[str, Any] = Field(default_factory=dict)  # without secrets
    secrets_enc: str | None = None  # encrypted JSON of the secret parts
    updated_at: int = Field(default_factory=now_ms)
    updated_by: str | None = None

    class Settings:
        name = "channel_configs"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("channel", 1)])]


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = (
            deep_merge(out[k], v)
            if isinstance(v, Mapping) and isinstance(out.get(k), Mapping)
            else v
        )
    return out


def split_secrets(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public part, secret part) of a channel configuration."""
    public = {k: v for k, v in config.items() if k not in SECRET_SECTIONS}
    secret = {k: config[k] for k in SECRET_SECTIONS if k in config}
    transport = dict(public.get("transport") or {})
    hidden = {k: transport.pop(k) for k in SECRET_TRANSPORT_KEYS if k in transport}
    if hidden:
        public["transport"] = transport
        secret["transport"] = hidden
    return public, secret


def masked(config: Mapping[str, Any]) -> dict[str, Any]:
    """A full configuration as the API may show it: every secret section and transport
    secret replaced by the mask (the same names `split_secrets` keeps encrypted)."""
    out: dict[str, Any] = {k: (REDACTED if k in SECRET_SECTIONS else v) for k, v in config.items()}
    transport = out.get("transport")
    if isinstance(transport, Mapping):
        out["transport"] = {
            k: (REDACTED if k in SECRET_TRANSPORT_KEYS else v) for k, v in transport.items()
        }
    return out


def redacted(doc: ChannelConfigDoc) -> dict[str, Any]:
    """What the API shows: every secret value replaced by a mask."""
    out = {k: v for k, v in doc.config.items() if k != SECRET_PATHS}
    for path in doc.config.get(SECRET_PATHS, []):
        head, _, tail = path.partition(".")
        if tail:
            out[head] = {**dict(out.get(head) or {}), tail: REDACTED}
        else:
            out[head] = REDACTED
    return out


def unmask(config: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """`config` with every secret sent back as the mask (what the API showed) replaced by
    the stored value, so a form that never saw a secret can save the other settings and
    keep it. A mask with nothing stored behind it is refused (nothing to keep)."""
    out = dict(config)
    for key in SECRET_SECTIONS:
        if out.get(key) == REDACTED:
            if key not in stored:
                raise invalid(
                    key, "没有已保存的密钥可沿用,请填写", "no stored secret to keep: fill it in"
                )
            out[key] = stored[key]
    transport = out.get("transport")
    if isinstance(transport, Mapping):
        kept = dict(transport)
        found = stored.get("transport")
        stored_transport: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        for key in SECRET_TRANSPORT_KEYS:
            if kept.get(key) == REDACTED:
                if key not in stored_transport:
                    raise invalid(
                        f"transport.{key}",
                        "没有已保存的密钥可沿用,请填写",
                        "no stored secret to keep: fill it in",
                    )
                kept[key] = stored_transport[key]
        out["transport"] = kept
    return out


def check(channel: str, schema: Mapping[str, Any], effective: Mapping[str, Any]) -> None:
    """Refuse settings that do not match the plugin's declared `config_schema`, checked on
    the configuration as deliveries will see it (defaults ← deployment ← this center), so
    a required key may come from any of the three. Names the first wrong key."""
    bad = payloads.out_of_range(effective)
    if bad is not None:
        raise HubError(
            CONFIG_INVALID,
            channel=channel,
            key=bad,
            reason_zh="数值超出可保存的范围",
            reason_en="the number cannot be stored",
        )
    if not schema:
        return
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(effective),
        key=lambda e: list(e.absolute_path),
    )
    if not errors:
        return
    first = errors[0]
    path = ".".join(str(p) for p in first.absolute_path)
    if first.validator == "required":  # the missing key is in the message, not the path
        missing = next((k for k in first.validator_value if k not in (first.instance or {})), "")
        path = f"{path}.{missing}" if path else str(missing)
        reason_zh, reason_en = "缺少必填项", "required"
    else:  # jsonschema says it in English; the Chinese names the rule the value breaks
        reason_zh = f"不满足规则 {first.validator}"
        reason_en = f"{first.validator}: {first.message}"[:200]
    raise HubError(
        CONFIG_INVALID, channel=channel, key=path or "/", reason_zh=reason_zh, reason_en=reason_en
    )


async def save(
    scope: Scope, settings: Settings, channel: str, config: Mapping[str, Any]
) -> ChannelConfigDoc:
    """Replace the center's settings for `channel` (secrets encrypted)."""
    if not isinstance(config, Mapping):
        raise invalid(
            "config", "渠道设置应为 JSON 对象", "the channel configuration must be an object"
        )
    await check_transport(settings, config)
    public, secret = split_secrets(config)
    public[SECRET_PATHS] = sorted(
        [k for k in secret if k != "transport"]
        + [f"transport.{k}" for k in secret.get("transport", {})]
    )
    doc = ChannelConfigDoc(
        id=f"{scope.tenant}:{channel}",
        tenant=scope.tenant,
        channel=channel,
        config=public,
        secrets_enc=encrypt_text(settings, json.dumps(secret, ensure_ascii=False))
        if secret
        else None,
        updated_by=scope.actor,
    )
    await doc.save()
    return doc


async def check_transport(settings: Settings, config: Mapping[str, Any]) -> None:
    """Refuse, when saved, a transport address delivery would refuse: a URL (`url`,
    `base_url`, any `…_url`) into a private, loopback or reserved network, and a
    directory with a NUL byte. A host name that does not resolve yet is accepted; every
    connection checks it again (hub/transports/outbound.py)."""
    section = config.get("transport")
    if not isinstance(section, Mapping):
        return
    policy = OutboundPolicy.from_settings(settings)
    for key, value in section.items():
        if key == "directory" and isinstance(value, str):
            check_path(f"transport.{key}", value)
        if not (key == "url" or str(key).endswith("_url")):
            continue
        if not isinstance(value, str):
            raise invalid(f"transport.{key}", "应为 http(s) 地址", "must be an http(s) URL")
        try:
            await check_outbound_url(value.strip(), policy=policy)
        except UnresolvableHost:
            continue
        except BlockedAddress as exc:
            raise HubError(
                URL_BLOCKED,
                field=f"transport.{key}",
                url=value,
                reason_zh=exc.reason_zh,
                reason_en=exc.reason_en,
            ) from exc


async def get(tenant: str, channel: str) -> ChannelConfigDoc | None:
    """The center's stored settings for `channel`. A story's channels are rendered and sent
    side by side and each reads its channel's settings: their reads go together as one
    find (hub/store/coalesce.py: a read joins only a find not yet sent, so it sees every
    settings change saved before it asked)."""
    found = await find_by_id(ChannelConfigDoc, {"tenant": tenant}, f"{tenant}:{channel}")
    return cast(ChannelConfigDoc | None, found)


async def load(tenant: str, channel: str, settings: Settings) -> dict[str, Any]:
    """The center's settings for `channel`, secrets decrypted ({} when it has none)."""
    doc = await get(tenant, channel)
    if doc is None:
        return {}
    config = {k: v for k, v in doc.config.items() if k != SECRET_PATHS}
    if doc.secrets_enc:
        config = deep_merge(config, json.loads(decrypt_text(settings, doc.secrets_enc)))
    return config
