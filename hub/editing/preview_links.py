"""Shareable, expiring preview links of a draft (稿件预览链接).

A link carries a token: the center, the story, when it was issued and when it expires,
signed with HMAC-SHA256 under a key derived from the hub's media URL secret. Whoever
holds it sees the story's current head (the draft, not only what is published) until it
expires (at most RONGHUB_PREVIEW_LINK_TTL_SECONDS after it was made) or until an editor
revokes the story's links, which refuses every token issued before that moment.

`sign` and `verify` are pure: the caller passes the key and the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.errors import ErrorKind, HubError
from hub.ids import now_ms
from hub.store.documents import TenantDocument
from hub.store.tenanted import Tenanted


class PreviewCodes:
    PREVIEW_LINK_INVALID = ErrorKind(
        "PREVIEW_LINK_INVALID",
        "预览链接无效(不完整或被改动过),请向编辑索取新的链接。",
        "The preview link is not valid (incomplete or altered); ask the editor for a new one.",
        403,
    )
    PREVIEW_LINK_EXPIRED = ErrorKind(
        "PREVIEW_LINK_EXPIRED",
        "预览链接已过期或已被编辑撤销,请向编辑索取新的链接。",
        "The preview link has expired or was revoked; ask the editor for a new one.",
        410,
    )


@dataclass(frozen=True)
class PreviewClaim:
    tenant: str
    story_id: str
    issued_ms: int
    expires: int  # unix seconds


def derive_key(media_secret: bytes) -> bytes:
    """The preview key: separate from the media URL key though derived from it."""
    return hmac.new(media_secret, b"ronghub preview links v1", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sign(key: bytes, claim: PreviewClaim) -> str:
    body = _b64(
        json.dumps(
            [claim.tenant, claim.story_id, claim.issued_ms, claim.expires], separators=(",", ":")
        ).encode()
    )
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, now: float) -> PreviewClaim:
    """The claim of a genuine, unexpired token; PREVIEW_LINK_INVALID / _EXPIRED otherwise."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise HubError(PreviewCodes.PREVIEW_LINK_INVALID)
    try:
        tenant, story_id, issued_ms, expires = json.loads(
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        )
        claim = PreviewClaim(str(tenant), str(story_id), int(issued_ms), int(expires))
    except (ValueError, TypeError):  # signed by us, so only a bug gets here
        raise HubError(PreviewCodes.PREVIEW_LINK_INVALID) from None
    if now >= claim.expires:
        raise HubError(PreviewCodes.PREVIEW_LINK_EXPIRED)
    return claim


class PreviewRevocationDoc(TenantDocument):
    """Preview links of a story issued before `before` (ms) are refused; `_id` is
    `{tenant}:{story id}`."""

    story_id: str
    before: int = Field(default_factory=now_ms)
    by: str | None = None

    class Settings:
        name = "preview_revocations"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("story_id", 1)])]

    @staticmethod
    def make_id(tenant: str, story_id: str) -> str:
        return f"{tenant}:{story_id}"


async def revoke(tenant: str, story_id: str, actor: str | None, at_ms: int) -> None:
    await Tenanted(PreviewRevocationDoc, tenant).update_one(
        {"_id": PreviewRevocationDoc.make_id(tenant, story_id)},
        {"$set": {"story_id": story_id, "before": at_ms, "by": actor}},
        upsert=True,
    )


async def check_not_revoked(claim: PreviewClaim) -> None:
    doc = await Tenanted(PreviewRevocationDoc, claim.tenant).find_one(
        {"_id": PreviewRevocationDoc.make_id(claim.tenant, claim.story_id)}
    )
    if doc is not None and claim.issued_ms <= int(doc["before"]):
        raise HubError(PreviewCodes.PREVIEW_LINK_EXPIRED)


PREVIEW_MODELS = [PreviewRevocationDoc]
